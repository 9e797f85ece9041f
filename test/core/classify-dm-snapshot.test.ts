// Snapshot LVs (classify-dm-snapshot.ts), verdict by verdict: a thin snapshot (snap_<volume>_<name>)
// or a PVE 9 volume-chain member (snap_<volume>_<name>.qcow2) belongs to every guest whose config names
// its volume, and is needed while one of them has a section of that name (AbstractConfig.pm
// snapshot_delete/snapshot_rollback call the storage on each volume the section names).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeDm } from '../../src/core/dm/analyze-dm';
import { parseNode } from '../../src/core/node/node-view';
import type { DmEntry } from '../../src/core/vocab/types';
import { LOCAL_LVM, lvmId, NodeBuilder } from '../helpers/node-builder';

const SAN = `${LOCAL_LVM}\nlvm: san\n\tvgname vg-san\n\tshared 1\n\tcontent images\n`;
/** A config with `disk` as scsi0 and one snapshot section per name (names of two or more characters, as PVE requires). */
const withSnapshots = (disk: string, snaps: string[], extra: string[] = []) => [
  `scsi0: ${disk}`,
  ...extra,
  ...snaps.flatMap((s, i) => ['', `[${s}]`, `scsi0: ${disk}`, `snaptime: ${i + 1}`]),
];
const thinSnap = (b: NodeBuilder, vol: string, snap: string, active = false) =>
  b.lv({ vg: 'pve', lv: `snap_${vol}_${snap}`, pool: 'data', origin: vol, readonly: true, active });

