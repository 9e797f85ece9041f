// Requests sent while a reply waits untaken (src/serve/server.ts trackConnections, sweepStalled; docs/serve.md
// "Slow and greedy clients"): past `maxPipelined` of them the connection ends; a client that takes its
// replies is never counted; at the cap, an unauthenticated connection with such requests in flight makes
// way before an authenticated idle one; a stall that ended does not count toward the next one.
//
// Each case is made deterministic the same way: the client does not read, and the test waits until the
// server's side of the socket holds the unsent reply (a reply larger than the kernel's buffers stays
// there) before it sends what comes next. Node parses a chunk of pipelined requests to its end and emits
// each request even when it then pauses the socket (node lib/_http_server.js parserOnIncoming), so the
// requests of one write are all counted. Real sockets on 127.0.0.1; outcomes (replies received, sockets
// closed), never a time.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import type { RequestInfo } from '../../src/serve/http-replies';
import { DEFAULT_LIMITS, listen, type ServerLimits, unsent } from '../../src/serve/server';
import { getRequests, okReplies, type RawClient, rawClient, serverSockets } from '../helpers/raw-http';
import { settle, until as untilMs } from '../helpers/wait';

// Replies of tens of MiB under load: a longer bound than the default.
const until = (cond: () => boolean) => untilMs(cond, 10_000);

// Larger than loopback's socket buffers together (a few MiB): part of it stays queued on the server.
const BIG = 'b'.repeat(24 * 1024 * 1024);
const BIGGER = 'B'.repeat(48 * 1024 * 1024);
// The sweep never runs unless a test wants it; the write deadline is far.
const QUIET: ServerLimits = { ...DEFAULT_LIMITS, checkIntervalMs: 60_000, writeTimeoutMs: 60_000 };

/** `/big` and `/bigger` are large; `/slow` waits until `release()`; the rest answer their URL at once. */
function handler() {
  const held: (() => void)[] = [];
  let inFlight = 0;
  const reply = (body: string) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body });
  return {
    handle: (req: RequestInfo) => {
      if (req.url === '/big') return reply(BIG);
      if (req.url === '/bigger') return reply(BIGGER);
      if (req.url !== '/slow') return reply(`${req.url}\n`);
      inFlight++;
      return new Promise<ReturnType<typeof reply>>((r) => held.push(() => r(reply('/slow\n'))));
    },
    slowInFlight: () => inFlight,
    release: () => {
      for (const r of held.splice(0)) r();
    },
  };
}

/** A client that does not read until `sock.resume()`; of the bodies (`b`s and `B`s) it keeps only the count. */
async function pausedClient(port: number): Promise<RawClient> {
  const c = rawClient(port, { paused: true, keep: (chunk) => chunk.replace(/[bB]+/g, '') });
  await c.connected;
  return c;
}

/** Sends `/big` and waits until part of its reply waits unsent on the server's side. */
async function replyWaits(c: RawClient, server: Socket, url = '/big'): Promise<void> {
  c.sock.write(getRequests([url]));
  assert.ok(await until(() => server.writableLength > 0), `the reply of ${url} waits on the server's socket`);
}

for (const extra of [0, 1]) {
  const n = DEFAULT_LIMITS.maxPipelined + extra;
  test(`${n} requests sent while a reply waits untaken: ${extra ? 'more than the limit ends the connection' : 'the limit itself is kept and answered'}`, {
    timeout: 30_000,
  }, async () => {
    const h = handler();
    const srv = await listen({ host: '127.0.0.1', port: 0 }, h.handle, QUIET);
    const socks = serverSockets(srv);
    try {
      const c = await pausedClient(srv.address.port!);
      assert.ok(await until(() => socks.length === 1), 'the server has the connection');
      await replyWaits(c, socks[0]);
      c.sock.write(getRequests(Array.from({ length: n }, (_, i) => `/p${i}`)));
      if (extra) {
        assert.ok(await until(() => socks[0].destroyed), 'the server ended the connection');
        c.sock.resume();
        assert.ok(await until(() => c.closed), 'the client sees it closed');
        assert.ok(okReplies(c) <= 1, `at most the first reply arrived: ${okReplies(c)}`);
      } else {
        c.sock.resume();
        assert.ok(
          await until(() => okReplies(c) === n + 1),
          `every reply arrived: ${okReplies(c)} of ${n + 1}, ${c.got}, ${socks[0].destroyed} ${c.closed}`,
        );
        assert.equal(c.closed, false, 'the connection is kept');
      }
      c.sock.destroy();
    } finally {
      await srv.close();
    }
  });
}

