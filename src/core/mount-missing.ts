// Storages of this node that must be mounted and are not, in words that are true for each writer. Pure.
import { parseStorageConfig, storagesOnNode } from './storage-config';
import { type StorageMount, storageMounts } from './mount-plan';
import type { MountEntry } from './types';

/** The mount-expected storages of this node. */
export function nodeStorageMounts(
  storageCfg: string | null,
  node: string,
  resolvedPaths?: Record<string, string>,
): StorageMount[] {
  const mounts = storageCfg ? storageMounts(storagesOnNode(parseStorageConfig(storageCfg), node)) : [];
  // PVE checks the real path (DirPlugin: Cwd::realpath): a symlinked storage path is mounted when
  // its target is.
  return mounts.map((m) => {
    const real = resolvedPaths?.[m.path];
    return real && real !== m.path ? { ...m, path: real, configuredPath: m.path } : m;
  });
}

/**
 * What a missing mount means, truthfully: PVE's own writes do not land on the root disk (it refuses to
 * activate an `is_mountpoint` dir storage that is not mounted — DirPlugin; it mounts NFS/CIFS/CephFS/
 * GlusterFS itself before use and pvestatd keeps retrying), but a container bind mount of the path
 * and any other writer (a backup script, an rsync) write into the empty directory on the root disk.
 */
function missingDetail(st: StorageMount, binders: number[]): string {
  const pve =
    st.type === 'dir'
      ? `PVE refuses to use storage '${st.id}' while ${st.path} is not a mount point (is_mountpoint), so its own writes stop`
      : `PVE mounts storage '${st.id}' again before it uses it (its own writes wait for that)`;
  const others = binders.length
    ? `CT ${binders.join(', CT ')} bind-mount${binders.length > 1 ? '' : 's'} ${st.path} and write${binders.length > 1 ? '' : 's'} into the empty directory on the root disk, as does any other writer there`
    : 'a container bind mount of that path or any other writer there (a script, rsync) would write to the root disk';
  return `storage '${st.id}' (${st.type}) is not mounted at ${st.path}${st.configuredPath && st.configuredPath !== st.path ? ` (configured as ${st.configuredPath})` : ''}. ${pve}; ${others}.`;
}

export function missingEntry(st: StorageMount, binders: number[] = []): MountEntry {
  return {
    scope: 'host',
    ctid: null,
    source: st.source ?? '',
    target: st.path,
    fstype: st.fstype ?? '',
    options: '',
    status: 'missing',
    reachable: false,
    error: 'not-mounted',
    proxmoxManaged: true,
    storage: st.id,
    totalBytes: null,
    usedBytes: null,
    availableBytes: null,
    usagePercent: null,
    severity: 2,
    reason: 'not-mounted',
    detail: missingDetail(st, binders),
    majorMinor: undefined,
    network: st.type !== 'dir',
    expectedReadonly: st.readonly,
    probe: null,
  };
}
