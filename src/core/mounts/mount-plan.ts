// Which mounts the monitor looks at, which PVE storage each belongs to, and which superblocks must
// be probed. Pure: the gatherer (src/host/read-mounts.ts) and the classifier use the same answers,
// so a snapshot replays exactly what a live run decided.
import { parseConfigSections, parsePropertyString } from '../parse/guest-config';
import { hasOption, type MountInfo, parseMountInfo, visibleMounts } from '../parse/mountinfo';
import type { StorageConfig } from '../parse/storage-config';
import type { MountSettings } from './mount-settings';
import type { ProbeJob } from './mount-types';


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

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
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
}

export interface MountTables {
  hostMountinfo: string;
  containers: { ctid: number; pid: number; mountinfo: string | null }[];
}

/** Does a pattern from `ignore` match? "*" matches any run of characters; "CTID:" limits it to a container. */
export function matchesPattern(pattern: string, scope: 'host' | 'ct', ctid: number | null, target: string): boolean {
  const m = /^(\d+|\*):(\/.*)$/.exec(pattern);
  if (m && scope === 'host') return false;
  if (m && m[1] !== '*' && Number(m[1]) !== ctid) return false;
  const path = m ? m[2] : pattern;
  if (!m && scope === 'ct') return false;
  const re = new RegExp(`^${path.split('*').map(escapeRe).join('.*')}$`);
  return re.test(target);
}

function escapeRe(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Every mount the monitor reports: on the host, network filesystems and mounts at a storage's
 * path; in containers, network filesystems and every real (non-pseudo) filesystem for capacity.
 */
export function listMountOccurrences(
  tables: MountTables,
  storages: StorageMount[],
  settings: Pick<MountSettings, 'ignore' | 'networkTypes'>,
): { occurrences: MountOccurrence[]; warnings: string[] } {
  const warnings: string[] = [];
  const out: MountOccurrence[] = [];
  const host = parseMountInfo(tables.hostMountinfo);
  if (host.bad.length) warnings.push(`host mountinfo: ${host.bad.length} line(s) not understood`);
  const storagePaths = new Set(storages.map((s) => s.path));
  for (const info of visibleMounts(host.mounts)) {
    const network = isNetworkType(info.fstype, settings.networkTypes);
    if (!network && !storagePaths.has(info.target)) continue;
    if (settings.ignore.some((p) => matchesPattern(p, 'host', null, info.target))) continue;
    out.push({ scope: 'host', ctid: null, pid: null, info, network, key: info.majorMinor, probePath: info.target });
  }
  for (const ct of tables.containers) {
    if (ct.mountinfo === null) continue;
    const t = parseMountInfo(ct.mountinfo);
    if (t.bad.length) warnings.push(`CT ${ct.ctid} mountinfo: ${t.bad.length} line(s) not understood`);
    for (const info of visibleMounts(t.mounts)) {
      const network = isNetworkType(info.fstype, settings.networkTypes);
      if (!network && PSEUDO_TYPES.has(info.fstype)) continue;
      if (settings.ignore.some((p) => matchesPattern(p, 'ct', ct.ctid, info.target))) continue;
      const probePath = `/proc/${ct.pid}/root${info.target === '/' ? '/' : info.target}`;
      out.push({ scope: 'ct', ctid: ct.ctid, pid: ct.pid, info, network, key: info.majorMinor, probePath });
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

/** Mount points a container config declares read-only: `mpN: ...,mp=/x,ro=1` and `lxc.mount.entry` with `ro`. */
export function containerReadonlyTargets(configText: string): string[] {
  const out: string[] = [];
  const { sections } = parseConfigSections(configText, 'lxc');
  for (const [key, value] of sections[0]?.entries ?? []) {
    if (/^mp\d+$/.test(key)) {
      const p = parsePropertyString(value, 'volume');
      if (p.mp && p.ro === '1') out.push(trimSlash(p.mp));
    } else if (key === 'lxc.mount.entry') {
      // lxc.mount.entry: /mnt/pve/iso mnt/iso none bind,ro,create=dir 0 0
      const f = value.trim().split(/\s+/);
      if (f.length >= 4 && hasOption(f[3], 'ro')) out.push(trimSlash(`/${f[1].replace(/^\/+/, '')}`));
    }
  }
  return out;
}
