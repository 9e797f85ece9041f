// The cleanup executor (design.md "Cleanup", to the letter). For each planned action:
// (1) the person answers first — no PVE lock is held while a prompt waits (PVE gives up after 10 s);
// (2) take the guest config lock(s) and the storage lock of the volume's storage;
// (3) look again — narrowly, at only the map and LV the action touches, with the PVE files read afresh
// (recheck-narrow.ts), or by a full gather — and re-classify; anything changed → skip with the reason;
// (4) write and fsync the journal entry; (5) run the command, which names the device by identity;
// (6) release. A failed re-gather or a failed precondition stops the whole run (exit 3).
// The steps themselves are shared with `restore` (action-steps.ts); what is decided here is what a
// cleanup action needs: the re-check against the plan and the pmxcfs lock budget.

import { cleanupContext } from '../core/cleanup/cleanup-context';
import { actionFor, type CleanupAction, guestLocksOf, isPartition } from '../core/cleanup/plan-cleanup';
import { getTwo } from '../core/node/two-keys';
import { shellQuote } from '../core/text/shell-quote';
import type { DmEntry } from '../core/vocab/types';
import { type ActOptions, type ActResult, confirmEach, runJournaled, wasLocked, withActionLocks } from './action-steps';
import type { Analysis } from './analyze-host';
import type { JournalAction } from './journal';
import type { Answer } from './prompt';
import { lookAgain, type NarrowRecheck, noteOutcome, type RecheckState, recheckState } from './recheck-narrow';

export type { Analysis } from './analyze-host';
export { assertSafe, RefusedError } from './preconditions';

export interface ApplyOptions extends ActOptions {
  commandTimeoutMs?: number;
  /** Limits under a pmxcfs cluster lock (default: CLUSTER_LOCK_LIMITS). */
  clusterLock?: ClusterLockLimits;
  /** Ask the person; null = confirmed already (--yes). */
  confirm: ((a: CleanupAction, index: number, total: number) => Promise<Answer>) | null;
  /** Re-check narrowly from the plan's look (absent: a full gather before every action). */
  narrow?: NarrowRecheck;
}

export type OutcomeResult = ActResult;

export interface Outcome {
  action: CleanupAction;
  result: OutcomeResult;
  why?: string;
  stderr?: string;
}

/**
 * Work under a pmxcfs cluster lock ends within 60 s of taking it, as PVE's own cfs_lock enforces
 * (`alarm(60)`: "cfs locks have a timeout of 120, using 60 gives us another 60 seconds to abort").
 * The re-check may use up to 40 s of that; the action gets what is left, at least 20 s.
 */
export const CLUSTER_LOCK_BUDGET_S = 60;
export const MAX_CLUSTER_LOCK_WORK_S = 40;

/** The whole budget under the lock and the re-check's share of it, in ms (clean and reclaim alike). */
export interface ClusterLockLimits {
  budgetMs: number;
  maxRecheckMs: number;
}
export const CLUSTER_LOCK_LIMITS: ClusterLockLimits = {
  budgetMs: CLUSTER_LOCK_BUDGET_S * 1000,
  maxRecheckMs: MAX_CLUSTER_LOCK_WORK_S * 1000,
};

export function applyCleanup(actions: CleanupAction[], o: ApplyOptions): Promise<Outcome[]> {
  const state = recheckState(o.narrow);
  return confirmEach<CleanupAction, Outcome>(actions, {
    ask: o.confirm,
    declined: (action, why) => ({ action, result: 'declined', why }),
    run: async (a) => {
      const out = await applyOne(a, o, state);
      noteOutcome(state, a, out.result);
      return out;
    },
    progress: { sink: o.progress, title: (a) => a.effect, outcome: (r) => r },
  });
}

async function applyOne(a: CleanupAction, o: ApplyOptions, state: RecheckState): Promise<Outcome> {
  // Guest config locks first (every local guest whose config names the volume, ascending VMID),
  // then the storage lock: the order qm/pct take them in.
  const storage = a.storage ? { id: a.storage, shared: a.storageShared } : null;
  const r = await withActionLocks(o.host, { guests: a.guestLocks, storage, waitMs: o.lockWaitMs }, async () => {
    const lockedAt = performance.now();
    const look = await lookAgain(a, o, state);
    // pmxcfs expires a cluster lock after 120 s (PVE::Cluster cfs_lock): the work under it must end well
    // within that, or another node could take the storage lock while we act. A re-gather that took
    // long (lvs slow on a busy SAN) is a reason to skip, not to act late.
    const budget = o.clusterLock ?? CLUSTER_LOCK_LIMITS;
    const heldMs = performance.now() - lockedAt;
    const why =
      a.storageShared && heldMs > budget.maxRecheckMs
        ? `the cluster lock was held ${(heldMs / 1000).toFixed(1)} s while re-checking (PVE ends locked work within ${budget.budgetMs / 1000} s; pmxcfs expires the lock after 120 s): skipped, run clean again`
        : look.fresh
          ? recheck(a, look.fresh)
          : look.why;
    const fresh = look.fresh;
    if (why || !fresh) {
      o.log?.(`skip ${a.name}: ${why}`);
      return { action: a, result: 'skipped', why: why ?? undefined } satisfies Outcome;
    }
    // Under a cluster lock the action gets what is left of the 60 s budget (re-check + action ≤ 60 s).
    const leftMs = budget.budgetMs - (performance.now() - lockedAt);
    const timeoutMs = Math.min(o.commandTimeoutMs ?? 60_000, a.storageShared ? Math.max(leftMs, 1) : Infinity);
    return { action: a, ...(await runJournaled(o, journalEntry(a, fresh), { timeoutMs })) } satisfies Outcome;
  });
  return wasLocked(r) ? { action: a, result: 'skipped', why: r.locked.message } : r;
}

