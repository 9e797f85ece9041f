// The pending and protected flags of an entry (design "Classification": pending, protected).
import type { ClassifyContext } from './classify-dm';
import type { LvmView } from '../node/lvm-view';
import { lockState } from '../node/guest-locks';
import type { GuestRecord } from './dm-references';
import type { PveState } from '../node/pve-state';
import type { DmEntry } from '../types';

// Tasks with an empty id that act on several guests. A multi-guest `vzdump` is not one of them: it
// takes `lock: backup` in each guest's config only while that guest is backed up (VZDump.pm), so the
// lock marks the guest and a nightly backup of all guests does not make every entry pending.
// startall/stopall/suspendall create and remove no volumes. `migrateall` migrates the node's guests
// one by one; a guest in flight also has `lock: migrate`, but the target volumes are created before
// the lock is visible here, so it covers them.
const MULTI_GUEST_TASKS = new Set(['migrateall']);

function haFlags(ctx: ClassifyContext, pve: PveState, vmid: number, pendingBy: Set<string>): void {
  for (const h of ctx.ha) {
    if (
      h.vmid === vmid &&
      ['migrate', 'relocate', 'recovery'].includes(h.state) &&
      (h.target === pve.node || h.node === pve.node)
    )
      pendingBy.add(`ha:${h.state}`);
  }
}

/** What one guest's tasks, lock, HA state and processes say about a volume it uses. */
function guestFlags(
  ctx: ClassifyContext,
  pve: PveState,
  vmid: number,
  pendingBy: Set<string>,
  protectedBy: Set<string>,
): void {
  const id = String(vmid);
  for (const t of ctx.tasks) {
    if (t.id === id || (t.id === '' && MULTI_GUEST_TASKS.has(t.type))) pendingBy.add(`task:${t.type}`);
  }
  const guest: GuestRecord | undefined = ctx.guests.get(vmid);
  // A lock with an operation under way makes the guest's volumes pending; one that an interrupted
  // operation left (the classic "VM is locked (create)" after a failed restore) protects them: no
  // action while it stands, and no claim that something is running.
  const lock = guest?.config?.lock;
  if (guest && lock) {
    const state = lockState({ vmid, lock, guestNode: guest.node, node: pve.node, tasks: ctx.tasks, ha: ctx.ha });
    if (state === 'under-way') pendingBy.add('lock');
    else protectedBy.add(state === 'stale' ? `stale-lock:${lock}` : `lock:${lock}`);
  }
  haFlags(ctx, pve, vmid, pendingBy);
  if (ctx.kvmAlive.has(vmid) && guest?.node !== pve.node) pendingBy.add('kvm-process');
  if (ctx.running.has(vmid) && guest?.node === pve.node) protectedBy.add('guest-running');
}

export function applyFlags(ctx: ClassifyContext, pve: PveState, e: DmEntry, lvm: LvmView): void {
  const pendingBy = new Set<string>();
  const protectedBy = new Set<string>();
  const isDel = e.reason === 'saferemove-in-progress' || e.reason === 'saferemove-leftover';
  if (isDel) {
    if (e.vmid !== null) {
      for (const t of ctx.tasks) if (t.type === 'imgdel') pendingBy.add(`task:${t.type}`);
      haFlags(ctx, pve, e.vmid, pendingBy);
    }
  } else {
    // The guest of the name and every guest whose config names the volume (a disk shared between VMs,
    // a path drive, a linked clone's base): an operation on any of them may be using it.
    const only = soleGuest(e);
    if (only !== undefined) {
      if (only !== null) guestFlags(ctx, pve, only, pendingBy, protectedBy);
    } else {
      const vmids = new Set<number>();
      if (e.vmid !== null) vmids.add(e.vmid);
      for (const g of e.guests ?? []) vmids.add(g.vmid);
      for (const vmid of [...vmids].sort((a, b) => a - b)) guestFlags(ctx, pve, vmid, pendingBy, protectedBy);
    }
  }
  if (isDel && pendingBy.size > 0) protectedBy.add('del-lv');
  if (e.open) protectedBy.add('open');
  // The LVM view's one rule for a VG that must not be touched (the cleanup planner reads the same).
  const vg = e.vg ? lvm.safety.get(e.vg) : undefined;
  if (vg?.partial) protectedBy.add('vg-partial');
  if (vg?.lvmlockd) protectedBy.add('lvmlockd');
  if (vg?.pvmove) protectedBy.add('pvmove');
  for (const p of pendingBy) protectedBy.add(p);
  e.pending = pendingBy.size > 0;
  e.protected = protectedBy.size > 0;
  if (protectedBy.size > 0 || e.protectedBy.length > 0) e.protectedBy = [...protectedBy].sort();
}

/**
 * The one VMID whose guest's flags apply (null: none) when the name's guest and the referencing
 * guests are the same one, as for most volumes; undefined when several guests are involved.
 */
function soleGuest(e: DmEntry): number | null | undefined {
  const gs = e.guests;
  if (!gs || gs.length === 0) return e.vmid;
  if (gs.length === 1 && (e.vmid === null || gs[0].vmid === e.vmid)) return gs[0].vmid;
  return undefined;
}
