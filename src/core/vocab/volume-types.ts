// The `volumes` part of the JSON contract: guest volumes on storages that are not LVM (ZFS, Ceph RBD,
// dir/NFS/CIFS/CephFS/btrfs files). Same vocabulary and flags as DM entries.

import type { NextStep } from './next-step';
import type { NamedElsewhere } from './only-copy';
import type { CommandOutput, DevicePathState } from './snapshot';
import type { DmReason, DmStatus, GuestIdentity, HoldingProcess, Status } from './status-types';

export interface FileVolume {
  /** Volname as PVE writes it after `<storage>:` (`101/vm-101-disk-0.qcow2`, `200/subvol-200-disk-1.subvol`). */
  name: string;
  /** Virtual size (qcow2/vmdk header, else the apparent size of a raw file); null for a directory. */
  sizeBytes: number | null;
  /** Allocated bytes on the storage. */
  usedBytes: number | null;
  /** qcow2 backing file as written in the header (`../900/base-900-disk-0.qcow2`). */
  backing?: string | null;
  /** Read-write open by a process, when the reader could tell (host-local storages only). */
  isDir?: boolean;
  /** A btrfs snapshot subvolume of this volume (`vm-100-disk-0@before`): the snapshot's name. */
  snapshot?: string;
  /** btrfs: a directory (subvolume) `<name without .raw>/` holding disk.raw, not a file of this name. */
  rawDir?: boolean;
  /** `<st_dev>:<st_ino>` of the file or directory (a config path reaching it by any path: DevicePathState file). */
  id?: string;
}

export type VolumeReason =
  | DmReason
  | 'storage-unreadable'
  | 'config-unreadable'
  // valid: a copy a storage replication job keeps on this node (volume-replication.ts)
  | 'replica'
  // orphan: a snapshot PVE's own operation made and an interruption left (volume-snapshots.ts)
  | 'operation-leftover'
  // RBD (volume-rbd.ts): an `rbd rm` that did not finish (image in the trash as REMOVING, or a pool
  // directory entry without its image); an image in the Ceph trash; watchers that could not be read
  | 'interrupted-removal'
  | 'in-trash'
  // valid, critical: a guest's disk in the Ceph trash that its config still names (volume-rbd-trash.ts)
  | 'in-trash-referenced'
  // valid: a volume a config names that a listing read whole does not show (volume-unlisted.ts); critical
  // when a drive the guest starts with names it
  | 'missing-referenced'
  // valid, critical: a volume-chain snapshot file that is a guest's current image (volume-chain-current.ts)
  | 'chain-current'
  | 'watchers-unread'
  // A directory volume whose use only the host mount table could show, with that table not read whole.
  | 'mounts-unread'
  // A file volume whose use only the loop devices could show (/sys/block/loopN/loop), not read whole.
  | 'loops-unread';

