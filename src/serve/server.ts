// node:http glue around the router: tight timeouts, a deadline for a reply to be taken, a cap on
// pipelined requests, and connection caps that prefer authenticated clients, so slow, greedy or
// non-reading clients cannot tie the service up; bodies are never read (every route is a GET).
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ListenAddress } from './auth';
import { bodyLength, type Reply, type RequestInfo } from './http-replies';

export interface HttpServer {
  server: Server;
  /** The bound address (port 0 resolves to the real port). */
  address: ListenAddress;
  close(): Promise<void>;
}

/** Deadlines and caps of the service (docs/serve.md "Slow and greedy clients"). */
export interface ServerLimits {
  /** All of a request's headers must arrive within this (Node's server.headersTimeout). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** How often Node checks those deadlines (its default, 30 s, lets a slow client stay 35 s). */
  checkIntervalMs: number;
  maxConnections: number;
  perClient: number;
  /**
   * Replies waiting for a client that takes none of them (bytes queued on its socket, none taken) end
   * its connection after this: a client that sends requests and never reads holds nothing for longer.
   */
  writeTimeoutMs: number;
  /** Requests a connection may send while its earlier replies wait untaken (pipelined); more end it. */
  maxPipelined: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 500,
  maxConnections: 512,
  perClient: 64,
  writeTimeoutMs: 10_000,
  maxPipelined: 8,
};

/**
 * Which client a connection counts for: an IPv4 address; all of loopback as one (127.0.0.0/8 is
 * 16 million source addresses to one local user); an IPv6 /64 (one host's usual allocation).
 */
export function clientGroup(addr: string | undefined): string {
  if (!addr) return 'unix';
  const v4 = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
  if (/^127\./.test(v4) || v4 === '::1') return 'loopback';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(v4)) return v4;
  return `${addr.split(':').slice(0, 4).join(':')}::/64`;
}

/**
 * `authorised` says whether a request carries the service's credential (a valid bearer token): a
 * connection that made one is never evicted for an unauthenticated one of the same client group.
 */
export function listen(
  addr: ListenAddress,
  handle: (req: RequestInfo) => Reply | Promise<Reply>,
  limits: ServerLimits = DEFAULT_LIMITS,
  authorised: (req: RequestInfo) => boolean = () => false,
): Promise<HttpServer> {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    (req, res) => {
      const t0 = performance.now();
      const failed = (e: unknown): Reply => ({
        status: 500,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: `internal error: ${(e as Error).message}\n`,
      });
      // A request body is never wanted; drain it so keep-alive connections stay usable.
      req.resume();
      const send = (r: Reply) => {
        if (res.destroyed) return;
        // Server-Timing: the time in the service itself (a wait for a gzip included), apart from network.
        res.writeHead(r.status, {
          ...r.headers,
          'content-length': String(bodyLength(r.body)),
          'server-timing': `app;dur=${(performance.now() - t0).toFixed(2)}`,
        });
        if (req.method === 'HEAD') res.end();
        else if (typeof r.body === 'string' || Buffer.isBuffer(r.body)) res.end(r.body);
        else {
          // One writev for the pieces (the cached body is sent as it is).
          res.cork();
          for (const piece of r.body) res.write(piece);
          res.uncork();
          res.end();
        }
      };
      let r: Reply | Promise<Reply>;
      try {
        r = handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
      } catch (e) {
        r = failed(e);
      }
      if (r instanceof Promise) r.then(send, (e) => send(failed(e)));
      else send(r);
    },
  );
  // A client that never reads keeps a connection half-closed after the 408: idle sockets end too.
  server.setTimeout(limits.requestTimeoutMs + limits.headersTimeoutMs);
  trackConnections(server, limits, authorised);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const onListening = () => {
      server.off('error', reject);
      if (addr.path) {
        chmodSync(addr.path, 0o600);
        resolve({ server, address: { ...addr }, close: () => closeServer(server) });
        return;
      }
      const a = server.address() as AddressInfo;
      resolve({
        server,
        address: { host: a.address, port: a.port },
        close: () => closeServer(server),
      });
    };
    if (addr.path) {
      // A socket file left by a previous run would make listen fail with EADDRINUSE.
      try {
        if (lstatSync(addr.path).isSocket()) unlinkSync(addr.path);
      } catch {}
      server.listen(addr.path, onListening);
    } else server.listen(addr.port, addr.host, onListening);
  });
}

export const MAX_CONNECTIONS_PER_CLIENT = DEFAULT_LIMITS.perClient;

interface Conn {
  sock: Socket;
  group: string;
  /** Requests in flight on it. */
  busy: number;
  /** It made a request with the service's credential. */
  authorised: boolean;
  /** Requests it sent while replies waited untaken on its socket (reset when they are taken). */
  pipelined: number;
  /** Since when replies wait on its socket with none taken, and the least queued since then. */
  stalledSince: number | null;
  queuedLow: number;
}

