// What `reclaim` plans and what it shows: the volumes it would quarantine with each step's argv, the
// volumes it refuses with the reason, and the volumes already in quarantine. Field names are part of
// the JSON contract (`reclaim --json`): add fields, never rename.

import type { NamedElsewhere } from '../vocab/only-copy';

/** Why a volume is not quarantined (one code per "only proven orphans" rule). */
export type ReclaimRefusalCode =
  | 'node'
  | 'valid'
  | 'replica'
  | 'pending'
  | 'protected'
  | 'unknown'
  | 'template-base'
  | 'snapshot-named'
  | 'has-snapshots'
  | 'storage-disabled'
  | 'storage-unavailable'
  | 'shared-lvm'
  | 'snapshot'
  | 'duplicate'
  | 'not-a-volume'
  | 'unsupported'
  // purge only
  | 'not-due'
  | 'not-quarantined'
  | 'incomplete'
  | 'only-copy';

/**
 * What names an action or refusal where its volume ID does not alone (vocab/volume-subject.ts): a Ceph
 * trash entry, `VOLID#trash:<id>`, beside the volume ID it would have live. Outputs print it, `--name`
 * takes it; the journal keeps the volume ID.
 */
interface Subject {
  subject?: string;
}

export interface ReclaimRefusal extends Subject {
  volid: string;
  storage: string | null;
  vmid: number | null;
  status: string;
  reason: string;
  code: ReclaimRefusalCode;
  why: string;
  /** The step the check offers for it that keeps the data (`qm disk rescan --vmid N`), if any. */
  next?: { text: string; command: string[] };
}

/** One step of a quarantine, purge or restore: what it does and the argv that does it. */
export interface ReclaimStep {
  op:
    | 'lv-deactivate'
    | 'lv-addtag'
    | 'lv-rename'
    | 'lv-deltag'
    | 'lv-activate'
    | 'lv-remove'
    | 'zfs-create-parent'
    | 'zfs-rename'
    | 'zfs-readonly'
    | 'zfs-inherit-readonly'
    | 'zfs-mount'
    | 'zfs-destroy'
    | 'rbd-rename'
    | 'rbd-trash-move'
    | 'rbd-trash-restore'
    | 'rbd-trash-remove'
    // purge of an interrupted removal (plan-removals.ts)
    | 'rbd-remove'
    | 'zfs-snapshot-rename'
    | 'zfs-snapshot-destroy'
    | 'rbd-snapshot-rename'
    | 'rbd-snapshot-remove'
    | 'file-move'
    | 'file-remove'
    | 'btrfs-subvolume-delete';
  effect: string;
  command: string[];
}

/** How the storage finds the volume again (by identity where the storage has one). */
export interface VolumeLocation {
  /** LVM: VG, the LV's name and its LV id (32 chars). */
  vg?: string;
  lvUuid?: string;
  /** ZFS: the pool of the storage (`rpool/data`). RBD: the pool. */
  pool?: string;
  /** File storages: the storage path. */
  path?: string;
  /** RBD: the trash id once in the trash. */
  trashId?: string;
  /**
   * A storage snapshot (quarantined by renaming the snapshot, never its volume): the volume it belongs to
   * on the storage (ZFS: the dataset `rpool/data/vm-100-disk-0`; RBD: the image `vm-100-disk-0`).
   */
  snapshotOf?: string;
  /**
   * The storage's own identity of the volume, which a rename keeps (quarantine-proof.ts): a ZFS dataset's
   * or snapshot's guid, an RBD image's id (its trash entry's id), a file's `<st_dev>:<st_ino>`. LVM: lvUuid.
   */
  identity?: string;
}

/** One step of a `reclaim` run (quarantine, purge, or their undo by `restore`), as its journal records it. */
export interface ReclaimRecord {
  volid: string;
  storageType: string;
  op: ReclaimStep['op'];
  original: string;
  quarantine: string;
  since: string;
  purgeAfter: string;
  location: VolumeLocation;
  sizeBytes?: number | null;
  usedBytes?: number | null;
}