const b = new NodeBuilder().storage(SAN).pool('pve').cluster(['pve1', 'pve2']);
b.guest(100, 'qemu', withSnapshots('local-lvm:vm-100-disk-0', ['before', 'kept'])).lv({
  vg: 'pve',
  lv: 'vm-100-disk-0',
  pool: 'data',
});
thinSnap(b, 'vm-100-disk-0', 'before');
thinSnap(b, 'vm-100-disk-0', 'gone');
b.lv({ vg: 'pve', lv: 'snap_vm-150-disk-0_x1', pool: 'data', readonly: true, active: false });
b.lv({ vg: 'pve', lv: 'snap_vm-150-disk-0_y1', pool: 'data', readonly: true });
b.lv({ vg: 'pve', lv: 'snap_nothing', pool: 'data', readonly: true, active: false });
b.guest(300, 'qemu', withSnapshots('local-lvm:vm-300-disk-0', ['s1']), 'pve2');
thinSnap(b, 'vm-300-disk-0', 's1');
// PVE 9 volume chains on shared LVM: VM 301 lives on pve2, VM 302 here.
b.guest(301, 'qemu', withSnapshots('san:vm-301-disk-0.qcow2', ['c1']), 'pve2');
b.lv({ vg: 'vg-san', lv: 'vm-301-disk-0.qcow2', active: false });
b.lv({ vg: 'vg-san', lv: 'snap_vm-301-disk-0_c1.qcow2' });
b.lv({ vg: 'vg-san', lv: 'snap_vm-301-disk-0_c2.qcow2', active: false });
b.guest(302, 'qemu', withSnapshots('san:vm-302-disk-0.qcow2', ['c1'])).lv({ vg: 'vg-san', lv: 'vm-302-disk-0.qcow2' });
b.lv({ vg: 'vg-san', lv: 'snap_vm-302-disk-0_c1.qcow2' });
// One disk named by two guests, a section in neither.
b.guest(110, 'qemu', ['scsi0: local-lvm:vm-110-disk-0']).guest(111, 'qemu', ['scsi0: local-lvm:vm-110-disk-0']);
b.lv({ vg: 'pve', lv: 'vm-110-disk-0', pool: 'data' });
thinSnap(b, 'vm-110-disk-0', 'old');
// '_' in the snapshot's name.
b.guest(120, 'qemu', withSnapshots('local-lvm:vm-120-disk-0', ['a_b'])).lv({
  vg: 'pve',
  lv: 'vm-120-disk-0',
  pool: 'data',
});
thinSnap(b, 'vm-120-disk-0', 'a_b');
// A guest naming a volume of another VMID (qm disk reassign keeps names), with its section.
b.guest(130, 'qemu', withSnapshots('local-lvm:vm-129-disk-0', ['snap1'])).lv({
  vg: 'pve',
  lv: 'vm-129-disk-0',
  pool: 'data',
});
thinSnap(b, 'vm-129-disk-0', 'snap1');
// A snapshot of a guest's disk but not of its sections; the name read by the VG's LVs ('_' in the snapshot's name).
thinSnap(b, 'vm-120-disk-0', 'x_yy');
b.guest(131, 'qemu', ['scsi0: local-lvm:vm-128-disk-0']).lv({ vg: 'pve', lv: 'vm-128-disk-0', pool: 'data' });
thinSnap(b, 'vm-128-disk-0', 'old1');
// Two readings of one name, each with its section: the LV's own volume (its origin) is read first.
b.guest(122, 'qemu', withSnapshots('local-lvm:vm-122-disk-0', ['a_bb']));
b.guest(123, 'qemu', withSnapshots('local-lvm:vm-122-disk-0_a', ['bb']));
b.lv({ vg: 'pve', lv: 'vm-122-disk-0', pool: 'data' }).lv({ vg: 'pve', lv: 'vm-122-disk-0_a', pool: 'data' });
thinSnap(b, 'vm-122-disk-0_a', 'bb');
// Two readings, the section only on the shorter one (the LV's own volume, the longer, has none).
b.guest(124, 'qemu', withSnapshots('local-lvm:vm-124-disk-0', ['a_bb']));
b.lv({ vg: 'pve', lv: 'vm-124-disk-0', pool: 'data' }).lv({ vg: 'pve', lv: 'vm-124-disk-0_a', pool: 'data' });
thinSnap(b, 'vm-124-disk-0_a', 'bb');
// Maps of snapshot LVs that are gone (no lvs row): of a kept section and of a gone one.
b.map({
  name: 'pve-snap_vm--100--disk--0_kept',
  uuid: `LVM-${b.vgId('pve')}${lvmId('gs')}`,
  table: `0 2048 thin ${b.devnoOf('pve-data-tpool')} 77`,
});
b.map({
  name: 'pve-snap_vm--100--disk--0_lost',
  uuid: `LVM-${b.vgId('pve')}${lvmId('gs')}`,
  table: `0 2048 thin ${b.devnoOf('pve-data-tpool')} 99`,
});
// A template's base and a linked clone that names the base as its base only.
b.guest(900, 'qemu', withSnapshots('local-lvm:base-900-disk-0', ['bsnap'], ['template: 1']));
b.guest(901, 'qemu', withSnapshots('local-lvm:base-900-disk-0/vm-901-disk-0', ['bsnap']));
b.lv({ vg: 'pve', lv: 'base-900-disk-0', pool: 'data', readonly: true });
thinSnap(b, 'base-900-disk-0', 'bsnap');
// An activation-skip flag (lvchange -ky, attr 'k').
b.guest(160, 'qemu', withSnapshots('local-lvm:vm-160-disk-0', ['snap1'])).lv({
  vg: 'pve',
  lv: 'vm-160-disk-0',
  pool: 'data',
});
thinSnap(b, 'vm-160-disk-0', 'snap1');
const skip = b.lvRows.find((r) => r.lv_name === 'snap_vm-160-disk-0_snap1')!;
skip.lv_attr = `${skip.lv_attr.slice(0, 9)}k`;

function entriesOf(node: NodeBuilder, unreadable?: string): Map<string, DmEntry> {
  const snap = node.build();
  if (unreadable) {
    delete snap.files[unreadable];
    snap.unreadable = { [unreadable]: 'EIO' };
  }
  const out = new Map<string, DmEntry>();
  for (const e of analyzeDm(parseNode(snap)).entries) if (e.kind === 'dm' || !out.has(e.name)) out.set(e.name, e);
  return out;
}
const got = entriesOf(b);
// A CT whose config cannot be read (on its own node: an unread config makes every config-based orphan unknown).
const unread = new NodeBuilder().storage(LOCAL_LVM).pool('pve').guest(140, 'lxc', ['rootfs: local-lvm:vm-140-disk-0']);
unread.lv({ vg: 'pve', lv: 'vm-140-disk-0', pool: 'data' });
thinSnap(unread, 'vm-140-disk-0', 'tt');
for (const [k, e] of entriesOf(unread, '/etc/pve/nodes/pve1/lxc/140.conf')) got.set(k, e);

