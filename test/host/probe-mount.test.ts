// Probing real directories in a real child process; the stuck-probe tracker with a real process
// that has not ended (a `sleep`), and the cache. Real hangs are in probe-mount-fuse.test.ts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseProbeOutput } from '../../src/children/probe-mount-child';
import { mountTimeoutMs } from '../../src/cli/mounts-pipeline';
import type { Exec } from '../../src/host/exec';
import { exec as realExec } from '../../src/host/exec';
import { createHost } from '../../src/host/host';
import { listStuckProbes, probeMounts, processStart } from '../../src/host/probe-mount';
import { findContainerInits, parseLxcStartArgs } from '../../src/host/read-mounts';

const tmp = mkdtempSync(join(tmpdir(), 'pveh-probe-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function countingHost(root: string) {
  const calls: string[][] = [];
  const exec: Exec = (argv, opts) => {
    calls.push(argv);
    return realExec(argv, opts);
  };
  return { host: createHost({ root, exec }), calls };
}

const OPTS = { timeoutMs: 2000, concurrency: 8, cacheTtlMs: 60_000 };

test('probe: reachable directories get capacity, a missing one its errno; one child for all', async () => {
  const root = join(tmp, 'r1');
  mkdirSync(join(root, 'mnt/pve/a'), { recursive: true });
  mkdirSync(join(root, 'mnt/pve/b'), { recursive: true });
  writeFileSync(join(root, 'mnt/pve/b/file'), 'x');
  const { host, calls } = countingHost(root);
  const jobs = [
    { key: '0:1', path: '/mnt/pve/a', labels: [] },
    { key: '0:2', path: '/mnt/pve/b', labels: [] },
    { key: '0:3', path: '/mnt/pve/gone', labels: [] },
  ];
  const r = await probeMounts(host, jobs, { ...OPTS, fresh: true });
  assert.equal(calls.length, 1, 'one probe process for every superblock');
  assert.equal(r.probes['0:1'].ok, true);
  assert.ok((r.probes['0:1'].totalBytes ?? 0) > 0);
  assert.ok((r.probes['0:2'].availableBytes ?? -1) >= 0);
  assert.equal(r.probes['0:3'].ok, false);
  assert.equal(r.probes['0:3'].error, 'ENOENT');
  assert.equal(r.probes['0:3'].phase, 'stat');
  assert.deepEqual(readdirSync(join(root, 'run/pve-health/probes')), [], 'finished probes leave no claim behind');

  // Within the TTL the cache answers without a new process; --fresh probes again.
  const again = await probeMounts(host, jobs, OPTS);
  assert.equal(calls.length, 1);
  assert.equal(again.probes['0:1'].cached, true);
  await probeMounts(host, jobs, { ...OPTS, fresh: true });
  assert.equal(calls.length, 2);
  const expired = await probeMounts(host, jobs, { ...OPTS, cacheTtlMs: 0 });
  assert.equal(calls.length, 3);
  assert.equal(expired.probes['0:1'].cached, undefined);
});

test('probe: a superblock whose earlier probe has not ended is reported stuck, never probed again', async (t) => {
  const root = join(tmp, 'r2');
  mkdirSync(join(root, 'mnt/pve/nfs'), { recursive: true });
  mkdirSync(join(root, 'run/pve-health/probes'), { recursive: true });
  // A real process that has not ended stands in for a probe stuck in uninterruptible sleep.
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => sleeper.kill('SIGKILL'));
  const pid = sleeper.pid!;
  const since = new Date(Date.now() - 60_000).toISOString();
  const claim = {
    key: '0:53',
    path: '/mnt/pve/nfs',
    owner: 1,
    ownerStart: null,
    probePid: pid,
    probeStart: processStart(pid),
    since,
  };
  writeFileSync(join(root, 'run/pve-health/probes/sb-0_53.json'), JSON.stringify(claim));
  const { host, calls } = countingHost(root);
  const jobs = [
    { key: '0:53', path: '/mnt/pve/nfs', labels: [] },
    { key: '0:60', path: '/mnt/pve/nfs', labels: [] },
  ];
  const r = await probeMounts(host, jobs, { ...OPTS, fresh: true });
  assert.equal(r.probes['0:53'].error, 'stuck');
  assert.equal(r.probes['0:53'].stuckPid, pid);
  assert.equal(r.probes['0:60'].ok, true, 'other superblocks are still probed');
  assert.equal(calls.length, 1);
  assert.deepEqual(r.stuck, [{ pid, since, keys: ['0:53'], paths: ['/mnt/pve/nfs'] }]);

  // Once that process has ended, the next run probes the mount again.
  sleeper.kill('SIGKILL');
  await new Promise((res) => sleeper.once('exit', res));
  const r2 = await probeMounts(host, jobs.slice(0, 1), { ...OPTS, fresh: true });
  assert.equal(r2.probes['0:53'].ok, true);
  assert.equal(calls.length, 2);
  assert.deepEqual(listStuckProbes(host, 2000), []);
});

test('probe: a claim left by a run that died before starting its child is taken over', async () => {
  const root = join(tmp, 'r3');
  mkdirSync(join(root, 'mnt/x'), { recursive: true });
  mkdirSync(join(root, 'run/pve-health/probes'), { recursive: true });
  const dead = {
    key: '0:9',
    path: '/mnt/x',
    owner: 2 ** 22 + 17,
    ownerStart: '1',
    probePid: null,
    probeStart: null,
    since: new Date().toISOString(),
  };
  writeFileSync(join(root, 'run/pve-health/probes/sb-0_9.json'), JSON.stringify(dead));
  const { host } = countingHost(root);
  const r = await probeMounts(host, [{ key: '0:9', path: '/mnt/x', labels: [] }], { ...OPTS, fresh: true });
  assert.equal(r.probes['0:9'].ok, true);
});

