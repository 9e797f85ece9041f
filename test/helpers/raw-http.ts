// The serve tests' clients: a raw HTTP/1.1 client for what node:http's client will not do (requests
// written by hand: pipelined, unfinished, never read; sockets paused or from a chosen source address),
// the server's side of each connection, and one plain GET through node:http. Outcomes only (bytes
// received, sockets closed, statuses), never a time.
import { type Agent, request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

/**
 * The text of one GET request per path, pipelined, with `headers` (each line ending in CRLF) added:
 * GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n
 */
export const getRequests = (paths: string[], headers = ''): string =>
  paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`).join('');

export interface RawClient {
  sock: Socket;
  /** What was received, as text (of each chunk what `keep` keeps). */
  data: string;
  /** Bytes received. */
  got: number;
  closed: boolean;
  connected: Promise<void>;
  ended: Promise<void>;
}

export interface RawClientOptions {
  /** The host of a TCP port (127.0.0.1 unless said). */
  host?: string;
  /** The source address to connect from. */
  localAddress?: string;
  /** Written once connected. */
  send?: string;
  /** Reads nothing until `sock.resume()` (its replies wait on the server's side). */
  paused?: boolean;
  /** What of each chunk `data` keeps (all of it unless said): a test of large bodies need not hold them. */
  keep?: (chunk: string) => string;
}

/** A client on TCP port `to`, or on the unix socket at path `to`; a socket error only ends it. */
export function rawClient(to: number | string, opts: RawClientOptions = {}): RawClient {
  const sock =
    typeof to === 'number'
      ? connect({ port: to, host: opts.host ?? '127.0.0.1', localAddress: opts.localAddress })
      : connect({ path: to });
  const c: RawClient = {
    sock,
    data: '',
    got: 0,
    closed: false,
    connected: new Promise((r) => sock.once('connect', () => r())),
    ended: new Promise((r) => sock.once('close', () => r())),
  };
  const keep = opts.keep ?? ((chunk: string) => chunk);
  sock.on('error', () => {});
  sock.on('data', (d: Buffer) => {
    c.got += d.length;
    c.data += keep(d.toString('latin1'));
  });
  sock.once('close', () => (c.closed = true));
  if (opts.paused) sock.pause();
  const { send } = opts;
  if (send) void c.connected.then(() => sock.write(send));
  return c;
}

/** How many replies with status `200 OK` a client received (their bodies must not hold the text). */
export const okReplies = (c: RawClient): number => c.data.split('HTTP/1.1 200 OK').length - 1;

/** The server's side of each connection, in the order they came. */
export function serverSockets(srv: { server: Server }): Socket[] {
  const socks: Socket[] = [];
  srv.server.on('connection', (s: Socket) => socks.push(s));
  return socks;
}

/**
 * One GET through node:http on 127.0.0.1 (a fresh connection unless `agent`), with `headers`: its status
 * and body, status 0 when the request or its reply failed (a refused or ended connection).
 */
export function httpGet(
  port: number,
  path: string,
  opts: { agent?: Agent; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((res) => {
    const failed = () => res({ status: 0, body: '' });
    const r = request(
      { host: '127.0.0.1', port, path, agent: opts.agent ?? false, headers: opts.headers ?? {} },
      (resp) => {
        let body = '';
        resp.on('data', (d) => (body += d));
        resp.on('end', () => res({ status: resp.statusCode ?? 0, body }));
        resp.on('error', failed);
      },
    );
    r.on('error', failed);
    r.end();
  });
}
