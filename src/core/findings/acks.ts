// Acknowledged findings (`pve-health ack`): an admin has seen a finding, says why, and silences it
// until a time. Pure: the ack file's text, the findings and `now` go in; which findings are silenced
// and the statuses that remain come out. Never fail open: an UNKNOWN finding or a part that could not
// be checked is never silenced, and an ack only holds while the finding is the same one (its key
// names the status and reason) and no worse than when it was acknowledged.

import { SEVERITY_RANK, worstStatus } from '../vocab/status';
import type { AcknowledgedFinding, CheckDocument, Status } from '../vocab/types';
import { FINDING_KEY } from './finding-keys';
import { documentPartOf, type Finding } from './findings';

/** One acknowledgement as stored in the state dir's acks.json. */
export interface Ack {
  /** The finding key (core/findings/finding-keys.ts), e.g. "dm:orphan:guest-missing:pve-vm--150--disk--0". */
  key: string;
  reason: string;
  /** ISO time the ack expires. */
  until: string;
  /** ISO time it was made. */
  at: string;
  /** The finding's severity then: a finding that got worse is no longer acknowledged. */
  severity: Status;
  /** What the finding was about (for `ack --list` when the finding is gone). */
  subject?: string;
}

export interface AckFile {
  version: 1;
  acks: Ack[];
}

/** The parts of a finding the ack decision needs (a Finding of findings.ts has them). */
export interface AckableFinding {
  key: string;
  part: Finding['part'];
  subject: string;
  severity: Status;
  pending: boolean;
  /** Earlier keys of the same finding (a DM finding's DM-name key): an ack stored under one still holds. */
  aliases?: string[];
}

/**
 * Can this finding be acknowledged? Only one that counts and is known: a pending one does not count
 * anyway, and an UNKNOWN one (something could not be checked) is never silenced.
 */
export function isAckable(f: Pick<AckableFinding, 'severity' | 'pending'>): boolean {
  return !f.pending && f.severity !== 0 && f.severity !== 3;
}

export function emptyAckFile(): AckFile {
  return { version: 1, acks: [] };
}

// {"version":1,"acks":[{"key":"mount:missing:host::/mnt/usb","reason":"disk at repair","until":"…","at":"…","severity":2}]}
export function parseAckFile(text: string): AckFile {
  if (!text.trim()) return emptyAckFile();
  const raw = JSON.parse(text) as { version?: unknown; acks?: unknown };
  if (raw.version !== 1 || !Array.isArray(raw.acks)) throw new Error('not a pve-health acks file (version 1)');
  const acks: Ack[] = [];
  for (const a of raw.acks as Record<string, unknown>[]) {
    const ok =
      typeof a?.key === 'string' &&
      FINDING_KEY.test(a.key) &&
      typeof a.reason === 'string' &&
      typeof a.until === 'string' &&
      !Number.isNaN(Date.parse(a.until)) &&
      typeof a.at === 'string' &&
      [0, 1, 2].includes(a.severity as number);
    if (!ok) throw new Error(`malformed acknowledgement: ${JSON.stringify(a).slice(0, 200)}`);
    acks.push({
      key: a.key as string,
      reason: a.reason as string,
      until: a.until as string,
      at: a.at as string,
      severity: a.severity as Status,
      ...(typeof a.subject === 'string' ? { subject: a.subject } : {}),
    });
  }
  return { version: 1, acks };
}

