// The problems that count, once for every output: what the headline's phrase, the grade, "Problems (N)",
// the dashboard's counters, Nagios and Checkmk count. Pure.
import { worstStatus } from '../vocab/status';
import type { CheckDocument } from '../vocab/types';
import { type Finding, isCounted, listFindings } from './findings';
import { phraseOf } from './summary';

/**
 * The problems that count, computed once for every count an output prints (the headline's phrase, the
 * grade, "Problems (N)", the dashboard's counters): one per guest volume — its worst counted finding — and
 * one per other counted finding. A layer or partition of an LV is part of its LV's problem (dmFindings
 * keeps it as a finding to show, it is not counted again).
 */
export function countedProblems(findings: Finding[]): Finding[] {
  const byId = new Map<string, Finding>();
  for (const f of findings) {
    if (!isCounted(f) || f.layerOf || f.severity === 0) continue;
    const id = f.volume ? `volume ${f.volume}` : f.key;
    const had = byId.get(id);
    if (!had || worstStatus(had.severity, f.severity) !== had.severity) byId.set(id, f);
  }
  return [...byId.values()];
}

/** "1 duplicate, 2 orphans, 1 stale mount, 1 pending": the problems counted (summary.ts words them). */
export function findingsPhrase(doc: CheckDocument): string {
  const all = listFindings(doc);
  return phraseOf([...countedProblems(all), ...all.filter((f) => !isCounted(f))], doc);
}
