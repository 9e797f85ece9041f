// The advice (hint) beside a DM entry that stays: how to attach it back to its guest, or, only where
// that cannot destroy something another guest, node or operation uses, how to free it. Pure; the
// planner (plan-cleanup.ts) and `dm` show the same words.

import type { VgSafety as LvmVgSafety } from '../node/lvm-view';
import {
  dropStep,
  keepStep,
  type NextStep,
  otherStep,
  reclaimStep,
  rescanCommand,
  rescanSkipsName,
  stepsText,
} from '../vocab/next-step';
import { onlyCopySteps } from '../vocab/only-copy';
import { RECLAIMABLE } from '../vocab/reclaim-scope';
import type { DmEntry } from '../vocab/types';

export interface VgSafety extends LvmVgSafety {
  /** The VG is not in `lvs`/`vgs` at all (missing PV, filtered, lvs failed). */
  missing?: boolean;
}

export interface PlanContext {
  /** VG name → its state (from `vgs` attr / `lvs` move_pv). A VG not listed counts as safe. */
  vgs?: Record<string, VgSafety>;
  /** Storage IDs that are shared (storage.cfg `shared 1`, or a shared type). */
  sharedStorages?: Iterable<string>;
  /** "vg/lv" of every volume referenced by any guest config in the cluster. */
  referenced?: Iterable<string>;
  /** "vg/lv" of qcow2 volume-chain members (PVE 9 snapshot-as-volume-chain). */
  chainMembers?: Iterable<string>;
  /** This node's name (for hints). */
  node?: string;
}

/** Reasons of an LV (or its map) that has no guest using it: deactivated, never removed. */
export const LV_REASONS = new Set(['guest-missing', 'guest-on-other-node', 'not-referenced', 'snapshot-missing']);

/** The context's collections are Sets when built by cleanupContext: never copy them per entry. */
export function asSet<T>(x: Iterable<T> | undefined): ReadonlySet<T> {
  return x instanceof Set ? x : new Set(x ?? []);
}

export function volumeKey(e: DmEntry): string | null {
  return e.vg && e.lv ? `${e.vg}/${e.lv}` : null;
}

/** The advice of stepsFor in one sentence (the entry's and the action's `hint`). */
export function hintFor(e: DmEntry, ctx: PlanContext = {}): string | undefined {
  const steps = adviceFor(e, ctx);
  return steps ? stepsText(steps) : undefined;
}

/**
 * Advice for an LV that stays (deactivated or inactive): how to attach it back to its guest (keep), or —
 * only where that cannot destroy something another guest or node uses — how to free it (drop,
 * irreversible), each step with its command on a line of its own.
 */
