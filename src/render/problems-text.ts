// The console's first screen: the headline (status, grade and what counts), the parts that could not
// be checked and why, then every problem of every part in one style — the volume ID and its guest
// first, what is wrong in words, the command to fix it alone on its own line (copyable with a
// triple-click) under the prose that says what it does. The DM name and other specifics are details
// under it. Pure; wrapped to the width the CLI chose (0: not wrapped).

import { volumeSubject } from '../core/findings/finding-keys';
import { findingWord } from '../core/findings/finding-words';
import type { Finding } from '../core/findings/findings';
import { groupedUnchecked, type Overall } from '../core/findings/overall';
import { countedProblems } from '../core/findings/problems';
import { STATUS_WORD } from '../core/vocab/status';
import type { CheckDocument, DmEntry } from '../core/vocab/types';
import type { VolumeEntry } from '../core/vocab/volume-types';
import { entrySize } from './finding-size';
import { paint, STATUS_STYLE, type Style, type TextOptions, untilText } from './text';
import { wrapText } from './wrap';

function styleOf(f: Finding): Style {
  return f.pending || f.acknowledged ? 'gray' : STATUS_STYLE[f.severity];
}

/** "pve-health pve1 — CRITICAL — grade F: 1 duplicate, 2 orphans" and the grade's reason. */
export function renderHeadline(doc: CheckDocument, overall: Overall, o: TextOptions): string[] {
  const w = o.width ?? 0;
  const word = paint(STATUS_WORD[doc.status], STATUS_STYLE[doc.status], o.color);
  const lines = [
    wrapText(`${paint('pve-health', 'bold', o.color)} ${doc.node} — ${word} — ${overall.headline}`, w, '', '  '),
  ];
  // Said once: a reason the headline already gives is not repeated under it.
  for (const u of groupedUnchecked(overall.unchecked).filter((g) => !overall.headline.includes(g.why)))
    lines.push(
      wrapText(
        `${paint('UNKNOWN', STATUS_STYLE[3], o.color)} ${u.labels.join(', ')} could not be checked: ${u.why}`,
        w,
        '  ',
        '    ',
      ),
    );
  if (overall.grade)
    lines.push(wrapText(`Grade ${overall.gradeReason}; score ${overall.score} of 100`, w, '  ', '    '));
  return lines;
}

/** The lines that say who holds a DM device or volume and how it is flagged (details of a problem). */
function flagsOf(f: Finding, dm: DmEntry | undefined, vol: VolumeEntry | undefined): string[] {
  const out: string[] = [];
  if (f.acknowledged)
    out.push(`acknowledged until ${untilText(f.acknowledged.until)} (not counted): ${f.acknowledged.reason}`);
  if (f.pending) out.push(`pending: ${f.protectedBy.join(', ') || 'a running operation explains it'}`);
  else if (f.protectedBy.length) out.push(`protected: ${f.protectedBy.join(', ')}`);
  if (dm) {
    const open = dm.open
      ? `open (count ${dm.openCount}${dm.processes.length ? `, ${dm.processes.map((p) => `${p.command}[${p.pid}]`).join(' ')}` : ''}${dm.holders.length ? `, held by ${dm.holders.join(' ')}` : ''})`
      : '';
    const name = f.subject !== dm.name ? `device-mapper ${dm.name}` : '';
    // Said once: a detail that starts with it already says so.
    out.push(
      [name, dm.active || dm.detail.startsWith('inactive LV') ? '' : 'inactive LV', open].filter(Boolean).join(', '),
    );
  }
  for (const h of vol?.holders ?? []) out.push(`held by ${h.command} (pid ${h.pid})`);
  return out.filter(Boolean);
}

/**
 * The fix: what it does in prose ("fix: remove map …"), then each command alone on a line, two columns
 * deeper than the prose around it; advice lines ("# …") are prose at the fix's own indent, so a command
 * never sits among sentences at one indent. Without a fix, why not — unless the hint says it already.
 */
