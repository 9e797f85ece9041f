// pve-health clean: plan → show → confirm → apply (src/act/apply-cleanup.ts) → summary.

import { applyCleanup } from '../../act/apply-cleanup';
import { RefusedError } from '../../act/preconditions';
import { analyzeNode } from '../../core/analyze/analyze-node';
import { cleanupContext } from '../../core/cleanup/cleanup-context';
import { type PlanFilter, planCleanup } from '../../core/cleanup/plan-cleanup';
import { buildCheckDocument } from '../../core/findings/evaluate';
import { listFindings } from '../../core/findings/findings';
import { CheckError, UsageError } from '../../core/vocab/errors';
import type { DmResult } from '../../core/vocab/types';
import { type PlanTextOptions, renderCommands, renderPlan, renderSummary } from '../../render/cleanup';
import { renderNodeNow, uncheckedOf } from '../../render/node-now';
import { wrapText } from '../../render/wrap';
import {
  type ActSession,
  commandTimeoutOf,
  liveHost,
  lockWaitMs,
  sayFor,
  undoCommand,
  withActSession,
  withJournal,
} from '../act-session';
import { type CommandContext, defineCommand } from '../command';
import { loadFor, openSession, viewOf } from '../node-session';
import type { OptionSpec } from '../options';

/** The options clean and reclaim share: dry run, confirmation, and the selection. */
export const CLEAN_OPTIONS = {
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  all: { type: 'boolean' },
  vmid: { type: 'string', multiple: true },
  reason: { type: 'string', multiple: true },
  name: { type: 'string', multiple: true },
  'lock-wait': { type: 'string' },
} as const satisfies OptionSpec;

export const cleanCommand = defineCommand({
  name: 'clean',
  usage: 'clean [--dry-run] [--yes] [--all | --vmid N | --reason CODE | --name NAME]...',
  globals: ['root', 'from', 'demo', 'format', 'json', 'no-color', 'config'],
  formats: ['text', 'json'],
  examples: [
    'clean --dry-run --all   # show the plan and the exact commands',
    'clean --demo --dry-run  # on the bundled demo node',
    'clean --vmid 150',
    'clean --reason lv-missing --yes',
    'clean --name pve-vm--104--disk--0',
  ],
  help: `Options:
  --dry-run         Show the plan and the exact commands, change nothing (also with --demo or --from FILE)
  -y, --yes         Do not ask (needs --all or a filter)
  --all             Every finding that has a fix
  --vmid N          Only entries of guest N (repeatable)
  --reason CODE     Only entries with this reason, e.g. lv-missing, stale-map (repeatable)
  --name NAME       Only this DM name, VG/LV or volume id (repeatable)
  --lock-wait SEC   How long to wait for a PVE guest or storage lock (default 10)

Never removes an LV, never uses --force. Refuses (exit 3) when /etc/pve is not mounted, the cluster is
not quorate, the hostname is not the node name, guest configs are missing or --root does not show the
system dmsetup sees. Every action is journaled under /var/lib/pve-health/journal/ (see 'restore').
Exit code: the status of what is left (0 OK, 1 orphans, 2 duplicates, 3 refused/unknown).`,
  options: CLEAN_OPTIONS,
  run: runClean,
});

export function parseFilter(v: CommandContext<typeof CLEAN_OPTIONS>['values']): PlanFilter {
  const list = (k: 'vmid' | 'reason' | 'name') => (v[k] ?? []).flatMap((x) => x.split(',')).filter(Boolean);
  const vmids = list('vmid').map((x) => {
    if (!/^\d+$/.test(x)) throw new UsageError(`--vmid must be a number (got '${x}')`);
    return Number(x);
  });
  return { all: Boolean(v.all), vmids, reasons: list('reason'), names: list('name') };
}

export function hasFilter(f: PlanFilter): boolean {
  return Boolean(f.all || f.vmids?.length || f.reasons?.length || f.names?.length);
}

