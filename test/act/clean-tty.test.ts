// Interactive `clean` on a real pseudo-terminal (util-linux `script`): y/n/a/q per action, and no PVE
// lock is held while a question waits.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, fakeCheck, HAVE_FAKENODE, REPO } from './fakenode-helpers';

const haveScript = spawnSync('script', ['--version']).status === 0;

function canLock(file: string): boolean {
  return spawnSync('flock', ['-n', file, 'true']).status === 0;
}

describe('interactive clean', { skip: !HAVE_FAKENODE || !haveScript ? 'needs fakenode and script(1)' : false }, () => {
  // A hard limit, and the whole process group killed at the end: a loaded machine must give a
  // failure, never a test run that hangs on a leftover grandchild.
  it('asks per action; answers are taken without holding any lock', { timeout: 180_000 }, async () => {
    const out = buildNode('default-lvmthin');
    const root = join(out, 'root');
    const cmd = `${process.execPath} ${join(REPO, 'dist/pve-health.cjs')} --root ${root} clean --no-color`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {
      env: {
        ...process.env,
        PATH: `${join(out, 'bin')}:${process.env.PATH}`,
        FAKENODE_BIN: join(out, 'bin'),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let text = '';
    child.stdout.on('data', (b) => (text += b));
    try {
      const waitFor = async (re: RegExp) => {
        for (let i = 0; i < 900 && !re.test(text); i++) await new Promise((r) => setTimeout(r, 100));
        assert.match(text, re);
      };
      await waitFor(/\[1\/2\][\s\S]*run it\? \[y\/N\/a\/q\]/);
      child.stdin.write('y\n');
      await waitFor(/\[2\/2\][\s\S]*run it\? \[y\/N\/a\/q\]/);
      // Action 1 ran under the guest and storage locks; while question 2 waits none is held.
      assert.ok(canLock(join(root, 'var/lock/pve-manager/pve-storage-local-lvm')), 'storage lock free while asking');
      assert.ok(canLock(join(root, 'var/lock/qemu-server/lock-103.conf')), 'guest lock free while asking');
      child.stdin.write('\n'); // Enter = no
      const code = await new Promise((r) => child.on('close', r));
      assert.equal(code, 1);
      assert.match(text, /not confirmed: 1 \(pve-vm--150--disk--0\)/);
      assert.deepEqual(fakeCheck(out).removed, ['pve-vm--103--disk--2']);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      child.stdout.destroy();
      child.stderr.destroy();
      child.stdin.destroy();
      if (process.env.DEBUG_TTY) console.error(JSON.stringify(text));
    }
  });
});
