// Which LVs the guest configs reference (core/dm/dm-references.ts): by (VG, LV) through the storage a
// volume id names, a linked clone's base beside its own volume, a device path through the path
// resolver; a path that cannot be read is collected as unresolved, never indexed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makePathResolver } from '../../src/core/dm/dm-paths';
import { buildReferenceIndex, refsOf, type UnresolvedPath } from '../../src/core/dm/dm-references';
import { nodeView } from '../helpers/node-view';

const STORAGE_CFG = `lvmthin: local-lvm
\tthinpool data
\tvgname pve
\tcontent rootdir,images

lvm: san
\tvgname san
\tcontent images
\tshared 1
`;

/** The index of these configs as "vg/lv <- what, per hit", and the unresolved paths' reasons. */
function indexOf(guests: { vmid: number; node?: string; type?: 'qemu' | 'lxc'; text: string }[]) {
  const v = nodeView({ storageCfg: STORAGE_CFG, guests });
  const unresolved: UnresolvedPath[] = [];
  const resolve = makePathResolver({
    localNode: 'pve1',
    paths: null,
    links: {},
    byUuid: () => null,
    lvOfKname: () => undefined,
    lvOfDmName: () => undefined,
    lvOfDevno: () => undefined,
    dmMajors: new Set(['252']),
    lvExists: (vg, lv) => vg === 'pve' && lv === 'vm-100-disk-0',
  });
  const index = buildReferenceIndex([...v.pve.guests.values()], v.pve.lvmStorages, resolve, unresolved);
  const rows: string[] = [];
  for (const [vg, byLv] of index)
    for (const [lv, hits] of byLv)
      for (const h of hits)
        rows.push(`${vg}/${lv} <- ${h.type} ${h.vmid}@${h.node} ${h.ref.key} base=${h.asBase} storage=${h.storage}`);
  return { index, rows, unresolved: unresolved.map((u) => `${u.vmid} ${u.ref.key} ${u.why}`) };
}

test('buildReferenceIndex: a volume id by its storage VG, a linked clone also for its base', () => {
  const rows: [string, string, string[]][] = [
    [
      'a volume of an LVM-thin storage',
      'scsi0: local-lvm:vm-100-disk-0,size=32G\n',
      ['pve/vm-100-disk-0 <- qemu 100@pve1 scsi0 base=false storage=local-lvm'],
    ],
    [
      'a linked clone: its own LV and its base',
      'scsi0: local-lvm:base-90-disk-0/vm-100-disk-0,size=32G\n',
      [
        'pve/vm-100-disk-0 <- qemu 100@pve1 scsi0 base=false storage=local-lvm',
        'pve/base-90-disk-0 <- qemu 100@pve1 scsi0 base=true storage=local-lvm',
      ],
    ],
    ['a storage storage.cfg does not list as LVM: no LV', 'scsi0: local-zfs:vm-100-disk-0,size=32G\n', []],
    [
      'a path to an LV this node has',
      'args: -drive file=/dev/pve/vm-100-disk-0,if=none\n',
      ['pve/vm-100-disk-0 <- qemu 100@pve1 args base=false storage=null'],
    ],
    ['a path to a disk: no LV, nothing unresolved', 'scsi1: /dev/sdb\n', []],
    ['a physical CD drive names nothing', 'ide2: cdrom,media=cdrom\n', []],
    ['no drive at all', 'ide2: none,media=cdrom\n', []],
  ];
  for (const [name, text, want] of rows) {
    const got = indexOf([{ vmid: 100, text }]);
    assert.deepEqual(got.rows, want, name);
    assert.deepEqual(got.unresolved, [], name);
  }
});

test('buildReferenceIndex: a path that cannot be read is unresolved, with the guest and the reason', () => {
  const got = indexOf([
    { vmid: 100, text: 'scsi1: /dev/vmdisks/db01\nscsi0: local-lvm:vm-100-disk-0,size=8G\n' },
    { vmid: 300, node: 'pve2', text: 'scsi0: /dev/mystery/x\n' },
  ]);
  assert.deepEqual(got.rows, ['pve/vm-100-disk-0 <- qemu 100@pve1 scsi0 base=false storage=local-lvm']);
  assert.deepEqual(got.unresolved, [
    '100 scsi1 names no device this check knows',
    "300 scsi0 is a name among pve2's own devices",
  ]);
});

test('buildReferenceIndex: every guest and section that names an LV, by (VG, LV), a path by its text; a guest without a config names none', () => {
  const v = nodeView({
    storageCfg: STORAGE_CFG,
    guests: [
      {
        vmid: 100,
        text: 'scsi0: san:vm-100-disk-0,size=8G\nargs: -drive file=/dev/san/vm-100-disk-0\n\n[before]\nscsi0: san:vm-100-disk-0,size=8G\n',
      },
      { vmid: 101, type: 'lxc', node: 'pve2', text: 'rootfs: san:vm-100-disk-0,size=8G\n' },
    ],
  });
  const guests = [...v.pve.guests.values(), { vmid: 102, type: 'qemu' as const, node: 'pve1', config: null }];
  const index = buildReferenceIndex(guests, v.pve.lvmStorages);
  assert.deepEqual(
    refsOf(index, 'san', 'vm-100-disk-0')?.map((h) => `${h.type} ${h.vmid} ${h.ref.section} ${h.ref.key}`),
    ['qemu 100 main scsi0', 'qemu 100 main args', 'qemu 100 snapshot:before scsi0', 'lxc 101 main rootfs'],
  );
  assert.equal(refsOf(index, 'san', 'vm-102-disk-0'), undefined);
  assert.equal(refsOf(index, 'pve', 'vm-100-disk-0'), undefined);
  assert.deepEqual([...index.keys()], ['san']);
});
