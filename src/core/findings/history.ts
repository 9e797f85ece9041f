// The scan history `serve` keeps in its state dir: per part (dm, mounts, volumes) the status and finding
// counts of the last scans, for the dashboard's sparklines, and the finding keys of the last two
// scans, for its "new since the last scan" markers. Pure: the service reads and writes the file.
import type { Status } from '../vocab/types';
import { isCounted } from './findings';

export interface HistoryPoint {
  /** ISO time the scan finished. */
  at: string;
  status: Status;
  critical: number;
  warning: number;
  unknown: number;
  acknowledged: number;
  /** Finding keys; kept only on the newest two points of a part (the rest need counts only). */
  keys?: string[];
}

export type HistoryPart = 'dm' | 'mounts' | 'volumes';

export interface History {
  version: 1;
  dm: HistoryPoint[];
  mounts: HistoryPoint[];
  /** Guest volumes on ZFS, Ceph RBD and file storages (absent in files of earlier versions). */
  volumes: HistoryPoint[];
}

/** How many scans of a part the history keeps (a day of hourly scans, an hour of 75 s ones…). */
export const HISTORY_POINTS = 48;

export function emptyHistory(): History {
  return { version: 1, dm: [], mounts: [], volumes: [] };
}

/** The counted findings of one part at one scan. */
export interface ScanFindings {
  key: string;
  severity: Status;
  pending: boolean;
  acknowledged: boolean;
}

export function historyPoint(at: Date, status: Status, findings: ScanFindings[]): HistoryPoint {
  const counted = findings.filter(isCounted);
  return {
    at: at.toISOString(),
    status,
    critical: counted.filter((f) => f.severity === 2).length,
    warning: counted.filter((f) => f.severity === 1).length,
    unknown: counted.filter((f) => f.severity === 3).length,
    acknowledged: findings.filter((f) => f.acknowledged).length,
    keys: findings.filter((f) => !f.pending).map((f) => f.key),
  };
}

export function recordScan(h: History, part: HistoryPart, point: HistoryPoint, max = HISTORY_POINTS): History {
  const points = [...h[part], point].slice(-max);
  // Keys only where "new since the last scan" needs them: the newest two.
  const trimmed = points.map((p, i) => (i < points.length - 2 ? withoutKeys(p) : p));
  return { ...h, [part]: trimmed };
}

function withoutKeys(p: HistoryPoint): HistoryPoint {
  const { keys: _keys, ...rest } = p;
  return rest;
}

/** Keys of the newest scan that the scan before did not have; none after the first scan. */
export function newSinceLastScan(h: History, part: HistoryPart): string[] {
  const pts = h[part];
  if (pts.length < 2) return [];
  const before = new Set(pts[pts.length - 2].keys ?? []);
  return (pts[pts.length - 1].keys ?? []).filter((k) => !before.has(k));
}

/** The history for the API: counts only, the keys stay in the service. */
export function historyForApi(h: History): { dm: HistoryPoint[]; mounts: HistoryPoint[]; volumes: HistoryPoint[] } {
  return { dm: h.dm.map(withoutKeys), mounts: h.mounts.map(withoutKeys), volumes: h.volumes.map(withoutKeys) };
}

const STATUSES = [0, 1, 2, 3];

// {"version":1,"dm":[{"at":"2026-03-14T09:26:53.000Z","status":2,"critical":2,"warning":9,"unknown":0,"acknowledged":0}],"mounts":[]}
export function parseHistory(text: string): History {
  const raw = JSON.parse(text) as Partial<Record<string, unknown>>;
  if (raw.version !== 1) throw new Error('not a pve-health history file (version 1)');
  const part = (x: unknown): HistoryPoint[] =>
    (Array.isArray(x) ? x : []).filter(
      (p): p is HistoryPoint =>
        typeof p?.at === 'string' &&
        STATUSES.includes(p.status) &&
        ['critical', 'warning', 'unknown', 'acknowledged'].every((k) => Number.isInteger(p[k])),
    );
  return {
    version: 1,
    dm: part(raw.dm).slice(-HISTORY_POINTS),
    mounts: part(raw.mounts).slice(-HISTORY_POINTS),
    volumes: part(raw.volumes).slice(-HISTORY_POINTS),
  };
}
