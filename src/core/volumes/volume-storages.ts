// One storage's volumes from the raw listings: names as PVE's plugins parse them (ZFSPoolPlugin.pm
// parse_volname / zfs_parse_zvol_list, RBDPlugin.pm parse_volname / rbd_ls, Plugin.pm parse_volname /
// parse_name_dir for file storages). Pure.
import { filePath } from '../mounts/network-storages';
import type { StorageConfig } from '../parse/storage-config';
import { parseZfsList, type ZfsDataset } from '../parse/volume-listing';
import { fileOriginal, parseQuarantineName, QUARANTINE_DIR } from '../vocab/quarantine-name';
import type { VolumesRaw } from '../vocab/volume-types';
import {
  commandError,
  escapeRe,
  fileNote,
  type ListedVolume,
  type StorageListing,
  zfsChildDatasets,
} from './listed-volume';
import { listRbd } from './volume-rbd';
import { zfsListingGap } from './zfs-listing-gaps';

export type { ListedVolume, StorageListing };
export { filePath };

const ZFS_NAME = /^(?:vm|base|subvol|basevol)-(\d+)-\S+$/;
// Plugin.pm parse_name_dir: any `(base-)?[^/\s]+.(raw|qcow2|vmdk|subvol)` is a volume of the VMID its
// directory names (list_images: `<imagedir>/[0-9][0-9]*/*`, owner = the directory); `snap-*.qcow2` is a
// PVE 9 volume-chain snapshot file (get_snap_name: `snap-<snap>-<volname>`), never a volume.
export const FILE_NAME = /^(\d+)\/((?:base-)?[^/\s]+\.(raw|qcow2|vmdk|subvol))$/;
const CHAIN_FILE = /^(\d+)\/snap-(.*\.qcow2)$/;

/**
 * The directory a btrfs raw disk's volname stands for: `<vmid>/vm-<vmid>-disk-N.raw` is the subvolume
 * `<vmid>/vm-<vmid>-disk-N` holding `disk.raw` (BTRFSPlugin.pm filesystem_path, raw_name_to_dir); null for
 * any other volume (a btrfs `.subvol` volname is its subvolume's own name already).
 */
export function btrfsRawDir(volname: string, type: string): string | null {
  return type === 'btrfs' && volname.endsWith('.raw') ? volname.slice(0, -'.raw'.length) : null;
}

/** `zfs list` parsed once for every zfspool storage (one call lists every pool), or why it cannot be. */
export type ZfsListing = ZfsDataset[] | Error;

export function parseZfsListing(raw: VolumesRaw): ZfsListing {
  try {
    return raw.zfs ? parseZfsList(raw.zfs.stdout) : [];
  } catch (e) {
    return e as Error;
  }
}

export function listStorageVolumes(st: StorageConfig, raw: VolumesRaw, zfs: ZfsListing): StorageListing {
  try {
    if (st.type === 'zfspool') return listZfs(st, raw, zfs);
    if (st.type === 'rbd') return listRbd(st, raw);
    return listFiles(st, raw);
  } catch (e) {
    return { error: (e as Error).message, volumes: [] };
  }
}

