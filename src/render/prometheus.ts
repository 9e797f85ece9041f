// Prometheus text exposition (version 0.0.4) for node_exporter's textfile collector and
// `serve`'s /metrics. Every series of a family is present even when its value is 0, so alerts on
// "> 0" do not see gaps. Pure: the run's time and duration are passed in.

import { isCounted, listFindings, partErrors } from '../core/findings/findings';
import { guestRows } from '../core/findings/guest-rows';
import { overallOf } from '../core/findings/overall';
import { type KnownGuests, knownGuests } from '../core/node/guest-index';
import type { QuarantineListed } from '../core/vocab/quarantine-types';
import type { CheckDocument, DmReason, DmStatus, Grade } from '../core/vocab/types';
import { VERSION } from '../version';
import { Exposition, type Labels } from './exposition';
import { mountFamilies } from './prometheus-mounts';
import { spaceOf } from './quarantine';
import { volumesPrometheus } from './volumes';

/** Grade as a number, higher is better: the node's alert reads `pve_health_grade < 3`. */
export const GRADE_VALUE: Record<Grade, number> = { 'A+': 4, B: 3, C: 2, D: 1, F: 0 };

const DM_STATUSES: DmStatus[] = ['valid', 'duplicate', 'orphan', 'unknown', 'ignored'];
const STORAGE_SEVERITIES = ['critical', 'warning', 'info'] as const;

export interface PrometheusOptions {
  /** How long the check took. */
  durationSeconds?: number;
  /** When the run ended (Unix seconds); default: the document's generatedAt. */
  timestampSeconds?: number;
}

/**
 * The node's verdict over every part (core/findings/overall.ts): grade and score (absent while a part
 * is not checked: no number that reads healthy), the findings per guest of every part, and each
 * counted finding about a guest volume, labelled by its volume ID first.
 */
function overallFamilies(x: Exposition, doc: CheckDocument): void {
  const known = knownGuests(doc);
  const findings = listFindings(doc, known);
  const o = overallOf(doc, findings);
  if (o.grade !== null) {
    x.family('pve_health_grade', 'Node grade over every part as a number: 4 A+, 3 B, 2 C, 1 D, 0 F.', [
      [{}, GRADE_VALUE[o.grade]],
    ]);
    x.family('pve_health_score', 'Node score over every part, 0 to 100.', [[{}, o.score ?? 0]]);
  }
  x.family(
    'pve_health_guest_issues',
    'Findings that count per guest, of every part (its volumes on every storage, storage findings, its mounts).',
    // `id` as prometheus-pve-exporter labels guests ("qemu/100", "lxc/101"), for joins.
    // A VMID no config names anywhere (a leftover's) is no VM and no CT: its type is "unknown", no id to join.
    guestRows(doc, findings, known).map((g) => [
      g.status === 'missing'
        ? { id: '', vmid: g.vmid, type: 'unknown', name: g.name }
        : { id: `${g.type}/${g.vmid}`, vmid: g.vmid, type: g.type, name: g.name },
      g.issues,
    ]),
  );
  const volumeFindings = findings.filter((f) => f.volume && isCounted(f) && !f.layerOf);
  x.family(
    'pve_health_volume_finding',
    'Monitoring state (1 WARNING, 2 CRITICAL, 3 UNKNOWN) of each counted finding about a guest volume, by volume ID and subject (the volume ID with its @snapshot or trash ID).',
    volumeFindings.map((f) => [
      {
        volume: f.volume,
        // The volume ID and what narrows it (`@snapshot`, `#trash:<id>`): two leftover snapshots of one
        // volume are two series (node_exporter drops a series it collected twice).
        subject: f.subject,
        id: f.vmid === null ? '' : guestId(known, f.vmid),
        part: f.part,
        status: f.status,
        reason: f.reason,
        dm_name: f.dmName ?? '',
      },
      f.severity,
    ]),
  );
}

/** "qemu/100", "lxc/110" (prometheus-pve-exporter's id); '' for a VMID no config names: no guest to join. */
function guestId(known: KnownGuests, vmid: number): string {
  const g = known.get(vmid);
  return g && g.status !== 'missing' ? `${g.type}/${vmid}` : '';
}

