// What a device path of a config names (core/dm/dm-paths.ts): through the node's links to a device,
// never by its text alone while the links say where it leads; unresolved where nothing can tell.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lvOfPath, makePathResolver, type PathIndex, type PathReading } from '../../src/core/dm/dm-paths';

const VG_ID = 'a'.repeat(32);
const LV_ID = 'b'.repeat(32);
const MAPS: Record<string, { kname: string; name: string; devno: string; lv: { vg: string; lv: string } | null }> = {
  db: { kname: 'dm-20', name: 'pve-vm--150--disk--0', devno: '252:20', lv: { vg: 'pve', lv: 'vm-150-disk-0' } },
  mp: { kname: 'dm-0', name: 'mpatha', devno: '252:0', lv: null },
  // A map whose name spells another LV than the one its UUID says (a renamed map): the map decides.
  renamed: { kname: 'dm-7', name: 'pve-vm--100--disk--0', devno: '252:7', lv: { vg: 'pve', lv: 'vm-150-disk-0' } },
};
const find = (k: 'kname' | 'name' | 'devno', v: string) => {
  const m = Object.values(MAPS).find((x) => x[k] === v);
  return m ? m.lv : undefined;
};
const LVS = new Set(['pve/vm-150-disk-0', 'pve/vm-100-disk-0', 'san/vm-300-disk-0']);

function index(paths: PathIndex['paths'], links: Record<string, string> = {}): PathIndex {
  return {
    localNode: 'pve1',
    paths,
    links,
    byUuid: (v, l) => (v === VG_ID && l === LV_ID ? { vg: 'san', lv: 'vm-300-disk-0' } : null),
    lvOfKname: (k) => find('kname', k),
    lvOfDmName: (n) => find('name', n),
    lvOfDevno: (d) => find('devno', d),
    dmMajors: new Set(['252']),
    lvExists: (vg, lv) => LVS.has(`${vg}/${lv}`),
  };
}

const DB = { vg: 'pve', lv: 'vm-150-disk-0' };

