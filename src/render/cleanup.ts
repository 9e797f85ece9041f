// Console output of `clean` and `restore`: the plan table (what each action does and why), the
// exact commands (--dry-run), and the summary. Pure.
import type { CleanupPlan } from '../core/cleanup/plan-cleanup';
import { shellQuote } from '../core/shell-quote';

export interface OutcomeLike {
  action: { name: string; kind: string; command: string[]; hint?: string };
  result: 'done' | 'failed' | 'skipped' | 'declined';
  why?: string;
  stderr?: string;
}

function table(rows: string[][]): string[] {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i])))
      .join('  ')
      .trimEnd(),
  );
}

const WHAT: Record<string, string> = {
  'dm-remove': 'remove map',
  'lv-deactivate': 'deactivate LV',
  'dm-create': 'recreate map',
  'lv-activate': 'activate LV',
};

export function renderPlan(plan: CleanupPlan, title = 'Cleanup plan'): string {
  const lines: string[] = [];
  if (plan.actions.length === 0) {
    lines.push(`${title}: nothing to do.`);
  } else {
    lines.push(`${title} (${plan.actions.length} action${plan.actions.length === 1 ? '' : 's'}, in this order):`);
    const rows = [['#', 'DEVICE', 'FINDING', 'ACTION', 'WHY']];
    for (const [i, a] of plan.actions.entries()) {
      rows.push([String(i + 1), a.name, `${a.status}/${a.reason}`, WHAT[a.kind] ?? a.kind, a.why]);
    }
    lines.push(...table(rows).map((l) => `  ${l}`));
  }
  if (plan.skipped.length) {
    lines.push('', `Not touched (${plan.skipped.length}):`);
    const rows = [['DEVICE', 'FINDING', 'WHY']];
    for (const s of plan.skipped) rows.push([s.name, `${s.status}/${s.reason}`, s.why]);
    lines.push(...table(rows).map((l) => `  ${l}`));
  }
  return `${lines.join('\n')}\n`;
}

/** --dry-run: each command on a line of its own (copyable), and what to do with what it leaves. */
export function renderCommands(plan: CleanupPlan): string {
  if (plan.actions.length === 0) return '';
  const lines = ['', 'Commands (each runs under the guest and storage locks, after a fresh re-check):'];
  for (const [i, a] of plan.actions.entries()) {
    lines.push(`  ${shellQuote(a.command)}`);
    if (a.hint) lines.push(`    # after ${i + 1}: ${a.hint}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Seconds as the progress shows them: 0.1 s, 12.3 s, 75 s. */
export function formatElapsed(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
}

/** One action starts (not shown when its question, with the same number and command, was just asked). */
export function renderProgressBegin(p: { index: number; total: number; title: string }): string {
  return `[${p.index + 1}/${p.total}] ${p.title}\n`;
}

export function renderProgressCommand(argv: string[]): string {
  return `    ${shellQuote(argv)}\n`;
}

/** How one action ended: its number, ok/failed/skipped, the time it took and, if it did not work, why. */
export function renderProgressEnd(p: {
  index: number;
  total: number;
  result: OutcomeLike['result'];
  why?: string;
  stderr?: string;
  ms: number;
}): string {
  const n = `[${p.index + 1}/${p.total}]`;
  const t = formatElapsed(p.ms);
  if (p.result === 'done') return `  ${n} ok (${t})\n`;
  const err = [p.why, p.stderr?.replace(/\n+/g, ' | ')].filter(Boolean).join(': ');
  if (p.result === 'failed') return `  ${n} FAILED (${t}): ${err}\n`;
  return `  ${n} ${p.result === 'skipped' ? 'skipped' : 'not run'} (${t}): ${err}\n`;
}

/**
 * The summary of a run. `undo` (clean): the exact command that undoes what was done, when something was;
 * its argv is the program as the person called it plus `restore JOURNAL` (and `--root` when given).
 */
export function renderSummary(
  outcomes: OutcomeLike[],
  journalPath: string | null,
  o: { undo?: string[] } = {},
): string {
  const by = (r: OutcomeLike['result']) => outcomes.filter((o) => o.result === r);
  const done = by('done');
  const lines: string[] = ['', 'Summary:'];
  const kinds = [...new Set(done.map((o) => o.action.kind))];
  if (done.length === 0) lines.push('  done: nothing');
  for (const k of kinds) {
    const list = done.filter((o) => o.action.kind === k);
    const word =
      { 'dm-remove': 'removed', 'lv-deactivate': 'deactivated', 'dm-create': 'recreated', 'lv-activate': 'activated' }[
        k
      ] ?? k;
    lines.push(`  ${word}: ${list.length} (${list.map((o) => o.action.name).join(', ')})`);
  }
  for (const o of done) if (o.action.hint) lines.push(`    ${o.action.name}: ${o.action.hint}`);
  const skipped = by('skipped');
  if (skipped.length) {
    lines.push(`  skipped: ${skipped.length}`);
    for (const o of skipped) lines.push(`    ${o.action.name}: ${o.why}`);
  }
  const declined = by('declined');
  if (declined.length)
    lines.push(`  not confirmed: ${declined.length} (${declined.map((o) => o.action.name).join(', ')})`);
  const failed = by('failed');
  if (failed.length) {
    lines.push(`  failed: ${failed.length}`);
    for (const o of failed)
      lines.push(
        `    ${o.action.name}: ${shellQuote(o.action.command)} → ${o.why}${o.stderr ? `: ${o.stderr.replace(/\n+/g, ' | ')}` : ''}`,
      );
  }
  lines.push(`  journal: ${journalPath ?? 'none (nothing was run)'}`);
  if (journalPath && o.undo && outcomes.some((x) => x.result === 'done' || x.result === 'failed'))
    lines.push('  to undo it (asks per action; --yes for all):', `    ${shellQuote(o.undo)}`);
  return `${lines.join('\n')}\n`;
}
