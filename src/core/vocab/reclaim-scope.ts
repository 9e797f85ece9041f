// What `pve-health reclaim` quarantines at all, by kind: the orphan reasons and storage types. Its own room
// below volumes, dm and reclaim, so the hints of the volumes and DM parts name reclaim only for a volume
// of a kind it takes (core/reclaim/reclaim-rules.ts checks the rest when it runs). Pure.

/** Orphan reasons a quarantine undoes nothing PVE would need: no config names the volume. */
export const RECLAIMABLE = new Set(['guest-missing', 'not-referenced', 'guest-on-other-node', 'inactive-leftover']);
export const FILE_TYPES = new Set(['dir', 'nfs', 'cifs', 'cephfs', 'btrfs']);

/**
 * Orphan reasons of a storage snapshot a quarantine (a rename of the snapshot on its own volume) undoes
 * nothing PVE would need: PVE's own operation's leftover (`__migration__`, `vzdump`), a removed
 * replication job's `__replicate_…__` or a guest snapshot no config section names (`snapshot-missing`),
 * a snapshot of a volume whose guest is gone (`guest-missing`).
 */
export const SNAPSHOT_RECLAIMABLE = new Set(['operation-leftover', 'snapshot-missing', 'guest-missing']);
/** Storages whose snapshots have names of their own that a rename changes in place: ZFS, Ceph RBD. */
export const SNAPSHOT_TYPES = new Set(['zfspool', 'rbd']);

/**
 * Whether a hint may name `pve-health reclaim` for an orphan: its reason and its storage are ones reclaim
 * quarantines (the rest of the rules run when it is called; this only keeps hints from naming a command
 * that refuses the volume for its kind alone).
 */
export function reclaimOffered(v: { reason: string; type: string; format: string | null; snapshot?: string }): boolean {
  if (v.snapshot !== undefined) return SNAPSHOT_TYPES.has(v.type) && SNAPSHOT_RECLAIMABLE.has(v.reason);
  if (!RECLAIMABLE.has(v.reason)) return false;
  if (v.type === 'lvm' || v.type === 'lvmthin' || v.type === 'zfspool' || v.type === 'rbd') return true;
  // A file, or a container's subvol directory on dir/NFS/CIFS/CephFS: one rename(2) moves either. On btrfs a
  // raw disk's `<name>/` and a subvol are subvolumes (BTRFSPlugin.pm alloc_image `btrfs subvolume create`):
  // rename(2) moves a subvolume's root within its filesystem as it moves a directory (its `@snap`
  // siblings stay behind: snapshotsStayBehind).
  return FILE_TYPES.has(v.type);
}

/**
 * On a file storage a volume's snapshots are files or subvolumes of their own — a volume chain's
 * `snap-<snap>-<volname>` files (Plugin.pm get_snap_name), btrfs sibling subvolumes `<name>@<snap>`
 * (BTRFSPlugin.pm) — that a rename of the volume would leave behind, their chain cut: such a volume is
 * not quarantined (qcow2-internal snapshots live inside the file and are not listed as entries).
 */
export const snapshotsStayBehind = (type: string): boolean => FILE_TYPES.has(type);

/**
 * A whole volume reclaim takes (its hint names reclaim): an orphan of a kind reclaim quarantines that
 * nothing marks pending or protected. Its storage snapshots move with it (ZFS: the rename of a dataset
 * takes its snapshots; RBD: an image's snapshots stay its own), so none of them is taken alone.
 */
export function volumeOffered(v: {
  reason: string;
  type: string;
  format: string | null;
  snapshot?: string;
  status: string;
  pending: boolean;
  protected: boolean;
  trash?: unknown;
}): boolean {
  return (
    v.snapshot === undefined && v.status === 'orphan' && !v.pending && !v.protected && !v.trash && reclaimOffered(v)
  );
}

/**
 * A Ceph trash entry reclaim adopts into its own quarantine: one someone's `rbd trash mv` left (source
 * USER: librbd api/Trash.cc restores only such entries), an orphan no config names, whose own deferment
 * is over (a `protected until` is someone's chosen keep time), under a name no live image and no other
 * entry has (only then does its volume ID say which entry). It is restored under the quarantine name
 * and moved back to the trash with the retention as its expiry: from then on it is reclaim's, restorable
 * by `restore JOURNAL` and purged after the retention, like every quarantined image.
 */
export function trashOffered(v: {
  type: string;
  status: string;
  reason: string;
  references?: string[];
  trash?: { source: string; deferment: string | null; nameTaken?: boolean };
}): boolean {
  const t = v.trash;
  return (
    !!t &&
    v.type === 'rbd' &&
    v.status === 'orphan' &&
    v.reason === 'in-trash' &&
    t.source === 'USER' &&
    !t.nameTaken &&
    !t.deferment?.startsWith('protected until') &&
    !v.references?.length
  );
}

/**
 * An interrupted RBD removal `reclaim --purge` finishes under PVE's storage lock: `pvesm free` (RBDPlugin.pm
 * free_image → `rbd rm`) moved the image to the trash as REMOVING (librbd api/Image.cc remove) and
 * stopped, or a removal lost the image's header first. Nothing restores either (librbd api/Trash.cc
 * restore takes only the sources ALLOWED_RESTORE_SOURCES names: USER, MIRRORING, USER_PARENT), so there
 * is no quarantine: the checked way is finishing what PVE started. Only an orphan no config names,
 * nothing marks pending or protected, under a name no live image or other entry shares.
 */
export function removalOffered(v: {
  type: string;
  status: string;
  reason: string;
  pending: boolean;
  protected: boolean;
  references?: string[];
  trash?: { nameTaken?: boolean };
}): boolean {
  return (
    v.type === 'rbd' &&
    v.status === 'orphan' &&
    v.reason === 'interrupted-removal' &&
    !v.pending &&
    !v.protected &&
    !v.references?.length &&
    !v.trash?.nameTaken
  );
}