test('with the gathered table: the device number decides, whatever the text spells', () => {
  const table: PathIndex['paths'] = {
    '/dev/vmdisks/db01': { path: '/dev/dm-20', devno: '252:20' },
    '/dev/block/252:20': { path: '/dev/dm-20', devno: '252:20' },
    // Text that spells another LV: the link wins.
    '/dev/pve/vm-100-disk-0': { path: '/dev/dm-20', devno: '252:20' },
    '/dev/disk/by-id/wwn-0x5000': { path: '/dev/sdb', devno: '8:16' },
    '/dev/mapper/mpatha': { path: '/dev/dm-0', devno: '252:0' },
    '/dev/vmdisks/stale': { path: '/dev/dm-31', devno: '252:31' },
    '/dev/dri': { path: '/dev/dri' },
    '/dev/vmdisks/sim': { path: '/dev/dm-20' }, // no device node (a simulated node): its final name
    '/dev/vmdisks/sim-gone': { path: '/dev/dm-44' },
    '/dev/vmdisks/gone': null,
    '/dev/pve/vm-100-disk-0-inactive': null,
    '/dev/pve/vm-100-disk-0x': null,
    '/dev/ttyUSB0': null,
    // Links that go round: whatever the text spells (a by-path name is never an LV's), nothing is known.
    '/dev/disk/by-path/ip-10.0.0.9:3260-iscsi-lun-7': {
      path: '/dev/disk/by-path/ip-10.0.0.9:3260-iscsi-lun-7',
      loop: true,
    },
    '/dev/pve/vm-150-disk-0': { path: '/dev/pve/vm-150-disk-0', loop: true },
    '/dev/vmdisks/renamed': { path: '/dev/mapper/pve-vm--100--disk--0' },
    '/dev/vmdisks/by-name': { path: '/dev/disk/by-id/dm-name-san-vm--300--disk--0' },
    '/dev/vmdisks/odd': { path: '/dev/dm-20-old' },
    '/dev/vmdisks/below': { path: '/dev/mapper/pve-vm--150--disk--0/x' },
    '/dev/vmdisks/img': { path: '/srv/images/disk.raw' },
    '/dev/vmdisks/chroot': { path: '/srv/chroot/dev/dm-20' },
    '/dev/vmdisks/chroot-map': { path: '/srv/chroot/dev/mapper/pve-vm--150--disk--0' },
    '/dev/vmdisks/chroot-node': { path: '/srv/chroot/dev/dm-20', devno: '252:20' },
    '/srv/host-data': { path: '/srv/host-data' },
    '/mnt/images/x.raw': { path: '/mnt/images/x.raw' },
    '/srv/not-made-yet': null,
    '/srv/devnodes/db01': { path: '/srv/devnodes/db01', devno: '252:20' },
    '/mnt/pve/nfs-store/images/x.raw': {
      path: '/mnt/pve/nfs-store/images/x.raw',
      network: 'nfs4 10.0.0.5:/export at /mnt/pve/nfs-store',
    },
  };
  const r = makePathResolver(index(table));
  const rows: [string, PathReading][] = [
    ['/dev/vmdisks/db01', DB],
    ['/dev/block/252:20', DB],
    ['/dev/pve/vm-100-disk-0', DB],
    ['/dev/disk/by-id/wwn-0x5000', null],
    ['/dev/mapper/mpatha', null],
    ['/dev/vmdisks/stale', { unresolved: 'is device 252:31, a device-mapper device dmsetup did not list' }],
    ['/dev/dri', null],
    ['/dev/vmdisks/sim', DB],
    ['/dev/vmdisks/sim-gone', { unresolved: 'leads to /dev/dm-44, which no map of this node is' }],
    ['/dev/vmdisks/gone', { unresolved: 'does not exist on this node' }],
    ['/dev/pve/vm-100-disk-0x', { unresolved: 'does not exist on this node' }], // missing, and no such LV
    ['/dev/ttyUSB0', null], // unplugged: a character device's name
    ['/dev/not-in-table', { unresolved: 'was not looked up on this node' }],
    ['/dev/disk/by-path/ip-10.0.0.9:3260-iscsi-lun-7', { unresolved: 'its links go round in a loop on this node' }],
    ['/dev/pve/vm-150-disk-0', { unresolved: 'its links go round in a loop on this node' }],
    [`/dev/disk/by-id/dm-uuid-LVM-${VG_ID}${LV_ID}`, { vg: 'san', lv: 'vm-300-disk-0' }],
    // No device number (a simulated node): the final name, the map's name read through the map.
    ['/dev/vmdisks/renamed', DB],
    ['/dev/vmdisks/by-name', { vg: 'san', lv: 'vm-300-disk-0' }], // no map of that name: its text, an LV that exists
    ['/dev/vmdisks/odd', null], // a file in /dev that is no block device and spells nothing
    ['/dev/vmdisks/below', null], // nothing lies below a map's node: no map's name
    // A link out of /dev was looked up where it leads: a file, or a node of another tree's /dev that is no
    // block device, names no LV (what a node is, its device number says, not its name).
    ['/dev/vmdisks/img', null],
    ['/dev/vmdisks/chroot', null],
    ['/dev/vmdisks/chroot-map', null],
    ['/dev/vmdisks/chroot-node', DB],
    // PVE's bind mount points and disks by path (PVE::LXC::Config classify_mountpoint: an absolute path
    // outside /dev is a bind mount): a directory or a file names no LV, there or not yet there.
    ['/srv/host-data', null],
    ['/mnt/images/x.raw', null],
    ['/srv/not-made-yet', null],
    // Not in the table at all (a capture of an older version looked up only /dev): it cannot be told.
    ['/srv/not-in-table', { unresolved: 'was not looked up on this node' }],
    // A block device node outside /dev is read by its device number like one inside.
    ['/srv/devnodes/db01', DB],
    // Beyond a network mount nothing is looked up: what lies there cannot be told.
    [
      '/mnt/pve/nfs-store/images/x.raw',
      {
        unresolved:
          'lies on nfs4 10.0.0.5:/export at /mnt/pve/nfs-store, which is not entered (a dead server would hang the check)',
      },
    ],
  ];
  for (const [path, want] of rows) assert.deepEqual(r(path, 'pve1'), want, path);
  // Missing now but the text spells an LV this node has (an inactive LV has no /dev/<vg>/<lv>).
  assert.deepEqual(makePathResolver(index({ '/dev/pve/vm-100-disk-0': null }))('/dev/pve/vm-100-disk-0', 'pve1'), {
    vg: 'pve',
    lv: 'vm-100-disk-0',
  });
});

