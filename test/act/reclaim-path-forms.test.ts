// A volume a guest config names by any path form is in use, for the volumes part and for reclaim alike
// (one look: core/volumes/volumes-input.ts): the reclaim look once left out where the node's links lead,
// so a disk named through a directory link was planned for quarantine while `volumes` called it valid.
// Every spelling the kernel resolves to the same file or device (`//`, `./`, `..`, a directory symlink, a
// zvol's /dev/zdN or a partition of it, a udev link of one's own) refuses; a neighbour that names another
// file of the same name does not.
import assert from 'node:assert/strict';
import { appendFileSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, HAVE_FAKENODE, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'needs ../shared/fakenode (not in a public clone)';
const FILE = 'local:102/vm-102-disk-0.raw';
const ZVOL = 'local-zfs:vm-150-disk-0'; // /dev/zvol/tank/pve/vm-150-disk-0 -> /dev/zd64 on the simulated node
// A btrfs raw disk is the subvolume `<vmid>/<name>/` holding disk.raw (BTRFSPlugin.pm filesystem_path): the
// path a config names is that file's, never `<vmid>/<name>.raw`.
const BTRFS = 'btrfs-data:112/vm-112-disk-0.raw';
const BTRFS_DISK = 'mnt/btrfs-data/images/112/vm-112-disk-0/disk.raw';

/** The raw disk of a gone guest 112 on the btrfs storage (a directory here: the fake root is no btrfs). */
function btrfsLeftover(root: string): void {
  mkdirSync(dirname(join(root, BTRFS_DISK)), { recursive: true });
  writeFileSync(join(root, BTRFS_DISK), '');
}

/** A symlink `at` (under the node's root) to `to`, its directory made. */
function link(root: string, at: string, to: string): void {
  mkdirSync(dirname(join(root, at)), { recursive: true });
  symlinkSync(to, join(root, at));
}

/** mixed-volumes with `line` added to VM 101's config, after `setup` under the node's root. */
function nodeWith(line: string, setup?: (root: string) => void): string {
  const node = buildNode('mixed-volumes');
  const root = join(node, 'root');
  setup?.(root);
  appendFileSync(join(root, 'etc/pve/nodes/pve1/qemu-server/101.conf'), `${line}\n`);
  return node;
}

function reclaimOf(node: string, volid: string): { planned: string[]; refused: { volid: string; code: string }[] } {
  const r = runCli(node, ['reclaim', '--dry-run', '--json', '--name', volid]);
  const doc = JSON.parse(r.stdout);
  return {
    planned: doc.plan.actions.map((v: { volid: string }) => v.volid),
    refused: doc.plan.refused.map((x: { volid: string; code: string }) => ({ volid: x.volid, code: x.code })),
  };
}

describe('reclaim: a volume named by any path form is in use', { skip }, () => {
  const rows: { name: string; line: string; volid: string; setup?: (root: string) => void }[] = [
    { name: 'a doubled slash', line: 'scsi5: /var/lib/vz/images/102//vm-102-disk-0.raw,size=8G', volid: FILE },
    { name: 'a dot component', line: 'scsi5: /var/lib/vz/./images/102/vm-102-disk-0.raw,size=8G', volid: FILE },
    { name: 'a leading double slash', line: 'scsi5: //var/lib/vz/images/102/vm-102-disk-0.raw', volid: FILE },
    { name: 'a dot-dot component', line: 'scsi5: /var/lib/vz/images/../images/102/vm-102-disk-0.raw', volid: FILE },
    {
      name: 'a directory symlink',
      line: 'scsi5: /srv/vzlink/images/102/vm-102-disk-0.raw,size=8G',
      volid: FILE,
      setup: (root) => link(root, 'srv/vzlink', '/var/lib/vz'),
    },
    { name: "a zvol's kernel device", line: 'scsi5: /dev/zd64', volid: ZVOL },
    { name: "a partition of a zvol's kernel device", line: 'scsi5: /dev/zd64p1', volid: ZVOL },
    { name: 'a doubled slash in the zvol link', line: 'scsi5: /dev/zvol/tank/pve//vm-150-disk-0', volid: ZVOL },
    {
      name: 'a by-label link to a partition of the zvol',
      line: 'scsi5: /dev/disk/by-label/data150',
      volid: ZVOL,
      setup: (root) => link(root, 'dev/disk/by-label/data150', '../../zd64p1'),
    },
    {
      name: "a btrfs raw disk by PVE's own path",
      line: 'scsi5: /mnt/btrfs-data/images/112/vm-112-disk-0/disk.raw',
      volid: BTRFS,
      setup: btrfsLeftover,
    },
    {
      name: 'a btrfs raw disk by a dot component',
      line: 'scsi5: /mnt/btrfs-data/images/112/./vm-112-disk-0/disk.raw',
      volid: BTRFS,
      setup: btrfsLeftover,
    },
    {
      name: 'a btrfs raw disk through a directory symlink',
      line: 'scsi5: /srv/btrlink/112/vm-112-disk-0/disk.raw',
      volid: BTRFS,
      setup: (root) => {
        btrfsLeftover(root);
        link(root, 'srv/btrlink', '/mnt/btrfs-data/images');
      },
    },
    {
      name: "a hard link to a btrfs raw disk's disk.raw (its identity, not its path)",
      line: 'scsi5: /srv/disks/db.raw',
      volid: BTRFS,
      setup: (root) => {
        btrfsLeftover(root);
        mkdirSync(join(root, 'srv/disks'), { recursive: true });
        linkSync(join(root, BTRFS_DISK), join(root, 'srv/disks/db.raw'));
      },
    },
  ];
  for (const r of rows) {
    it(`${r.name}: refused, never planned`, () => {
      const got = reclaimOf(nodeWith(r.line, r.setup), r.volid);
      assert.deepEqual(got.planned, [], r.line);
      assert.deepEqual(
        got.refused.map((x) => x.volid),
        [r.volid],
        r.line,
      );
    });
  }

  it('neighbours: the same file name in another directory, another zvol device: the leftover is still planned', () => {
    for (const [line, volid] of [
      ['scsi5: /srv/other/images/102/vm-102-disk-0.raw,size=8G', FILE],
      ['scsi5: /dev/zd48', ZVOL],
      // A btrfs raw disk of the same name in another guest's directory.
      ['scsi5: /mnt/btrfs-data/images/113/vm-112-disk-0/disk.raw', BTRFS],
    ]) {
      const got = reclaimOf(nodeWith(line, btrfsLeftover), volid);
      assert.deepEqual(got.planned, [volid], line);
    }
    // And without any added line: the leftovers the rows above protect are planned.
    const plain = buildNode('mixed-volumes');
    btrfsLeftover(join(plain, 'root'));
    assert.deepEqual(reclaimOf(plain, FILE).planned, [FILE]);
    assert.deepEqual(reclaimOf(plain, ZVOL).planned, [ZVOL]);
    assert.deepEqual(reclaimOf(plain, BTRFS).planned, [BTRFS]);
  });
});
