// A relative --root (issue 59) is made absolute once, at the start: every file move of reclaim failed with
// it (the mover takes absolute paths only), and the journal and the printed `restore … --root DIR` named
// paths that mean something else from another directory. Reclaim with `--root root` from the node's
// directory, then the printed restore command from another directory: both work, on the same files as
// with an absolute --root. An empty --root is a usage error, never "the working directory".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, HAVE_FAKENODE, REPO } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'fakenode not found (../shared/fakenode)';

function cli(out: string, cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO, 'dist/pve-health.cjs'), ...args], {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${join(out, 'bin')}:${process.env.PATH}`,
      FAKENODE_BIN: join(out, 'bin'),
      NO_COLOR: '1',
    },
    timeout: 120_000,
  });
  return { code: r.status, text: `${r.stdout}\n${r.stderr}`, stdout: r.stdout };
}

describe('a relative --root', { skip }, () => {
  it('reclaim moves the file, and the printed restore runs from anywhere', () => {
    const out = buildNode('mixed-volumes');
    const file = join(out, 'root/var/lib/vz/images/102/vm-102-disk-0.raw');
    const r = cli(out, out, ['--root', 'root', 'reclaim', '--yes', '--name', 'local:102/vm-102-disk-0.raw']);
    assert.equal(r.code, 0, r.text);
    assert.ok(!existsSync(file));
    assert.equal(readdirSync(join(out, 'root/var/lib/vz/images/pve-health-quarantine')).length, 1);
    const restore = /^ {4}pve-health (restore \S+ --root \S+)$/m.exec(r.stdout);
    assert.ok(restore, r.stdout);
    const args = restore[1].split(' ');
    assert.equal(args[3], join(out, 'root'), 'the printed --root is absolute');
    const back = cli(out, '/', [...args, '--yes']);
    assert.equal(back.code, 0, back.text);
    assert.ok(existsSync(file));
  });

  it('an empty --root is a usage error', () => {
    const out = buildNode('mixed-volumes');
    const r = cli(out, out, ['--root', '', 'reclaim', '--dry-run']);
    assert.equal(r.code, 64, r.text);
    assert.match(r.text, /--root needs a directory/);
  });
});
