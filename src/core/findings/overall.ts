// The node in one verdict: one status, one grade and one score over every part (device-mapper, the
// guest volumes on ZFS/RBD/file storages, storage health, mounts), decided once here for every output
// form. The rule (docs/reports.md "Grade, score and status"): the seed's score and grade, counted over
// the node's findings that count now, one per guest volume (a volume with two DM findings is one
// problem) and one per other finding; a critical one counts as the seed counted a duplicate, a
// warning as it counted an orphan. So A+ is exactly "nothing counts" (status OK), any CRITICAL is F,
// and a part that could not be checked leaves the node without a grade. Pure.

import { gradeOf, scoreOf } from '../dm/grade';
import { STATUS_WORD } from '../vocab/status';
import type { CheckDocument, Grade, Status } from '../vocab/types';
import { type Finding, isCounted, listFindings } from './findings';
import { countedProblems } from './problems';
import { phraseOf } from './summary';

export interface UncheckedPart {
  part: 'dm' | 'volumes' | 'mounts' | 'storage';
  label: string;
  /** Why: the part's error, or what of it could not be checked. */
  why: string;
}

export interface Overall {
  status: Status;
  /** null when a part could not be checked (an ungraded node is never A+). */
  grade: Grade | null;
  score: number | null;
  /** Why this grade, in words ("any critical finding is F: 1 duplicate"). */
  gradeReason: string;
  /** Counted problems: critical ones (duplicates, stale mounts, ...) and warnings (orphans, ...). */
  critical: number;
  warning: number;
  /** Counted problems that could not be decided (UNKNOWN); not in the grade, which a part not checked withholds. */
  unknown: number;
  /** Guest volumes with a counted problem (DM and volumes part together). */
  volumeProblems: number;
  unchecked: UncheckedPart[];
  /** The first-screen sentence after the status word: "grade F: 1 duplicate, 2 orphans". */
  headline: string;
}

const PART_LABEL: Record<UncheckedPart['part'], string> = {
  dm: 'device-mapper',
  volumes: 'volumes',
  mounts: 'mounts',
  storage: 'storage health',
};

/** The first line of a text, for a headline: the rest is in the details. */
function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}

/** Every part that is UNKNOWN (not checked at all, or partly), with its reason. */
export function uncheckedParts(doc: CheckDocument, findings: Finding[] = listFindings(doc)): UncheckedPart[] {
  const out: UncheckedPart[] = [];
  const unknownOf = (part: Finding['part']) => findings.find((f) => f.part === part && f.severity === 3 && !f.pending);
  const add = (part: UncheckedPart['part'], why: string | undefined) =>
    out.push({ part, label: PART_LABEL[part], why: firstLine(why || 'could not be checked') });
  const dm = doc.dm;
  if (dm?.error) add('dm', dm.error);
  else if (dm && dm.status === 3) {
    const u = unknownOf('dm');
    add('dm', dm.unchecked?.[0] ?? (u ? `${u.subject}: ${u.explanation}` : dm.warnings[0]));
  }
  const v = doc.volumes;
  if (v?.error) add('volumes', v.error);
  else if (v && v.status === 3) {
    const u = unknownOf('volumes');
    add('volumes', u ? `${u.subject}: ${u.explanation}` : v.warnings[0]);
  }
  const m = doc.mounts;
  if (typeof m?.error === 'string') add('mounts', m.error);
  else if (m && m.status === 3) add('mounts', unknownOf('mounts')?.detail);
  return out;
}

function countProblems(problems: Finding[]): Pick<Overall, 'critical' | 'warning' | 'unknown' | 'volumeProblems'> {
  let critical = 0;
  let warning = 0;
  let unknown = 0;
  const volumes = new Set<string>();
  for (const f of problems) {
    if (f.severity === 2) critical++;
    else if (f.severity === 1) warning++;
    else unknown++;
    if (f.volume && f.severity !== 3) volumes.add(f.volume);
  }
  return { critical, warning, unknown, volumeProblems: volumes.size };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function gradeReasonOf(grade: Grade, c: { critical: number; warning: number }): string {
  if (grade === 'A+') return 'A+: nothing counts against the node';
  if (c.critical > 0) return `F: any critical problem is F (${plural(c.critical, 'critical problem')})`;
  if (grade === 'F') return `F: more than 50 problems (${c.warning} warnings)`;
  const band = grade === 'B' ? '1–5' : grade === 'C' ? '6–20' : '21–50';
  return `${grade}: ${plural(c.warning, 'warning')} (${grade} is ${band})`;
}

/**
 * The node's one verdict (see the header). `findings` are listFindings(doc), passed by a caller that has
 * them already (a renderer lists them for itself too): listing them again was a second walk of every entry.
 */
export function overallOf(doc: CheckDocument, findings: Finding[] = listFindings(doc)): Overall {
  const unchecked = uncheckedParts(doc, findings);
  const problems = countedProblems(findings);
  const counts = countProblems(problems);
  // The phrase counts the same problems, then the pending and acknowledged findings apart.
  const phrase = phraseOf([...problems, ...findings.filter((f) => !isCounted(f))], doc);
  if (unchecked.length) {
    const which = groupedUnchecked(unchecked)
      .map((g) => `${g.labels.join(', ')} (${g.why})`)
      .join('; ');
    return {
      status: doc.status,
      grade: null,
      score: null,
      gradeReason: `no grade: ${unchecked.map((u) => u.label).join(', ')} could not be checked`,
      ...counts,
      unchecked,
      headline: `not graded — could not check ${which}; ${phrase === 'no issues' ? 'no issues in what was checked' : phrase}${selectionWords(doc)}`,
    };
  }
  let grade = gradeOf(counts.critical, counts.warning);
  // The grade never reads better than the status (a producer's status is authoritative).
  if (doc.status === 2) grade = 'F';
  else if (doc.status === 1 && grade === 'A+') grade = 'B';
  return {
    status: doc.status,
    grade,
    score: scoreOf(counts.critical, counts.warning),
    gradeReason: gradeReasonOf(grade, counts),
    ...counts,
    unchecked,
    headline: `grade ${grade}: ${phrase}${selectionWords(doc)}`,
  };
}

/** `--vmid`: "; only guest 103 and the node (21 findings of other guests not shown)", said in every form. */
function selectionWords(doc: CheckDocument): string {
  const sel = doc.selection;
  if (!sel) return '';
  const who = `${sel.vmids.length === 1 ? 'guest' : 'guests'} ${sel.vmids.join(', ')}`;
  return `; only ${who} and the node (${plural(sel.leftOut, 'finding')} of other guests not shown)`;
}

/** "CRITICAL — grade F: 1 duplicate" (the status word and the headline, for one-line forms). */
export function overallLine(o: Overall): string {
  return `${STATUS_WORD[o.status]} — ${o.headline}`;
}

/**
 * The unchecked parts grouped by their reason, in order: on a host that is no PVE node every part
 * fails for the one reason, said once ("device-mapper, volumes, mounts (no Proxmox VE cluster files …)").
 */
export function groupedUnchecked(
  unchecked: readonly { label: string; why: string }[],
): { labels: string[]; why: string }[] {
  const out: { labels: string[]; why: string }[] = [];
  for (const u of unchecked) {
    const same = out.find((g) => g.why === u.why);
    if (same) same.labels.push(u.label);
    else out.push({ labels: [u.label], why: u.why });
  }
  return out;
}
