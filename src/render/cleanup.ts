// Console output of `clean` and `restore`: the plan table (what each action does and why), the
// exact commands (--dry-run), and the summary. Pure.
import type { CleanupPlan } from '../core/cleanup/plan-cleanup';
import { type FindingStep, stepsOf } from '../core/findings/finding-steps';
import type { Finding } from '../core/findings/findings';
import { type RecordedSize, recordSubject } from '../core/reclaim/quarantined';
import { shellQuote } from '../core/text/shell-quote';
import type { NextStep } from '../core/vocab/next-step';
import type { DmEntry } from '../core/vocab/types';
import type { VolumeEntry } from '../core/vocab/volume-types';
import { renderProblem } from './problems-text';
import type { StepResult } from './progress';
import { paint, type TextOptions, untilText } from './text';
import { wrapText } from './wrap';

export interface OutcomeLike {
  action: { name: string; kind: string; command: string[]; hint?: string; steps?: NextStep[] };
  result: StepResult;
  why?: string;
  stderr?: string;
}

/** What the plan, the summary and the questions know of each DM name: check's finding of it (the subject, severity, guest, next step). */
export interface PlanTextOptions extends TextOptions {
  /** The findings of the analysis the plan was made from (listFindings): found by DM name. */
  findings?: Finding[];
  /** The analysis' DM entries (sizes, holders and processes of the details). */
  dmEntries?: DmEntry[];
}

const WHAT: Record<string, string> = {
  'dm-remove': 'remove map',
  'lv-deactivate': 'deactivate LV',
  'dm-create': 'recreate map',
  'lv-activate': 'activate LV',
};

function byDmName(findings: Finding[] | undefined): Map<string, Finding> {
  return new Map((findings ?? []).filter((f) => f.dmName).map((f) => [f.dmName!, f]));
}

/** "san-lvm:vm-121-disk-0 (map vg--san-vm--121--disk--0)": the subject `check` names, the DM name as a detail. */
export function subjectOf(name: string, known: Map<string, Finding>): string {
  const f = known.get(name);
  return f && f.subject !== name ? `${f.subject} (map ${name})` : name;
}

/** A block of problem lines led by `mark` ("1." or "-"), fitted so that the marked first line still fits. */
function marked(mark: string, render: (width: number) => string, width: number): string {
  const pad = `${mark} `;
  const lines = render(width ? Math.max(40, width - pad.length) : 0).split('\n');
  return [pad + lines[0], ...lines.slice(1)].join('\n');
}

/**
 * The steps a confirmed plan shows beside its action: what it leaves and how that is kept (issue 60).
 * The other ways on — set it aside with reclaim, drop it — are alternatives to the plan, not part of it:
 * they stay `check`'s hints (and the "Not touched" items', which are check's findings as they are).
 */
export function planSteps(steps: readonly FindingStep[]): FindingStep[] {
  return steps.filter((s) => s.kind !== 'reclaim' && s.kind !== 'drop');
}

/** A DM name no finding names (none given): the plan's own words, as before. */
function plainItem(name: string, status: string, reason: string, why: string, o: TextOptions): string {
  const w = o.width ?? 0;
  return [paint(name, 'bold', o.color), wrapText(`${status} (${reason}): ${why}`, w, '    ', '    ')].join('\n');
}

/**
 * The plan as `check` shows problems (problems-text.ts): each action its finding — `● SEVERITY`, the
 * subject (volume ID), the guest, why, the DM name as a detail — with the fix it runs (prose, then the
 * command alone on its line, never broken); "Not touched" keeps the next step `check` printed.
 */