test('probe: child output → results (timeout keeps the phase it hung in)', () => {
  const lines = [
    { t: 'ready', pid: 1 },
    { t: 'p', k: 'a', ph: 'stat' },
    { t: 'p', k: 'b', ph: 'stat' },
    { t: 'p', k: 'b', ph: 'readdir' },
    { t: 'r', k: 'a', ok: true, ms: 2, bsize: 4096, blocks: 100, bfree: 40, bavail: 30 },
    { t: 'p', k: 'c', ph: 'stat' },
    { t: 'r', k: 'c', ok: false, code: 'ESTALE', msg: 'ESTALE: stale file handle', phase: 'stat', ms: 1 },
    { t: 'deadline' },
  ]
    .map((o) => JSON.stringify(o))
    .join('\n');
  const r = parseProbeOutput(
    `${lines}\n{"t":"r","k":"tr`,
    [{ key: 'a' }, { key: 'b' }, { key: 'c' }, { key: 'd' }],
    3,
    'T',
  );
  assert.deepEqual([r.a.totalBytes, r.a.usedBytes, r.a.availableBytes], [409600, 245760, 122880]);
  assert.deepEqual([r.b.error, r.b.phase], ['timeout', 'readdir']);
  assert.deepEqual([r.c.error, r.c.phase], ['ESTALE', 'stat']);
  assert.equal(r.d.error, 'not-probed');
  assert.match(String(r.d.message), /all 3 probe slots/);
  const none = parseProbeOutput('', [{ key: 'a' }], 1, 'T', 'spawn ENOENT');
  assert.match(String(none.a.message), /did not start: spawn ENOENT/);
});

test('containers: lxc-start monitors and their init child, from a /proc tree', () => {
  const root = join(tmp, 'r4');
  const proc = (pid: number, comm: string, argv: string[], extra: Record<string, string> = {}) => {
    mkdirSync(join(root, 'proc', String(pid), 'task', String(pid)), { recursive: true });
    writeFileSync(join(root, 'proc', String(pid), 'comm'), `${comm}\n`);
    writeFileSync(join(root, 'proc', String(pid), 'cmdline'), `${argv.join('\0')}\0`);
    for (const [f, text] of Object.entries(extra)) writeFileSync(join(root, 'proc', String(pid), f), text);
  };
  proc(3400, 'lxc-start', ['/usr/bin/lxc-start', '-F', '-n', '105'], { 'task/3400/children': '3401 ' });
  proc(3401, 'systemd', ['/sbin/init']);
  // no children file (kernel without CONFIG_PROC_CHILDREN): found by the parent pid in stat
  proc(3500, 'lxc-start', ['/usr/bin/lxc-start', '-F', '--name=200']);
  proc(3501, 'init', ['/sbin/init'], { stat: '3501 (init) S 3500 3501 3501 0 -1 4194560 0 0' });
  proc(3600, 'bash', ['lxc-start', '-n', '300'], { 'task/3600/children': '3601' });
  proc(3700, 'lxc-start', ['/usr/bin/lxc-start', '-F', '-n', '400'], { 'task/3700/children': '' });
  const { host } = countingHost(root);
  assert.deepEqual(findContainerInits(host), [
    { ctid: 105, pid: 3401 },
    { ctid: 200, pid: 3501 },
  ]);
  const cases: [string[], number | null][] = [
    [['/usr/bin/lxc-start', '-F', '-n', '105'], 105],
    [['lxc-start', '-n105', '-F'], 105],
    [['lxc-start', '--name', '7'], 7],
    [['lxc-start', '-n', 'web'], null],
    [['/usr/bin/lxc-info', '-n', '105'], null],
  ];
  for (const [argv, want] of cases) assert.equal(parseLxcStartArgs(argv), want, argv.join(' '));
});

test('timeout: --timeout over PVE_HEALTH_MOUNT_TIMEOUT over config over 2 s', () => {
  const h = (env: Record<string, string>) => createHost({ root: tmp, env });
  assert.equal(mountTimeoutMs(h({}), {}), 2000);
  assert.equal(mountTimeoutMs(h({}), { mounts: { timeout: 5 } }), 5000);
  assert.equal(mountTimeoutMs(h({ PVE_HEALTH_MOUNT_TIMEOUT: '1.5' }), { mounts: { timeout: 5 } }), 1500);
  assert.equal(mountTimeoutMs(h({ PVE_HEALTH_MOUNT_TIMEOUT: '1.5' }), {}, '0.5'), 500);
  assert.throws(() => mountTimeoutMs(h({}), {}, 'soon'), /--timeout must be seconds/);
  assert.throws(() => mountTimeoutMs(h({ PVE_HEALTH_MOUNT_TIMEOUT: '-1' }), {}), /PVE_HEALTH_MOUNT_TIMEOUT/);
});

test('probe: a probe process that cannot start is "cannot check" (exit 3), not stale mounts', async () => {
  const root = join(tmp, 'r5');
  mkdirSync(join(root, 'mnt/x'), { recursive: true });
  const failing: Exec = (argv, opts) => realExec(['/nonexistent/node', ...argv.slice(1)], opts);
  const host = createHost({ root, exec: failing });
  await assert.rejects(
    probeMounts(host, [{ key: '0:1', path: '/mnt/x', labels: [] }], { ...OPTS, fresh: true }),
    (e: Error) => e.name === 'CheckError' && /probe process did not start: .*command not found/.test(e.message),
  );
  assert.deepEqual(readdirSync(join(root, 'run/pve-health/probes')), [], 'its claims are released');
});