async function runClean(ctx: CommandContext<typeof CLEAN_OPTIONS>): Promise<number> {
  const v = ctx.values;
  const dry = Boolean(v['dry-run']);
  const filter = parseFilter(v);
  // A dry run on the demo node or a snapshot: the plan it would make there; nothing can act on it.
  if (dry && (ctx.global.demo || ctx.global.from)) return dryRunOffline(ctx, filter);
  const host = liveHost(ctx);
  const yes = Boolean(v.yes);
  const interactive = !yes && ctx.io.stdinIsTTY;
  if (!dry && yes && !hasFilter(filter)) {
    throw new UsageError('--yes needs --all or a filter (--vmid N, --reason CODE, --name NAME)');
  }
  if (!dry && !interactive && !yes) {
    throw new UsageError(
      'not a terminal: give --yes together with --all or a filter (--vmid, --reason, --name), or use --dry-run',
    );
  }
  const wait = lockWaitMs(v);
  return withActSession(ctx, { host, command: 'clean', runLock: !dry }, async (s) => {
    const { first, say } = s;
    const plan = planCleanup(
      first.result.entries,
      cleanupContext(first.view, first.result),
      hasFilter(filter) ? filter : { all: true },
    );
    const shown = planText(ctx, first.view.node, first.result);
    say(renderPlan(plan, shown));
    if (dry) return dryRun(ctx, s, plan);
    s.assertSafe();
    if (plan.actions.length === 0) {
      if (ctx.global.format === 'json')
        ctx.io.out(`${JSON.stringify({ plan, outcomes: [], journal: null, status: first.result.status }, null, 2)}\n`);
      return first.result.status;
    }
    const { result: outcomes, journalPath } = await withJournal(
      s,
      { command: 'clean', interactive, lockWaitMs: wait },
      ({ steps, ask }) =>
        applyCleanup(plan.actions, {
          ...steps,
          confirm: ask,
          narrow: { first, config: s.config, timeoutMs: commandTimeoutOf(s.config) },
        }),
    );
    say(
      renderSummary(outcomes, journalPath, { ...shown, undo: journalPath ? undoCommand(ctx, journalPath) : undefined }),
    );
    // The exit code is the state that is left, from a last fresh look.
    let status: number;
    try {
      const after = (await s.analyze()).result;
      status = after.status;
      say(renderNodeNow(after, { width: ctx.global.format === 'json' ? 0 : ctx.global.width }));
    } catch (e) {
      ctx.io.err(`pve-health: final re-check failed: ${(e as Error).message}\n`);
      status = 3;
    }
    if (ctx.global.format === 'json')
      ctx.io.out(`${JSON.stringify({ plan, outcomes, journal: journalPath, status }, null, 2)}\n`);
    return status;
  });
}

/** --dry-run with --demo or --from: the plan from that data, said to be one; the exit code is its status. */
async function dryRunOffline(ctx: CommandContext<typeof CLEAN_OPTIONS>, filter: PlanFilter): Promise<number> {
  const session = openSession(ctx);
  const view = viewOf(await loadFor(ctx, session));
  const say = sayFor(ctx);
  const what = ctx.global.demo ? 'the demo node' : `the snapshot ${ctx.global.from}`;
  const json = (doc: object) => ctx.global.format === 'json' && ctx.io.out(`${JSON.stringify(doc, null, 2)}\n`);
  let result: ReturnType<typeof analyzeNode>;
  try {
    result = analyzeNode(view, session.config);
  } catch (e) {
    if (!(e instanceof CheckError)) throw e;
    // Never fail open: what could not be seen plans nothing, and the output says why (exit 3).
    say(`Dry run on ${what} (${view.node}): nothing is planned: device-mapper could not be checked: ${e.message}\n`);
    json({ plan: { actions: [] }, status: 3, unchecked: [e.message] });
    return 3;
  }
  const plan = planCleanup(result.entries, cleanupContext(view, result), hasFilter(filter) ? filter : { all: true });
  const shown = planText(ctx, view.node, result);
  const fit = (line: string) => `${wrapText(line, shown.width ?? 0, '', '  ')}\n`;
  say(
    fit(`Dry run on ${what} (${view.node}): nothing is changed; on a live node 'clean' re-checks every action first.`),
  );
  say(renderPlan(plan, shown));
  say(renderCommands(plan, shown));
  const unchecked = uncheckedOf(result);
  if (unchecked.length) say(fit(`Not checked, so nothing is planned from it: ${unchecked.join('; ')}`));
  json({ plan, status: result.status, unchecked });
  return result.status;
}

/**
 * What the plan is shown with: the findings `check` prints for the same analysis (their subject,
 * severity, guest and next step; the DM name a detail), the width and colours of the console.
 */
function planText(ctx: CommandContext, node: string, result: DmResult): PlanTextOptions {
  const doc = buildCheckDocument({ node, now: new Date(0), dm: result });
  const text =
    ctx.global.format === 'json' ? { color: false, width: 0 } : { color: ctx.global.color, width: ctx.global.width };
  return { ...text, findings: listFindings(doc), dmEntries: result.entries };
}

/** --dry-run: the plan and its commands, and whether clean would refuse to act here at all (exit 3). */
function dryRun(
  ctx: CommandContext<typeof CLEAN_OPTIONS>,
  s: ActSession,
  plan: ReturnType<typeof planCleanup>,
): number {
  s.say(renderCommands(plan, { width: ctx.global.format === 'json' ? 0 : ctx.global.width }));
  try {
    s.assertSafe();
  } catch (e) {
    if (e instanceof RefusedError) {
      ctx.io.err(`pve-health: clean would refuse to act: ${e.refusals.map((r) => r.message).join('; ')}\n`);
      return 3;
    }
    throw e;
  }
  if (ctx.global.format === 'json') ctx.io.out(`${JSON.stringify({ plan }, null, 2)}\n`);
  return s.first.result.status;
}
