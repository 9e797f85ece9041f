// What the volume verdicts read of the host besides the listings: where config device paths lead,
// which block devices and datasets are mounted, which file storages lie on a network filesystem, and
// who holds what open. Pure: built from text and records the host gathered.
import { isNetworkType } from '../mounts/mount-plan';
import type { PveState } from '../node/pve-state';
import type { MountInfo } from '../parse/mountinfo';
import type { StorageConfig } from '../parse/storage-config';
import type { DevicePathState, ProcessInfo } from '../snapshot';
import type { VolumesRaw } from '../volume-types';
import type { VolumePathResolver } from './volume-references';
import { filePath } from './volume-storages';

/**
 * A config path of this node read through the node's links (read-links.ts): a zvol's or krbd image's
 * kernel device (or a partition of it) as that volume's plugin path. A path whose links loop, or that
 * leads to a zvol or rbd device this node's listing does not name, is unresolved. Another node's path
 * is read by its text (its links are that node's).
 */
export function volumePathResolver(input: {
  pve: Pick<PveState, 'node'>;
  raw: Pick<VolumesRaw, 'zvolDevices' | 'rbdDevices'>;
  devicePaths?: Record<string, DevicePathState | null>;
}): VolumePathResolver {
  const zd = new Map(Object.entries(input.raw.zvolDevices ?? {}).map(([name, k]) => [k, name]));
  const rbd = new Map(Object.entries(input.raw.rbdDevices ?? {}).map(([image, k]) => [k, image]));
  return (path, node) => {
    const st = input.devicePaths?.[path];
    if (node !== input.pve.node || !st) return null;
    if (st.loop) return { unresolved: 'goes round in a loop of links on this node' };
    const m = /^\/dev\/((zd|rbd)\d+)(?:p\d+)?$/.exec(st.path);
    if (!m) return st.path;
    const name = (m[2] === 'zd' ? zd : rbd).get(m[1]);
    if (name) return m[2] === 'zd' ? `/dev/zvol/${name}` : `/dev/rbd/${name}`;
    return { unresolved: `leads to ${st.path}, which no ${m[2] === 'zd' ? 'zvol' : 'krbd image'} this node lists is` };
  };
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

/**
 * The local file storages (dir, btrfs: no `shared 1`) whose path is on a network filesystem of this host
 * (the deepest mount at or above the path), with that mount's type and source.
 */
export function networkFileStorages(mounts: readonly MountInfo[], storages: StorageConfig[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const st of storages) {
    if (st.shared || (st.type !== 'dir' && st.type !== 'btrfs')) continue;
    const path = filePath(st);
    let deepest: MountInfo | null = null;
    for (const m of mounts)
      if (
        (m.target === '/' || path === m.target || path.startsWith(`${m.target}/`)) &&
        m.target.length >= (deepest?.target.length ?? 0)
      )
        deepest = m;
    if (deepest && isNetworkType(deepest.fstype))
      out.set(st.id, `${deepest.fstype} ${deepest.source} at ${deepest.target}`);
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
