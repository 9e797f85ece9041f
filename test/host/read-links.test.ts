// Path resolution under --root never lstat()s a network mount point or anything below it: on a dead
// NFS server that lstat would hang the checker in uninterruptible sleep.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createHost } from '../../src/host/host';
import { readDevicePaths, resolveHostPaths } from '../../src/host/read-links';

test('resolveHostPaths: symlinks followed like realpath; a network mount point is never looked at', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-links-'));
  mkdirSync(join(root, 'mnt/disk1'), { recursive: true });
  mkdirSync(join(root, 'srv'), { recursive: true });
  symlinkSync('/mnt/disk1', join(root, 'srv/backup'));
  mkdirSync(join(root, 'mnt/pve'), { recursive: true });
  // Stands in for a network mount point: if it were lstat()ed, the symlink would be followed.
  symlinkSync('/elsewhere', join(root, 'mnt/pve/nfs'));
  const host = createHost({ root });
  const onNetwork = (p: string) => p === '/mnt/pve/nfs' || p.startsWith('/mnt/pve/nfs/');
  assert.deepEqual(resolveHostPaths(host, ['/srv/backup', '/mnt/pve/nfs/data', '/mnt/pve/nfs'], onNetwork), {
    '/srv/backup': '/mnt/disk1',
  });
});

test('resolveHostPaths: relative links, chains, .. after a link, dangling targets and loops, like realpath', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-links-'));
  for (const d of ['mnt/disk1', 'srv', 'var/lib/pvh', 'a/b', 'a/x']) mkdirSync(join(root, d), { recursive: true });
  symlinkSync('../../../mnt/disk1', join(root, 'var/lib/pvh/rel')); // relative to its own directory
  symlinkSync('/var/lib/pvh/rel', join(root, 'srv/chain')); // a link to a link
  symlinkSync('/a/b', join(root, 'srv/ab'));
  symlinkSync('/mnt/disk3', join(root, 'srv/gone')); // target does not exist (not created yet)
  symlinkSync('/srv/loop2', join(root, 'srv/loop1'));
  symlinkSync('/srv/loop1', join(root, 'srv/loop2'));
  const host = createHost({ root });
  assert.deepEqual(
    resolveHostPaths(
      host,
      ['/var/lib/pvh/rel', '/srv/chain/dump', '/srv/ab/../x', '/srv/gone', '/srv/loop1', '/srv/none', '/mnt/disk1'],
      () => false,
    ),
    {
      '/var/lib/pvh/rel': '/mnt/disk1',
      '/srv/chain/dump': '/mnt/disk1/dump',
      '/srv/ab/../x': '/a/x',
      '/srv/gone': '/mnt/disk3',
      // A loop names nothing: kept as written (PVE's realpath fails too, so the storage is not mounted).
    },
  );
});

test('resolveHostPaths: an absolute link target is resolved inside --root, never against the real /', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-links-'));
  mkdirSync(join(root, 'srv'), { recursive: true });
  mkdirSync(join(root, 'data/disk1'), { recursive: true });
  mkdirSync(join(root, 'mnt'), { recursive: true });
  // /mnt/disk1 is a link only under the root (on the real / it is absent or a plain directory).
  symlinkSync('/data/disk1', join(root, 'mnt/disk1'));
  symlinkSync('/mnt/disk1', join(root, 'srv/backup'));
  // /proc/self is a link on every real system: under the root it is a plain directory.
  mkdirSync(join(root, 'proc/self'), { recursive: true });
  const host = createHost({ root });
  assert.deepEqual(
    resolveHostPaths(host, ['/srv/backup', '/proc/self'], () => false),
    {
      '/srv/backup': '/data/disk1',
    },
  );
});

test('resolveHostPaths: a local link into a network mount stops at the network mount point', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-links-'));
  mkdirSync(join(root, 'srv'), { recursive: true });
  mkdirSync(join(root, 'mnt/pve/nfs'), { recursive: true });
  // Below the network mount point: would be followed if it were looked at.
  symlinkSync('/elsewhere', join(root, 'mnt/pve/nfs/sub'));
  symlinkSync('/mnt/pve/nfs/sub/app', join(root, 'srv/app'));
  const host = createHost({ root });
  const onNetwork = (p: string) => p === '/mnt/pve/nfs' || p.startsWith('/mnt/pve/nfs/');
  assert.deepEqual(resolveHostPaths(host, ['/srv/app'], onNetwork), { '/srv/app': '/mnt/pve/nfs/sub/app' });
});