type Want = Partial<Pick<DmEntry, 'status' | 'reason' | 'detail' | 'vmid' | 'guestNode' | 'referencedBy' | 'storage'>>;
const rows: [string, string, Want][] = [
  [
    'its section exists',
    'pve-snap_vm--100--disk--0_before',
    {
      status: 'valid',
      reason: 'referenced',
      detail: "thin snapshot LV of VM 100 snapshot 'before' (section [before] exists)",
      guestNode: 'pve1',
    },
  ],
  [
    'its section is gone',
    'pve-snap_vm--100--disk--0_gone',
    {
      status: 'orphan',
      reason: 'snapshot-missing',
      detail: "thin snapshot LV of vm-100-disk-0 for snapshot 'gone', but 100.conf has no [gone] section any more",
    },
  ],
  [
    'no config names its volume and its VMID has none: inactive',
    'pve-snap_vm--150--disk--0_x1',
    {
      status: 'orphan',
      reason: 'inactive-leftover',
      detail:
        "thin snapshot LV of vm-150-disk-0 for snapshot 'x1', but no config names vm-150-disk-0 and VM/CT 150 has no config anywhere in the cluster",
    },
  ],
  ['likewise, active', 'pve-snap_vm--150--disk--0_y1', { status: 'orphan', reason: 'guest-missing' }],
  [
    'snap_ naming no volume',
    'pve-snap_nothing',
    {
      status: 'ignored',
      reason: 'not-guest-volume',
      detail: 'LV pve/snap_nothing starts with snap_ but names no volume',
      storage: 'local-lvm',
    },
  ],
  [
    "on local storage of a guest of another node: not that guest's",
    'pve-snap_vm--300--disk--0_s1',
    {
      status: 'orphan',
      reason: 'not-referenced',
      detail:
        "thin snapshot LV of vm-300-disk-0: VM 300 lives on pve2, not on this node's local storage, and no config of pve1 names it",
      guestNode: 'pve2',
    },
  ],
  [
    'a chain member active here while its guest lives on another node',
    'vg--san-snap_vm--301--disk--0_c1.qcow2',
    {
      status: 'orphan',
      reason: 'guest-on-other-node',
      detail:
        "volume-chain snapshot of VM 301 snapshot 'c1': the guest lives on pve2, so this member of its chain should not be active on pve1",
      guestNode: 'pve2',
      referencedBy: 'VM 301 snapshot [c1] on pve2',
    },
  ],
  [
    'a chain member of a gone snapshot',
    'vg--san-snap_vm--301--disk--0_c2.qcow2',
    {
      status: 'orphan',
      reason: 'snapshot-missing',
      detail:
        "volume-chain snapshot of vm-301-disk-0.qcow2 for snapshot 'c2', but 301.conf has no [c2] section any more",
    },
  ],
  [
    'a chain member of a guest of this node',
    'vg--san-snap_vm--302--disk--0_c1.qcow2',
    {
      status: 'valid',
      reason: 'referenced',
      detail: "volume-chain snapshot of VM 302 snapshot 'c1' (section [c1] exists); a member of the volume chain",
    },
  ],
  [
    'a disk of two guests: both configs are named',
    'pve-snap_vm--110--disk--0_old',
    {
      status: 'orphan',
      reason: 'snapshot-missing',
      detail:
        "thin snapshot LV of vm-110-disk-0 for snapshot 'old', but 110.conf, 111.conf have no [old] section any more",
    },
  ],
  [
    "'_' in the snapshot's name",
    'pve-snap_vm--120--disk--0_a_b',
    { status: 'valid', detail: "thin snapshot LV of VM 120 snapshot 'a_b' (section [a_b] exists)" },
  ],
  [
    'named by a guest of another VMID with that section',
    'pve-snap_vm--129--disk--0_snap1',
    {
      status: 'valid',
      detail: "thin snapshot LV of VM 130 snapshot 'snap1' (section [snap1] exists)",
      vmid: 129,
      guestNode: 'pve1',
    },
  ],
  [
    'its volume is read by the LVs of the VG, not by the last _',
    'pve-snap_vm--120--disk--0_x_yy',
    {
      status: 'orphan',
      reason: 'snapshot-missing',
      detail: "thin snapshot LV of vm-120-disk-0 for snapshot 'x_yy', but 120.conf has no [x_yy] section any more",
    },
  ],
  [
    'named by a guest of another VMID without that section',
    'pve-snap_vm--128--disk--0_old1',
    {
      status: 'orphan',
      reason: 'snapshot-missing',
      detail: "thin snapshot LV of vm-128-disk-0 for snapshot 'old1', but 131.conf has no [old1] section any more",
    },
  ],
  [
    'two readings with a section each: its own volume first',
    'pve-snap_vm--122--disk--0_a_bb',
    { status: 'valid', detail: "thin snapshot LV of VM 123 snapshot 'bb' (section [bb] exists)" },
  ],
  [
    'two readings, the section on the other one: still found',
    'pve-snap_vm--124--disk--0_a_bb',
    { status: 'valid', detail: "thin snapshot LV of VM 124 snapshot 'a_bb' (section [a_bb] exists)" },
  ],
  [
    'a map of a gone snapshot LV whose section stands',
    'pve-snap_vm--100--disk--0_kept',
    { status: 'orphan', reason: 'lv-missing', vmid: 100 },
  ],
  [
    'a map of a gone snapshot LV whose section is gone',
    'pve-snap_vm--100--disk--0_lost',
    { status: 'orphan', reason: 'lv-missing', vmid: 100 },
  ],
  [
    "a template's base snapshot, named by the template (the clone names it as its base only)",
    'pve-snap_base--900--disk--0_bsnap',
    { status: 'valid', detail: "thin snapshot LV of VM 900 snapshot 'bsnap' (section [bsnap] exists)" },
  ],
  [
    "its guest's config cannot be read: unknown",
    'pve-snap_vm--140--disk--0_tt',
    {
      status: 'unknown',
      reason: 'lvm-incomplete',
      detail: "CT 140's config could not be read: cannot check snapshot 'tt'",
    },
  ],
  [
    'activation skip said',
    'pve-snap_vm--160--disk--0_snap1',
    {
      status: 'valid',
      detail: "thin snapshot LV of VM 160 snapshot 'snap1' (section [snap1] exists); activation skip",
    },
  ],
];

