// The pending and protected flags of an entry (design "Classification": pending, protected).

import { lockState } from '../node/guest-locks';
import { NAMES_NOTHING, namesNothing, namesNothingWhy } from '../node/guest-names-nothing';
import type { GuestRecord } from '../node/guest-record';
import type { LvmView } from '../node/lvm-view';
import type { PveState } from '../node/pve-state';
import { danglingReason } from '../node/storage-gaps';
import type { LvmStorage } from '../parse/storage-config';
import { shellQuote } from '../text/shell-quote';
import { fitted } from '../vocab/fitted';
import type { DmEntry } from '../vocab/types';
import { type ClassifyContext, CONFIG_BASED } from './classify-dm';
import { CONSOLE_TASKS, explains, imgdelExplains } from './pending-rule';

// Tasks with an empty id that act on several guests: a migration of all of them (migrateall,
// bulk-migrate). A guest in flight also has `lock: migrate`, but the target volumes are created
// before the lock is visible here, so the task covers them. A multi-guest `vzdump` is not one of them:
// it takes `lock: backup` in each guest's config only while that guest is backed up (VZDump.pm).
const MULTI_GUEST_TASKS = new Set(['migrateall', 'bulk-migrate']);
const NO_GUESTS: NonNullable<DmEntry['guests']> = [];

/** An operation on the guest: pending when it explains this entry, else it only protects it. */
function operation(e: DmEntry, op: string, flags: { pendingBy: string[]; protectedBy: string[] }, label = op): void {
  if (CONSOLE_TASKS.has(op)) return;
  add(explains(op, e) ? flags.pendingBy : flags.protectedBy, label);
}

function haFlags(ctx: ClassifyContext, pve: PveState, vmid: number, e: DmEntry, flags: Flags): void {
  for (let i = 0; i < ctx.ha.length; i++) {
    const h = ctx.ha[i];
    if (
      h.vmid === vmid &&
      ['migrate', 'relocate', 'recovery'].includes(h.state) &&
      (h.target === pve.node || h.node === pve.node)
    )
      operation(e, `ha:${h.state}`, flags);
  }
}

interface Flags {
  pendingBy: string[];
  protectedBy: string[];
}

/** What one guest's tasks, lock, HA state and processes say about a volume it uses (docs/cleanup.md). */
function guestFlags(ctx: ClassifyContext, pve: PveState, vmid: number, e: DmEntry, flags: Flags): void {
  for (let i = 0; i < ctx.tasks.length; i++) {
    const t = ctx.tasks[i];
    if ((t.id === '' && MULTI_GUEST_TASKS.has(t.type)) || ctx.taskVmids[i].includes(vmid))
      operation(e, t.type, flags, `task:${t.type}`);
  }
  // A task line whose worker is gone explains nothing; what it names is not touched while it stands.
  const dead = ctx.deadTasks ?? [];
  for (let i = 0; i < dead.length; i++)
    if (!CONSOLE_TASKS.has(dead[i].type) && ctx.deadTaskVmids[i].includes(vmid))
      add(flags.protectedBy, `task:${dead[i].type}`);
  const guest: GuestRecord | undefined = ctx.guests.get(vmid);
  // A lock with an operation under way makes the guest's volumes pending when that operation explains
  // the entry; one that an interrupted operation left (the classic "VM is locked (create)" after a
  // failed restore) protects them: no action while it stands, and no claim that something is running.
  const lock = guest?.config?.lock;
  if (guest && lock) {
    const { tasks, deadTasks, tasksUnread, ha } = ctx;
    const state = lockState({ vmid, lock, guestNode: guest.node, node: pve.node, tasks, deadTasks, tasksUnread, ha });
    if (state === 'under-way')
      operation(e, `lock:${lock}`, flags, explains(`lock:${lock}`, e) ? 'lock' : `lock:${lock}`);
    else add(flags.protectedBy, state === 'stale' ? `stale-lock:${lock}` : `lock:${lock}`);
  }
  haFlags(ctx, pve, vmid, e, flags);
  // A kvm of a guest whose home is another node holds the volume: only the target of a live migration
  // (`-incoming` while the config carries lock: migrate) explains it; otherwise two nodes run the
  // guest (the storage finding 'guest-split-brain' says so, CRITICAL), and its disks are never touched.
  if (ctx.kvmAlive.has(vmid) && guest?.node !== pve.node) {
    const incoming = ctx.kvmIncoming?.has(vmid) && guest !== undefined && migrating(ctx, guest, vmid);
    if (incoming) operation(e, 'kvm-incoming', flags);
    else add(flags.protectedBy, 'kvm-process');
  }
  if (ctx.running.has(vmid) && guest?.node === pve.node) add(flags.protectedBy, 'guest-running');
  if (namesNothing(guest?.config)) {
    add(flags.protectedBy, NAMES_NOTHING);
    e.detail += `; ${namesNothingWhy(guest!)}`;
  }
}

/** The guest is being migrated: its config carries lock: migrate, or HA moves it. */
export function migrating(ctx: Pick<ClassifyContext, 'ha'>, guest: GuestRecord, vmid: number): boolean {
  return (
    guest.config?.lock === 'migrate' ||
    ctx.ha.some((h) => h.vmid === vmid && (h.state === 'migrate' || h.state === 'relocate'))
  );
}

/** Array.prototype.sort's order for a few strings, without its work array (thousands of entries have two or three). */
function sortSmall(list: string[]): void {
  for (let i = 1; i < list.length; i++) {
    const x = list[i];
    let j = i - 1;
    for (; j >= 0 && list[j] > x; j--) list[j + 1] = list[j];
    list[j + 1] = x;
  }
}

