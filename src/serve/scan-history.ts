// serve's memory of its last scans (src/core/findings/history.ts), kept in the state dir so a restart does not
// forget it: <root>/var/lib/pve-health/serve-history.json, mode 0600. With --demo or --from the
// scans are replays, so the history stays in memory and nothing is written.
// The file is written off the event loop, one write at a time, and only the newest history when scans
// finished meanwhile: its flush to disk (on a busy ZFS pool, milliseconds to seconds) held up every
// request, /healthz included, once per scan of each part.

import { documentPartOf, listFindings } from '../core/findings/findings';
import {
  emptyHistory,
  type History,
  type HistoryPart,
  historyPoint,
  parseHistory,
  recordScan,
} from '../core/findings/history';
import type { CheckDocument, Status } from '../core/vocab/types';
import type { Host } from '../host/host';
import { readStateFile, statePath, writeStateFileAsync } from '../host/state-file';
import type { DocumentParts } from './routes';
import type { Part, Service } from './service';

export const HISTORY_FILE = 'serve-history.json';

export interface ScanHistory {
  get(): History;
  /** Record a finished scan of one part: its document, or the error of a failed scan. */
  record(part: HistoryPart, doc: CheckDocument | null, at: Date): void;
  /** Settles once the file holds the history as recorded so far (at shutdown). */
  flush(): Promise<void>;
}

export function createScanHistory(opts: {
  host: Pick<Host, 'root'>;
  persist: boolean;
  warn: (message: string) => void;
}): ScanHistory {
  const path = statePath(opts.host, HISTORY_FILE);
  let history = emptyHistory();
  if (opts.persist) {
    const r = readStateFile(path, parseHistory, emptyHistory);
    if (r.error) opts.warn(`scan history starts empty: ${r.error}`);
    history = r.value;
  }
  let warned = false;
  // Whether the file lags the history, and the write in progress: the history is serialised when its
  // write starts, so scans recorded meanwhile are written once, together.
  let dirty = false;
  let writing: Promise<void> | null = null;
  const writeQueued = async () => {
    while (dirty) {
      dirty = false;
      try {
        await writeStateFileAsync(path, `${JSON.stringify(history)}\n`);
      } catch (e) {
        // Said once: the dashboard still shows the history of this run.
        if (!warned) opts.warn(`cannot write the scan history ${path}: ${(e as Error).message}`);
        warned = true;
      }
    }
    writing = null;
  };
  return {
    get: () => history,
    record(part, doc, at) {
      const prev = history[part][history[part].length - 1];
      const point = doc ? pointOf(part, doc, at) : failedPoint(at, prev?.keys);
      history = recordScan(history, part, point);
      if (!opts.persist) return;
      dirty = true;
      writing ??= writeQueued();
    },
    flush: async () => {
      while (writing) await writing;
    },
  };
}

function pointOf(part: HistoryPart, doc: CheckDocument, at: Date) {
  const mine = listFindings(doc).filter((f) => documentPartOf(f.part) === part);
  const status =
    (part === 'dm' ? doc.dm?.status : part === 'volumes' ? doc.volumes?.status : doc.mounts?.status) ?? doc.status;
  return historyPoint(
    at,
    status,
    mine.map((f) => ({ key: f.key, severity: f.severity, pending: f.pending, acknowledged: Boolean(f.acknowledged) })),
  );
}

/** A failed scan: UNKNOWN; it keeps the keys of the scan before, so the next one marks nothing new by mistake. */
function failedPoint(at: Date, keys: string[] | undefined) {
  return { ...historyPoint(at, 3 as Status, []), unknown: 1, keys: keys ?? [] };
}

/**
 * The service's onScan: the part's last result as a document (acknowledgements applied by
 * buildDocument), or UNKNOWN when the scan failed (the service keeps the previous result then).
 */
export function recordServiceScan(
  history: ScanHistory,
  service: Service,
  part: Part,
  buildDocument: (parts: DocumentParts) => CheckDocument,
): void {
  // Every part has its row: device-mapper, mounts and the guest volumes on ZFS/RBD/file storages.
  const st = service.state(part);
  const at = st.lastFinishedAt ?? new Date();
  if (st.error || !st.result) {
    history.record(part, null, at);
    return;
  }
  const only: DocumentParts =
    part === 'dm'
      ? { dm: service.state('dm').result, mounts: null, scannedAt: at }
      : part === 'volumes'
        ? { dm: null, mounts: null, volumes: service.state('volumes').result, scannedAt: at }
        : { dm: null, mounts: service.state('mounts').result, scannedAt: at };
  history.record(part, buildDocument(only), at);
}
