// What the volume verdicts read of the host (src/core/volumes/volume-host-facts.ts), rule by rule: where a
// config's device path leads on this node, which block devices and datasets are mounted, which local file
// storages lie on a network filesystem, who holds what open, and where a directory volume is bind-mounted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMountInfo } from '../../src/core/parse/mountinfo';
import { parseStorageConfig } from '../../src/core/parse/storage-config';
import type { DevicePathState } from '../../src/core/vocab/snapshot';
import type { VolumeEntry } from '../../src/core/vocab/volume-types';
import type { ListedVolume } from '../../src/core/volumes/listed-volume';
import {
  directoryMounts,
  holdersByDevice,
  mountedDevices,
  networkFileStorages,
  subvolMounts,
  volumePathResolver,
  zfsMountTargets,
} from '../../src/core/volumes/volume-host-facts';

/** mountinfo lines from `[majorMinor, root, target, fstype, source]`. */
const mounts = (rows: [string, string, string, string, string][]) =>
  parseMountInfo(
    rows.map(([mm, root, target, fs, src], i) => `${30 + i} 1 ${mm} ${root} ${target} rw - ${fs} ${src} rw`).join('\n'),
  ).mounts;

test('a config device path of this node resolved through its links to the volume it is', () => {
  const devicePaths: Record<string, DevicePathState | null> = {
    '/dev/disk/by-id/zvol-link': { path: '/dev/zd16' },
    '/dev/disk/by-id/zvol-part': { path: '/dev/zd16p2' },
    '/dev/disk/by-id/zvol-part12': { path: '/dev/zd16p12' },
    '/dev/disk/by-id/rbd-link': { path: '/dev/rbd0' },
    '/dev/disk/by-id/stray-zd': { path: '/dev/zd32' },
    '/dev/disk/by-id/stray-rbd': { path: '/dev/rbd7' },
    '/dev/disk/by-id/disk': { path: '/dev/sdb' },
    '/dev/disk/by-id/loop': { path: '/dev/disk/by-id/loop', loop: true },
    '/dev/disk/by-id/none': null,
  };
  const resolve = volumePathResolver({
    pve: { node: 'pve1' },
    raw: { zvolDevices: { 'tank/vm-100-disk-0': 'zd16' }, rbdDevices: { 'vms/vm-101-disk-0': 'rbd0' } },
    devicePaths,
  });
  const cases: { path: string; node?: string; want: ReturnType<typeof resolve> }[] = [
    { path: '/dev/disk/by-id/zvol-link', want: '/dev/zvol/tank/vm-100-disk-0' },
    // A partition of the zvol is the zvol in use.
    { path: '/dev/disk/by-id/zvol-part', want: '/dev/zvol/tank/vm-100-disk-0' },
    { path: '/dev/disk/by-id/zvol-part12', want: '/dev/zvol/tank/vm-100-disk-0' },
    { path: '/dev/disk/by-id/rbd-link', want: '/dev/rbd/vms/vm-101-disk-0' },
    { path: '/dev/disk/by-id/disk', want: '/dev/sdb' },
    {
      path: '/dev/disk/by-id/stray-zd',
      want: { unresolved: 'leads to /dev/zd32, which no zvol this node lists is' },
    },
    {
      path: '/dev/disk/by-id/stray-rbd',
      want: { unresolved: 'leads to /dev/rbd7, which no krbd image this node lists is' },
    },
    { path: '/dev/disk/by-id/loop', want: { unresolved: 'goes round in a loop of links on this node' } },
    // Not gathered, or another node's config (its links are that node's): read by the text alone.
    { path: '/dev/disk/by-id/none', want: null },
    { path: '/dev/disk/by-id/unknown', want: null },
    { path: '/dev/disk/by-id/zvol-link', node: 'pve2', want: null },
  ];
  for (const c of cases) assert.deepEqual(resolve(c.path, c.node ?? 'pve1'), c.want, c.path);
  // A zd device name is not an rbd one: the right table is asked.
  const crossed = volumePathResolver({
    pve: { node: 'pve1' },
    raw: { zvolDevices: { 'tank/a': 'zd0' }, rbdDevices: { 'vms/b': 'rbd0' } },
    devicePaths: { '/x': { path: '/dev/zd0' }, '/y': { path: '/dev/rbd0' } },
  });
  assert.deepEqual([crossed('/x', 'pve1'), crossed('/y', 'pve1')], ['/dev/zvol/tank/a', '/dev/rbd/vms/b']);
  // Nothing gathered at all: every path by its text.
  assert.equal(volumePathResolver({ pve: { node: 'pve1' }, raw: {} })('/x', 'pve1'), null);
});

