// The reclaim executor: the quarantine (and purge) of each planned volume through the steps every act
// command shares (action-steps.ts): (1) the person answers, no lock held; (2) the guest config lock of
// the volume's VMID, then the storage lock — PVE's own: qemu-server/pve-container take the config lock
// (pve-guest-common AbstractConfig.pm lock_config → lock_file_full on config_file_lock, i.e.
// /var/lock/qemu-server/lock-<vmid>.conf, /run/lock/lxc/pve-config-<vmid>.lock) and pve-storage frees and
// allocates volumes under the storage lock (Plugin.pm cluster_lock_storage: the flock
// /var/lock/pve-manager/pve-storage-<id> for local storage, PVE::Cluster cfs_lock_storage — the pmxcfs
// directory /etc/pve/priv/lock/storage-<id> — for shared storage); (3) a fresh look under the locks and
// the same plan made again for this volume: anything changed (verdict, flags, steps) → skipped with the
// reason, a precondition gone → the run stops; (4)+(5) each step journaled (fsynced) before it runs,
// and before every step after the first a fresh look again (core/reclaim/recheck-step.ts decides): a
// change between two steps (a config naming the volume, the device opened, the quarantine gone) stops
// that volume there with the reason; a failed step stops it too (what was done stays journaled, so
// `restore` or a second run completes it); (6) release.
import type { ReclaimAction, ReclaimStep } from '../core/reclaim/reclaim-types';
import { shellQuote } from '../core/text/shell-quote';
import { type ActOptions, type ActResult, confirmEach, runJournaled, wasLocked, withActionLocks } from './action-steps';
import { CLUSTER_LOCK_LIMITS, type ClusterLockLimits } from './apply-cleanup';
import type { JournalAction } from './journal';
import type { Answer } from './prompt';

export interface ReclaimOutcome {
  volid: string;
  result: ActResult;
  why?: string;
  stderr?: string;
  /** Steps that ran to completion. */
  stepsDone: number;
  /** The step that failed (its command), when one did. */
  failedCommand?: string[];
}

/**
 * The same plan made again from a fresh look under the locks, before step `done` (0: before the first):
 * the action as it stands now (its steps: what is left, possibly after steps already done), or why not.
 */
export type Replan<A> = (a: A, done: number) => Promise<{ action: A } | { why: string }>;

export interface ReclaimApplyOptions<A> extends ActOptions {
  confirm: ((a: A, index: number, total: number) => Promise<Answer>) | null;
  replan: Replan<A>;
  /** The journal kind of the steps: a quarantine, a purge, or a quarantine undone by restore. */
  kind: 'reclaim' | 'purge' | 'unquarantine';
  commandTimeoutMs?: number;
  /** Limits under a pmxcfs cluster lock (default: CLUSTER_LOCK_LIMITS, as for clean). */
  clusterLock?: ClusterLockLimits;
}

/** What an action needs to run: identity for the locks and the journal, and its steps. */
export type Runnable = Pick<
  ReclaimAction,
  | 'volid'
  | 'subject'
  | 'storage'
  | 'storageType'
  | 'shared'
  | 'vmid'
  | 'guestType'
  | 'status'
  | 'reason'
  | 'original'
  | 'quarantine'
  | 'since'
  | 'purgeAfter'
  | 'location'
  | 'steps'
  | 'guestLocks'
  | 'sizeBytes'
  | 'usedBytes'
>;

export function applyReclaim<A extends Runnable>(actions: A[], o: ReclaimApplyOptions<A>): Promise<ReclaimOutcome[]> {
  return confirmEach<A, ReclaimOutcome>(actions, {
    ask: o.confirm,
    declined: (a, why) => ({ volid: a.volid, result: 'declined', why, stepsDone: 0 }),
    run: (a) => applyOne(a, o),
    progress: {
      sink: o.progress,
      title: (a) =>
        `${o.kind === 'purge' ? 'purge' : o.kind === 'unquarantine' ? 'bring back' : 'quarantine'} ${a.subject ?? a.volid}`,
      outcome: (r) => r,
    },
  });
}

