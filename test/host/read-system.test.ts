import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import {
  parseCpuList,
  parseLoadavg,
  parseMeminfo,
  parsePveversion,
  parseUptime,
} from '../../src/core/parse/system-info';
import { createHost } from '../../src/host/host';
import { readSystemInfo } from '../../src/host/read-system';

test('system-info parsers', () => {
  assert.deepEqual(parsePveversion('pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.12-1-pve)\n'), {
    version: '8.2.4',
    kernel: '6.8.12-1-pve',
  });
  assert.deepEqual(parsePveversion('pve-manager/9.0.3/025864202ebb6109\n'), { version: '9.0.3', kernel: null });
  assert.deepEqual(parsePveversion('bash: pveversion: not found'), { version: null, kernel: null });
  assert.equal(parseUptime('350735.47 234388.90\n'), 350735.47);
  assert.equal(parseUptime(''), null);
  assert.deepEqual(parseLoadavg('0.20 0.18 0.12 1/80 11206\n'), [0.2, 0.18, 0.12]);
  assert.equal(parseLoadavg('x y'), null);
  assert.deepEqual(
    parseMeminfo('MemTotal:       16318712 kB\nMemFree:         1000000 kB\nMemAvailable:    8159356 kB\n'),
    {
      totalBytes: 16318712 * 1024,
      availableBytes: 8159356 * 1024,
      usedBytes: (16318712 - 8159356) * 1024,
    },
  );
  // Kernels before 3.14 have no MemAvailable.
  assert.equal(
    parseMeminfo('MemTotal: 100 kB\nMemFree: 10 kB\nBuffers: 5 kB\nCached: 20 kB\n')?.availableBytes,
    35 * 1024,
  );
  assert.equal(parseMeminfo('nothing'), null);
  const cpu: [string, number | null][] = [
    ['0-3,8-11\n', 8],
    ['0\n', 1],
    ['0-63', 64],
    ['', null],
    ['a-b', null],
  ];
  for (const [text, n] of cpu) assert.equal(parseCpuList(text), n, text);
});

function fakeRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'pvh-sys-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

test('readSystemInfo: reads /proc under --root and runs pveversion from PATH', async (t) => {
  const root = fakeRoot({
    '/etc/hostname': 'pve1\n',
    '/proc/sys/kernel/osrelease': '6.8.12-4-pve\n',
    '/proc/uptime': '90061.5 100.0\n',
    '/proc/loadavg': '1.50 0.75 0.25 2/300 999\n',
    '/proc/meminfo': 'MemTotal: 2048 kB\nMemAvailable: 1024 kB\n',
    '/sys/devices/system/cpu/online': '0-15\n',
    '/bin/pveversion': '#!/bin/sh\necho "pve-manager/8.3.1/fb48e850ef9dde27 (running kernel: 6.8.12-4-pve)"\n',
  });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  chmodSync(join(root, 'bin/pveversion'), 0o755);
  const host = createHost({ root, env: { ...process.env, PATH: `${join(root, 'bin')}:${process.env.PATH}` } });
  const s = await readSystemInfo(host);
  assert.equal(s.hostname, 'pve1');
  assert.equal(s.pveVersion, '8.3.1');
  assert.equal(s.kernel, '6.8.12-4-pve');
  assert.equal(s.uptimeSeconds, 90061.5);
  assert.deepEqual(s.load, [1.5, 0.75, 0.25]);
  assert.equal(s.cpus, 16);
  assert.deepEqual(s.memory, { totalBytes: 2048 * 1024, availableBytes: 1024 * 1024, usedBytes: 1024 * 1024 });
  assert.ok(s.rootDisk && s.rootDisk.totalBytes > 0 && s.rootDisk.usagePercent >= 0 && s.rootDisk.usagePercent <= 100);
});

test('readSystemInfo: a node without pveversion or /proc files gives nulls, not an error', async (t) => {
  const root = fakeRoot({ '/etc/hostname': '' });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const host = createHost({ root, env: { ...process.env, PATH: join(root, 'bin') } });
  const s = await readSystemInfo(host);
  assert.deepEqual(
    { ...s, rootDisk: null },
    {
      hostname: null,
      pveVersion: null,
      kernel: null,
      uptimeSeconds: null,
      load: null,
      cpus: null,
      memory: null,
      rootDisk: null,
    },
  );
});
