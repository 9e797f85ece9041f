// The plan of a live mounts check, decided from what was read before anything is probed: which paths
// to resolve on the host (and which of them lie on a network mount, so resolving never touches a dead
// server), which mounts the check reports, and one probe per superblock. The classifier judges the
// same occurrences afterwards, so they are computed once per run. Pure.
import { containerBinds } from './mount-binds';
import { nodeStorageMounts } from './mount-missing';
import {
  isNetworkType,
  listMountOccurrences,
  type MountOccurrence,
  type MountTables,
  planProbes,
  type StorageMount,
} from './mount-plan';
import type { MountSettings } from './mount-settings';
import type { ProbeJob } from './mount-types';
import { parseMountInfo, visibleMounts } from '../parse/mountinfo';

/** What the host read for the mounts check, before any probe. */
export interface MountReads extends MountTables {
  storageCfg: string | null;
  /** ctid → /etc/pve/lxc/<ctid>.conf text. */
  ctConfigs: Record<string, string>;
  node: string;
}

/** The mounts the check reports and the storages that must be mounted, with their warnings. */
export interface MountPlan {
  storages: StorageMount[];
  occurrences: MountOccurrence[];
  warnings: string[];
}

/**
 * Storage paths and container bind sources to resolve as PVE does (Cwd::realpath), and the targets
 * of network mounts: a path on one is never stat()ed through it.
 */
export function pathsToResolve(
  reads: MountReads,
  settings: Pick<MountSettings, 'networkTypes'>,
): { paths: string[]; networkTargets: string[] } {
  const network = visibleMounts(parseMountInfo(reads.hostMountinfo).mounts).filter((m) =>
    isNetworkType(m.fstype, settings.networkTypes),
  );
  return {
    paths: [
      ...nodeStorageMounts(reads.storageCfg, reads.node).map((m) => m.path),
      ...Object.entries(reads.ctConfigs).flatMap(([ctid, text]) => containerBinds(Number(ctid), text).map((b) => b.source)),
    ],
    networkTargets: network.map((m) => m.target),
  };
}

/** Is `path` at or under one of the network mount targets? */
export function onNetworkMount(path: string, networkTargets: string[]): boolean {
  return networkTargets.some((t) => path === t || path.startsWith(`${t}/`));
}

/** The occurrences to report (with the storages that must be mounted), from recorded or fresh reads. */
export function planMounts(
  reads: MountTables & Pick<MountReads, 'storageCfg' | 'node'> & { resolvedPaths?: Record<string, string> },
  settings: Pick<MountSettings, 'ignore' | 'networkTypes'>,
): MountPlan {
  const storages = nodeStorageMounts(reads.storageCfg, reads.node, reads.resolvedPaths);
  return { storages, ...listMountOccurrences(reads, storages, settings) };
}

/** One probe per superblock of the plan. */
export function probesOf(plan: MountPlan): ProbeJob[] {
  return planProbes(plan.occurrences);
}