test('readDevicePaths: every path of a config, through its links to the final name, never into a network mount; missing ones null', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-devpaths-'));
  for (const d of ['dev/vmdisks', 'dev/block', 'dev/disk/by-label', 'dev/dri', 'etc'])
    mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'dev/dm-20'), '');
  symlinkSync('../dm-20', join(root, 'dev/vmdisks/db01'));
  symlinkSync('../vmdisks/db01', join(root, 'dev/block/252:20')); // a link to a link
  symlinkSync('../../dm-20', join(root, 'dev/disk/by-label/db01'));
  symlinkSync('/etc', join(root, 'dev/vmdisks/out')); // leads out of /dev: looked up where it leads
  symlinkSync('loop2', join(root, 'dev/vmdisks/loop1'));
  symlinkSync('loop1', join(root, 'dev/vmdisks/loop2'));
  // Outside /dev: a bind mount's directory, a disk image by path, a directory link, a network mount.
  for (const d of ['srv/host-data', 'mnt/images', 'var/lib/vz/images/102', 'mnt/pve/nfs-store/images', 'proc/self'])
    mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'mnt/images/x.raw'), '');
  writeFileSync(join(root, 'var/lib/vz/images/102/vm-102-disk-0.raw'), '');
  symlinkSync('/var/lib/vz', join(root, 'srv/vzlink'));
  writeFileSync(
    join(root, 'proc/self/mountinfo'),
    '22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n' +
      '60 22 0:52 / /mnt/pve/nfs-store rw,relatime shared:30 - nfs4 10.0.0.5:/export rw,vers=4.2\n',
  );
  const conf = [
    'scsi1: /dev/vmdisks/db01,size=32G',
    'scsi2: /dev/block/252:20',
    'args: -drive file=/dev/disk/by-label/db01,if=none',
    'scsi3: /dev/vmdisks/gone',
    'scsi4: /dev/vmdisks/out',
    'scsi5: /dev/vmdisks/loop1',
    'scsi6: /mnt/images/x.raw,size=8G',
    'scsi7: /srv/vzlink/images/102//./vm-102-disk-0.raw,size=8G',
    'scsi8: /mnt/pve/nfs-store/images/300/vm-300-disk-0.raw,size=8G',
  ].join('\n');
  const lxc = [
    'lxc.mount.entry: /dev/dri dev/dri none bind,optional,create=dir',
    'mp1: /srv/host-data,mp=/data',
    'mp2: /srv/not-made-yet,mp=/later',
  ].join('\n');
  const paths = readDevicePaths(createHost({ root }), {
    '/etc/pve/nodes/pve1/qemu-server/103.conf': conf,
    '/etc/pve/nodes/pve1/lxc/200.conf': lxc,
    '/etc/pve/storage.cfg': 'lvm: x\n\tvgname /dev/ignored\n',
  });
  const idOf = (p: string) => {
    const st = lstatSync(join(root, p), { bigint: true });
    return `${st.dev}:${st.ino}`;
  };
  assert.deepEqual(paths, {
    '/dev/vmdisks/db01': { path: '/dev/dm-20' },
    '/dev/block/252:20': { path: '/dev/dm-20' },
    '/dev/disk/by-label/db01': { path: '/dev/dm-20' },
    '/dev/vmdisks/gone': null,
    '/dev/vmdisks/out': { path: '/etc', file: idOf('/etc') },
    // Links that go round name no device: not "missing", which would let the path's text decide.
    '/dev/vmdisks/loop1': { path: '/dev/vmdisks/loop1', loop: true },
    '/dev/dri': { path: '/dev/dri' },
    // A file or directory outside /dev by its identity (device and inode): the same by any path.
    '/mnt/images/x.raw': { path: '/mnt/images/x.raw', file: idOf('/mnt/images/x.raw') },
    '/srv/vzlink/images/102//./vm-102-disk-0.raw': {
      path: '/var/lib/vz/images/102/vm-102-disk-0.raw',
      file: idOf('/var/lib/vz/images/102/vm-102-disk-0.raw'),
    },
    // Never entered: an lstat there could wait on a dead server.
    '/mnt/pve/nfs-store/images/300/vm-300-disk-0.raw': {
      path: '/mnt/pve/nfs-store/images/300/vm-300-disk-0.raw',
      network: 'nfs4 10.0.0.5:/export at /mnt/pve/nfs-store',
    },
    '/srv/host-data': { path: '/srv/host-data', file: idOf('/srv/host-data') },
    '/srv/not-made-yet': null,
  });
});

test('readDevicePaths: a root whose dev is a link to the absolute /dev goes round (read under the root), never "missing"', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-devpaths-'));
  symlinkSync('/dev', join(root, 'dev'));
  const conf = 'virtio1: /dev/disk/by-path/ip-10.0.0.9:3260-iscsi-lun-7,size=16M\n';
  assert.deepEqual(readDevicePaths(createHost({ root }), { '/etc/pve/nodes/pve1/qemu-server/303.conf': conf }), {
    '/dev/disk/by-path/ip-10.0.0.9:3260-iscsi-lun-7': {
      path: '/dev/disk/by-path/ip-10.0.0.9:3260-iscsi-lun-7',
      loop: true,
    },
  });
});

test('readDevicePaths: a block device node gives its device number (root only: mknod)', {
  skip: process.getuid?.() !== 0 ? 'needs root for mknod' : false,
}, () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-devpaths-'));
  mkdirSync(join(root, 'dev/vmdisks'), { recursive: true });
  const mk = spawnSync('mknod', [join(root, 'dev/dm-20'), 'b', '252', '20']);
  if (mk.status !== 0) return; // a container without CAP_MKNOD
  symlinkSync('../dm-20', join(root, 'dev/vmdisks/db01'));
  const paths = readDevicePaths(createHost({ root }), {
    '/etc/pve/nodes/pve1/qemu-server/103.conf': 'scsi1: /dev/vmdisks/db01',
  });
  assert.deepEqual(paths, { '/dev/vmdisks/db01': { path: '/dev/dm-20', devno: '252:20' } });
});

test('readDevicePaths: without a readable mount table, /dev is still looked up and nothing outside it is entered', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-devpaths-'));
  mkdirSync(join(root, 'dev/vmdisks'), { recursive: true });
  mkdirSync(join(root, 'srv/host-data'), { recursive: true });
  writeFileSync(join(root, 'dev/dm-20'), '');
  symlinkSync('../dm-20', join(root, 'dev/vmdisks/db01'));
  const conf = 'scsi1: /dev/vmdisks/db01,size=32G\nmp1: /srv/host-data,mp=/data\n';
  assert.deepEqual(readDevicePaths(createHost({ root }), { '/etc/pve/nodes/pve1/lxc/200.conf': conf }), {
    '/dev/vmdisks/db01': { path: '/dev/dm-20' },
    '/srv/host-data': {
      path: '/srv/host-data',
      network: 'an unknown mount (/proc/self/mountinfo could not be read)',
    },
  });
});
