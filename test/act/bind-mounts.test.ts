// PVE's bind mount points and disks by path on a simulated node: a container's `mpN: /srv/host-data,mp=/data`
// (PVE::LXC::Config classify_mountpoint: an absolute path outside /dev is `bind`) and a VM's
// `scsiN: /mnt/images/x.raw` are among the most common settings. They name no LV, whether the directory
// or file exists or not: the node grades as without them (never UNKNOWN), with the same verdicts, and
// `clean` acts as without them. A path behind a network mount is never entered: what it could name is
// protected with the reason and the command that settles it, the node still graded.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, dmNames, HAVE_FAKENODE, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'needs ../shared/fakenode (not in a public clone)';

interface Entry {
  name: string;
  status: string;
  reason: string;
  protectedBy: string[];
  detail: string;
}

function verdicts(node: string): Map<string, string> {
  const doc = JSON.parse(runCli(node, ['dm', '--json']).stdout);
  return new Map(doc.dm.entries.map((e: Entry) => [e.name, `${e.status}/${e.reason} ${e.protectedBy.join(',')}`]));
}

function withPaths(o: { made: boolean }): string {
  const node = buildNode('default-lvmthin');
  const root = join(node, 'root');
  appendFileSync(join(root, 'etc/pve/nodes/pve1/lxc/200.conf'), 'mp1: /srv/host-data,mp=/data\n');
  appendFileSync(join(root, 'etc/pve/nodes/pve1/qemu-server/103.conf'), 'scsi5: /mnt/images/x.raw,size=8G\n');
  if (o.made) {
    mkdirSync(join(root, 'srv/host-data'), { recursive: true });
    mkdirSync(join(root, 'mnt/images'), { recursive: true });
    writeFileSync(join(root, 'mnt/images/x.raw'), '');
  }
  return node;
}

describe('bind mount points and disks by path', { skip }, () => {
  const plain = buildNode('default-lvmthin');
  const want = verdicts(plain);
  const plainCheck = runCli(plain, ['check', '-q']);

  for (const made of [true, false]) {
    it(`${made ? 'made' : 'not made yet'}: graded as without them, the same verdicts, clean acts the same`, () => {
      const node = withPaths({ made });
      assert.deepEqual(verdicts(node), want);
      const check = runCli(node, ['check', '-q']);
      assert.equal(check.code, plainCheck.code, check.stdout);
      assert.equal(check.code, 1, 'its orphans warn');
      assert.doesNotMatch(check.stdout, /UNKNOWN|not graded|could not check/);
      const clean = runCli(node, ['clean', '--yes', '--all']);
      const cleanPlain = runCli(buildNode('default-lvmthin'), ['clean', '--yes', '--all']);
      assert.equal(clean.code, cleanPlain.code, clean.stdout);
      assert.equal(dmNames(node).has('pve-vm--150--disk--0'), false, 'the real leftover is cleaned');
    });
  }

  it('a path behind an NFS mount is not entered: what it could name is protected, the node graded', () => {
    const node = buildNode('default-lvmthin');
    const root = join(node, 'root');
    appendFileSync(
      join(root, 'etc/pve/nodes/pve1/qemu-server/103.conf'),
      'scsi5: /srv/nfs-images/images/103/vm-103-disk-9.raw,size=8G\n',
    );
    appendFileSync(
      join(root, 'proc/self/mountinfo'),
      '90 22 0:91 / /srv/nfs-images rw,relatime shared:80 - nfs4 10.0.0.5:/export rw,vers=4.2\n',
    );
    const doc = JSON.parse(runCli(node, ['dm', '--json']).stdout);
    const e = doc.dm.entries.find((x: Entry) => x.name === 'pve-vm--150--disk--0') as Entry;
    assert.equal(`${e.status}/${e.reason}`, 'orphan/guest-missing');
    assert.deepEqual(e.protectedBy, ['path-unchecked']);
    assert.match(e.detail, /lies on nfs4 10\.0\.0\.5:\/export at \/srv\/nfs-images, which is not entered/);
    assert.match(e.detail, /stat -L -- \/srv\/nfs-images\/images\/103\/vm-103-disk-9\.raw/);
    const check = runCli(node, ['check', '-q']);
    // Graded: the fake NFS mount answers nothing (a stale mount is critical), the DM part is checked.
    assert.equal(check.code, 2, check.stdout);
    assert.doesNotMatch(check.stdout, /not graded|could not check device-mapper/);
    runCli(node, ['clean', '--yes', '--all']);
    assert.ok(dmNames(node).has('pve-vm--150--disk--0'), 'a protected leftover is never touched');
  });
});
