// Which local file storages lie on a network filesystem of this host: the volumes part reads it (a share
// every node mounts names the same files on every node), and the storage part says what storage.cfg lacks.
// Pure.
import type { MountInfo } from '../parse/mountinfo';
import type { StorageConfig } from '../parse/storage-config';
import { isNetworkType } from './mount-plan';

/** nfs/cifs/cephfs default to /mnt/pve/<id> (NFSPlugin/CIFSPlugin/CephFSPlugin check_config). */
export function filePath(s: StorageConfig): string {
  return (s.props.path ?? `/mnt/pve/${s.id}`).replace(/\/+$/, '') || '/';
}

/**
 * The local file storages (dir, btrfs: no `shared 1`) whose path is on a network filesystem of this host
 * (the deepest mount at or above the path), with that mount's type and source.
 */
export function networkFileStorages(mounts: readonly MountInfo[], storages: StorageConfig[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const st of storages) {
    if (st.shared || (st.type !== 'dir' && st.type !== 'btrfs')) continue;
    const deepest = deepestMount(mounts, filePath(st));
    if (deepest && isNetworkType(deepest.fstype))
      out.set(st.id, `${deepest.fstype} ${deepest.source} at ${deepest.target}`);
  }
  return out;
}

/** The mount a path lies in: the deepest mount at or above it (the last of equal depth: it is on top). */
export function deepestMount(mounts: readonly MountInfo[], path: string): MountInfo | null {
  let deepest: MountInfo | null = null;
  for (const m of mounts)
    if (
      (m.target === '/' || path === m.target || path.startsWith(`${m.target}/`)) &&
      m.target.length >= (deepest?.target.length ?? 0)
    )
      deepest = m;
  return deepest;
}
