// node/vg-reach.ts: a VG is local, shared or unsure by its PVs' disks, one row per transport and stacking
// (a partition, md, crypt, multipath, kpartx), each shared or unsure row beside a local neighbour.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseNode } from '../../src/core/node/node-view';
import {
  diskReach,
  sharedVgs,
  storageConfigAsSeen,
  storagesAsSeen,
  type VgReach,
  vgReach,
  vgReachOf,
} from '../../src/core/node/vg-reach';
import type { VgRow } from '../../src/core/parse/parse-lvm';
import type { PvDevicesRead, SysBlockDevice } from '../../src/core/vocab/snapshot';
import { LOCAL_LVM, lvmId, NodeBuilder } from '../helpers/node-builder';
import { lv, nodeView, vgOf } from '../helpers/node-view';
import { DISK_PLACE, pvOnDisk, pvRead } from '../helpers/pv-devices';

const vg = (pvs: string[]): VgRow => vgOf('vgx', [], { pvs });
const local = (via: string): VgReach => ({ kind: 'local', via });
const shared = (via: string): VgReach => ({ kind: 'shared', via });
const unsure = (why: string): VgReach => ({ kind: 'unsure', why });

/** `/dev/<disk>1` on partition 1 of a whole disk at `place`. */
const onPartition = (disk: string, place: keyof typeof DISK_PLACE, p = '1', extra = {}): PvDevicesRead =>
  pvRead(
    { [`/dev/${disk}${p}`]: `${disk}${p}` },
    {
      [`${disk}${p}`]: { path: `${DISK_PLACE[place](disk)}/${disk}${p}`, partition: true },
      [disk]: { path: DISK_PLACE[place](disk), ...extra },
    },
  );

