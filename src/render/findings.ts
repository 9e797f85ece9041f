// The findings of a CheckDocument as one flat list, worst first: what the HTML report, Nagios,
// Checkmk and notifications all show. Pure. `key` identifies a finding across runs (notify/ compares
// sets of keys), so it uses names and reasons, never sizes or counters that drift.

import type { ClusterFinding } from '../core/cluster/cluster-merge';
import type { CheckDocument, DmEntry, DmReason, MountEntry, Status, StorageFinding } from '../core/types';

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

export const STATUS_WORD: Record<Status, string> = { 0: 'OK', 1: 'WARNING', 2: 'CRITICAL', 3: 'UNKNOWN' };

const REASON_TEXT: Partial<Record<DmReason, string>> = {
  referenced: 'referenced by a guest config',
  'guest-missing': 'its guest does not exist anywhere in the cluster',
  'guest-on-other-node': 'its guest lives on another node',
  'not-referenced': 'its guest exists but no config line references this volume',
  'snapshot-missing': 'a snapshot volume whose snapshot no longer exists',
  'lv-missing': 'a device-mapper map whose logical volume is gone from LVM',
  'inactive-leftover': 'an inactive logical volume that nothing references',
  'saferemove-leftover': 'a del- volume left behind by an interrupted saferemove',
  'stale-map': 'a map under an LV name that points at old extents (lvcreate will fail with "Device or resource busy")',
  renamed: 'a map of a current LV under an old name (it blocks activation of the new name)',
  'same-target': 'a map over extents that another device also maps (two writers)',
  'lvm-incomplete': 'LVM could not be read completely, so this cannot be decided safely',
  'vg-partial': 'its volume group is missing a physical volume',
  'vg-unknown': 'its volume group is not visible to LVM (filter?)',
  suspended: 'the map is suspended: I/O to it hangs',
  'no-table': 'the map has no live table',
  'error-target': 'the map has an error target: every I/O fails',
};

export function reasonText(reason: string): string {
  return REASON_TEXT[reason as DmReason] ?? reason.replace(/-/g, ' ');
}

const MOUNT_TEXT: Record<string, string> = {
  stale: 'the mount does not answer (stale or hung)',
  readonly: 'the mount is read-only but should be writable',
  full: 'the filesystem is nearly full',
  // PVE itself does not write into an unmounted storage (it refuses an is_mountpoint dir storage and
  // mounts NFS/CIFS before use); container bind mounts and other writers do.
  missing:
    'the storage is not mounted: PVE waits for it, but container bind mounts and other writers there write to the root disk',
  'bind-outdated':
    "the container's bind mount does not show what the host has mounted at its source now: the container writes elsewhere",
};

/** Parts of the document that could not be checked, with the reason (never fail open). */
export function partErrors(doc: CheckDocument): { part: 'dm' | 'mounts' | 'volumes'; label: string; error: string }[] {
  const out: { part: 'dm' | 'mounts' | 'volumes'; label: string; error: string }[] = [];
  if (doc.dm?.error) out.push({ part: 'dm', label: 'device-mapper', error: doc.dm.error });
  if (typeof doc.mounts?.error === 'string') out.push({ part: 'mounts', label: 'mounts', error: doc.mounts.error });
  if (doc.volumes?.error) out.push({ part: 'volumes', label: 'volumes', error: doc.volumes.error });
  return out;
}

import { shellQuote } from './shell-quote';

export { shellQuote };

function dmSeverity(e: DmEntry): Status {
  if (e.pending) return 0;
  if (e.status === 'duplicate') return 2;
  if (e.status === 'unknown') return 3;
  if (e.status === 'orphan') return e.reason === 'guest-on-other-node' && e.open ? 2 : 1;
  return 0;
}

/** The classifier's own severity when it gave one (a full mount above the critical threshold is 2). */
function mountSeverity(m: MountEntry): Status {
  if (m.severity !== undefined && m.severity !== null) return m.severity;
  return m.status === 'stale' || m.status === 'missing' ? 2 : m.status === 'ok' ? 0 : 1;
}

const STORAGE_SEVERITY: Record<StorageFinding['severity'], Status> = { critical: 2, warning: 1, info: 0 };

function storageSubject(f: StorageFinding): string {
  const s = f.subject ?? {};
  if (s.device) return s.device;
  if (s.vg && s.pool) return `${s.vg}/${s.pool}`;
  if (s.vg && s.lv) return `${s.vg}/${s.lv}`;
  return s.storage ?? s.vg ?? (s.vmid !== undefined ? `guest ${s.vmid}` : f.kind);
}

/** Is this DM entry a finding (something an admin should look at)? */
export function isDmFinding(e: DmEntry): boolean {
  return e.status === 'duplicate' || e.status === 'orphan' || e.status === 'unknown';
}

export function mountLabel(m: MountEntry): string {
  return m.scope === 'ct' ? `CT ${m.ctid}:${m.target}` : m.target;
}

const RANK: Record<Status, number> = { 2: 4, 3: 3, 1: 2, 0: 1 };

