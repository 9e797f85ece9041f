import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authorize, checkListenPolicy, hostOf, isLoopback, parseListen, resolveToken } from '../../src/serve/auth';

test('auth: parseListen', () => {
  const table: [string, { host: string; port: number } | RegExp][] = [
    ['127.0.0.1:9310', { host: '127.0.0.1', port: 9310 }],
    ['0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
    [':9310', { host: '0.0.0.0', port: 9310 }],
    ['9310', { host: '127.0.0.1', port: 9310 }],
    ['[::1]:9310', { host: '::1', port: 9310 }],
    ['[::]:9310', { host: '::', port: 9310 }],
    ['localhost:1', { host: 'localhost', port: 1 }],
    ['::1:9310', /\[ADDR\]:PORT/],
    ['127.0.0.1:70000', /bad port/],
    ['127.0.0.1:x', /bad port/],
    ['example.org:80', /not an IP address/],
    ['nohost', /HOST:PORT/],
  ];
  for (const [input, want] of table) {
    if (want instanceof RegExp) assert.throws(() => parseListen(input), want, input);
    else assert.deepEqual(parseListen(input), want, input);
  }
});

test('auth: loopback detection', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST']) assert.equal(isLoopback(h), true, h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'localhost.evil.com', '127.0.0.1.nip.io']) {
    assert.equal(isLoopback(h), false, h);
  }
  assert.equal(hostOf('[::1]:9310'), '::1');
  assert.equal(hostOf('127.0.0.1:9310'), '127.0.0.1');
  assert.equal(hostOf('localhost'), 'localhost');
});

test('auth: other addresses need a token of some length', () => {
  assert.doesNotThrow(() => checkListenPolicy(parseListen('127.0.0.1:9310'), null));
  assert.throws(
    () => checkListenPolicy(parseListen('0.0.0.0:9310'), null),
    /needs a token.*serve\.token.*PVE_HEALTH_TOKEN/,
  );
  assert.throws(() => checkListenPolicy(parseListen('[::]:9310'), 'short'), /at least 16/);
  assert.doesNotThrow(() => checkListenPolicy(parseListen('0.0.0.0:9310'), 'a'.repeat(32)));
});

test('auth: the environment token wins over the config; blank means none', () => {
  assert.equal(resolveToken('from-config', { PVE_HEALTH_TOKEN: 'from-env' }), 'from-env');
  assert.equal(resolveToken('from-config', {}), 'from-config');
  assert.equal(resolveToken('  ', { PVE_HEALTH_TOKEN: '' }), null);
  assert.equal(resolveToken(undefined, {}), null);
});

test('auth: authorize decides by bearer token, or by loopback Host without one', () => {
  const tok = 'correct-horse-battery-staple';
  const table: [string | null, string | undefined, string | undefined, boolean | number][] = [
    [tok, `Bearer ${tok}`, 'pve1:9310', true],
    [tok, `bearer   ${tok}`, 'pve1:9310', true],
    [tok, `Bearer ${tok}x`, 'pve1:9310', 401],
    [tok, `Basic ${tok}`, 'pve1:9310', 401],
    [tok, undefined, '127.0.0.1:9310', 401],
    [null, undefined, '127.0.0.1:9310', true],
    [null, undefined, 'localhost:9310', true],
    [null, undefined, '[::1]:9310', true],
    // DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends its own name as Host.
    [null, undefined, 'evil.example:9310', 421],
    [null, undefined, undefined, 421],
  ];
  for (const [token, authz, host, want] of table) {
    const r = authorize({ token }, authz, host);
    if (want === true) assert.deepEqual(r, { ok: true }, `${authz} ${host}`);
    else assert.equal(r.ok === false && r.status, want, `${authz} ${host}`);
  }
});