const rows: [string, string[], PvDevicesRead | null, VgReach][] = [
  ['a SATA disk', ['/dev/sdb'], pvOnDisk('sdb', 'sata'), local('SATA disk sdb (PV /dev/sdb)')],
  ['a partition of a SATA disk', ['/dev/sda3'], onPartition('sda', 'sata', '3'), local('SATA disk sda (PV /dev/sda3)')],
  [
    'a partition of a PCIe NVMe disk (its controller says pcie)',
    ['/dev/nvme0n1p3'],
    onPartition('nvme0n1', 'nvme', 'p3', { transport: 'pcie' }),
    local('NVMe disk nvme0n1 (PV /dev/nvme0n1p3)'),
  ],
  [
    'a native-multipath NVMe head whose controllers are all PCIe',
    ['/dev/nvme0n1'],
    pvRead(
      { '/dev/nvme0n1': 'nvme0n1' },
      { nvme0n1: { path: '/sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1', transport: 'pcie' } },
    ),
    local('NVMe disk nvme0n1 (PV /dev/nvme0n1)'),
  ],
  [
    'an NVMe/TCP namespace behind a native-multipath head',
    ['/dev/nvme1n1'],
    pvRead(
      { '/dev/nvme1n1': 'nvme1n1' },
      { nvme1n1: { path: '/sys/devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1', transport: 'tcp' } },
    ),
    shared('NVMe over tcp disk nvme1n1 (PV /dev/nvme1n1)'),
  ],
  [
    'an NVMe over Fabrics controller',
    ['/dev/nvme1n1'],
    pvRead({ '/dev/nvme1n1': 'nvme1n1' }, { nvme1n1: { path: '/sys/devices/virtual/nvme-fabrics/ctl/nvme1/nvme1n1' } }),
    shared('NVMe over Fabrics disk nvme1n1 (PV /dev/nvme1n1)'),
  ],
  [
    'an NVMe head whose transport was not read',
    ['/dev/nvme0n1'],
    pvRead(
      { '/dev/nvme0n1': 'nvme0n1' },
      { nvme0n1: { path: '/sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1' } },
    ),
    unsure(
      'PV /dev/nvme0n1: the transport of nvme0n1 is not known from its sysfs place /sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1',
    ),
  ],
  ['a virtio disk', ['/dev/vdb'], pvOnDisk('vdb', 'virtio'), local('virtio disk vdb (PV /dev/vdb)')],
  ['a RAID controller logical drive', ['/dev/sdb'], pvOnDisk('sdb', 'scsi'), local('SCSI disk sdb (PV /dev/sdb)')],
  [
    'a USB disk',
    ['/dev/sdb'],
    pvRead(
      { '/dev/sdb': 'sdb' },
      { sdb: { path: `/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb` } },
    ),
    local('USB disk sdb (PV /dev/sdb)'),
  ],
  [
    'an md array of partitions of two local disks',
    ['/dev/md0'],
    pvRead(
      { '/dev/md0': 'md0' },
      {
        md0: { path: DISK_PLACE.virtual('md0'), slaves: ['sda1', 'vdb1'] },
        sda1: { path: `${DISK_PLACE.sata('sda')}/sda1`, partition: true },
        sda: { path: DISK_PLACE.sata('sda') },
        vdb1: { path: `${DISK_PLACE.virtio('vdb')}/vdb1`, partition: true },
        vdb: { path: DISK_PLACE.virtio('vdb') },
      },
    ),
    local('SATA disk sda, virtio disk vdb (PV /dev/md0)'),
  ],
  [
    'a partition of an md array (md0p1) of local disks',
    ['/dev/md0p1'],
    pvRead(
      { '/dev/md0p1': 'md0p1' },
      {
        md0p1: { path: `${DISK_PLACE.virtual('md0')}/md0p1`, partition: true },
        md0: { path: DISK_PLACE.virtual('md0'), slaves: ['sda', 'sdb'] },
        sda: { path: DISK_PLACE.sata('sda') },
        sdb: { path: DISK_PLACE.sata('sdb') },
      },
    ),
    local('SATA disk sda, SATA disk sdb (PV /dev/md0p1)'),
  ],
  [
    'an md array with one leg on an iSCSI LUN',
    ['/dev/md0'],
    pvRead(
      { '/dev/md0': 'md0' },
      {
        md0: { path: DISK_PLACE.virtual('md0'), slaves: ['sda', 'sdb'] },
        sda: { path: DISK_PLACE.sata('sda') },
        sdb: { path: DISK_PLACE.iscsi('sdb') },
      },
    ),
    shared('iSCSI disk sdb (PV /dev/md0)'),
  ],
  [
    'a LUKS map on a local partition',
    ['/dev/mapper/crypt'],
    pvRead(
      { '/dev/mapper/crypt': 'dm-2' },
      {
        'dm-2': { path: DISK_PLACE.virtual('dm-2'), dmUuid: 'CRYPT-LUKS2-0a1b-crypt', slaves: ['sda3'] },
        sda3: { path: `${DISK_PLACE.sata('sda')}/sda3`, partition: true },
        sda: { path: DISK_PLACE.sata('sda') },
      },
    ),
    local('SATA disk sda (PV /dev/mapper/crypt)'),
  ],
  ['an iSCSI LUN', ['/dev/sdb'], pvOnDisk('sdb', 'iscsi'), shared('iSCSI disk sdb (PV /dev/sdb)')],
  ['a partition of an iSCSI LUN', ['/dev/sdb1'], onPartition('sdb', 'iscsi'), shared('iSCSI disk sdb (PV /dev/sdb1)')],
  ['a Fibre Channel LUN', ['/dev/sdc'], pvOnDisk('sdc', 'fc'), shared('Fibre Channel disk sdc (PV /dev/sdc)')],
  [
    'a multipath map (its paths local-looking or not)',
    ['/dev/mapper/mpatha'],
    pvRead(
      { '/dev/mapper/mpatha': 'dm-0' },
      {
        'dm-0': { path: DISK_PLACE.virtual('dm-0'), dmUuid: 'mpath-3600a0980383030', slaves: ['sdb', 'sdc'] },
        sdb: { path: DISK_PLACE.sas('sdb') },
        sdc: { path: DISK_PLACE.sas('sdc') },
      },
    ),
    shared('multipath map dm-0 (PV /dev/mapper/mpatha)'),
  ],
  [
    'a kpartx partition of a multipath map',
    ['/dev/mapper/mpatha-part1'],
    pvRead(
      { '/dev/mapper/mpatha-part1': 'dm-1' },
      {
        'dm-1': { path: DISK_PLACE.virtual('dm-1'), dmUuid: 'part1-mpath-3600a0980383030', slaves: ['dm-0'] },
        'dm-0': { path: DISK_PLACE.virtual('dm-0'), dmUuid: 'mpath-3600a0980383030', slaves: ['sdb'] },
        sdb: { path: DISK_PLACE.fc('sdb') },
      },
    ),
    shared('multipath map dm-0 (PV /dev/mapper/mpatha-part1)'),
  ],
  ['an NBD device', ['/dev/nbd0'], pvOnDisk('nbd0', 'virtual'), shared('NBD disk nbd0 (PV /dev/nbd0)')],
  ['a DRBD device', ['/dev/drbd0'], pvOnDisk('drbd0', 'virtual'), shared('DRBD disk drbd0 (PV /dev/drbd0)')],
  ['a krbd device', ['/dev/rbd0'], pvOnDisk('rbd0', 'virtual'), shared('Ceph RBD disk rbd0 (PV /dev/rbd0)')],
  [
    'a SAS disk (an enclosure may be cabled to several nodes)',
    ['/dev/sdb'],
    pvOnDisk('sdb', 'sas'),
    unsure('PV /dev/sdb: sdb is a SAS disk, which an enclosure may share between nodes'),
  ],
  [
    'a loop device (its file may lie anywhere)',
    ['/dev/loop0'],
    pvOnDisk('loop0', 'virtual'),
    unsure('PV /dev/loop0: the transport of loop0 is not known from its sysfs place /sys/devices/virtual/block/loop0'),
  ],
  [
    'sysfs of the disk unreadable',
    ['/dev/sdb'],
    pvRead({ '/dev/sdb': 'sdb' }, { sdb: { error: '/sys/class/block/sdb cannot be read' } }),
    unsure('PV /dev/sdb: /sys/class/block/sdb cannot be read'),
  ],
  [
    'the partition read, its disk not',
    ['/dev/sda3'],
    pvRead(
      { '/dev/sda3': 'sda3' },
      {
        sda3: { path: `${DISK_PLACE.sata('sda')}/sda3`, partition: true },
        sda: { error: '/sys/class/block/sda cannot be read' },
      },
    ),
    unsure('PV /dev/sda3: /sys/class/block/sda cannot be read'),
  ],
  [
    'a PV path naming no kernel device',
    ['/dev/disk/by-id/x'],
    pvRead(
      { '/dev/disk/by-id/x': { error: '/dev/disk/by-id/x leads to no kernel block device name (/dev/disk/by-id/x)' } },
      {},
    ),
    unsure('/dev/disk/by-id/x leads to no kernel block device name (/dev/disk/by-id/x)'),
  ],
  ['a PV not looked up', ['/dev/sdb'], pvRead({}, {}), unsure('PV /dev/sdb was not looked up')],
  [
    'the disks not gathered (an older capture)',
    ['/dev/sdb'],
    null,
    unsure('the disks under its PVs were not gathered (a snapshot of an older version)'),
  ],
  ['no PV listed', [], pvRead({}, {}), unsure('vgs names no PV of VG vgx')],
  [
    'two PVs, one local and one on an iSCSI LUN',
    ['/dev/sda', '/dev/sdb'],
    pvRead(
      { '/dev/sda': 'sda', '/dev/sdb': 'sdb' },
      { sda: { path: DISK_PLACE.sata('sda') }, sdb: { path: DISK_PLACE.iscsi('sdb') } },
    ),
    shared('iSCSI disk sdb (PV /dev/sdb)'),
  ],
  [
    'two PVs, one local and one unreadable',
    ['/dev/sda', '/dev/sdb'],
    pvRead(
      { '/dev/sda': 'sda', '/dev/sdb': 'sdb' },
      { sda: { path: DISK_PLACE.sata('sda') }, sdb: { error: 'EACCES' } },
    ),
    unsure('PV /dev/sdb: EACCES'),
  ],
  [
    'two local PVs',
    ['/dev/sda', '/dev/vdb'],
    pvRead(
      { '/dev/sda': 'sda', '/dev/vdb': 'vdb' },
      { sda: { path: DISK_PLACE.sata('sda') }, vdb: { path: DISK_PLACE.virtio('vdb') } },
    ),
    local('SATA disk sda (PV /dev/sda), virtio disk vdb (PV /dev/vdb)'),
  ],
];