/**
 * Whether a connection may make way, in rounds of preference: 0, one that never authenticated with no
 * request in flight or whose client does not take its replies (bytes wait in its socket); 1, one that
 * never authenticated with pipelined requests in flight; 2, an authenticated one that is idle or does
 * not read. A connection with one request being answered to a reading client, and a busy authenticated
 * one, never make way: a flood of unauthenticated or non-reading connections only evicts itself.
 */
function mayGo(c: Conn, round: number): boolean {
  const idle = c.busy === 0 || c.sock.writableLength > 0;
  if (round === 0) return idle && !c.authorised;
  if (round === 1) return !c.authorised && c.pipelined > 0;
  return idle;
}

/**
 * Caps per client group and in all, that keep room for a new client: when a cap is reached, the
 * connection that has been idle longest (no request in flight: a slow client still sending headers, a
 * keep-alive connection between requests) makes way, in the new client's group first. A flood of
 * slow connections therefore only ever evicts itself, and a client that completes a request is served.
 */
function trackConnections(server: Server, limits: ServerLimits, authorised: (req: RequestInfo) => boolean): void {
  // Insertion order is age: a connection that finished a request moves to the end (most recent).
  const all = new Set<Conn>();
  const groups = new Map<string, Set<Conn>>();
  const bySocket = new WeakMap<Socket, Conn>();
  const evictIdle = (pool: Set<Conn>): boolean => {
    for (let round = 0; round < 3; round++)
      for (const c of pool)
        if (mayGo(c, round)) {
          drop(c);
          c.sock.destroy();
          return true;
        }
    return false;
  };
  const drop = (c: Conn) => {
    all.delete(c);
    groups.get(c.group)?.delete(c);
    if (groups.get(c.group)?.size === 0) groups.delete(c.group);
  };
  const touch = (c: Conn) => {
    if (!all.has(c)) return;
    all.delete(c);
    all.add(c);
    const g = groups.get(c.group)!;
    g.delete(c);
    g.add(c);
  };
  const sweep = setInterval(() => sweepStalled(all, limits, drop), limits.checkIntervalMs);
  sweep.unref();
  server.once('close', () => clearInterval(sweep));
  server.on('connection', (sock: Socket) => {
    const group = clientGroup(sock.remoteAddress);
    const mine = groups.get(group);
    if (group !== 'unix' && mine && mine.size >= limits.perClient && !evictIdle(mine)) {
      sock.destroy();
      return;
    }
    if (all.size >= limits.maxConnections && !(mine && evictIdle(mine)) && !evictIdle(all)) {
      sock.destroy();
      return;
    }
    const c: Conn = { sock, group, busy: 0, authorised: false, pipelined: 0, stalledSince: null, queuedLow: 0 };
    all.add(c);
    if (!groups.has(group)) groups.set(group, new Set());
    groups.get(group)!.add(c);
    bySocket.set(sock, c);
    sock.once('close', () => drop(c));
  });
  // Before the handler: a reply it writes at once must not count as one waiting before this request.
  server.prependListener('request', (req, res) => {
    const c = bySocket.get(req.socket);
    if (!c) return;
    c.busy++;
    if (!c.authorised && authorised({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers }))
      c.authorised = true;
    // Requests sent while earlier replies wait untaken: past the limit the connection ends.
    if (c.sock.writableLength === 0) c.pipelined = 0;
    else c.pipelined++;
    if (c.pipelined > limits.maxPipelined) {
      drop(c);
      c.sock.destroy();
      return;
    }
    res.once('close', () => {
      c.busy--;
      touch(c);
    });
  });
}

/**
 * Every check interval: a connection whose replies wait on its socket with none taken for
 * `writeTimeoutMs` (the queue never shrank) ends — a client that does not read holds nothing longer.
 */
function sweepStalled(all: Set<Conn>, limits: ServerLimits, drop: (c: Conn) => void): void {
  const now = performance.now();
  for (const c of all) {
    const queued = unsent(c.sock);
    if (queued === 0) {
      c.stalledSince = null;
      c.pipelined = 0;
    } else if (c.stalledSince === null || queued < c.queuedLow) {
      c.stalledSince = now;
      c.queuedLow = queued;
    } else if (now - c.stalledSince >= limits.writeTimeoutMs) {
      drop(c);
      c.sock.destroy();
    }
  }
}

/**
 * Bytes of replies the kernel has not taken yet. A reply goes out as one write of its pieces (corked),
 * and Node's writableLength drops only when that whole write completes; libuv's write queue shrinks as
 * the kernel takes each part. Without it a client reading a reply larger than the socket buffers, however
 * steadily, would look stalled for as long as the reply takes. A socket Node destroyed itself (a reset, its
 * timeout) has no handle until its `close` event drops it from the sweep's set: counted by Node's queue.
 */
export function unsent(sock: Socket): number {
  const queued = sock.writableLength;
  if (queued === 0) return 0;
  const inLibuv = (sock as unknown as { _handle?: { writeQueueSize?: unknown } })._handle?.writeQueueSize;
  return queued + (typeof inLibuv === 'number' ? inLibuv : 0);
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((res) => {
    server.close(() => res());
    server.closeAllConnections?.();
  });
}