test('a client that takes each reply before its next request is never counted: 3 x the limit answered', {
  timeout: 30_000,
}, async () => {
  const h = handler();
  const srv = await listen({ host: '127.0.0.1', port: 0 }, h.handle, QUIET);
  try {
    const c = await pausedClient(srv.address.port!);
    c.sock.resume();
    const rounds = DEFAULT_LIMITS.maxPipelined * 3;
    for (let i = 1; i <= rounds; i++) {
      c.sock.write(getRequests([`/r${i}`]));
      assert.ok(await until(() => okReplies(c) === i || c.closed), `reply ${i}`);
      assert.equal(c.closed, false, `the connection is kept after ${i} requests`);
    }
    c.sock.destroy();
  } finally {
    await srv.close();
  }
});

test('a client that takes each reply before its next request, each reply larger than the socket buffers: never counted', {
  timeout: 30_000,
}, async () => {
  // The handler writes a reply before the request's listeners after it run: the count is taken before.
  const h = handler();
  const limits = { ...QUIET, maxPipelined: 1 };
  const srv = await listen({ host: '127.0.0.1', port: 0 }, h.handle, limits);
  try {
    const c = await pausedClient(srv.address.port!);
    c.sock.resume();
    for (let i = 1; i <= 3; i++) {
      c.sock.write(getRequests(['/big']));
      assert.ok(await until(() => c.got >= i * BIG.length || c.closed), `reply ${i}`);
      assert.equal(c.closed, false, `the connection is kept after ${i} requests`);
    }
    c.sock.destroy();
  } finally {
    await srv.close();
  }
});

/** A server at a cap of two connections whose clients authenticate with `Bearer ok`. */
async function bearerAtCap() {
  const h = handler();
  const bearer = (req: RequestInfo) => req.headers.authorization === 'Bearer ok';
  const srv = await listen(
    { host: '127.0.0.1', port: 0 },
    h.handle,
    { ...QUIET, maxConnections: 2, perClient: 2 },
    bearer,
  );
  return { h, srv, socks: serverSockets(srv), port: srv.address.port! };
}

test('at the cap, an unauthenticated connection with a request sent while its reply waited makes way before an authenticated idle one', {
  timeout: 30_000,
}, async () => {
  const { h, srv, socks, port } = await bearerAtCap();
  try {
    // The authenticated one: a request answered, then idle (keep-alive). It is the older.
    const authed = await pausedClient(port);
    authed.sock.resume();
    authed.sock.write(getRequests(['/a'], 'Authorization: Bearer ok\r\n'));
    assert.ok(await until(() => okReplies(authed) === 1), 'the authenticated client is answered');
    // The other: /slow sent while its /big waited unsent (counted), then it takes all of /big; /slow stays
    // in flight, so this connection is neither idle nor stalled.
    const piped = await pausedClient(port);
    assert.ok(await until(() => socks.length === 2), 'the server has both connections');
    await replyWaits(piped, socks[1]);
    piped.sock.write(getRequests(['/slow']));
    assert.ok(await until(() => h.slowInFlight() === 1), '/slow reached the handler');
    piped.sock.resume();
    assert.ok(await until(() => piped.got >= BIG.length && socks[1].writableLength === 0), '/big was taken');
    const fresh = await pausedClient(port);
    fresh.sock.resume();
    fresh.sock.write(getRequests(['/healthz']));
    assert.ok(await until(() => okReplies(fresh) === 1), 'the new client is served');
    assert.ok(await until(() => piped.closed), 'the unauthenticated connection that pipelined made way');
    assert.equal(authed.closed, false, 'the authenticated idle connection is kept');
    for (const c of [authed, fresh]) c.sock.destroy();
  } finally {
    h.release();
    await srv.close();
  }
});

