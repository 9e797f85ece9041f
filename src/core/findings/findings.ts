// The findings of a CheckDocument as one flat list, worst first: what the HTML report, Nagios,
// Checkmk, the dashboard and notifications all show. Decided here, once: each finding's severity,
// its subject, and its `key`, which identifies it across runs (notify compares sets of keys, acks
// name them), so it uses names and reasons, never sizes or counters that drift. Pure.
import type { ClusterFinding } from '../cluster/cluster-merge';
import { entrySeverity } from '../dm/dm-summary';
import { shellQuote } from '../shell-quote';
import type { CheckDocument, DmEntry, DmReason, MountEntry, Status, StorageFinding } from '../types';
import { MOUNT_TEXT, mountLabel, reasonText } from './finding-words';

export interface Finding {
  key: string;
  part: 'dm' | 'storage' | 'mounts' | 'cluster' | 'volumes';
  /** 2 critical, 1 warning, 3 unknown, 0 shown but not counted (pending). */
  severity: Status;
  /** Short label: the DM name or the mount target. */
  subject: string;
  /** Status word: duplicate, orphan, unknown, storage, stale, readonly, full, missing. */
  status: string;
  reason: string;
  /** The reason in words. */
  explanation: string;
  detail: string;
  /** Shell-quoted fix command, when the tool knows one. */
  fix: string | null;
  effect: string | null;
  hint: string | null;
  pending: boolean;
  protectedBy: string[];
  vmid: number | null;
  /** PVE volume ID ("local-lvm:vm-100-disk-2") when the finding is about one. */
  volume: string | null;
  /** PVE storage ID, when known. */
  storage: string | null;
  /** Set when an admin acknowledged it (`pve-health ack`): it no longer counts until `until`. */
  acknowledged: { reason: string; until: string } | null;
}

type Given = Pick<Finding, 'key' | 'part' | 'severity' | 'subject' | 'status' | 'reason' | 'explanation' | 'detail' | 'vmid' | 'storage'> &
  Partial<Pick<Finding, 'fix' | 'effect' | 'hint' | 'pending' | 'protectedBy' | 'volume'>>;

/** A finding with the fields most leave empty filled in, always in the same order (it is serialised). */
function finding(g: Given): Finding {
  return {
    key: g.key,
    part: g.part,
    severity: g.severity,
    subject: g.subject,
    status: g.status,
    reason: g.reason,
    explanation: g.explanation,
    detail: g.detail,
    fix: g.fix ?? null,
    effect: g.effect ?? null,
    hint: g.hint ?? null,
    pending: g.pending ?? false,
    protectedBy: g.protectedBy ?? [],
    vmid: g.vmid,
    volume: g.volume ?? null,
    storage: g.storage,
    acknowledged: null,
  };
}

/** Parts of the document that could not be checked, with the reason (never fail open). */
export function partErrors(doc: CheckDocument): { part: 'dm' | 'mounts' | 'volumes'; label: string; error: string }[] {
  const out: { part: 'dm' | 'mounts' | 'volumes'; label: string; error: string }[] = [];
  if (doc.dm?.error) out.push({ part: 'dm', label: 'device-mapper', error: doc.dm.error });
  if (typeof doc.mounts?.error === 'string') out.push({ part: 'mounts', label: 'mounts', error: doc.mounts.error });
  if (doc.volumes?.error) out.push({ part: 'volumes', label: 'volumes', error: doc.volumes.error });
  return out;
}

/** Is this DM entry a finding (something an admin should look at)? */
export function isDmFinding(e: DmEntry): boolean {
  return e.status === 'duplicate' || e.status === 'orphan' || e.status === 'unknown';
}

/** The classifier's own severity when it gave one (a full mount above the critical threshold is 2). */
export function mountSeverity(m: MountEntry): Status {
  if (m.severity !== undefined && m.severity !== null) return m.severity;
  return m.status === 'stale' || m.status === 'missing' ? 2 : m.status === 'ok' ? 0 : 1;
}

