// test/e2e/testbed-build.sh on a machine where a build was cut inside debootstrap: the rootfs's /proc stayed
// mounted, the next build's `rm -rf work/rootfs` failed on every /proc file and CI's guest-caches step failed
// ("the testbed guest did not build"). The wrapper unmounts what is left below work/ first. Each case runs in
// a mount namespace of its own (unshare -m), so nothing it mounts outlives it; build-guest.sh is a stand-in
// that does what the real one does to a rootfs it rebuilds (rm -rf, then a fresh tree).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/temp-dir';

const script = join(process.cwd(), 'test/e2e/testbed-build.sh');
const canUnshare = spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status === 0;
const skip = canUnshare ? false : 'needs root and unshare -m (a mount namespace) to mount a /proc in a fake rootfs';

function setup(): { tb: string; tbd: string } {
  const dir = tempDir('pvh-testbed-build-');
  const tb = join(dir, 'scripts');
  const tbd = join(dir, 'testbed');
  mkdirSync(tb);
  mkdirSync(join(tbd, 'work/rootfs/proc'), { recursive: true });
  mkdirSync(join(tbd, 'work/rootfs/sys'), { recursive: true });
  writeFileSync(
    join(tb, 'build-guest.sh'),
    '#!/bin/bash\nset -e\nrm -rf "$TESTBED_DIR/work/rootfs"\nmkdir -p "$TESTBED_DIR/work/rootfs" "$TESTBED_DIR/guest"\n',
  );
  chmodSync(join(tb, 'build-guest.sh'), 0o755);
  return { tb, tbd };
}

// Runs MOUNTS (shell) and then the wrapper in one private mount namespace; prints what is still mounted below
// the testbed dir after it, one mount point a line, after a "mounted:" line.
function run(tbd: string, tb: string, mounts: string) {
  const sh = `${mounts}
bash ${JSON.stringify(script)} ${JSON.stringify(tb)}; rc=$?
echo mounted:; awk -v w=${JSON.stringify(tbd)} 'index($5, w "/") == 1 {print $5}' /proc/self/mountinfo
exit $rc`;
  return spawnSync('unshare', ['-m', '--propagation', 'private', 'bash', '-c', sh], {
    encoding: 'utf8',
    env: { ...process.env, TESTBED_DIR: tbd },
  });
}

test('a /proc and /sys left mounted in the rootfs by a cut debootstrap are unmounted, then the guest builds', {
  skip,
}, () => {
  const { tb, tbd } = setup();
  const r = run(
    tbd,
    tb,
    `mount -t proc proc ${tbd}/work/rootfs/proc && mount -t sysfs sys ${tbd}/work/rootfs/sys || exit 99`,
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /unmounting .*work\/rootfs\/proc \(left mounted by a build that was cut\)/);
  assert.match(r.stderr, /unmounting .*work\/rootfs\/sys/);
  assert.equal(r.stdout.split('mounted:')[1].trim(), '');
  assert.ok(existsSync(join(tbd, 'guest/.complete')), 'the build is marked complete');
});

test('nothing mounted (every ordinary build): no unmounting, the guest builds', { skip }, () => {
  const { tb, tbd } = setup();
  // A mount beside work/ (not below it) is not the wrapper's: it stays.
  mkdirSync(join(tbd, 'elsewhere'));
  const r = run(tbd, tb, `mount -t tmpfs t ${tbd}/elsewhere || exit 99`);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /unmounting/);
  assert.equal(r.stdout.split('mounted:')[1].trim(), join(tbd, 'elsewhere'));
  assert.ok(existsSync(join(tbd, 'guest/.complete')));
});
