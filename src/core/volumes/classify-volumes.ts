// Guest volumes on ZFS, Ceph RBD and file storages against the guest configs (design "Classification",
// same vocabulary as DM entries). Pure: listings and PVE state in, entries out. Report only: the hint
// names the PVE command, nothing here deletes. Per volume the verdict is volume-verdict.ts's; here each
// storage of this node is listed, counted, and the part's summary and status folded.

import { networkFileStorages } from '../mounts/network-storages';
import { guestIdentities } from '../node/guest-identity';
import type { PveState } from '../node/pve-state';
import { danglingIndex, definedStorageIds, mountTableGap } from '../node/storage-gaps';
import { parseMountInfo } from '../parse/mountinfo';
import { parseReplicationSnapshot } from '../parse/replication';
import { type StorageConfig, storagesOnNode } from '../parse/storage-config';
import { setSteps } from '../vocab/next-step';
import { snapshotsStayBehind, volumeOffered } from '../vocab/reclaim-scope';
import type { DevicePathState, ProcessInfo } from '../vocab/snapshot';
import type { VolumeEntry, VolumeStorageStatus, VolumesRaw, VolumesResult } from '../vocab/volume-types';
import { withChainCurrent } from './volume-chain-current';
import { holdersByDevice, mountedDevices, volumePathResolver, zfsMountTargets } from './volume-host-facts';
import { rbdSnapshotsFollowImage } from './volume-rbd';
import { holdsGuestVolumes, referenceIndex, storageLocation } from './volume-references';
import { replicationView } from './volume-replication';
import { filePath, type ListedVolume, listStorageVolumes, parseZfsListing, type ZfsListing } from './volume-storages';
import { storageCounts, volumesStatus, volumesSummary } from './volume-summary';
import { namedMissing } from './volume-unlisted';
import { pathUsage } from './volume-usage';
import { classifyVolume, type VolumeContext } from './volume-verdict';

export {
  isFileType,
  parseReplicationJobs,
  splitVolname,
  storageLocation,
  VOLUME_STORAGE_TYPES,
} from './volume-references';
export { filePath };

export interface ClassifyVolumesInput {
  pve: PveState;
  raw: VolumesRaw;
  processes: ProcessInfo[];
  replicationCfg?: string;
  /** Why replication.cfg could not be read although it is there (HostSnapshot unreadable). */
  replicationUnreadable?: string;
  /** This node's /var/lib/pve-manager/pve-replication-state.json, when it was read. */
  replicationState?: string;
  /** This node's /proc/self/mountinfo (what the host has mounted). */
  hostMountinfo?: string;
  /** Where this node's config device paths lead (HostSnapshot devicePaths); absent in older captures. */
  devicePaths?: Record<string, DevicePathState | null>;
}

/** One storage listed and its volumes classified; its counts leave snapshots out (they are not volumes). */
function classifyStorageVolumes(
  st: StorageConfig,
  input: { raw: VolumesRaw; zfs: ZfsListing },
  c: Omit<VolumeContext, 'hasClones' | 'newestReplicate' | 'replicateJobs'>,
): { stat: VolumeStorageStatus; entries: VolumeEntry[]; notes: string[] } {
  const listed = listStorageVolumes(st, input.raw, input.zfs);
  // The storage's row; storageCounts adds the counts and sizes from its entries.
  const stat: Pick<VolumeStorageStatus, 'storage' | 'type' | 'status' | 'error'> = {
    storage: st.id,
    type: st.type,
    status: listed.error || listed.incomplete ? 'unknown' : 'ok',
  };
  const loc = storageLocation(st);
  if (stat.status === 'unknown') stat.error = listed.error ?? listed.incomplete;
  // Bases that clones on the storage still depend on (ZFS origin, RBD parent, qcow2 backing file).
  const hasClones = new Set(listed.volumes.map((v) => v.baseOf).filter((b): b is string => !!b));
  const newestReplicate = newestReplicateSnapshots(listed.volumes);
  const entries: VolumeEntry[] = [];
  // One context for the storage (not one object per volume: 10,000 volumes, 10,000 copies).
  const replicateJobs = new Map<string, string[]>();
  for (const k of newestReplicate.keys()) {
    const at = k.lastIndexOf('|');
    const own = k.slice(0, at);
    replicateJobs.set(own, [...(replicateJobs.get(own) ?? []), k.slice(at + 1)]);
  }
  const liveNames = new Set(listed.volumes.filter((v) => !v.quarantine && !v.trash).map((v) => v.own));
  const ctx: VolumeContext = { ...c, hasClones, newestReplicate, replicateJobs, liveNames };
  // A volume-chain file holding a guest's current image is judged as that guest's volume.
  const verdict = (v: ListedVolume) => classifyVolume(st, loc, v, ctx);
  for (const v of listed.volumes) entries.push(withChainCurrent(st, loc, v, { c: ctx, verdict }));
  // A config naming a volume a listing read whole lacks: the guest's missing disk (volume-unlisted.ts); a
  // listing that failed or is incomplete (an image it could not open, the trash unread) says nothing of it.
  if (stat.status === 'ok') for (const e of namedMissing(st, loc, listed, c)) entries.push(e);
  snapshotsMoveWithVolume(entries);
  rbdSnapshotsFollowImage(entries);
  return { stat: storageCounts(stat, entries), entries, notes: listed.notes ?? [] };
}

