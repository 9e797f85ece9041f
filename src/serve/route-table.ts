// The service's URL table (which route, and whether it needs the token), and the reduced document the
// dashboard polls. Pure.
import type { CheckDocument } from '../core/vocab/types';
import type { ScanReport } from './service';

export type RouteName =
  | 'page'
  | 'css'
  | 'js'
  | 'status'
  | 'summary'
  | 'dm'
  | 'mounts'
  | 'volumes'
  | 'metrics'
  | 'healthz'
  | 'cluster';
export const ROUTES: Record<string, { name: RouteName; public: boolean }> = {
  '/': { name: 'page', public: true },
  '/dashboard.css': { name: 'css', public: true },
  '/dashboard.js': { name: 'js', public: true },
  '/api/status': { name: 'status', public: false },
  '/api/summary': { name: 'summary', public: false },
  '/api/dm': { name: 'dm', public: false },
  '/api/mounts': { name: 'mounts', public: false },
  '/api/volumes': { name: 'volumes', public: false },
  '/metrics': { name: 'metrics', public: false },
  '/api/cluster': { name: 'cluster', public: false },
  '/healthz': { name: 'healthz', public: false },
};

export function safePath(url: string): string {
  const q = url.indexOf('?');
  return q >= 0 ? url.slice(0, q) : url;
}

/**
 * What the dashboard polls (/api/summary): the document with its view and history, each part reduced to
 * its status, summary, error and warnings (the page shows the view, never the raw entries).
 */
export function summaryDocument(full: CheckDocument): CheckDocument {
  const out: CheckDocument = { ...full };
  for (const part of ['dm', 'mounts', 'volumes'] as const) {
    const p = full[part] as Record<string, unknown> | undefined;
    if (!p) continue;
    const brief: Record<string, unknown> = {};
    for (const k of ['status', 'summary', 'error', 'warnings']) if (k in p) brief[k] = p[k];
    out[part] = brief as never;
  }
  return out;
}

/** serve --cluster in the service block: whether /api/cluster has a document yet, and the last scan. */
export interface ClusterScanReport {
  scans: number;
  running: boolean;
  /** Why the last scan failed (the previous document, if any, is still served). */
  error: string | null;
  lastScanAt: string | null;
  hasDocument: boolean;
}

/** The service block added to the API documents: when each part was scanned, and scans that overrun. */
export interface ServiceBlock {
  version: string;
  startedAt: string;
  memory?: { rssBytes: number; heapUsedBytes: number };
  dm?: ScanReport;
  mounts?: ScanReport;
  volumes?: ScanReport;
  cluster?: ClusterScanReport;
}
