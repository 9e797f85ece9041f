// Reclaim and purge never take an RBD image that a qcow2 overlay names as its backing file, mapped on this
// node or not (core/volumes/rbd-backing.ts): qemu's rbd: string as RBDPlugin.pm `path` writes it, and the
// krbd links /dev/rbd-pve/<fsid>/<pool>/<image> and /dev/rbd/<pool>/<image>. On the shared mixed-volumes
// node, whose orphan image ceph-vm:vm-151-disk-0 is not mapped: refused while an overlay names it; once in
// quarantine (mutable storage: renamed and in the Ceph trash for real) the purge keeps it. Neighbours: an
// overlay naming another image or another pool leaves it planned, and purged.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { calls, HAVE_FAKENODE, runCli, writeQcow2Overlay } from './fakenode-helpers';
import { buildMutable } from './mutable-node';

const skip = HAVE_FAKENODE ? false : 'needs ../shared/fakenode (not in a public clone)';
const IMG = 'ceph-vm:vm-151-disk-0';
const OVERLAY = 'var/lib/vz/images/101/vm-101-disk-9.qcow2';
const OPTS = ':conf=/etc/pve/ceph.conf:id=admin:keyring=/etc/pve/priv/ceph/ceph-vm.keyring';
const FSID = '0a1b2c3d-aaaa-bbbb-cccc-0123456789ab';

/** mixed-volumes with its storage acting for real, and `rbd status` answered (real rbd always does). */
const buildNode = () => buildMutable('mixed-volumes', (s) => (s.rbd = { ...(s.rbd as object), status: true }));

function plan(node: string, args: string[]): { planned: string[]; refused: string[] } {
  const doc = JSON.parse(runCli(node, [...args, '--dry-run', '--json']).stdout);
  return {
    planned: doc.plan.actions.map((a: { volid: string }) => a.volid),
    refused: doc.plan.refused.map((r: { volid: string; code: string }) => `${r.volid} ${r.code}`),
  };
}

function overlay(node: string, backing: string): void {
  mkdirSync(join(node, 'root/var/lib/vz/images/101'), { recursive: true });
  writeQcow2Overlay(join(node, 'root'), OVERLAY, backing);
}

describe('reclaim: an RBD image an overlay names as its backing file is refused', { skip }, () => {
  for (const backing of [
    `rbd:vm-pool/vm-151-disk-0${OPTS}`,
    `/dev/rbd-pve/${FSID}/vm-pool/vm-151-disk-0`,
    '/dev/rbd/vm-pool/vm-151-disk-0',
  ])
    it(backing, () => {
      const node = buildNode();
      overlay(node, backing);
      assert.deepEqual(plan(node, ['reclaim', '--name', IMG]), { planned: [], refused: [`${IMG} template-base`] });
    });

  it('neighbours: an overlay naming another image, or the image of another pool: planned', () => {
    for (const backing of ['rbd:vm-pool/vm-152-disk-0', `rbd:other-pool/vm-151-disk-0${OPTS}`]) {
      const node = buildNode();
      overlay(node, backing);
      assert.deepEqual(plan(node, ['reclaim', '--name', IMG]).planned, [IMG], backing);
    }
  });
});

describe('purge: a quarantined RBD image an overlay names since is not destroyed', { skip }, () => {
  for (const c of [
    { name: 'an overlay naming its original name', backing: `rbd:vm-pool/vm-151-disk-0${OPTS}`, kept: true },
    { name: 'neighbour: an overlay naming another image: purged', backing: 'rbd:vm-pool/vm-152-disk-0', kept: false },
  ])
    it(c.name, () => {
      const node = buildNode();
      const conf = join(node, 'reclaim.toml');
      writeFileSync(conf, '[reclaim]\nretention_days = 0\n');
      const r = runCli(node, ['--config', conf, 'reclaim', '--yes', '--name', IMG]);
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      overlay(node, c.backing);
      const doc = JSON.parse(runCli(node, ['--config', conf, 'reclaim', '--purge', '--yes', '--all', '--json']).stdout);
      const trashRm = calls(node).filter((x) => x.tool === 'rbd' && x.argv.includes('trash') && x.argv.includes('rm'));
      assert.equal(trashRm.length, c.kept ? 0 : 1, JSON.stringify(doc.plan));
      if (c.kept) {
        const x = doc.plan.refused.find((y: { volid: string }) => y.volid === IMG);
        assert.equal(x?.code, 'protected', JSON.stringify(doc.plan.refused));
        assert.match(x.why, /backing-of:local:101\/vm-101-disk-9\.qcow2/);
      }
    });
});
