// `pve-health ack` without a key: the findings that can be acknowledged, in the style `check` prints
// problems (problems-text.ts) — `● SEVERITY`, the subject and its guest, what is wrong — and under
// each its key alone on a line (copyable whole, never broken). Pure.
import { findingWord } from '../core/findings/finding-words';
import type { Finding } from '../core/findings/findings';
import { paint, STATUS_STYLE, type TextOptions, untilText } from './text';
import { wrapText } from './wrap';

export function renderAckable(findings: Finding[], o: TextOptions): string {
  const w = o.width ?? 0;
  const lines = [
    wrapText(
      `${paint(`Findings (${findings.length})`, 'bold', o.color)} — acknowledge one: pve-health ack KEY --for 7d --reason "…"`,
      w,
      '',
      '  ',
    ),
  ];
  for (const f of findings) {
    const style = f.pending || f.acknowledged ? 'gray' : STATUS_STYLE[f.severity];
    const word = f.acknowledged ? 'ACK' : findingWord(f);
    lines.push(
      wrapText(
        `${paint('●', style, o.color)} ${paint(word.padEnd(8), style, o.color)} ${paint(f.subject, 'bold', o.color)}${f.guest && f.part !== 'mounts' ? `  ${f.guest}` : ''}`,
        w,
        '',
        '    ',
      ),
      wrapText(f.explanation, w, '    ', '    '),
    );
    if (f.acknowledged)
      lines.push(
        wrapText(`acknowledged until ${untilText(f.acknowledged.until)}: ${f.acknowledged.reason}`, w, '    ', '    '),
      );
    if (f.severity === 3) lines.push('    UNKNOWN: cannot be acknowledged (an unchecked part never is)');
    else lines.push(`    key: ${f.key}`);
  }
  return `${lines.join('\n')}\n`;
}
