// The steps every action of `clean` and `restore` goes through, in design.md's order: (1) the person
// answers first (no PVE lock is held while a prompt waits: PVE gives up on a lock after 10 s); (2) the
// guest config and storage locks; (3) a fresh gather and the same preconditions as at the start;
// (4) the journal entry, fsynced; (5) the command; (6) release. The executors (apply-cleanup.ts,
// restore.ts) decide what to run; these steps are how anything is run, so both run it alike.
import type { PveMountState } from '../core/cleanup/check-safety';
import { shellQuote } from '../core/text/shell-quote';
import { LockedError } from '../core/vocab/errors';
import type { Host } from '../host/host';
import { type HeldLock, releaseAll, takeGuestLocks, takeStorageLock } from '../host/pve-lock';
import type { Analysis } from './analyze-host';
import type { Journal, JournalAction } from './journal';
import { assertSafe, RefusedError } from './preconditions';
import type { Answer } from './prompt';

/** What both executors are given: the node, how to look at it again, where to write, how to talk. */
export interface ActOptions {
  host: Host;
  /** Gather + analyse (the same code `pve-health dm` runs). */
  analyze: () => Promise<Analysis>;
  pveMount: () => PveMountState;
  journal: Journal;
  /** How long to wait for a PVE guest or storage lock (default 10 s, as PVE). */
  lockWaitMs?: number;
  log?: (line: string) => void;
  /** Where each action's progress goes: its number, the command as it starts, how it ended and when. */
  progress?: ProgressSink;
}

/** How an action ended (`declined`: the person said no or quit). */
export type ActResult = 'done' | 'failed' | 'skipped' | 'declined';

/** How one action that was run (not declined) ended, and how long it took from its locks to its end. */
export interface ProgressEnd {
  result: ActResult;
  why?: string;
  stderr?: string;
  ms: number;
}

/**
 * The person watching a run: `begin` before an action's locks (asked: its question, with number, effect
 * and command, was just shown), `command` right before its command runs, `end` when it ended.
 */
export interface ProgressSink {
  begin(p: { index: number; total: number; title: string; asked: boolean }): void;
  command(argv: string[]): void;
  end(p: ProgressEnd): void;
}

/** How confirmEach reports the items it runs: the sink, an item's title, and how its result reads. */
export interface Reporting<T, R> {
  sink?: ProgressSink;
  title: (item: T) => string;
  outcome: (r: R) => Omit<ProgressEnd, 'ms'>;
}

/**
 * The question before each item: y runs it, n declines it, a runs it and every later one without
 * asking, q declines it and all that follow. `ask` may settle an item without a question (restore:
 * the step is already impossible) by returning `{ settled }`. `ask` null: confirmed already (--yes).
 */
export async function confirmEach<T, R>(
  items: readonly T[],
  o: {
    ask: ((item: T, index: number, total: number) => Promise<Answer | { settled: R }>) | null;
    declined: (item: T, why: 'quit' | 'answered no') => R;
    run: (item: T) => Promise<R>;
    /** Report each item that runs: its title, and how its result reads. */
    progress?: Reporting<T, R>;
  },
): Promise<R[]> {
  const out: R[] = [];
  let yesToAll = o.ask === null;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const asked = !yesToAll && o.ask !== null;
    if (!yesToAll && o.ask) {
      const ans = await o.ask(item, i, items.length);
      if (typeof ans === 'object') {
        out.push(ans.settled);
        continue;
      }
      if (ans === 'q') {
        for (const rest of items.slice(i)) out.push(o.declined(rest, 'quit'));
        break;
      }
      if (ans === 'n') {
        out.push(o.declined(item, 'answered no'));
        continue;
      }
      if (ans === 'a') yesToAll = true;
    }
    out.push(await runReported(item, { index: i, total: items.length, asked }, o));
  }
  return out;
}

async function runReported<T, R>(
  item: T,
  at: { index: number; total: number; asked: boolean },
  o: { run: (item: T) => Promise<R>; progress?: Reporting<T, R> },
): Promise<R> {
  const p = o.progress;
  if (!p?.sink) return o.run(item);
  p.sink.begin({ ...at, title: p.title(item) });
  const t0 = performance.now();
  const r = await o.run(item);
  p.sink.end({ ...p.outcome(r), ms: performance.now() - t0 });
  return r;
}

export interface LocksWanted {
  /** Guest config locks, in the order given (ascending VMID: the order qm/pct take them in). */
  guests: { vmid: number; type: 'qemu' | 'lxc' | null }[];
  /** The storage lock of the volume's storage: pmxcfs cluster lock when shared, flock when local. */
  storage: { id: string; shared: boolean } | null;
  waitMs?: number;
}

/**
 * Run `body` holding the guest config locks, then the storage lock; released however it ends. A lock
 * another task holds is not an error of the run: the result is `{ locked }` and the caller skips.
 */
export async function withActionLocks<R>(
  host: Host,
  want: LocksWanted,
  body: () => Promise<R>,
): Promise<R | { locked: LockedError }> {
  const locks: HeldLock[] = [];
  try {
    try {
      for (const g of want.guests) locks.push(...(await takeGuestLocks(host, g.vmid, g.type, want.waitMs)));
      if (want.storage)
        locks.push(await takeStorageLock(host, want.storage.id, { shared: want.storage.shared, waitMs: want.waitMs }));
    } catch (e) {
      if (e instanceof LockedError) return { locked: e };
      throw e;
    }
    return await body();
  } finally {
    releaseAll(locks);
  }
}

/** Whether withActionLocks gave up on a lock. */
export function wasLocked<R>(r: R | { locked: LockedError }): r is { locked: LockedError } {
  return typeof r === 'object' && r !== null && 'locked' in r && r.locked instanceof LockedError;
}

/**
 * A fresh gather under the locks, with the same preconditions as at the start. A gather that fails or
 * a precondition that no longer holds stops the whole run (RefusedError, exit 3): `doing` says what
 * the gather was for ("acting on X", "restoring X").
 */
export async function regather(o: Pick<ActOptions, 'analyze' | 'pveMount'>, doing: string): Promise<Analysis> {
  let fresh: Analysis;
  try {
    fresh = await o.analyze();
  } catch (e) {
    throw new RefusedError([{ code: 'gather', message: `re-gather before ${doing} failed: ${(e as Error).message}` }]);
  }
  assertSafe(fresh, o.pveMount());
  return fresh;
}

export interface RunOutcome {
  result: 'done' | 'failed';
  why?: string;
  stderr?: string;
}

/** Journal the action (on disk before it runs), run its command, journal how it ended. */
export async function runJournaled(
  o: Pick<ActOptions, 'host' | 'journal' | 'log' | 'progress'>,
  entry: Omit<JournalAction, 'seq' | 'result' | 'startedAt'>,
  exec: { input?: string; timeoutMs: number },
): Promise<RunOutcome> {
  const started = o.journal.begin(entry);
  if (o.progress) o.progress.command(entry.command);
  else o.log?.(`run: ${shellQuote(entry.command)}`);
  const r = await o.host.exec(entry.command, { okCodes: 'any', input: exec.input, timeoutMs: exec.timeoutMs });
  const ok = r.code === 0;
  const stderr = r.stderr.trim();
  o.journal.finish(started, { result: ok ? 'done' : 'failed', exitCode: r.code, stderr: stderr || undefined });
  return ok ? { result: 'done' } : { result: 'failed', why: `exit ${r.code}`, stderr };
}
