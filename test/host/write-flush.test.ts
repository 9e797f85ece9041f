// What waits for the disk, observed with strace on the real syscalls:
// - the service's scan history is flushed in libuv's thread pool, never on the event loop (a flush on a
//   busy pool held up every request once per scan), and scans that finish during a write make one more
//   write, not one each;
// - the state of this boot under /run (mount probe claims, their output files, the result cache) is
//   renamed into place but never flushed: /run is a tmpfs, and a flush only matters across a crash;
// - every other file the tool owns (a report, a capture) is still flushed before its rename.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeFileSafelyAsync } from '../../src/host/write-file';
import { CLI, ensureBuilt, REPO } from '../helpers/cli';
import { requireTool } from '../helpers/require-tool';
import { tempDir } from '../helpers/temp-dir';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function dir(prefix: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
}

interface Sync {
  tid: number;
  call: string;
  path: string;
}

/** The flushes (and renames) a command made, by thread: `strace -f -y` lines, "TID fsync(FD</path>) = 0". */
function traced(strace: string, argv: string[]): { syncs: Sync[]; renames: string[]; stdout: string; stderr: string } {
  const log = join(dir('pvh-strace-'), 'log');
  const r = spawnSync(
    strace,
    ['-f', '-y', '-qq', '-e', 'trace=fsync,fdatasync,rename,renameat,renameat2', '-o', log, ...argv],
    {
      encoding: 'utf8',
      cwd: REPO,
      timeout: 60_000,
    },
  );
  assert.equal(r.status === null ? r.signal : 'done', 'done', r.stderr);
  const syncs: Sync[] = [];
  const renames: string[] = [];
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const m = /^(\d+) +(fsync|fdatasync)\(\d+<([^>]*)>\)/.exec(line);
    if (m) syncs.push({ tid: Number(m[1]), call: m[2], path: m[3] });
    const rn = /^\d+ +rename(?:at2?)?\(.*"([^"]+)"[^"]*\) = 0/.exec(line);
    if (rn) renames.push(rn[1]);
  }
  return { syncs, renames, stdout: r.stdout, stderr: r.stderr };
}

test('the scan history is flushed off the event loop, coalesced; a report is flushed; /run state is not', (t) => {
  const strace = requireTool(t, 'strace', 'strace');
  if (!strace) return;
  const root = dir('pvh-flush-');
  const src = (p: string) => JSON.stringify(join(REPO, p));
  const script = `import { existsSync } from 'node:fs';
import { createScanHistory } from ${src('src/serve/scan-history.ts')};
import { writeFileSafely } from ${src('src/host/write-file.ts')};
import { writeRunFile } from ${src('src/host/probe-state.ts')};
const root = ${JSON.stringify(root)};
const h = createScanHistory({ host: { root }, persist: true, warn: (m) => { console.error(m); process.exit(9); } });
// Three scans finish in one tick: one write starts, the newest history is written once after it.
h.record('dm', null, new Date(1000));
h.record('dm', null, new Date(2000));
h.record('mounts', null, new Date(3000));
const written = existsSync(root + '/var/lib/pve-health/serve-history.json');
await h.flush();
writeFileSafely(root + '/report.html', '<p>x</p>', 0o644);
writeRunFile(root + '/claim.json', '{}');
console.log(JSON.stringify({ pid: process.pid, written }));`;
  const r = traced(strace, [process.execPath, '--import', 'tsx', '--input-type=module', '-e', script]);
  const out = JSON.parse(r.stdout) as { pid: number; written: boolean };
  assert.equal(out.written, false, 'record() returned before anything was written');
  const history = r.syncs.filter((s) => s.path.includes('serve-history.json'));
  assert.equal(history.length, 2, `two writes for three scans: ${JSON.stringify(r.syncs)}`);
  for (const s of history) assert.notEqual(s.tid, out.pid, 'the history was flushed on the main thread');
  const file = join(root, 'var/lib/pve-health/serve-history.json');
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(saved.dm.length, 2);
  assert.equal(saved.mounts.length, 1);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  // The caller's own synchronous write is flushed by the caller; the /run state not at all.
  assert.deepEqual(
    r.syncs.filter((s) => s.path.includes('report.html')).map((s) => s.tid),
    [out.pid],
  );
  assert.deepEqual(
    r.syncs.filter((s) => s.path.includes('claim.json')),
    [],
  );
  assert.ok(
    r.renames.some((p) => p.endsWith('/claim.json')),
    'the claim was still renamed into place',
  );
  assert.deepEqual(readdirSync(root).sort(), ['claim.json', 'report.html', 'var']);
});

