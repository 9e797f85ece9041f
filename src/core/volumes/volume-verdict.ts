// One listed volume's verdict (same vocabulary as DM entries): valid, orphan with its reason, unknown or
// ignored; its pending/protected flags and holders; and, for an orphan nobody protects, the hint that
// names the PVE command. Report only: nothing here deletes.

import { describeRef, type RefHit } from '../dm/dm-references';
import type { PveState } from '../node/pve-state';
import type { StorageConfig } from '../parse/storage-config';
import { redactCommandLine } from '../redact';
import type { ProcessInfo } from '../snapshot';
import type { VolumeEntry } from '../volume-types';
import { askWatchersFirst, type RbdFlags, rbdRemnantVerdict, watchVerdict } from './volume-rbd';
import { REPLICATABLE_TYPES, type ReplicationView, replicaOf, replicateSnapshot } from './volume-replication';
import { ownerRunning, pveSnapshot } from './volume-snapshots';
import { filePath, type ListedVolume } from './volume-storages';

/** What every verdict reads besides the volume: PVE state, references, replication, clone bases, holders. */
export interface VolumeContext {
  pve: PveState;
  refs: Map<string, RefHit[]>;
  replication: ReplicationView;
  hasClones: Set<string>;
  holdersByDev: Map<string, ProcessInfo[]>;
  /** Newest `__replicate_<job>_<ts>__` time per `<own volume>|<job>` on the storage (the job's base without a state file). */
  newestReplicate: Map<string, number>;
}

type Guest = ReturnType<PveState['guests']['get']>;
const guestWord = (g: NonNullable<Guest>) => `${g.type === 'lxc' ? 'CT' : 'VM'} ${g.vmid}`;

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
  const f: Flags = { pendingBy: new Set(), protectedBy: new Set() };
  if (visible.length > 0 && !v.snapshot && !v.trash?.nameInUse) e.references = visible.map(describeRef);
  if (v.trash)
    e.trash = { id: v.trash.id, source: v.trash.source, deletedAt: v.trash.deletedAt, deferment: v.trash.deferment };
  if (v.vmid === null) {
    e.status = 'ignored';
    e.reason = 'not-guest-volume';
    e.detail = v.snapshot
      ? `snapshot of a volume that is no guest volume`
      : (v.note ?? `no guest volume name (vm-/base-/subvol-<vmid>-…)`);
  } else if (v.trash || v.openError) {
    addRbd(f, rbdRemnantVerdict(e, v, st, visible.length > 0 ? describeRef(visible[0]) : null));
  } else if (v.snapshot) {
    snapshotVerdict(e, v, { visible, guest, c, f });
    snapshotFlags(e, guest, c, f);
    unseenGuard(e, st, pve);
    hint(e, st, guest);
    return finish(e, f);
  } else if (visible.length > 0) {
    e.detail = `referenced by ${describeRef(visible[0])}${visible.length > 1 ? ` (+${visible.length - 1} more)` : ''}`;
    sourceOfJobs(e, st, guest, c);
  } else if (!guest) {
    e.status = 'orphan';
    e.reason = 'guest-missing';
    e.detail = `no guest ${v.vmid} exists in the cluster`;
    const jobs = c.replication.byVmid.get(v.vmid) ?? [];
    // A job still names the VMID: remove the job first (pvesr delete), then the volume is truly abandoned.
    for (const j of jobs) f.protectedBy.add(`replication-job:${j.id}`);
    if (jobs.length > 0) e.detail += `, but replication job ${jobs.map((j) => j.id).join(', ')} still names it`;
  } else if (!guest.config) {
    e.status = 'unknown';
    e.reason = 'config-unreadable';
    e.detail = `the config of guest ${v.vmid} could not be read (${guest.configError ?? 'unknown error'})`;
  } else if (!st.shared && guest.node !== pve.node) {
    otherNodeVerdict(e, st, v, guest, c, f);
  } else {
    e.status = 'orphan';
    e.reason = 'not-referenced';
    e.detail = `guest ${v.vmid} exists (on ${guest.node}) but no line of its config names ${v.volname}`;
  }
  flags(e, v, guest, c, f);
  unseenGuard(e, st, pve);
  if (st.type === 'rbd') addRbd(f, watchVerdict(e, v, st));
  hint(e, st, guest);
  if (st.type === 'rbd') askWatchersFirst(e, v, st);
  return finish(e, f);
}

/**
 * Orphan verdicts that rest on "no config names it" (snapshot-missing reads only the owner's own config,
 * which is unknown already when unread; an operation's leftover snapshot is the operation's).
 */
const CONFIG_BASED = new Set(['guest-missing', 'not-referenced', 'guest-on-other-node']);

