// Ownership by reference, one rule for every storage (facts §13; docs/volumes.md): a volume and each of its
// snapshots belong to every config section that names them, whatever VMID the volume's name carries.
// AbstractConfig.pm snapshot_rollback / snapshot_delete act on the volumes a guest's section names, so a
// snapshot a guest's section needs is valid, and only a snapshot no naming guest has a section for is a
// leftover. The same table on ZFS, RBD, dir (qcow2 internal snapshots) and LVM-thin (snap_ LVs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeDm } from '../../src/core/dm/analyze-dm';
import { parseNode } from '../../src/core/node/node-view';
import { LOCAL_LVM, NodeBuilder } from '../helpers/node-builder';
import { classify, entry, zsnap, zvol } from '../helpers/volume-node';

const conf = (vmid: number, lines: string[], node = 'pve1') => ({
  [`/etc/pve/nodes/${node}/qemu-server/${vmid}.conf`]: `${lines.join('\n')}\n`,
});
const section = (name: string, lines: string[]) => ['', `[${name}]`, ...lines, 'snaptime: 1712000000'];

interface Row {
  name: string;
  /** Configs as (vmid, lines with `{vol}` for the volume's ID, node). */
  guests: [number, string[], string?][];
  /** Status and reason of the volume's snapshot `snap`; `hint` whether a removal is proposed. */
  want: [string, string];
  hint: boolean;
}

const USED_BY_502 = (vol: string) => [
  'parent: snap',
  `scsi1: ${vol},size=8G`,
  ...section('snap', [`scsi1: ${vol},size=8G`]),
];

const ROWS: Row[] = [
  {
    name: "the issue's case: vm-501-disk-0 used and snapshotted by VM 502, 501 gone",
    guests: [[502, USED_BY_502('{vol}')]],
    want: ['valid', 'referenced'],
    hint: false,
  },
  {
    name: 'the same while VM 501 exists and does not name the disk (attached by volume ID)',
    guests: [
      [501, ['name: old']],
      [502, USED_BY_502('{vol}')],
    ],
    want: ['valid', 'referenced'],
    hint: false,
  },
  {
    name: 'only in a snapshot section of 502 (the disk was detached after the snapshot): rollback needs it',
    guests: [[502, ['parent: snap', 'scsi0: x:vm-502-disk-0', ...section('snap', ['scsi1: {vol},size=8G'])]]],
    want: ['valid', 'referenced'],
    hint: false,
  },
  {
    name: 'VM 502 names the disk but has no section [snap], 501 gone: a leftover snapshot',
    guests: [[502, ['scsi1: {vol},size=8G']]],
    want: ['orphan', 'snapshot-missing'],
    hint: true,
  },
  {
    name: 'VM 502 names the disk; 501 exists with [snap] but does not name the disk: no rollback needs it',
    guests: [
      [501, ['parent: snap', 'name: old', ...section('snap', ['name: old'])]],
      [502, ['scsi1: {vol},size=8G']],
    ],
    want: ['orphan', 'snapshot-missing'],
    hint: true,
  },
  {
    name: 'VM 502 names the disk and is snapshotting (lock: snapshot): pending, no hint',
    guests: [[502, ['lock: snapshot', 'scsi1: {vol},size=8G']]],
    want: ['orphan', 'snapshot-missing'],
    hint: false,
  },
  {
    name: 'nobody names the disk and 501 is gone: guest-missing',
    guests: [[502, ['name: other']]],
    want: ['orphan', 'guest-missing'],
    hint: true,
  },
  {
    name: 'the section is in a config of another node, on local storage: it names that node’s copy, not this',
    guests: [[502, USED_BY_502('{vol}'), 'pve2']],
    want: ['orphan', 'guest-missing'],
    hint: true,
  },
];