test('another node’s path: its text names an LV of this node only when the LV exists; a disk’s name none', () => {
  const r = makePathResolver(index({ '/dev/vmdisks/db01': { path: '/dev/dm-20', devno: '252:20' } }));
  assert.deepEqual(r('/dev/san/vm-300-disk-0', 'pve2'), { vg: 'san', lv: 'vm-300-disk-0' });
  // This node's link table says nothing of pve2's /dev.
  const other = { unresolved: "is a name among pve2's own devices" };
  assert.deepEqual(r('/dev/vmdisks/db01', 'pve2'), other);
  assert.deepEqual(r('/dev/block/252:20', 'pve2'), other);
  assert.equal(r('/dev/sdc', 'pve2'), null);
  assert.equal(r('/dev/disk/by-id/scsi-36001405abc', 'pve2'), null);
  assert.deepEqual(r(`/dev/disk/by-id/dm-uuid-LVM-${VG_ID}${LV_ID}`, 'pve2'), { vg: 'san', lv: 'vm-300-disk-0' });
});

test('an older snapshot (no table): its links, then the text of an LV that exists, else unresolved', () => {
  const r = makePathResolver(index(null, { '/dev/vmdisks/db01': '/dev/dm-20', '/dev/disk/by-id/x': '/dev/sdb' }));
  assert.deepEqual(r('/dev/vmdisks/db01', 'pve1'), DB);
  assert.equal(r('/dev/disk/by-id/x', 'pve1'), null);
  assert.deepEqual(r('/dev/pve/vm-100-disk-0', 'pve1'), { vg: 'pve', lv: 'vm-100-disk-0' });
  assert.deepEqual(r('/dev/dm-20', 'pve1'), DB);
  // A link to a map of this node that is no LV (a multipath LUN), or that map by name: no LV, as with the table.
  const mp = makePathResolver(index(null, { '/dev/disk/by-id/wwn-0x6000': '/dev/dm-0' }));
  assert.equal(mp('/dev/disk/by-id/wwn-0x6000', 'pve1'), null);
  assert.equal(mp('/dev/mapper/mpatha', 'pve1'), null);
  assert.equal(mp('/dev/dm-0', 'pve1'), null);
  assert.deepEqual(r('/dev/vmdisks/other', 'pve1'), { unresolved: 'names no device this check knows' });
  assert.deepEqual(r('/dev/block/252:20', 'pve1'), { unresolved: 'names no device this check knows' });
  const linked = makePathResolver(index(null, { '/dev/vmdisks/lost': '/dev/vmdisks/target' }));
  assert.deepEqual(linked('/dev/vmdisks/lost', 'pve1'), {
    unresolved: 'leads to /dev/vmdisks/target, which names no device this check knows',
  });
});

test('lvOfPath: the LV a path spells as /dev/<vg>/<lv>, /dev/mapper/<map> or dm-name-<map>; nothing else', () => {
  const V100 = { vg: 'pve', lv: 'vm-100-disk-0' };
  const rows: [string, PathReading][] = [
    ['/dev/pve/vm-100-disk-0', V100],
    ['/dev/mapper/pve-vm--100--disk--0', V100],
    ['/dev/disk/by-id/dm-name-pve-vm--100--disk--0', V100],
    ['/dev/mapper/my--vg-vm--100--disk--0', { vg: 'my-vg', lv: 'vm-100-disk-0' }],
    // A layer of an LV (thin pool, raid image) is no LV a guest uses.
    ['/dev/mapper/pve-data-tpool', null],
    ['/dev/disk/by-id/dm-name-pve-data-tpool', null],
    ['/dev/mapper/control', null],
    // Another tree's /dev (a chroot, a container's rootfs) is not this node's.
    ['/srv/chroot/dev/pve/vm-100-disk-0', null],
    ['/srv/chroot/dev/mapper/pve-vm--100--disk--0', null],
    ['/srv/chroot/dev/disk/by-id/dm-name-pve-vm--100--disk--0', null],
    // Nothing lies below a device node.
    ['/dev/pve/vm-100-disk-0/x', null],
    ['/dev/mapper/pve-vm--100--disk--0/x', null],
    ['/dev/disk/by-id/dm-name-pve-vm--100--disk--0/x', null],
    // Directories of /dev that hold devices, never a VG of that name.
    ['/dev/disk/by-id', null],
    ['/dev/pts/0', null],
    ['/dev/shm/x', null],
    ['/dev/net/tun', null],
    ['/dev/bus/usb', null],
    ['/dev/input/event0', null],
    ['/dev/snd/timer', null],
    ['/dev/dri/card0', null],
    ['/dev/zvol/rpool', null],
    ['/dev/rbd-pve/x', null],
  ];
  for (const [path, want] of rows) assert.deepEqual(lvOfPath(path), want, path);
});