/** Such an orphan is unknown while a config that could name it was not seen (.vmlist or the config unreadable). */
function unseenGuard(e: VolumeEntry, st: StorageConfig, pve: PveState): void {
  if (e.status !== 'orphan' || !CONFIG_BASED.has(e.reason)) return;
  const why = st.shared ? pve.unseen.shared : pve.unseen.local;
  if (!why) return;
  e.status = 'unknown';
  e.reason = 'config-unreadable';
  e.detail = `${e.detail}; but ${why}`;
}

interface Flags {
  pendingBy: Set<string>;
  protectedBy: Set<string>;
}

function addRbd(f: Flags, r: RbdFlags): void {
  for (const p of r.protect) f.protectedBy.add(p);
  for (const p of r.pending) f.pendingBy.add(p);
}

function finish(e: VolumeEntry, f: Flags): VolumeEntry {
  for (const p of f.pendingBy) f.protectedBy.add(p);
  e.pending = f.pendingBy.size > 0;
  e.protected = f.protectedBy.size > 0;
  e.protectedBy = [...f.protectedBy].sort();
  if (e.protected || e.pending) delete e.hint;
  return e;
}

/** The source side of a job: this node's guest's volume, replicated elsewhere. */
function sourceOfJobs(e: VolumeEntry, st: StorageConfig, guest: Guest, c: VolumeContext): void {
  if (!guest || guest.node !== c.pve.node || !REPLICATABLE_TYPES.has(st.type)) return;
  const jobs = (c.replication.byVmid.get(guest.vmid) ?? []).filter((j) => j.target && j.target !== c.pve.node);
  if (jobs.length === 0) return;
  e.job = jobs[0].id;
  e.detail += `; replicated to ${jobs.map((j) => `${j.target} (job ${j.id}${j.disabled ? ', disabled' : ''})`).join(', ')}`;
}

/** A local volume of a guest on another node: a job's replica, or a copy nothing owns. */
function otherNodeVerdict(
  e: VolumeEntry,
  st: StorageConfig,
  v: ListedVolume,
  guest: NonNullable<Guest>,
  c: VolumeContext,
  f: Flags,
): void {
  const r = replicaOf(c.replication, guest, c.pve.node, st.type);
  if (r) {
    e.reason = 'replica';
    e.replica = true;
    e.job = r.job.id;
    e.detail = r.detail;
    f.protectedBy.add(`replication-job:${r.job.id}`);
    if (r.pendingBy) f.pendingBy.add(r.pendingBy);
    return;
  }
  e.status = 'orphan';
  e.reason = 'guest-on-other-node';
  e.detail = `guest ${v.vmid} lives on ${guest.node}; ${st.id} is local to each node, so no config references this copy, and no replication job of ${guestWord(guest)} targets ${c.pve.node}`;
}

interface SnapshotInput {
  visible: RefHit[];
  guest: Guest;
  c: VolumeContext;
  f: Flags;
}

function snapshotVerdict(e: VolumeEntry, v: ListedVolume, { visible, guest, c, f }: SnapshotInput): void {
  const snap = v.snapshot as string;
  const rep = replicateSnapshot(c.replication, snap, (job) => c.newestReplicate.get(`${v.own}|${job}`) ?? null);
  if (rep) {
    e.snapshotOwner = 'replication';
    e.detail = rep.detail;
    if (rep.job) e.job = rep.job.id;
    if (rep.live && rep.job) {
      f.protectedBy.add(`replication-job:${rep.job.id}`);
      if (rep.pendingBy) f.pendingBy.add(rep.pendingBy);
    } else {
      e.status = 'orphan';
      e.reason = 'snapshot-missing';
    }
    return;
  }
  const own = v.vmid !== null ? pveSnapshot(c.pve, snap, v.vmid, guest) : null;
  if (own) {
    e.snapshotOwner = snap === '__migration__' ? 'migration' : 'vzdump';
    e.detail = own.detail;
    for (const p of own.pendingBy) f.pendingBy.add(p);
    if (own.leftover) {
      e.status = 'orphan';
      e.reason = 'operation-leftover';
      if (own.pveHint) e.hint = own.pveHint;
    }
    return;
  }
  e.snapshotOwner = 'guest';
  if (!guest) {
    e.status = 'orphan';
    e.reason = 'guest-missing';
    e.detail = `snapshot ${snap} of a volume whose guest ${v.vmid} no longer exists`;
  } else if (!guest.config) {
    e.status = 'unknown';
    e.reason = 'config-unreadable';
    e.detail = `the config of guest ${v.vmid} could not be read`;
  } else if (guest.config.snapshots.includes(snap) && visible.length > 0) {
    e.detail = `snapshot [${snap}] of ${guestWord(guest)}`;
  } else {
    const by = ownerRunning(c.pve, guest.vmid, guest, 'guest');
    for (const p of by) f.pendingBy.add(p);
    e.status = 'orphan';
    e.reason = 'snapshot-missing';
    e.detail = by.length
      ? `snapshot ${snap} of ${guestWord(guest)} while a snapshot operation runs (${by.join(', ')})`
      : `guest ${v.vmid} has no snapshot section [${snap}]`;
  }
}

