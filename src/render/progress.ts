// The progress lines every action run prints (clean, reclaim, restore: cli/act-session.ts), one action
// at a time: its number and title, its command, how it ended. Pure.
import { commandText } from '../core/text/shell-quote';

/** How one action ended: done, failed, skipped by its re-check, or declined at its question. */
export type StepResult = 'done' | 'failed' | 'skipped' | 'declined';

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
  return `    ${commandText(argv)}\n`;
}

/** How one action ended: its number, ok/failed/skipped, the time it took and, if it did not work, why. */
export function renderProgressEnd(p: {
  index: number;
  total: number;
  result: StepResult;
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
