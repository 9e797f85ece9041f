// The HTTP routes of `pve-health serve`, as a function from a request to a reply (no sockets here, so
// tests call it directly too). Read-only: GET and HEAD only, no route changes anything on the node.
// Rendered bodies are cached per scan generation, gzipped once (in the thread pool, src/serve/compress.ts):
// a request costs one concatenation of the cached body and the live service block.

import { couldNotCheck } from '../core/findings/could-not-check';
import { failedDmResult } from '../core/findings/evaluate';
import { type History, historyForApi, newSinceLastScan } from '../core/findings/history';
import type { CheckDocument, DmResult, MountsResult } from '../core/vocab/types';
import type { VolumesResult } from '../core/vocab/volume-types';
import { unknownVolumes } from '../core/volumes/classify-volumes';
import type { ProcessStats } from '../host/read-process-stats';
import { dashboardView } from '../render/dashboard-view';
import { SOURCE_URL } from '../version';
import { type AuthPolicy, authorize } from './auth';
import { deflatePrefix, deflatePrefixAsync } from './compress';
import { DASHBOARD_CSS, renderDashboardHtml } from './dashboard-page';
import { DASHBOARD_JS } from './dashboard-script';
import { healthOf } from './health';
import {
  type CachedBody,
  header,
  type Reply,
  type RequestInfo,
  reply,
  staticBody,
  staticReply,
  withTail,
} from './http-replies';
import { type ClusterScanReport, ROUTES, type ServiceBlock, safePath, summaryDocument } from './route-table';

export type { ClusterScanReport, ServiceBlock };

import type { Part, Service } from './service';

export type { Reply, RequestInfo };

import { renderProcessMetrics, renderServiceMetrics } from './service-metrics';

export interface DocumentParts {
  dm: DmResult | null;
  mounts: MountsResult | null;
  volumes?: VolumesResult | null;
  /** When the newest of these results was scanned: the document's generatedAt. */
  scannedAt: Date | null;
}

export interface RouterContext {
  service: Service;
  /** The check document of design.md from the last results (a part is absent when it has none). */
  buildDocument: (parts: DocumentParts) => CheckDocument;
  /** Prometheus text of a check document (src/render/prometheus.ts). */
  renderMetrics: (doc: CheckDocument, opts: { durationSeconds?: number }) => string;
  policy: AuthPolicy;
  version: string;
  /** Where the page's "Source code" link points (config serve.source_url; default the project's homepage). */
  sourceUrl?: string;
  /** The service's own memory (process.memoryUsage), reported so operators can see it stays flat. */
  memory?: () => { rss: number; heapUsed: number };
  /** The process_* figures of this process for /metrics (src/host/read-process-stats.ts). */
  processStats?: () => ProcessStats;
  /** serve --cluster: the last cluster document, its metrics and how its scans go (src/serve/cluster-scan.ts). */
  cluster?: { json: () => string | null; metrics: () => string; report: () => ClusterScanReport };
  /** serve's scan history (state dir): sparklines and "new since the last scan" on the dashboard. */
  history?: () => History;
  /** Changes when something besides a scan changes the documents (the acknowledgements file). */
  stamp?: () => string;
}