export interface VolumeEntry {
  /** `<storage>:<volname>` exactly as PVE writes it in configs. */
  volid: string;
  /** Snapshot name for a snapshot entry (the volid is then its volume's). */
  snapshot?: string;
  storage: string;
  /** Storage type (zfspool, rbd, dir, nfs, cifs, cephfs, btrfs). */
  type: string;
  vmid: number | null;
  /** raw, qcow2, vmdk, subvol. */
  format: string | null;
  status: DmStatus;
  reason: VolumeReason;
  detail: string;
  /** Provisioned bytes (volsize, refquota, image size, virtual size of a file). */
  sizeBytes: number | null;
  /** Bytes the volume uses on the storage (zfs used, allocated file blocks). */
  usedBytes: number | null;
  open: boolean;
  /** Processes holding the volume's device or file. */
  holders: HoldingProcess[];
  pending: boolean;
  protected: boolean;
  protectedBy: string[];
  /** The next steps in one sentence (made from `steps`); pve-health never deletes a volume. */
  hint?: string;
  /** The next steps, each with its command (argv): keep the data, drop it (irreversible), or another step. */
  steps?: NextStep[];
  guestNode?: string | null;
  /**
   * A guest config on another node names this very volume ID on local storage: that node's own copy, or
   * this is the guest's only disk (only-copy.ts); an irreversible step waits for a look at that node.
   */
  namedOn?: NamedElsewhere;
  /** A replica a storage replication job keeps here (never a leftover while the job names it). */
  replica?: boolean;
  /** The replication job that owns the volume or snapshot (`100-0`). */
  job?: string;
  /** A snapshot's creator: a guest snapshot section, or PVE's own operation. */
  snapshotOwner?: 'guest' | 'migration' | 'vzdump' | 'replication' | 'unknown';
  /**
   * A leftover snapshot that a config section still names (`CT 105 [vzdump]`): PVE's own command removes
   * both (its steps); reclaim never renames it.
   */
  namedBySection?: string;
  /** Guest config lines that name it: `qemu/100 scsi0`, `lxc/200 mp0`, `qemu/100 unused0`, `qemu/100 [before] scsi0`. */
  references?: string[];
  /** RBD: the clients watching the image (`rbd status`): some client, on any node, has it open. */
  watchers?: string[];
  /** A config names this volume and the storage does not have it (reason missing-referenced). */
  missing?: { blocksStart: boolean };
  /**
   * The storage's own identity of the volume, which a rename keeps: a ZFS dataset's or snapshot's guid, an
   * RBD image's id (in the trash: its entry's id), a file's or directory's `<st_dev>:<st_ino>`. Absent
   * where the listing does not give it. Reclaim records it; the purge takes only the volume that has it.
   */
  identity?: string;
  /** RBD: the image is in the Ceph trash (`rbd trash ls`), no volume PVE lists. */
  trash?: {
    id: string;
    source: string;
    deletedAt: string | null;
    deferment: string | null;
    /** A live image or another trash entry has the same name: only the id tells this one apart. */
    nameTaken?: boolean;
  };
  /**
   * In pve-health's quarantine (`reclaim`): since when, the name it has there (dataset, image, trash
   * entry, file) and how the storage finds it. The volid is the one it had.
   */
  quarantine?: {
    since: string;
    name: string;
    /** Its exact name on the storage: the dataset, the image, the file path. */
    onStorage: string;
    location: { pool?: string; path?: string; trashId?: string; snapshotOf?: string };
    /** A quarantined snapshot: the name it had (the entry's `snapshot` is its quarantine name). */
    snapshot?: string;
    /** What holds it now (a snapshot: `has-clones`, `krbd-mapped`): never purged so. */
    heldBy?: string[];
    /** Guest configs that name it by its original name now (a critical finding: restore it). */
    namedBy?: string[];
    /** Local storage: a guest config of another node names its volume ID (only-copy.ts): never purged from here. */
    namedOn?: NamedElsewhere;
    /**
     * RBD in the trash: its deferment as `rbd trash ls` prints it: "protected until <ISO>" (the
     * `--expires-at` of the quarantine, the retention then) or "expired at <ISO>" (its ctime read as ISO: rbd-depth.ts).
     */
    trashDeferment?: string;
  };
}

export interface VolumeStorageStatus {
  storage: string;
  type: string;
  status: 'ok' | 'unknown';
  error?: string;
  /**
   * Entries on the storage by status, snapshots and trash entries included (each is a finding of its own):
   * they add up to the summary's counts. Sizes leave snapshots out (a snapshot's size is its volume's).
   * `valid`, `unknown` and `ignored` are absent in documents of older versions (which left snapshots out).
   */
  total: number;
  valid?: number;
  orphan: number;
  unknown?: number;
  ignored?: number;
  sizeBytes: number;
  usedBytes: number;
  orphanSizeBytes: number;
}

export interface VolumesSummary {
  total: number;
  valid: number;
  orphan: number;
  unknown: number;
  ignored: number;
  protected: number;
  pending: number;
  open: number;
  orphanSizeBytes: number;
  storages: number;
  unknownStorages: number;
}