export function renderPrometheus(doc: CheckDocument, opts: PrometheusOptions = {}): string {
  const x = new Exposition();
  const ts = opts.timestampSeconds ?? Date.parse(doc.generatedAt) / 1000;
  x.family('pve_health_info', 'Node the metrics describe (value always 1).', [
    [{ node: doc.node, source: doc.source ?? 'live' }, 1],
  ]);
  // The *_build_info convention (Prometheus' own, node_exporter's): the version as a label, value 1, so
  // `count by (version) (pve_health_build_info)` shows which nodes still run an old release.
  x.family('pve_health_build_info', 'The pve-health version that produced these metrics (value always 1).', [
    [{ version: VERSION }, 1],
  ]);
  x.family('pve_health_status', 'Overall monitoring status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.', [
    [{}, doc.status],
  ]);
  overallFamilies(x, doc);
  // Acknowledged findings (`pve-health ack`) no longer count in pve_health_status; this says how many.
  x.family(
    'pve_health_acknowledged_findings',
    'Findings silenced by an acknowledgement (they do not count in pve_health_status).',
    [[{}, doc.acknowledged?.length ?? 0]],
  );
  // Quarantined volumes (`reclaim`) per storage: counted as no orphan, so they show here, with their
  // space and how many are past the retention (an alert on `due > 0` reminds to purge or restore).
  const byStorage = new Map<string, QuarantineListed[]>();
  for (const v of doc.quarantine?.volumes ?? []) byStorage.set(v.storage, [...(byStorage.get(v.storage) ?? []), v]);
  const perStorage = (f: (vs: QuarantineListed[]) => number): [Labels, number][] =>
    [...byStorage].map(([storage, vs]) => [{ storage }, f(vs)]);
  x.family(
    'pve_health_quarantined_volumes',
    'Volumes in pve-health quarantine (reclaim) per storage; they do not count as orphans.',
    perStorage((vs) => vs.length),
  );
  // Two figures, never one for the other (core/text/size-figures.ts): what the volumes can hold, and what
  // they take on the storage now (only where the listing says: ZFS, files; LVs and RBD images do not).
  x.family(
    'pve_health_quarantined_bytes',
    'Provisioned size of quarantined volumes per storage (the sum of the volumes whose size is known).',
    perStorage((vs) => spaceOf(vs).provisionedBytes),
  );
  x.family(
    'pve_health_quarantined_used_bytes',
    'Space quarantined volumes take on their storage now, per storage (the sum of those whose listing gives it).',
    // A storage none of whose listings gives the figure has no series: 0 would read as "takes nothing".
    perStorage((vs) => spaceOf(vs).usedBytes).filter(([l]) =>
      byStorage.get(String(l.storage))?.some((v) => v.usedBytes !== null),
    ),
  );
  x.family(
    'pve_health_quarantined_due_volumes',
    'Quarantined volumes past [reclaim] retention_days (pve-health reclaim --purge may destroy them).',
    // One a guest config of another node names is held (render/quarantine.ts heldOf): no purge may destroy it.
    perStorage((vs) => vs.filter((v) => v.due && !v.namedOn).length),
  );
  // Every failed notification delivery (a channel that failed, or a way the PVE channel fell back from),
  // from notify-state.json: an alert on increase() sees alerts that reached no one.
  const nf = doc.notifyFailures;
  x.family(
    'pve_health_notify_failures_total',
    'Failed notification deliveries of this node (a channel that failed, or a fallback the PVE channel needed).',
    [[{}, nf?.total ?? 0]],
    'counter',
  );
  const lastFailure = nf?.last ? Date.parse(nf.last.at) / 1000 : Number.NaN;
  if (Number.isFinite(lastFailure))
    x.family(
      'pve_health_notify_last_failure_timestamp_seconds',
      'Unix time of the last failed notification delivery.',
      [[{ channel: nf?.last?.channel ?? '' }, lastFailure]],
    );
  if (Number.isFinite(ts))
    x.family('pve_health_last_run_timestamp_seconds', 'Unix time of the last check.', [[{}, ts]]);
  if (opts.durationSeconds !== undefined) {
    x.family('pve_health_run_duration_seconds', 'How long the last check took.', [
      [{}, Math.round(opts.durationSeconds * 1000) / 1000],
    ]);
  }

  // node_exporter's convention: an `up`-style gauge per part (1 checked, 0 could not check), and for a
  // part that failed a label-free gauge whose HELP text carries the reason; series of a failed part
  // are left out rather than exported as zeros that look healthy.
  const failed = new Map(partErrors(doc).map((f) => [f.part, f.error]));
  const parts = (['dm', 'mounts', 'volumes'] as const).filter((p) => doc[p] !== undefined);
  x.family(
    'pve_health_up',
    'Whether each part could be checked (1) or not (0: pve_health_status is 3 and pve_health_<part>_check_failed says why).',
    parts.map((p) => [{ part: p }, failed.has(p) ? 0 : 1]),
  );
  for (const [p, why] of failed)
    x.family(`pve_health_${p}_check_failed`, `The ${p} part could not be checked: ${why}`, [[{}, 1]]);

  const dm = doc.dm && !doc.dm.error ? doc.dm : undefined;
  if (doc.dm?.error)
    x.family('pve_health_dm_status', 'Device-mapper status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.', [[{}, 3]]);
  if (dm) {
    const s = dm.summary;
    x.family('pve_health_dm_status', 'Device-mapper status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.', [
      [{}, dm.status],
    ]);
    // A number without a label: a grade label would start a new series at every change. A part not
    // fully checked has no grade: its counts are a lower bound, a grade from them would read healthy.
    if (dm.status !== 3) {
      x.family(
        'pve_health_dm_grade',
        'The device-mapper part alone, graded as a number (4 A+, 3 B, 2 C, 1 D, 0 F); the node: pve_health_grade.',
        [[{}, GRADE_VALUE[s.grade] ?? 0]],
      );
      x.family('pve_health_dm_score', 'The device-mapper part alone, scored 0 to 100; the node: pve_health_score.', [
        [{}, s.score],
      ]);
    }
    // A part of the view that could not be checked (thin pools' kernel state when dmsetup status
    // failed): 0 normally; the JSON's dm.unchecked and the text output say what and why.
    x.family(
      'pve_health_dm_unchecked',
      'Parts of the device-mapper view that could not be checked (the DM status is then UNKNOWN unless something worse was found).',
      [[{}, dm.unchecked?.length ?? 0]],
    );
    x.family(
      'pve_health_dm_entries',
      "Device-mapper devices and LVs by status (the part summary's counts: a pending one is in pve_health_dm_pending).",
      // The summary's counts, computed once (the JSON, Nagios and the text print them): an alert on
      // orphans does not fire for one a running PVE operation explains.
      DM_STATUSES.map((st) => [{ status: st }, s[st]]),
    );
    const byReason = new Map<string, number>();
    for (const e of dm.entries) {
      const k = `${e.status}\u0000${e.reason}`;
      byReason.set(k, (byReason.get(k) ?? 0) + 1);
    }
    x.family(
      'pve_health_dm_entries_by_reason',
      'Device-mapper devices and LVs by status and reason.',
      [...byReason].sort().map(([k, n]) => {
        const [status, reason] = k.split('\u0000') as [DmStatus, DmReason];
        return [{ status, reason }, n];
      }),
    );
    x.family('pve_health_dm_protected', 'Entries never acted on (running guest, open device, pending operation).', [
      [{}, s.protected],
    ]);
    x.family(
      'pve_health_dm_pending',
      'Entries explained by a running PVE operation (not counted in grade or status).',
      [[{}, s.pending]],
    );
    x.family('pve_health_dm_open', 'Devices that are open.', [[{}, s.open]]);
    if (dm.storage) {
      const storage = dm.storage;
      x.family(
        'pve_health_storage_findings',
        'Storage health findings (thin pools, locks, ...) by severity.',
        STORAGE_SEVERITIES.map((sev) => [{ severity: sev }, storage.filter((f) => f.severity === sev).length]),
      );
      const byKind = new Map<string, number>();
      for (const f of storage)
        byKind.set(`${f.kind}\u0000${f.severity}`, (byKind.get(`${f.kind}\u0000${f.severity}`) ?? 0) + 1);
      x.family(
        'pve_health_storage_findings_by_kind',
        'Storage health findings by kind and severity.',
        [...byKind].sort().map(([k, n]) => {
          const [kind, severity] = k.split('\u0000');
          return [{ kind, severity }, n];
        }),
      );
    }
  }

  if (doc.mounts) {
    x.family('pve_health_mounts_status', 'Remote mount status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.', [
      [{}, doc.mounts.status],
    ]);
  }
  if (doc.mounts && !failed.has('mounts')) mountFamilies(x, doc.mounts);
  volumesPrometheus(doc, (n, h, smp) => x.family(n, h, smp));
  return x.text();
}
