// serve against clients that send whole requests and never read the replies (issue 42), and against
// unauthenticated pipelined requests from the address of an authorised client: real sockets on
// 127.0.0.1, bounded loops, outcomes only (how many answers each client got), never a time.
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import type { RequestInfo } from '../../src/serve/http-replies';
import { DEFAULT_LIMITS, listen, type ServerLimits } from '../../src/serve/server';
import { settle } from '../helpers/wait';

// A /metrics-sized reply and more: a few non-reading clients fill their kernel buffers with it.
const BODY = 'x'.repeat(256 * 1024);
const reply = () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: BODY });
// Small caps, so a handful of sockets reach them; the deadlines are the service's own.
const LIMITS: ServerLimits = { ...DEFAULT_LIMITS, perClient: 8, maxConnections: 16 };

/** A client that writes `n` whole pipelined requests and never reads a byte of the replies. */
function nonReader(port: number, n: number, socks: Socket[], headers = ''): void {
  const s = connect({ port, host: '127.0.0.1' });
  s.on('error', () => {});
  s.pause();
  s.on('connect', () => s.write(`GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`.repeat(n)));
  socks.push(s);
}

function get(port: number, opts: { agent?: Agent; auth?: string } = {}): Promise<number> {
  return new Promise((res) => {
    const r = request(
      {
        host: '127.0.0.1',
        port,
        path: '/metrics',
        agent: opts.agent ?? false,
        headers: opts.auth ? { authorization: opts.auth } : {},
      },
      (resp) => {
        resp.resume();
        resp.on('end', () => res(resp.statusCode ?? 0));
        resp.on('error', () => res(0));
      },
    );
    r.on('error', () => res(0));
    r.end();
  });
}

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
    for (let t = 0; socks.some((s) => s.connecting) && t < 100; t++) await settle(50);
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
  const http = await listen({ host: '127.0.0.1', port: 0 }, reply, limits);
  const served: Socket[] = [];
  http.server.on('connection', (s: Socket) => served.push(s));
  const socks: Socket[] = [];
  try {
    nonReader(http.address.port, 24, socks);
    // Bounded: the service's write deadline and check interval, three times over.
    const rounds = Math.ceil((3 * (limits.writeTimeoutMs + limits.checkIntervalMs)) / 100);
    for (let i = 0; i < rounds && !(served.length > 0 && served.every((s) => s.destroyed)); i++) await settle(100);
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

async function watched(limits: ServerLimits, body: string | Buffer[] = BODY) {
  const handle = () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body });
  const http = await listen({ host: '127.0.0.1', port: 0 }, handle, limits);
  const served: Socket[] = [];
  http.server.on('connection', (s: Socket) => served.push(s));
  return { http, served };
}

test('a client that never reads is ended after the write deadline, not before', { timeout: 60_000 }, async () => {
  const { http, served } = await watched(DEADLINE);
  const socks: Socket[] = [];
  try {
    nonReader(http.address.port, 24, socks);
    for (let i = 0; i < 100 && served.length === 0; i++) await settle(20);
    await settle(600);
    assert.equal(served[0]?.destroyed, false, 'ended before its write deadline');
    for (let i = 0; i < 150 && !served[0].destroyed; i++) await settle(100);
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
  const s = connect({ port: http.address.port, host: '127.0.0.1' });
  s.on('error', () => {});
  s.pause();
  let got = 0;
  let chunks = 0;
  s.on('data', (d) => {
    got += d.length;
    if (++chunks % 16 === 0) s.pause();
  });
  try {
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    // Reads about 1 MiB every 100 ms for 2.5 s (longer than the deadline): far from all of its 50 MiB.
    for (let i = 0; i < 25; i++) {
      await settle(100);
      s.resume();
    }
    assert.ok(got > 0 && got < 200 * piece.length, `${got}`);
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
