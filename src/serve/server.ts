// node:http glue around the router: tight timeouts and a connection cap, so slow or many clients
// cannot tie the service up; bodies are never read (every route is a GET).
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from './auth';
import type { Reply, RequestInfo } from './routes';

export interface HttpServer {
  server: Server;
  /** The bound address (port 0 resolves to the real port). */
  address: ListenAddress;
  close(): Promise<void>;
}

export function listen(addr: ListenAddress, handle: (req: RequestInfo) => Reply): Promise<HttpServer> {
  const server = createServer((req, res) => {
    const t0 = performance.now();
    let r: Reply;
    try {
      r = handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
    } catch (e) {
      r = {
        status: 500,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: `internal error: ${(e as Error).message}\n`,
      };
    }
    // A request body is never wanted; drain it so keep-alive connections stay usable.
    req.resume();
    // Server-Timing: the time spent in the service itself, apart from network and scheduling.
    res.writeHead(r.status, {
      ...r.headers,
      'content-length': String(Buffer.byteLength(r.body)),
      'server-timing': `app;dur=${(performance.now() - t0).toFixed(2)}`,
    });
    res.end(req.method === 'HEAD' ? undefined : r.body);
  });
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  server.maxConnections = 512;
  // A few slow or greedy clients must not take /metrics from everyone else: connections per client
  // address are capped (the headers timeout ends the slow ones).
  const perClient = new Map<string, number>();
  server.on('connection', (sock) => {
    const who = sock.remoteAddress ?? 'unix';
    const n = (perClient.get(who) ?? 0) + 1;
    if (n > MAX_CONNECTIONS_PER_CLIENT && who !== 'unix') {
      sock.destroy();
      return;
    }
    perClient.set(who, n);
    sock.once('close', () => {
      const left = (perClient.get(who) ?? 1) - 1;
      if (left <= 0) perClient.delete(who);
      else perClient.set(who, left);
    });
  });
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

export const MAX_CONNECTIONS_PER_CLIENT = 64;

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((res) => {
    server.close(() => res());
    server.closeAllConnections?.();
  });
}
