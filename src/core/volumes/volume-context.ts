// What every volume verdict reads besides the volume, and the flags a verdict collects. Its own room, so
// the verdict and the snapshot rules (volume-verdict.ts, snapshot-verdict.ts) do not import each other.
import type { RefHit } from '../dm/dm-references';
import type { PveState } from '../node/pve-state';
import type { DanglingIndex } from '../node/storage-gaps';
import type { MountInfo } from '../parse/mountinfo';
import type { ProcessInfo } from '../vocab/snapshot';
import type { ReplicationView } from './volume-replication';

/** What every verdict reads besides the volume: PVE state, references, replication, clone bases, holders. */
export interface VolumeContext {
  pve: PveState;
  refs: Map<string, RefHit[]>;
  replication: ReplicationView;
  hasClones: Set<string>;
  holdersByDev: Map<string, ProcessInfo[]>;
  /** Newest `__replicate_<job>_<ts>__` time per `<own volume>|<job>` on the storage (the job's base without a state file). */
  newestReplicate: Map<string, number>;
  /** The jobs whose `__replicate_` snapshots each own volume carries (the other index of the same snapshots). */
  replicateJobs: Map<string, string[]>;
  /**
   * Local file storages (no `shared 1`) whose path lies on a network filesystem here → that mount
   * (`nfs4 10.0.0.5:/export`): storage.cfg calls them local while the mount says another node may see them.
   */
  networkFs?: Map<string, string>;
  /**
   * This node's config device paths that lead nowhere this check can name (links in a loop, a zvol or
   * krbd device no listing names): "no config names it" cannot be believed for this node's block volumes.
   */
  unresolvedPaths?: string[];
  /** Block devices the host has mounted (mountinfo sources, /dev/zvol links as their zdN[pK]). */
  mounted?: Set<string>;
  /** Mount targets of each ZFS dataset the host has mounted (mountinfo: fstype zfs, source the dataset). */
  zfsMounts?: Map<string, string[]>;
  /** The host's mount table (directory volumes: directoryMounts). */
  mounts?: readonly MountInfo[];
  /**
   * The own names of the storage's volumes that are not in quarantine: a config naming one of them names
   * it, not a quarantined volume that once had that name (volume-quarantined.ts namedAgain).
   */
  liveNames?: Set<string>;
  /** Why the host's mount table cannot be believed (missing, cut short: storage-gaps.ts mountTableGap). */
  mountsGap?: string | null;
  /** Volumes named through storages storage.cfg does not define (storage-gaps.ts danglingIndex). */
  dangling?: DanglingIndex;
  /** Uses by path besides configs and processes: loop devices, absolute qcow2 backing files (volume-usage.ts). */
  usage?: PathUsage;
}

/** One use (volume-usage.ts) of a path: a bound loop device, or an overlay that names it as its backing file. */
export type PathUse = { kind: 'loop'; device: string } | { kind: 'backing'; overlay: string };

export interface PathUsage {
  /** A path as the kernel names it (normalised) → its uses. */
  byPath: Map<string, PathUse[]>;
  /** Why the loop devices could not be read whole: no file volume is unused while it stands. */
  gap: string | null;
}

/** Who keeps a verdict's volume: the operations it is pending for and everything that protects it. */
export interface Flags {
  pendingBy: Set<string>;
  protectedBy: Set<string>;
}
