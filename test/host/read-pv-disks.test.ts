// host/read-pv-disks.ts on node roots laid out as sysfs is: every PV vgs names, followed by its kernel name
// to its disks (a partition to its disk, a map or an array to its slaves), what each disk's place and files
// say kept as read; what cannot be read is named, never taken for "nothing there".
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createHost } from '../../src/host/host';
import { readPvDevices } from '../../src/host/read-pv-disks';
import { DISK_PLACE, writeSysBlock } from '../helpers/pv-devices';

const vgsText = (rows: [string, string][]) =>
  JSON.stringify({ report: [{ vg: rows.map(([vg, pv]) => ({ vg_name: vg, pv_name: pv })) }] });

const root = () => mkdtempSync(join(tmpdir(), 'pvh-pvs-'));

test('a partition of a SATA disk, a multipath map by its /dev/mapper name, a LUKS map by its link', () => {
  const r = root();
  writeSysBlock(r, 'sda3', { path: `${DISK_PLACE.sata('sda')}/sda3`, partition: true });
  writeSysBlock(r, 'sda', { path: DISK_PLACE.sata('sda') });
  writeSysBlock(r, 'dm-0', { path: DISK_PLACE.virtual('dm-0'), dmUuid: 'mpath-3600a098', slaves: ['sdb', 'sdc'] });
  writeSysBlock(r, 'sdb', { path: DISK_PLACE.iscsi('sdb') });
  writeSysBlock(r, 'sdc', { path: DISK_PLACE.fc('sdc') });
  writeSysBlock(r, 'dm-2', { path: DISK_PLACE.virtual('dm-2'), dmUuid: 'CRYPT-LUKS2-x-crypt', slaves: ['sdd'] });
  writeSysBlock(r, 'sdd', { path: DISK_PLACE.virtio('sdd') });
  mkdirSync(join(r, 'dev/mapper'), { recursive: true });
  symlinkSync('../dm-2', join(r, 'dev/mapper/crypt'));
  const got = readPvDevices(
    createHost({ root: r }),
    vgsText([
      ['pve', '/dev/sda3'],
      ['san', '/dev/mapper/mpatha'],
      ['sec', '/dev/mapper/crypt'],
      ['sec', '/dev/mapper/crypt'],
    ]),
    [{ kname: 'dm-0', name: 'mpatha', uuid: 'mpath-3600a098' }],
  );
  assert.deepEqual(got, {
    pvs: {
      '/dev/sda3': { kname: 'sda3' },
      '/dev/mapper/mpatha': { kname: 'dm-0' },
      '/dev/mapper/crypt': { kname: 'dm-2' },
    },
    devices: {
      sda3: { path: `${DISK_PLACE.sata('sda')}/sda3`, partition: true },
      sda: { path: DISK_PLACE.sata('sda') },
      'dm-0': { path: DISK_PLACE.virtual('dm-0'), dmUuid: 'mpath-3600a098', slaves: ['sdb', 'sdc'] },
      sdb: { path: DISK_PLACE.iscsi('sdb') },
      sdc: { path: DISK_PLACE.fc('sdc') },
      'dm-2': { path: DISK_PLACE.virtual('dm-2'), dmUuid: 'CRYPT-LUKS2-x-crypt', slaves: ['sdd'] },
      sdd: { path: DISK_PLACE.virtio('sdd') },
    },
  });
});

test('an NVMe namespace: its controller’s transport; a native-multipath head: every controller’s', () => {
  const r = root();
  writeSysBlock(r, 'nvme0n1p3', { path: `${DISK_PLACE.nvme('nvme0n1')}/nvme0n1p3`, partition: true });
  writeSysBlock(r, 'nvme0n1', { path: DISK_PLACE.nvme('nvme0n1'), transport: 'pcie' });
  const head = '/sys/devices/virtual/nvme-subsystem/nvme-subsys1';
  writeSysBlock(r, 'nvme1n1', { path: `${head}/nvme1n1` });
  for (const [c, t] of [
    ['nvme1', 'tcp'],
    ['nvme2', 'tcp'],
  ]) {
    mkdirSync(join(r, head, c));
    writeFileSync(join(r, head, c, 'transport'), `${t}\n`);
  }
  const got = readPvDevices(
    createHost({ root: r }),
    vgsText([
      ['pve', '/dev/nvme0n1p3'],
      ['fab', '/dev/nvme1n1'],
    ]),
    [],
  );
  assert.deepEqual(got.devices, {
    nvme0n1p3: { path: `${DISK_PLACE.nvme('nvme0n1')}/nvme0n1p3`, partition: true },
    nvme0n1: { path: DISK_PLACE.nvme('nvme0n1'), transport: 'pcie' },
    nvme1n1: { path: `${head}/nvme1n1`, transport: 'tcp' },
  });
});

test('what cannot be read is named: no sysfs entry, a slaves/ that is no directory, a PV path naming no device', () => {
  const r = root();
  writeSysBlock(r, 'md0', { path: DISK_PLACE.virtual('md0') });
  writeFileSync(join(r, DISK_PLACE.virtual('md0'), 'slaves'), '');
  const got = readPvDevices(
    createHost({ root: r }),
    vgsText([
      ['a', '/dev/sdq'],
      ['b', '/dev/md0'],
      ['c', '/dev/disk/by-id/wwn-0x5000'],
      ['d', '/dev/mapper/gone'],
    ]),
    [],
  );
  assert.deepEqual(got, {
    pvs: {
      '/dev/sdq': { kname: 'sdq' },
      '/dev/md0': { kname: 'md0' },
      '/dev/disk/by-id/wwn-0x5000': {
        error: '/dev/disk/by-id/wwn-0x5000 leads to no kernel block device name (/dev/disk/by-id/wwn-0x5000)',
      },
      '/dev/mapper/gone': { error: '/dev/mapper/gone leads to no kernel block device name (/dev/mapper/gone)' },
    },
    devices: {
      sdq: { error: '/sys/class/block/sdq cannot be read' },
      md0: { error: `${DISK_PLACE.virtual('md0')}/slaves: ENOTDIR` },
    },
  });
});

test('a vgs report that does not parse: nothing followed (the LVM view names the failed read)', () => {
  assert.deepEqual(readPvDevices(createHost({ root: root() }), '{"report": [', []), { pvs: {}, devices: {} });
});
