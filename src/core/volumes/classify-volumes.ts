// Guest volumes on ZFS, Ceph RBD and file storages against the guest configs (design "Classification",
// same vocabulary as DM entries). Pure: listings and PVE state in, entries out. Report only: the hint
// names the PVE command, nothing here deletes.
import { describeRef, type RefHit } from '../dm/dm-references';
import type { PveState } from '../node/pve-state';
import type { ProcessInfo } from '../node/snapshot';
import { type StorageConfig, storagesOnNode } from '../parse/storage-config';
import type { Status } from '../types';
import { filePath, type ListedVolume, listStorageVolumes, parseZfsListing } from './volume-storages';

export { filePath };

import type { VolumeEntry, VolumeStorageStatus, VolumesRaw, VolumesResult } from './volume-types';

export const VOLUME_STORAGE_TYPES = ['zfspool', 'rbd', 'dir', 'nfs', 'cifs', 'cephfs', 'btrfs'];
const MULTI_GUEST_TASKS = new Set(['vzdump', 'migrateall', 'startall', 'stopall', 'suspendall']);

/** Where a storage keeps its volumes: two storage IDs on the same pool/path alias each other. */
export function storageLocation(s: StorageConfig): string {
  if (s.type === 'zfspool') return `zfs:${s.props.pool ?? ''}`;
  if (s.type === 'rbd') return `rbd:${s.props.monhost ?? ''}:${s.props.pool ?? 'rbd'}:${s.props.namespace ?? ''}`;
  return `file:${filePath(s)}`;
}

/**
 * A volname's own volume and, for a linked clone, its base. Files: `900/base-900-disk-0.qcow2/902/vm-902-disk-0.qcow2`
 * (Plugin.pm parse_volname `^(\d+)/(\S+)/(\d+)/(\S+)$`); ZFS/RBD: `base-900-disk-0/vm-902-disk-0`.
 */
export function splitVolname(type: string, volname: string): { own: string; base?: string } {
  if (isFileType(type)) {
    const m = /^(\d+\/[^/]+)\/(\d+\/[^/]+)$/.exec(volname);
    return m ? { own: m[2], base: m[1] } : { own: volname };
  }
  const m = /^((?:base|basevol)-\d+-[^/]+)\/([^/]+)$/.exec(volname);
  return m ? { own: m[2], base: m[1] } : { own: volname };
}

export const isFileType = (t: string) => t === 'dir' || t === 'nfs' || t === 'cifs' || t === 'cephfs' || t === 'btrfs';

/** Every volume reference of the cluster's configs keyed by `<location>|<own volume name>`. */
function referenceIndex(pve: PveState): Map<string, RefHit[]> {
  const byId = new Map(pve.storageConfig.map((s) => [s.id, s]));
  const index = new Map<string, RefHit[]>();
  const add = (k: string, hit: RefHit) => {
    const l = index.get(k);
    if (l) l.push(hit);
    else index.set(k, [hit]);
  };
  for (const g of pve.guests.values()) {
    for (const ref of g.config?.refs ?? []) {
      const st = ref.volid ? byId.get(ref.volid.storage) : undefined;
      if (!st || !ref.volid || !VOLUME_STORAGE_TYPES.includes(st.type)) continue;
      const loc = storageLocation(st);
      const { own, base } = splitVolname(st.type, ref.volid.volname);
      const hit = { vmid: g.vmid, type: g.type, node: g.node, ref, storage: st.id };
      add(`${loc}|${own}`, { ...hit, asBase: false });
      if (base) add(`${loc}|${base}`, { ...hit, asBase: true });
    }
  }
  return index;
}

/** `local: 100-0` headers of /etc/pve/replication.cfg → job ids. */
export function parseReplicationJobs(text: string): Set<string> {
  const ids = new Set<string>();
  for (const m of text.matchAll(/^\S+:\s*(\d+-\d+)\s*$/gm)) ids.add(m[1]);
  return ids;
}

export interface ClassifyVolumesInput {
  pve: PveState;
  raw: VolumesRaw;
  processes: ProcessInfo[];
  replicationCfg?: string;
}

