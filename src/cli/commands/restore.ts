// pve-health restore JOURNAL: undo what a `clean` run did (src/act/restore.ts).
import { readJournal } from '../../act/journal';
import { applyRestore, undoOrder } from '../../act/restore';
import { cleanupContext } from '../../core/cleanup/cleanup-context';
import { CheckError, UsageError } from '../../core/errors';
import { shellQuote } from '../../core/shell-quote';
import { renderSummary } from '../../render/cleanup';
import { liveHost, lockWaitMs, sayFor, withActSession, withJournal } from '../act-session';
import { type CommandContext, defineCommand } from '../command';
import type { OptionSpec } from '../options';

const RESTORE_OPTIONS = {
  name: { type: 'string', multiple: true },
  rw: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  'lock-wait': { type: 'string' },
} as const satisfies OptionSpec;

export const restoreCommand = defineCommand({
  name: 'restore',
  positionals: 1,
  usage: 'restore JOURNAL [--name NAME]... [--rw] [--yes]',
  globals: ['root', 'format', 'json', 'no-color', 'config'],
  formats: ['text', 'json'],
  examples: [
    'restore /var/lib/pve-health/journal/clean-20261122T101500Z-4242.json',
    'restore JOURNAL --name pve-vm--104--disk--0 --yes',
  ],
  help: `Options:
  --name NAME       Only this DM name or VG/LV (repeatable)
  --rw              Recreate maps read-write (default: read-only)
  -y, --yes         Do not ask (required without a terminal)
  --lock-wait SEC   How long to wait for a PVE guest or storage lock (default 10)

An LV is reactivated only when its UUID is unchanged and its guest still lives where it lived. A map
is recreated only when the devices its table uses are the same devices and no current LV or map
covers its extents. Takes the same locks and makes the same checks as 'clean' (exit 3 on refusal).`,
  options: RESTORE_OPTIONS,
  run: runRestore,
});

async function runRestore(ctx: CommandContext<typeof RESTORE_OPTIONS>): Promise<number> {
  const v = ctx.values;
  const host = liveHost(ctx);
  if (ctx.positionals.length !== 1) throw new UsageError('restore needs exactly one JOURNAL file');
  const path = ctx.positionals[0];
  const doc = readJournal(path, host);
  const names = (v.name ?? []).flatMap((x) => x.split(',')).filter(Boolean);
  const sources = undoOrder(doc.actions, names);
  const yes = Boolean(v.yes);
  const interactive = !yes && ctx.io.stdinIsTTY;
  if (!yes && !interactive) throw new UsageError('not a terminal: give --yes to restore without questions');
  const wait = lockWaitMs(v);
  const say = sayFor(ctx);
  if (sources.length === 0) {
    say(`nothing to restore in ${path}${names.length ? ` for ${names.join(', ')}` : ''}\n`);
    return 0;
  }
  return withActSession(ctx, { host, command: 'restore', runLock: true }, async (s) => {
    const { first } = s;
    s.assertSafe();
    // A journal of another node describes that node's devices: never undone here.
    const here = first.view.node;
    if (doc.node !== here)
      throw new CheckError(`${path} was written on ${doc.node}, this is ${here}: refusing to restore`);
    const shared = new Set(cleanupContext(first.view, first.result).sharedStorages ?? []);
    say(`Restoring ${sources.length} action(s) of ${path} (parents before children):\n`);
    for (const x of sources) say(`  ${x.name}: undo ${shellQuote(x.command)}\n`);
    const { result: outcomes, journalPath } = await withJournal(
      s,
      { command: 'restore', interactive, lockWaitMs: wait },
      ({ steps, ask }) =>
        applyRestore(sources, {
          ...steps,
          journalPath: path,
          readWrite: Boolean(v.rw),
          sharedStorages: shared,
          confirm: ask && ((_src, step, i, n) => ask(step, i, n)),
        }),
    );
    say(renderSummary(outcomes, journalPath));
    if (ctx.global.format === 'json') ctx.io.out(`${JSON.stringify({ journal: journalPath, outcomes }, null, 2)}\n`);
    return outcomes.some((o) => o.result === 'failed') ? 2 : outcomes.some((o) => o.result === 'skipped') ? 1 : 0;
  });
}
