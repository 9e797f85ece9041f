// The vocabulary of the operation model (docs/operation-model.md): what a Proxmox operation leaves on a
// node after each of its steps — guest configs, locks, tasks, volumes, their snapshots and their maps.
// The table is test/model/operations.ts; test/model/generate.ts turns each state into a node.

/** Storage kinds, each as PVE configures it (storage.cfg) on the node the generator builds. */
export type StorageKind = 'lvmthin' | 'lvm' | 'lvm-chain' | 'zfspool' | 'rbd' | 'dir' | 'dir-chain';

export const ALL: StorageKind[] = ['lvmthin', 'lvm', 'zfspool', 'rbd', 'dir'];
/**
 * Storages with volume snapshots: thick LVM and dir also with PVE 9's snapshot-as-volume-chain (snapshot
 * LVs `snap_<vol>_<snap>.qcow2`, files `snap-<snap>-<volname>`), dir without it as qcow2 internal snapshots.
 */
export const SNAPSHOTS: StorageKind[] = ['lvmthin', 'lvm-chain', 'zfspool', 'rbd', 'dir', 'dir-chain'];
/** Where a container can snapshot: its volumes are raw (subvols on ZFS), so no qcow2 snapshots or chains. */
export const CT_SNAPSHOTS: StorageKind[] = ['lvmthin', 'zfspool', 'rbd'];
/** Storages with templates' base volumes and linked clones (Storage.pm vdisk_clone: `clone` feature). */
export const LINKED: StorageKind[] = ['lvmthin', 'zfspool', 'rbd', 'dir'];
/** Local storages (a volume exists per node; the config of another node does not name this node's copy). */
export const LOCAL: StorageKind[] = ['lvmthin', 'zfspool', 'dir'];

/**
 * A guest config as lines. A volume is written `{name}` (`{vm-100-disk-0}`, `{base-900-disk-0/vm-901-disk-0}`)
 * and the generator prints the storage's volume ID for it.
 */
export interface Guest {
  vmid: number;
  type?: 'qemu' | 'lxc';
  /** Node whose directory holds the config (default: the node under test, pve1). */
  node?: string;
  /** null: the config file is gone. */
  lines: string[] | null;
}

/** A volume on the storage under test, on this node (pve1), and its storage snapshots. */
export interface Vol {
  name: string;
  snaps?: string[];
  /** Active (a DM map on LVM, mapped with krbd): default as PVE leaves it (active while its guest runs). */
  active?: boolean;
  /** A process writes it (qemu-img convert, dd, a kvm of an import): open, never a leftover. */
  writing?: boolean;
  /** RBD: the image is in the trash with this source (an rbd rm cut short). */
  trash?: 'REMOVING' | 'USER';
  /** LVM saferemove: renamed del-<name>, being zeroed or left. */
  deleted?: boolean;
  /**
   * PVE 9 volume chain: the volume itself is gone, its current image renamed to its first snapshot's LV
   * (`snap_<vol>_<snap>.qcow2`, an lvrename that was not undone); `open`: a running kvm holds that LV.
   */
  renamedToSnapshot?: { open: boolean };
}

export interface State {
  guests: Guest[];
  vols: Vol[];
  /** Tasks running on this node (a live worker): type and id, as pve-manager writes tasks/active. */
  tasks?: { type: string; id: string }[];
  /** Guests running on this node. */
  running?: number[];
  /** /etc/pve/replication.cfg text. */
  replication?: string;
  /** /etc/pve/ha/manager_status services: VMID → state. */
  ha?: Record<number, string>;
}

export interface Step {
  /** What the source does at this step. */
  does: string;
  /** File and function of the upstream source that does it. */
  source: string;
  /** The node's state after the step, per storage kind. */
  after: (kind: StorageKind) => State;
  /**
   * What a crash right after the step leaves (the worker dies: its task leaves tasks/active, processes it
   * ran are gone; configs, locks and volumes stay as written). Default: `after` without tasks and writers.
   * `false`: no crash point here (the step is one atomic write).
   */
  crash?: ((kind: StorageKind) => State) | false;
}

export interface Operation {
  name: string;
  /** The CLI / API entry point. */
  entry: string;
  storages: StorageKind[];
  steps: Step[];
}