export function classifyVolumes(input: ClassifyVolumesInput): VolumesResult {
  const { pve, raw } = input;
  const refs = referenceIndex(pve);
  const jobs = parseReplicationJobs(input.replicationCfg ?? '');
  const entries: VolumeEntry[] = [];
  const storages: VolumeStorageStatus[] = [];
  const warnings: string[] = [];
  const holdersByDev = new Map<string, ProcessInfo[]>();
  for (const p of input.processes)
    for (const fd of p.fds ?? []) {
      const l = holdersByDev.get(fd);
      if (l) l.push(p);
      else holdersByDev.set(fd, [p]);
    }
  const zfs = parseZfsListing(raw);
  for (const st of storagesOnNode(pve.storageConfig, pve.node)) {
    if (!VOLUME_STORAGE_TYPES.includes(st.type)) continue;
    const listed = listStorageVolumes(st, raw, zfs);
    const stat: VolumeStorageStatus = {
      storage: st.id,
      type: st.type,
      status: listed.error ? 'unknown' : 'ok',
      total: 0,
      orphan: 0,
      sizeBytes: 0,
      usedBytes: 0,
      orphanSizeBytes: 0,
    };
    if (listed.error) {
      stat.error = listed.error;
      warnings.push(`${st.id}: ${listed.error}`);
    }
    storages.push(stat);
    const loc = storageLocation(st);
    // Bases that clones on the storage still depend on (ZFS origin, RBD parent, qcow2 backing file).
    const hasClones = new Set(listed.volumes.map((v) => v.baseOf).filter((b): b is string => !!b));
    for (const v of listed.volumes) {
      const e = classifyOne(st, loc, v, { pve, refs, jobs, hasClones, holdersByDev });
      entries.push(e);
      if (e.snapshot) continue;
      stat.total++;
      stat.sizeBytes += e.sizeBytes ?? 0;
      stat.usedBytes += e.usedBytes ?? 0;
      if (e.status === 'orphan') {
        stat.orphan++;
        stat.orphanSizeBytes += e.sizeBytes ?? 0;
      }
    }
  }
  const n = (s: string) => entries.filter((e) => e.status === s).length;
  const unknownStorages = storages.filter((s) => s.status === 'unknown');
  const status: Status =
    unknownStorages.length > 0 || entries.some((e) => e.status === 'unknown')
      ? 3
      : entries.some((e) => e.status === 'orphan')
        ? 1
        : 0;
  return {
    summary: {
      total: entries.length,
      valid: n('valid'),
      orphan: n('orphan'),
      unknown: n('unknown'),
      ignored: n('ignored'),
      protected: entries.filter((e) => e.protected).length,
      pending: entries.filter((e) => e.pending).length,
      open: entries.filter((e) => e.open).length,
      orphanSizeBytes: storages.reduce((a, s) => a + s.orphanSizeBytes, 0),
      storages: storages.length,
      unknownStorages: unknownStorages.length,
    },
    entries,
    storages,
    vmidLeftovers: vmidLeftovers(entries),
    status,
    ...(unknownStorages.length > 0
      ? { error: unknownStorages.map((s) => `storage ${s.storage} could not be checked: ${s.error}`).join('; ') }
      : {}),
    warnings,
  };
}

interface Ctx {
  pve: PveState;
  refs: Map<string, RefHit[]>;
  jobs: Set<string>;
  hasClones: Set<string>;
  holdersByDev: Map<string, ProcessInfo[]>;
}