test('volumes: a snapshot belongs to the guests that name its volume (ZFS, RBD, dir)', () => {
  const stores: [string, (lines: string[]) => string[], object, string][] = [
    ['zfs', (l) => l, { zfs: [zvol('vm-501-disk-0'), zsnap('vm-501-disk-0@snap')] }, 'local-zfs:vm-501-disk-0'],
    [
      'rbd',
      (l) => l,
      {
        rbd: JSON.stringify([
          { image: 'vm-501-disk-0', id: 'a', size: 1, format: 2 },
          { image: 'vm-501-disk-0', id: 'a', snapshot: 'snap', snapshot_id: 4, size: 1, format: 2 },
        ]),
        rbdStatus: { 'vm-501-disk-0': '{"watchers":[]}' },
      },
      'ceph-vm:vm-501-disk-0',
    ],
    [
      'dir',
      (l) => l,
      { local: [{ name: '501/vm-501-disk-0.qcow2' }, { name: '501/vm-501-disk-0.qcow2', snapshot: 'snap' }] },
      'local:501/vm-501-disk-0.qcow2',
    ],
  ];
  for (const [kind, , listing, volid] of stores) {
    for (const r of ROWS) {
      if (kind === 'rbd' && r.guests.some((g) => g[2])) continue; // RBD is shared: every node's config counts
      const files = Object.assign(
        {},
        ...r.guests.map(([id, lines, node]) =>
          conf(
            id,
            lines.map((l) => l.replace('{vol}', volid)),
            node,
          ),
        ),
      );
      const e = entry(classify({ files, ...listing }), volid, 'snap');
      assert.deepEqual([e.status, e.reason], r.want, `${kind}: ${r.name}: ${e.detail}`);
      // A qcow2 internal snapshot has no one-command removal to propose (snapshotFree).
      assert.equal(Boolean(e.hint), r.hint && kind !== 'dir', `${kind}: ${r.name}: hint ${e.hint}`);
    }
  }
});

test('LVM-thin: a snap_ LV belongs to the guests that name its volume', () => {
  for (const r of ROWS) {
    const b = new NodeBuilder().cluster(['pve1', 'pve2']).storage(LOCAL_LVM).pool('pve');
    b.lv({ vg: 'pve', lv: 'vm-501-disk-0', pool: 'data' });
    b.lv({ vg: 'pve', lv: 'snap_vm-501-disk-0_snap', pool: 'data', origin: 'vm-501-disk-0', active: false });
    for (const [id, lines, node] of r.guests)
      b.guest(
        id,
        'qemu',
        lines.map((l) => l.replace('{vol}', 'local-lvm:vm-501-disk-0')),
        node,
      );
    const e = analyzeDm(parseNode(b.build())).entries.find((x) => x.lv === 'snap_vm-501-disk-0_snap')!;
    // An inactive LV nobody names is the DM part's inactive-leftover (it has no map to remove).
    const want = r.want[1] === 'guest-missing' ? ['orphan', 'inactive-leftover'] : r.want;
    assert.deepEqual([e.status, e.reason], want, `${r.name}: ${e.detail}`);
    if (!r.hint) assert.equal(e.action, null, r.name);
  }
});

test('a disk attached by path is referenced on ZFS, RBD and dir (never guest-missing with pvesm free)', () => {
  const cases: [string, object, string, string][] = [
    ['/dev/zvol/rpool/data/vm-501-disk-0', { zfs: [zvol('vm-501-disk-0')] }, 'local-zfs:vm-501-disk-0', 'zfs'],
    [
      '/dev/rbd-pve/5c2b8bd2-67f1-4d0c-9b5e-5d6e4b1f2a10/vm-pool/vm-501-disk-0',
      { rbd: JSON.stringify([{ image: 'vm-501-disk-0', id: 'a', size: 1, format: 2 }]) },
      'ceph-vm:vm-501-disk-0',
      'rbd-pve',
    ],
    [
      '/dev/rbd/vm-pool/vm-501-disk-0',
      { rbd: JSON.stringify([{ image: 'vm-501-disk-0', id: 'a', size: 1, format: 2 }]) },
      'ceph-vm:vm-501-disk-0',
      'rbd',
    ],
    [
      '/var/lib/vz/images/501/vm-501-disk-0.qcow2',
      { local: [{ name: '501/vm-501-disk-0.qcow2' }] },
      'local:501/vm-501-disk-0.qcow2',
      'dir',
    ],
  ];
  for (const [path, listing, volid, what] of cases) {
    const e = entry(classify({ files: conf(502, [`scsi1: ${path},size=8G`]), ...listing }), volid);
    assert.deepEqual([e.status, e.reason], ['valid', 'referenced'], `${what}: ${e.detail}`);
    assert.match(e.detail, /by path/);
  }
  // Neighbours: another pool's zvol path, a path into another VMID's directory, a nested path name nothing.
  for (const path of ['/dev/zvol/tank/vm-501-disk-0', '/var/lib/vz/images/502/vm-501-disk-0.qcow2']) {
    const es = classify({
      files: conf(502, [`scsi1: ${path},size=8G`]),
      zfs: [zvol('vm-501-disk-0')],
      local: [{ name: '501/vm-501-disk-0.qcow2' }],
    });
    for (const e of es.filter((x) => x.vmid === 501)) assert.equal(e.reason, 'guest-missing', `${path}: ${e.volid}`);
  }
});
