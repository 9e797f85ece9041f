// test/e2e/lib/guest-boot.sh: a testbed guest that hangs before its job starts is stopped and booted once
// more; a guest whose job started is never touched. The launcher is a stand-in for run-in-guest.sh that
// behaves, boot by boot, as a list of modes says: `start` (writes the job-start line as stage 2 does, then
// exits with the job's code), `hang` (only the early kernel line, then waits until stopped: TERM ends it
// with 125 as the real launcher's "no result"), `late` (starts after 1.5 s), `long` (starts at once and runs 3 s), `slowhang` (a hang whose launcher takes 1.5 s to empty .testbed), `fail` (exits 2 at once, as a
// launcher that cannot boot does). Each boot appends a line to a calls file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/temp-dir';

const wrapper = join(process.cwd(), 'test/e2e/lib/guest-boot.sh');

const LAUNCHER = `#!/bin/bash
J=$OUT_DIR/.testbed
n=$(( $(grep -c ' out=' "$CALLS" 2>/dev/null) + 1 ))
mode=$(echo "$MODES" | cut -d, -f$n)
echo "boot $n $mode out=$OUT_DIR args=$*" >>"$CALLS"
[ "$mode" = slowhang ] && { sleep 1.5; mode=hang; }
rm -rf "$J"; mkdir -p "$J"
echo '[    0.72] PCI: Fatal: No config space access function found' >"$J/console.log"
case $mode in
  start) echo 'testbed: job start at uptime 5.1s: suite.sh' >>"$J/console.log"; echo "job output $n"; exit 7 ;;
  long) echo 'testbed: job start at uptime 5.1s: suite.sh' >>"$J/console.log"; sleep 3; echo "long job $n"; exit 0 ;;
  late) sleep 1.5; echo 'testbed: job start at uptime 9.9s: suite.sh' >>"$J/console.log"; sleep 2; echo "late job $n"; exit 0 ;;
  hang) trap 'echo "boot $n stopped" >>"$CALLS"; exit 125' TERM; for i in $(seq 100); do sleep 0.1; done; exit 124 ;;
  fail) echo 'run-in-guest: vmlinux missing' >&2; exit 2 ;;
esac
`;

function run(modes: string, opts: { outDir?: string; limit?: string; timeout?: number } = {}) {
  const dir = tempDir('pvh-guest-boot-');
  const launcher = join(dir, 'run-in-guest.sh');
  writeFileSync(launcher, LAUNCHER);
  chmodSync(launcher, 0o755);
  const calls = join(dir, 'calls');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MODES: modes,
    CALLS: calls,
    TMPDIR: dir,
    PVE_HEALTH_GUEST_BOOT_LIMIT: opts.limit ?? '1',
  };
  delete env.OUT_DIR;
  if (opts.outDir) env.OUT_DIR = opts.outDir;
  const r = spawnSync('bash', [wrapper, launcher, 'suite.sh', 'a', 'b'], {
    encoding: 'utf8',
    env,
    timeout: opts.timeout ?? 60_000,
  });
  return { ...r, calls: existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [], dir };
}

test('a guest whose job starts: booted once, its output and exit code passed on, the arguments as given', () => {
  const r = run('start,start');
  assert.equal(r.status, 7, r.stderr);
  assert.match(r.stdout, /job output 1/);
  assert.equal(r.calls.length, 1);
  assert.match(r.calls[0], /args=suite\.sh a b$/);
  assert.doesNotMatch(r.stderr, /guest-boot/);
});

test('a guest that hangs before its job: stopped, the console tail shown, booted once more, that run counts', () => {
  const r = run('hang,start');
  assert.equal(r.status, 7, r.stderr);
  assert.deepEqual(
    r.calls.map((c) => c.split(' out=')[0]),
    ['boot 1 hang', 'boot 1 stopped', 'boot 2 start'],
  );
  assert.match(r.stderr, /did not start its job within 1 s \(a boot hang under emulation\)/);
  assert.match(r.stderr, /PCI: Fatal: No config space access function found/);
  assert.match(r.stderr, /booting it once more/);
  assert.match(r.stdout, /job output 2/);
});

test('a second hang is not stopped by the wrapper: the launcher ends it (its own time limit), once, and fails', () => {
  const r = run('hang,hang,start');
  assert.equal(r.status, 124);
  assert.deepEqual(
    r.calls.map((c) => c.split(' out=')[0]),
    ['boot 1 hang', 'boot 1 stopped', 'boot 2 hang'],
  );
  assert.equal(r.stderr.match(/booting it once more/g)?.length, 1);
});

test('a job that starts late but within the limit is never stopped', () => {
  const r = run('late,start', { limit: '4' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /late job 1/);
  assert.equal(r.calls.length, 1);
});

test('a job that runs longer than the limit once started is never stopped', () => {
  const r = run('long,start');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /long job 1/);
  assert.equal(r.calls.length, 1);
  assert.doesNotMatch(r.stderr, /guest-boot/);
});

test('a launcher that fails before any boot (exit 2) is not booted again, nor waited for up to the limit', () => {
  // A limit of 600 s that the wrapper would sit out were it not to see the launcher gone: the run is cut at 30 s.
  const r = run('fail,start', { limit: '600', timeout: 30_000 });
  assert.equal(r.status, 2);
  assert.equal(r.calls.length, 1);
  assert.match(r.stderr, /vmlinux missing/);
  assert.doesNotMatch(r.stderr, /booting it once more/);
});

test("the caller's OUT_DIR is used and kept; without one, the wrapper's own folder is removed", () => {
  const out = join(tempDir('pvh-guest-boot-out-'), 'kept');
  const kept = run('hang,start', { outDir: out });
  assert.equal(kept.status, 7);
  for (const c of kept.calls.filter((c) => c.startsWith('boot 1 hang') || c.startsWith('boot 2')))
    assert.match(c, new RegExp(`out=${out} `));
  assert.ok(existsSync(join(out, '.testbed/console.log')));
  const own = run('start');
  const made = own.calls[0].split(' out=')[1].split(' ')[0];
  assert.ok(made.startsWith(own.dir), made);
  assert.ok(!existsSync(made), `${made} left behind`);
});

test("an OUT_DIR used before: its earlier console's job-start line is not taken for this boot's", () => {
  const out = tempDir('pvh-guest-boot-reused-');
  spawnSync('mkdir', ['-p', join(out, '.testbed')]);
  writeFileSync(join(out, '.testbed/console.log'), 'testbed: job start at uptime 4.0s: suite.sh\n');
  const r = run('slowhang,start', { outDir: out });
  assert.equal(r.status, 7, r.stderr);
  assert.match(r.stderr, /booting it once more/);
  assert.equal(r.calls.filter((c) => c.includes(' out=')).length, 2);
});

test('a limit that is no number of seconds is refused', () => {
  for (const limit of ['0', 'x', '-5']) {
    const r = run('start', { limit });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /PVE_HEALTH_GUEST_BOOT_LIMIT/);
    assert.equal(r.calls.length, 0);
  }
});
