// One listed volume's verdict (same vocabulary as DM entries): valid, orphan with its reason, unknown or
// ignored; its pending/protected flags and holders; and, for an orphan nobody protects, the hint that
// names the PVE command. Report only: nothing here deletes.

import { describeRef, type RefHit } from '../dm/dm-references';
import { lockState } from '../node/guest-locks';
import { NAMES_NOTHING, namesNothing, namesNothingWhy } from '../node/guest-names-nothing';
import type { PveState } from '../node/pve-state';
import type { StorageConfig } from '../parse/storage-config';
import { redactCommandLine } from '../redact/redact';
import { dropStep, type NextStep, reclaimStep, setSteps } from '../vocab/next-step';
import { onlyCopySteps, onlyCopyWords } from '../vocab/only-copy';
import { reclaimOffered } from '../vocab/reclaim-scope';
import type { VolumeEntry } from '../vocab/volume-types';
import { snapshotFlags, snapshotVerdict } from './snapshot-verdict';
import { snapshotFree } from './volume-commands';
import type { Flags, VolumeContext } from './volume-context';
import { doubtGuards } from './volume-guards';
import { subvolMounts } from './volume-host-facts';
import { namedAgain, namedOn, quarantined } from './volume-quarantined';
import { type RbdFlags, rbdRemnantVerdict, staleLock, watchVerdict } from './volume-rbd';
import { REPLICATABLE_TYPES, replicaOf } from './volume-replication';
import { attachSteps, recreateSteps, stepsWhileProtected } from './volume-rescan';
import type { ListedVolume } from './volume-storages';
import { backingUses, childDatasets, pathUses, usesOf } from './volume-usage';

export type { VolumeContext } from './volume-context';

type Guest = ReturnType<PveState['guests']['get']>;
const guestWord = (g: NonNullable<Guest>) => `${g.type === 'lxc' ? 'CT' : 'VM'} ${g.vmid}`;

export function classifyVolume(cfg: StorageConfig, loc: string, v: ListedVolume, c: VolumeContext): VolumeEntry {
  const st = asSeen(cfg, c);
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
    ...(v.identity ? { identity: v.identity } : {}),
    open: false,
    holders: [],
    pending: false,
    protected: false,
    protectedBy: [],
  };
  if (v.quarantine) return quarantined(e, v.quarantine, v, c, namedAgain(st, loc, v, c), namedOn(st, loc, v, c));
  const guest = v.vmid !== null ? c.pve.guests.get(v.vmid) : undefined;
  e.guestNode = guest?.node ?? null;
  const hits = c.refs.get(`${loc}|${v.own}`) ?? [];
  // Local storage: only this node's configs count; shared: the whole cluster's (facts §2).
  const visible = st.shared ? hits : hits.filter((h) => h.node === c.pve.node);
  const f: Flags = { pendingBy: new Set(), protectedBy: new Set() };
  if (visible.length > 0 && !v.snapshot && !v.trash?.nameInUse) e.references = visible.map(describeRef);
  if (v.trash)
    e.trash = {
      id: v.trash.id,
      source: v.trash.source,
      deletedAt: v.trash.deletedAt,
      deferment: v.trash.deferment,
      ...(v.trash.nameInUse || v.trash.nameShared ? { nameTaken: true } : {}),
    };
  if (v.vmid === null) {
    e.status = 'ignored';
    e.reason = 'not-guest-volume';
    e.detail = v.snapshot
      ? `snapshot of a volume that is no guest volume`
      : (v.note ?? `no guest volume name (vm-/base-/subvol-<vmid>-…)`);
  } else if (v.trash || v.openError) {
    addRbd(f, rbdRemnantVerdict(e, v, st, visible.length > 0 ? describeRef(visible[0]) : null));
  } else if (v.snapshot) {
    const users = snapshotVerdict(e, v, { visible, guest, c, f, st });
    snapshotFlags(e, users, c, f);
    snapshotHolds(e, v, c, f);
    doubtGuards(e, st, v, c, f);
    hint(e, st, guest, v);
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
  } else if (!st.shared && guest.node !== c.pve.node) {
    otherNodeVerdict(e, { st, v, guest, c, f, hits });
  } else {
    e.status = 'orphan';
    e.reason = 'not-referenced';
    e.detail = `guest ${v.vmid} exists (on ${guest.node}) but no line of its config names ${v.volname}`;
  }
  flags(e, v, guest, c, f);
  doubtGuards(e, st, v, c, f);
  if (st.type === 'rbd') addRbd(f, watchVerdict(e, v, st));
  hint(e, st, guest, v);
  return finish(e, f);
}

