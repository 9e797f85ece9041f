// Storages of this node that must be mounted and are not, in words that are true for each writer. Pure.
import type { MountInfo } from '../parse/mountinfo';
import type { MountEntry } from '../vocab/types';
import type { Binder } from './mount-binds';
import type { StorageMount } from './storage-mounts';

/** "the root disk", or the local filesystem that holds the directory when that is not `/`. */
function diskOf(under: MountInfo | null): string {
  return !under || under.target === '/' ? 'the root disk' : `${under.source} (mounted at ${under.target})`;
}

const ct = (ids: number[]) => `CT ${ids.join(', CT ')}`;

/**
 * What a missing mount means, truthfully: PVE's own writes do not land on the root disk (it refuses to
 * activate an `is_mountpoint` dir storage that is not mounted — DirPlugin; it mounts NFS/CIFS/CephFS/
 * GlusterFS itself before use and pvestatd keeps retrying), but a container bind mount of the path
 * and any other writer (a backup script, an rsync) write into the empty directory on the root disk.
 * Each binding container is named with what it really holds there (it may still hold the old mount).
 */
function missingDetail(st: StorageMount, binders: Binder[], under: MountInfo | null): string {
  const disk = diskOf(under);
  const pve =
    st.type === 'dir'
      ? `PVE refuses to activate storage '${st.id}' while ${st.path} is not a mount point (is_mountpoint), so its own writes stop`
      : `PVE mounts storage '${st.id}' itself before it uses it, so its own writes wait for the mount (or fail)`;
  const parts: string[] = [];
  const empty = binders.filter((b) => b.holds === 'underneath').map((b) => b.ctid);
  if (empty.length) {
    const one = empty.length === 1;
    parts.push(
      `${ct(empty)} bind-mount${one ? 's' : ''} ${st.path} and write${one ? 's' : ''} into the empty directory on ${disk}`,
    );
  }
  for (const b of binders.filter((x) => x.holds === 'unknown'))
    parts.push(`CT ${b.ctid} is configured to bind it, but its mount table shows nothing at ${b.target}`);
  for (const b of binders.filter((x) => x.holds === 'other'))
    parts.push(
      `CT ${b.ctid} still holds an earlier mount there (${b.ct?.fstype} ${b.ct?.source}) and writes to it; restarted now, it would bind the empty directory on ${disk}`,
    );
  parts.push(
    binders.length
      ? `any other writer there (a script, rsync) writes to ${disk} too`
      : `no running container binds it; any other writer there (a script, rsync) writes to ${disk}`,
  );
  const configured = st.configuredPath && st.configuredPath !== st.path ? ` (configured as ${st.configuredPath})` : '';
  return `storage '${st.id}' (${st.type}) is not mounted at ${st.path}${configured}. ${pve}; ${parts.join('; ')}.`;
}

export function missingEntry(st: StorageMount, binders: Binder[] = [], under: MountInfo | null = null): MountEntry {
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
    detail: missingDetail(st, binders, under),
    majorMinor: undefined,
    network: st.type !== 'dir',
    expectedReadonly: st.readonly,
    probe: null,
  };
}
