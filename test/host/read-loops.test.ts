// Loop devices read from /sys/block (host/read-loops.ts): a bound device names its file (the `loop`
// directory exists only while it is bound), an unbound one and a node without /sys/block name none, and a
// read that fails otherwise is named, never taken as "no loop device".
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createHost } from '../../src/host/host';
import { readLoopDevices } from '../../src/host/read-loops';

function node(devices: Record<string, string | null | 'dir'>): string {
  const root = mkdtempSync(join(tmpdir(), 'pvh-loops-'));
  mkdirSync(join(root, 'sys/block'), { recursive: true });
  for (const [name, backing] of Object.entries(devices)) {
    const dir = join(root, 'sys/devices/virtual/block', name);
    mkdirSync(dir, { recursive: true });
    symlinkSync(`../devices/virtual/block/${name}`, join(root, 'sys/block', name));
    if (backing === null) continue; // unbound: no `loop` directory
    mkdirSync(join(dir, 'loop'));
    // A directory where the file should be: a read that fails (EISDIR), not "unbound".
    if (backing === 'dir') mkdirSync(join(dir, 'loop/backing_file'));
    else writeFileSync(join(dir, 'loop/backing_file'), backing);
  }
  return root;
}

test('bound loop devices name their files; unbound ones and other block devices none', () => {
  const root = node({
    loop0: '/var/lib/vz/images/102/vm-102-disk-0.raw\n',
    loop1: null,
    loop7: '/mnt/pve/nfs store/images/300/vm-300-disk-0.raw\n',
    zd0: '/not/a/loop\n',
  });
  assert.deepEqual(readLoopDevices(createHost({ root })), {
    backing: {
      loop0: '/var/lib/vz/images/102/vm-102-disk-0.raw',
      loop7: '/mnt/pve/nfs store/images/300/vm-300-disk-0.raw',
    },
  });
});

test('no /sys/block under the root: none, no error', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-loops-'));
  assert.deepEqual(readLoopDevices(createHost({ root })), { backing: {} });
});

test('a backing_file that cannot be read is named; the others are still read', () => {
  const root = node({ loop0: 'dir', loop1: '/var/lib/vz/images/101/vm-101-disk-0.raw\n' });
  const got = readLoopDevices(createHost({ root }));
  assert.deepEqual(got.backing, { loop1: '/var/lib/vz/images/101/vm-101-disk-0.raw' });
  assert.match(got.error ?? '', /^could not be read: \/sys\/block\/loop0\/loop\/backing_file: EISDIR/);
});

test('/sys/block that is no directory (ENOTDIR) is none, like a missing one', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-loops-'));
  mkdirSync(join(root, 'sys'));
  writeFileSync(join(root, 'sys/block'), ''); // not a directory: ENOTDIR is "none"
  assert.deepEqual(readLoopDevices(createHost({ root })), { backing: {} });
});