export function listFindings(doc: CheckDocument): Finding[] {
  const out: Finding[] = [];
  for (const e of doc.dm?.entries ?? []) {
    if (!isDmFinding(e)) continue;
    out.push({
      key: `dm:${e.status}:${e.reason}:${e.name}`,
      part: 'dm',
      severity: dmSeverity(e),
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
      acknowledged: null,
    });
  }
  // Storage health findings (thin pools, locks, ...): info-level ones are not worth a line here.
  for (const f of doc.dm?.storage ?? []) {
    const severity = STORAGE_SEVERITY[f.severity] ?? 1;
    if (severity === 0) continue;
    out.push({
      key: `storage:${f.id}`,
      part: 'storage',
      severity,
      subject: storageSubject(f),
      status: 'storage',
      reason: f.kind,
      explanation: f.title,
      detail: f.detail,
      fix: f.fix?.length ? f.fix.join('\n') : null,
      effect: null,
      hint: null,
      pending: false,
      protectedBy: [],
      vmid: f.subject?.vmid ?? null,
      volume: null,
      storage: f.subject?.storage ?? null,
      acknowledged: null,
    });
  }
  for (const m of doc.mounts?.entries ?? []) {
    if (m.status === 'ok') continue;
    out.push({
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
      fix: null,
      effect: null,
      hint: null,
      pending: false,
      protectedBy: [],
      vmid: m.ctid,
      volume: null,
      storage: m.storage,
      acknowledged: null,
    });
  }
  // Orphaned or unknown guest volumes on ZFS, Ceph RBD and file storages: a new leftover is news for
  // notify like a new orphaned LV. Report only: the hint names the PVE command, there is no fix to run.
  for (const e of doc.volumes?.entries ?? []) {
    if (e.status !== 'orphan' && e.status !== 'unknown') continue;
    const subject = e.snapshot ? `${e.volid}@${e.snapshot}` : e.volid;
    out.push({
      key: `volume:${e.status}:${e.reason}:${subject}`,
      part: 'volumes',
      severity: e.pending ? 0 : e.status === 'unknown' ? 3 : 1,
      subject,
      status: e.status,
      reason: e.reason,
      explanation: reasonText(e.reason as DmReason),
      detail: e.detail,
      fix: null,
      effect: null,
      hint: e.hint ?? null,
      pending: e.pending,
      protectedBy: e.protectedBy ?? [],
      vmid: e.vmid,
      volume: e.volid,
      storage: e.storage,
      acknowledged: null,
    });
  }
  // A cluster view as a document (`cluster --notify`, src/core/cluster/cluster-notify.ts): the findings
  // across nodes, each naming its nodes; info-level ones (explained by a migration) are left out.
  for (const f of clusterFindingsOf(doc)) {
    const severity = CLUSTER_SEVERITY[f.severity] ?? 3;
    if (severity === 0) continue;
    out.push({
      key: `cluster:${f.id}`,
      part: 'cluster',
      severity,
      subject: `on ${f.nodes.join(', ')}`,
      status: 'cluster',
      reason: f.kind,
      explanation: f.title,
      detail: f.detail,
      fix: null,
      effect: null,
      hint: null,
      pending: false,
      protectedBy: [],
      vmid: f.vmid ?? null,
      volume: null,
      storage: null,
      acknowledged: null,
    });
  }
  // Acknowledged ones (src/core/findings/acks.ts decided which) say so; they sort after those that count.
  const acks = new Map((doc.acknowledged ?? []).map((a) => [a.key, a]));
  for (const f of out) {
    const a = acks.get(f.key);
    if (a) f.acknowledged = { reason: a.reason, until: a.until };
  }
  return out.sort(
    (a, b) => Number(Boolean(a.acknowledged)) - Number(Boolean(b.acknowledged)) || RANK[b.severity] - RANK[a.severity],
  );
}

const CLUSTER_SEVERITY: Record<string, Status> = { critical: 2, warning: 1, unknown: 3, info: 0 };

function clusterFindingsOf(doc: CheckDocument): ClusterFinding[] {
  const c = doc.cluster as { findings?: ClusterFinding[] } | undefined;
  return Array.isArray(c?.findings) ? c.findings : [];
}

/** "1 duplicate, 2 orphans, 1 stale mount" (pending entries are counted apart). */
export function summarize(doc: CheckDocument): string {
  const counts = new Map<string, number>();
  let pending = 0;
  let acknowledged = 0;
  for (const f of listFindings(doc)) {
    // Volumes are summed on their own below (orphaned volumes are no DM orphans).
    if (f.part === 'volumes') continue;
    if (f.pending) {
      pending++;
      continue;
    }
    if (f.acknowledged) {
      acknowledged++;
      continue;
    }
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
  const order = [
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
  const parts = [...counts]
    .sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]))
    .map(([w, n]) => `${n} ${w}${n === 1 ? '' : 's'}`);
  // The DM summary also counts pending entries that are not findings (e.g. a valid volume of a guest being migrated).
  const pendingCount = doc.dm ? Math.max(doc.dm.summary.pending, pending) : pending;
  if (pendingCount) parts.push(`${pendingCount} pending`);
  if (acknowledged) parts.push(`${acknowledged} acknowledged`);
  // The volumes part (ZFS/RBD/file storages) is summed on its own: its entries are no DM findings.
  if (doc.volumes) {
    const v = doc.volumes.summary;
    if (doc.volumes.status === 3) parts.push('volumes not fully checked');
    if (v.orphan) parts.push(`${v.orphan} orphaned volume${v.orphan === 1 ? '' : 's'}`);
  }
  return parts.length ? parts.join(', ') : 'no issues';
}
