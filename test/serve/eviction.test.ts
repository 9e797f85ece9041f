// Who makes way at serve's connection caps (src/serve/server.ts trackConnections; docs/serve.md "Slow and
// greedy clients"): the connection idle longest, never one with a request in flight; when every
// connection is busy, the new one is refused and the busy ones are still answered. Real sockets on
// 127.0.0.1 (all of loopback is one client group), small caps, bounded waits.
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ListenAddress } from '../../src/serve/auth';
import type { RequestInfo } from '../../src/serve/http-replies';
import { DEFAULT_LIMITS, type HttpServer, listen, type ServerLimits } from '../../src/serve/server';
import { getRequests, type RawClient, rawClient, serverSockets } from '../helpers/raw-http';
import { tempDir } from '../helpers/temp-dir';
import { settle, until } from '../helpers/wait';

const LIMITS = { ...DEFAULT_LIMITS, maxConnections: 3, perClient: 3 };

/** A handler whose `/slow` requests wait until `release()`; the others answer at once. */
function gate() {
  let waiting: (() => void)[] = [];
  let seen = 0;
  const seenWaiters: (() => void)[] = [];
  return {
    handle: (req: { url: string }) => {
      const reply = { status: 200, headers: { 'content-type': 'text/plain' }, body: `${req.url}\n` };
      if (req.url !== '/slow') return reply;
      seen++;
      for (const w of seenWaiters.splice(0)) w();
      return new Promise<typeof reply>((res) => waiting.push(() => res(reply)));
    },
    release: () => {
      for (const w of waiting) w();
      waiting = [];
    },
    /** Resolves once `n` slow requests reached the handler (they are in flight). */
    inFlight: async (n: number) => {
      while (seen < n) await new Promise<void>((r) => seenWaiters.push(r));
    },
  };
}

type Handler = Parameters<typeof listen>[1];

/**
 * Runs `body` against the gate's handler (or `handle`) served at `at` (a free loopback port unless said)
 * with `limits` and the credential check `authorised`; then releases what the gate holds and closes.
 */
async function gated(
  limits: ServerLimits,
  body: (s: { g: ReturnType<typeof gate>; port: number; srv: HttpServer }) => Promise<void>,
  opts: { at?: ListenAddress; authorised?: (req: RequestInfo) => boolean; handle?: Handler } = {},
): Promise<void> {
  const g = gate();
  const srv = await listen(opts.at ?? { host: '127.0.0.1', port: 0 }, opts.handle ?? g.handle, limits, opts.authorised);
  try {
    await body({ g, port: srv.address.port!, srv });
  } finally {
    g.release();
    await srv.close();
  }
}

/** A client on `host`:`to` (127.0.0.1 unless said), or on the unix socket at `to`; `request` sent once connected. */
const client = (to: number | string, request?: string, host?: string): RawClient =>
  rawClient(to, { host, send: request && getRequests([request]) });

test('at the cap, the idle connection makes way; the one with a request in flight is kept and answered', {
  timeout: 20_000,
}, async () => {
  await gated(LIMITS, async ({ g, port }) => {
    const busy = client(port, '/slow');
    await g.inFlight(1);
    const idle1 = client(port);
    await idle1.connected;
    const idle2 = client(port);
    await idle2.connected;
    await settle(50);
    // The cap (3) is reached: a fourth connection evicts the oldest idle one, never the busy one.
    const fresh = client(port, '/healthz');
    assert.ok(await until(() => idle1.closed), 'the oldest idle connection made way');
    assert.ok(await until(() => fresh.data.includes('200 OK')), 'the new client is served');
    assert.equal(busy.closed, false, 'the connection with a request in flight was evicted');
    assert.equal(idle2.closed, false, 'only one idle connection makes way');
    g.release();
    assert.ok(await until(() => busy.data.includes('/slow')), `the request in flight is answered: ${busy.data}`);
    for (const c of [busy, idle2, fresh]) c.sock.destroy();
  });
});

test('at the cap with every connection busy, the new connection is refused and the busy ones are answered', {
  timeout: 20_000,
}, async () => {
  await gated(LIMITS, async ({ g, port }) => {
    const busy = [client(port, '/slow'), client(port, '/slow'), client(port, '/slow')];
    await g.inFlight(3);
    const refused = client(port, '/healthz');
    await refused.ended;
    assert.equal(refused.data, '', 'a connection over the cap gets nothing');
    assert.deepEqual(
      busy.map((c) => c.closed),
      [false, false, false],
    );
    g.release();
    assert.ok(await until(() => busy.every((c) => c.data.includes('/slow'))), 'every request in flight is answered');
    // Once they are idle again (keep-alive), a new client is served: an idle one makes way.
    const later = client(port, '/healthz');
    assert.ok(await until(() => later.data.includes('200 OK')), later.data);
    assert.ok(await until(() => busy[0].closed), 'the longest-idle keep-alive connection made way');
    for (const c of [...busy, later]) c.sock.destroy();
  });
});

