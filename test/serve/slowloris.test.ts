// serve under slow and greedy clients (docs/serve.md "Slow and greedy clients"): many connections that
// never finish their headers, from several loopback source addresses (127.0.0.0/8 is one local user's
// to choose from), must neither take the service down nor stay past the header deadline. Bounded: a
// few hundred sockets, each test under its own time limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listen } from '../../src/serve/server';
import { httpGet, type RawClient, rawClient } from '../helpers/raw-http';
import { settle, until } from '../helpers/wait';

// The service's documented limits (docs/serve.md): 512 connections in all, headers within 5 s.
const MAX_CONNECTIONS = 512;
const HEADERS_TIMEOUT_MS = 5_000;

const ok = () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok\n' });

/**
 * `n` connections from `from` that send the start of a request and never finish it. Each reads what it
 * gets (the 408 and the end of the connection), as a browser or curl would.
 */
function slow(port: number, from: string, n: number, socks: RawClient[]): void {
  for (let i = 0; i < n; i++)
    socks.push(rawClient(port, { localAddress: from, send: 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' }));
}

const get = (port: number) => httpGet(port, '/healthz');

test('clientGroup: all of loopback is one client; IPv4 per address; IPv6 per /64', async () => {
  const { clientGroup, DEFAULT_LIMITS } = await import('../../src/serve/server');
  assert.deepEqual(
    [DEFAULT_LIMITS.maxConnections, DEFAULT_LIMITS.headersTimeoutMs],
    [MAX_CONNECTIONS, HEADERS_TIMEOUT_MS],
  );
  assert.ok(DEFAULT_LIMITS.checkIntervalMs <= 1_000);
  assert.equal(clientGroup('127.0.0.2'), 'loopback');
  assert.equal(clientGroup('::ffff:127.9.9.9'), 'loopback');
  assert.equal(clientGroup('::1'), 'loopback');
  assert.equal(clientGroup('10.0.0.5'), '10.0.0.5');
  assert.equal(clientGroup('::ffff:10.0.0.5'), '10.0.0.5');
  assert.equal(clientGroup('2001:db8:1:2:aa::1'), '2001:db8:1:2::/64');
});

test('slowloris from 8 loopback addresses (more sockets than the connection cap): a normal request is still served', {
  timeout: 30_000,
}, async () => {
  const http = await listen({ host: '127.0.0.1', port: 0 }, ok);
  const socks: RawClient[] = [];
  try {
    const per = Math.ceil((MAX_CONNECTIONS + 48) / 8);
    for (let a = 2; a < 10; a++) slow(http.address.port, `127.0.0.${a}`, per, socks);
    // Until every slow socket has sent its start (or was turned away): bounded, polled.
    await until(() => !socks.some((c) => c.sock.connecting), 10_000);
    await settle(300);
    const r = await get(http.address.port);
    assert.deepEqual(r, { status: 200, body: 'ok\n' });
  } finally {
    for (const c of socks) c.sock.destroy();
    await http.close();
  }
});

test('a connection that never finishes its headers is closed soon after the header deadline', {
  timeout: 30_000,
}, async () => {
  const http = await listen({ host: '127.0.0.1', port: 0 }, ok);
  const socks: RawClient[] = [];
  try {
    for (let a = 2; a < 5; a++) slow(http.address.port, `127.0.0.${a}`, 4, socks);
    // Node's default check runs every 30 s; the service checks within a second of the 5 s deadline.
    const limit = HEADERS_TIMEOUT_MS + 5_000;
    const closed = () => socks.filter((c) => c.closed).length;
    await until(() => closed() === socks.length, limit);
    assert.equal(closed(), socks.length, `${closed()} of ${socks.length} slow connections closed`);
    assert.deepEqual(await get(http.address.port), { status: 200, body: 'ok\n' });
  } finally {
    for (const c of socks) c.sock.destroy();
    await http.close();
  }
});