/** What holds a snapshot: a clone made from it, a krbd map of it, an overlay naming it (`rbd:<pool>/<image>@<snap>`). */
function snapshotHolds(e: VolumeEntry, v: ListedVolume, c: VolumeContext, f: Flags): void {
  backingUses(e, usesOf(c.usage, v.useKeys ?? []), f);
  if (v.cloneOrigin) f.protectedBy.add('has-clones'); // a clone's ZFS origin, RBD parent: never alone
  // A krbd map of the snapshot (pve-container's vzdump maps its `vzdump` snapshot): in use.
  if (v.mapped) {
    f.protectedBy.add('krbd-mapped');
    e.open = true;
  }
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
  if (e.protected || e.pending) {
    // What rescan tolerates (the guest runs) keeps the rescan step: PVE's way to keep the data stays open.
    const kept = stepsWhileProtected(e);
    if (kept.length > 0) setSteps(e, kept);
    else {
      delete e.hint;
      delete e.steps;
    }
  }
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
  o: { st: StorageConfig; v: ListedVolume; guest: NonNullable<Guest>; c: VolumeContext; f: Flags; hits: RefHit[] },
): void {
  const { st, v, guest, c, f } = o;
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
  namedElsewhere(e, o.hits);
}

/**
 * A local volume a config of another node names by this very volume ID: that node's own copy of the name,
 * or — if it has none (HA recovery moves only the config) — the guest's only disk (only-copy.ts).
 */
function namedElsewhere(e: VolumeEntry, hits: RefHit[]): void {
  // Every hit is another node's: one of this node on local storage makes the volume valid (classifyVolume).
  const h = hits[0];
  if (!h) return;
  e.namedOn = { node: h.node, vmid: h.vmid, type: h.type };
  e.detail = `${e.detail.replace(/, so no config references this copy/, '')}; ${onlyCopyWords(e.namedOn, e.volid)}`;
}

/**
 * storage.cfg says local (no `shared 1`), but the path is on a network filesystem of this node: a share
 * every node may mount names the same files on every node, so the storage is treated as shared (a guest of
 * another node naming a file names this very file: its disk, never a leftover to take). The storage part
 * says what storage.cfg lacks (core/storage/classify-storage-shared.ts). A local disk mounted below the
 * share is local (networkFileStorages: the deepest mount).
 */
function asSeen(st: StorageConfig, c: VolumeContext): StorageConfig {
  return c.networkFs?.has(st.id) ? { ...st, shared: true } : st;
}