function classifyOne(st: StorageConfig, loc: string, v: ListedVolume, c: Ctx): VolumeEntry {
  const { pve } = c;
  const e: VolumeEntry = {
    volid: `${st.id}:${v.volname}`,
    ...(v.snapshot ? { snapshot: v.snapshot } : {}),
    storage: st.id,
    type: st.type,
    vmid: v.vmid,
    format: v.format,
    status: 'valid',
    reason: 'referenced',
    detail: '',
    sizeBytes: v.sizeBytes,
    usedBytes: v.usedBytes,
    open: false,
    holders: [],
    pending: false,
    protected: false,
    protectedBy: [],
  };
  const guest = v.vmid !== null ? pve.guests.get(v.vmid) : undefined;
  e.guestNode = guest?.node ?? null;
  const hits = c.refs.get(`${loc}|${v.own}`) ?? [];
  // Local storage: only this node's configs count; shared: the whole cluster's (facts §2).
  const visible = st.shared ? hits : hits.filter((h) => h.node === pve.node);
  if (v.vmid === null) {
    e.status = 'ignored';
    e.reason = 'not-guest-volume';
    e.detail = v.snapshot
      ? `snapshot of a volume that is no guest volume`
      : `no guest volume name (vm-/base-/subvol-<vmid>-…)`;
  } else if (v.snapshot) {
    snapshotVerdict(e, v, visible, guest, c);
  } else if (visible.length > 0) {
    e.detail = `referenced by ${describeRef(visible[0])}${visible.length > 1 ? ` (+${visible.length - 1} more)` : ''}`;
  } else if (!guest) {
    e.status = 'orphan';
    e.reason = 'guest-missing';
    e.detail = `no guest ${v.vmid} exists in the cluster`;
  } else if (!guest.config) {
    e.status = 'unknown';
    e.reason = 'config-unreadable';
    e.detail = `the config of guest ${v.vmid} could not be read (${guest.configError ?? 'unknown error'})`;
  } else if (!st.shared && guest.node !== pve.node) {
    e.status = 'orphan';
    e.reason = 'guest-on-other-node';
    e.detail = `guest ${v.vmid} lives on ${guest.node}; ${st.id} is local to each node, so no config references this copy`;
  } else {
    e.status = 'orphan';
    e.reason = 'not-referenced';
    e.detail = `guest ${v.vmid} exists (on ${guest.node}) but no line of its config names ${v.volname}`;
  }
  flags(e, v, guest, c);
  hint(e, st, guest);
  return e;
}

function snapshotVerdict(
  e: VolumeEntry,
  v: ListedVolume,
  visible: RefHit[],
  guest: ReturnType<PveState['guests']['get']>,
  c: Ctx,
): void {
  const snap = v.snapshot as string;
  const rep = /^__replicate_(\d+-\d+)_\d+__$/.exec(snap);
  if (rep) {
    if (c.jobs.has(rep[1])) e.detail = `replication snapshot of job ${rep[1]} (/etc/pve/replication.cfg)`;
    else {
      e.status = 'orphan';
      e.reason = 'snapshot-missing';
      e.detail = `replication snapshot of job ${rep[1]}, which /etc/pve/replication.cfg no longer has`;
    }
    return;
  }
  if (snap === '__migration__' || snap === 'vzdump') {
    e.pending = true;
    e.protectedBy.push(snap === 'vzdump' ? 'task:vzdump' : 'task:migration');
    e.detail = `${snap === 'vzdump' ? 'vzdump backup' : 'storage migration'} snapshot (an operation in flight, or its leftover)`;
    return;
  }
  if (!guest) {
    e.status = 'orphan';
    e.reason = 'guest-missing';
    e.detail = `snapshot ${snap} of a volume whose guest ${v.vmid} no longer exists`;
  } else if (!guest.config) {
    e.status = 'unknown';
    e.reason = 'config-unreadable';
    e.detail = `the config of guest ${v.vmid} could not be read`;
  } else if (guest.config.snapshots.includes(snap) && visible.length > 0) {
    e.detail = `snapshot [${snap}] of ${guest.type === 'lxc' ? 'CT' : 'VM'} ${v.vmid}`;
  } else {
    e.status = 'orphan';
    e.reason = 'snapshot-missing';
    e.detail = `guest ${v.vmid} has no snapshot section [${snap}]`;
  }
}

