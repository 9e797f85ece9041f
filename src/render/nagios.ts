// Nagios/Icinga plugin output: `STATUS: summary | perfdata` on the first line, one line per finding
// after it. The caller exits with doc.status (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). Pure.

import { commandLines } from '../core/findings/finding-steps';
import { findingTag } from '../core/findings/finding-words';
import { type Finding, listFindings, partErrors } from '../core/findings/findings';
import { overallOf } from '../core/findings/overall';
import { STATUS_WORD } from '../core/vocab/status';
import type { CheckDocument } from '../core/vocab/types';
import { volumesPerf, volumesPerfText } from './volumes';

/** A '|' would start perfdata and a newline a new detail line: neither may come from a system value. */
function clean(text: string): string {
  return text.replace(/\|/g, '/').replace(/[\r\n\t]+/g, ' ');
}

/** Perfdata label: quoted when it holds anything but word characters (plugin guidelines). */
function label(name: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(name) ? name : `'${name.replace(/'/g, "''").replace(/=/g, '_')}'`;
}

export interface PerfValue {
  label: string;
  value: number;
  uom?: string;
  warn?: number | string;
  crit?: number | string;
  min?: number;
  max?: number;
}

export function renderPerfdata(values: PerfValue[]): string {
  return values
    .map((p) => {
      const fields = [p.warn, p.crit, p.min, p.max].map((x) => (x === undefined ? '' : String(x)));
      while (fields.length && fields[fields.length - 1] === '') fields.pop();
      return `${label(p.label)}=${p.value}${p.uom ?? ''}${fields.length ? `;${fields.join(';')}` : ''}`;
    })
    .join(' ');
}

/** The perfdata both Nagios and Checkmk show (Checkmk takes the dm/mounts halves apart). */
export function perfValues(doc: CheckDocument): { dm: PerfValue[]; mounts: PerfValue[] } {
  const dm: PerfValue[] = [];
  // Only what was measured: the counts of a part that could not be checked are not zeros.
  const s = doc.dm && !doc.dm.error ? doc.dm.summary : undefined;
  if (s) {
    // The counts that alert are what counts now, as the headline says ("2 orphans, 1 acknowledged"):
    // an acknowledged finding is in dm_acknowledged, not in dm_orphans/dm_duplicates.
    const acked = listFindings(doc).filter((f) => f.part === 'dm' && !f.pending && f.acknowledged);
    const ackedOf = (st: string) => acked.filter((f) => f.status === st).length;
    dm.push(
      { label: 'dm_total', value: s.total, min: 0 },
      { label: 'dm_valid', value: s.valid, min: 0 },
      // Any orphan warns, any duplicate is critical: Nagios ranges "0" mean "alert above 0".
      { label: 'dm_orphans', value: s.orphan - ackedOf('orphan'), warn: 0, min: 0 },
      { label: 'dm_duplicates', value: s.duplicate - ackedOf('duplicate'), crit: 0, min: 0 },
      { label: 'dm_acknowledged', value: acked.length, min: 0 },
      { label: 'dm_unknown', value: s.unknown, min: 0 },
      { label: 'dm_pending', value: s.pending, min: 0 },
      { label: 'dm_protected', value: s.protected, min: 0 },
      { label: 'dm_open', value: s.open, min: 0 },
    );
    // A part not fully checked has no score (its counts are a lower bound).
    if (doc.dm?.status !== 3) dm.push({ label: 'dm_score', value: s.score, min: 0, max: 100 });
    const storage = doc.dm?.storage ?? [];
    if (doc.dm?.storage) {
      dm.push(
        { label: 'storage_critical', value: storage.filter((f) => f.severity === 'critical').length, crit: 0, min: 0 },
        { label: 'storage_warning', value: storage.filter((f) => f.severity === 'warning').length, warn: 0, min: 0 },
      );
    }
  }
  const mounts: PerfValue[] = [];
  const entries = typeof doc.mounts?.error === 'string' ? undefined : doc.mounts?.entries;
  if (entries) {
    const count = (st: string) => entries.filter((m) => m.status === st).length;
    mounts.push(
      { label: 'mounts_total', value: entries.length, min: 0 },
      { label: 'mounts_stale', value: count('stale'), crit: 0, min: 0 },
      { label: 'mounts_readonly', value: count('readonly'), warn: 0, min: 0 },
      { label: 'mounts_full', value: count('full'), warn: 0, min: 0 },
      { label: 'mounts_missing', value: count('missing'), crit: 0, min: 0 },
    );
    for (const m of entries) {
      if (m.usagePercent === null || m.usagePercent === undefined) continue;
      const name = m.scope === 'ct' ? `ct${m.ctid}:${m.target}` : m.target;
      mounts.push({ label: name, value: m.usagePercent, uom: '%', min: 0, max: 100 });
    }
  }
  return { dm, mounts };
}

export function headline(doc: CheckDocument): string {
  const failed = partErrors(doc);
  if (failed.length && failed.length === [doc.dm, doc.mounts, doc.volumes].filter(Boolean).length)
    return clean(`${doc.node}: could not check ${failed.map((f) => `${f.label}: ${f.error}`).join('; ')}`);
  // One verdict for every part (core/findings/overall.ts): the grade, or which part is not checked and why.
  return clean(`${doc.node}: ${overallOf(doc).headline}`);
}

/** "[CRITICAL] local-lvm:vm-110-disk-1 (CT 110 dns1) duplicate: …": the volume ID and the guest lead. */
export function findingLead(f: Finding): string {
  // A cluster finding's subject is where it is ("on pve1, pve2"): its word comes first.
  if (f.part === 'cluster') return `${f.status} ${f.subject}`;
  return `${f.subject}${f.guest && f.part !== 'mounts' ? ` (${f.guest})` : ''} ${f.status}`;
}

export function renderNagios(doc: CheckDocument): string {
  const pv = perfValues(doc);
  const o = overallOf(doc);
  // The node's score (every part) first; a node that could not be checked has none.
  const score: PerfValue[] = o.score === null ? [] : [{ label: 'score', value: o.score, min: 0, max: 100 }];
  const perf =
    `${renderPerfdata([...score, ...pv.dm, ...pv.mounts])}${doc.volumes ? ` ${volumesPerfText(volumesPerf(doc))}` : ''}`.trim();
  const lines = [`${STATUS_WORD[doc.status]}: ${headline(doc)}${perf ? ` | ${perf}` : ''}`];
  for (const f of listFindings(doc)) {
    const tag = findingTag(f);
    const why = f.pending
      ? ` (pending: ${f.protectedBy.join(', ')})`
      : f.acknowledged
        ? ` (acknowledged until ${f.acknowledged.until}: ${f.acknowledged.reason})`
        : '';
    lines.push(clean(`[${tag}] ${findingLead(f)}: ${f.explanation}${f.detail ? ` — ${f.detail}` : ''}${why}`));
    // Each command on a line of its own under its finding (long output), runnable as it stands.
    for (const c of commandLines(f)) lines.push(`    ${c}`);
  }
  for (const f of partErrors(doc)) lines.push(clean(`[UNKNOWN] ${f.label}: could not check: ${f.error}`));
  const unchecked = doc.dm?.unchecked ?? [];
  for (const w of unchecked) lines.push(clean(`[UNKNOWN] device-mapper: ${w}`));
  for (const w of doc.dm?.warnings ?? []) if (!unchecked.includes(w)) lines.push(clean(`[NOTE] ${w}`));
  return `${lines.join('\n')}\n`;
}