/** Adds a flag once. The lists hold a handful at most: arrays, not two Sets per entry of thousands. */
function add(list: string[], flag: string): void {
  if (!list.includes(flag)) list.push(flag);
}

export function applyFlags(ctx: ClassifyContext, pve: PveState, e: DmEntry, lvm: LvmView): void {
  const pendingBy: string[] = [];
  const protectedBy: string[] = [];
  const isDel = e.reason === 'saferemove-in-progress' || e.reason === 'saferemove-leftover';
  if (isDel) {
    // pve-storage LVMPlugin free_image forks 'imgdel' to zero and remove the del- LV: only its own
    // volume's worker explains it (imgdelExplains); any other imgdel, or one whose worker is gone, protects it.
    for (const t of [...ctx.tasks, ...(ctx.deadTasks ?? [])]) {
      if (t.type !== 'imgdel') continue;
      if (
        e.reason === 'saferemove-in-progress' &&
        ctx.tasks.includes(t) &&
        imgdelExplains(t, { vmid: e.vmid, storage: e.storage, open: e.open })
      )
        add(pendingBy, 'task:imgdel');
      else add(protectedBy, 'task:imgdel');
    }
  } else {
    // The guest of the name and every guest whose config names the volume (a disk shared between VMs,
    // a path drive, a linked clone's base): an operation on any of them may be using it.
    const vmids: number[] = e.vmid !== null ? [e.vmid] : [];
    const guests = e.guests ?? NO_GUESTS;
    for (let i = 0; i < guests.length; i++) if (!vmids.includes(guests[i].vmid)) vmids.push(guests[i].vmid);
    if (vmids.length > 1) vmids.sort((a, b) => a - b);
    const flags = { pendingBy, protectedBy };
    for (let i = 0; i < vmids.length; i++) guestFlags(ctx, pve, vmids[i], e, flags);
  }
  if (isDel && pendingBy.length > 0) add(protectedBy, 'del-lv');
  const gap = pathGapOf(ctx, e);
  if (gap) {
    add(protectedBy, 'path-unchecked');
    e.detail = `${e.detail}; but ${gap}`;
  }
  const unsure = reachGapOf(ctx, e);
  if (unsure) {
    add(protectedBy, 'vg-reach-unknown');
    e.detail = `${e.detail}; but ${unsure}`;
  }
  const dangling =
    e.status === 'orphan' && CONFIG_BASED.has(e.reason) ? danglingReason(ctx.dangling, e.vmid, e.lv ?? '') : null;
  if (dangling) {
    add(protectedBy, 'storage-undefined');
    e.detail = `${e.detail}; but ${dangling}`;
  }
  if (e.open) add(protectedBy, 'open');
  // The LVM view's one rule for a VG that must not be touched (the cleanup planner reads the same).
  const vg = e.vg ? lvm.safety.get(e.vg) : undefined;
  if (vg?.partial) add(protectedBy, 'vg-partial');
  if (vg?.lvmlockd) add(protectedBy, 'lvmlockd');
  if (vg?.pvmove) add(protectedBy, 'pvmove');
  for (let i = 0; i < pendingBy.length; i++) add(protectedBy, pendingBy[i]);
  e.pending = pendingBy.length > 0;
  e.protected = protectedBy.length > 0;
  sortSmall(protectedBy);
  e.protectedBy = fitted(protectedBy);
}

/**
 * A leftover whose verdict rests on "no config names it" while a config path that could lead to it was
 * not looked up (dm-context pathGaps): the reason, said once; null otherwise.
 */
function pathGapOf(ctx: ClassifyContext, e: DmEntry): string | null {
  if (e.status !== 'orphan' || !CONFIG_BASED.has(e.reason) || !ctx.pathGaps) return null;
  const st = storageOf(ctx, e);
  if (!st) return null;
  return st.shared || ctx.vgTransport?.has(st.vg) ? ctx.pathGaps.shared : ctx.pathGaps.local;
}

function storageOf(ctx: ClassifyContext, e: DmEntry): LvmStorage | undefined {
  for (const st of ctx.storages) if (st.id === e.storage) return st;
  return undefined;
}

/** The commands that show where a VG's PVs lie (util-linux lsblk TRAN: sata, nvme, iscsi, fc, sas...). */
const REACH_LOOK = `${shellQuote(['lsblk', '-o', 'NAME,TRAN,TYPE'])}; ${shellQuote(['pvs', '-o', 'pv_name,vg_name'])}`;

/**
 * A leftover on thick LVM that storage.cfg calls local while a guest of another node names this very
 * volume: on a VG only this node sees, that guest's disk is the other node's LV of the same name and this
 * one a leftover (the ordinary migration leftover); on a VG other nodes see (storagesAsSeen made it shared
 * then), it is that guest's disk. When the VG's disks could not be told local or shared (node/vg-reach.ts),
 * the leftover is protected with why and the commands that tell it; null otherwise.
 */
function reachGapOf(ctx: ClassifyContext, e: DmEntry): string | null {
  if (e.status !== 'orphan' || !CONFIG_BASED.has(e.reason)) return null;
  const st = storageOf(ctx, e);
  if (st?.type !== 'lvm' || st.shared) return null;
  const other = (e.guests ?? NO_GUESTS).find((g) => g.node !== ctx.node);
  if (!other) return null;
  const reach = ctx.vgReach?.get(st.vg);
  if (reach?.kind === 'local') return null;
  const why = reach?.kind === 'unsure' ? reach.why : `vgs does not list VG ${st.vg}`;
  return `the disks of VG ${st.vg} were not told local or shared (${why}) while ${other.type === 'lxc' ? 'CT' : 'VM'} ${other.vmid} on ${other.node} names this very volume: on a VG other nodes see, it is that guest's disk (look: ${REACH_LOOK})`;
}