test('a config file path of this node read by its identity: the listed file volume it is, by any path', () => {
  const [local, other] = parseStorageConfig(
    'dir: local\n\tpath /var/lib/vz\n\tcontent images\n\ndir: nfs-store\n\tpath /mnt/pve/nfs-store\n\tcontent images\n',
  );
  const resolve = volumePathResolver({
    pve: { node: 'pve1', storageConfig: [local, other] },
    raw: {
      files: {
        local: { ok: true, volumes: [{ name: '102/vm-102-disk-0.raw', sizeBytes: 1, usedBytes: 1, id: '2049:12' }] },
        'nfs-store': {
          ok: false,
          error: 'x',
          volumes: [{ name: '300/vm-300-disk-0.raw', sizeBytes: 1, usedBytes: 1, id: '44:7' }],
        },
      },
    },
    devicePaths: {
      '/mnt/vzbind/images/102/vm-102-disk-0.raw': { path: '/mnt/vzbind/images/102/vm-102-disk-0.raw', file: '2049:12' },
      '/srv/disks/db.raw': { path: '/srv/disks/db.raw', file: '2049:12' },
      '/srv/disks/copy.raw': { path: '/srv/disks/copy.raw', file: '2049:13' },
      '/srv/nfs.raw': { path: '/srv/nfs.raw', file: '44:7' },
    },
  });
  const cases: [string, string, ReturnType<typeof resolve>][] = [
    // A bind mount of the storage's directory, a hard link: the same file.
    ['/mnt/vzbind/images/102/vm-102-disk-0.raw', 'pve1', '/var/lib/vz/images/102/vm-102-disk-0.raw'],
    ['/srv/disks/db.raw', 'pve1', '/var/lib/vz/images/102/vm-102-disk-0.raw'],
    // Neighbours: a copy (another inode) is its own path; a storage not read names nothing by identity;
    // another node's path is read by its text.
    ['/srv/disks/copy.raw', 'pve1', '/srv/disks/copy.raw'],
    ['/srv/nfs.raw', 'pve1', '/srv/nfs.raw'],
    ['/srv/disks/db.raw', 'pve2', null],
  ];
  for (const [path, node, want] of cases) assert.deepEqual(resolve(path, node), want, `${path} on ${node}`);
});

test('mounted block devices: a zvol link as its zd device (and partition), anything else as written', () => {
  const m = mounts([
    ['230:16', '/', '/mnt/a', 'ext4', '/dev/zvol/tank/vm-100-disk-0'],
    ['230:18', '/', '/mnt/b', 'ext4', '/dev/zvol/tank/vm-100-disk-0-part2'],
    ['230:32', '/', '/mnt/c', 'ext4', '/dev/zvol/tank/vm-999-disk-0'],
    ['230:28', '/', '/mnt/e', 'ext4', '/dev/zvol/tank/vm-100-disk-0-part12'],
    ['8:17', '/', '/mnt/d', 'ext4', '/dev/sdb1'],
  ]);
  assert.deepEqual(
    [...mountedDevices(m, { 'tank/vm-100-disk-0': 'zd16' })],
    ['/dev/zd16', '/dev/zd16p2', '/dev/zvol/tank/vm-999-disk-0', '/dev/zd16p12', '/dev/sdb1'],
  );
  assert.deepEqual([...mountedDevices(m, undefined)].slice(0, 2), [
    '/dev/zvol/tank/vm-100-disk-0',
    '/dev/zvol/tank/vm-100-disk-0-part2',
  ]);
});