describe('a VG by its disks', () => {
  for (const [name, pvs, read, want] of rows) test(name, () => assert.deepEqual(vgReach(vg(pvs), read), want));
});

describe('storagesAsSeen: only thick LVM storage.cfg calls local, on a shared VG, becomes shared', () => {
  const reach = new Map<string, VgReach>([
    ['lun', shared('iSCSI disk sdb (PV /dev/sdb)')],
    ['own', local('SATA disk sda (PV /dev/sda)')],
    ['odd', unsure('EACCES')],
  ]);
  const st = (id: string, type: string, vg: string, isShared = false) => ({ id, type, vg, shared: isShared });
  const rowsSeen: [ReturnType<typeof st>, boolean][] = [
    [st('a', 'lvm', 'lun'), true],
    [st('b', 'lvm', 'own'), false],
    [st('c', 'lvm', 'odd'), false],
    [st('d', 'lvm', 'gone'), false],
    [st('e', 'lvmthin', 'lun'), false],
    [st('f', 'lvm', 'own', true), true],
  ];
  test('each storage', () => {
    const seen = storagesAsSeen(
      rowsSeen.map(([s]) => s),
      reach,
      (s) => s.vg,
    );
    assert.deepEqual(
      seen.map((s) => [s.id, s.shared]),
      rowsSeen.map(([s, want]) => [s.id, want]),
    );
  });
});

