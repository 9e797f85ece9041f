// `serve --cluster`: every interval, a child `pve-health cluster --json` with the service's own
// --root/--config (so the same [cluster] ssh settings, timeouts and concurrency), one at a time.
// The child bounds every node by node_timeout; its own deadline here only catches the
// unexpected. The last document stays served while a scan runs or after one failed.
import type { ClusterDocument } from '../core/cluster/cluster-merge';
import { lastLine } from '../core/vocab/errors';
import type { Exec } from '../host/exec';
import type { ClusterMetricsState } from '../render/cluster-metrics';

export interface ClusterScanOptions {
  exec: Exec;
  argv: string[];
  intervalMs: number;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  now: () => Date;
}

export interface ClusterScanner {
  start(): void;
  stop(): void;
  /** Run one scan now (tests; the schedule uses it too). */
  scanOnce(): Promise<void>;
  state(): ClusterMetricsState & { running: boolean; scans: number };
}

export function parseClusterDocument(stdout: string, stderr: string, code: number): ClusterDocument {
  let doc: ClusterDocument | null = null;
  try {
    doc = JSON.parse(stdout) as ClusterDocument;
  } catch {
    doc = null;
  }
  if (doc?.kind !== 'pve-health-cluster' || !Array.isArray(doc.nodes)) {
    throw new Error(lastLine(stderr) || `cluster scan exited ${code} without a result`);
  }
  // A scan that could not run prints its UNKNOWN document with the reason: the scan failed.
  if (typeof doc.error === 'string') throw new Error(doc.error);
  return doc;
}

export function createClusterScanner(opts: ClusterScanOptions): ClusterScanner {
  let doc: ClusterDocument | null = null;
  let error: string | null = null;
  let lastScanSeconds: number | null = null;
  let running: Promise<void> | null = null;
  let scans = 0;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const scanOnce = () => {
    if (running) return running;
    running = (async () => {
      try {
        const r = await opts.exec(opts.argv, { timeoutMs: opts.timeoutMs, env: opts.env, okCodes: 'any' });
        doc = parseClusterDocument(r.stdout, r.stderr, r.code);
        error = null;
      } catch (e) {
        error = (e as Error).message;
      } finally {
        scans++;
        lastScanSeconds = opts.now().getTime() / 1000;
        running = null;
      }
    })();
    return running;
  };
  const loop = async () => {
    await scanOnce();
    if (!stopped) {
      timer = setTimeout(loop, opts.intervalMs);
      timer.unref();
    }
  };
  return {
    start() {
      stopped = false;
      void loop();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    scanOnce,
    state: () => ({ doc, error, lastScanSeconds, running: running !== null, scans }),
  };
}
