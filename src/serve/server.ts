// node:http glue around the router: tight timeouts and a connection cap, so slow or many clients
// cannot tie the service up; bodies are never read (every route is a GET).
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
}

export const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 500,
  maxConnections: 512,
  perClient: 64,
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

export function listen(
  addr: ListenAddress,
  handle: (req: RequestInfo) => Reply | Promise<Reply>,
  limits: ServerLimits = DEFAULT_LIMITS,
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
  trackConnections(server, limits);
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
  /** Requests in flight on it: a connection that has one is never evicted. */
  busy: number;
}

/**
 * Caps per client group and in all, that keep room for a new client: when a cap is reached, the
 * connection that has been idle longest (no request in flight: a slow client still sending headers, a
 * keep-alive connection between requests) makes way, in the new client's group first. A flood of
 * slow connections therefore only ever evicts itself, and a client that completes a request is served.
 */
function trackConnections(server: Server, limits: ServerLimits): void {
  // Insertion order is age: a connection that finished a request moves to the end (most recent).
  const all = new Set<Conn>();
  const groups = new Map<string, Set<Conn>>();
  const bySocket = new WeakMap<Socket, Conn>();
  const evictIdle = (pool: Set<Conn>): boolean => {
    for (const c of pool)
      if (c.busy === 0) {
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
    const c: Conn = { sock, group, busy: 0 };
    all.add(c);
    if (!groups.has(group)) groups.set(group, new Set());
    groups.get(group)!.add(c);
    bySocket.set(sock, c);
    sock.once('close', () => drop(c));
  });
  server.on('request', (req, res) => {
    const c = bySocket.get(req.socket);
    if (!c) return;
    c.busy++;
    res.once('close', () => {
      c.busy--;
      touch(c);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((res) => {
    server.close(() => res());
    server.closeAllConnections?.();
  });
}
