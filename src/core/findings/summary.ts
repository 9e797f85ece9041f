// The document in one sentence, in the two forms the outputs print. summaryLine is the JSON `summary`
// (a contract: part by part, from each part's own summary counts, so an acknowledged finding still
// shows there); findingsPhrase (findings.ts: this phrase of its list) counts the findings (what
// counts now, then the pending and acknowledged ones apart) for the nagios headline, checkmk, the
// HTML banner and mail subjects. Both word a count and list mount states the same way; they stay two
// sentences because both are printed and scripts read them. No import of findings.ts: it uses this.
import type { CheckDocument } from '../types';
import type { VolumesResult } from '../volume-types';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Mount states that are findings, worst first: the order both sentences list them in. */
const MOUNT_PROBLEMS = ['stale', 'missing', 'readonly', 'full', 'unchecked'];

/** One line: "DM grade B (score 90): 2 orphans, 1 pending, 40 valid of 45; mounts: 1 stale". */
export function summaryLine(doc: Pick<CheckDocument, 'dm' | 'mounts' | 'volumes'>): string {
  const parts: string[] = [];
  if (doc.dm?.error) parts.push(`DM could not be checked: ${doc.dm.error}`);
  else if (doc.dm) {
    const s = doc.dm.summary;
    const issues = [
      s.duplicate ? plural(s.duplicate, 'duplicate') : '',
      s.orphan ? plural(s.orphan, 'orphan') : '',
      s.unknown ? `${s.unknown} unknown` : '',
      s.pending ? `${s.pending} pending` : '',
    ].filter(Boolean);
    // A part not fully checked has no grade (its counts are a lower bound): it says so instead.
    const grade = doc.dm.status === 3 ? 'DM not graded (not fully checked)' : `DM grade ${s.grade} (score ${s.score})`;
    parts.push(`${grade}: ${issues.length ? issues.join(', ') : 'no issues'}, ${s.valid} valid of ${s.total}`);
  }
  if (typeof doc.mounts?.error === 'string') parts.push(`mounts could not be checked: ${doc.mounts.error}`);
  else if (doc.mounts) {
    const m = doc.mounts.summary;
    const bad = MOUNT_PROBLEMS.filter((k) => (m[k] ?? 0) > 0).map((k) => `${m[k]} ${k}`);
    parts.push(`mounts: ${bad.length ? bad.join(', ') : `${doc.mounts.entries.length} ok`}`);
  }
  if (doc.volumes) parts.push(volumesSummaryLine(doc.volumes));
  return parts.join('; ');
}

/** "volumes: 2 orphans, 1 storage not checked of 40" */
function volumesSummaryLine(v: VolumesResult): string {
  const s = v.summary;
  const bits = [
    s.orphan ? `${plural(s.orphan, 'orphan')}` : '',
    s.unknown ? `${s.unknown} unknown` : '',
    s.unknownStorages ? `${plural(s.unknownStorages, 'storage')} not checked` : '',
    s.pending ? `${s.pending} pending` : '',
  ].filter(Boolean);
  return `volumes: ${bits.length ? bits.join(', ') : `${s.valid} valid`} of ${s.total}`;
}

const PHRASE_ORDER = [
  'duplicate',
  'orphan',
  'unknown',
  'storage issue',
  'cluster finding',
  ...MOUNT_PROBLEMS.map((m) => `${m} mount`),
];

/** What the phrase needs of a finding (a Finding of findings.ts). */
export interface PhraseFinding {
  part: string;
  status: string;
  pending: boolean;
  acknowledged: unknown;
}

/**
 * "1 duplicate, 2 orphans, 1 stale mount" (pending and acknowledged ones are counted apart). A guest
 * volume's finding is one of the node's whatever its storage: an orphaned zvol and an orphaned LV are
 * both "orphans" (the volume ID says where).
 */
export function phraseOf(findings: PhraseFinding[], doc: Pick<CheckDocument, 'dm' | 'volumes'>): string {
  const counts = new Map<string, number>();
  let pending = 0;
  let acknowledged = 0;
  for (const f of findings) {
    if (f.pending) pending++;
    else if (f.acknowledged) acknowledged++;
    else {
      const word =
        f.part === 'mounts'
          ? `${f.status} mount`
          : f.part === 'storage'
            ? 'storage issue'
            : f.part === 'cluster'
              ? 'cluster finding'
              : f.status;
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  const parts = [...counts]
    .sort((a, b) => PHRASE_ORDER.indexOf(a[0]) - PHRASE_ORDER.indexOf(b[0]))
    .map(([w, n]) => (w === 'unknown' ? `${n} unknown` : plural(n, w)));
  // The summaries also count pending entries that are not findings (e.g. a valid volume of a guest being migrated).
  const pendingCount = Math.max((doc.dm?.summary.pending ?? 0) + (doc.volumes?.summary.pending ?? 0), pending);
  if (pendingCount) parts.push(`${pendingCount} pending`);
  if (acknowledged) parts.push(`${acknowledged} acknowledged`);
  if (doc.volumes?.status === 3 && !counts.has('unknown')) parts.push('volumes not fully checked');
  return parts.length ? parts.join(', ') : 'no issues';
}
