// serve against clients that send whole requests and never read the replies (issue 42), and against
// unauthenticated pipelined requests from the address of an authorised client: real sockets on
// 127.0.0.1, bounded loops, outcomes only (how many answers each client got), never a time.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import type { RequestInfo } from '../../src/serve/http-replies';
import { DEFAULT_LIMITS, listen, type ServerLimits } from '../../src/serve/server';
import { getRequests, httpGet, rawClient, serverSockets } from '../helpers/raw-http';
import { settle, until } from '../helpers/wait';

// A /metrics-sized reply and more: a few non-reading clients fill their kernel buffers with it.
const BODY = 'x'.repeat(256 * 1024);
const reply = () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: BODY });
// Small caps, so a handful of sockets reach them; the deadlines are the service's own.
const LIMITS: ServerLimits = { ...DEFAULT_LIMITS, perClient: 8, maxConnections: 16 };

/** A client that writes `n` whole pipelined requests and never reads a byte of the replies. */
function nonReader(port: number, n: number, socks: Socket[], headers = ''): void {
  const paths = Array.from({ length: n }, () => '/metrics');
  socks.push(rawClient(port, { paused: true, send: getRequests(paths, headers) }).sock);
}

/** The server's own handler (a /metrics-sized reply unless `body`) at `limits`, and its side of each connection. */
async function watched(limits: ServerLimits, body: string | Buffer[] = BODY) {
  const handle = () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body });
  const http = await listen({ host: '127.0.0.1', port: 0 }, handle, limits);
  return { http, served: serverSockets(http) };
}

/** The status of a GET of /metrics, with the credential `auth` when given. */
const get = async (port: number, opts: { agent?: Agent; auth?: string } = {}): Promise<number> =>
  (await httpGet(port, '/metrics', { agent: opts.agent, headers: opts.auth ? { authorization: opts.auth } : {} }))
    .status;

test('clients that send whole requests and never read: /metrics keeps answering the others (20 of 20)', {
  timeout: 60_000,
}, async () => {
  const http = await listen({ host: '127.0.0.1', port: 0 }, reply, LIMITS);
  const socks: Socket[] = [];
  try {
    // More non-readers than the cap of their client group (all of loopback is one), each with replies
    // enough (6 MiB) to fill the kernel's socket buffers, so a reply of each stays unfinished.
    for (let i = 0; i < LIMITS.perClient * 2; i++) nonReader(http.address.port, 24, socks);
    nonReader(http.address.port, LIMITS.maxPipelined * 4, socks);
    await until(() => !socks.some((s) => s.connecting), 5_000);
    await settle(300);
    const answers: number[] = [];
    for (let i = 0; i < 20; i++) answers.push(await get(http.address.port));
    assert.equal(answers.filter((s) => s === 200).length, 20, `answers: ${answers.join(' ')}`);
  } finally {
    for (const s of socks) s.destroy();
    await http.close();
  }
});

test('the server ends a connection whose replies are never taken (it holds nothing after)', {
  timeout: 60_000,
}, async () => {
  const limits = { ...LIMITS, writeTimeoutMs: 1_000 };
  const { http, served } = await watched(limits);
  const socks: Socket[] = [];
  try {
    nonReader(http.address.port, 24, socks);
    // Bounded: the service's write deadline and check interval, three times over.
    const bound = 3 * (limits.writeTimeoutMs + limits.checkIntervalMs);
    await until(() => served.length > 0 && served.every((s) => s.destroyed), bound);
    assert.equal(served.length, 1);
    assert.equal(served[0].destroyed, true, 'the server still holds the connection of a client that never reads');
  } finally {
    for (const s of socks) s.destroy();
    await http.close();
  }
});