export interface VolumesResult {
  summary: VolumesSummary;
  entries: VolumeEntry[];
  storages: VolumeStorageStatus[];
  /**
   * Leftovers of deleted guests per VMID: a new guest created with that VMID inherits them
   * (`qm disk rescan` attaches them; destroying that guest deletes them).
   */
  vmidLeftovers: { vmid: number; volids: string[]; sizeBytes: number; usedBytes: number }[];
  /**
   * This node's guests and every VMID an entry names, as the guest table and the labels show them
   * (the same list the DM part has in `dm.guests`, so `volumes` alone names guests too). Absent in
   * documents of older versions.
   */
  guests?: GuestIdentity[];
  status: Status;
  /** Set when acknowledged findings lowered `status` (core/findings/acks.ts): the status without them. */
  statusWithoutAcks?: Status;
  /** Why the part (or a storage of it) could not be checked; absent when everything was read. */
  error?: string;
  warnings: string[];
}

/** What the host read for the volumes part (kept in snapshot.extra.volumes for capture/--from). */
export interface VolumesRaw {
  /** The one `zfs list` for all zfspool storages; absent when there is none. */
  zfs?: CommandOutput;
  /** One `rbd ls -l --format json` per rbd storage (keyed by storage id). */
  rbd: Record<string, CommandOutput>;
  /** One `rbd trash ls --all --long --format json` per rbd storage (keyed by storage id). */
  rbdTrash?: Record<string, CommandOutput>;
  /**
   * `rbd status <image> --format json`, keyed `<storage>/<image>`: asked only for the images that would
   * otherwise be orphans (volumes/volume-rbd.ts watchCandidates), so the call count stays bounded.
   */
  rbdStatus?: Record<string, CommandOutput>;
  /**
   * File storages: what `<path>/images` holds, or why it was not read; `realPath` when the configured path
   * leads elsewhere through symlinks (a process's fd and the mount table show that path, not the link's).
   */
  /**
   * Per file storage: its volumes; `others`, names under `images/<vmid>/` the lister reads as no volume
   * (a symlink, a btrfs subvolume whose disk.raw could not be looked at) but PVE's path may still open;
   * `noImagesDir`, `<path>/images` does not exist (the storage never activated here, or not mounted).
   */
  files: Record<
    string,
    { ok: boolean; error?: string; volumes: FileVolume[]; realPath?: string; others?: string[]; noImagesDir?: true }
  >;
  /**
   * Datasets the node shows (a /dev/zvol link, a zfs mount) that `zfs` did not list: name → where it is
   * shown, and the second `zfs list` that asked for them by name (zfs-listing-gaps.ts). Absent when none.
   */
  zfsUnlisted?: { names: Record<string, string>; recheck?: CommandOutput };
  /** zvol dataset → kernel name (`tank/pve/vm-100-disk-0` → `zd0`), from /dev/zvol links. */
  zvolDevices?: Record<string, string>;
  /** Per zvol kernel name: its partitions (`zd64p1`) and its and their holders in /sys; absent when none. */
  zvolUse?: Record<string, { parts: string[]; holders: string[] }>;
  /**
   * krbd mappings: `<pool>/<image>` → kernel name (`vm-pool/vm-100-disk-0` → `rbd0`), from /sys/bus/rbd; a
   * snapshot's map also as `<pool>/<image>@<snap>`.
   */
  rbdDevices?: Record<string, string>;
  /**
   * Bound loop devices: kernel name → the file it is bound to (/sys/block/loopN/loop/backing_file,
   * `loop0` → `/var/lib/vz/images/102/vm-102-disk-0.raw`); `error` names a read that failed. Absent in
   * captures of older versions (none known).
   */
  loops?: { backing: Record<string, string>; error?: string };
  /**
   * Every absolute qcow2 backing file of the listed file storages as the node resolves it (read-links.ts,
   * the lookup of config paths: links, `.`/`..`, the file's `<st_dev>:<st_ino>`), so a base named through a
   * directory link is still the base. Absent in captures of older versions: the text alone is read.
   */
  backingPaths?: Record<string, DevicePathState | null>;
}

export const VOLUMES_EXTRA_KEY = 'volumes';
