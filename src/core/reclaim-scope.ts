// What `pve-health reclaim` quarantines at all, by kind: the orphan reasons and storage types. Its own room
// below volumes, dm and reclaim, so the hints of the volumes and DM parts name reclaim only for a volume
// of a kind it takes (core/reclaim/reclaim-rules.ts checks the rest when it runs). Pure.

/** Orphan reasons a quarantine undoes nothing PVE would need: no config names the volume. */
export const RECLAIMABLE = new Set(['guest-missing', 'not-referenced', 'guest-on-other-node', 'inactive-leftover']);
export const FILE_TYPES = new Set(['dir', 'nfs', 'cifs', 'cephfs', 'btrfs']);

/**
 * Whether a hint may name `pve-health reclaim` for an orphan: its reason and its storage are ones reclaim
 * quarantines (the rest of the rules run when it is called; this only keeps hints from naming a command
 * that refuses the volume for its kind alone).
 */
export function reclaimOffered(v: { reason: string; type: string; format: string | null; snapshot?: string }): boolean {
  if (v.snapshot !== undefined || !RECLAIMABLE.has(v.reason)) return false;
  if (v.type === 'lvm' || v.type === 'lvmthin' || v.type === 'zfspool' || v.type === 'rbd') return true;
  return FILE_TYPES.has(v.type) && v.format !== 'subvol' && !(v.type === 'btrfs' && v.format === 'raw');
}