test('unauthenticated pipelined requests from the same address do not starve an authorised client (15 of 15)', {
  timeout: 60_000,
}, async () => {
  const TOKEN = 'Bearer a-token-of-at-least-16-chars';
  const authorised = (r: RequestInfo) => r.headers.authorization === TOKEN;
  const handle = (r: RequestInfo) =>
    authorised(r) ? reply() : { status: 401, headers: { 'content-type': 'text/plain' }, body: 'no\n' };
  const http = await listen({ host: '127.0.0.1', port: 0 }, handle, LIMITS, authorised);
  const socks: Socket[] = [];
  let flooding = true;
  // The flood: the group's whole cap of connections, each with pipelined unauthenticated requests, and a
  // new one for every one that ends, for as long as the authorised client runs (bounded by it).
  const flood = async () => {
    while (flooding) {
      const open = socks.filter((s) => !s.destroyed).length;
      for (let i = open; i < LIMITS.perClient + 2 && socks.length < 2_000; i++) nonReader(http.address.port, 24, socks);
      await settle(20);
    }
  };
  const flooder = flood();
  try {
    await settle(200);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const answers: number[] = [];
    for (let i = 0; i < 15; i++) answers.push(await get(http.address.port, { agent, auth: TOKEN }));
    agent.destroy();
    assert.equal(answers.filter((s) => s === 200).length, 15, `answers: ${answers.join(' ')}`);
  } finally {
    flooding = false;
    await flooder;
    for (const s of socks) s.destroy();
    await http.close();
  }
});

// The write deadline, rule by rule (server.ts sweepStalled): it counts from the first check that sees
// replies waiting, so it never ends a connection sooner; a queue that shrank since (the client reads,
// however slowly) starts it again; a connection with nothing queued (idle keep-alive) is never stalled.
const DEADLINE: ServerLimits = { ...LIMITS, writeTimeoutMs: 1_500, checkIntervalMs: 50 };

test('a client that never reads is ended after the write deadline, not before', { timeout: 60_000 }, async () => {
  const { http, served } = await watched(DEADLINE);
  const socks: Socket[] = [];
  try {
    nonReader(http.address.port, 24, socks);
    await until(() => served.length > 0, 2_000);
    await settle(600);
    assert.equal(served[0]?.destroyed, false, 'ended before its write deadline');
    await until(() => served[0].destroyed, 15_000);
    assert.equal(served[0].destroyed, true, 'still held after three times its write deadline');
  } finally {
    for (const s of socks) s.destroy();
    await http.close();
  }
});

test('a client that reads slowly is never ended: each read starts the deadline again', {
  timeout: 60_000,
}, async () => {
  // One request (a client that pipelines past maxPipelined ends for that) of a reply far larger than
  // the kernel's socket buffers: most of it waits in the server's queue while the client reads.
  const piece = Buffer.alloc(256 * 1024, 'x');
  const big = Array.from({ length: 200 }, () => piece);
  const { http, served } = await watched(DEADLINE, big);
  const c = rawClient(http.address.port, { paused: true, keep: () => '' });
  const s = c.sock;
  let chunks = 0;
  s.on('data', () => {
    if (++chunks % 16 === 0) s.pause();
  });
  try {
    await c.connected;
    s.write(getRequests(['/metrics']));
    // Reads about 1 MiB every 100 ms for 2.5 s (longer than the deadline): far from all of its 50 MiB.
    for (let i = 0; i < 25; i++) {
      await settle(100);
      s.resume();
    }
    assert.ok(c.got > 0 && c.got < 200 * piece.length, `${c.got}`);
    assert.equal(served[0]?.destroyed, false, 'a reading client was ended');
  } finally {
    s.destroy();
    await http.close();
  }
});

test('an idle keep-alive connection (nothing queued) is not ended by the write deadline', {
  timeout: 60_000,
}, async () => {
  const { http, served } = await watched({ ...DEADLINE, writeTimeoutMs: 200 });
  try {
    assert.equal(await get(http.address.port, { agent: new Agent({ keepAlive: true }) }), 200);
    await settle(800);
    assert.equal(served.length, 1);
    assert.equal(served[0].destroyed, false, 'an idle connection was ended as stalled');
  } finally {
    await http.close();
  }
});