test('a keep-alive connection that finished a request is younger than those that connected after it', {
  timeout: 20_000,
}, async () => {
  await gated(LIMITS, async ({ port }) => {
    // `served` connects first, but finishes a request after the others connected: it is the most recent.
    const served = client(port);
    await served.connected;
    const never = client(port);
    await never.connected;
    const other = client(port);
    await other.connected;
    served.sock.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    assert.ok(await until(() => served.data.includes('200 OK')));
    await settle(20);
    const fresh = client(port, '/healthz');
    assert.ok(await until(() => never.closed), 'the connection that never sent a request made way');
    assert.ok(await until(() => fresh.data.includes('200 OK')));
    assert.equal(served.closed, false);
    for (const c of [served, other, fresh]) c.sock.destroy();
  });
});

/** One request on an open connection (keep-alive), with the service's credential when `auth`. */
function send(c: RawClient, path: string, auth = false): void {
  c.sock.write(getRequests([path], auth ? 'Authorization: Bearer t0ken\r\n' : ''));
}
const bearer = (req: { headers: Record<string, string | string[] | undefined> }) =>
  req.headers.authorization === 'Bearer t0ken';

/** Connects, sends one request and waits for its answer: the connection is then idle and most recent. */
async function served(port: number, auth: boolean, host?: string): Promise<RawClient> {
  const c = client(port, undefined, host);
  await c.connected;
  send(c, '/healthz', auth);
  assert.ok(await until(() => c.data.includes('200 OK')), c.data);
  return c;
}

test('at the cap, an idle unauthenticated connection makes way before an older authenticated one', {
  timeout: 20_000,
}, async () => {
  await gated(
    LIMITS,
    async ({ port }) => {
      // Oldest first: the authenticated one finished its request before the two others finished theirs.
      const authed = await served(port, true);
      const anon1 = await served(port, false);
      const anon2 = await served(port, false);
      const fresh = client(port, '/healthz');
      assert.ok(await until(() => fresh.data.includes('200 OK')), 'the new client is served');
      assert.ok(await until(() => anon1.closed), 'the oldest unauthenticated idle connection made way');
      assert.equal(authed.closed, false, 'the authenticated connection is kept although it is the oldest');
      assert.equal(anon2.closed, false, 'only one connection makes way');
      for (const c of [authed, anon2, fresh]) c.sock.destroy();
    },
    { authorised: bearer },
  );
});

test('at the cap with only authenticated connections, the idle one longest makes way; a busy one never', {
  timeout: 20_000,
}, async () => {
  await gated(
    LIMITS,
    async ({ g, port }) => {
      const busy = client(port);
      await busy.connected;
      send(busy, '/slow', true);
      await g.inFlight(1);
      const idle1 = await served(port, true);
      const idle2 = await served(port, true);
      const fresh = client(port, '/healthz');
      assert.ok(await until(() => fresh.data.includes('200 OK')), 'the new client is served');
      assert.ok(await until(() => idle1.closed), 'the authenticated connection idle longest made way');
      assert.equal(busy.closed, false, 'the authenticated connection with a request in flight is kept');
      assert.equal(idle2.closed, false);
      g.release();
      assert.ok(await until(() => busy.data.includes('/slow')), busy.data);
      for (const c of [busy, idle2, fresh]) c.sock.destroy();
    },
    { authorised: bearer },
  );
});

test('the per-client cap: a client at its cap makes way in its own group while the total cap has room', {
  timeout: 20_000,
}, async () => {
  await gated({ ...LIMITS, maxConnections: 10, perClient: 2 }, async ({ port }) => {
    const first = await served(port, false);
    const second = await served(port, false);
    const third = client(port, '/healthz');
    assert.ok(await until(() => third.data.includes('200 OK')), 'the new connection is served');
    assert.ok(await until(() => first.closed), 'the oldest connection of the client made way at 2 of 10');
    assert.equal(second.closed, false);
    for (const c of [second, third]) c.sock.destroy();
  });
});

// A unix socket is one local user (root's own tools, a reverse proxy): no per-client cap, only the total.
test('on the unix socket the total cap applies, not the per-client one', { timeout: 20_000 }, async () => {
  const path = join(tempDir('pvh-serve-'), 'serve.sock');
  const unix = { at: { host: '', port: 0, path } };
  await gated(
    { ...LIMITS, maxConnections: 3, perClient: 1 },
    async ({ g }) => {
      const busy = [client(path, '/slow'), client(path, '/slow'), client(path, '/slow')];
      await g.inFlight(3);
      assert.deepEqual(
        busy.map((c) => c.closed),
        [false, false, false],
        'three connections of one local user over its per-client cap of 1',
      );
      const refused = client(path, '/healthz');
      await refused.ended;
      assert.equal(refused.data, '', 'over the total cap with every connection busy: refused');
      g.release();
      assert.ok(await until(() => busy.every((c) => c.data.includes('/slow'))), 'every request in flight is answered');
      await settle(20);
      // Idle now (keep-alive): at the total cap the longest idle one makes way for a new one.
      const later = client(path, '/healthz');
      assert.ok(await until(() => later.data.includes('200 OK')), later.data);
      assert.ok(await until(() => busy[0].closed), 'the longest-idle connection made way');
      assert.deepEqual([busy[1].closed, busy[2].closed], [false, false]);
      for (const c of [...busy, later]) c.sock.destroy();
    },
    unix,
  );
});