export function renderPlan(plan: CleanupPlan, o: PlanTextOptions = { color: false }, title = 'Cleanup plan'): string {
  const w = o.width ?? 0;
  const known = byDmName(o.findings);
  const lookup = { dm: new Map(o.dmEntries?.map((e) => [e.name, e]) ?? []), volumes: new Map<string, VolumeEntry>() };
  const lines: string[] = [];
  if (plan.actions.length === 0) lines.push(`${title}: nothing to do.`);
  else {
    lines.push(
      paint(
        `${title} (${plan.actions.length} action${plan.actions.length === 1 ? '' : 's'}, in this order):`,
        'bold',
        o.color,
      ),
    );
    for (const [i, a] of plan.actions.entries()) {
      const f = known.get(a.name);
      // The finding's next steps are the action's advice (both adviceFor's): said once, the plan's own.
      const steps = planSteps(f?.steps.length || !a.steps ? (f?.steps ?? []) : stepsOf(a).steps);
      const item = f
        ? (width: number) =>
            renderProblem({ ...f, fix: shellQuote(a.command), effect: a.effect, steps }, { ...o, width }, lookup)
        : (width: number) =>
            `${plainItem(a.name, a.status, a.reason, a.why, { ...o, width })}\n${wrapText(`fix: ${a.effect} (${WHAT[a.kind] ?? a.kind})`, width, '    ', '      ')}\n      ${shellQuote(a.command)}`;
      lines.push(marked(`${i + 1}.`, item, w));
    }
  }
  if (plan.skipped.length) {
    lines.push('', paint(`Not touched (${plan.skipped.length}):`, 'bold', o.color));
    for (const sk of plan.skipped) {
      const f = known.get(sk.name);
      // Protected and pending say so in the finding's own lines; any other reason is said here.
      const why =
        /^(protected|pending):/.test(sk.why) && f
          ? ''
          : `\n${wrapText(`not touched: ${sk.why}`, w ? w - 2 : 0, '    ', '    ')}`;
      const item = f
        ? (width: number) => renderProblem(f, { ...o, width }, lookup) + why
        : (width: number) => plainItem(sk.name, sk.status, sk.reason, sk.why, { ...o, width });
      lines.push(marked('-', item, w));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** --dry-run: each command on a line of its own (copyable), and what to do with what it leaves. */
export function renderCommands(plan: CleanupPlan, o: { width?: number } = {}): string {
  if (plan.actions.length === 0) return '';
  const w = o.width ?? 0;
  const lines = [
    '',
    wrapText('Commands (each runs under the guest and storage locks, after a fresh re-check):', w, '', '  '),
  ];
  for (const [i, a] of plan.actions.entries()) {
    lines.push(`  ${shellQuote(a.command)}`);
    // The advice is comments: a copied block still runs only the commands (a step's command is a comment
    // line of its own, never broken; a drop step says it is irreversible).
    const steps = planSteps(a.steps ? stepsOf(a).steps : []);
    for (const [j, s] of steps.entries()) {
      if (s.text)
        lines.push(
          wrapText(`# ${j === 0 ? `after ${i + 1}: ` : ''}${s.text}${s.command ? ':' : ''}`, w, '    ', '    # '),
        );
      if (s.command) lines.push(`    #   ${s.command}`);
    }
    if (!steps.length && a.hint) lines.push(wrapText(`# after ${i + 1}: ${a.hint}`, w, '    ', '    # '));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The summary of a run. `undo` (clean): the exact command that undoes what was done, when something was;
 * its argv is the program as the person called it plus `restore JOURNAL` (and `--root` when given).
 */
export function renderSummary(
  outcomes: OutcomeLike[],
  journalPath: string | null,
  o: { undo?: string[]; findings?: Finding[]; width?: number } = {},
): string {
  const w = o.width ?? 0;
  const known = byDmName(o.findings);
  const name = (x: OutcomeLike) => subjectOf(x.action.name, known);
  const by = (r: OutcomeLike['result']) => outcomes.filter((x) => x.result === r);
  const done = by('done');
  const lines: string[] = ['', 'Summary:'];
  const kinds = [...new Set(done.map((x) => x.action.kind))];
  if (done.length === 0) lines.push('  done: nothing');
  for (const k of kinds) {
    const list = done.filter((x) => x.action.kind === k);
    const word =
      { 'dm-remove': 'removed', 'lv-deactivate': 'deactivated', 'dm-create': 'recreated', 'lv-activate': 'activated' }[
        k
      ] ?? k;
    lines.push(wrapText(`${word}: ${list.length} — ${list.map(name).join(', ')}`, w, '  ', '    '));
  }
  for (const x of done) {
    const steps = x.action.steps ? stepsOf(x.action).steps : [];
    if (!steps.length && x.action.hint) lines.push(wrapText(`${name(x)}: ${x.action.hint}`, w, '    ', '      '));
    for (const [j, s] of steps.entries()) {
      if (s.text)
        lines.push(wrapText(`${j === 0 ? `${name(x)}: ` : ''}${s.text}${s.command ? ':' : ''}`, w, '    ', '      '));
      if (s.command) lines.push(`        ${s.command}`);
    }
  }
  const skipped = by('skipped');
  if (skipped.length) {
    lines.push(`  skipped: ${skipped.length}`);
    for (const x of skipped) lines.push(wrapText(`${name(x)}: ${x.why}`, w, '    ', '      '));
  }
  const declined = by('declined');
  if (declined.length)
    lines.push(wrapText(`not confirmed: ${declined.length} — ${declined.map(name).join(', ')}`, w, '  ', '    '));
  const failed = by('failed');
  if (failed.length) {
    lines.push(`  failed: ${failed.length}`);
    // Its command was printed once, alone on its line under its number, as it started (or in its
    // question): the summary names that number instead of printing the command a second time.
    for (const x of failed) {
      const at = `[${outcomes.indexOf(x) + 1}/${outcomes.length}]`;
      const err = x.stderr ? `: ${x.stderr.replace(/\n+/g, ' | ')}` : '';
      lines.push(wrapText(`${name(x)}: ${x.why}${err} (${at}: its command is shown above)`, w, '    ', '      '));
    }
  }
  lines.push(wrapText(`journal: ${journalPath ?? 'none (nothing was run)'}`, w, '  ', '    '));
  if (journalPath && o.undo && outcomes.some((x) => x.result === 'done' || x.result === 'failed'))
    lines.push('  to undo it (asks per action; --yes for all):', `    ${shellQuote(o.undo)}`);
  return `${lines.join('\n')}\n`;
}

/** What restore is about to undo: each action's name, then the command that ran, alone on its line. */
export function renderUndoList(
  sources: { name: string; command: string[] }[],
  path: string,
  o: { width?: number } = {},
): string {
  const w = o.width ?? 0;
  const lines = [
    wrapText(
      `Restoring ${sources.length} action${sources.length === 1 ? '' : 's'} of ${path} (parents before children):`,
      w,
      '',
      '  ',
    ),
  ];
  for (const x of sources) lines.push(wrapText(`${x.name}: undo of`, w, '  ', '    '), `    ${shellQuote(x.command)}`);
  return `${lines.join('\n')}\n`;
}

interface JournalSummary {
  path: string;
  doc: {
    command: string;
    node: string;
    startedAt: string;
    actions: {
      result: string;
      name: string;
      kind?: string;
      reclaim?: Pick<RecordedSize, 'volid' | 'location'>;
    }[];
  } | null;
  error?: string;
}

const RESULT_ORDER = ['done', 'skipped', 'failed'];

/** The worse of two step results (failed over skipped over done; anything else, e.g. a step never run, worst). */
function worseResult(a: string | undefined, b: string): string {
  if (a === undefined) return b;
  const rank = (r: string) => (RESULT_ORDER.includes(r) ? RESULT_ORDER.indexOf(r) : RESULT_ORDER.length);
  return rank(b) > rank(a) ? b : a;
}

/** `restore --list`: the journals, newest first, each with what it did and the command that undoes it. */
export function renderJournalList(
  listed: { dir: string; journals: JournalSummary[] },
  o: { width?: number; root?: string } = {},
): string {
  const w = o.width ?? 0;
  if (!listed.journals.length)
    return `${wrapText(`No journals in ${listed.dir}: no clean, reclaim or restore has acted on this node.`, w, '', '  ')}\n`;
  const lines = [wrapText(`Journals in ${listed.dir} (${listed.journals.length}, newest first):`, w, '', '  ')];
  for (const j of listed.journals) {
    if (!j.doc) {
      lines.push(wrapText(`${j.path}: cannot be used: ${j.error ?? 'unreadable'}`, w, '  ', '    '));
      continue;
    }
    // One entry per volume or device: a reclaim journals each of a volume's steps (deactivate, tag,
    // rename) under its name; the volume counts once, as the worst of its steps.
    const byName = new Map<string, string>();
    // A quarantined trash entry by the name the quarantine lists print (core/reclaim/quarantined.ts).
    for (const a of j.doc.actions) {
      const name = a.kind === 'reclaim' && a.reclaim ? recordSubject(a.reclaim) : a.name;
      byName.set(name, worseResult(byName.get(name), a.result));
    }
    const count = (r: string) => [...byName.values()].filter((x) => x === r).length;
    const what = ['done', 'failed', 'skipped'].map((r) => [r, count(r)] as const).filter(([, n]) => n > 0);
    const names = [...byName].filter(([, r]) => r === 'done').map(([name]) => name);
    lines.push(
      wrapText(
        `${untilText(j.doc.startedAt)}  ${j.doc.command} on ${j.doc.node}: ${what.map(([r, n]) => `${n} ${r}`).join(', ') || 'nothing run'}${names.length ? ` (${names.join(', ')})` : ''}`,
        w,
        '  ',
        '    ',
      ),
    );
    if ((j.doc.command === 'clean' || j.doc.command === 'reclaim') && names.length)
      lines.push(
        `    ${shellQuote(['pve-health', 'restore', j.path, ...(o.root && o.root !== '/' ? ['--root', o.root] : [])])}`,
      );
  }
  return `${lines.join('\n')}\n`;
}
