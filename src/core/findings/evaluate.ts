// Status arithmetic and the check document (design "CLI and JSON contract").
import type { CheckDocument, DmResult, MountsResult, Status } from '../types';
import { withVolumeLeftovers } from '../dm/vmid-reuse';
import type { VolumesResult } from '../volumes/volume-types';

/** Monitoring order of severity: OK < WARNING < UNKNOWN < CRITICAL. */
const RANK: Record<Status, number> = { 0: 0, 1: 1, 3: 2, 2: 3 };

export function worstStatus(...s: Status[]): Status {
  return s.reduce<Status>((a, b) => (RANK[b] > RANK[a] ? b : a), 0);
}

export const STATUS_WORD: Record<Status, string> = { 0: 'OK', 1: 'WARNING', 2: 'CRITICAL', 3: 'UNKNOWN' };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One line: "grade B: 2 orphans, 1 duplicate; mounts: 1 stale". */
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
    parts.push(
      `DM grade ${s.grade} (score ${s.score}): ${issues.length ? issues.join(', ') : 'no issues'}, ${s.valid} valid of ${s.total}`,
    );
  }
  if (typeof doc.mounts?.error === 'string') parts.push(`mounts could not be checked: ${doc.mounts.error}`);
  else if (doc.mounts) {
    const m = doc.mounts.summary;
    const bad = ['stale', 'missing', 'readonly', 'full'].filter((k) => (m[k] ?? 0) > 0).map((k) => `${m[k]} ${k}`);
    parts.push(`mounts: ${bad.length ? bad.join(', ') : `${doc.mounts.entries.length} ok`}`);
  }
  if (doc.volumes) parts.push(volumesSummaryLine(doc.volumes));
  return parts.join('; ');
}

export function buildCheckDocument(input: {
  node: string;
  now: Date;
  dm?: DmResult;
  mounts?: MountsResult;
  volumes?: VolumesResult;
  source?: string;
}): CheckDocument {
  // A new guest inherits LVs and ZFS/RBD/file volumes alike: the VMID-reuse part sums both.
  const dm =
    input.dm && input.volumes
      ? { ...input.dm, vmidReuse: withVolumeLeftovers(input.dm.vmidReuse, input.volumes) }
      : input.dm;
  const statuses: Status[] = [];
  if (dm) statuses.push(dm.status);
  if (input.mounts) statuses.push(input.mounts.status);
  if (input.volumes) statuses.push(input.volumes.status);
  const doc: CheckDocument = {
    schemaVersion: 1,
    generatedAt: input.now.toISOString(),
    node: input.node,
    ...(dm ? { dm } : {}),
    ...(input.mounts ? { mounts: input.mounts } : {}),
    ...(input.volumes ? { volumes: input.volumes } : {}),
    status: worstStatus(...statuses),
  };
  doc.summary = summaryLine(doc);
  if (input.source) doc.source = input.source;
  return doc;
}

/** The DM part of a run that could not look at device-mapper at all: UNKNOWN, with the reason. */
export function failedDmResult(error: string): DmResult {
  return {
    summary: {
      total: 0,
      valid: 0,
      duplicate: 0,
      orphan: 0,
      unknown: 0,
      ignored: 0,
      protected: 0,
      pending: 0,
      open: 0,
      score: 0,
      grade: 'F',
    },
    entries: [],
    guests: [],
    vmidReuse: { nextVmid: null, upcoming: [], collisions: [], leftovers: [], messages: [] },
    warnings: [],
    status: 3,
    error,
  };
}

/** "volumes: 2 orphans (40.0 GiB), 1 storage unknown" */
export function volumesSummaryLine(v: VolumesResult): string {
  const s = v.summary;
  const bits = [
    s.orphan ? `${plural(s.orphan, 'orphan')}` : '',
    s.unknown ? `${s.unknown} unknown` : '',
    s.unknownStorages ? `${plural(s.unknownStorages, 'storage')} not checked` : '',
    s.pending ? `${s.pending} pending` : '',
  ].filter(Boolean);
  return `volumes: ${bits.length ? bits.join(', ') : `${s.valid} valid`} of ${s.total}`;
}
