// The line under clean and restore: the node's state from their last fresh look, which is their exit code.
import { STATUS_WORD } from '../core/vocab/status';
import type { Status } from '../core/vocab/status-types';
import type { DmResult } from '../core/vocab/types';
import { wrapText } from './wrap';

/** What the analysis could not check: the part's unchecked reasons and each unknown entry's. */
export function uncheckedOf(result: Pick<DmResult, 'unchecked' | 'entries'>): string[] {
  const unknown = result.entries.filter((e) => e.status === 'unknown');
  return [...(result.unchecked ?? []), ...unknown.map((e) => `${e.name}: ${e.detail}`)];
}

/**
 * The line under a clean or restore: the node's state from the last fresh look, which is the exit code.
 * An UNKNOWN says what could not be read (an exit 3 with no reason would leave the admin guessing).
 */
export function renderNodeNow(result: DmResult, o: { width?: number; note?: string } = {}): string {
  const s = result.summary;
  const unchecked = result.status === 3 ? [...(result.error ? [result.error] : []), ...uncheckedOf(result)] : [];
  const line = `The node now: ${STATUS_WORD[result.status as Status]} — ${s.orphan} orphan(s), ${s.duplicate} duplicate(s)${o.note ? ` (${o.note})` : ''}${unchecked.length ? `; not checked: ${unchecked.join('; ')}` : ''}`;
  return `${wrapText(line, o.width ?? 0, '', '  ')}\n`;
}
