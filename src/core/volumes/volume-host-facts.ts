// What the volume verdicts read of the host besides the listings: where config device paths lead,
// which block devices and datasets are mounted, which file storages lie on a network filesystem, and
// who holds what open. Pure: built from text and records the host gathered.
import { deepestMount, filePath } from '../mounts/network-storages';
import type { PveState } from '../node/pve-state';
import type { MountInfo } from '../parse/mountinfo';
import type { StorageConfig } from '../parse/storage-config';
import type { DevicePathState, ProcessInfo } from '../vocab/snapshot';
import type { VolumeEntry, VolumesRaw } from '../vocab/volume-types';
import type { ListedVolume } from './listed-volume';
import type { Flags, VolumeContext } from './volume-context';
import type { VolumePathResolver } from './volume-references';

export { networkFileStorages } from '../mounts/network-storages';

/**
 * A config path of this node read through the node's links (read-links.ts): a zvol's or krbd image's
 * kernel device (or a partition of it) as that volume's plugin path. A path whose links loop, or that
 * leads to a zvol or rbd device this node's listing does not name, is unresolved. A file or directory is
 * read by its identity (device and inode): the listed volume it is, by whatever path the config reaches it
 * (a bind mount of the storage's directory, a hard link). Another node's path is read by its text (its
 * links and inodes are that node's).
 */
export function volumePathResolver(input: {
  pve: Pick<PveState, 'node'> & Partial<Pick<PveState, 'storageConfig'>>;
  raw: Pick<VolumesRaw, 'zvolDevices' | 'rbdDevices'> & Partial<Pick<VolumesRaw, 'files'>>;
  devicePaths?: Record<string, DevicePathState | null>;
}): VolumePathResolver {
  const zd = new Map(Object.entries(input.raw.zvolDevices ?? {}).map(([name, k]) => [k, name]));
  const rbd = new Map(Object.entries(input.raw.rbdDevices ?? {}).map(([image, k]) => [k, image]));
  const files = fileIdentities(input.pve.storageConfig ?? [], input.raw.files ?? {});
  return (path, node) => {
    const st = input.devicePaths?.[path];
    if (node !== input.pve.node || !st) return null;
    if (st.loop) return { unresolved: 'goes round in a loop of links on this node' };
    const same = st.file !== undefined ? files.get(st.file) : undefined;
    if (same) return same;
    const m = /^\/dev\/((zd|rbd)\d+)(?:p\d+)?$/.exec(st.path);
    if (!m) return st.path;
    const name = (m[2] === 'zd' ? zd : rbd).get(m[1]);
    if (name) return m[2] === 'zd' ? `/dev/zvol/${name}` : `/dev/rbd/${name}`;
    return { unresolved: `leads to ${st.path}, which no ${m[2] === 'zd' ? 'zvol' : 'krbd image'} this node lists is` };
  };
}

/** `<st_dev>:<st_ino>` → the plugin path of the listed file volume it is (`<path>/images/<vmid>/<name>`). */
function fileIdentities(storages: readonly StorageConfig[], files: VolumesRaw['files']): Map<string, string> {
  const out = new Map<string, string>();
  for (const st of storages) {
    const got = files[st.id];
    for (const f of got?.ok ? got.volumes : []) if (f.id) out.set(f.id, `${filePath(st)}/images/${f.name}`);
  }
  return out;
}

/** Block devices the host has mounted: mountinfo sources, a /dev/zvol/<pool>/<name>[-partK] link as its zdN[pK]. */
export function mountedDevices(mounts: readonly MountInfo[], zvols: Record<string, string> | undefined): Set<string> {
  const out = new Set<string>();
  for (const m of mounts) {
    const z = /^\/dev\/zvol\/(.+?)(?:-part(\d+))?$/.exec(m.source);
    const k = z ? zvols?.[z[1]] : undefined;
    out.add(k && z ? `/dev/${k}${z[2] ? `p${z[2]}` : ''}` : m.source);
  }
  return out;
}

/** Where each ZFS dataset is mounted (a bind mount of a dataset's directory shows the dataset as source). */
export function zfsMountTargets(mounts: readonly MountInfo[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of mounts) {
    if (m.fstype !== 'zfs') continue;
    const l = out.get(m.source);
    if (l) l.push(m.target);
    else out.set(m.source, [m.target]);
  }
  return out;
}

