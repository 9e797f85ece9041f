// Real hangs without NFS: FUSE filesystems whose server never answers (see probe-mount-hangfs.mjs),
// listed in a fixture mountinfo as nfs4/cifs. Needs root and /dev/fuse; skipped elsewhere. The
// timing proof (timeout + 1 s for 50 hung mounts) is bench/mounts.mjs; here: behaviour.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkMounts } from '../../src/cli/mounts-pipeline';
import type { Exec } from '../../src/host/exec';
import { exec as realExec } from '../../src/host/exec';
import { createHost } from '../../src/host/host';
import { processStart } from '../../src/host/probe-mount';

/** The live mounts pipeline's verdicts. */
const runMountsCheck = async (...a: Parameters<typeof checkMounts>) => (await checkMounts(...a)).result;

import { fuseAvailable, type HungMount, mountStall, mountSwallow } from './probe-mount-hangfs.mjs';

const why = fuseAvailable();

function fixture(mounts: [string, string, string, string][], ct?: string) {
  const root = mkdtempSync(join(tmpdir(), 'pveh-fuse-'));
  const lines = mounts.map(
    ([mm, target, fstype, source], i) => `${40 + i} 21 ${mm} / ${target} rw,relatime shared:9 - ${fstype} ${source} rw`,
  );
  lines.unshift('21 1 8:1 / / rw,relatime shared:1 - ext4 /dev/mapper/pve-root rw,errors=remount-ro');
  for (const [, target] of mounts) mkdirSync(join(root, target), { recursive: true });
  mkdirSync(join(root, 'proc/self'), { recursive: true });
  writeFileSync(join(root, 'proc/self/mountinfo'), `${lines.join('\n')}\n`);
  mkdirSync(join(root, 'etc/pve/lxc'), { recursive: true });
  writeFileSync(join(root, 'etc/pve/.members'), '{"nodename":"pve1","version":1}');
  writeFileSync(
    join(root, 'etc/pve/storage.cfg'),
    [
      'nfs: hung\n\tpath /mnt/pve/hung\n\tserver 10.0.0.5\n\texport /export/hung\n',
      'nfs: backup\n\tserver 10.0.0.5\n\texport /export/backup\n\tpath /mnt/pve/backup\n',
      // Every mount below /mnt/pve is a storage's (one storage.cfg no longer has is a leftover mount).
      'nfs: nfs-ok\n\tserver 10.0.0.5\n\texport /export/ok\n\tpath /mnt/pve/nfs-ok\n',
      'cifs: dead\n\tserver fs01\n\tshare dead\n\tpath /mnt/pve/dead\n',
    ].join('\n'),
  );
  if (ct) {
    mkdirSync(join(root, 'proc/500/task/500'), { recursive: true });
    writeFileSync(join(root, 'proc/500/comm'), 'lxc-start\n');
    writeFileSync(join(root, 'proc/500/cmdline'), ['/usr/bin/lxc-start', '-F', '-n', '105', ''].join('\0'));
    writeFileSync(join(root, 'proc/500/task/500/children'), '501 ');
    mkdirSync(join(root, 'proc/501/root/mnt/hung'), { recursive: true });
    writeFileSync(join(root, 'proc/501/mountinfo'), ct);
    writeFileSync(
      join(root, 'etc/pve/lxc/105.conf'),
      'rootfs: local-lvm:vm-105-disk-0,size=8G\nmp0: /mnt/pve/hung,mp=/mnt/hung\n',
    );
  }
  const calls: { argv: string[]; input: string }[] = [];
  const exec: Exec = (argv, opts) => {
    calls.push({ argv, input: opts?.input ?? '' });
    return realExec(argv, opts);
  };
  return { root, host: createHost({ root, exec }), calls };
}