async function applyOne<A extends Runnable>(a: A, o: ReclaimApplyOptions<A>): Promise<ReclaimOutcome> {
  const storage = { id: a.storage, shared: a.shared };
  const r = await withActionLocks(o.host, { guests: a.guestLocks, storage, waitMs: o.lockWaitMs }, async () => {
    const lockedAt = performance.now();
    const limits = o.clusterLock ?? CLUSTER_LOCK_LIMITS;
    const budget = () =>
      a.shared && performance.now() - lockedAt > limits.maxRecheckMs
        ? `the cluster lock was held ${((performance.now() - lockedAt) / 1000).toFixed(1)} s while re-checking (PVE ends locked work within ${limits.budgetMs / 1000} s)`
        : null;
    let done = 0;
    for (const step of a.steps) {
      // Right before each step: a fresh look, the plan made again; anything changed stops here.
      const again = await o.replan(a, done);
      const over = budget();
      const why = over ?? ('why' in again ? again.why : differs(a, again.action, done));
      if (why) return done === 0 ? skipped(a, over ? `${over}: skipped, run it again` : why) : stopped(a, done, why);
      const left = limits.budgetMs - (performance.now() - lockedAt);
      const timeoutMs = Math.min(o.commandTimeoutMs ?? 60_000, a.shared ? Math.max(left, 1) : Infinity);
      const run = await runJournaled(o, journalEntry(a, step, o.kind), { timeoutMs });
      if (run.result === 'failed')
        return {
          volid: a.volid,
          result: 'failed',
          why: run.why,
          stderr: run.stderr,
          stepsDone: done,
          failedCommand: step.command,
        } satisfies ReclaimOutcome;
      done++;
    }
    return { volid: a.volid, result: 'done', stepsDone: done } satisfies ReclaimOutcome;
  });
  return wasLocked(r) ? skipped(a, r.locked.message) : r;
}

function skipped(a: Runnable, why: string): ReclaimOutcome {
  return { volid: a.volid, result: 'skipped', why, stepsDone: 0 };
}

/** Stopped between two steps: what ran is journaled (restore undoes it, a second run completes it). */
function stopped(a: Runnable, done: number, why: string): ReclaimOutcome {
  return {
    volid: a.volid,
    result: 'skipped',
    why: `stopped after ${done} of ${a.steps.length} steps (journaled: restore undoes them, a second run completes them): ${why}`,
    stepsDone: done,
  };
}

/**
 * Why the fresh plan is not the one the person confirmed (null: it is). Before the first step: the same
 * verdict and the same steps. Before step `done`: still planned (an orphan, or the quarantined volume
 * itself), and the fresh steps are the planned ones from some step j <= done on (the steps before `done`
 * ran; those from j repeat without effect).
 */
export function differs(a: Runnable, b: Runnable, done = 0): string | null {
  // Between steps the reason may change by the step itself (an LV of a gone guest, deactivated, is an
  // `inactive-leftover`); the fresh plan still quarantining it is the proof that matters then.
  if (done === 0 && (a.status !== b.status || a.reason !== b.reason)) return `now ${b.status}/${b.reason}`;
  if (b.status !== 'orphan' && b.status !== a.status) return `now ${b.status}/${b.reason}`;
  const was = a.steps.map((s) => shellQuote(s.command));
  const now = b.steps.map((s) => shellQuote(s.command));
  for (let j = 0; j <= done; j++) {
    const rest = was.slice(j);
    if (rest.length === now.length && rest.every((c, i) => c === now[i])) return null;
  }
  return `the steps changed to: ${now.join('; ')}`;
}

function journalEntry(
  a: Runnable,
  step: ReclaimStep,
  kind: ReclaimApplyOptions<Runnable>['kind'],
): Omit<JournalAction, 'seq' | 'result' | 'startedAt'> {
  const lvm = a.location.vg !== undefined;
  return {
    kind,
    reclaim: {
      volid: a.volid,
      storageType: a.storageType,
      op: step.op,
      original: a.original,
      quarantine: a.quarantine,
      since: a.since,
      purgeAfter: a.purgeAfter,
      location: a.location,
      // Both figures as they were when it went in: an RBD image in the trash lists no size any more,
      // and every output reads them back from here (core/reclaim/quarantined.ts withRecordedSizes).
      sizeBytes: a.sizeBytes,
      usedBytes: a.usedBytes,
    },
    name: a.volid,
    uuid: '',
    majorMinor: null,
    table: [],
    vg: a.location.vg ?? null,
    lv: lvm ? a.original : null,
    lvUuid: a.location.lvUuid ?? null,
    storage: a.storage,
    vmid: a.vmid,
    guestType: a.guestType,
    guestNode: null,
    parent: null,
    status: a.status,
    reason: a.reason,
    command: step.command,
  };
}