function flags(e: VolumeEntry, v: ListedVolume, guest: ReturnType<PveState['guests']['get']>, c: Ctx): void {
  const { pve } = c;
  const pendingBy = new Set<string>(e.protectedBy);
  const protectedBy = new Set<string>();
  if (e.vmid !== null) {
    const id = String(e.vmid);
    for (const t of pve.tasks)
      if (t.id === id || (t.id === '' && MULTI_GUEST_TASKS.has(t.type))) pendingBy.add(`task:${t.type}`);
    if (guest?.config?.lock) pendingBy.add('lock');
    for (const h of pve.ha)
      if (h.vmid === e.vmid && ['migrate', 'relocate', 'recovery'].includes(h.state)) pendingBy.add(`ha:${h.state}`);
    if (pve.running.has(e.vmid) && guest?.node === pve.node) protectedBy.add('guest-running');
  }
  for (const dev of v.devices) {
    for (const p of c.holdersByDev.get(dev) ?? []) {
      if (!e.holders.some((h) => h.pid === p.pid))
        e.holders.push({ pid: p.pid, command: p.comm, cmdline: p.cmdline.join(' ') });
    }
  }
  if (e.holders.length > 0 || v.lockType) e.open = true;
  if (e.open) protectedBy.add(v.lockType && e.holders.length === 0 ? 'rbd-lock' : 'open');
  if (!v.snapshot && c.hasClones.has(v.own)) protectedBy.add('has-clones');
  for (const p of pendingBy) protectedBy.add(p);
  e.pending = pendingBy.size > 0;
  e.protected = protectedBy.size > 0;
  e.protectedBy = [...protectedBy].sort();
}

/** The command that removes a snapshot no guest section names (PVE has none for that case). */
function snapshotFree(e: VolumeEntry, st: StorageConfig): string {
  const volname = e.volid.slice(e.volid.indexOf(':') + 1);
  const own = volname.split('/').pop() as string;
  if (st.type === 'zfspool') return `zfs destroy ${st.props.pool}/${own}@${e.snapshot}`;
  if (st.type === 'rbd') return `rbd -p ${st.props.pool ?? 'rbd'} snap rm ${own}@${e.snapshot}`;
  // btrfs: the snapshot is a read-only subvolume beside the volume's (BTRFSPlugin filesystem_path).
  const dir = own.endsWith('.raw') ? own.slice(0, -4) : own;
  return `btrfs subvolume delete ${filePath(st)}/images/${e.vmid}/${dir}@${e.snapshot}`;
}

function hint(e: VolumeEntry, st: StorageConfig, guest: ReturnType<PveState['guests']['get']>): void {
  if (e.status !== 'orphan' || e.protected || e.pending) return;
  const free = e.snapshot ? snapshotFree(e, st) : `pvesm free ${e.volid}`;
  const check = 'check it holds nothing you need (e.g. back it up), then';
  if (e.reason === 'not-referenced' && guest && !e.snapshot) {
    const rescan = guest.type === 'lxc' ? `pct rescan --vmid ${e.vmid}` : `qm disk rescan --vmid ${e.vmid}`;
    e.hint = `to keep it: ${rescan} (on ${guest.node}) attaches it as unusedN; to drop it: ${check} ${free}`;
  } else if (e.reason === 'guest-on-other-node') {
    e.hint = `leftover copy (e.g. of a migration): ${check} ${free}`;
  } else {
    e.hint = `${check} ${free}`;
  }
}

function vmidLeftovers(entries: VolumeEntry[]): VolumesResult['vmidLeftovers'] {
  const by = new Map<number, VolumesResult['vmidLeftovers'][number]>();
  for (const e of entries) {
    if (e.snapshot || e.status !== 'orphan' || e.reason !== 'guest-missing' || e.vmid === null) continue;
    let l = by.get(e.vmid);
    if (!l) {
      l = { vmid: e.vmid, volids: [], sizeBytes: 0, usedBytes: 0 };
      by.set(e.vmid, l);
    }
    l.volids.push(e.volid);
    l.sizeBytes += e.sizeBytes ?? 0;
    l.usedBytes += e.usedBytes ?? 0;
  }
  return [...by.values()].sort((a, b) => a.vmid - b.vmid);
}

/** The volumes part when nothing could be listed: UNKNOWN with the reason (never an empty OK). */
export function unknownVolumes(error: string): VolumesResult {
  return {
    summary: {
      total: 0,
      valid: 0,
      orphan: 0,
      unknown: 0,
      ignored: 0,
      protected: 0,
      pending: 0,
      open: 0,
      orphanSizeBytes: 0,
      storages: 0,
      unknownStorages: 0,
    },
    entries: [],
    storages: [],
    vmidLeftovers: [],
    status: 3,
    error,
    warnings: [],
  };
}