/**
 * A snapshot of a volume that reclaim takes as a whole is not offered to reclaim alone: it moves with its
 * volume (core/reclaim/reclaim-rules.ts refuses it the same way), and its own removal stays its hint. A
 * volume on a file storage with snapshot entries is not offered at all (reclaim-scope.ts snapshotsStayBehind).
 */
function snapshotsMoveWithVolume(entries: VolumeEntry[]): void {
  const whole = new Set(entries.filter(volumeOffered).map((e) => e.volid));
  // On a file storage it is the other way round: the volume is not taken while its snapshots would stay.
  const stay = new Set(
    entries.filter((e) => e.snapshot !== undefined && snapshotsStayBehind(e.type)).map((e) => e.volid),
  );
  for (const e of entries) {
    const drop = e.snapshot !== undefined ? whole.has(e.volid) : stay.has(e.volid);
    if (drop && e.steps?.some((s) => s.kind === 'reclaim'))
      setSteps(
        e,
        e.steps.filter((s) => s.kind !== 'reclaim'),
      );
  }
}

/** The newest `__replicate_<job>_<ts>__` per volume and job: the job's base when no state file says. */
function newestReplicateSnapshots(volumes: ListedVolume[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of volumes) {
    const r = v.snapshot ? parseReplicationSnapshot(v.snapshot) : null;
    if (!r) continue;
    const k = `${v.own}|${r.jobId}`;
    if ((out.get(k) ?? -1) < r.time) out.set(k, r.time);
  }
  return out;
}

/**
 * The RBD images whose watchers decide their verdict (volume-rbd.ts needsWatchers): the ones the
 * verdict would call orphans with nothing yet saying a client has them open. The host asks `rbd status`
 * for these only, so the number of calls follows the number of orphan candidates, not of images.
 */
export function rbdWatchCandidates(input: ClassifyVolumesInput): { storage: string; image: string }[] {
  const r = classifyVolumes(input, (st) => st.type === 'rbd');
  return (
    r.entries
      // (a locked orphan keeps its lock's protection until rbd status says whether its owner still watches)
      .filter(
        (e) =>
          (e.reason === 'watchers-unread' || (e.status === 'orphan' && e.protectedBy.includes('rbd-lock'))) &&
          !e.snapshot &&
          !e.trash,
      )
      .map((e) => ({
        storage: e.storage,
        image: e.volid
          .slice(e.volid.indexOf(':') + 1)
          .split('/')
          .pop() as string,
      }))
  );
}

