// The plan of a mounts check, decided from the parsed reads (mount-view.ts) before anything is probed:
// which paths to resolve on the host (and which of them lie on a network mount, so resolving never
// touches a dead server), which mounts the check reports, and one probe per superblock. The classifier
// judges the same plan afterwards, so occurrences are computed once per run. Pure.
import { isAtOrUnder } from './mount-paths';
import { isNetworkType, listMountOccurrences, type MountOccurrence, planProbes } from './mount-plan';
import type { MountSettings } from './mount-settings';
import type { ProbeJob } from './mount-types';
import type { MountView } from './mount-view';
import { resolveStorageMounts, type StorageMount } from './storage-mounts';

/** The mounts the check reports and the storages that must be mounted, with their warnings. */
export interface MountPlan {
  view: MountView;
  /** Host paths resolved as PVE does (only those that changed); see MountsRaw.resolvedPaths. */
  resolvedPaths: Record<string, string>;
  /** The storages that must be mounted, at their resolved paths. */
  storages: StorageMount[];
  occurrences: MountOccurrence[];
  warnings: string[];
}

/**
 * Filesystems where a stat can wait without bound, so the main process never stats, lstats or resolves
 * through them (only the probe children, killed at their deadline, do): network filesystems, FUSE
 * (its daemon answers every lookup: linux fs/fuse/dir.c; a hung sshfs/rclone/lxcfs hangs the caller)
 * and autofs triggers (fs/autofs/root.c autofs_d_manage makes a walk into a pending automount wait
 * until the mount unit gives up, 90 s by default). A mount stacked on one of those lies under its
 * target and is covered with it.
 */
export function mayBlock(fstype: string, networkTypes: string[] = []): boolean {
  return (
    isNetworkType(fstype, networkTypes) ||
    fstype === 'autofs' ||
    fstype === 'fuse' ||
    fstype === 'fuseblk' ||
    fstype.startsWith('fuse.') ||
    fstype === '9p' ||
    fstype === 'virtiofs'
  );
}

/**
 * Storage paths and container bind sources to resolve as PVE does (Cwd::realpath), and the targets
 * of mounts that may block (mayBlock): a path at or under one is never stat()ed through it.
 */
export function pathsToResolve(
  view: MountView,
  settings: Pick<MountSettings, 'networkTypes'>,
): { paths: string[]; networkTargets: string[] } {
  const binds = [...view.declared.values()].flatMap((d) => d.binds);
  return {
    paths: [...view.storages.map((m) => m.path), ...binds.map((b) => b.source)],
    networkTargets: view.host.mounts.filter((m) => mayBlock(m.fstype, settings.networkTypes)).map((m) => m.target),
  };
}

/** Is `path` at or under one of the network mount targets? */
export function onNetworkMount(path: string, networkTargets: string[]): boolean {
  return networkTargets.some((t) => isAtOrUnder(path, t));
}

/** The occurrences to report (with the storages that must be mounted), from recorded or fresh reads. */
export function planMounts(
  view: MountView,
  settings: Pick<MountSettings, 'ignore' | 'networkTypes'>,
  resolvedPaths: Record<string, string> = {},
): MountPlan {
  const storages = resolveStorageMounts(view.storages, resolvedPaths);
  return { view, resolvedPaths, storages, ...listMountOccurrences(view, storages, settings) };
}

/** One probe per superblock of the plan. */
export function probesOf(plan: MountPlan): ProbeJob[] {
  return planProbes(plan.occurrences);
}
