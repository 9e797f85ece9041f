// The findings of a CheckDocument as one flat list, worst first, as every output form shows them. Decided
// here, once: what is a finding, its severity, subject, key (finding-keys.ts), whether it counts now. Pure.
import { type ClusterFinding, findingStatus } from '../cluster/cluster-merge';
import { entrySeverity } from '../dm/dm-summary';
import { mountSteps } from '../mounts/mount-steps';
import { type KnownGuests, knownGuests } from '../node/guest-index';
import { STORAGE_SEVERITY_STATUS } from '../storage/storage-context';
import { shellQuote } from '../text/shell-quote';
import { SEVERITY_RANK } from '../vocab/status';
import type { CheckDocument, DmEntry, DmReason, MountEntry, Status } from '../vocab/types';
import { isVolumeFinding, volumeSeverity } from '../volumes/volume-summary';
import {
  clusterKey,
  dmKey,
  dmSubject,
  dmVolumeKey,
  mountKey,
  storageKey,
  storageSubject,
  volumeKey,
  volumeSubject,
} from './finding-keys';
import { type FindingStep, stepsOf } from './finding-steps';
import { guestLabels, MOUNT_TEXT, mountLabel, reasonText } from './finding-words';
import { linkSameDisk } from './same-disk';

export type { FindingStep } from './finding-steps';

export interface Finding {
  key: string;
  part: 'dm' | 'storage' | 'mounts' | 'cluster' | 'volumes';
  /** 2 critical, 1 warning, 3 unknown, 0 shown but not counted (pending). */
  severity: Status;
  /** What an admin names it by, one per finding: the volume ID and what narrows it (`@snap`, `#trash:<id>`, `#p1`), else the DM name, the mount target. */
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
  /** Advice in words; null when `steps` say it. */
  hint: string | null;
  /** The next steps (keep the data, drop it — irreversible —, or another), each command on its own line. */
  steps: FindingStep[];
  pending: boolean;
  protectedBy: string[];
  vmid: number | null;
  /** PVE volume ID ("local-lvm:vm-100-disk-2") when the finding is about one. */
  volume: string | null;
  /** PVE storage ID, when known. */
  storage: string | null;
  /** Set when an admin acknowledged it (`pve-health ack`): it no longer counts until `until`. */
  acknowledged: { reason: string; until: string } | null;
  /** The guest in words ("VM 100 web01", "CT 110 dns1", "VM 150 (no config)"), when it is about one. */
  guest: string | null;
  /** The DM name of a device-mapper finding (a detail: the subject is its volume ID when it has one). */
  dmName: string | null;
  /** A DM layer or partition: the DM name of the LV it belongs to (its problem is that LV's). */
  layerOf: string | null;
  /** Earlier keys of the same finding, still honoured by acknowledgements (acks.json of older versions). */
  aliases: string[];
}

type Given = Pick<
  Finding,
  'key' | 'part' | 'severity' | 'subject' | 'status' | 'reason' | 'explanation' | 'detail' | 'vmid' | 'storage'
> &
  Partial<
    Pick<Finding, 'fix' | 'effect' | 'hint' | 'steps' | 'pending' | 'protectedBy' | 'volume' | 'dmName' | 'layerOf'>
  > & { aliases?: string[] };

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
    steps: g.steps ?? [],
    pending: g.pending ?? false,
    protectedBy: g.protectedBy ?? [],
    vmid: g.vmid,
    volume: g.volume ?? null,
    storage: g.storage,
    acknowledged: null,
    guest: null,
    dmName: g.dmName ?? null,
    layerOf: g.layerOf ?? null,
    aliases: g.aliases ?? [],
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
export function isDmFinding(e: Pick<DmEntry, 'status' | 'reason' | 'quarantineNamedBy'>): boolean {
  return (
    e.status === 'duplicate' ||
    e.status === 'orphan' ||
    e.status === 'unknown' ||
    e.reason === 'missing-referenced' ||
    Boolean(e.quarantineNamedBy?.length)
  );
}

export { isVolumeFinding };

// Does this finding count now (status, exit code, notifications, counts)? A pending one is explained
// by a running PVE operation; an acknowledged one is silenced until its ack expires or it changes.
export function isCounted(f: { pending: boolean; acknowledged: unknown }): boolean {
  return !f.pending && !f.acknowledged;
}

/** The document part whose status a finding raises (a cluster finding raises the cluster document's). */
export function documentPartOf(part: Finding['part']): 'dm' | 'mounts' | 'volumes' | null {
  return part === 'dm' || part === 'storage' ? 'dm' : part === 'mounts' || part === 'volumes' ? part : null;
}

/** The classifier's own severity when it gave one (a full mount above the critical threshold is 2). */
export function mountSeverity(m: MountEntry): Status {
  if (m.severity !== undefined && m.severity !== null) return m.severity;
  return m.status === 'stale' || m.status === 'missing' ? 2 : m.status === 'ok' ? 0 : 1;
}

/** A cluster finding's monitoring state (info: explained, e.g. by a migration); one it does not know is UNKNOWN. */
function clusterSeverity(f: Pick<ClusterFinding, 'severity'>): Status {
  return findingStatus(f) ?? 3;
}