export function classifyVolumes(input: ClassifyVolumesInput, only?: (st: StorageConfig) => boolean): VolumesResult {
  const { pve, raw } = input;
  const unresolvedPaths: string[] = [];
  // The host's mount table, parsed once for the facts read from it.
  const mounts = parseMountInfo(input.hostMountinfo ?? '').mounts;
  const c = {
    pve,
    refs: referenceIndex(pve, volumePathResolver(input), unresolvedPaths),
    unresolvedPaths,
    replication: replicationView(input.replicationCfg, input.replicationState, input.replicationUnreadable),
    holdersByDev: holdersByDevice(input.processes),
    mounted: mountedDevices(mounts, raw.zvolDevices),
    networkFs: networkFileStorages(mounts, pve.storageConfig),
    zfsMounts: zfsMountTargets(mounts),
    mounts,
    mountsGap: mountTableGap(input.hostMountinfo ?? '', 'the host mount table (/proc/self/mountinfo)'),
    usage: pathUsage(pve.storageConfig, raw),
    dangling: danglingIndex(pve.guests, definedStorageIds(pve.storageConfig)),
  };
  const listings = { raw, zfs: parseZfsListing(raw) };
  const entries: VolumeEntry[] = [];
  const storages: VolumeStorageStatus[] = [];
  const notes: string[] = [];
  for (const st of storagesOnNode(pve.storageConfig, pve.node)) {
    if (!holdsGuestVolumes(st) || (only && !only(st))) continue;
    const one = classifyStorageVolumes(st, listings, c);
    storages.push(one.stat);
    notes.push(...one.notes);
    // One push per entry: a spread of a big storage's entries would exceed the argument limit.
    for (const e of one.entries) entries.push(e);
  }
  const unknownStorages = storages.filter((s) => s.status === 'unknown');
  // Entries unknown because a config could not be seen (.vmlist or a guest config): the part says why.
  const unseen = pve.unseen.shared && entries.some((e) => e.reason === 'config-unreadable') ? pve.unseen.shared : null;
  const errors = [
    ...unknownStorages.map((s) => `storage ${s.storage} could not be checked: ${s.error}`),
    ...(unseen ? [unseen] : []),
  ];
  return {
    summary: volumesSummary(entries, storages),
    entries,
    storages,
    vmidLeftovers: vmidLeftovers(entries),
    guests: guestIdentities(pve, vmidsOf(entries), containerVmids(entries)),
    status: volumesStatus(entries, storages),
    ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
    warnings: [
      ...unknownStorages.map((s) => `${s.storage}: ${s.error}`),
      ...(unseen ? [unseen] : []),
      ...notes,
      ...c.replication.warnings,
    ],
  };
}

/**
 * The VMIDs the volumes name, for the guest table: a volume in pve-health's quarantine names none (it is
 * no guest's volume any more, and `restore` brings it back under its VMID): a VMID known only through
 * its quarantined leftovers is no guest (issue 60).
 */
const vmidsOf = (entries: VolumeEntry[]) =>
  entries.flatMap((e) => (e.vmid !== null && e.reason !== 'quarantined' ? [e.vmid] : []));

/** VMIDs of subvol volumes: containers, whether or not a config still says so (guest-identity.ts). */
function containerVmids(entries: VolumeEntry[]): Set<number> {
  const out = new Set<number>();
  for (const e of entries) if (e.vmid !== null && e.format === 'subvol') out.add(e.vmid);
  return out;
}

function vmidLeftovers(entries: VolumeEntry[]): VolumesResult['vmidLeftovers'] {
  const by = new Map<number, VolumesResult['vmidLeftovers'][number]>();
  for (const e of entries) {
    if (e.snapshot || e.status !== 'orphan' || e.reason !== 'guest-missing' || e.vmid === null) continue;
    let l = by.get(e.vmid);
    if (!l) {
      l = { vmid: e.vmid, volids: [], sizeBytes: 0, usedBytes: 0 };
      by.set(e.vmid, l);
    }
    l.volids.push(e.volid);
    l.sizeBytes += e.sizeBytes ?? 0;
    l.usedBytes += e.usedBytes ?? 0;
  }
  return [...by.values()].sort((a, b) => a.vmid - b.vmid);
}

/** The volumes part when nothing could be listed: UNKNOWN with the reason (never an empty OK). */
export function unknownVolumes(error: string): VolumesResult {
  return {
    summary: {
      total: 0,
      valid: 0,
      orphan: 0,
      unknown: 0,
      ignored: 0,
      protected: 0,
      pending: 0,
      open: 0,
      orphanSizeBytes: 0,
      storages: 0,
      unknownStorages: 0,
    },
    entries: [],
    storages: [],
    vmidLeftovers: [],
    status: 3,
    error,
    warnings: [],
  };
}
