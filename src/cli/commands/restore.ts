// pve-health restore JOURNAL: undo what a `clean` run did (src/act/restore.ts).
import { listJournals, readJournal } from '../../act/journal';
import { applyRestore, undoOrder } from '../../act/restore';
import { cleanupContext } from '../../core/cleanup/cleanup-context';
import { CheckError, UsageError } from '../../core/vocab/errors';
import { createHost } from '../../host/host';
import { renderJournalList, renderSummary, renderUndoList } from '../../render/cleanup';
import { renderNodeNow } from '../../render/node-now';
import { liveHost, lockWaitMs, sayFor, withActSession, withJournal } from '../act-session';
import { type CommandContext, defineCommand } from '../command';
import type { OptionSpec } from '../options';
import { restoreReclaim } from '../restore-reclaim';

const RESTORE_OPTIONS = {
  list: { type: 'boolean' },
  name: { type: 'string', multiple: true },
  rw: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  'lock-wait': { type: 'string' },
} as const satisfies OptionSpec;

export const restoreCommand = defineCommand({
  name: 'restore',
  positionals: 1,
  usage: 'restore [JOURNAL [--name NAME]... [--rw] [--yes] | --list]',
  globals: ['root', 'format', 'json', 'no-color', 'config'],
  formats: ['text', 'json'],
  examples: [
    'restore   # lists the journals (also: restore --list)',
    'restore \\\n      /var/lib/pve-health/journal/clean-20261122T101500Z-42.json',
    'restore JOURNAL --name pve-vm--104--disk--0 --yes',
  ],
  help: `Options:
  --list            List the journals of this node, newest first (also without a JOURNAL)
  --name NAME       Only this DM name or VG/LV (a reclaim journal: this volume ID, or the name the
                    quarantine lists print, e.g. VOLID#trash:ID; one it lacks: exit 1) (repeatable)
  --rw              Recreate maps read-write (default: read-only)
  -y, --yes         Do not ask (required without a terminal)
  --lock-wait SEC   How long to wait for a PVE guest or storage lock (default 10)

A reclaim journal: each quarantined volume is renamed back to its original name (found by its LV
UUID, trash id or quarantine name; never over a volume that has that name now); one whose storage
could not be listed whole is not judged (exit 3).
An LV is reactivated only when its UUID is unchanged and its guest still lives where it lived. A map
is recreated only when the devices its table uses are the same devices and no current LV or map
covers its extents. Takes the same locks and makes the same checks as 'clean' (exit 3 on refusal).
Exit code of a clean journal: the status of the node after the restore, from a fresh look (a
restored orphan is an orphan again: 1; 2 also when an action failed), as 'clean' does.
Exit code of a reclaim journal: whether the undo happened — 0 every volume is back under its name
(an orphan again: 'pve-health check' reports it), 1 one was not brought back (refused, skipped,
declined), 2 a step failed, 3 refused or could not check.`,
  options: RESTORE_OPTIONS,
  run: runRestore,
});

async function runRestore(ctx: CommandContext<typeof RESTORE_OPTIONS>): Promise<number> {
  const v = ctx.values;
  if (v.list || ctx.positionals.length === 0) return listAll(ctx);
  const host = liveHost(ctx);
  if (ctx.positionals.length !== 1) throw new UsageError('restore needs exactly one JOURNAL file');
  const path = ctx.positionals[0];
  const doc = readJournal(path, host);
  const names = (v.name ?? []).flatMap((x) => x.split(',')).filter(Boolean);
  if (doc.command === 'reclaim') {
    const interactive = !v.yes && ctx.io.stdinIsTTY;
    if (!v.yes && !interactive) throw new UsageError('not a terminal: give --yes to restore without questions');
    return restoreReclaim(ctx, { host, path, doc, names, interactive, lockWaitMs: lockWaitMs(v) });
  }
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
    say(renderUndoList(sources, path, { width: ctx.global.format === 'json' ? 0 : ctx.global.width }));
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
    const width = ctx.global.format === 'json' ? 0 : ctx.global.width;
    say(renderSummary(outcomes, journalPath, { width }));
    // The exit code is the node's state after the restore, from a last fresh look (as clean's): what
    // was restored is a finding again, and the admin is told so rather than given a 0.
    let status: number;
    try {
      const after = await s.analyze();
      status = after.result.status;
      say(
        renderNodeNow(after.result, {
          width,
          note: 'what was restored is a finding again; pve-health check shows them',
        }),
      );
    } catch (e) {
      ctx.io.err(`pve-health: final re-check failed: ${(e as Error).message}\n`);
      status = 3;
    }
    if (outcomes.some((o) => o.result === 'failed')) status = Math.max(status, 2);
    else if (outcomes.some((o) => o.result === 'skipped')) status = Math.max(status, 1);
    if (ctx.global.format === 'json')
      ctx.io.out(`${JSON.stringify({ journal: journalPath, outcomes, status }, null, 2)}\n`);
    return status;
  });
}

/** `restore` without a JOURNAL, or --list: the journals of this node (none is an answer, exit 0). */
function listAll(ctx: CommandContext<typeof RESTORE_OPTIONS>): number {
  if (ctx.global.from || ctx.global.demo)
    throw new UsageError("restore --list reads this node's journals: no --from or --demo");
  const host = createHost({ root: ctx.global.root, env: ctx.io.env });
  const listed = listJournals(host);
  if (ctx.global.format === 'json') {
    ctx.io.out(`${JSON.stringify(listed, null, 2)}\n`);
    return 0;
  }
  ctx.io.out(renderJournalList(listed, { width: ctx.global.width, root: ctx.global.root }));
  return 0;
}