/** A journaled step of a quarantine (`reclaim`) or of its undo (`unquarantine`, by restore), with its result. */
export interface QuarantineRecord extends ReclaimRecord {
  kind: 'reclaim' | 'unquarantine';
  result: 'started' | 'done' | 'failed' | 'skipped';
  /** The journal that recorded it: `restore JOURNAL --name VOLID` brings the volume back. */
  journal?: string;
}

export interface ReclaimAction extends Subject {
  volid: string;
  storage: string;
  storageType: string;
  shared: boolean;
  vmid: number | null;
  guestType: 'qemu' | 'lxc' | null;
  status: string;
  reason: string;
  /** Why it is an orphan (the analysis' detail). */
  why: string;
  /** The facts the verdict rests on, each a sentence. */
  evidence: string[];
  sizeBytes: number | null;
  usedBytes: number | null;
  /** Its name on the storage now (LV name, dataset, image, `<vmid>/<file>`). */
  original: string;
  /** Its name in quarantine (the tool's marker: quarantine-name.ts). */
  quarantine: string;
  /** When it went into quarantine; '' for an interrupted removal (plan-removals.ts: Ceph does not say). */
  since: string;
  /** When it may be purged; '' for an interrupted removal (due at once: nothing can restore it). */
  purgeAfter: string;
  location: VolumeLocation;
  steps: ReclaimStep[];
  /** Guest config locks to take, ascending VMID (the name's guest; elsewhere-config guests: none). */
  guestLocks: { vmid: number; type: 'qemu' | 'lxc' | null }[];
}

/** A volume in quarantine, as every output shows it. */
export interface QuarantinedVolume {
  /** The volume ID it had (`local-zfs:vm-100-disk-0`). */
  volid: string;
  /**
   * A Ceph trash entry reclaim adopted: the name it had, `VOLID#trash:<id>` (quarantined.ts
   * withAdoptedNames), which every list prints and `restore --name`/`reclaim --purge --name` take.
   */
  subject?: string;
  storage: string;
  storageType: string;
  vmid: number | null;
  /** Where it is now, for people (LV, dataset, trash entry, file path). */
  name: string;
  /** Its exact name on the storage: the LV name, the dataset, the image name, the file path. */
  onStorage: string;
  /** LVM: the LV is active (its map exists): never purged so. */
  active?: boolean;
  /** LVM: the LV carries the tag reclaim gives it (quarantine-name.ts QUARANTINE_TAG). */
  tagged?: boolean;
  /**
   * Named like a quarantine, but no reclaim journal of this node proves pve-health put it there
   * (quarantine-proof.ts): why. Never due, never purged.
   */
  notOurs?: string;
  since: string;
  purgeAfter: string;
  /** True once the retention has passed (`reclaim --purge` may destroy it). */
  due: boolean;
  sizeBytes: number | null;
  usedBytes: number | null;
  /** A snapshot quarantined on its own: it provisions nothing, only its used space is its own. */
  snapshot?: true;
  /** The figures are those its reclaim journal recorded when it went in (the listing gives none now). */
  sizeRecorded?: true;
  location: VolumeLocation;
  /** RBD: the trash entry's own deferment still runs ("protected until <ISO>": `rbd trash ls` read by rbd-depth.ts). */
  trashProtectedUntil?: string;
  /** A quarantined snapshot: what holds it now (`has-clones`, `krbd-mapped`); never purged so. */
  heldBy?: string[];
  /** Local storage: a guest config of another node names its volume ID (only-copy.ts): never purged from here. */
  namedOn?: NamedElsewhere;
}

export interface ReclaimPlan {
  actions: ReclaimAction[];
  refused: ReclaimRefusal[];
  quarantined: QuarantinedVolume[];
  retentionDays: number;
}
