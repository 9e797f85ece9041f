// The document in one sentence, in the two forms the outputs print. summaryLine is the JSON `summary`
// (a contract: part by part, from each part's own summary counts, so an acknowledged finding still
// shows there); findingsPhrase (findings.ts: this phrase of its list) counts the findings (what
// counts now, then the pending and acknowledged ones apart) for the nagios headline, checkmk, the
// HTML banner and mail subjects. Both word a count and list mount states the same way; they stay two
// sentences because both are printed and scripts read them. No import of findings.ts: it uses this.
import type { CheckDocument } from '../vocab/types';
import type { VolumesResult } from '../vocab/volume-types';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Mount states that are findings, worst first: the order both sentences list them in. */
const MOUNT_PROBLEMS = ['stale', 'missing', 'readonly', 'full', 'leftover', 'unchecked'];

export type PartId = 'dm' | 'mounts' | 'volumes';

/**
 * Does the node have device-mapper guest storage (an LVM or LVM-thin storage's LV or map, a DM finding, a
 * storage-health finding)? A part that could not be checked counts: its UNKNOWN must lead, not hide.
 */
export function hasDmStorage(doc: Pick<CheckDocument, 'dm'>): boolean {
  const dm = doc.dm;
  if (!dm) return false;
  if (dm.error || dm.status !== 0 || (dm.storage?.length ?? 0) > 0) return true;
  return dm.entries.some((e) => e.storage !== null);
}

/**
 * The parts in the order every summary shows them: led by what the node has — device-mapper first on a
 * node with LVM storage, else the guest volumes (ZFS, RBD, files) and the mounts, device-mapper last.
 */
export function partOrder(doc: Pick<CheckDocument, 'dm' | 'mounts' | 'volumes'>): PartId[] {
  const order: PartId[] = hasDmStorage(doc) ? ['dm', 'mounts', 'volumes'] : ['volumes', 'mounts', 'dm'];
  return order.filter((p) => Boolean(doc[p]));
}

/**
 * One line, part by part (partOrder's order): "device-mapper part grade B (score 90): 2 orphans, 1 pending,
 * 40 valid of 45; mounts: 1 stale". The device-mapper part's own grade is labelled as that part's: the
 * node's grade (overall.ts) leads every output and may be worse (a stale mount, an orphaned zvol).
 */
export function summaryLine(doc: Pick<CheckDocument, 'dm' | 'mounts' | 'volumes'>): string {
  return partOrder(doc)
    .map((p) =>
      p === 'dm' ? dmSummaryLine(doc) : p === 'mounts' ? mountsSummaryLine(doc) : volumesSummaryLine(doc.volumes!),
    )
    .join('; ');
}

function dmSummaryLine(doc: Pick<CheckDocument, 'dm'>): string {
  const dm = doc.dm!;
  if (dm.error) return `device-mapper part could not be checked: ${dm.error}`;
  const s = dm.summary;
  const issues = [
    s.duplicate ? plural(s.duplicate, 'duplicate') : '',
    s.orphan ? plural(s.orphan, 'orphan') : '',
    s.unknown ? `${s.unknown} unknown` : '',
    s.pending ? `${s.pending} pending` : '',
  ].filter(Boolean);
  // A part not fully checked has no grade (its counts are a lower bound): it says so instead.
  const grade =
    dm.status === 3
      ? 'device-mapper part not graded (not fully checked)'
      : `device-mapper part grade ${s.grade} (score ${s.score})`;
  return `${grade}: ${issues.length ? issues.join(', ') : 'no issues'}, ${s.valid} valid of ${s.total}`;
}

function mountsSummaryLine(doc: Pick<CheckDocument, 'mounts'>): string {
  const mounts = doc.mounts!;
  if (typeof mounts.error === 'string') return `mounts could not be checked: ${mounts.error}`;
  const m = mounts.summary;
  const bad = MOUNT_PROBLEMS.filter((k) => (m[k] ?? 0) > 0).map((k) => `${m[k]} ${k}`);
  return `mounts: ${bad.length ? bad.join(', ') : `${mounts.entries.length} ok`}`;
}

/** "volumes: 2 orphans, 1 storage not checked of 40" */
function volumesSummaryLine(v: VolumesResult): string {
  // Nothing listed because the part could not run (or has not yet: the service's first scan): its reason,
  // never "0 valid of 0".
  if (v.error && v.entries.length === 0) return `volumes could not be checked: ${v.error}`;
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
  'missing disk',
  'disk in trash',
  'orphan',
  'unknown',
  'storage issue',
  'cluster finding',
  ...MOUNT_PROBLEMS.map((m) => `${m} mount`),
];

/**
 * A guest's own disk that is a finding while its status is valid (it is the guest's): a config names it
 * and its storage lacks it (dm-missing.ts, volume-unlisted.ts), or it sits in the Ceph trash
 * (volume-rbd-trash.ts). "1 valid" would read as no problem.
 */
const GUEST_DISK_WORD: Record<string, string> = {
  'missing-referenced': 'missing disk',
  'in-trash-referenced': 'disk in trash',
  'chain-current': 'disk under a snapshot name',
};

/** What the phrase needs of a finding (a Finding of findings.ts). */
export interface PhraseFinding {
  part: string;
  status: string;
  reason?: string;
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
              : (GUEST_DISK_WORD[f.reason ?? ''] ?? f.status);
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
