// Reclaim and purge never take a file that a loop device is bound to (`losetup` to look inside an image)
// or that a qcow2 overlay names as its backing file in any form qemu opens (absolute, relative to the
// overlay, file:, json:; core/volumes/backing-file.ts, volume-usage.ts), on the simulated node: the leftover
// is refused, and once in quarantine the purge refuses it too. Neighbours: a loop bound to another file, an
// overlay naming another file of the same name, or the path inside another protocol: the leftover is planned.
import assert from 'node:assert/strict';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, HAVE_FAKENODE, runCli, writeQcow2Overlay } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'needs ../shared/fakenode (not in a public clone)';
const FILE = 'local:102/vm-102-disk-0.raw';
const PATH = '/var/lib/vz/images/102/vm-102-disk-0.raw';
const QDIR = 'var/lib/vz/images/pve-health-quarantine';

/** Bind /dev/loop9 to `path` as the kernel shows it (/sys/block/loop9/loop/backing_file). */
function bindLoop(root: string, path: string): void {
  const dir = join(root, 'sys/devices/virtual/block/loop9');
  mkdirSync(join(dir, 'loop'), { recursive: true });
  writeFileSync(join(dir, 'loop/backing_file'), `${path}\n`);
  symlinkSync('../devices/virtual/block/loop9', join(root, 'sys/block/loop9'));
}

function plan(node: string, args: string[]): { planned: string[]; refused: string[] } {
  const doc = JSON.parse(runCli(node, [...args, '--dry-run', '--json']).stdout);
  return {
    planned: doc.plan.actions.map((a: { volid: string }) => a.volid),
    refused: doc.plan.refused.map((r: { volid: string; code: string }) => `${r.volid} ${r.code}`),
  };
}

const uses: { name: string; use: (root: string) => void; code: string }[] = [
  { name: 'a loop device bound to it', use: (root) => bindLoop(root, PATH), code: 'protected' },
  {
    name: 'an overlay on the same storage naming it by absolute path',
    use: (root) => writeQcow2Overlay(root, 'var/lib/vz/images/101/vm-101-disk-9.qcow2', PATH),
    code: 'template-base',
  },
  {
    name: 'an overlay naming it with // and ./',
    use: (root) =>
      writeQcow2Overlay(
        root,
        'var/lib/vz/images/101/vm-101-disk-9.qcow2',
        '/var/lib/vz//images/./102/vm-102-disk-0.raw',
      ),
    code: 'template-base',
  },
  {
    // qemu opens the backing file as written: a directory link on the way leads to the same file.
    name: 'an overlay naming it through a directory link',
    use: (root) => {
      mkdirSync(join(root, 'srv'), { recursive: true });
      symlinkSync('/var/lib/vz', join(root, 'srv/vzlink'));
      writeQcow2Overlay(root, 'var/lib/vz/images/101/vm-101-disk-9.qcow2', '/srv/vzlink/images/102/vm-102-disk-0.raw');
    },
    code: 'template-base',
  },
  {
    // `qemu-img create -b vm-102-disk-0.raw -F raw vm-102-disk-9.qcow2` in that directory: relative to the
    // overlay (block.c path_combine), not to the cwd.
    name: 'an overlay beside it naming it relatively',
    use: (root) => writeQcow2Overlay(root, 'var/lib/vz/images/102/vm-102-disk-9.qcow2', 'vm-102-disk-0.raw'),
    code: 'template-base',
  },
  {
    name: 'an overlay in another directory naming it relatively through ..',
    use: (root) =>
      writeQcow2Overlay(root, 'var/lib/vz/images/101/vm-101-disk-9.qcow2', '../../images/102/vm-102-disk-0.raw'),
    code: 'template-base',
  },
  {
    name: 'an overlay naming it with the file: protocol',
    use: (root) => writeQcow2Overlay(root, 'var/lib/vz/images/101/vm-101-disk-9.qcow2', `file:${PATH}`),
    code: 'template-base',
  },
  {
    // The block-options form qemu itself writes when options do not fit a file name (bdrv_refresh_filename).
    name: 'an overlay naming it in json: form',
    use: (root) =>
      writeQcow2Overlay(
        root,
        'var/lib/vz/images/101/vm-101-disk-9.qcow2',
        `json:{"driver":"raw","file":{"driver":"file","filename":"${PATH}"}}`,
      ),
    code: 'template-base',
  },
  {
    // The same file by another name (a hard link; a bind mount of the storage shows it the same way).
    name: 'an overlay naming a hard link of it',
    use: (root) => {
      mkdirSync(join(root, 'srv'), { recursive: true });
      linkSync(join(root, PATH), join(root, 'srv/base.raw'));
      writeQcow2Overlay(root, 'var/lib/vz/images/101/vm-101-disk-9.qcow2', '/srv/base.raw');
    },
    code: 'template-base',
  },
];