/**
 * A snapshot is pending only by its own operation (set above); anything else running for the guest
 * (another lock, another task) keeps the hint away without calling it pending. A running guest does not:
 * removing a snapshot leaves the disk it runs on untouched.
 */
function snapshotFlags(e: VolumeEntry, guest: Guest, c: VolumeContext, f: Flags): void {
  if (e.vmid === null) return;
  const id = String(e.vmid);
  for (const t of c.pve.tasks) if (t.id === id) f.protectedBy.add(`task:${t.type}`);
  const lock = guest?.config?.lock;
  if (lock && !f.pendingBy.has(`lock:${lock}`)) f.protectedBy.add(`lock:${lock}`);
}

function flags(e: VolumeEntry, v: ListedVolume, guest: Guest, c: VolumeContext, f: Flags): void {
  const { pve } = c;
  if (e.vmid !== null) {
    const id = String(e.vmid);
    // Tasks of this guest (a task over several guests has an empty id: vzdump locks each guest it is
    // backing up, migrateall/startall start one task per guest, so the lock or that task explains it).
    for (const t of pve.tasks) if (t.id === id) f.pendingBy.add(`task:${t.type}`);
    if (guest?.config?.lock) f.pendingBy.add('lock');
    for (const h of pve.ha)
      if (h.vmid === e.vmid && ['migrate', 'relocate', 'recovery'].includes(h.state)) f.pendingBy.add(`ha:${h.state}`);
    if (pve.running.has(e.vmid) && guest?.node === pve.node) f.protectedBy.add('guest-running');
  }
  for (const dev of v.devices) {
    for (const p of c.holdersByDev.get(dev) ?? []) {
      if (!e.holders.some((h) => h.pid === p.pid))
        e.holders.push({ pid: p.pid, command: p.comm, cmdline: redactCommandLine(p.cmdline).join(' ') });
    }
  }
  if (e.holders.length > 0 || v.lockType || v.mapped) e.open = true;
  if (e.holders.length > 0) f.protectedBy.add('open');
  else if (v.lockType) f.protectedBy.add('rbd-lock');
  // A krbd map holds a watch on the image: `rbd rm` refuses it ("image still has watchers").
  if (v.mapped) f.protectedBy.add('krbd-mapped');
  if (c.hasClones.has(v.own)) f.protectedBy.add('has-clones');
}

/**
 * The command that removes one storage snapshot (never its volume): what PVE's volume_snapshot_delete
 * runs for it. null where removing it is not one command (a dir volume chain's snap- file is merged, not
 * deleted).
 */
function snapshotFree(e: VolumeEntry, st: StorageConfig): string | null {
  const volname = e.volid.slice(e.volid.indexOf(':') + 1);
  const own = volname.split('/').pop() as string;
  if (st.type === 'zfspool') return `zfs destroy ${st.props.pool}/${own}@${e.snapshot}`;
  if (st.type === 'rbd') return `rbd -p ${st.props.pool ?? 'rbd'} snap rm ${own}@${e.snapshot}`;
  if (st.type !== 'btrfs') return null;
  // btrfs: the snapshot is a read-only subvolume beside the volume's (BTRFSPlugin filesystem_path).
  const dir = own.endsWith('.raw') ? own.slice(0, -4) : own;
  return `btrfs subvolume delete ${filePath(st)}/images/${e.vmid}/${dir}@${e.snapshot}`;
}

function hint(e: VolumeEntry, st: StorageConfig, guest: Guest): void {
  if (e.status !== 'orphan' || e.hint) return;
  const free = e.snapshot ? snapshotFree(e, st) : `pvesm free ${e.volid}`;
  if (!free) return;
  const check = 'check it holds nothing you need (e.g. back it up), then';
  if (e.reason === 'operation-leftover' || e.snapshotOwner === 'replication') {
    // PVE's own snapshot: removing it is what the interrupted operation or the removed job would have done.
    e.hint = free;
  } else if (e.reason === 'not-referenced' && guest && !e.snapshot) {
    const rescan = guest.type === 'lxc' ? `pct rescan --vmid ${e.vmid}` : `qm disk rescan --vmid ${e.vmid}`;
    e.hint = `to keep it: ${rescan} (on ${guest.node}) attaches it as unusedN; to drop it: ${check} ${free}`;
  } else if (e.reason === 'guest-on-other-node') {
    e.hint = `leftover copy (e.g. of a migration): ${check} ${free}`;
  } else {
    e.hint = `${check} ${free}`;
  }
}
