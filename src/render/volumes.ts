// The volumes part in every output form: console text, Nagios/Checkmk lines and perfdata, Prometheus
// families. Pure. An UNKNOWN part or storage always says why.

import { listFindings } from '../core/findings/findings';
import { formatBytes } from '../core/text/format-bytes';
import { STATUS_WORD } from '../core/vocab/status';
import type { CheckDocument, Status } from '../core/vocab/types';
import { paint, renderTable, STATUS_STYLE as STYLE, type TextOptions, withoutAcksNote } from './text';
import { wrapText } from './wrap';

/** Acknowledged volume findings by subject (`pve-health ack`; core/findings/acks.ts decided which). */
export function acknowledgedVolumes(doc: CheckDocument): Map<string, { reason: string; until: string }> {
  const out = new Map<string, { reason: string; until: string }>();
  for (const f of listFindings(doc)) if (f.part === 'volumes' && f.acknowledged) out.set(f.subject, f.acknowledged);
  return out;
}

/** The volumes section of the console report (its problems are listed first, problems-text.ts). */
export function renderVolumesSection(doc: CheckDocument, o: TextOptions): string {
  const v = doc.volumes;
  if (!v) return '';
  const lines: string[] = [];
  const s = v.summary;
  const acked = acknowledgedVolumes(doc);
  const without = withoutAcksNote(v);
  lines.push(
    wrapText(
      `${paint('Volumes', 'bold', o.color)} (ZFS, Ceph RBD, file storages) — ${paint(STATUS_WORD[v.status], STYLE[v.status], o.color)}${without}: ${s.valid} valid, ${s.orphan} orphan${s.orphan === 1 ? '' : 's'} (${formatBytes(s.orphanSizeBytes)})${acked.size ? `, ${acked.size} acknowledged` : ''}, ${s.unknown} unknown, ${s.ignored} ignored`,
      o.width ?? 0,
      '',
      '  ',
    ),
  );
  // Why is said in the first lines (problems-text.ts renderHeadline), once.
  if (v.error) lines.push(paint('  could not check (the reason is in the first lines)', 'blue', o.color));
  if (v.storages.length > 0 && !o.quiet) {
    lines.push(
      renderTable(
        ['STORAGE', 'TYPE', 'STATE', 'VOLUMES', 'ORPHANS', 'SIZE', 'ORPHANED'],
        v.storages.map((st) => [
          st.storage,
          st.type,
          st.status === 'ok' ? 'ok' : `unknown: ${st.error ?? ''}`,
          String(st.total),
          String(st.orphan),
          formatBytes(st.sizeBytes),
          formatBytes(st.orphanSizeBytes),
        ]),
        (r) => (v.storages[r].status === 'ok' ? null : 'blue'),
        o.color,
        o.width ?? 0,
      ),
    );
  }
  // Wrapped to the terminal like every other line of the section; the size labelled as everywhere
  // (core/text/size-figures.ts). Only the provisioned figure: the leftovers' usedBytes counts a volume
  // whose listing gives no used figure (RBD) as 0.
  for (const l of v.vmidLeftovers ?? [])
    lines.push(
      wrapText(
        `VMID ${l.vmid} is free but holds ${l.volids.length} leftover volume${l.volids.length === 1 ? '' : 's'} (${formatBytes(l.sizeBytes)} provisioned): a new guest ${l.vmid} inherits ${l.volids.length === 1 ? 'it' : 'them'} (qm disk rescan attaches, destroying deletes)`,
        o.width ?? 0,
        '  ',
        '    ',
      ),
    );
  for (const w of v.warnings) if (!o.quiet) lines.push(paint(`  note: ${w}`, 'gray', o.color));
  return lines.join('\n');
}

export interface VolumePerf {
  label: string;
  value: number;
  warn?: number;
  min?: number;
  uom?: string;
}

export function volumesPerf(doc: CheckDocument): VolumePerf[] {
  const v = doc.volumes;
  if (!v) return [];
  return [
    { label: 'volumes_total', value: v.summary.total, min: 0 },
    { label: 'volumes_orphan', value: v.summary.orphan, warn: 0, min: 0 },
    { label: 'volumes_unknown', value: v.summary.unknown, min: 0 },
    { label: 'volumes_orphan_bytes', value: v.summary.orphanSizeBytes, min: 0, uom: 'B' },
    { label: 'volumes_storages_unknown', value: v.summary.unknownStorages, min: 0 },
  ];
}

const perfText = (p: VolumePerf[]) =>
  p.map((x) => `${x.label}=${x.value}${x.uom ?? ''};${x.warn ?? ''};;${x.min ?? ''};`).join(' ');

/** One Checkmk local-check service line for the volumes part. */
export function volumesCheckmkLine(doc: CheckDocument): string | null {
  const v = doc.volumes;
  if (!v) return null;
  const s = v.summary;
  const acked = acknowledgedVolumes(doc).size;
  const text = v.error
    ? `could not check the volumes: ${v.error}`
    : `${s.orphan} orphaned of ${s.total} volumes (${formatBytes(s.orphanSizeBytes)})${acked ? `, ${acked} acknowledged (not counted)` : ''}`;
  const metrics = volumesPerf(doc)
    .map((x) => `${x.label}=${x.value};${x.warn ?? ''};;${x.min ?? ''};`)
    .join('|');
  return `${v.status} "PVE-Health volumes" ${metrics} ${text.replace(/\n/g, ' ')}`;
}

export { perfText as volumesPerfText };

type Family = (name: string, help: string, samples: [Record<string, string | number>, number][]) => void;

/** Prometheus families of the volumes part. */
export function volumesPrometheus(doc: CheckDocument, family: Family): void {
  const v = doc.volumes;
  if (!v) return;
  family('pve_health_volumes_status', 'Guest volumes part status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.', [
    [{}, v.status as Status],
  ]);
  family(
    'pve_health_volumes',
    'Guest volumes on ZFS/RBD/file storages by storage and status.',
    v.storages.flatMap((st) =>
      (['valid', 'orphan', 'unknown', 'ignored'] as const).map((status): [Record<string, string>, number] => [
        { storage: st.storage, type: st.type, status },
        // A document of an older version (a remote node's in a cluster scan) has no per-status counts.
        st[status] ?? v.entries.filter((e) => e.storage === st.storage && e.status === status && !e.snapshot).length,
      ]),
    ),
  );
  family(
    'pve_health_volumes_storage_up',
    'Whether the storage could be listed (0: its volumes are unknown).',
    v.storages.map((st) => [{ storage: st.storage, type: st.type }, st.status === 'ok' ? 1 : 0]),
  );
  family(
    'pve_health_volumes_orphan_bytes',
    'Provisioned bytes of orphaned volumes per storage.',
    v.storages.map((st) => [{ storage: st.storage, type: st.type }, st.orphanSizeBytes]),
  );
}