describe('reclaim: a file a loop device or an overlay uses is refused', { skip }, () => {
  for (const u of uses) {
    it(u.name, () => {
      const node = buildNode('mixed-volumes');
      u.use(join(node, 'root'));
      assert.deepEqual(plan(node, ['reclaim', '--name', FILE]), { planned: [], refused: [`${FILE} ${u.code}`] });
    });
  }

  it('neighbours: a loop bound to another file, an overlay naming another file of that name: planned', () => {
    for (const use of [
      (root: string) => bindLoop(root, '/var/lib/vz/images/101/vm-101-disk-3.vmdk'),
      (root: string) => writeQcow2Overlay(root, 'var/lib/vz/images/101/vm-101-disk-9.qcow2', `/srv${PATH}`),
      // Relative to the overlay's own directory: images/101/vm-102-disk-0.raw, another file.
      (root: string) => writeQcow2Overlay(root, 'var/lib/vz/images/101/vm-101-disk-9.qcow2', 'vm-102-disk-0.raw'),
      // Another protocol (nbd: a socket), whose text holds the path: it names no file.
      (root: string) => writeQcow2Overlay(root, 'var/lib/vz/images/101/vm-101-disk-9.qcow2', `nbd:unix:${PATH}`),
      (root: string) =>
        writeQcow2Overlay(
          root,
          'var/lib/vz/images/101/vm-101-disk-9.qcow2',
          `json:{"driver":"raw","file":{"driver":"file","filename":"/srv${PATH}"}}`,
        ),
      // A directory link to another directory that has a file of that name.
      (root: string) => {
        mkdirSync(join(root, 'srv/other/images/102'), { recursive: true });
        writeFileSync(join(root, 'srv/other/images/102/vm-102-disk-0.raw'), '');
        symlinkSync('/srv/other', join(root, 'srv/vzlink'));
        writeQcow2Overlay(
          root,
          'var/lib/vz/images/101/vm-101-disk-9.qcow2',
          '/srv/vzlink/images/102/vm-102-disk-0.raw',
        );
      },
    ]) {
      const node = buildNode('mixed-volumes');
      use(join(node, 'root'));
      assert.deepEqual(plan(node, ['reclaim', '--name', FILE]).planned, [FILE]);
    }
  });
});

describe('purge: a quarantined file a loop device or an overlay uses since is not destroyed', { skip }, () => {
  const cases: { name: string; use?: (root: string, quarantined: string) => void }[] = [
    { name: 'a loop device bound to the quarantined file', use: (root, q) => bindLoop(root, q) },
    {
      name: 'an overlay naming its original path',
      use: (root) => writeQcow2Overlay(root, 'var/lib/vz/images/101/vm-101-disk-9.qcow2', PATH),
    },
    {
      name: 'an overlay beside its original path naming it relatively',
      use: (root) => writeQcow2Overlay(root, 'var/lib/vz/images/102/vm-102-disk-9.qcow2', 'vm-102-disk-0.raw'),
    },
    { name: 'neighbour: nothing uses it: purged' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const node = buildNode('mixed-volumes');
      const root = join(node, 'root');
      const conf = join(node, 'reclaim.toml');
      writeFileSync(conf, '[reclaim]\nretention_days = 0\n');
      const r = runCli(node, ['--config', conf, 'reclaim', '--yes', '--name', FILE]);
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const [moved] = readdirSync(join(root, QDIR));
      c.use?.(root, `/${QDIR}/${moved}`);
      runCli(node, ['--config', conf, 'reclaim', '--purge', '--yes', '--all']);
      assert.equal(existsSync(join(root, QDIR, moved)), c.use !== undefined, c.name);
      if (c.use)
        assert.deepEqual(plan(node, ['--config', conf, 'reclaim', '--purge', '--all']).refused, [`${FILE} protected`]);
    });
  }
});

describe('reclaim: a file a config names by another path to the same inode is refused', { skip }, () => {
  // A hard link stands for every path that reaches the same file without a symlink (a bind mount of the
  // storage's directory): the config path's device and inode are the listed volume's.
  for (const [name, make, planned] of [
    ['a hard link to it', linkSync, false],
    ['neighbour: a copy of it (another inode)', copyFileSync, true],
  ] as const) {
    it(name, () => {
      const node = buildNode('mixed-volumes');
      const root = join(node, 'root');
      mkdirSync(join(root, 'srv/disks'), { recursive: true });
      make(join(root, PATH.slice(1)), join(root, 'srv/disks/db.raw'));
      appendFileSync(join(root, 'etc/pve/nodes/pve1/qemu-server/101.conf'), 'scsi5: /srv/disks/db.raw,size=8G\n');
      assert.deepEqual(plan(node, ['reclaim', '--name', FILE]).planned, planned ? [FILE] : []);
    });
  }
});
