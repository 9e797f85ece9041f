// Console output of `reclaim`: the plan (what is quarantined, where, how much space, why it is an
// orphan with its evidence, each step's command alone on its line), the refusals with their reasons,
// what is in quarantine (since when, purge date, space), and the summary. Pure.

import type { QuarantinedVolume, ReclaimAction, ReclaimRefusal } from '../core/reclaim/reclaim-types';
import { formatTime } from '../core/text/format-time';
import { commandText, shellQuote } from '../core/text/shell-quote';
import { sizeFigures, sizeText, totalText } from '../core/text/size-figures';
import { subjectOf } from '../core/vocab/volume-subject';
import { quarantineLine } from './quarantine';
import { wrapText } from './wrap';

export interface ReclaimTextOptions {
  width?: number;
  /** The plan is a purge (destroys) rather than a quarantine (renames). */
  purge?: boolean;
}

interface PlanLike {
  actions: ReclaimAction[];
  refused: ReclaimRefusal[];
  quarantined: QuarantinedVolume[];
  retentionDays: number;
}

const line = (text: string, o: ReclaimTextOptions, indent = '', hang = `${indent}  `) =>
  `${wrapText(text, o.width ?? 0, indent, hang)}\n`;

/** A snapshot's quarantine or purge: its steps rename or destroy a snapshot (reclaim-types.ts ops). */
const actionFigures = (a: ReclaimAction) =>
  sizeFigures({ ...a, snapshot: a.steps.some((s) => s.op.includes('-snapshot-')) || undefined });

/** The refusal's reason without its code said twice ("protected: protected: guest-running"). */
const reasonOf = (r: ReclaimRefusal) => (r.why.startsWith(`${r.code}: `) ? r.why.slice(r.code.length + 2) : r.why);

const guest = (vmid: number | null) => (vmid === null ? '' : `  guest ${vmid}`);

export function renderReclaimPlan(plan: PlanLike, o: ReclaimTextOptions = {}): string {
  let out = '';
  const verb = o.purge
    ? plan.actions.some((a) => a.reason === 'interrupted-removal')
      ? 'destroy (past their retention, or an interrupted removal to finish: nothing restores those)'
      : 'destroy (past their retention)'
    : `quarantine (restorable; purge after ${plan.retentionDays} days)`;
  // The total is the sum of the rows below, per figure (core/text/size-figures.ts).
  out += line(
    `Reclaim plan: ${plan.actions.length} volume(s) to ${verb}, ${totalText(plan.actions.map(actionFigures))}`,
    o,
  );
  plan.actions.forEach((a, i) => {
    out += line(
      `[${i + 1}] ${subjectOf(a)}${guest(a.vmid)} · ${a.storageType} · ${sizeText(actionFigures(a))}`,
      o,
      '  ',
      '      ',
    );
    out += line(`why: ${a.why}`, o, '      ', '        ');
    for (const e of a.evidence.slice(1)) out += line(`evidence: ${e}`, o, '      ', '        ');
    if (!o.purge)
      out += line(
        `quarantine as ${a.quarantine} since ${formatTime(a.since)}; purge after ${formatTime(a.purgeAfter)}`,
        o,
        '      ',
        '        ',
      );
    a.steps.forEach((s, k) => {
      out += line(`${k + 1}. ${s.effect}:`, o, '      ', '         ');
      out += `         ${commandText(s.command)}\n`;
    });
  });
  if (plan.refused.length) {
    out += line(`Refused (${plan.refused.length}): never touched`, o);
    for (const r of plan.refused) {
      out += line(`${subjectOf(r)}${guest(r.vmid)} — ${r.code}: ${reasonOf(r)}`, o, '  ', '      ');
      // The way on the check offers for it (PVE's rescan keeps the data), its command alone on its line.
      if (r.next) out += `${line(`${r.next.text}:`, o, '      ', '        ')}        ${commandText(r.next.command)}\n`;
    }
  }
  out += renderQuarantined(plan.quarantined, o);
  return out;
}

export function renderQuarantined(list: QuarantinedVolume[], o: ReclaimTextOptions = {}): string {
  if (list.length === 0) return line('In quarantine: nothing', o);
  let out = line(`In quarantine (${list.length}, ${totalText(list.map((q) => sizeFigures(q)))}):`, o);
  for (const q of list)
    out += line(quarantineLine(q, { guest: guest(q.vmid), purge: 'reclaim --purge' }), o, '  ', '      ');
  return out;
}

export interface ReclaimOutcomeLike {
  volid: string;
  result: 'done' | 'failed' | 'skipped' | 'declined';
  why?: string;
  stderr?: string;
  failedCommand?: string[];
}

export function renderReclaimSummary(
  outcomes: ReclaimOutcomeLike[],
  o: ReclaimTextOptions & { journal: string | null; undo?: string[] },
): string {
  const by = (r: ReclaimOutcomeLike['result']) => outcomes.filter((x) => x.result === r);
  let out = line(
    `Summary: ${o.purge ? 'purged' : 'quarantined'} ${by('done').length}, skipped ${by('skipped').length}, failed ${by('failed').length}, declined ${by('declined').length}`,
    o,
  );
  for (const x of by('done')) out += line(`${o.purge ? 'destroyed' : 'quarantined'}: ${x.volid}`, o, '  ');
  for (const x of by('skipped')) out += line(`skipped: ${x.volid}: ${x.why}`, o, '  ', '      ');
  // A failed step's command was printed once, under its number, as it started (or in its question):
  // the summary names that number and the step instead of printing the command a second time.
  outcomes.forEach((x, i) => {
    if (x.result !== 'failed') return;
    const at = `[${i + 1}/${outcomes.length}]${x.failedCommand ? ` at ${x.failedCommand[0]}` : ''}`;
    out += line(
      `FAILED: ${x.volid}: ${x.why}${x.stderr ? `: ${x.stderr}` : ''} (${at}: its command is shown above)`,
      o,
      '  ',
      '      ',
    );
  });
  if (o.journal) {
    out += line(`journal: ${o.journal}`, o, '  ');
    if (o.undo && !o.purge) out += `  to undo it (asks per volume; --yes for all):\n    ${shellQuote(o.undo)}\n`;
  }
  return out;
}