const STORAGE_SEVERITY: Record<StorageFinding['severity'], Status> = { critical: 2, warning: 1, info: 0 };
/** Cluster findings' severities as monitoring states (info: explained, e.g. by a migration). */
export const CLUSTER_SEVERITY: Record<string, Status> = { critical: 2, warning: 1, unknown: 3, info: 0 };

function storageSubject(f: StorageFinding): string {
  const s = f.subject ?? {};
  if (s.device) return s.device;
  if (s.vg && s.pool) return `${s.vg}/${s.pool}`;
  if (s.vg && s.lv) return `${s.vg}/${s.lv}`;
  return s.storage ?? s.vg ?? (s.vmid !== undefined ? `guest ${s.vmid}` : f.kind);
}

function dmFindings(doc: CheckDocument): Finding[] {
  return (doc.dm?.entries ?? []).filter(isDmFinding).map((e) =>
    finding({
    key: `dm:${e.status}:${e.reason}:${e.name}`,
    part: 'dm',
    severity: entrySeverity(e),
    subject: e.name,
    status: e.status,
    reason: e.reason,
    explanation: reasonText(e.reason),
    detail: e.detail,
    fix: e.action ? shellQuote(e.action.command) : null,
    effect: e.action?.effect ?? null,
    hint: e.hint ?? null,
    pending: e.pending,
    protectedBy: e.protectedBy ?? [],
    vmid: e.vmid,
    volume: e.volume,
    storage: e.storage,
    }),
  );
}

/** Storage health findings (thin pools, locks, ...): info-level ones are not worth a line here. */
function storageFindings(doc: CheckDocument): Finding[] {
  return (doc.dm?.storage ?? [])
    .filter((f) => (STORAGE_SEVERITY[f.severity] ?? 1) !== 0)
    .map((f) =>
      finding({
      key: `storage:${f.id}`,
      part: 'storage',
      severity: STORAGE_SEVERITY[f.severity] ?? 1,
      subject: storageSubject(f),
      status: 'storage',
      reason: f.kind,
      explanation: f.title,
      detail: f.detail,
      fix: f.fix?.length ? f.fix.join('\n') : null,
      vmid: f.subject?.vmid ?? null,
      storage: f.subject?.storage ?? null,
      }),
    );
}

function mountFindings(doc: CheckDocument): Finding[] {
  return (doc.mounts?.entries ?? [])
    .filter((m) => m.status !== 'ok')
    .map((m) =>
      finding({
      key: `mount:${m.status}:${m.scope}:${m.ctid ?? ''}:${m.target}`,
      part: 'mounts',
      severity: mountSeverity(m),
      subject: mountLabel(m),
      status: m.status,
      reason: m.status,
      explanation: MOUNT_TEXT[m.reason === 'bind-outdated' ? m.reason : m.status] ?? m.status,
      // The classifier's sentence when it gave one; otherwise the facts.
      detail:
        typeof m.detail === 'string' && m.detail
          ? m.detail
          : [m.source, m.error, m.usagePercent !== null ? `${m.usagePercent}% used` : null].filter(Boolean).join(' — '),
      vmid: m.ctid,
      storage: m.storage,
      }),
    );
}

/**
 * Orphaned or unknown guest volumes on ZFS, Ceph RBD and file storages: a new leftover is news for
 * notify like a new orphaned LV. Report only: the hint names the PVE command, there is no fix to run.
 */
function volumeFindings(doc: CheckDocument): Finding[] {
  return (doc.volumes?.entries ?? [])
    .filter((e) => e.status === 'orphan' || e.status === 'unknown')
    .map((e) => {
      const subject = e.snapshot ? `${e.volid}@${e.snapshot}` : e.volid;
      return finding({
        key: `volume:${e.status}:${e.reason}:${subject}`,
        part: 'volumes',
        severity: e.pending ? 0 : e.status === 'unknown' ? 3 : 1,
        subject,
        status: e.status,
        reason: e.reason,
        explanation: reasonText(e.reason as DmReason),
        detail: e.detail,
        hint: e.hint ?? null,
        pending: e.pending,
        protectedBy: e.protectedBy ?? [],
        vmid: e.vmid,
        volume: e.volid,
        storage: e.storage,
      });
    });
}