// Device-mapper findings, named by their volume ID: the key leads with it (finding-keys.ts `dmVolumeKey`)
// unless two findings of one volume would share it; the DM-name key of earlier versions stays an alias.
function dmFindings(doc: CheckDocument): Finding[] {
  const issues = (doc.dm?.entries ?? []).filter(isDmFinding);
  const seen = new Map<string, number>();
  for (const e of issues) {
    const k = dmVolumeKey(e);
    if (k) seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  return issues.map((e) => {
    const byVolume = dmVolumeKey(e);
    const key = byVolume && seen.get(byVolume) === 1 ? byVolume : dmKey(e);
    return finding({
      key,
      aliases: key === dmKey(e) ? [] : [dmKey(e)],
      dmName: e.name,
      layerOf: e.parent,
      part: 'dm',
      severity: entrySeverity(e),
      subject: dmSubject(e),
      status: e.status,
      reason: e.reason,
      explanation: reasonText(e.reason),
      detail: e.detail,
      fix: e.action ? shellQuote(e.action.command) : null,
      effect: e.action?.effect ?? null,
      ...stepsOf(e),
      pending: e.pending,
      protectedBy: e.protectedBy ?? [],
      vmid: e.vmid,
      volume: e.volume,
      storage: e.storage,
    });
  });
}

/** Storage health findings (thin pools, locks, ...): info-level ones are not worth a line here. */
function storageFindings(doc: CheckDocument): Finding[] {
  return (doc.dm?.storage ?? [])
    .filter((f) => (STORAGE_SEVERITY_STATUS[f.severity] ?? 1) !== 0)
    .map((f) =>
      finding({
        key: storageKey(f),
        part: 'storage',
        severity: STORAGE_SEVERITY_STATUS[f.severity] ?? 1,
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
        key: mountKey(m),
        part: 'mounts',
        severity: mountSeverity(m),
        subject: mountLabel(m),
        status: m.status,
        reason: m.status,
        explanation: MOUNT_TEXT[m.reason === 'bind-outdated' ? m.reason : m.status] ?? m.status,
        detail:
          typeof m.detail === 'string' && m.detail
            ? m.detail
            : [m.source, m.error, m.usagePercent !== null ? `${m.usagePercent}% used` : null]
                .filter(Boolean)
                .join(' — '),
        vmid: m.ctid,
        storage: m.storage,
        ...stepsOf({ steps: m.steps ?? mountSteps(m) }),
      }),
    );
}

// Orphaned or unknown guest volumes on ZFS, Ceph RBD and file storages (news for notify like an orphaned LV).
function volumeFindings(doc: CheckDocument): Finding[] {
  return (doc.volumes?.entries ?? []).filter(isVolumeFinding).map((e) =>
    finding({
      key: volumeKey(e),
      part: 'volumes',
      severity: volumeSeverity(e),
      subject: volumeSubject(e),
      status: e.status,
      reason: e.reason,
      explanation: reasonText(e.reason as DmReason),
      detail: e.detail,
      ...stepsOf(e),
      pending: e.pending,
      protectedBy: e.protectedBy ?? [],
      vmid: e.vmid,
      volume: e.volid,
      storage: e.storage,
    }),
  );
}

// A cluster view as a document (`cluster --notify`, src/core/cluster/cluster-notify.ts): the findings
// across nodes, each naming its nodes; info-level ones (explained by a migration) are left out.
function clusterFindings(doc: CheckDocument): Finding[] {
  const c = doc.cluster as { findings?: ClusterFinding[] } | undefined;
  const all = Array.isArray(c?.findings) ? c.findings : [];
  return all
    .filter((f) => clusterSeverity(f) !== 0)
    .map((f) =>
      finding({
        key: clusterKey(f),
        part: 'cluster',
        severity: clusterSeverity(f),
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

/** `known`: knownGuests(doc), passed by a caller that looks guests up in the document again. */
export function listFindings(doc: CheckDocument, known: KnownGuests = knownGuests(doc)): Finding[] {
  const out: Finding[] = linkSameDisk(doc, [
    ...dmFindings(doc),
    ...storageFindings(doc),
    ...mountFindings(doc),
    ...volumeFindings(doc),
    ...clusterFindings(doc),
  ]);
  // Acknowledged ones (acks.ts decided which) say so; they sort after those that count, and the
  // rest worst first in monitoring order (CRITICAL, UNKNOWN, WARNING, then what does not count).
  const acks = new Map((doc.acknowledged ?? []).map((a) => [a.key, a]));
  const guests = guestLabels(known);
  for (const f of out) {
    const a = acks.get(f.key) ?? f.aliases.map((k) => acks.get(k)).find(Boolean);
    if (a) f.acknowledged = { reason: a.reason, until: a.until };
    if (f.vmid !== null && f.part !== 'cluster') f.guest = guests(f.vmid, f.part === 'mounts' ? 'lxc' : null);
  }
  return out.sort(
    (a, b) =>
      Number(Boolean(a.acknowledged)) - Number(Boolean(b.acknowledged)) ||
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity],
  );
}