// One disk by its sysfs place alone, on a large machine: multi-digit hosts, sessions, ports and device
// numbers (host12, session10, rport-12:0-3, nbd12, virtio12, ata10, nvme10) read like host3 and session1.
describe('diskReach: each transport at two-digit numbers, and what is not one', () => {
  const PCI = '/sys/devices/pci0000:00/0000:00:03.0/0000:05:00.0';
  const cases: [string, string, Partial<{ dmUuid: string; transport: string }>, VgReach['kind'], string][] = [
    ['sdc', '/sys/devices/platform/host12/session10/target12:0:0/12:0:0:1/block/sdc', {}, 'shared', 'iSCSI'],
    ['sdd', `${PCI}/host11/rport-11:0-12/target11:0:0/11:0:0:1/block/sdd`, {}, 'shared', 'Fibre Channel'],
    ['nbd12', '/sys/devices/virtual/block/nbd12', {}, 'shared', 'NBD'],
    ['drbd10', '/sys/devices/virtual/block/drbd10', {}, 'shared', 'DRBD'],
    ['rbd11', '/sys/devices/virtual/block/rbd11', {}, 'shared', 'Ceph RBD'],
    ['dm-12', '/sys/devices/virtual/block/dm-12', { dmUuid: 'mpath-3600a0980' }, 'shared', 'multipath'],
    ['nvme3n1', '/sys/devices/virtual/nvme-subsystem/nvme-subsys3/nvme3n1', { transport: 'rdma' }, 'shared', 'rdma'],
    ['nvme4n1', '/sys/devices/virtual/nvme-subsystem/nvme-subsys4/nvme4n1', { transport: 'fc' }, 'shared', 'fc'],
    ['nvme5n1', '/sys/devices/virtual/nvme-subsystem/nvme-subsys5/nvme5n1', { transport: 'pcie,tcp' }, 'shared', 'tcp'],
    [
      'nvme6n1',
      '/sys/devices/virtual/nvme-subsystem/nvme-subsys6/nvme6n1',
      { transport: 'pcie,pcie' },
      'local',
      'NVMe',
    ],
    ['nvme7n1', '/sys/devices/virtual/nvme-subsystem/nvme-subsys7/nvme7n1', { transport: 'loop' }, 'unsure', 'loop'],
    // One PCIe path beside one of another transport: not every path local, so not told.
    [
      'nvme8n1',
      '/sys/devices/virtual/nvme-subsystem/nvme-subsys8/nvme8n1',
      { transport: 'pcie,loop' },
      'unsure',
      'loop',
    ],
    ['vdc', `${PCI}/virtio12/block/vdc`, {}, 'local', 'virtio'],
    ['sdk', `${PCI}/ata10/host9/target9:0:0/9:0:0:0/block/sdk`, {}, 'local', 'SATA'],
    ['sdm', `${PCI}/usb10/10-1/10-1:1.0/host13/target13:0:0/13:0:0:0/block/sdm`, {}, 'local', 'USB'],
    ['mmcblk0', `${PCI}/mmc_host/mmc0/mmc0:0001/block/mmcblk0`, {}, 'local', 'MMC'],
    ['nvme10n1', `${PCI}/nvme/nvme10/nvme10n1`, {}, 'local', 'NVMe'],
    ['sdn', `${PCI}/host10/target10:2:0/10:2:0:0/block/sdn`, {}, 'local', 'SCSI'],
    // Two-digit channel and target ID, and a namespace past 9: still the controller's own disk.
    ['sdp', `${PCI}/host10/target10:12:13/10:12:13:0/block/sdp`, {}, 'local', 'SCSI'],
    ['nvme10n12', `${PCI}/nvme/nvme10/nvme10n12`, {}, 'local', 'NVMe'],
    ['sdo', `${PCI}/host0/port-0:1/end_device-0:1/target0:0:1/0:0:1:0/block/sdo`, {}, 'unsure', 'SAS'],
    // A crypt map is no SAN device by its own uuid: its place (virtual) says nothing, so it is unsure here
    // (deviceReach follows its slaves before it ever asks this).
    ['dm-3', '/sys/devices/virtual/block/dm-3', { dmUuid: 'CRYPT-LUKS2-abc' }, 'unsure', 'not known'],
    ['loop4', '/sys/devices/virtual/block/loop4', {}, 'unsure', 'not known'],
  ];
  for (const [kname, path, extra, kind, word] of cases)
    test(`${kname} at ${path}${extra.transport ? ` (transport ${extra.transport})` : ''}: ${kind}`, () => {
      const r = diskReach(kname, { path, ...extra });
      assert.equal(r.kind, kind, JSON.stringify(r));
      assert.match('via' in r ? r.via : r.why, new RegExp(`${word}.*${kname}|${kname}.*${word}`));
    });
});

