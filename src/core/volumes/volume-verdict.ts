// One listed volume's verdict (same vocabulary as DM entries): valid, orphan with its reason, unknown or
// ignored; its pending/protected flags and holders; and, for an orphan nobody protects, the hint that
// names the PVE command. Report only: nothing here deletes.
import { redactCommandLine } from '../redact';
import { describeRef, type RefHit } from '../dm/dm-references';
import type { PveState } from '../node/pve-state';
import type { ProcessInfo } from '../node/snapshot';
import type { StorageConfig } from '../parse/storage-config';
import { filePath, type ListedVolume } from './volume-storages';
import type { VolumeEntry } from './volume-types';

const MULTI_GUEST_TASKS = new Set(['vzdump', 'migrateall', 'startall', 'stopall', 'suspendall']);

/** What every verdict reads besides the volume: PVE state, references, replication jobs, clone bases, holders. */
export interface VolumeContext {
  pve: PveState;
  refs: Map<string, RefHit[]>;
  jobs: Set<string>;
  hasClones: Set<string>;
  holdersByDev: Map<string, ProcessInfo[]>;
}

export function classifyVolume(st: StorageConfig, loc: string, v: ListedVolume, c: VolumeContext): VolumeEntry {
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
  c: VolumeContext,
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

function flags(e: VolumeEntry, v: ListedVolume, guest: ReturnType<PveState['guests']['get']>, c: VolumeContext): void {
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
        e.holders.push({ pid: p.pid, command: p.comm, cmdline: redactCommandLine(p.cmdline).join(' ') });
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