function flags(e: VolumeEntry, v: ListedVolume, guest: Guest, c: VolumeContext, f: Flags): void {
  const { pve } = c;
  if (e.vmid !== null) {
    const id = String(e.vmid);
    // Tasks of this guest (a task over several guests has an empty id: vzdump locks each guest it is
    // backing up, migrateall/startall start one task per guest, so the lock or that task explains it).
    for (const t of pve.tasks) if (t.id === id) f.pendingBy.add(`task:${t.type}`);
    // A task line whose worker is gone explains nothing, but what it names is not touched while it stands.
    for (const t of pve.deadTasks) if (t.id === id) f.protectedBy.add(`task:${t.type}`);
    // A lock whose operation runs makes the volume pending; one an interrupted operation left protects it
    // (no claim that something runs): the DM part's rule (dm-flags.ts, node/guest-locks.ts lockState).
    const lock = guest?.config?.lock;
    if (guest && lock) {
      const { tasks, deadTasks, tasksUnread, ha, node } = pve;
      const state = lockState({ vmid: e.vmid, lock, guestNode: guest.node, node, tasks, deadTasks, tasksUnread, ha });
      if (state === 'under-way') f.pendingBy.add('lock');
      else f.protectedBy.add(state === 'stale' ? `stale-lock:${lock}` : `lock:${lock}`);
    }
    for (const h of pve.ha)
      if (h.vmid === e.vmid && ['migrate', 'relocate', 'recovery'].includes(h.state)) f.pendingBy.add(`ha:${h.state}`);
    if (pve.running.has(e.vmid) && guest?.node === pve.node) f.protectedBy.add('guest-running');
    if (namesNothing(guest?.config)) {
      f.protectedBy.add(NAMES_NOTHING);
      e.detail += `; ${namesNothingWhy(guest!)}`;
    }
    // A kvm of a guest whose home is another node, or of no guest, holds what its VMID names: the target of
    // a live migration or two nodes running it (the DM part's rule, dm-flags.ts: kvm-process). Never touched.
    if (pve.kvmAlive.has(e.vmid) && guest?.node !== pve.node) f.protectedBy.add('kvm-process');
  }
  for (const dev of v.devices) {
    for (const p of c.holdersByDev.get(dev) ?? []) {
      if (!e.holders.some((h) => h.pid === p.pid))
        e.holders.push({ pid: p.pid, command: p.comm, cmdline: redactCommandLine(p.cmdline).join(' ') });
    }
  }
  const locked = !!v.lockType && !staleLock(v); // a lock no client watches is stale: nobody has it open
  if (e.holders.length > 0 || locked || v.mapped) e.open = true;
  if (e.holders.length > 0) f.protectedBy.add('open');
  // Held below its own device: a partition or the volume mounted on the host, a map stacked on it (/sys).
  const mount = v.devices.find((d) => c.mounted?.has(d));
  if (mount) e.detail += `; ${mount} is mounted on this node`;
  if (v.sysHolders?.length) e.detail += `; held by ${v.sysHolders.join(', ')} (/sys holders)`;
  subvolMounts(e, v, c, f);
  pathUses(e, [...v.devices, ...(v.useKeys ?? [])], c.usage, f);
  childDatasets(e, v, f);
  if (mount) f.protectedBy.add('mounted');
  if (v.partialReceive)
    e.detail +=
      '; volsize 0: a partially received zvol (a resumable zfs recv -s cut off; no PVE operation resumes one: volume_import never passes -s)';
  if (v.sysHolders?.length) f.protectedBy.add('open');
  if (mount || v.sysHolders?.length) e.open = true;
  else if (locked) f.protectedBy.add('rbd-lock');
  // A krbd map holds a watch on the image: `rbd rm` refuses it ("image still has watchers").
  if (v.mapped) f.protectedBy.add('krbd-mapped');
  if (c.hasClones.has(v.own)) f.protectedBy.add('has-clones');
}

// The next steps of an orphan nobody protects: keep it (attach it to its guest) and drop it, each with its
// command on a line of its own; the drop step is marked irreversible. The hint is their sentence.
function hint(e: VolumeEntry, st: StorageConfig, guest: Guest, v: ListedVolume): void {
  if (e.status !== 'orphan' || e.steps || e.hint) return;
  const argv = e.snapshot ? snapshotFree(e, st) : ['pvesm', 'free', e.volid];
  if (!argv) return;
  const check = 'check it holds nothing you need (e.g. back it up), then';
  if (e.reason === 'operation-leftover' || e.snapshotOwner === 'replication') {
    // PVE's own snapshot: removing it is what the interrupted operation or the removed job would have done.
    const who = e.reason === 'operation-leftover' ? 'the interrupted operation' : 'the removed replication job';
    setSteps(e, [
      ...reclaimable(e),
      dropStep(`remove the snapshot now (what ${who} would have done; irreversible)`, argv),
    ]);
  } else if (e.reason === 'not-referenced' && guest && !e.snapshot) {
    setSteps(e, [
      ...attachSteps(e, st, guest, { partial: v.partialReceive }),
      ...reclaimable(e),
      dropStep(`or to drop it now (irreversible: deletes the data), ${check}`, argv),
    ]);
  } else if (e.namedOn) {
    setSteps(e, onlyCopySteps(e.namedOn, { volid: e.volid, reclaim: reclaimable(e), drop: argv }));
  } else if (e.reason === 'guest-on-other-node') {
    setSteps(e, [
      ...reclaimable(e),
      dropStep(`a leftover copy (e.g. of a migration): to drop it now (irreversible), ${check}`, argv),
    ]);
  } else {
    setSteps(e, [
      ...(e.reason === 'guest-missing' ? recreateSteps(e, st, { partial: v.partialReceive }) : []),
      ...reclaimable(e),
      dropStep(`to drop it now (irreversible: deletes the data), ${check}`, argv),
    ]);
  }
}

/**
 * `pve-health reclaim` for a volume or a storage snapshot of a kind reclaim quarantines (never a trash
 * entry: reclaim-scope.ts): a snapshot is selected as `VOLID@SNAP`.
 */
function reclaimable(e: VolumeEntry): NextStep[] {
  if (e.trash || !reclaimOffered(e)) return [];
  return [reclaimStep(e.snapshot === undefined ? e.volid : `${e.volid}@${e.snapshot}`)];
}
