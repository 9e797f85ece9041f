// Gathering for the volumes part, with a bounded subprocess count: one `zfs list` for every zfspool
// storage, `rbd ls -l` and `rbd trash ls` per rbd storage, one lister child per file storage; each under
// a hard deadline, so a hanging Ceph cluster or dead NFS server makes that storage `unknown`, never a
// hang. Then `rbd status` only for the RBD images that would otherwise be orphans (within one deadline).
// No pvesm/qm/pct calls (pvesm list takes seconds per storage and hangs on a dead NFS server).
import { listVolumesCommand } from '../children/list-volumes-child';
import { mayBlock, onNetworkMount } from '../core/mounts/mount-check';
import type { PveState } from '../core/node/pve-state';
import { type MountInfo, visibleMounts } from '../core/parse/mountinfo';
import { type StorageConfig, storagesOnNode } from '../core/parse/storage-config';
import { parseQcow2Header, parseVmdkCapacity, ZFS_LIST_FIELDS } from '../core/parse/volume-listing';
import type { FileVolume, VolumesRaw } from '../core/vocab/volume-types';
import { parseBackingFile } from '../core/volumes/backing-file';
import { holdsGuestVolumes, isFileType } from '../core/volumes/volume-references';
import { filePath } from '../core/volumes/volume-storages';
import { imagePath } from '../core/volumes/volume-usage';
import type { Host } from './host';
import { hostPath } from './host';
import { runCaptured } from './read-dm';
import { readPathStates, resolveHostPaths } from './read-links';
import { readLoopDevices } from './read-loops';
import { readHostMounts } from './read-mounts';
import { RBD_TRASH, type RbdCandidates, rbdArgv, readRbdDevices, readRbdWatchers } from './read-rbd';
import { readZfs } from './read-zfs';

export const DEFAULT_VOLUME_TIMEOUT_MS = 10_000;
const NETWORK = new Set(['nfs', 'cifs', 'cephfs']);

/** Mount targets of this node, for PVE's is_mountpoint / "is the NFS share mounted" checks. */
function mountTargets(mounts: MountInfo[] | null): Map<string, string> | null {
  return mounts && new Map(visibleMounts(mounts).map((m) => [m.target, m.fstype]));
}

function fileVolumes(
  items: {
    n: string;
    s: number | null;
    b: number | null;
    d?: boolean;
    h?: string;
    p?: string;
    r?: number;
    i?: string;
  }[],
): FileVolume[] {
  return items.map((it) => {
    const v: FileVolume = { name: it.n, sizeBytes: it.s, usedBytes: it.b };
    if (it.d) v.isDir = true;
    if (it.p) v.snapshot = it.p;
    if (it.r) v.rawDir = true;
    if (it.i) v.id = it.i;
    if (it.h) {
      const buf = Buffer.from(it.h, 'base64');
      const q = parseQcow2Header(buf);
      if (q) {
        v.sizeBytes = q.virtualSize;
        v.backing = q.backingFile;
      } else {
        const cap = parseVmdkCapacity(buf);
        if (cap !== null) v.sizeBytes = cap;
      }
    }
    return v;
  });
}

async function readFileStorage(
  host: Host,
  st: StorageConfig,
  mounts: Map<string, string> | null,
  timeoutMs: number,
  mountState?: Map<string, string>,
): Promise<VolumesRaw['files'][string]> {
  const configured = filePath(st);
  const network = NETWORK.has(st.type);
  // PVE: nfs/cifs/cephfs storages are mounts at their path; dir with is_mountpoint must be one (Plugin.pm).
  const mustMount =
    network ||
    (st.props.is_mountpoint !== undefined && st.props.is_mountpoint !== '0' && st.props.is_mountpoint !== 'no');
  const configuredMountAt =
    st.props.is_mountpoint && !['0', '1', 'yes', 'no'].includes(st.props.is_mountpoint)
      ? st.props.is_mountpoint
      : configured;
  // The mounts part's resolver (DirPlugin: Cwd::realpath; never an lstat through a mount that can block:
  // network, FUSE, autofs — mount-check.ts mayBlock), so a symlinked storage path is mounted here exactly
  // when the mounts part says it is, and an automount under a dir storage is never triggered from here.
  const networkTargets = [...(mounts ?? new Map<string, string>())].filter(([, t]) => mayBlock(t)).map(([m]) => m);
  const resolved = resolveHostPaths(host, [configured, configuredMountAt], (p) => onNetworkMount(p, networkTargets));
  const path = resolved[configured] ?? configured;
  const mountAt = resolved[configuredMountAt] ?? configuredMountAt;
  if (mustMount) {
    if (!mounts) return { ok: false, error: 'the mount table could not be read', volumes: [] };
    if (!mounts.has(mountAt))
      return {
        ok: false,
        error: `${configuredMountAt}${mountAt !== configuredMountAt ? ` (-> ${mountAt})` : ''} is not mounted`,
        volumes: [],
      };
  }
  // The mount the storage lies on as the mounts part probed it: at its mount point, or the deepest
  // reported mount above its path (a dir storage under an automounted NAS without is_mountpoint).
  const probedAt = [
    mountAt,
    ...[...(mountState?.keys() ?? [])].filter((t) => onNetworkMount(path, [t])).sort((a, b) => b.length - a.length),
  ].find((t) => mountState?.has(t));
  const probed = probedAt === undefined ? undefined : mountState?.get(probedAt);
  // readonly/full mounts can still be listed; a stale or missing one is not touched at all.
  if (probed === 'stale' || probed === 'missing')
    return { ok: false, error: `its mount ${probedAt} probed ${probed}: not read`, volumes: [] };
  const r = await runCaptured(
    host,
    listVolumesCommand(),
    timeoutMs,
    JSON.stringify({ dir: hostPath(host, `${path}/images`), btrfs: st.type === 'btrfs' }),
  );
  if (r.error === 'timeout')
    return {
      ok: false,
      error: `reading ${path}/images did not finish within ${timeoutMs} ms (server not answering?)`,
      volumes: [],
    };
  if (r.error || r.code !== 0)
    return {
      ok: false,
      error: `reading ${path}/images failed: ${(r.stderr || r.message || '').trim().split('\n').filter(Boolean).pop() ?? 'no message'}`,
      volumes: [],
    };
  try {
    const doc = JSON.parse(r.stdout) as {
      ok: boolean;
      missing?: boolean;
      items: Parameters<typeof fileVolumes>[0];
      others?: string[];
    };
    return {
      ok: true,
      volumes: fileVolumes(doc.items),
      ...(doc.missing ? { noImagesDir: true } : {}),
      ...(doc.others?.length ? { others: doc.others } : {}),
      ...(path !== configured ? { realPath: path } : {}),
    };
  } catch (e) {
    return { ok: false, error: `lister output unreadable: ${(e as Error).message}`, volumes: [] };
  }
}