function fixLines(f: Finding): { text: string; command: boolean }[] {
  if (!f.fix) {
    if (f.pending)
      return f.hint || f.steps.length
        ? []
        : [{ text: 'no fix now: a running operation explains it; look again when it has ended', command: false }];
    if (f.protectedBy.length)
      return [{ text: `no fix while it is protected (${f.protectedBy.join(', ')})`, command: false }];
    return [];
  }
  const steps = f.fix
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => (l.startsWith('#') ? { text: l.replace(/^#\s*/, ''), command: false } : { text: l, command: true }));
  // "fix:" alone over advice reads as one sentence: "fix: check …, then:".
  if (!f.effect && steps[0] && !steps[0].command)
    return [{ text: `fix: ${steps[0].text}`, command: false }, ...steps.slice(1)];
  return [{ text: `fix${f.effect ? `: ${f.effect}` : ':'}`, command: false }, ...steps];
}

/**
 * The next steps (keep it, drop it — marked irreversible —, or what makes it safe): each step's words,
 * then its command alone on a line, as a fix's.
 */
export function stepLines(f: Pick<Finding, 'steps'>): { text: string; command: boolean }[] {
  return f.steps.flatMap((s) => [
    ...(s.text ? [{ text: s.command ? `${s.text}:` : s.text, command: false }] : []),
    ...(s.command ? [{ text: s.command, command: true }] : []),
  ]);
}

/** One problem (see the header). */
export function renderProblem(
  f: Finding,
  o: TextOptions,
  lookup: { dm: Map<string, DmEntry>; volumes: Map<string, VolumeEntry> },
): string {
  const w = o.width ?? 0;
  const dm = f.dmName ? lookup.dm.get(f.dmName) : undefined;
  const vol = f.part === 'volumes' ? lookup.volumes.get(f.subject) : undefined;
  const size = entrySize({ dm, volume: vol });
  const head = `${paint('●', styleOf(f), o.color)} ${paint(findingWord(f).padEnd(8), styleOf(f), o.color)} ${paint(f.subject, 'bold', o.color)}${f.guest && f.part !== 'mounts' ? `  ${f.guest}` : ''}`;
  const what =
    f.part === 'storage'
      ? f.explanation
      : f.part === 'mounts'
        ? `${f.status}: ${f.explanation}`
        : `${f.status} (${f.reason}): ${f.explanation}${size ? ` · ${size}` : ''}`;
  const lines = [wrapText(head, w, '', '    '), wrapText(what, w, '    ', '    ')];
  if (f.detail && f.detail !== f.explanation) lines.push(wrapText(f.detail, w, '    ', '    '));
  for (const l of flagsOf(f, dm, vol)) lines.push(paint(wrapText(l, w, '    ', '    '), 'dim', o.color));
  // A mount's hint says what to check before its commands (the server before `umount -l`): it leads.
  const hintFirst = f.part === 'mounts';
  if (f.hint && hintFirst) lines.push(wrapText(f.hint, w, '    ', '    '));
  for (const l of [...fixLines(f), ...stepLines(f)])
    lines.push(l.command ? `      ${l.text}` : wrapText(l.text, w, '    ', '    '));
  if (f.hint && !hintFirst) lines.push(paint(wrapText(f.hint, w, '    ', '    '), 'dim', o.color));
  return lines.join('\n');
}

/** "Problems (3)" and each of them; acknowledged ones are listed apart (text.ts renderAcknowledged). */
export function renderProblems(doc: CheckDocument, findings: Finding[], o: TextOptions): string[] {
  const shown = findings.filter((f) => !f.acknowledged);
  if (!shown.length) return [];
  const lookup = {
    dm: new Map((doc.dm?.entries ?? []).map((e) => [e.name, e])),
    volumes: new Map((doc.volumes?.entries ?? []).map((e) => [volumeSubject(e), e])),
  };
  // The count is the headline's and the grade's (problems.ts): a layer or a second finding of one volume
  // is shown, not counted again.
  const counted = countedProblems(findings).length;
  const pending = shown.filter((f) => f.pending).length;
  const title = `Problems (${counted}${pending ? `, and ${pending} a running operation explains` : ''})`;
  return [paint(title, 'bold', o.color), ...shown.map((f) => renderProblem(f, o, lookup))];
}