describe('snapshot LVs', () => {
  for (const [what, name, want] of rows) {
    test(`${what} (${name})`, () => {
      const e = got.get(name);
      assert.ok(e, `no entry ${name}`);
      const picked = Object.fromEntries(Object.keys(want).map((k) => [k, e[k as keyof DmEntry]]));
      assert.deepEqual(picked, want);
    });
  }
});

// LVMPlugin names a snapshot LV `snap_<volname>_<snap>` only for a volume parse_volname accepts
// (`(vm|base)-<vmid>-\S+`): a reading of the name whose volume is no such name (here `vm-100-`, snapshot
// `a_b`) is never a PVE snapshot, even when a config names an LV of that name by path and has that section.
test('a reading of a snapshot name whose volume is no PVE volume name is not read', () => {
  const n = new NodeBuilder().storage(LOCAL_LVM).pool('pve');
  n.lv({ vg: 'pve', lv: 'vm-100-', pool: 'data' });
  n.lv({ vg: 'pve', lv: 'vm-100-_a', pool: 'data' });
  n.lv({ vg: 'pve', lv: 'snap_vm-100-_a_b', pool: 'data', origin: 'vm-100-_a', readonly: true, active: false });
  n.guest(101, 'qemu', withSnapshots('/dev/pve/vm-100-', ['a_b']));
  const r = analyzeDm(parseNode(n.build()));
  const e = r.entries.find((x) => x.lv === 'snap_vm-100-_a_b');
  assert.ok(e, r.entries.map((x) => x.name).join(', '));
  assert.deepEqual([e.status, e.reason], ['orphan', 'inactive-leftover'], e.detail);
  assert.match(e.detail, /of vm-100-_a for snapshot 'b'/);
});

// An LV renamed while its map kept the old name (the map carries its UUID: node/dm-devices.ts 'renamed'):
// a config that names the map by path names that LV, so its snapshot LV's section is found through it.
test('a snapshot of an LV whose config names its map under the old name by path is that config’s', () => {
  const n = new NodeBuilder().storage(LOCAL_LVM).pool('pve');
  const id = lvmId('w');
  n.lv({ vg: 'pve', lv: 'vm-107-disk-1', id, pool: 'data', active: false });
  n.map({
    name: 'pve-vm--107--disk--0',
    uuid: `LVM-${n.vgId('pve')}${id}`,
    table: `0 2048 thin ${n.devnoOf('pve-data-tpool')} 7`,
  });
  thinSnap(n, 'vm-107-disk-1', 'x1');
  n.guest(100, 'qemu', withSnapshots('/dev/mapper/pve-vm--107--disk--0', ['x1']));
  const r = analyzeDm(parseNode(n.build()));
  const e = r.entries.find((x) => x.lv === 'snap_vm-107-disk-1_x1');
  assert.ok(e, r.entries.map((x) => x.name).join(', '));
  assert.deepEqual([e.status, e.reason], ['valid', 'referenced'], e.detail);
});