test('a stall that ended does not count toward the next: a later reply is given its own write deadline', {
  timeout: 30_000,
}, async () => {
  const h = handler();
  const limits = { ...DEFAULT_LIMITS, checkIntervalMs: 20, writeTimeoutMs: 3_000 };
  const srv = await listen({ host: '127.0.0.1', port: 0 }, h.handle, limits);
  const socks = serverSockets(srv);
  try {
    const c = await pausedClient(srv.address.port!);
    assert.ok(await until(() => socks.length === 1), 'the server has the connection');
    // A first stall the sweep sees (several of its rounds), then the client takes everything.
    await replyWaits(c, socks[0]);
    await settle(200);
    c.sock.resume();
    assert.ok(await until(() => c.got >= BIG.length), '/big was taken');
    // Idle (nothing queued) past the write deadline, then a larger reply it does not take at once.
    await settle(limits.writeTimeoutMs + 300);
    assert.equal(c.closed, false, 'an idle connection with nothing queued is kept');
    c.sock.pause();
    await replyWaits(c, socks[0], '/bigger');
    await settle(100);
    c.sock.resume();
    assert.ok(await until(() => c.got >= BIG.length + BIGGER.length || c.closed), 'the reply was taken');
    assert.equal(c.closed, false, 'not ended: this stall began when this reply waited, not at the first');
    c.sock.destroy();
  } finally {
    await srv.close();
  }
});

test("unsent: Node's queue and libuv's, and Node's alone for a socket without a handle (destroyed, not yet closed)", () => {
  const sock = (s: object) => s as unknown as Socket;
  assert.equal(unsent(sock({ writableLength: 0, _handle: { writeQueueSize: 0 } })), 0);
  assert.equal(unsent(sock({ writableLength: 5, _handle: { writeQueueSize: 7 } })), 12);
  assert.equal(unsent(sock({ writableLength: 5, _handle: null })), 5, 'no handle: no throw, no NaN');
  assert.equal(unsent(sock({ writableLength: 5 })), 5);
  assert.equal(unsent(sock({ writableLength: 5, _handle: {} })), 5, 'a handle without a write queue size');
});

// Issue 59: round 1 of the eviction (an unauthenticated connection that pipelined) without its
// `!authorised` took an authenticated client that once pipelined, mid-request. Authenticated, it makes
// way only when idle: the idle authenticated one goes, the one with /slow in flight is answered.
test('at the cap, an authenticated connection that pipelined and has a request in flight is kept; an idle authenticated one makes way', {
  timeout: 30_000,
}, async () => {
  const { h, srv, socks, port } = await bearerAtCap();
  const AUTH = 'Authorization: Bearer ok\r\n';
  try {
    // The older: authenticated, then /slow sent while its /big waited unsent (counted), /big then taken.
    const piped = await pausedClient(port);
    assert.ok(await until(() => socks.length === 1), 'the server has the connection');
    piped.sock.write(getRequests(['/big'], AUTH));
    assert.ok(await until(() => socks[0].writableLength > 0), "/big's reply waits on the server's socket");
    piped.sock.write(getRequests(['/slow'], AUTH));
    assert.ok(await until(() => h.slowInFlight() === 1), '/slow reached the handler');
    piped.sock.resume();
    assert.ok(await until(() => socks[0].writableLength === 0 && piped.got >= BIG.length), '/big was taken');
    // The younger: authenticated, answered, idle.
    const idle = await pausedClient(port);
    idle.sock.resume();
    idle.sock.write(getRequests(['/a'], AUTH));
    assert.ok(await until(() => okReplies(idle) === 1), 'the idle client is answered');
    const fresh = await pausedClient(port);
    fresh.sock.resume();
    fresh.sock.write(getRequests(['/healthz']));
    assert.ok(await until(() => okReplies(fresh) === 1), 'the new client is served');
    assert.ok(await until(() => idle.closed), 'the idle authenticated connection made way');
    assert.equal(piped.closed, false, 'the authenticated connection with /slow in flight is kept');
    h.release();
    assert.ok(await until(() => okReplies(piped) === 2), '/slow is answered');
    for (const c of [piped, fresh]) c.sock.destroy();
  } finally {
    h.release();
    await srv.close();
  }
});