/**
 * A cluster view as a document (`cluster --notify`, src/core/cluster/cluster-notify.ts): the findings
 * across nodes, each naming its nodes; info-level ones (explained by a migration) are left out.
 */
function clusterFindings(doc: CheckDocument): Finding[] {
  const c = doc.cluster as { findings?: ClusterFinding[] } | undefined;
  const all = Array.isArray(c?.findings) ? c.findings : [];
  return all
    .filter((f) => (CLUSTER_SEVERITY[f.severity] ?? 3) !== 0)
    .map((f) =>
      finding({
      key: `cluster:${f.id}`,
      part: 'cluster',
      severity: CLUSTER_SEVERITY[f.severity] ?? 3,
      subject: `on ${f.nodes.join(', ')}`,
      status: 'cluster',
      reason: f.kind,
      explanation: f.title,
      detail: f.detail,
      vmid: f.vmid ?? null,
      storage: null,
      }),
    );
}

/** Monitoring order of severity for sorting: CRITICAL, UNKNOWN, WARNING, then the rest. */
const RANK: Record<Status, number> = { 2: 4, 3: 3, 1: 2, 0: 1 };

export function listFindings(doc: CheckDocument): Finding[] {
  const out: Finding[] = [
    ...dmFindings(doc),
    ...storageFindings(doc),
    ...mountFindings(doc),
    ...volumeFindings(doc),
    ...clusterFindings(doc),
  ];
  // Acknowledged ones (acks.ts decided which) say so; they sort after those that count.
  const acks = new Map((doc.acknowledged ?? []).map((a) => [a.key, a]));
  for (const f of out) {
    const a = acks.get(f.key);
    if (a) f.acknowledged = { reason: a.reason, until: a.until };
  }
  return out.sort(
    (a, b) => Number(Boolean(a.acknowledged)) - Number(Boolean(b.acknowledged)) || RANK[b.severity] - RANK[a.severity],
  );
}

const PHRASE_ORDER = [
  'duplicate',
  'orphan',
  'unknown',
  'storage issue',
  'cluster finding',
  'stale mount',
  'missing mount',
  'readonly mount',
  'full mount',
];

/** "1 duplicate, 2 orphans, 1 stale mount" (pending and acknowledged ones are counted apart). */
export function findingsPhrase(doc: CheckDocument): string {
  const counts = new Map<string, number>();
  let pending = 0;
  let acknowledged = 0;
  let ackedVolumeOrphans = 0;
  for (const f of listFindings(doc)) {
    // Volumes are summed on their own below (orphaned volumes are no DM orphans); acknowledged ones
    // are counted with the other acknowledged findings.
    if (f.part === 'volumes') {
      if (f.acknowledged) {
        acknowledged++;
        if (f.status === 'orphan') ackedVolumeOrphans++;
      }
      continue;
    }
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
    .map(([w, n]) => `${n} ${w}${n === 1 ? '' : 's'}`);
  // The DM summary also counts pending entries that are not findings (e.g. a valid volume of a guest being migrated).
  const pendingCount = doc.dm ? Math.max(doc.dm.summary.pending, pending) : pending;
  if (pendingCount) parts.push(`${pendingCount} pending`);
  if (acknowledged) parts.push(`${acknowledged} acknowledged`);
  // The volumes part (ZFS/RBD/file storages) is summed on its own: its entries are no DM findings.
  if (doc.volumes) {
    const v = doc.volumes.summary;
    if (doc.volumes.status === 3) parts.push('volumes not fully checked');
    const orphans = v.orphan - ackedVolumeOrphans;
    if (orphans) parts.push(`${orphans} orphaned volume${orphans === 1 ? '' : 's'}`);
  }
  return parts.length ? parts.join(', ') : 'no issues';
}