// The names the kernel and udev give devices that are never an LV; read by text alone (another node's
// config), each is no LV. A name one step from them is a name a site made: nothing can tell what it is.
const NEVER_AN_LV = [
  '/dev/sda',
  '/dev/sdab3',
  '/dev/vdb1',
  '/dev/hda',
  '/dev/xvda2',
  '/dev/nvme0n1',
  '/dev/nvme10n12p13',
  '/dev/nvme1',
  '/dev/zd0',
  '/dev/zd16p1',
  '/dev/zd0p12',
  '/dev/rbd0',
  '/dev/rbd12p1',
  '/dev/loop7',
  '/dev/nbd0',
  '/dev/md127',
  '/dev/sr0',
  '/dev/ttyS0',
  '/dev/ttyUSB0',
  '/dev/ttyACM0',
  '/dev/tty',
  '/dev/tty1',
  '/dev/hidraw0',
  '/dev/video0',
  '/dev/nvidia0',
  '/dev/dxg',
  '/dev/cdrom',
  '/dev/kvm',
  '/dev/fuse',
  '/dev/null',
  '/dev/zero',
  '/dev/full',
  '/dev/random',
  '/dev/urandom',
  '/dev/ppp',
  '/dev/mem',
  '/dev/console',
  '/dev/ptmx',
  '/dev/net/tun',
  '/dev/zvol/rpool/data/vm-100-disk-0',
  '/dev/rbd/ceph/vm-100-disk-0',
  '/dev/rbd-pve/fsid/pool/vm-100-disk-0',
  '/dev/dri/card0',
  '/dev/dri',
  '/dev/snd/controlC0',
  '/dev/input/event0',
  '/dev/bus/usb/001/002',
  '/dev/pts/0',
  '/dev/shm/x',
  '/dev/net',
  '/dev/nvidia-caps/nvidia-cap1',
  '/dev/dma_heap/system',
  '/dev/accel/accel0',
  '/dev/vfio/vfio',
  '/dev/hugepages',
  '/dev/mqueue',
  '/dev/serial/by-id/usb-x',
  '/dev/disk/by-id/ata-X',
  '/dev/disk/by-id/scsi-X',
  '/dev/disk/by-id/wwn-0x5',
  '/dev/disk/by-id/nvme-X',
  '/dev/disk/by-id/usb-X',
  '/dev/disk/by-id/virtio-X',
  '/dev/disk/by-id/mmc-X',
  '/dev/disk/by-id/ieee1394-X',
  '/dev/disk/by-id/memstick-X',
  '/dev/disk/by-path/pci-0000:00:1f.2-ata-1',
];
const NAMES_A_SITE_MADE = [
  '/dev/sd',
  '/dev/sdA',
  '/dev/sdb-old',
  '/srv/chroot/dev/sdb',
  '/dev/sdb/x',
  '/dev/nvme0n',
  '/dev/nvmexn1',
  '/dev/nvme0nxp1',
  '/dev/nvme0n1p',
  '/dev/nvme0n1px',
  '/dev/zdx',
  '/dev/zd0p',
  '/dev/zd0px',
  '/dev/loopx',
  '/dev/drix',
  '/dev/randomx',
  '/dev/xrandom',
  '/dev/nett',
  '/dev/zvolx',
  '/dev/disk/by-id/ata',
  '/dev/disk/by-id/ata-',
  '/dev/disk/by-id/ata-X/part',
  '/dev/disk/by-id/lvm-pv-uuid-X',
  '/dev/disk/by-uuid/1234',
  '/dev/disk/by-path/',
  '/dev/disk/by-path/a/b',
  '/dev/vmdisks/db01',
  // The UUID link of an LV's layer, or one in another tree, is not the LV's.
  `/dev/disk/by-id/dm-uuid-LVM-${VG_ID}${LV_ID}-tpool`,
  `/srv/chroot/dev/disk/by-id/dm-uuid-LVM-${VG_ID}${LV_ID}`,
];

test('another node’s path by its text: a kernel device name is no LV; any other name is unresolved', () => {
  const r = makePathResolver(index({}));
  for (const path of NEVER_AN_LV) assert.equal(r(path, 'pve2'), null, path);
  for (const path of NAMES_A_SITE_MADE)
    assert.deepEqual(
      r(path, 'pve2'),
      // Outside /dev PVE itself calls it a bind mount or a file (classify_mountpoint): no device.
      path.startsWith('/dev/') ? { unresolved: "is a name among pve2's own devices" } : null,
      path,
    );
});
