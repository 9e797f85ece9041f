// The node in one verdict: one status, one grade and one score over every part (device-mapper, the
// guest volumes on ZFS/RBD/file storages, storage health, mounts), decided once here for every output
// form. The rule (docs/reports.md "Grade, score and status"): the seed's score and grade, counted over
// the node's findings that count now, one per guest volume (a volume with two DM findings is one
// problem) and one per other finding; a critical one counts as the seed counted a duplicate, a
// warning as it counted an orphan. So A+ is exactly "nothing counts" (status OK), any CRITICAL is F,
// and a part that could not be checked leaves the node without a grade. Pure.

import { gradeOf, scoreOf } from '../dm/grade';
import { STATUS_WORD, worstStatus } from '../status';
import type { CheckDocument, Grade, Status } from '../types';
import { type Finding, isCounted, listFindings } from './findings';
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

/** One count per guest volume (its worst finding) and one per finding about anything else. */
function countProblems(findings: Finding[]): { critical: number; warning: number; volumeProblems: number } {
  const worst = new Map<string, Status>();
  const volumes = new Set<string>();
  for (const f of findings) {
    if (!isCounted(f) || (f.severity !== 1 && f.severity !== 2)) continue;
    // A layer or partition of an LV is part of its LV's problem (dmFindings keeps them as findings).
    if (f.layerOf) continue;
    const id = f.volume ? `volume ${f.volume}` : f.key;
    if (f.volume) volumes.add(f.volume);
    worst.set(id, worstStatus(worst.get(id) ?? 0, f.severity));
  }
  let critical = 0;
  let warning = 0;
  for (const s of worst.values())
    if (s === 2) critical++;
    else warning++;
  return { critical, warning, volumeProblems: volumes.size };
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
  const counts = countProblems(findings);
  const phrase = phraseOf(findings, doc);
  if (unchecked.length) {
    const which = unchecked.map((u) => `${u.label} (${u.why})`).join('; ');
    return {
      status: doc.status,
      grade: null,
      score: null,
      gradeReason: `no grade: ${unchecked.map((u) => u.label).join(', ')} could not be checked`,
      ...counts,
      unchecked,
      headline: `not graded — could not check ${which}; ${phrase === 'no issues' ? 'no issues in what was checked' : phrase}`,
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
    headline: `grade ${grade}: ${phrase}`,
  };
}

/** "CRITICAL — grade F: 1 duplicate" (the status word and the headline, for one-line forms). */
export function overallLine(o: Overall): string {
  return `${STATUS_WORD[o.status]} — ${o.headline}`;
}
