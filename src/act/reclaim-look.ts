// What `reclaim` looks at: the DM analysis every act command makes (analyze-host.ts) plus the volumes
// part gathered from the same node, turned into the planner's input. Re-run under the locks before
// every volume is touched, so the plan for that volume is made again from a fresh look.

import { moveFileCommand } from '../children/move-file-child';
import type { Refusal } from '../core/cleanup/check-safety';
import { checkSafety, safetyFacts } from '../core/cleanup/check-safety';
import { storageConfigAsSeen } from '../core/node/vg-reach';
import { parseMountInfo } from '../core/parse/mountinfo';
import type { ReclaimInput } from '../core/reclaim/plan-reclaim';
import { type DatasetState, datasetStates } from '../core/reclaim/plan-unquarantine';
import type { HostCommands } from '../core/reclaim/reclaim-steps';
import type { QuarantineRecord } from '../core/reclaim/reclaim-types';
import type { Config } from '../core/vocab/config';
import { volidsNamedElsewhere } from '../core/vocab/only-copy';
import { DEFAULT_RETENTION_DAYS } from '../core/vocab/quarantine-name';
import type { VolumesResult } from '../core/vocab/volume-types';
import { classifyVolumes, rbdWatchCandidates, unknownVolumes } from '../core/volumes/classify-volumes';
import { zfsMountTargets } from '../core/volumes/volume-host-facts';
import { parseZfsListing } from '../core/volumes/volume-storages';
import { volumesInputOf } from '../core/volumes/volumes-input';
import { type Host, hostPath } from '../host/host';
import { readPveMountState } from '../host/read-mountstate';
import { rbdArgv } from '../host/read-rbd';
import { gatherVolumes } from '../host/read-volumes';
import type { Analysis } from './analyze-host';

/** The volumes part of this node now (no mount probe: a dead network storage times out in its lister child). */
export async function readVolumesFor(host: Host, a: Analysis, timeoutMs?: number): Promise<VolumesResult> {
  return (await readVolumesLook(host, a, timeoutMs)).volumes;
}

/**
 * The volumes part and, for `restore`, the ZFS datasets with their mount state: from the same `zfs list`
 * the volumes part classified and the mount table of the same look (nothing read twice).
 */
export async function readVolumesLook(
  host: Host,
  a: Analysis,
  timeoutMs?: number,
): Promise<{ volumes: VolumesResult; datasets: DatasetState[] }> {
  const { view } = a;
  if (view.guestGap) return { volumes: unknownVolumes(view.guestGap), datasets: [] };
  const pve = view.pve;
  try {
    const raw = await gatherVolumes(host, pve, {
      timeoutMs,
      rbdCandidates: (listed) => rbdWatchCandidates({ pve, raw: listed, processes: [] }),
    });
    // The same reference forms as every other look (the config paths through the node's links among them).
    const look = {
      processes: view.processes,
      files: view.files,
      unreadable: a.snapshot?.unreadable,
      devicePaths: a.snapshot?.devicePaths,
    };
    const volumes = classifyVolumes(volumesInputOf(look, pve, raw));
    const listing = parseZfsListing(raw);
    const mounts = zfsMountTargets(parseMountInfo(view.files['/proc/self/mountinfo'] ?? '').mounts);
    return { volumes, datasets: listing instanceof Error ? [] : datasetStates(listing, mounts) };
  } catch (e) {
    return { volumes: unknownVolumes((e as Error).message), datasets: [] };
  }
}

/** The commands whose argv this host decides: PVE's rbd connection options, the no-copy mover under --root. */
export function hostCommands(host: Host): HostCommands {
  return {
    rbd: (st) => rbdArgv(host, st, []),
    moveFile: (from, to) => moveFileCommand(hostPath(host, from), hostPath(host, to)),
    removeFile: (path) => ['rm', '--', hostPath(host, path)],
    removeTree: (path) => ['rm', '-r', '--one-file-system', '--', hostPath(host, path)],
    removeSubvolume: (path) => ['btrfs', 'subvolume', 'delete', '--', hostPath(host, path)],
  };
}

export function retentionDaysOf(config: Config): number {
  return config.reclaim?.retention_days ?? DEFAULT_RETENTION_DAYS;
}

/** The planner's input from one look at the node. `refusals`: the node's preconditions (checkSafety). */
export function reclaimInput(
  a: Analysis,
  o: {
    volumes: VolumesResult;
    config: Config;
    now: Date;
    refusals: Refusal[];
    commands: HostCommands;
    recorded?: QuarantineRecord[];
  },
): ReclaimInput {
  return {
    node: a.view.node,
    now: o.now,
    retentionDays: retentionDaysOf(o.config),
    // A VG on a LUN other nodes see is shared LVM whatever storage.cfg says: reclaim refuses it as such.
    storages: storageConfigAsSeen(a.view),
    dm: a.result.entries,
    lvs: a.view.lvm.lvs,
    volumes: o.volumes,
    nodeRefusals: o.refusals.map((r) => r.message),
    namedElsewhere: volidsNamedElsewhere(a.view.pve.guests.values(), a.view.node),
    commands: o.commands,
    recorded: o.recorded,
  };
}

/** The node's preconditions now (pmxcfs mounted, quorate, our node, configs present). */
export function nodeRefusals(host: Host, a: Analysis): Refusal[] {
  return checkSafety(safetyFacts(a.view, a.result, readPveMountState(host)));
}