/** Processes by the device or file path their fds show: who holds a volume open. */
export function holdersByDevice(processes: ProcessInfo[]): Map<string, ProcessInfo[]> {
  const holdersByDev = new Map<string, ProcessInfo[]>();
  for (const p of processes)
    for (const fd of p.fds ?? []) {
      const l = holdersByDev.get(fd);
      if (l) l.push(p);
      else holdersByDev.set(fd, [p]);
    }
  return holdersByDev;
}

/**
 * Where a directory volume (a container's `subvol-…` directory on a dir/NFS/CIFS storage, a btrfs
 * subvolume) is in use on this host: the targets of mounts of it or of anything below it (a bind mount:
 * pve-container LXC.pm mountpoint_mount bind-mounts a directory rootfs or mount point; `pct mount`),
 * found by the superblock and the path inside it (mountinfo `root`), and the mounts at or below its own
 * path. Such a directory is a running container's or a mounted one's: never removed or moved as a
 * leftover. btrfs: mountinfo's major:minor is the filesystem's (one for all its mounts, though stat(2)
 * gives each subvolume a device of its own) and `root` the subvolume's path from the top-level
 * subvolume (`mount -o subvol=…` shows that path too), so the same match finds its mounts.
 */
export function directoryMounts(mounts: readonly MountInfo[], path: string): string[] {
  const fs = deepestMount(mounts, path);
  const out: string[] = [];
  const below = (p: string, dir: string) => p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);
  if (fs) {
    const rest = fs.target === '/' ? path : path.slice(fs.target.length);
    const inFs = `${fs.root === '/' ? '' : fs.root}${rest}`;
    for (const m of mounts) if (m !== fs && m.majorMinor === fs.majorMinor && below(m.root, inFs)) out.push(m.target);
  }
  for (const m of mounts) if (below(m.target, path) && !out.includes(m.target)) out.push(m.target);
  return out;
}

/** directoryMounts of each path a directory volume is seen by (its storage path and where a symlink leads). */
export function directoriesMounted(mounts: readonly MountInfo[], paths: readonly string[]): string[] {
  return [...new Set(paths.flatMap((p) => directoryMounts(mounts, p)))];
}

/**
 * The directory a volume is, whose mounts are uses of it: a container's subvol directory, or a btrfs raw
 * disk's subvolume `<name>/` holding disk.raw (BTRFSPlugin.pm filesystem_path: `mount -o subvol=` or a
 * bind of it is a use a rename of that directory would pull away), by each path it is seen by (the
 * storage path, and where a symlink leads); none for any other volume.
 */
export function volumeDirectories(type: string, v: Pick<ListedVolume, 'format' | 'dataset' | 'devices'>): string[] {
  if (type === 'btrfs' && v.format === 'raw')
    return v.devices.filter((d) => d.endsWith('/disk.raw')).map((d) => d.slice(0, -'/disk.raw'.length));
  return v.format === 'subvol' && !v.dataset ? [...v.devices] : [];
}

/**
 * A container's subvol in use besides its own place: a ZFS dataset also mounted elsewhere, a directory
 * volume bind-mounted (a container runs from it, or `pct mount` has it: pve-container LXC.pm
 * mountpoint_mount). free_image's `zfs destroy -r` or `rm -rf` would pull it from under that container.
 */
export function subvolMounts(
  e: VolumeEntry,
  v: ListedVolume,
  c: Pick<VolumeContext, 'zfsMounts' | 'mounts' | 'mountsGap'>,
  f: Flags,
): void {
  // A subvol's (a directory or a ZFS dataset) only evidence of use besides its own mountpoint is the mount
  // table: one not read whole decides nothing.
  if (c.mountsGap && v.format === 'subvol' && e.status === 'orphan') {
    e.status = 'unknown';
    e.reason = 'mounts-unread';
    e.detail += `; whether it is mounted (a container running from it) could not be read: ${c.mountsGap}`;
    return;
  }
  const elsewhere = v.dataset
    ? (c.zfsMounts?.get(v.dataset.name) ?? []).filter((t) => t !== v.dataset?.mountpoint)
    : [];
  if (elsewhere.length) {
    e.detail += `; ${v.dataset?.name} is also mounted at ${elsewhere.join(', ')} (pct mount or a container: LXC.pm mountpoint_mount bind-mounts the subvol there)`;
    f.protectedBy.add('mounted');
    e.open = true;
  }
  const dirs = volumeDirectories(e.type, v);
  const binds = directoriesMounted(c.mounts ?? [], dirs);
  if (binds.length) {
    e.detail += `; ${dirs[0]} is mounted at ${binds.join(', ')} (a container or pct mount: LXC.pm mountpoint_mount bind-mounts it)`;
    f.protectedBy.add('mounted');
    e.open = true;
  }
}
