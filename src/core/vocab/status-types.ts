// The small shared vocabulary of statuses and reasons (its own room: types.ts and volume-types.ts both
// use it, and neither imports the other's module for it).

export type DmStatus = 'valid' | 'duplicate' | 'orphan' | 'unknown' | 'ignored';

export type DmReason =
  // valid
  | 'referenced'
  // a PVE 9 volume-chain LV named like a snapshot that is the guest's current image (classify-dm-snapshot.ts)
  | 'chain-current'
  // a config names it and a whole lvs report does not show it: the guest's missing disk (dm-missing.ts)
  | 'missing-referenced'
  // orphan
  | 'guest-missing'
  | 'guest-on-other-node'
  | 'not-referenced'
  | 'snapshot-missing'
  | 'lv-missing'
  | 'inactive-leftover'
  | 'saferemove-leftover'
  // duplicate
  | 'stale-map'
  | 'renamed'
  | 'same-target'
  // unknown
  | 'lvm-incomplete'
  | 'vg-partial'
  | 'vg-unknown'
  // findings on a map itself
  | 'suspended'
  | 'no-table'
  | 'error-target'
  // ignored
  | 'not-guest-volume'
  | 'thin-pool-layer'
  | 'lv-layer'
  | 'not-lvm'
  | 'not-pve-storage'
  | 'partition-of-valid'
  | 'partition'
  | 'saferemove-in-progress'
  | 'storage-not-on-node'
  | 'not-tagged'
  // in pve-health's quarantine (`reclaim`), under the tool's own name (core/reclaim/quarantine-name.ts)
  | 'quarantined';

export interface HoldingProcess {
  pid: number;
  command: string;
  cmdline?: string;
}

export type Status = 0 | 1 | 2 | 3;

/** A guest as every part's table names it (src/core/node/guest-identity.ts). */
export interface GuestIdentity {
  vmid: number;
  type: 'qemu' | 'lxc';
  name: string;
  node: string;
  /** running | stopped | unknown (guests of other nodes: we cannot see their processes) | missing (no config) */
  status: string;
  lock?: string | null;
  template?: boolean;
}