export function adviceFor(e: DmEntry, ctx: PlanContext = {}): NextStep[] | undefined {
  if (!e.vg || !e.lv || (e.kind === 'dm' && !LV_REASONS.has(e.reason))) return undefined;
  if (e.kind === 'lv' && e.status !== 'orphan') return undefined;
  // A kpartx partition map is no volume: its fix is its own map removal (actionFor), never `pvesm free`.
  if (/^part\d+-/.test(e.uuid)) return undefined;
  const first = heldOrWordsOnly(e, ctx);
  if (first) return first;
  const key = volumeKey(e)!;
  const chain = asSet(ctx.chainMembers).has(key) || /\.qcow2$/.test(e.lv);
  const steps: NextStep[] = [];
  // guestNode is null when no config of that VMID exists anywhere in the cluster.
  const guestGone = e.reason === 'guest-missing' || (e.reason === 'inactive-leftover' && !e.guestNode);
  const shared = e.storage !== null && asSet(ctx.sharedStorages).has(e.storage);
  const referenced = asSet(ctx.referenced).has(key) || Boolean(e.referencedBy);
  // `qm disk rescan --vmid N` loads N's config on the node it runs on and scans the storages that node
  // sees; it does nothing for a volume already in the config (facts §11). So: never for a disk some
  // config names, and never for a local-storage LV of a guest that lives on another node.
  // Nor for a VM's RAM state LV (vm-N-state-*), which qemu-server's rescan passes over by name.
  const rescanWorks = !referenced && (guestGone || e.guestNode === ctx.node || shared);
  if (e.vmid !== null && rescanWorks && !rescanSkipsName(e.guestType, e.vmid, e.lv)) {
    const where = e.guestNode && e.guestNode !== ctx.node ? ` on node ${e.guestNode}` : '';
    steps.push(
      keepStep(
        guestGone
          ? `data kept; to keep it, create guest ${e.vmid} again and attach it`
          : `data kept; to keep it, attach it to guest ${e.vmid}${where ? ` (run it${where})` : ''}`,
        rescanCommand(e.guestType, e.vmid),
      ),
    );
  }
  if (
    e.volume &&
    !e.protected &&
    /^(vm|base)-\d+-/.test(e.lv) &&
    !shared &&
    !referenced &&
    !chain &&
    e.reason !== 'guest-on-other-node'
  ) {
    const reclaim = RECLAIMABLE.has(e.reason) ? [reclaimStep(e.volume)] : [];
    const drop = ['pvesm', 'free', e.volume];
    // A config on another node names this very volume ID: a leftover there, or the guest's only disk.
    const elsewhere = e.guests?.find((g) => g.node !== ctx.node);
    if (elsewhere) steps.push(...onlyCopySteps(elsewhere, { volid: e.volume, reclaim, drop }));
    else steps.push(...reclaim, dropStep('or drop it now (irreversible: deletes the data)', drop));
  }
  return steps.length === 0 ? undefined : steps;
}

/**
 * The advice that is words (and at most an unlock): a pending operation, a stale lock, a snapshot LV, a
 * saferemove leftover. Null for an LV that may be kept or dropped (adviceFor goes on).
 */
function heldOrWordsOnly(e: DmEntry, ctx: PlanContext): NextStep[] | null {
  // Never a destructive word next to "fix: none now": freeing a migration target or a restore's LV
  // destroys the guest's data, and attaching it to a config races the operation.
  if (e.pending)
    return [
      otherStep(
        `no fix now: a PVE operation is under way (${e.protectedBy.filter((p) => !['open', 'guest-running'].includes(p)).join(', ') || 'pending'}); look again when it has ended`,
      ),
    ];
  // A lock that an interrupted operation left (a failed restore leaves `lock: create`): nothing is
  // running, but the guest's disks are what a re-run or an admin needs; unlocking comes first.
  const stale = e.protectedBy.find((p) => p.startsWith('stale-lock:'));
  if (stale && e.vmid !== null) {
    const c = e.guestType === 'lxc' ? 'pct' : 'qm';
    return [
      otherStep(
        `no fix while guest ${e.vmid} is locked (${stale.slice('stale-lock:'.length)}) and no task runs: an interrupted operation left the lock (data kept); check its task log, unlock it and look again`,
        [c, 'unlock', String(e.vmid)],
      ),
    ];
  }
  const chain = asSet(ctx.chainMembers).has(volumeKey(e)!) || /\.qcow2$/.test(e.lv ?? '');
  // A snapshot LV is no volume of its own: neither rescan nor pvesm free handles it.
  if (e.reason === 'snapshot-missing') {
    // PVE 9 volume chains: after a failed commit or rebase ("The state of ... is now invalid") an LV
    // whose snapshot section is gone can still be the backing file of the current volume.
    if (chain)
      return [
        otherStep(
          "data kept; it may still be a backing file of the guest's current volume: check the backing chain of the guest's disk first (qemu-img info --backing-chain on it)",
        ),
      ];
    return [otherStep('data kept; no snapshot of the guest uses this LV any more')];
  }
  // A del- LV is what an interrupted saferemove left: no guest will ever use it again.
  if (e.reason === 'saferemove-leftover')
    return [
      otherStep(
        e.storage !== null && asSet(ctx.sharedStorages).has(e.storage)
          ? 'PVE no longer lists it as a volume of any guest; on shared storage another node may still be zeroing it: check its imgdel task first'
          : 'an interrupted removal; PVE no longer lists it as a volume of any guest',
      ),
    ];
  return null;
}