describe('sharedVgs and vgReachOf: the shared VGs by what makes them shared; nothing from no vgs', () => {
  test('only the shared VGs, with their reason', () => {
    const reach = new Map<string, VgReach>([
      ['lun', shared('iSCSI disk sdb (PV /dev/sdb)')],
      ['own', local('SATA disk sda (PV /dev/sda)')],
      ['odd', unsure('EACCES')],
    ]);
    assert.deepEqual([...sharedVgs(reach)], [['lun', 'iSCSI disk sdb (PV /dev/sdb)']]);
  });
  test('vgs not read: no VG told', () => {
    const dm = { devices: [], index: { byName: new Map(), byDevno: new Map() } } as unknown as Parameters<
      typeof vgReachOf
    >[2];
    assert.deepEqual([...vgReachOf(null, pvOnDisk('sdb', 'sata'), dm)], []);
  });
});

// A stack of block devices as host/read-pv-disks.ts gathers it: it follows a PV 8 levels down (MAX_DEPTH) and
// the core follows every level it read, no further; a slave it did not read, or a capture whose slaves loop
// (damaged or made by hand, --from), is unsure with what was not read, and the check never recurses without end.
describe('deviceReach: the stack as deep as it was read, and no deeper', () => {
  /** dm-0 (the PV) → dm-1 → … → dm-<n-1> → sda (SATA), sda at depth n. */
  const stack = (n: number): PvDevicesRead => {
    const devices: Record<string, SysBlockDevice> = {};
    for (let i = 0; i < n; i++)
      devices[`dm-${i}`] = { path: DISK_PLACE.virtual(`dm-${i}`), slaves: [i + 1 < n ? `dm-${i + 1}` : 'sda'] };
    devices.sda = { path: DISK_PLACE.sata('sda') };
    return pvRead({ '/dev/dm-0': 'dm-0' }, devices);
  };
  test('a disk 8 levels below its PV (the deepest the gatherer reads) is followed: local', () =>
    assert.deepEqual(vgReach(vg(['/dev/dm-0']), stack(8)), local('SATA disk sda (PV /dev/dm-0)')));
  test('9 levels below: unsure, never taken as read', () =>
    assert.deepEqual(vgReach(vg(['/dev/dm-0']), stack(9)), unsure('PV /dev/dm-0: /sys/class/block/sda was not read')));
  test('a slave the gatherer did not read (an md array of two partitions, one missing): unsure, with its name', () =>
    assert.deepEqual(
      vgReach(
        vg(['/dev/md0']),
        pvRead(
          { '/dev/md0': 'md0' },
          {
            md0: { path: DISK_PLACE.virtual('md0'), slaves: ['sda1', 'sdb1'] },
            sda1: { path: `${DISK_PLACE.sata('sda')}/sda1`, partition: true },
            sda: { path: DISK_PLACE.sata('sda') },
          },
        ),
      ),
      unsure('PV /dev/md0: /sys/class/block/sdb1 was not read'),
    ));
  const loops: [string, string, Record<string, SysBlockDevice>, string][] = [
    [
      'slaves',
      'dm-0',
      {
        'dm-0': { path: DISK_PLACE.virtual('dm-0'), slaves: ['dm-1'] },
        'dm-1': { path: DISK_PLACE.virtual('dm-1'), slaves: ['dm-0'] },
      },
      'dm-1',
    ],
    [
      'partitions',
      'p1',
      {
        p1: { path: '/sys/devices/virtual/block/p2/p1', partition: true },
        p2: { path: '/sys/devices/virtual/block/p1/p2', partition: true },
      },
      'p2',
    ],
  ];
  for (const [what, pv, devices, last] of loops)
    test(`${what} that loop (a damaged capture): unsure, the walk ends`, () =>
      assert.deepEqual(
        vgReach(vg([`/dev/${pv}`]), pvRead({ [`/dev/${pv}`]: pv }, devices)),
        unsure(`PV /dev/${pv}: /sys/class/block/${last} was not read`),
      ));
});

