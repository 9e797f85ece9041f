// What a notification says: subject by severity, a plain-text body with what changed and every
// finding with its fix, the HTML report for mail. Pure.

import { couldNotCheck } from '../core/findings/could-not-check';
import { describeKey } from '../core/findings/finding-keys';
import { findingTag } from '../core/findings/finding-words';
import { listFindings } from '../core/findings/findings';
import { overallOf } from '../core/findings/overall';
import type { SystemInfo } from '../core/parse/system-info';
import { STATUS_WORD } from '../core/vocab/status';
import type { CheckDocument, Status } from '../core/vocab/types';
import { renderHtml } from '../render/html';
import type { NotifyKind } from './plan';

export interface Message {
  subject: string;
  text: string;
  html: string;
  status: Status;
  kind: NotifyKind;
  node: string;
  added: string[];
  resolved: string[];
  statusFrom: Status | null;
}

// The key format is the core's (finding-keys.ts), and so is reading it back; kept importable from here.
export { describeKey };

export function buildSubject(doc: CheckDocument, kind: NotifyKind, statusFrom: Status | null): string {
  const word = STATUS_WORD[doc.status];
  // The node's verdict over every part (core/findings/overall.ts): a part that could not be checked has no
  // grade and no "no issues": the headline says what was not checked and why.
  const what = doc.status === 0 && statusFrom !== null && statusFrom !== 0 ? 'all clear' : overallOf(doc).headline;
  // A stable prefix with the severity first, for mail filters and PVE notification routing.
  const tag = kind === 'test' ? ' test' : kind === 'digest' ? ' digest' : '';
  return `[pve-health ${word}${tag}] ${doc.node} — ${what}`;
}

/**
 * A message details at most this many findings, worst first, and says how many more there are (the text
 * and the HTML alike): at 400 guests the whole report was 600 KB in every mail. The report file lists all.
 */
export const MESSAGE_MAX_FINDINGS = 30;
/** And lists at most this many keys under New and under Resolved. */
export const MESSAGE_MAX_KEYS = 50;

export function buildText(doc: CheckDocument, m: Pick<Message, 'added' | 'resolved' | 'statusFrom' | 'kind'>): string {
  const lines: string[] = [];
  const was = m.statusFrom !== null && m.statusFrom !== doc.status ? ` (was ${STATUS_WORD[m.statusFrom]})` : '';
  lines.push(`${doc.node}: ${STATUS_WORD[doc.status]}${was}`);
  const o = overallOf(doc);
  lines.push(o.headline);
  if (o.grade) lines.push(`Grade ${o.gradeReason}; score ${o.score} of 100`);
  const failed = couldNotCheck(doc);
  if (failed.length) {
    lines.push('Could not check:', ...failed.map((f) => `  ${f}`));
    lines.push('What the last check found in these parts is carried over, not resolved.');
  }
  lines.push(`Checked at ${doc.generatedAt}`);
  if (m.kind === 'test') lines.push('', 'This is a test message from "pve-health notify --test".');
  const keys = (title: string, mark: string, list: string[]) => {
    if (!list.length) return;
    lines.push('', `${title}:`, ...list.slice(0, MESSAGE_MAX_KEYS).map((k) => `  ${mark} ${describeKey(k)}`));
    if (list.length > MESSAGE_MAX_KEYS) lines.push(`  … and ${list.length - MESSAGE_MAX_KEYS} more`);
  };
  keys('New', '+', m.added);
  keys('Resolved', '-', m.resolved);
  const all = listFindings(doc);
  // Bounded: the worst findings in detail (listFindings is worst first), and how many more, and where.
  const findings = all.slice(0, MESSAGE_MAX_FINDINGS);
  if (findings.length) {
    lines.push(
      '',
      all.length > findings.length ? `Findings (the ${findings.length} worst of ${all.length}):` : 'Findings:',
    );
    for (const f of findings) {
      // The volume ID (or mount, storage) and the guest lead; a DM name is a detail.
      const lead =
        f.part === 'cluster'
          ? `${f.status} ${f.subject}`
          : `${f.subject}${f.guest && f.part !== 'mounts' ? ` (${f.guest})` : ''} ${f.status}`;
      lines.push(`  [${findingTag(f)}] ${lead}: ${f.explanation}`);
      if (f.dmName && f.dmName !== f.subject) lines.push(`      device-mapper ${f.dmName}`);
      if (f.acknowledged)
        lines.push(`      acknowledged until ${f.acknowledged.until} (not counted): ${f.acknowledged.reason}`);
      if (f.detail) lines.push(`      ${f.detail}`);
      // Each command on its own line, to copy as it is.
      if (f.fix) lines.push('      fix:', ...f.fix.split('\n').map((l) => `        ${l}`));
      // Keep it, drop it (marked irreversible), what makes it safe: the words, then the command alone.
      for (const s of f.steps) {
        if (s.text) lines.push(`      ${s.text}${s.command ? ':' : ''}`);
        if (s.command) lines.push(`        ${s.command}`);
      }
      if (f.hint) lines.push(`      hint: ${f.hint}`);
    }
    if (all.length > findings.length)
      lines.push(
        `  … ${all.length - findings.length} more not listed here: pve-health check on ${doc.node} lists them all.`,
      );
  }
  return `${lines.join('\n')}\n`;
}

export function buildMessage(
  doc: CheckDocument,
  m: { kind: NotifyKind; added: string[]; resolved: string[]; statusFrom: Status | null },
  opts: { system?: SystemInfo | null; toolVersion?: string } = {},
): Message {
  return {
    subject: buildSubject(doc, m.kind, m.statusFrom),
    text: buildText(doc, m),
    html: renderHtml(doc, { ...opts, maxFindings: MESSAGE_MAX_FINDINGS }),
    status: doc.status,
    kind: m.kind,
    node: doc.node,
    added: m.added,
    resolved: m.resolved,
    statusFrom: m.statusFrom,
  };
}
