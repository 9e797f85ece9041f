// `-q`: the summary line and one line per problem, so a timer's journal stays readable. A part that
// could not be checked is a line of its own (never fail open); pending entries are counted in the
// summary line only (an operation explains them). Pure.

import { shortFixText } from '../core/findings/finding-steps';
import { listFindings, partErrors } from '../core/findings/findings';
import { overallOf } from '../core/findings/overall';
import { STATUS_WORD } from '../core/vocab/status';
import type { CheckDocument, Status } from '../core/vocab/types';
import { paint, STATUS_STYLE as STYLE, untilText } from './text';

const WIDTH = 8; // "CRITICAL".length

function word(s: Status, color: boolean): string {
  return paint(STATUS_WORD[s].padEnd(WIDTH), STYLE[s], color);
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, '; ').trim();
}

export function renderQuietText(doc: CheckDocument, o: { color: boolean }): string {
  const lines = [
    `${paint('pve-health', 'bold', o.color)} ${doc.node} — ${paint(STATUS_WORD[doc.status], STYLE[doc.status], o.color)} — ${oneLine(overallOf(doc).headline)}`,
  ];
  for (const f of partErrors(doc)) lines.push(`${word(3, o.color)} ${f.label}: could not check: ${oneLine(f.error)}`);
  // Checked, but part of the view is missing (a VG whose lvs rows disagree with vgs, a failed listing).
  const unchecked = doc.dm?.unchecked ?? [];
  for (const w of unchecked) lines.push(`${word(3, o.color)} device-mapper: ${oneLine(w)}`);
  if (doc.dm && !doc.dm.error && doc.dm.status === 3)
    for (const w of doc.dm.warnings)
      if (!unchecked.includes(w)) lines.push(`${word(3, o.color)} device-mapper: ${oneLine(w)}`);
  for (const f of listFindings(doc)) {
    if (f.severity === 0) continue;
    const what =
      f.part === 'dm' || f.part === 'volumes'
        ? `${f.status}/${f.reason}`
        : f.part === 'mounts'
          ? f.status
          : f.explanation;
    // The commands, the ones that keep the data first; an irreversible one shown keeps its label
    // (shortFixText); the rest is in the full report.
    const fix = shortFixText(f);
    // An acknowledged finding says so instead of its fix: it does not count until the ack expires.
    const tail = f.acknowledged
      ? `acknowledged ${STATUS_WORD[f.severity]} until ${untilText(f.acknowledged.until)}: ${oneLine(f.acknowledged.reason)} (not counted)`
      : (fix ?? oneLine(f.hint ?? f.detail));
    const head = f.acknowledged ? paint('ACK'.padEnd(WIDTH), 'gray', o.color) : word(f.severity, o.color);
    // The volume ID (or mount, storage) and the guest lead; the DM name is a detail of the full report.
    lines.push(`${head} ${f.subject}${f.guest && f.part !== 'mounts' ? ` (${f.guest})` : ''}  ${what} — ${tail}`);
  }
  // Checked, but a storage could not be listed: its warning says which and why.
  const v = doc.volumes;
  if (v && !v.error && v.status === 3 && v.entries.every((e) => e.status !== 'unknown'))
    for (const w of v.warnings) lines.push(`${word(3, o.color)} volumes: ${oneLine(w)}`);
  return `${lines.join('\n')}\n`;
}
