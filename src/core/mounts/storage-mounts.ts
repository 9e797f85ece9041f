// The storages of this node whose path must be a mount point, and which storage a mount belongs to.
// From storage.cfg (see core/parse/storage-config.ts):
//
// nfs: nfs-backup
//         export /export/backup
//         path /mnt/pve/nfs-backup
//         server 10.0.0.5
//
// Pure.
import { hasOption, type MountInfo } from '../parse/mountinfo';
import { parseStorageConfig, type StorageConfig, storagesOnNode } from '../parse/storage-config';
import { trimSlash } from './mount-paths';

/** Storage types whose path PVE expects to be a mount point. */
const MOUNTED_STORAGE_TYPES: Record<string, string> = {
  nfs: 'nfs',
  cifs: 'cifs',
  cephfs: 'ceph',
  glusterfs: 'glusterfs',
};

export interface StorageMount {
  id: string;
  type: string;
  /** The path PVE reads and writes; must be a mount point (PVE waits for it; other writers would hit the root disk). */
  path: string;
  /** What the mount's source would look like (nfs server:/export, cifs //server/share), if known. */
  source: string | null;
  fstype: string | null;
  /** `ro` among the storage's mount `options`. */
  readonly: boolean;
  /** The path as storage.cfg writes it, when `path` is its resolved real path (a symlink). */
  configuredPath?: string;
}

/**
 * Storages that must be mounted: nfs, cifs, cephfs, glusterfs at `path` (default /mnt/pve/<id>),
 * and dir storages with `is_mountpoint` (yes, or the path of the mount point itself).
 */
export function storageMounts(storages: StorageConfig[]): StorageMount[] {
  const out: StorageMount[] = [];
  for (const s of storages) {
    const p = s.props;
    const readonly = hasOption(p.options ?? '', 'ro');
    if (s.type in MOUNTED_STORAGE_TYPES) {
      let source: string | null = null;
      if (s.type === 'nfs' && p.server && p.export) source = `${p.server}:${p.export}`;
      if (s.type === 'cifs' && p.server && p.share) source = `//${p.server}/${p.share}`;
      if (s.type === 'glusterfs' && p.server && p.volume) source = `${p.server}:${p.volume}`;
      out.push({
        id: s.id,
        type: s.type,
        path: trimSlash(p.path ?? `/mnt/pve/${s.id}`),
        source,
        fstype: MOUNTED_STORAGE_TYPES[s.type],
        readonly,
      });
    } else if (s.type === 'dir' && p.is_mountpoint !== undefined) {
      const v = p.is_mountpoint.trim();
      if (/^(0|no|off|false)$/i.test(v)) continue;
      const path = v.startsWith('/') ? v : p.path;
      if (path) out.push({ id: s.id, type: s.type, path: trimSlash(path), source: null, fstype: null, readonly });
    }
  }
  return out;
}

/**
 * The path of every storage of this node that has one (dir, btrfs, nfs, cifs, cephfs, glusterfs, ...:
 * pve-storage Plugin.pm, a `path` property, or the /mnt/pve/<id> mount point of NFSPlugin/CIFSPlugin/
 * CephFSPlugin/GlusterfsPlugin), as written. An automount above one of them is a mount PVE walks into.
 */
export function nodeStoragePaths(storageCfg: string | null, node: string): string[] {
  if (!storageCfg) return [];
  const mounted = new Set(storageMounts(storagesOnNode(parseStorageConfig(storageCfg), node)).map((m) => m.path));
  const paths = storagesOnNode(parseStorageConfig(storageCfg), node)
    .map((s) => s.props.path)
    .filter((p): p is string => typeof p === 'string' && p.startsWith('/'))
    .map(trimSlash);
  return [...new Set([...mounted, ...paths])];
}

/** The mount-expected storages of this node, with their paths as storage.cfg writes them. */
export function nodeStorageMounts(storageCfg: string | null, node: string): StorageMount[] {
  return storageCfg ? storageMounts(storagesOnNode(parseStorageConfig(storageCfg), node)) : [];
}

/**
 * PVE checks the real path (DirPlugin: Cwd::realpath): a symlinked storage path is mounted when its
 * target is. `resolvedPaths` holds the paths the host resolved (only those that changed).
 */
export function resolveStorageMounts(mounts: StorageMount[], resolvedPaths?: Record<string, string>): StorageMount[] {
  return mounts.map((m) => {
    const real = resolvedPaths?.[m.path];
    return real && real !== m.path ? { ...m, path: real, configuredPath: m.path } : m;
  });
}

function sameSource(a: string, b: string): boolean {
  const norm = (x: string) => trimSlash(x.replace(/^\/\/([^/]+)/, (_, h: string) => `//${h.toLowerCase()}`));
  return norm(a) === norm(b);
}

/** The storage a host mount belongs to: by path first, then by server/export, then by /mnt/pve/<id>. */
export function storageForMount(m: Pick<MountInfo, 'target' | 'source'>, mounts: StorageMount[]): StorageMount | null {
  return (
    mounts.find((s) => s.path === m.target) ??
    mounts.find((s) => s.source !== null && sameSource(s.source, m.source)) ??
    mounts.find((s) => m.target === `/mnt/pve/${s.id}`) ??
    null
  );
}
