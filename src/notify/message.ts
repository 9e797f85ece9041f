// What a notification says: subject by severity, a plain-text body with what changed and every
// finding with its fix, the HTML report for mail. Pure.

import { couldNotCheck } from '../core/findings/could-not-check';
import { describeKey } from '../core/findings/finding-keys';
import { findingTag } from '../core/findings/finding-words';
import { listFindings } from '../core/findings/findings';
import { overallOf } from '../core/findings/overall';
import type { SystemInfo } from '../core/parse/system-info';
import { STATUS_WORD } from '../core/status';
import type { CheckDocument, Status } from '../core/types';
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
  if (m.added.length) lines.push('', 'New:', ...m.added.map((k) => `  + ${describeKey(k)}`));
  if (m.resolved.length) lines.push('', 'Resolved:', ...m.resolved.map((k) => `  - ${describeKey(k)}`));
  const findings = listFindings(doc);
  if (findings.length) {
    lines.push('', 'Findings:');
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
      if (f.hint) lines.push(`      hint: ${f.hint}`);
    }
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
    html: renderHtml(doc, opts),
    status: doc.status,
    kind: m.kind,
    node: doc.node,
    added: m.added,
    resolved: m.resolved,
    statusFrom: m.statusFrom,
  };
}