test('a connection its client closed no longer counts toward the cap', { timeout: 20_000 }, async () => {
  await gated(LIMITS, async ({ port }) => {
    const first = client(port);
    await first.connected;
    const second = client(port);
    await second.connected;
    const gone = client(port);
    await gone.connected;
    gone.sock.destroy();
    await settle(100);
    // Two connections left of a cap of three: a new one takes the free place, no one makes way.
    const fresh = client(port, '/healthz');
    assert.ok(await until(() => fresh.data.includes('200 OK')), fresh.data);
    await settle(100);
    assert.deepEqual([first.closed, second.closed], [false, false]);
    for (const c of [first, second, fresh]) c.sock.destroy();
  });
});

test('the credential check is asked with each request as sent: its method, URL and headers', {
  timeout: 20_000,
}, async () => {
  const seen: string[] = [];
  const check = (req: { method: string; url: string; headers: Record<string, string | string[] | undefined> }) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
    return false;
  };
  await gated(
    LIMITS,
    async ({ port }) => {
      const c = client(port);
      await c.connected;
      c.sock.write('HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer x\r\n\r\n');
      assert.ok(await until(() => c.data.includes('200 OK')), c.data);
      assert.deepEqual(seen, ['HEAD /metrics Bearer x']);
      c.sock.destroy();
    },
    { authorised: check },
  );
});

// A connection whose replies wait untaken (its client does not read) counts as idle: at the cap it makes
// way first although it has a request in flight (its reply is still being sent).
test('at the cap, a connection that does not take its reply makes way before idle ones', {
  timeout: 30_000,
}, async () => {
  const big = 'x'.repeat(32 * 1024 * 1024);
  const handle = (req: { url: string }) => ({
    status: 200,
    headers: { 'content-type': 'text/plain' },
    body: req.url === '/big' ? big : 'ok\n',
  });
  await gated(
    LIMITS,
    async ({ port, srv }) => {
      // Seen from the server: a client that does not read does not notice its connection ending either.
      const accepted = serverSockets(srv);
      const stuck = rawClient(port, { paused: true });
      await stuck.connected;
      send(stuck, '/big');
      await settle(300);
      const idle1 = client(port);
      await idle1.connected;
      const idle2 = client(port);
      await idle2.connected;
      await settle(50);
      const fresh = client(port, '/healthz');
      assert.ok(await until(() => fresh.data.includes('200 OK')), 'the new client is served');
      assert.ok(await until(() => accepted[0]?.destroyed === true), 'the connection that does not read made way');
      assert.deepEqual([idle1.closed, idle2.closed], [false, false]);
      for (const c of [stuck, idle1, idle2, fresh]) c.sock.destroy();
    },
    { handle },
  );
});

test('a client at its own cap with every connection busy: the new one is refused while the total cap has room', {
  timeout: 20_000,
}, async () => {
  await gated({ ...LIMITS, maxConnections: 10, perClient: 2 }, async ({ g, port }) => {
    const busy = [client(port, '/slow'), client(port, '/slow')];
    await g.inFlight(2);
    const refused = client(port, '/healthz');
    await refused.ended;
    assert.equal(refused.data, '', 'a third connection of one client with both of its own busy');
    g.release();
    assert.ok(await until(() => busy.every((c) => c.data.includes('/slow'))), 'both requests in flight are answered');
    for (const c of busy) c.sock.destroy();
  });
});

// A second client group needs an address of this machine that is not loopback (all of loopback is one
// group): a connection to it comes from it.
const otherAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

test("at the total cap, the new client's own group makes way before an older connection of another client", {
  timeout: 20_000,
  skip: otherAddress ? false : 'no IPv4 address but loopback here: one client group only',
}, async () => {
  await gated(
    { ...LIMITS, maxConnections: 3, perClient: 3 },
    async ({ port }) => {
      const local = await served(port, false);
      const own1 = await served(port, false, otherAddress);
      const own2 = await served(port, false, otherAddress);
      const fresh = client(port, '/healthz', otherAddress);
      assert.ok(await until(() => fresh.data.includes('200 OK')), 'the new client is served');
      assert.ok(await until(() => own1.closed), "its own group's idle connection longest made way (under its own cap)");
      assert.equal(local.closed, false, "another client's connection is kept although it is older");
      assert.equal(own2.closed, false, 'only one connection makes way');
      for (const c of [local, own2, fresh]) c.sock.destroy();
    },
    { at: { host: '0.0.0.0', port: 0 } },
  );
});
