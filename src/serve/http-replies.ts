// The replies of `pve-health serve` as values: security headers on every one, the cached body of the
// current scans plus its live tail (gzipped when the client takes it), and the page's static assets with
// an ETag so a reload of an unchanged page is a 304.
import { acceptsGzip, crc32, type DeflatedPrefix, gzipOnce, gzipPartsWithTail } from './compress';

export interface RequestInfo {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  /**
   * Text, or the gzip of it (then `content-encoding: gzip` is among the headers); a list of pieces is
   * written one after another (a cached body and its live tail, never concatenated per request).
   */
  body: string | Buffer | readonly Buffer[];
}

/** The bytes a reply's body sends. */
export function bodyBytes(body: Reply['body']): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.isBuffer(body) ? body : Buffer.concat(body);
}

/** The length of a reply's body on the wire (content-length). */
export function bodyLength(body: Reply['body']): number {
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (Buffer.isBuffer(body)) return body.length;
  return body.reduce((n, b) => n + b.length, 0);
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export function header(req: RequestInfo, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function reply(status: number, type: string, body: Reply['body'], extra: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': type, ...SECURITY_HEADERS, ...extra }, body };
}

/** A route's body of the current scans: its bytes and, once made, its gzip (without the live tail). */
export interface CachedBody {
  key: string;
  /** The body as UTF-8, encoded once per scan (a reply sends it as it is, followed by its tail). */
  bytes: Buffer;
  gz: DeflatedPrefix | null;
  /** While the gzip is being made in the thread pool: settles with it (null when it failed). */
  gzReady?: Promise<DeflatedPrefix | null>;
}

/**
 * The cached body + the live tail, gzipped when the client takes it. A client that takes gzip waits for
 * a gzip still being made (tens of milliseconds after a scan) rather than getting the identity body:
 * encoding and writing a large document per request cost each such request ten times the wait, and
 * every request queued behind them paid it too (bench:serve p99).
 */
export function withTail(req: RequestInfo, entry: CachedBody, tail: string, type: string): Reply | Promise<Reply> {
  const extra = { 'cache-control': 'no-store', vary: 'accept-encoding' };
  const gzipped = (gz: DeflatedPrefix) =>
    reply(200, type, gzipPartsWithTail(gz, tail), { ...extra, 'content-encoding': 'gzip' });
  const identity = () => reply(200, type, [entry.bytes, Buffer.from(tail, 'utf8')], extra);
  if (!acceptsGzip(header(req, 'accept-encoding'))) return identity();
  if (entry.gz) return gzipped(entry.gz);
  if (entry.gzReady) {
    // The thread pool may be busy (file reads of the scans): past GZIP_WAIT_MS the body goes uncompressed.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), GZIP_WAIT_MS);
    });
    return Promise.race([entry.gzReady, late]).then((gz) => {
      clearTimeout(timer);
      return gz ? gzipped(gz) : identity();
    });
  }
  return identity();
}

/** How long a reply waits for its body's gzip before it goes out uncompressed. */
export const GZIP_WAIT_MS = 2000;

export interface StaticBody {
  text: string;
  gz: Buffer;
  etag: string;
}

export function staticBody(text: string): StaticBody {
  return { text, gz: gzipOnce(text), etag: `"${crc32(Buffer.from(text, 'utf8'), 0).toString(16)}-${text.length}"` };
}

/** The page and its assets: gzipped once, with an ETag, so a reload of an unchanged page is a 304. */
export function staticReply(req: RequestInfo, type: string, b: StaticBody, extra: Record<string, string> = {}): Reply {
  const tags = (header(req, 'if-none-match') ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
  const common = { ...extra, etag: b.etag, vary: 'accept-encoding', 'cache-control': 'no-cache' };
  if (tags.includes(b.etag)) return reply(304, type, '', common);
  if (acceptsGzip(header(req, 'accept-encoding')))
    return reply(200, type, b.gz, { ...common, 'content-encoding': 'gzip' });
  return reply(200, type, b.text, common);
}
