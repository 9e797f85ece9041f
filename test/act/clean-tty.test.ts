// Interactive `clean` on a real pseudo-terminal (util-linux `script`): y/n/a/q per action, and no PVE
// lock is held while a question waits.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    const t = ptyClean(out);
    try {
      await t.waitFor(/\[1\/2\][\s\S]*run it\? \[y\/N\/a\/q\]/);
      t.child.stdin.write('y\n');
      await t.waitFor(/\[2\/2\][\s\S]*run it\? \[y\/N\/a\/q\]/);
      // Action 1 ran under the guest and storage locks; while question 2 waits none is held.
      assert.ok(canLock(join(root, 'var/lock/pve-manager/pve-storage-local-lvm')), 'storage lock free while asking');
      assert.ok(canLock(join(root, 'var/lock/qemu-server/lock-103.conf')), 'guest lock free while asking');
      t.child.stdin.write('\n'); // Enter = no
      const code = await t.closed();
      assert.equal(code, 1);
      assert.match(t.state.text, /not confirmed: 1 — local-lvm:vm-150-disk-0 \(map pve-vm--150--disk--0\)/);
      assert.deepEqual(fakeCheck(out).removed, ['pve-vm--103--disk--2']);
    } finally {
      t.kill();
    }
  });
});

/** `clean` on a pseudo-terminal; `pathPrefix` goes before the fakes (a stub standing in for one). */
function ptyClean(out: string, pathPrefix?: string) {
  const root = join(out, 'root');
  const cmd = `${process.execPath} ${join(REPO, 'dist/pve-health.cjs')} --root ${root} clean --no-color`;
  const child = spawn('script', ['-qec', cmd, '/dev/null'], {
    env: {
      ...process.env,
      PATH: `${pathPrefix ? `${pathPrefix}:` : ''}${join(out, 'bin')}:${process.env.PATH}`,
      FAKENODE_BIN: join(out, 'bin'),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const state = { text: '' };
  child.stdout.on('data', (b) => (state.text += b));
  return {
    state,
    child,
    async waitFor(re: RegExp) {
      for (let i = 0; i < 900 && !re.test(state.text); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(state.text, re);
    },
    closed: () => new Promise<number | null>((r) => child.on('close', r)),
    kill() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      child.stdout.destroy();
      child.stderr.destroy();
      child.stdin.destroy();
      if (process.env.DEBUG_TTY) console.error(JSON.stringify(state.text));
    },
  };
}

describe('clean progress and the way back', {
  skip: !HAVE_FAKENODE || !haveScript ? 'needs fakenode and script(1)' : false,
}, () => {
  it('after a: [n/N], the command, ok/FAILED with the error and the time; the summary names the undo command, which works', {
    timeout: 240_000,
  }, async () => {
    const out = buildNode('default-lvmthin');
    // The deactivation fails as lvm2 fails on an LV in use.
    const stub = mkdtempSync(join(tmpdir(), 'pvh-stub-'));
    writeFileSync(
      join(stub, 'lvchange'),
      '#!/bin/sh\necho "  Logical volume pve/vm-150-disk-0 in use." >&2\nexit 5\n',
      { mode: 0o755 },
    );
    const t = ptyClean(out, stub);
    try {
      await t.waitFor(/\[1\/2\][\s\S]*run it\? \[y\/N\/a\/q\]/);
      t.child.stdin.write('a\n');
      const code = await t.closed();
      const text = t.state.text.replace(/\r/g, '');
      assert.equal(code, 1, text);
      // The plan once: action 1's effect in its fix line and in its question, nowhere else; its item once.
      assert.equal(text.split('remove map pve-vm--103--disk--2 (no LV behind it)').length - 1, 2, text);
      assert.match(text, /^ {4}fix: remove map pve-vm--103--disk--2 \(no LV behind it\)/m);
      assert.equal(text.match(/^1\. ● WARNING {2}local-lvm:vm-103-disk-2 /gm)?.length, 1, text);
      // Action 1 was asked (its question shows number and command), so only its end is printed.
      assert.match(text, /^ {2}\[1\/2\] ok \(\d+\.\d s\)$/m);
      // Action 2 ran without a question: number and effect, the command on a line of its own, the failure.
      assert.match(
        text,
        /^\[2\/2\] deactivate LV pve\/vm-150-disk-0 .*\n {4}lvchange -an --select lv_uuid=\S+ pve\/vm-150-disk-0\n {2}\[2\/2\] FAILED \(\d+\.\d s\): exit 5: Logical volume pve\/vm-150-disk-0 in use\.$/m,
      );
      assert.match(text, /^ {2}failed: 1$/m);
      const undo = text.match(
        /^ {2}to undo it \(asks per action; --yes for all\):\n {4}(pve-health restore (\S+) --root (\S+))$/m,
      );
      assert.ok(undo, text);
      assert.match(text, new RegExp(`^  journal: ${undo[2].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
      assert.deepEqual(fakeCheck(out).removed, ['pve-vm--103--disk--2']);
      // The undo command as printed (plus --yes), with pve-health found on PATH as on a node.
      const bin = mkdtempSync(join(tmpdir(), 'pvh-bin-'));
      writeFileSync(
        join(bin, 'pve-health'),
        `#!/bin/sh\nexec ${process.execPath} ${join(REPO, 'dist/pve-health.cjs')} "$@"\n`,
        { mode: 0o755 },
      );
      const r = spawnSync('sh', ['-c', `${undo[1]} --yes`], {
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${bin}:${join(out, 'bin')}:${process.env.PATH}`,
          FAKENODE_BIN: join(out, 'bin'),
          NO_COLOR: '1',
        },
        timeout: 120_000,
      });
      // The exit code is the node's state after the restore: the restored orphan map is back (WARNING).
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(
        r.stdout,
        /^The node now: WARNING — \d+ orphan\(s\), 0 duplicate\(s\) \(what was restored is a finding again/m,
      );
      assert.match(
        r.stdout,
        /^\[1\/1\] undo pve-vm--103--disk--2: .*\n {4}dmsetup create pve-vm--103--disk--2 .*\n {2}\[1\/1\] ok \(\d+\.\d s\)$/m,
      );
      assert.deepEqual(fakeCheck(out).removed, []);
    } finally {
      t.kill();
    }
  });
});
