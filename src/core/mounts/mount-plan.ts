// Which mounts the monitor reports and which superblocks must be probed, decided from the parsed
// mount tables (mount-view.ts) before anything is probed. The classifier judges the same occurrences
// afterwards, so a snapshot replays exactly what a live run decided. Pure.
import type { MountInfo } from '../parse/mountinfo';
import { isAtOrUnder, matchesPattern } from './mount-paths';
import type { MountSettings } from './mount-settings';
import type { ProbeJob } from './mount-types';
import type { ParsedMountTables } from './mount-view';
import { type StorageMount, storageForMount } from './storage-mounts';

/** Network filesystems: an unreachable server makes every access to these block or fail. */
const NETWORK_TYPES = new Set([
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'smbfs',
  'ceph',
  'glusterfs',
  'fuse.glusterfs',
  'fuse.sshfs',
  'sshfs',
  'fuse.cephfs',
  'fuse.ceph-fuse',
  'fuse.ceph',
  'afs',
  'ncpfs',
  'ncp',
  'coda',
  'lustre',
  'gpfs',
  'beegfs',
  'orangefs',
  'pvfs2',
  'fuse.s3fs',
  'fuse.rclone',
  'fuse.gcsfuse',
  'fuse.goofys',
  'fuse.juicefs',
  'fuse.mfs',
  'moosefs',
  'fuse.lizardfs',
  'fuse.davfs',
  'davfs',
  'fuse.seaweedfs',
  'fuse.mergerfs',
]);

/** Kernel and container plumbing: no capacity worth reporting, never remote. */
const PSEUDO_TYPES = new Set([
  'proc',
  'sysfs',
  'devtmpfs',
  'devpts',
  'tmpfs',
  'ramfs',
  'cgroup',
  'cgroup2',
  'mqueue',
  'debugfs',
  'tracefs',
  'securityfs',
  'pstore',
  'bpf',
  'configfs',
  'fusectl',
  'hugetlbfs',
  'autofs',
  'binfmt_misc',
  'rpc_pipefs',
  'nfsd',
  'efivarfs',
  'nsfs',
  'selinuxfs',
  'fuse.lxcfs',
  'fuse',
  'fuse.portal',
  'fuse.gvfsd-fuse',
  'overlay',
  'shm',
  'none',
]);

/** Read-only by nature: `ro` there is never a finding. */
export const READONLY_TYPES = new Set(['iso9660', 'squashfs', 'udf', 'erofs', 'cramfs', 'romfs']);

export function isNetworkType(fstype: string, extra: string[] = []): boolean {
  return NETWORK_TYPES.has(fstype) || extra.includes(fstype);
}

/**
 * An automount trigger or a FUSE mount (not network by type): a walk into it waits for its daemon
 * (fs/autofs/root.c autofs_d_manage; fs/fuse/dir.c). Above a storage path, it is reported and probed.
 */
export function isDaemonMount(fstype: string): boolean {
  return (
    fstype === 'autofs' ||
    fstype === 'fuse' ||
    fstype === 'fuseblk' ||
    (fstype.startsWith('fuse.') && fstype !== 'fuse.lxcfs')
  );
}

export interface MountOccurrence {
  scope: 'host' | 'ct';
  ctid: number | null;
  /** Init process of the container (its /proc/<pid>/root is the way into its mount namespace). */
  pid: number | null;
  info: MountInfo;
  network: boolean;
  /** One probe per superblock: the key is its major:minor. */
  key: string;
  /** The path to probe as the system sees it (not under --root). */
  probePath: string;
  /**
   * The PVE storage it belongs to: a host mount's own (storageForMount), a container's that of the
   * host mount of the same superblock (a bind of the storage's path).
   */
  storage: StorageMount | null;
}

/**
 * Every mount the monitor reports: on the host, network filesystems, mounts at a storage's path and
 * automount/FUSE mounts at or above any storage's path (a dir storage on an automounted NAS: PVE
 * walks into it); in containers, network filesystems and every real (non-pseudo) filesystem for capacity.
 */
export function listMountOccurrences(
  tables: ParsedMountTables & { storagePaths?: string[] },
  storages: StorageMount[],
  settings: Pick<MountSettings, 'ignore' | 'networkTypes'>,
): { occurrences: MountOccurrence[]; warnings: string[] } {
  const warnings: string[] = [];
  const out: MountOccurrence[] = [];
  if (tables.host.bad) warnings.push(`host mountinfo: ${tables.host.bad} line(s) not understood`);
  const storagePaths = new Set(storages.map((s) => s.path));
  const storageByKey = new Map<string, StorageMount>();
  const anyStoragePaths = tables.storagePaths ?? [];
  const aboveStorage = (info: MountInfo) =>
    isDaemonMount(info.fstype) && anyStoragePaths.some((p) => isAtOrUnder(p, info.target));
  for (const info of tables.host.mounts) {
    const network = isNetworkType(info.fstype, settings.networkTypes);
    if (!network && !storagePaths.has(info.target) && !aboveStorage(info)) continue;
    if (settings.ignore.some((p) => matchesPattern(p, 'host', null, info.target))) continue;
    const storage = storageForMount(info, storages);
    if (storage && !storageByKey.has(info.majorMinor)) storageByKey.set(info.majorMinor, storage);
    out.push({
      scope: 'host',
      ctid: null,
      pid: null,
      info,
      network,
      key: info.majorMinor,
      probePath: info.target,
      storage,
    });
  }
  for (const ct of tables.containers) {
    if (ct.table === null) continue;
    if (ct.table.bad) warnings.push(`CT ${ct.ctid} mountinfo: ${ct.table.bad} line(s) not understood`);
    for (const info of ct.table.mounts) {
      const network = isNetworkType(info.fstype, settings.networkTypes);
      if (!network && PSEUDO_TYPES.has(info.fstype)) continue;
      if (settings.ignore.some((p) => matchesPattern(p, 'ct', ct.ctid, info.target))) continue;
      const probePath = `/proc/${ct.pid}/root${info.target === '/' ? '/' : info.target}`;
      const storage = storageByKey.get(info.majorMinor) ?? null;
      out.push({ scope: 'ct', ctid: ct.ctid, pid: ct.pid, info, network, key: info.majorMinor, probePath, storage });
    }
  }
  return { occurrences: out, warnings };
}

/** One job per superblock; a host path is preferred (shorter, and valid while containers restart). */
export function planProbes(occurrences: MountOccurrence[]): ProbeJob[] {
  const jobs = new Map<string, ProbeJob & { host: boolean }>();
  for (const o of occurrences) {
    const label = o.scope === 'ct' ? `CT ${o.ctid}:${o.info.target}` : o.info.target;
    const j = jobs.get(o.key);
    if (!j) jobs.set(o.key, { key: o.key, path: o.probePath, labels: [label], host: o.scope === 'host' });
    else {
      j.labels.push(label);
      if (!j.host && o.scope === 'host') Object.assign(j, { path: o.probePath, host: true });
    }
  }
  return [...jobs.values()].map(({ key, path, labels }) => ({ key, path, labels }));
}