/**
 * Everything the volumes classifier needs from this node. `mountState` (target → mount status from the
 * mounts part, when it ran) keeps a storage whose mount probed stale from being read at all.
 */
export async function gatherVolumes(
  host: Host,
  pve: PveState,
  opts: { timeoutMs?: number; mountState?: Map<string, string>; rbdCandidates?: RbdCandidates } = {},
): Promise<VolumesRaw> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_VOLUME_TIMEOUT_MS;
  const storages = storagesOnNode(pve.storageConfig, pve.node).filter(holdsGuestVolumes);
  const raw: VolumesRaw = { rbd: {}, files: {} };
  const allPools = [...new Set(storages.filter((s) => s.type === 'zfspool' && s.props.pool).map((s) => s.props.pool))];
  // `-r rpool` already lists rpool/data: pass only the outermost pools.
  const pools = allPools.filter((p) => !allPools.some((q) => q !== p && p.startsWith(`${q}/`)));
  const hostMounts = pools.length > 0 || storages.some((s) => isFileType(s.type)) ? readHostMounts(host) : null;
  const mounts = storages.some((s) => isFileType(s.type)) ? mountTargets(hostMounts) : null;
  const jobs: Promise<void>[] = [];
  if (pools.length > 0) {
    const argv = [
      'zfs',
      'list',
      '-H',
      '-p',
      '-r',
      '-t',
      'volume,filesystem,snapshot',
      '-o',
      ZFS_LIST_FIELDS.join(','),
      ...pools,
    ];
    jobs.push(readZfs(host, raw, { argv, pools, allPools, timeoutMs, mounts: hostMounts }));
  }
  if (storages.some((s) => s.type === 'rbd')) raw.rbdDevices = readRbdDevices(host);
  // A file storage's image may be bound to a loop device (losetup): a use no process's fd shows.
  if (storages.some((s) => isFileType(s.type))) raw.loops = readLoopDevices(host);
  for (const st of storages) {
    if (st.type === 'rbd') {
      raw.rbdTrash ??= {};
      const trash = raw.rbdTrash;
      jobs.push(
        runCaptured(host, rbdArgv(host, st), timeoutMs).then((r) => {
          raw.rbd[st.id] = r;
        }),
        runCaptured(host, rbdArgv(host, st, RBD_TRASH), timeoutMs).then((r) => {
          trash[st.id] = r;
        }),
      );
    } else if (isFileType(st.type))
      jobs.push(
        readFileStorage(host, st, mounts, timeoutMs, opts.mountState).then((r) => {
          raw.files[st.id] = r;
        }),
      );
  }
  await Promise.all(jobs);
  // An overlay's base is looked up as a config path is: through links, by identity; each path as qemu
  // opens it (backing-file.ts), the key volume-usage.ts reads it by.
  const backings = storages.flatMap((st) =>
    (raw.files[st.id]?.volumes ?? []).flatMap((v) =>
      v.backing ? parseBackingFile(v.backing, imagePath(st, v.name)).paths : [],
    ),
  );
  if (backings.length) raw.backingPaths = readPathStates(host, backings);
  // Without the core's list of candidates no image is asked: their verdicts are then UNKNOWN, never orphans.
  if (raw.rbdTrash && opts.rbdCandidates)
    await readRbdWatchers(host, pve, raw, { timeoutMs, candidates: opts.rbdCandidates });
  return raw;
}