function listZfs(st: StorageConfig, raw: VolumesRaw, all: ZfsListing): StorageListing {
  const pool = st.props.pool;
  if (!pool) return { error: 'zfspool storage without a pool property', volumes: [] };
  const out = raw.zfs;
  const err = commandError(out, 'zfs list');
  // One call lists every pool: a missing pool makes zfs exit 1 but still list the others.
  const poolMissing = out?.stderr?.includes(`cannot open '${pool}'`);
  const othersOnly =
    out &&
    !out.error &&
    out.stderr
      .trim()
      .split('\n')
      .every((l) => /^cannot open '/.test(l));
  // (no output at all is such an error too: commandError says "zfs list was not run")
  if (err && (poolMissing || !othersOnly)) return { error: err, volumes: [] };
  if (all instanceof Error) throw all;
  const prefix = `${pool}/`;
  const volumes: ListedVolume[] = [];
  const seen = new Set<string>();
  // Snapshots a clone was made from (`zfs clone`: the clone's origin), wherever the clone lives.
  const origins = new Set(all.map((d) => d.origin).filter((o): o is string => !!o));
  const kids = zfsChildDatasets(all);
  let poolLine = false;
  for (const d of all) {
    if (d.name === pool) poolLine = true;
    if (!d.name.startsWith(prefix)) continue;
    // The operands never overlap (read-volumes.ts passes the outermost pools only): a dataset printed
    // twice is output that cannot be trusted.
    if (seen.has(d.name)) throw new Error(`zfs list printed ${d.name} twice: the output cannot be trusted`);
    seen.add(d.name);
    const rest = d.name.slice(prefix.length);
    const at = rest.indexOf('@');
    const own = at >= 0 ? rest.slice(0, at) : rest;
    if (own === QUARANTINE_DIR) continue; // reclaim's quarantine dataset itself
    if (own.startsWith(`${QUARANTINE_DIR}/`)) {
      if (at < 0 && (d.type === 'volume' || d.type === 'filesystem')) pushQuarantinedZfs(volumes, { pool, own, d });
      continue; // its snapshots moved in with it: part of the quarantined volume
    }
    if (own.includes('/') || !own) continue;
    const m = ZFS_NAME.exec(own);
    const vmid = m ? Number(m[1]) : null;
    if (at >= 0) {
      const snap = rest.slice(at + 1);
      // `__base__` is the base's own clone anchor (create_base), part of the base volume
      if (snap !== '__base__') volumes.push(zfsSnapshot({ pool, own, vmid, snap, d, origins }));
      continue;
    }
    if (d.type !== 'volume' && d.type !== 'filesystem') continue;
    const o = d.origin ? new RegExp(`^${escapeRe(prefix)}([^/@]+)@__base__$`).exec(d.origin) : null;
    const kname = raw.zvolDevices?.[d.name];
    volumes.push({
      volname: o ? `${o[1]}/${own}` : own,
      own,
      vmid,
      format: d.type === 'volume' ? 'raw' : 'subvol',
      sizeBytes: d.type === 'volume' ? d.volsize : d.refquota || null,
      usedBytes: d.used,
      ...(d.guid ? { identity: d.guid } : {}),
      ...(o ? { baseOf: o[1] } : {}),
      ...(d.type === 'filesystem' ? { dataset: { name: d.name, mountpoint: d.mountpoint } } : {}),
      ...(d.type === 'volume' && d.volsize === 0 ? { partialReceive: true } : {}),
      // The zvol and its partitions: a process or a mount on /dev/zd64p1 holds the zvol too.
      devices: kname ? [`/dev/${kname}`, ...(raw.zvolUse?.[kname]?.parts ?? []).map((p) => `/dev/${p}`)] : [],
      ...(kname && raw.zvolUse?.[kname]?.holders.length ? { sysHolders: raw.zvolUse[kname].holders } : {}),
    });
  }
  // A volume's datasets below it (also one in quarantine): `zfs destroy -r` would take them.
  for (const v of volumes)
    if (!v.snapshot && kids.has(`${prefix}${v.own}`)) v.childDatasets = kids.get(`${prefix}${v.own}`);
  // `zfs list -r POOL` prints POOL itself first: without that line the listing is cut off or empty.
  if (!poolLine) throw new Error(`zfs list does not show the pool ${pool} itself: the listing is incomplete`);
  const incomplete = zfsListingGap(raw.zfsUnlisted);
  return incomplete ? { incomplete, volumes } : { volumes };
}

function zfsSnapshot(o: {
  pool: string;
  own: string;
  vmid: number | null;
  snap: string;
  d: ZfsDataset;
  origins: Set<string>;
}): ListedVolume {
  const q = parseQuarantineName(o.snap);
  return {
    volname: o.own,
    own: o.own,
    vmid: o.vmid,
    format: null,
    snapshot: o.snap,
    sizeBytes: o.d.volsize,
    usedBytes: o.d.used,
    devices: [],
    ...(o.d.guid ? { identity: o.d.guid } : {}),
    ...(o.origins.has(o.d.name) ? { cloneOrigin: true } : {}),
    ...(q ? { quarantine: zfsSnapshotMark(q, `${o.pool}/${o.own}`, o.snap, o.pool) } : {}),
  };
}

/**
 * A snapshot renamed by reclaim (`zfs rename DS@SNAP DS@pve-health-q.<time>.SNAP`): it stays on its dataset
 * (a snapshot cannot leave it), out of every name PVE's operations look for.
 */
function zfsSnapshotMark(
  m: { since: string; original: string },
  dataset: string,
  snap: string,
  pool: string,
): NonNullable<ListedVolume['quarantine']> {
  const at = `${dataset}@${snap}`;
  return { ...m, name: at, onStorage: at, location: { pool, snapshotOf: dataset } };
}

/** A dataset in `<pool>/pve-health-quarantine/` under the quarantine grammar (reclaim-steps.ts). */
function pushQuarantinedZfs(volumes: ListedVolume[], o: { pool: string; own: string; d: ZfsDataset }): void {
  const leaf = o.own.slice(QUARANTINE_DIR.length + 1);
  const m = leaf.includes('/') ? null : parseQuarantineName(leaf);
  if (!m) return;
  const k = ZFS_NAME.exec(m.original);
  volumes.push({
    volname: m.original,
    own: o.own,
    vmid: k ? Number(k[1]) : null,
    format: o.d.type === 'volume' ? 'raw' : 'subvol',
    sizeBytes: o.d.type === 'volume' ? o.d.volsize : o.d.refquota || null,
    usedBytes: o.d.used,
    devices: [],
    ...(o.d.guid ? { identity: o.d.guid } : {}),
    quarantine: { ...m, name: `${o.pool}/${o.own}`, onStorage: `${o.pool}/${o.own}`, location: { pool: o.pool } },
  });
}

function listFiles(st: StorageConfig, raw: VolumesRaw): StorageListing {
  const got = raw.files[st.id];
  if (!got) return { error: 'the storage was not read', volumes: [] };
  if (!got.ok) return { error: got.error ?? 'the storage could not be read', volumes: [] };
  // Every path the volume is seen by: the configured one, and where it leads when the storage path is a
  // symlink (a holder's fd and a bind mount name the resolved path: the kernel's d_path, never the link).
  const at = (rel: string) => [filePath(st), ...(got.realPath ? [got.realPath] : [])].map((p) => `${p}/images/${rel}`);
  const names = new Set(got.volumes.filter((f) => !f.snapshot).map((f) => f.name));
  return {
    ...(got.others?.length ? { present: got.others } : {}),
    ...(got.noImagesDir ? { noImagesDir: true as const } : {}),
    volumes: got.volumes.map((f) => {
      const q = quarantinedFile(f, st, at);
      if (q) return q;
      const chain = st.type === 'btrfs' ? null : chainSnapshot(f.name, names);
      const m = chain || CHAIN_FILE.test(f.name) ? null : FILE_NAME.exec(f.name);
      const b = f.backing ? /^\.\.\/(\d+\/(?:base-)?[^/\s]+\.(?:raw|qcow2|vmdk))$/.exec(f.backing) : null;
      const own = chain ? chain.volume : f.name;
      const rawDir = btrfsRawDir(f.name, st.type);
      return {
        volname: b && !chain ? `${b[1]}/${f.name}` : own,
        own,
        vmid: chain ? chain.vmid : m ? Number(m[1]) : null,
        format: chain ? 'qcow2' : m ? m[3] : null,
        sizeBytes: f.sizeBytes,
        usedBytes: f.usedBytes,
        ...(f.id ? { identity: f.id } : {}),
        ...(b && !chain ? { baseOf: b[1] } : {}),
        ...(f.snapshot ? { snapshot: f.snapshot } : chain ? { snapshot: chain.snapshot } : {}),
        ...(!m && !chain ? { note: fileNote(f.name) } : {}),
        // The path a holder's fd shows; a btrfs raw disk is `<vmid>/<name>/disk.raw` (BTRFSPlugin path),
        // its snapshot `<vmid>/<name>@<snap>/disk.raw`.
        devices: at(`${rawDir ?? f.name}${f.snapshot ? `@${f.snapshot}` : ''}${rawDir ? '/disk.raw' : ''}`),
      };
    }),
  };
}

/** A file in `<path>/images/pve-health-quarantine/` under the quarantine grammar (reclaim-steps.ts). */
function quarantinedFile(
  f: VolumesRaw['files'][string]['volumes'][number],
  st: StorageConfig,
  at: (rel: string) => string[],
): ListedVolume | null {
  if (!f.name.startsWith(`${QUARANTINE_DIR}/`) || f.snapshot) return null;
  const path = filePath(st);
  const leaf = f.name.slice(QUARANTINE_DIR.length + 1);
  const m = parseQuarantineName(leaf);
  const original = m ? fileOriginal(m.original) : null;
  const k = original ? FILE_NAME.exec(original) : null;
  if (!m || !original) return null;
  // A btrfs raw disk is its subvolume `<q>/` with disk.raw inside, listed as `<q>.raw` (reclaim-steps.ts).
  const dir = f.rawDir ? btrfsRawDir(f.name, st.type) : null;
  if (dir)
    return {
      volname: original,
      own: f.name,
      vmid: Number(original.split('/')[0]),
      format: 'raw',
      sizeBytes: f.sizeBytes,
      usedBytes: f.usedBytes,
      ...(f.id ? { identity: f.id } : {}),
      devices: at(`${dir}/disk.raw`),
      quarantine: {
        since: m.since,
        original,
        name: `${path}/images/${dir}`,
        onStorage: `${path}/images/${dir}`,
        location: { path },
      },
    };
  return {
    volname: original,
    own: f.name,
    vmid: Number(original.split('/')[0]),
    format: k ? k[3] : null,
    sizeBytes: f.sizeBytes,
    usedBytes: f.usedBytes,
    ...(f.id ? { identity: f.id } : {}),
    devices: at(f.name),
    quarantine: {
      since: m.since,
      original,
      name: `${path}/images/${f.name}`,
      onStorage: `${path}/images/${f.name}`,
      location: { path },
    },
  };
}

/**
 * `<vmid>/snap-<snap>-<volname>` (Plugin.pm get_snap_name) → the chain snapshot of `<vmid>/<volname>`.
 * Snapshot names may contain '-', so the split is resolved against the volumes in the same directory
 * (the longest existing volume name wins); a chain file whose volume is gone belongs to none.
 */
export function chainSnapshot(
  name: string,
  volumes: Set<string>,
): { vmid: number; volume: string; snapshot: string } | null {
  const m = CHAIN_FILE.exec(name);
  if (!m) return null;
  const rest = m[2];
  for (let i = rest.indexOf('-'); i > 0; i = rest.indexOf('-', i + 1)) {
    const volume = `${m[1]}/${rest.slice(i + 1)}`;
    if (volumes.has(volume)) return { vmid: Number(m[1]), volume, snapshot: rest.slice(0, i) };
  }
  return null;
}
