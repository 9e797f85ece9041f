// One volume (or snapshot) of a storage as its listing shows it, before any verdict: what the
// per-plugin listers (volume-storages.ts, volume-rbd.ts) hand to the verdict (volume-verdict.ts).
import type { RbdOpenError, RbdTrashEntry, RbdWatcher } from '../parse/rbd-depth';
import type { CommandOutput } from '../vocab/snapshot';

export interface ListedVolume {
  /** Volname after `<storage>:` as PVE writes it (a linked clone with its base: `base-900-disk-0/vm-902-disk-0`). */
  volname: string;
  /** The volume's own name (without the base part). */
  own: string;
  vmid: number | null;
  format: string | null;
  snapshot?: string;
  sizeBytes: number | null;
  usedBytes: number | null;
  /** Own name of the base this linked clone depends on. */
  baseOf?: string;
  /** ZFS guid, RBD image id, file `<st_dev>:<st_ino>` (VolumeEntry `identity`). */
  identity?: string;
  /** Device or file paths a holder's fd would show (`/dev/zd16`). */
  devices: string[];
  /**
   * RBD: the keys an overlay's backing file holds it by in the usage index (rbd-backing.ts rbdUseKey:
   * the image or snapshot by name, and by the name it had before the quarantine).
   */
  useKeys?: string[];
  /**
   * ZFS filesystem (a CT's subvol): its dataset and own mountpoint. A mount of that dataset anywhere else
   * (pve-container mounts the subvol's path at /var/lib/lxc/<vmid>/rootfs) is a container using it.
   */
  dataset?: { name: string; mountpoint: string | null };
  /**
   * ZFS: a volume whose volsize is 0 — no zvol can be made so (`zfs create -V 0`: "volume size cannot be
   * zero"); it is what a cut-off resumable `zfs recv -s` into a new dataset leaves (the real zfs lists it
   * with volsize 0 and a receive_resume_token; fixtures/zfs-real).
   */
  partialReceive?: boolean;
  /**
   * ZFS: datasets below this one (`<dataset>/<child>`, not its own `@snapshots`): ZFSPoolPlugin.pm
   * free_image and reclaim's purge run `zfs destroy -r`, which destroys them too; never PVE's own layout.
   */
  childDatasets?: string[];
  /** Holders in /sys of the volume's device or its partitions (a map or array stacked on it). */
  sysHolders?: string[];
  /** RBD exclusive lock: a client (on any node) has the image open. */
  lockType?: string | null;
  /** Mapped by krbd on this node (/sys/bus/rbd/devices). */
  mapped?: boolean;
  /** Why a file is no volume (for an ignored entry's detail). */
  note?: string;
  /** RBD: the image is in the Ceph trash, not in the pool's directory (volume-rbd.ts). */
  trash?: RbdTrashEntry & {
    nameInUse: boolean;
    /** Another trash entry of the pool has the same name (only its id tells them apart). */
    nameShared?: boolean;
  };
  /** RBD: in the pool's directory, but `rbd ls -l` could not open it (ENOENT: half removed). */
  openError?: RbdOpenError;
  /**
   * RBD: its watchers as `rbd status` gave them, or why they could not be read (`unsupported`: this rbd
   * has no such subcommand); absent when not asked.
   */
  watch?: { watchers: RbdWatcher[] } | { error: string; unsupported?: boolean };
  /**
   * In pve-health's quarantine (core/reclaim/quarantine-name.ts): when, the volname it had, the name it has
   * there and how the storage finds it. Recognised by the tool's own name grammar only.
   */
  /** A snapshot that a listed clone has as its origin (ZFS `origin`, RBD parent): never renamed or removed. */
  cloneOrigin?: boolean;
  quarantine?: {
    since: string;
    /** The volname it had; for a snapshot, the snapshot's own name before the quarantine. */
    original: string;
    name: string;
    onStorage: string;
    location: { pool?: string; path?: string; trashId?: string; snapshotOf?: string };
    /** RBD: the trash entry's deferment as `rbd trash ls` says it ("protected until <ISO>", "expired at …": rbd-depth.ts turns its ctime into ISO). */
    trashDeferment?: string;
  };
}

/** Why a listing command's output cannot be used (not run, timed out, missing, failed), or null. */
/**
 * The rbd on this node refused the subcommand itself (it answered, but has no such command): Ceph's
 * Shell.cc "error parsing command …; -h or --help for usage", or a stand-in's "unsupported". Not a
 * failure of the cluster: that depth (trash, watchers) is not available here, and says so.
 */
export function isUnsupportedSubcommand(out: CommandOutput | undefined): boolean {
  if (!out || out.error === 'timeout' || out.error === 'not-found' || out.code === 0 || out.code === null) return false;
  return /\berror parsing command\b|\bunknown command\b|\bunsupported\b/i.test(out.stderr ?? '');
}

export function commandError(out: CommandOutput | undefined, what: string): string | null {
  if (!out) return `${what} was not run`;
  if (out.error === 'timeout') return `${what} timed out (${out.message ?? 'no answer'})`;
  if (out.error === 'not-found') return `${what}: command not found`;
  if (out.error || out.code !== 0) {
    const msg = (out.stderr || out.message || '').trim().split('\n').slice(-2).join(' ');
    return `${what} failed (exit ${out.code ?? '?'}): ${msg || 'no message'}`;
  }
  return null;
}

/**
 * Each ZFS dataset's child datasets (filesystems and volumes named `<parent>/<leaf>`), from one `zfs list`:
 * what `zfs destroy -r <parent>` would destroy beside the parent's own snapshots.
 */
export function zfsChildDatasets(all: readonly { name: string }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of all) {
    // A snapshot (`@`) belongs to the dataset it is of, never a child of the one above.
    if (d.name.includes('@')) continue;
    const parent = d.name.slice(0, d.name.lastIndexOf('/'));
    out.set(parent, [...(out.get(parent) ?? []), d.name]);
  }
  return out;
}

/** Why a file under `images/` is no volume (an ignored entry's detail). */
export function fileNote(name: string): string {
  if (/^\d+\/snap-.*\.qcow2$/.test(name))
    return 'a volume-chain snapshot file (snap-<snap>-<volume>) whose volume is not in its directory: no volume of its own (Plugin.pm parse_name_dir refuses it)';
  return 'not an image PVE lists (Plugin.pm list_images: <vmid>/<name>.raw|qcow2|vmdk|subvol)';
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A storage's volumes, or why not; a file storage's other names and a missing images directory (VolumesRaw files). */
export interface StorageListing {
  error?: string;
  incomplete?: string;
  notes?: string[];
  volumes: ListedVolume[];
  present?: string[];
  noImagesDir?: true;
}