const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const JSON_TYPE = 'application/json; charset=utf-8';
/** Bodies up to this size are gzipped when rendered; larger ones in the thread pool. */
const SYNC_GZIP_MAX = 256 * 1024;
const METRICS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function createRouter(ctx: RouterContext): (req: RequestInfo) => Reply | Promise<Reply> {
  const cache = new Map<string, CachedBody>();
  const page = staticBody(renderDashboardHtml(ctx.sourceUrl ?? SOURCE_URL));
  const css = staticBody(DASHBOARD_CSS);
  const js = staticBody(DASHBOARD_JS);

  /**
   * Why a part's result cannot be shown as current (never fail open): no scan has completed, the last
   * scan failed, or the result is older than three intervals (scans stopped or hang). null: current.
   */
  function problemOf(part: Part): string | null {
    const r = ctx.service.report(part);
    const st = ctx.service.state(part);
    if (r.error) return `the last ${part} scan failed: ${r.error}`;
    if (!st.result)
      return r.running
        ? `first scan running: the first ${part} scan has not finished yet`
        : `no ${part} scan has completed`;
    if (r.ageSeconds !== null && r.ageSeconds > 3 * r.intervalSeconds)
      return `the last ${part} result is stale: ${Math.round(r.ageSeconds)} s old (scans every ${r.intervalSeconds} s)`;
    return null;
  }

  // One cached rendering per route, rebuilt only when a scan finished since (or a part went stale). A
  // large body's gzip is made in the thread pool (never on the event loop, where it would stall every
  // request); a client that takes gzip waits for it (http-replies.ts withTail).
  function currentKey(): string {
    return `${ctx.service.parts.map((p) => `${ctx.service.state(p).generation}/${problemOf(p)}`).join('/')}/${ctx.stamp?.() ?? ''}`;
  }

  function cached(name: string, render: (key: string) => string): CachedBody {
    const key = currentKey();
    const hit = cache.get(name);
    if (hit && hit.key === key) return hit;
    const bytes = Buffer.from(render(key), 'utf8');
    // A small body (the dashboard's summary, /metrics) is compressed at once: a millisecond or two.
    const entry: CachedBody = { key, bytes, gz: bytes.length <= SYNC_GZIP_MAX ? deflatePrefix(bytes) : null };
    cache.set(name, entry);
    if (!entry.gz)
      entry.gzReady = new Promise((resolve) =>
        deflatePrefixAsync(bytes, (gz) => {
          entry.gz = gz;
          entry.gzReady = undefined;
          resolve(gz);
        }),
      );
    return entry;
  }

  function parts(only?: Part): DocumentParts {
    const dm = only && only !== 'dm' ? null : ctx.service.state('dm');
    const mounts = only && only !== 'mounts' ? null : ctx.service.state('mounts');
    const vol =
      ctx.service.parts.includes('volumes') && (!only || only === 'volumes') ? ctx.service.state('volumes') : null;
    const times = [dm, mounts, vol].map((st) => (st?.result ? (st.lastFinishedAt?.getTime() ?? 0) : 0));
    const newest = Math.max(...times);
    const dmProblem = dm ? problemOf('dm') : null;
    const mountsProblem = mounts ? problemOf('mounts') : null;
    // A part that is not current is UNKNOWN with the reason; its last result (if any) stays visible.
    const dmPart: DmResult | null = !dm
      ? null
      : dmProblem
        ? { ...(dm.result ?? failedDmResult(dmProblem)), status: 3, error: dmProblem }
        : dm.result;
    const mountsPart: MountsResult | null = !mounts
      ? null
      : mountsProblem
        ? { ...(mounts.result ?? { summary: { total: 0 }, entries: [] }), status: 3, error: mountsProblem }
        : mounts.result;
    const volProblem = vol ? problemOf('volumes') : null;
    const volumesPart: VolumesResult | null = !vol
      ? null
      : volProblem
        ? { ...(vol.result ?? unknownVolumes(volProblem)), status: 3, error: volProblem }
        : vol.result;
    return { dm: dmPart, mounts: mountsPart, volumes: volumesPart, scannedAt: newest > 0 ? new Date(newest) : null };
  }

  function serviceBlock(only?: Part): ServiceBlock {
    const block: ServiceBlock = { version: ctx.version, startedAt: ctx.service.startedAt.toISOString() };
    if (ctx.memory) {
      const m = ctx.memory();
      block.memory = { rssBytes: m.rss, heapUsedBytes: m.heapUsed };
    }
    for (const p of ctx.service.parts) if (!only || only === p) block[p] = ctx.service.report(p);
    if (ctx.cluster && !only) block.cluster = ctx.cluster.report();
    return block;
  }

  // The check document of the current scans, built once per scan for /api/status, /api/summary and
  // /metrics, and the full document with the dashboard's view of it (status words, sizes, guest links)
  // and the scan history. By the key of the render that asks (no second read of the key's inputs).
  const currentDocument = perKey(() => ctx.buildDocument(parts()));
  const statusDocument = perKey((key): CheckDocument & { view: unknown } => {
    const doc = currentDocument(key);
    const h = ctx.history?.();
    const newKeys = h ? [...newSinceLastScan(h, 'dm'), ...newSinceLastScan(h, 'mounts')] : [];
    return { ...doc, view: dashboardView(doc, { newKeys }), ...(h ? { history: historyForApi(h) } : {}) };
  });

  // The document without its closing brace, plus the live service block (ages change every second).
  function apiDocument(req: RequestInfo, name: 'status' | 'summary' | Part, only?: Part): Reply | Promise<Reply> {
    const entry = cached(name, (key) => {
      if (only) return JSON.stringify(ctx.buildDocument(parts(only))).slice(0, -1);
      const full = statusDocument(key);
      return JSON.stringify(name === 'summary' ? summaryDocument(full) : full).slice(0, -1);
    });
    const tail = `,"service":${JSON.stringify(serviceBlock(only))}}\n`;
    return withTail(req, entry, tail, JSON_TYPE);
  }

  function metrics(req: RequestInfo): Reply | Promise<Reply> {
    const entry = cached('metrics', (key) => {
      const d = ctx.service.state('dm');
      const m = ctx.service.state('mounts');
      const ms = Math.max(d.lastDurationMs ?? 0, m.lastDurationMs ?? 0);
      return ctx.renderMetrics(currentDocument(key), { durationSeconds: ms / 1000 });
    });
    const cluster = ctx.cluster?.metrics() ?? '';
    const proc = ctx.processStats ? renderProcessMetrics(ctx.processStats()) : '';
    return withTail(req, entry, renderServiceMetrics(serviceBlock()) + proc + cluster, METRICS_TYPE);
  }

  function healthz(): Reply {
    const block = serviceBlock();
    const h = healthOf(ctx.service.parts, (part) => block[part]!, couldNotCheck(parts()));
    const body = `${JSON.stringify({ ...h.body, service: block })}\n`;
    return reply(h.code, JSON_TYPE, body, { 'cache-control': 'no-store' });
  }

  return (req) => {
    const method = req.method.toUpperCase();
    const path = safePath(req.url);
    const route = ROUTES[path];
    if (!route) return reply(404, 'text/plain; charset=utf-8', 'not found\n');
    if (method !== 'GET' && method !== 'HEAD') {
      return reply(405, 'text/plain; charset=utf-8', 'read-only: only GET and HEAD\n', { allow: 'GET, HEAD' });
    }
    // The page and its assets hold no data, so a browser can load them without a token; the page
    // then asks for the token and sends it as a bearer header to the API.
    if (!route.public) {
      const a = authorize(ctx.policy, header(req, 'authorization'), header(req, 'host'));
      if (!a.ok) {
        const extra: Record<string, string> =
          a.status === 401 ? { 'www-authenticate': 'Bearer realm="pve-health"' } : {};
        return reply(a.status, JSON_TYPE, `${JSON.stringify({ error: a.message })}\n`, extra);
      }
    }
    let r: Reply | Promise<Reply>;
    switch (route.name) {
      case 'page':
        r = staticReply(req, 'text/html; charset=utf-8', page, { 'content-security-policy': PAGE_CSP });
        break;
      case 'css':
        r = staticReply(req, 'text/css; charset=utf-8', css);
        break;
      case 'js':
        r = staticReply(req, 'text/javascript; charset=utf-8', js);
        break;
      case 'status':
        r = apiDocument(req, 'status');
        break;
      case 'summary':
        r = apiDocument(req, 'summary');
        break;
      case 'dm':
        r = apiDocument(req, 'dm', 'dm');
        break;
      case 'mounts':
        r = apiDocument(req, 'mounts', 'mounts');
        break;
      case 'volumes':
        r = ctx.service.parts.includes('volumes')
          ? apiDocument(req, 'volumes', 'volumes')
          : reply(404, 'text/plain; charset=utf-8', 'not found (no volumes part)\n');
        break;
      case 'metrics':
        r = metrics(req);
        break;
      case 'cluster': {
        // Without --cluster there is no such view; before the first scan there is nothing yet.
        const json = ctx.cluster?.json();
        r = !ctx.cluster
          ? reply(404, 'text/plain; charset=utf-8', 'not found (serve --cluster)\n')
          : json
            ? reply(200, JSON_TYPE, `${json}\n`, { 'cache-control': 'no-store' })
            : reply(503, JSON_TYPE, `${JSON.stringify({ error: 'first cluster scan not finished' })}\n`);
        break;
      }
      default:
        r = healthz();
    }
    // HEAD: the server sends these headers (length included) without the body.
    return r;
  };
}

/**
 * One value per cache key, made on first use and held weakly: the rendered bodies are what the service
 * keeps; a value collected before its key changed is made again.
 */
function perKey<T extends object>(make: (key: string) => T): (key: string) => T {
  let memo: { key: string; ref: WeakRef<T> } | null = null;
  return (key) => {
    const hit = memo?.key === key ? memo.ref.deref() : undefined;
    if (hit) return hit;
    const value = make(key);
    memo = { key, ref: new WeakRef(value) };
    return value;
  };
}