// The multipath rule reads dmsetup deps, no sysfs: a VG whose LVs map onto a multipath map (or a kpartx
// partition of one) is shared, said by the map of its first LV (by DM name); a map of no VG (the partition
// map itself) tells no VG.
describe('multipathVgs through vgReachOf: the LUN a VG lies on, by its first map', () => {
  const lun = (name: string, uuid: string, major: string) => ({
    name,
    uuid,
    table: `0 20971520 multipath 0 0 1 1 round-robin 0 1 1 ${major} 1`,
  });
  const reachOf = (b: NodeBuilder) => {
    const view = parseNode(b.build());
    return vgReachOf(view.lvm.vgs, null, view.dm);
  };
  test('a VG over two LUNs (grown by a second one): said to lie on the first map of its first LV', () => {
    const b = new NodeBuilder().storage(`${LOCAL_LVM}\nlvm: thick\n\tvgname vgm\n`).pool('pve');
    b.map(lun('mpatha', 'mpath-3600a0980383030', '8:32'));
    b.map(lun('mpathb', 'mpath-3600a0980383031', '8:48'));
    for (const [i, m] of [
      [0, 'mpatha'],
      [1, 'mpathb'],
    ] as const) {
      const id = lvmId(`m${i}`);
      b.lv({ vg: 'vgm', lv: `vm-300-disk-${i}`, id, active: false });
      b.map({
        name: `vgm-vm--300--disk--${i}`,
        uuid: `LVM-${b.vgId('vgm')}${id}`,
        table: `0 2048 linear ${b.devnoOf(m)} 2048`,
      });
    }
    assert.deepEqual(reachOf(b).get('vgm'), shared('multipath map mpatha'));
  });
  test('a VG on a kpartx partition of a LUN: shared by that LUN; the partition map tells no VG of its own', () => {
    const b = new NodeBuilder().storage(`${LOCAL_LVM}\nlvm: thick\n\tvgname vgm\n`).pool('pve');
    b.map(lun('mpatha', 'mpath-3600a0980383030', '8:32'));
    b.map({
      name: 'mpatha-part1',
      uuid: 'part1-mpath-3600a0980383030',
      table: `0 20969472 linear ${b.devnoOf('mpatha')} 2048`,
    });
    const id = lvmId('p');
    b.lv({ vg: 'vgm', lv: 'vm-300-disk-0', id, active: false });
    b.map({
      name: 'vgm-vm--300--disk--0',
      uuid: `LVM-${b.vgId('vgm')}${id}`,
      table: `0 2048 linear ${b.devnoOf('mpatha-part1')} 2048`,
    });
    const reach = reachOf(b);
    assert.deepEqual(reach.get('vgm'), shared('multipath map mpatha'));
    assert.deepEqual([...reach.keys()].sort(), ['pve', 'vgm'], 'only VG names: a map of no VG is no key');
  });
});

// Reclaim's look reads storage.cfg as the disks show it (act/reclaim-look.ts): a thick LVM storage
// storage.cfg calls local whose VG lies on an iSCSI LUN is shared there too; on a SATA disk it stays local.
describe('storageConfigAsSeen: storage.cfg of a node view as its disks show it', () => {
  const THICK = 'lvm: san\n\tvgname vg0\n\tcontent images\n';
  const lvs = [lv('vg0', 'vm-100-disk-0')];
  for (const [place, want] of [
    ['iscsi', true],
    ['sata', false],
  ] as const)
    test(`the VG on a ${place} disk: shared ${want}`, () => {
      const view = nodeView({
        storageCfg: THICK,
        lvs,
        vgs: [vgOf('vg0', lvs, { pvs: ['/dev/sdb'] })],
        pvDevices: pvOnDisk('sdb', place),
      });
      assert.deepEqual(
        storageConfigAsSeen(view).map((s) => [s.id, s.shared]),
        [['san', want]],
      );
    });
});