test('a local file storage on a network filesystem: the deepest mount at or above its path decides', () => {
  const storages = parseStorageConfig(
    [
      'dir: onnfs\n\tpath /srv/nfs/vz/\n',
      'dir: local\n\tpath /var/lib/vz\n',
      'btrfs: bt\n\tpath /srv/nfs/bt\n',
      'dir: shared\n\tpath /srv/nfs/shared\n\tshared 1\n',
      'nfs: nas\n\tserver 192.0.2.5\n\texport /x\n\tpath /srv/nfs/nas\n',
      'dir: over\n\tpath /srv/nfs/local\n',
      'dir: exact\n\tpath /mnt/cifs\n',
      'dir: sibling\n\tpath /srv/nfsx\n',
      // Not a file storage: its volumes are no files on that path.
      'zfspool: zp\n\tpool tank\n',
    ].join('\n'),
  );
  const m = mounts([
    ['8:1', '/', '/', 'ext4', '/dev/sda1'],
    ['0:40', '/', '/srv/nfs', 'nfs4', '192.0.2.5:/export'],
    // A local disk mounted inside the NFS tree: that storage is local.
    ['8:17', '/', '/srv/nfs/local', 'ext4', '/dev/sdb1'],
    ['0:41', '/', '/mnt/cifs', 'cifs', '//192.0.2.6/share'],
    ['0:42', '/', '/mnt/pve', 'nfs', '192.0.2.7:/pve'],
  ]);
  assert.deepEqual(
    [...networkFileStorages(m, storages)],
    [
      ['onnfs', 'nfs4 192.0.2.5:/export at /srv/nfs'],
      ['bt', 'nfs4 192.0.2.5:/export at /srv/nfs'],
      ['exact', 'cifs //192.0.2.6/share at /mnt/cifs'],
    ],
  );
  // Of two mounts on one target the last is on top.
  const stacked = mounts([
    ['0:40', '/', '/srv/nfs', 'nfs4', '192.0.2.5:/export'],
    ['8:17', '/', '/srv/nfs', 'ext4', '/dev/sdb1'],
  ]);
  assert.deepEqual([...networkFileStorages(stacked, storages)], []);
  assert.deepEqual([...networkFileStorages([...stacked].reverse(), storages)].length, 3);
  // The deepest mount decides, in whatever order mountinfo lists them.
  const rootLast = mounts([
    ['0:40', '/', '/srv/nfs', 'nfs4', '192.0.2.5:/export'],
    ['8:1', '/', '/', 'ext4', '/dev/sda1'],
  ]);
  assert.deepEqual([...networkFileStorages(rootLast, storages).keys()], ['onnfs', 'bt', 'over']);
});

test('datasets by where they are mounted, and holders by the path their fds show', () => {
  const m = mounts([
    ['0:50', '/', '/tank/subvol-200-disk-0', 'zfs', 'tank/subvol-200-disk-0'],
    ['0:50', '/', '/var/lib/lxc/200/rootfs', 'zfs', 'tank/subvol-200-disk-0'],
    ['0:51', '/', '/tank', 'zfs', 'tank'],
    ['8:1', '/', '/', 'ext4', '/dev/sda1'],
  ]);
  assert.deepEqual(
    [...zfsMountTargets(m)],
    [
      ['tank/subvol-200-disk-0', ['/tank/subvol-200-disk-0', '/var/lib/lxc/200/rootfs']],
      ['tank', ['/tank']],
    ],
  );
  const kvm = { pid: 1, comm: 'kvm', cmdline: [], fds: ['/dev/zd16', '/dev/rbd0'] };
  const dd = { pid: 2, comm: 'dd', cmdline: [], fds: ['/dev/zd16'] };
  const none = { pid: 3, comm: 'sh', cmdline: [] };
  assert.deepEqual(
    [...holdersByDevice([kvm, dd, none])].map(([k, ps]) => [k, ps.map((p) => p.pid)]),
    [
      ['/dev/zd16', [1, 2]],
      ['/dev/rbd0', [1]],
    ],
  );
});

