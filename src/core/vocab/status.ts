// Monitoring states (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) as every part, finding and output form
// uses them: their words, their order and the worst of several. One table each, so a status reads
// and sorts the same in text, nagios, checkmk, mail, the HTML report and the dashboard's script.
import type { Status } from './types';

export const STATUS_WORD: Record<Status, string> = { 0: 'OK', 1: 'WARNING', 2: 'CRITICAL', 3: 'UNKNOWN' };

/**
 * Monitoring order of severity: OK < WARNING < UNKNOWN < CRITICAL. Not the numeric order: a part that
 * could not be checked (3) is worse than a warning and not as bad as a known critical problem.
 */
export const SEVERITY_RANK: Record<Status, number> = { 0: 0, 1: 1, 3: 2, 2: 3 };

export function worstStatus(...s: Status[]): Status {
  return s.reduce<Status>((a, b) => (SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a), 0);
}
