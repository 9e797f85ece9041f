// What every volume verdict reads besides the volume, and the flags a verdict collects. Its own room, so
// the verdict and the snapshot rules (volume-verdict.ts, snapshot-verdict.ts) do not import each other.
import type { RefHit } from '../dm/dm-references';
import type { PveState } from '../node/pve-state';
import type { ProcessInfo } from '../snapshot';
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
  /** Block devices the host has mounted (mountinfo sources, /dev/zvol links as their zdN[pK]). */
  mounted?: Set<string>;
  /** Mount targets of each ZFS dataset the host has mounted (mountinfo: fstype zfs, source the dataset). */
  zfsMounts?: Map<string, string[]>;
}

/** Who keeps a verdict's volume: the operations it is pending for and everything that protects it. */
export interface Flags {
  pendingBy: Set<string>;
  protectedBy: Set<string>;
}