function findFresh(a: CleanupAction, entries: DmEntry[]): DmEntry | undefined {
  const dm = entries.filter((e) => e.kind === 'dm');
  if (a.uuid) return dm.find((e) => e.uuid === a.uuid);
  return dm.find((e) => e.majorMinor === a.majorMinor && e.name === a.name);
}

/** Why the action must not run any more (null: still exactly what was planned). */
export function recheck(a: CleanupAction, fresh: Analysis): string | null {
  const entries = fresh.result.entries;
  const e = findFresh(a, entries);
  if (!e) return `${a.uuid ? `UUID ${a.uuid}` : `device ${a.majorMinor}`} no longer exists`;
  if (e.name !== a.name) return `the device is now named ${e.name}`;
  if (JSON.stringify(e.table ?? []) !== JSON.stringify(a.table)) return 'its table changed since the plan';
  if (e.open || e.openCount > 0 || e.holders.length || e.processes.length) {
    const who = [...e.holders, ...e.processes.map((p) => `${p.command}[${p.pid}]`)].join(', ');
    return `it is open now${who ? ` (${who})` : ''}`;
  }
  if (e.pending) return `pending now: ${e.protectedBy.join(', ')}`;
  if (a.kind === 'lv-deactivate' && plain(e.lvUuid ?? '') !== plain(a.lvUuid ?? '')) return 'the LV UUID changed';
  const ctx = cleanupContext(fresh.view, fresh.result);
  // A guest that started naming the volume since the plan: its config lock is not held.
  const locked = new Set(a.guestLocks.map((g) => g.vmid));
  const added = guestLocksOf(e, ctx.node).filter((g) => !locked.has(g.vmid));
  if (added.length)
    return `now named in the config of ${added.map((g) => `${g.type === 'lxc' ? 'CT' : 'VM'} ${g.vmid}`).join(', ')}`;
  if (a.parent && isPartition(a)) {
    const parent = entries.find((p) => p.name === a.parent && p.kind === 'dm');
    if (!parent) return `its parent ${a.parent} is gone`;
    if (e.protected) return `protected now: ${e.protectedBy.join(', ')}`;
    // The partition's own fix stands only while its parent's fix runs after it (the parent, open by its
    // partitions alone, is protected and carries a hint, not an action: plan-cleanup parentPlanned).
    if (!actionFor(e, ctx, entries)) {
      return `its parent ${a.parent} is no longer a finding that gets a fix (${parent.status}/${parent.reason})`;
    }
    return null;
  }
  const act = actionFor(e, ctx, entries);
  if (!act) {
    if (e.protected) return `protected now: ${e.protectedBy.join(', ')}`;
    if (e.status !== a.status || e.reason !== a.reason) return `now ${e.status}/${e.reason}`;
    return `no longer gets a fix (${e.status}/${e.reason})`;
  }
  if (e.status !== a.status || e.reason !== a.reason) return `now ${e.status}/${e.reason}`;
  if (JSON.stringify(act.command) !== JSON.stringify(a.command))
    return `the fix changed to: ${shellQuote(act.command)}`;
  return null;
}

const plain = (id: string) => id.replace(/-/g, '');

function journalEntry(a: CleanupAction, fresh: Analysis): Omit<JournalAction, 'seq' | 'result' | 'startedAt'> {
  const devs = fresh.view.dm.info;
  const self = devs.find((d) => (a.uuid ? d.uuid === a.uuid : d.name === a.name));
  const tableDevices: Record<string, { name: string; uuid: string }> = {};
  for (const line of a.table) {
    for (const m of line.matchAll(/\b(\d+:\d+)\b/g)) {
      const d = devs.find((x) => `${x.major}:${x.minor}` === m[1]);
      if (d) tableDevices[m[1]] = { name: d.name, uuid: d.uuid };
    }
  }
  const lv = a.vg && a.lv ? getTwo(fresh.view.lvm.byName, a.vg, a.lv) : undefined;
  const activationSkip = lv ? lv.attr[9] === 'k' : undefined;
  const guestNode = a.vmid !== null ? (fresh.view.pve.vmlist.find((g) => g.vmid === a.vmid)?.node ?? null) : null;
  return {
    kind: a.kind,
    name: a.name,
    uuid: a.uuid,
    majorMinor: a.majorMinor ?? (self ? `${self.major}:${self.minor}` : null),
    table: a.table,
    readonly: self?.readonly,
    tableDevices,
    vg: a.vg,
    lv: a.lv,
    lvUuid: a.lvUuid,
    activationSkip,
    storage: a.storage,
    vmid: a.vmid,
    guestType: a.guestType,
    guestNode,
    parent: a.parent,
    status: a.status,
    reason: a.reason,
    command: a.command,
  };
}
