// storage.cfg lacks `shared 1` where this node's disks or mounts show a storage other nodes see
// (core/storage/classify-storage-shared.ts): a warning with `pvesm set <id> --shared 1`, beside the
// neighbours that must stay quiet (a VG on local disks, one whose disks were not told, a storage already
// shared, LVM-thin — local by its type —, a dir storage on a local disk, a storage of another node).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { lv, nodeView, vgOf } from '../helpers/node-view';
import { pvOnDisk, pvRead } from '../helpers/pv-devices';

const LVS = [lv('vgl', 'vm-100-disk-0'), lv('vgs', 'vm-101-disk-0')];
const NFS_AT = (target: string) =>
  `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n40 22 0:53 / ${target} rw,relatime shared:2 - nfs4 10.0.0.5:/export/vz rw,vers=4.2\n`;

function findings(storageCfg: string, o: { lun?: 'iscsi' | 'sata'; mountinfo?: string } = {}) {
  const view = nodeView({
    storageCfg,
    lvs: LVS,
    vgs: [vgOf('vgl', LVS, { pvs: ['/dev/sdb'] }), vgOf('vgs', LVS, { pvs: ['/dev/sdc'] })],
    pvDevices: pvRead(
      { '/dev/sdb': 'sdb', '/dev/sdc': 'sdc' },
      {
        sdb: pvOnDisk('sdb', o.lun ?? 'iscsi').devices.sdb,
        sdc: { error: '/sys/class/block/sdc cannot be read' },
      },
    ),
  });
  if (o.mountinfo) view.files['/proc/self/mountinfo'] = o.mountinfo;
  return (analyzeNode(view, {}).storage ?? []).filter((f) => f.kind === 'shared-missing');
}

test('thick LVM called local on an iSCSI LUN: a warning with the line storage.cfg lacks', () => {
  const got = findings('lvm: san\n\tvgname vgl\n\tcontent images\n');
  assert.deepEqual(
    got.map((f) => [f.id, f.severity, f.title, f.fix, f.subject]),
    [
      [
        'shared-missing:san',
        'warning',
        "storage san's VG vgl lies on iSCSI disk sdb (PV /dev/sdb) (seen by other nodes) but storage.cfg lacks shared 1",
        ['pvesm set san --shared 1'],
        { storage: 'san', vg: 'vgl' },
      ],
    ],
  );
});

test('quiet: local disks, disks not told, already shared, LVM-thin, another node’s storage', () => {
  const rows: [string, string, 'iscsi' | 'sata'][] = [
    ['a VG on a SATA disk', 'lvm: own\n\tvgname vgl\n', 'sata'],
    ['a VG whose disks could not be read', 'lvm: odd\n\tvgname vgs\n', 'iscsi'],
    ['shared 1 already', 'lvm: san\n\tvgname vgl\n\tshared 1\n', 'iscsi'],
    ['LVM-thin on the LUN', 'lvmthin: thin\n\tvgname vgl\n\tthinpool data\n', 'iscsi'],
    ['a storage of another node', 'lvm: san\n\tvgname vgl\n\tnodes pve2\n', 'iscsi'],
  ];
  for (const [name, cfg, lun] of rows) assert.deepEqual(findings(cfg, { lun }), [], name);
});

test('a dir storage called local on an NFS mount: a warning; on a local disk or shared 1: none', () => {
  const dir = (extra = '') => `dir: local\n\tpath /var/lib/vz\n\tcontent images\n${extra}`;
  const got = findings(dir(), { mountinfo: NFS_AT('/var/lib/vz'), lun: 'sata' });
  assert.deepEqual(
    got.map((f) => [f.id, f.severity, f.title, f.fix, f.subject]),
    [
      [
        'shared-missing:local',
        'warning',
        'storage local is on nfs4 10.0.0.5:/export/vz at /var/lib/vz but storage.cfg lacks shared 1',
        ['pvesm set local --shared 1'],
        { storage: 'local' },
      ],
    ],
  );
  assert.deepEqual(findings(dir(), { mountinfo: NFS_AT('/srv'), lun: 'sata' }), [], 'a local disk');
  assert.deepEqual(findings(dir('\tshared 1\n'), { mountinfo: NFS_AT('/var/lib/vz'), lun: 'sata' }), [], 'shared 1');
  assert.deepEqual(findings(dir('\tnodes pve2\n'), { mountinfo: NFS_AT('/var/lib/vz'), lun: 'sata' }), [], 'pve2 only');
});