test('mounts --fresh: probe claims, output files and the result cache under /run are never flushed', (t) => {
  const strace = requireTool(t, 'strace', 'strace');
  if (!strace) return;
  ensureBuilt();
  const root = dir('pvh-flush-mounts-');
  for (const p of ['/mnt/pve/nfs-a', '/proc/self', '/etc/pve']) mkdirSync(join(root, p), { recursive: true });
  writeFileSync(
    join(root, 'proc/self/mountinfo'),
    [
      '21 1 8:1 / / rw,relatime shared:1 - ext4 /dev/mapper/pve-root rw,errors=remount-ro',
      '40 21 0:52 / /mnt/pve/nfs-a rw,relatime shared:40 - nfs4 10.0.0.5:/export/a rw,vers=4.2,hard',
      '',
    ].join('\n'),
  );
  writeFileSync(join(root, 'etc/pve/.members'), '{"nodename":"pve1","version":3}');
  writeFileSync(
    join(root, 'etc/pve/storage.cfg'),
    'nfs: nfs-a\n\tpath /mnt/pve/nfs-a\n\tserver 10.0.0.5\n\texport /export/a\n',
  );
  const r = traced(strace, [process.execPath, CLI, '--root', root, 'mounts', '--json', '--fresh']);
  const doc = JSON.parse(r.stdout);
  assert.equal(
    doc.mounts.entries.find((e: { target: string }) => e.target === '/mnt/pve/nfs-a').status,
    'ok',
    r.stderr,
  );
  const run = join(root, 'run/pve-health');
  // The probe really wrote its state there (not a vacuous pass): its output file, claim and the cache.
  assert.ok(
    r.renames.some((p) => p.startsWith(`${run}/probes/out-`)),
    JSON.stringify(r.renames),
  );
  assert.ok(
    r.renames.some((p) => p.startsWith(`${run}/probes/sb-`)),
    JSON.stringify(r.renames),
  );
  assert.ok(r.renames.includes(`${run}/mounts-cache.json`), JSON.stringify(r.renames));
  assert.deepEqual(
    r.syncs.filter((s) => s.path.startsWith(`${root}/run/`)),
    [],
  );
});

test('writeFileSafelyAsync: a new file of the mode asked, written through no planted link; a failed rename leaves no temporary file', async () => {
  const d = dir('pvh-wfa-');
  const target = join(d, 'state.json');
  // A link planted under the temporary name is replaced, not written through.
  symlinkSync('/dev/null', `${target}.${process.pid}.tmp`);
  await writeFileSafelyAsync(target, '{"a":1}\n', 0o600);
  assert.equal(readFileSync(target, 'utf8'), '{"a":1}\n');
  assert.equal(statSync(target).mode & 0o777, 0o600);
  await writeFileSafelyAsync(target, '{"a":2}\n', 0o600);
  assert.equal(readFileSync(target, 'utf8'), '{"a":2}\n');
  assert.deepEqual(readdirSync(d), ['state.json']);
  // A directory in the target's place: the rename fails, the error reaches the caller, nothing is left.
  const blocked = join(d, 'blocked');
  mkdirSync(join(blocked, 'x'), { recursive: true });
  await assert.rejects(writeFileSafelyAsync(blocked, 'x', 0o600, join(d, 'blocked.tmp')));
  assert.equal(existsSync(join(d, 'blocked.tmp')), false);
  assert.deepEqual(readdirSync(d).sort(), ['blocked', 'state.json']);
});
