// The session `clean` and `restore` share: a live node only, the run lock (one actor per node), the
// config, the analysis the executor repeats before every action (the same analyzeNode `dm` runs), the
// first look and its preconditions (pmxcfs mounted, quorate, our node), a journal and a prompter that
// are always closed, the options both executors take, and where text goes (stderr when stdout
// carries JSON).

import type { ActOptions, ProgressSink } from '../act/action-steps';
import { type Analysis, analyzeHost } from '../act/analyze-host';
import { Journal } from '../act/journal';
import { assertSafe } from '../act/preconditions';
import { type Answer, createPrompter } from '../act/prompt';
import { takeRunLock } from '../act/run-lock';
import { commandText } from '../core/text/shell-quote';
import type { Config } from '../core/vocab/config';
import { CheckError, UsageError } from '../core/vocab/errors';
import { createHost, type Host } from '../host/host';
import type { HeldLock } from '../host/pve-lock';
import { readConfig } from '../host/read-config';
import { readPveMountState } from '../host/read-mountstate';
import { renderProgressBegin, renderProgressCommand, renderProgressEnd } from '../render/progress';
import { terminalText } from '../render/sanitize';
import { VERSION } from '../version';
import type { CommandContext } from './command';

type ActCommand = 'clean' | 'restore' | 'reclaim';

export interface ActSession {
  host: Host;
  config: Config;
  /** Gather + analyse now (the executor calls it again under the locks before each action). */
  analyze: () => Promise<Analysis>;
  /** The analysis the plan is made from. */
  first: Analysis;
  /** Refuse (RefusedError, exit 3) unless the first look meets the preconditions of acting. */
  assertSafe: () => void;
  /** Human text: stdout, or stderr when stdout is the JSON document. */
  say: (text: string) => void;
}

/** What the body of withJournal gets: the executor's common options, and the question when one is asked. */
export interface ActRun {
  steps: ActOptions;
  /** Ask the person about one step; null when --yes (or no terminal) confirmed everything already. */
  ask: ((step: { effect: string; command: string[] }, index: number, total: number) => Promise<Answer>) | null;
}

/** Acting needs the real node: a capture or the demo can be analysed, never changed. */
export function liveHost(ctx: CommandContext): Host {
  if (ctx.global.from || ctx.global.demo)
    throw new UsageError(
      'clean and restore act on a live node: with --from or --demo, only a dry run (clean --dry-run) is possible',
    );
  return createHost({ root: ctx.global.root, env: ctx.io.env });
}

/** The deadline of each dmsetup/lvs call (config dm.command_timeout; undefined: the gather's default). */
export function commandTimeoutOf(config: Config): number | undefined {
  return config.dm?.command_timeout ? config.dm.command_timeout * 1000 : undefined;
}

/** --lock-wait SECONDS (default 10 s, as PVE's own lock wait). */
export function lockWaitMs(v: { 'lock-wait'?: string }): number {
  const s = v['lock-wait'];
  if (s === undefined) return 10_000;
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0 || n > 600) throw new UsageError(`--lock-wait must be 0-600 seconds (got '${s}')`);
  return n * 1000;
}

export function sayFor(ctx: CommandContext): (text: string) => void {
  return (t) => (ctx.global.format === 'json' ? ctx.io.err(t) : ctx.io.out(t));
}

/**
 * Run `body` in a session: the run lock first (unless `runLock` is false: a dry run changes nothing),
 * then the first analysis; the lock is released however `body` ends.
 */
export async function withActSession<T>(
  ctx: CommandContext,
  o: { host: Host; command: ActCommand; runLock: boolean },
  body: (s: ActSession) => Promise<T>,
): Promise<T> {
  const { host } = o;
  let lock: HeldLock | null = null;
  try {
    if (o.runLock) {
      lock = await takeRunLock(host, {
        pid: process.pid,
        command: `pve-health ${o.command}`,
        startedAt: host.now().toISOString(),
        user: ctx.io.env.SUDO_USER ?? ctx.io.env.USER,
      });
    }
    const config = readConfig(host, ctx.global.config);
    const timeoutMs = commandTimeoutOf(config);
    const analyze = () => analyzeHost(host, config, timeoutMs);
    let first: Analysis;
    try {
      first = await analyze();
    } catch (e) {
      throw new CheckError(`cannot analyse this node: ${(e as Error).message}`);
    }
    const safe = () => assertSafe(first, readPveMountState(host));
    return await body({ host, config, analyze, first, assertSafe: safe, say: sayFor(ctx) });
  } finally {
    lock?.release();
  }
}

/**
 * The progress of a run for the person watching: `[n/N]` and what the action does (unless its question,
 * which shows both, was just asked), the command as it starts, and ok/FAILED/skipped with the time.
 */
export function progressSink(say: (text: string) => void): ProgressSink {
  let at = { index: 0, total: 0, asked: false };
  return {
    begin(p) {
      at = p;
      if (!p.asked) say(renderProgressBegin(p));
    },
    command(argv) {
      if (!at.asked) say(renderProgressCommand(argv));
    },
    end(p) {
      say(renderProgressEnd({ ...at, ...p }));
    },
  };
}

/** The command that undoes a clean run: `pve-health restore JOURNAL`, with `--root` when one was given. */
export function undoCommand(ctx: CommandContext, journalPath: string): string[] {
  return [
    'pve-health',
    'restore',
    journalPath,
    ...(ctx.global.root && ctx.global.root !== '/' ? ['--root', ctx.global.root] : []),
  ];
}

/**
 * A journal of this run and, when a person answers, a prompter; both closed however `body` ends.
 * Returns what `body` returned and the journal's path (null when nothing was written).
 */
export async function withJournal<T>(
  s: ActSession,
  o: { command: ActCommand; interactive: boolean; lockWaitMs: number },
  body: (run: ActRun) => Promise<T>,
): Promise<{ result: T; journalPath: string | null }> {
  const { host } = s;
  const journal = new Journal(host, { command: o.command, node: s.first.view.node, toolVersion: VERSION });
  const prompter = o.interactive
    ? createPrompter(process.stdin, process.stderr, (t) => terminalText(t, { color: false }))
    : null;
  const steps: ActOptions = {
    host,
    analyze: s.analyze,
    pveMount: () => readPveMountState(host),
    journal,
    lockWaitMs: o.lockWaitMs,
    // Every run and skip is reported by the progress lines (the skip's reason in its end line).
    progress: progressSink(s.say),
  };
  const ask: ActRun['ask'] = prompter
    ? (step, i, n) => prompter.ask(`[${i + 1}/${n}] ${step.effect}\n    ${commandText(step.command)}\n  run it?`)
    : null;
  let result: T;
  try {
    result = await body({ steps, ask });
  } finally {
    prompter?.close();
    journal.close();
  }
  return { result, journalPath: journal.exists ? journal.path : null };
}