test('a directory volume in use: bind mounts of it or of anything below it, and mounts at or below its path', () => {
  const m = mounts([
    ['8:1', '/', '/', 'ext4', '/dev/sda1'],
    ['8:17', '/', '/srv/vz', 'ext4', '/dev/sdb1'],
    // pve-container bind-mounts the subvol directory as the CT's rootfs, and a directory below it as a mount point.
    ['8:17', '/images/200/subvol-200-disk-0', '/var/lib/lxc/200/rootfs', 'ext4', '/dev/sdb1'],
    ['8:17', '/images/200/subvol-200-disk-0/data', '/var/lib/lxc/201/rootfs/mnt/d', 'ext4', '/dev/sdb1'],
    // Another volume whose name starts alike, and the same path on another filesystem: not this one.
    ['8:17', '/images/200/subvol-200-disk-01', '/var/lib/lxc/202/rootfs', 'ext4', '/dev/sdb1'],
    ['8:33', '/images/200/subvol-200-disk-0', '/mnt/other', 'ext4', '/dev/sdc1'],
    // Something mounted inside the directory itself.
    ['0:60', '/', '/srv/vz/images/200/subvol-200-disk-0/proc', 'proc', 'proc'],
    ['0:61', '/', '/srv/vz/images/200/subvol-200-disk-01/x', 'tmpfs', 'tmpfs'],
  ]);
  assert.deepEqual(directoryMounts(m, '/srv/vz/images/200/subvol-200-disk-0'), [
    '/var/lib/lxc/200/rootfs',
    '/var/lib/lxc/201/rootfs/mnt/d',
    '/srv/vz/images/200/subvol-200-disk-0/proc',
  ]);
  // On the root filesystem: the path inside it is the path itself.
  const root = mounts([
    ['8:1', '/', '/', 'ext4', '/dev/sda1'],
    ['8:1', '/var/lib/vz/images/300/subvol-300-disk-0', '/var/lib/lxc/300/rootfs', 'ext4', '/dev/sda1'],
  ]);
  assert.deepEqual(directoryMounts(root, '/var/lib/vz/images/300/subvol-300-disk-0'), ['/var/lib/lxc/300/rootfs']);
  // A bind mount of a subdirectory of the filesystem holding the storage (root not `/`).
  const sub = mounts([
    ['8:1', '/', '/', 'ext4', '/dev/sda1'],
    ['8:17', '/pve', '/srv/vz', 'ext4', '/dev/sdb1'],
    ['8:17', '/pve/images/400/subvol-400-disk-0', '/var/lib/lxc/400/rootfs', 'ext4', '/dev/sdb1'],
  ]);
  assert.deepEqual(directoryMounts(sub, '/srv/vz/images/400/subvol-400-disk-0'), ['/var/lib/lxc/400/rootfs']);
  // The whole filesystem mounted again elsewhere mounts no part of the directory as a root: nothing runs from it.
  const whole = mounts([
    ['8:17', '/', '/srv/vz', 'ext4', '/dev/sdb1'],
    ['8:17', '/', '/mnt/copy', 'ext4', '/dev/sdb1'],
  ]);
  assert.deepEqual(directoryMounts(whole, '/srv/vz/images/200/subvol-200-disk-0'), []);
  assert.deepEqual(directoryMounts([], '/srv/vz/images/200/subvol-200-disk-0'), []);
});

function entry(): VolumeEntry {
  return {
    volid: 'store:subvol-200-disk-0',
    storage: 'store',
    type: 'dir',
    vmid: 200,
    format: 'subvol',
    status: 'orphan',
    reason: 'guest-missing',
    detail: 'CT 200 does not exist',
    sizeBytes: null,
    usedBytes: null,
    open: false,
    holders: [],
    pending: false,
    protected: false,
    protectedBy: [],
  } as VolumeEntry;
}

