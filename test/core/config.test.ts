import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findKeyLine, parseConfig } from '../../src/core/vocab/config';

test('config: valid file parses with defaults absent', () => {
  const c = parseConfig(
    '[mounts]\ntimeout = 2\nexpected_readonly = ["/mnt/pve/iso"]\n[serve]\nlisten = "127.0.0.1:9310"\n',
  );
  assert.equal(c.mounts?.timeout, 2);
  assert.deepEqual(c.mounts?.expected_readonly, ['/mnt/pve/iso']);
});

test('config: errors name the key and its line', () => {
  assert.throws(() => parseConfig('[mounts]\n\ntimeout = "fast"\n', 'c.toml'), /c\.toml:3: mounts\.timeout/);
  assert.throws(() => parseConfig('[mounts]\ntimeuot = 2\n', 'c.toml'), /c\.toml:2: mounts\.timeuot: unknown key/);
  assert.throws(
    () => parseConfig('[notify]\ndigest = "25:00"\n', 'c.toml'),
    /c\.toml:2: notify\.digest: must be HH:MM/,
  );
  assert.throws(() => parseConfig('a = \n', 'c.toml'), /c\.toml:1: invalid TOML/);
});

test('config: findKeyLine finds keys in nested tables', () => {
  const text = '[notify]\non = "always"\n[notify.smtp]\nhost = "x"\nport = 0\n';
  assert.equal(findKeyLine(text, ['notify', 'smtp', 'port']), 5);
  assert.equal(findKeyLine(text, ['notify', 'on']), 2);
});

test('config: every interval and TTL has an upper bound (over 2^31 ms setTimeout fires at once, in a loop)', () => {
  for (const [table, key] of [
    ['mounts', 'cache_ttl'],
    ['serve', 'dm_interval'],
    ['mounts', 'timeout'],
    ['dm', 'command_timeout'],
    ['cluster', 'node_timeout'],
  ]) {
    assert.throws(() => parseConfig(`[${table}]\n${key} = 3000000\n`, 'c.toml'), new RegExp(`${table}\\.${key}`), key);
  }
});