export function serializeAckFile(file: AckFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
/** The longest silence: a forgotten ack must come back within a year. */
export const MAX_ACK_MS = 366 * 86_400_000;

// "7d", "12h", "1d12h", "2w", "90m"
export function parseDuration(text: string): number {
  const t = text.trim();
  if (!/^(\d+[mhdw])+$/.test(t)) throw new Error(`'${text}' is not a duration like 30m, 12h, 7d or 2w`);
  let ms = 0;
  for (const m of t.matchAll(/(\d+)([mhdw])/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  if (ms <= 0) throw new Error(`'${text}': a duration must be longer than 0`);
  if (ms > MAX_ACK_MS) throw new Error(`'${text}': at most 366 days (an acknowledgement must expire)`);
  return ms;
}

/** Add (or replace) the ack of one finding; refuses what may not be silenced. */
export function planAck(
  file: AckFile,
  finding: AckableFinding,
  input: { reason: string; durationMs: number; now: Date },
): AckFile {
  if (finding.severity === 3)
    throw new Error(`${finding.key} is UNKNOWN: something could not be checked, and that cannot be acknowledged`);
  if (finding.severity === 0) throw new Error(`${finding.key} needs no acknowledgement (it does not count)`);
  if (!input.reason.trim()) throw new Error('an acknowledgement needs a reason (--reason "…")');
  const ack: Ack = {
    key: finding.key,
    reason: input.reason.trim(),
    until: new Date(input.now.getTime() + input.durationMs).toISOString(),
    at: input.now.toISOString(),
    severity: finding.severity,
    subject: finding.subject,
  };
  const mine = new Set([finding.key, ...(finding.aliases ?? [])]);
  return { version: 1, acks: [...file.acks.filter((a) => !mine.has(a.key)), ack] };
}

export function removeAck(file: AckFile, key: string): { file: AckFile; removed: boolean } {
  const acks = file.acks.filter((a) => a.key !== key);
  return { file: { version: 1, acks }, removed: acks.length !== file.acks.length };
}

export function isExpired(ack: Ack, now: Date): boolean {
  return Date.parse(ack.until) <= now.getTime();
}

/** The ack that silences this finding now, if any. */
export function ackFor(finding: AckableFinding, acks: Ack[], now: Date): Ack | null {
  if (!isAckable(finding)) return null;
  const a = acks.find((x) => x.key === finding.key) ?? acks.find((x) => finding.aliases?.includes(x.key));
  if (!a || isExpired(a, now)) return null;
  // Worse than when acknowledged (a warning that became critical): the admin has not seen this one.
  return SEVERITY_RANK[finding.severity] > SEVERITY_RANK[a.severity] ? null : a;
}

/**
 * The document with its acknowledged findings listed and the statuses they no longer raise. A part
 * keeps its status unless its findings explain it completely (the worst finding has the part's
 * status); an UNKNOWN part is never lowered.
 */
export function acknowledgeDocument(
  input: CheckDocument,
  findings: AckableFinding[],
  acks: Ack[],
  now: Date,
): CheckDocument {
  // Decided afresh each time: a part acknowledged before (serve's dm child) starts from its own status.
  const doc = withoutAcks(input);
  const acked: AcknowledgedFinding[] = [];
  const silenced = new Set<string>();
  for (const f of findings) {
    const a = ackFor(f, acks, now);
    if (!a) continue;
    silenced.add(f.key);
    acked.push({
      key: f.key,
      part: f.part,
      subject: f.subject,
      severity: f.severity,
      reason: a.reason,
      until: a.until,
      at: a.at,
    });
  }
  if (acked.length === 0) return doc;
  const out: CheckDocument = { ...doc, acknowledged: acked };
  const residual = (part: 'dm' | 'mounts' | 'volumes', status: Status): Status => {
    if (status === 3 || status === 0) return status;
    const mine = findings.filter((f) => !f.pending && documentPartOf(f.part) === part);
    if (worstStatus(...mine.map((f) => f.severity)) !== status) return status;
    return worstStatus(...mine.filter((f) => !silenced.has(f.key)).map((f) => f.severity));
  };
  if (doc.dm) out.dm = { ...doc.dm, status: residual('dm', doc.dm.status), statusWithoutAcks: doc.dm.status };
  if (doc.mounts)
    out.mounts = { ...doc.mounts, status: residual('mounts', doc.mounts.status), statusWithoutAcks: doc.mounts.status };
  if (doc.volumes)
    out.volumes = {
      ...doc.volumes,
      status: residual('volumes', doc.volumes.status),
      statusWithoutAcks: doc.volumes.status,
    };
  const parts: Status[] = [out.dm?.status, out.mounts?.status, out.volumes?.status].filter(
    (s): s is Status => s !== undefined,
  );
  // A cluster document's status comes from its findings (an UNKNOWN node is one, never silenced).
  const cluster = findings.filter((f) => f.part === 'cluster' && !f.pending && !silenced.has(f.key));
  const clusterOnly = !doc.dm && !doc.mounts && !doc.volumes;
  out.status = clusterOnly && doc.status === 3 ? 3 : worstStatus(...parts, ...cluster.map((f) => f.severity));
  // Never raise, only lower: acknowledging cannot make a document worse than it was.
  if (SEVERITY_RANK[out.status] > SEVERITY_RANK[doc.status]) out.status = doc.status;
  out.statusWithoutAcks = doc.status;
  return out;
}

/** The document as its checks left it: part statuses from before any acknowledgement. */
function withoutAcks(doc: CheckDocument): CheckDocument {
  const { acknowledged: _a, statusWithoutAcks: _s, ...rest } = doc;
  const out: CheckDocument = { ...rest };
  const statuses: Status[] = [];
  if (doc.dm) {
    const { statusWithoutAcks, ...dm } = doc.dm;
    out.dm = { ...dm, status: statusWithoutAcks ?? dm.status };
    statuses.push(out.dm.status);
  }
  if (doc.mounts) {
    const { statusWithoutAcks, ...mounts } = doc.mounts;
    out.mounts = { ...mounts, status: (statusWithoutAcks as Status | undefined) ?? mounts.status };
    statuses.push(out.mounts.status);
  }
  if (doc.volumes) {
    const { statusWithoutAcks, ...volumes } = doc.volumes;
    out.volumes = { ...volumes, status: statusWithoutAcks ?? volumes.status };
    statuses.push(out.volumes.status);
  }
  out.status = doc.statusWithoutAcks ?? (statuses.length ? worstStatus(...statuses, doc.status) : doc.status);
  return out;
}