test('hang: killable hangs are stale after the timeout, then probed again by the next run', {
  skip: why ?? false,
  timeout: 60_000,
}, async (t) => {
  const ct = [
    '1001 1000 252:5 / / rw,relatime master:1 - ext4 /dev/mapper/pve-vm--105--disk--0 rw',
    '1002 1001 0:90 / /proc rw - proc proc rw',
    '1003 1001 0:901 / /mnt/hung rw,relatime - nfs4 10.0.0.5:/export/hung rw',
  ].join('\n');
  const { root, host, calls } = fixture(
    [
      ['0:901', '/mnt/pve/hung', 'nfs4', '10.0.0.5:/export/hung'],
      ['0:902', '/mnt/pve/nfs-ok', 'nfs', '10.0.0.5:/export/ok'],
      ['0:903', '/mnt/pve/dead', 'cifs', '//fs01/dead'],
    ],
    ct,
  );
  const mounts: HungMount[] = [];
  t.after(() => {
    for (const m of mounts) m.close();
    rmSync(root, { recursive: true, force: true });
  });
  mounts.push(mountStall(join(root, 'mnt/pve/hung')));
  const dead = mountStall(join(root, 'mnt/pve/dead'));
  mounts.push(dead);
  dead.abort(); // connection aborted, mount left in place: ENOTCONN, like a dead FUSE client

  const started = performance.now();
  const r = await runMountsCheck(host, {}, { fresh: true, timeoutMs: 1000 });
  t.diagnostic(`first run: ${Math.round(performance.now() - started)} ms with a 1 s timeout`);
  const by = Object.fromEntries(r.entries.map((e) => [`${e.scope}:${e.target}`, e]));
  assert.deepEqual(Object.keys(by).sort(), [
    'ct:/',
    'ct:/mnt/hung',
    'host:/mnt/pve/backup',
    'host:/mnt/pve/dead',
    'host:/mnt/pve/hung',
    'host:/mnt/pve/nfs-ok',
  ]);
  assert.equal(by['host:/mnt/pve/hung'].status, 'stale');
  assert.equal(by['host:/mnt/pve/hung'].reason, 'timeout');
  assert.equal(by['host:/mnt/pve/hung'].storage, 'hung');
  assert.equal(by['ct:/mnt/hung'].status, 'stale', 'the container bind mount shares the result');
  assert.equal(by['ct:/mnt/hung'].storage, 'hung');
  assert.equal(by['host:/mnt/pve/nfs-ok'].status, 'ok');
  assert.equal(by['host:/mnt/pve/dead'].status, 'stale');
  assert.equal(by['host:/mnt/pve/dead'].error, 'ENOTCONN');
  assert.equal(by['host:/mnt/pve/backup'].status, 'missing');
  assert.equal(by['ct:/'].status, 'ok');
  assert.ok((by['ct:/'].totalBytes ?? 0) > 0);
  assert.equal(r.status, 2);
  assert.equal(calls.length, 1, 'one probe process');
  const input = JSON.parse(calls[0].input) as { jobs: { k: string }[] };
  assert.equal(input.jobs.filter((j) => j.k === '0:901').length, 1, 'one probe for the superblock seen twice');
  assert.deepEqual(r.stuckProbes, [], 'SIGKILL ended the probe: nothing stuck');

  // The killed probe has ended, so the next run may (and does) probe the hung mount again.
  const r2 = await runMountsCheck(host, {}, { fresh: true, timeoutMs: 1000 });
  assert.equal(calls.length, 2);
  assert.equal(r2.entries.find((e) => e.target === '/mnt/pve/hung')?.reason, 'timeout');
});

test('hang: a probe stuck past SIGKILL is tracked; no second probe until it has ended', {
  skip: why ?? false,
  timeout: 60_000,
}, async (t) => {
  const { root, host, calls } = fixture([
    ['0:904', '/mnt/pve/hung', 'nfs4', '10.0.0.5:/export/hung'],
    ['0:905', '/mnt/pve/nfs-ok', 'nfs', '10.0.0.5:/export/ok'],
  ]);
  const server = await mountSwallow(join(root, 'mnt/pve/hung'));
  let closed = false;
  t.after(() => {
    if (!closed) server.close();
    rmSync(root, { recursive: true, force: true });
  });

  const r1 = await runMountsCheck(host, {}, { fresh: true, timeoutMs: 1000 });
  assert.equal(r1.entries.find((e) => e.target === '/mnt/pve/hung')?.status, 'stale');
  assert.equal(r1.stuckProbes.length, 1, 'the killed probe did not end (uninterruptible sleep)');
  const stuckPid = r1.stuckProbes[0].pid;
  assert.deepEqual(r1.stuckProbes[0].keys, ['0:904']);
  assert.notEqual(processStart(stuckPid), null, 'it is still there');

  // Second run (a timer, the dashboard) while it is stuck: reported, not probed again.
  const r2 = await runMountsCheck(host, {}, { fresh: true, timeoutMs: 1000 });
  const hung = r2.entries.find((e) => e.target === '/mnt/pve/hung')!;
  assert.equal(hung.status, 'stale');
  assert.equal(hung.reason, 'probe-stuck');
  assert.match(String(hung.detail), new RegExp(`pid ${stuckPid}`));
  assert.equal(r2.entries.find((e) => e.target === '/mnt/pve/nfs-ok')?.status, 'ok');
  assert.equal(calls.length, 2);
  assert.ok(!calls[1].input.includes('0:904'), 'the second run did not probe the stuck superblock');
  assert.equal(r2.stuckProbes[0].pid, stuckPid);

  // The server goes away: the stuck request fails, the probe ends, its claim is released.
  server.close();
  closed = true;
  for (let i = 0; i < 100 && processStart(stuckPid) !== null; i++) await new Promise((res) => setTimeout(res, 50));
  assert.equal(processStart(stuckPid), null, 'the stuck probe ended once the server was gone');
  await new Promise((res) => setTimeout(res, 100));
  const r3 = await runMountsCheck(host, {}, { fresh: true, timeoutMs: 1000 });
  assert.equal(calls.length, 3);
  assert.ok(calls[2].input.includes('0:904'), 'probed again');
  assert.deepEqual(r3.stuckProbes, []);
});

test('hang: two runs at the same moment probe a hung mount once; the second waits for the result', {
  skip: why ?? false,
  timeout: 60_000,
}, async (t) => {
  const { root, host, calls } = fixture([['0:906', '/mnt/pve/hung', 'nfs4', '10.0.0.5:/export/hung']]);
  const m = mountStall(join(root, 'mnt/pve/hung'));
  t.after(() => {
    m.close();
    rmSync(root, { recursive: true, force: true });
  });
  const [a, b] = await Promise.all([
    runMountsCheck(host, {}, { fresh: true, timeoutMs: 1000 }),
    runMountsCheck(host, {}, { fresh: true, timeoutMs: 1000 }),
  ]);
  assert.equal(calls.filter((c) => c.input.includes('0:906')).length, 1, 'one probe of the hung superblock');
  for (const r of [a, b]) assert.equal(r.entries.find((e) => e.target === '/mnt/pve/hung')?.status, 'stale');
});
