// `restore` never moves a disk through a symlinked directory (issue 59): with `images/<vmid>` replaced by a
// link to a directory elsewhere on the same filesystem, rename(2) followed the link and put the disk
// there, outside the storage, where PVE does not look for it. The mover refuses a symlink as either
// directory; the disk stays in quarantine, the restore says why and fails. Beside it the legitimate
// state: `images/<vmid>` gone (PVE removes nothing there, an admin may) is made again and the disk is back.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, HAVE_FAKENODE, journals, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'fakenode not found (../shared/fakenode)';
const VOLID = 'local:102/vm-102-disk-0.raw';

function quarantined(): { out: string; dir: string; journal: string } {
  const out = buildNode('mixed-volumes');
  const r = runCli(out, ['reclaim', '--yes', '--name', VOLID]);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return { out, dir: join(out, 'root/var/lib/vz/images/102'), journal: journals(out)[0] };
}

describe('restore through a symlinked images/<vmid> directory', { skip }, () => {
  it('refused: the disk stays in quarantine, nothing reaches the link target', () => {
    const { out, dir, journal } = quarantined();
    const elsewhere = join(out, 'elsewhere');
    mkdirSync(elsewhere);
    renameSync(dir, `${dir}.moved`);
    symlinkSync(elsewhere, dir);
    const r = runCli(out, ['restore', journal, '--yes']);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stdout + r.stderr, /images\/102 is a symlink: never moved through it/);
    assert.deepEqual(readdirSync(elsewhere), []);
    const q = readdirSync(join(out, 'root/var/lib/vz/images/pve-health-quarantine'));
    assert.ok(
      q.some((n) => n.endsWith('.102.vm-102-disk-0.raw')),
      q.join(' '),
    );
  });

  it('neighbour: images/<vmid> gone is made again, and the disk is back under its name', () => {
    const { out, dir, journal } = quarantined();
    renameSync(dir, join(out, 'old-102'));
    const r = runCli(out, ['restore', journal, '--yes']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.ok(existsSync(join(dir, 'vm-102-disk-0.raw')));
  });
});