test('a subvol in use besides its own place is mounted; with the mount table not read whole, a directory or dataset one is unknown', () => {
  const dirVol: ListedVolume = {
    volname: '200/subvol-200-disk-0',
    own: '200/subvol-200-disk-0',
    vmid: 200,
    format: 'subvol',
    sizeBytes: null,
    usedBytes: null,
    devices: ['/srv/vz/images/200/subvol-200-disk-0'],
  } as ListedVolume;
  const zfsVol = {
    ...dirVol,
    devices: [],
    dataset: { name: 'tank/subvol-200-disk-0', mountpoint: '/tank/subvol-200-disk-0' },
  } as ListedVolume;
  const run = (v: ListedVolume, c: Parameters<typeof subvolMounts>[2], e = entry()) => {
    const f = { pendingBy: new Set<string>(), protectedBy: new Set<string>() };
    subvolMounts(e, v, c, f);
    return { status: e.status, reason: e.reason, detail: e.detail, open: e.open, protectedBy: [...f.protectedBy] };
  };
  const bound = mounts([
    ['8:17', '/', '/srv/vz', 'ext4', '/dev/sdb1'],
    ['8:17', '/images/200/subvol-200-disk-0', '/var/lib/lxc/200/rootfs', 'ext4', '/dev/sdb1'],
    ['8:17', '/images/200/subvol-200-disk-0', '/mnt/inspect', 'ext4', '/dev/sdb1'],
  ]);
  assert.deepEqual(run(dirVol, { mounts: bound }), {
    status: 'orphan',
    reason: 'guest-missing',
    detail:
      'CT 200 does not exist; /srv/vz/images/200/subvol-200-disk-0 is mounted at /var/lib/lxc/200/rootfs, /mnt/inspect (a container or pct mount: LXC.pm mountpoint_mount bind-mounts it)',
    open: true,
    protectedBy: ['mounted'],
  });
  const idle = run(dirVol, { mounts: [] });
  assert.deepEqual([idle.status, idle.open, idle.protectedBy], ['orphan', false, []]);
  // The mount table cut short: a directory's only evidence of use is missing.
  const gap = run(dirVol, { mounts: bound, mountsGap: '/proc/self/mountinfo could not be read' });
  assert.deepEqual([gap.status, gap.reason, gap.open, gap.protectedBy], ['unknown', 'mounts-unread', false, []]);
  assert.equal(
    gap.detail,
    'CT 200 does not exist; whether it is mounted (a container running from it) could not be read: /proc/self/mountinfo could not be read',
  );
  // A raw image is no directory: the mount table is not its evidence of use.
  assert.equal(run({ ...dirVol, format: 'raw' }, { mounts: [], mountsGap: 'x' }).status, 'orphan');
  // Only an orphan is doubted; a ZFS subvol too: where else it is mounted is read from the same table.
  const valid = entry();
  valid.status = 'valid';
  assert.equal(run(dirVol, { mounts: [], mountsGap: 'x' }, valid).status, 'valid');
  assert.deepEqual(Object.values(run(zfsVol, { mounts: [], mountsGap: 'x', zfsMounts: new Map() })).slice(0, 2), [
    'unknown',
    'mounts-unread',
  ]);
  // A dataset mounted besides its own mountpoint.
  const zfsMounts = new Map([
    ['tank/subvol-200-disk-0', ['/tank/subvol-200-disk-0', '/var/lib/lxc/200/rootfs', '/mnt/inspect']],
  ]);
  assert.deepEqual(run(zfsVol, { zfsMounts }), {
    status: 'orphan',
    reason: 'guest-missing',
    detail:
      'CT 200 does not exist; tank/subvol-200-disk-0 is also mounted at /var/lib/lxc/200/rootfs, /mnt/inspect (pct mount or a container: LXC.pm mountpoint_mount bind-mounts the subvol there)',
    open: true,
    protectedBy: ['mounted'],
  });
  const own = new Map([['tank/subvol-200-disk-0', ['/tank/subvol-200-disk-0']]]);
  assert.deepEqual(run(zfsVol, { zfsMounts: own }).protectedBy, []);
  // A dataset zfs lists nowhere mounted, or no ZFS mounts read at all: not mounted elsewhere.
  assert.deepEqual(run(zfsVol, { zfsMounts: new Map([['tank/other', ['/x']]]) }).protectedBy, []);
  assert.deepEqual(run(zfsVol, {}).protectedBy, []);
  // A raw image is no directory: its mounts are no bind mounts of it.
  assert.deepEqual(run({ ...dirVol, format: 'raw' }, { mounts: bound }).protectedBy, []);
});
