// What analyzeDm adds to the verdicts of each entry (core/dm/analyze-dm.ts), rule by rule: an incomplete
// LVM view makes its VG's findings unknown and nothing else; every guest that names an LV is attached to
// it; a config path that leads nowhere is said, and protects what it could name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeDm } from '../../src/core/dm/analyze-dm';
import { parseNode } from '../../src/core/node/node-view';
import type { DmEntry } from '../../src/core/vocab/types';
import { LOCAL_LVM, lvmId, NodeBuilder } from '../helpers/node-builder';
import { lv, nodeView, type ViewInput, vgOf } from '../helpers/node-view';

const CFG = `lvm: san
\tvgname vg0
\tcontent images

lvm: tank
\tvgname vg1
\tcontent images
`;
const vm = (...disks: string[]) => `${disks.map((d, i) => `scsi${i}: ${d},size=4G`).join('\n')}\nmemory: 512\n`;
const entry = (r: { entries: DmEntry[] }, name: string) => {
  const e = r.entries.find((x) => x.name === name);
  assert.ok(e, `no entry ${name}: ${r.entries.map((x) => x.name).join(', ')}`);
  return e;
};
const verdict = (e: DmEntry) => `${e.status}/${e.reason}`;

test('an incomplete LVM view: its VG’s findings become unknown, valid and ignored entries and other VGs stay', () => {
  const lvs = [
    lv('vg0', 'vm-100-disk-0'), // a disk of VM 100
    lv('vg0', 'vm-105-disk-0'), // a leftover of a deleted guest
    lv('vg0', 'scratch'), // no guest volume
    lv('vg1', 'vm-106-disk-0'), // a leftover in a VG whose view agrees
  ];
  const input: ViewInput = {
    storageCfg: CFG,
    lvs,
    // vgs counts 5 LVs in vg0, lvs lists 3: the report is short.
    vgs: [vgOf('vg0', lvs, { lvCount: 5 }), vgOf('vg1', lvs)],
    guests: [{ vmid: 100, text: vm('san:vm-100-disk-0') }],
  };
  const r = analyzeDm(nodeView(input));
  const gap = 'lvs lists 3 LVs of VG vg0, vgs counts 5';
  assert.deepEqual(
    ['vg0-vm--100--disk--0', 'vg0-vm--105--disk--0', 'vg0-scratch', 'vg1-vm--106--disk--0'].map((n) =>
      verdict(entry(r, n)),
    ),
    ['valid/referenced', 'unknown/lvm-incomplete', 'ignored/not-guest-volume', 'orphan/inactive-leftover'],
  );
  const before = entry(analyzeDm(nodeView({ ...input, vgs: undefined })), 'vg0-vm--105--disk--0');
  assert.equal(verdict(before), 'orphan/inactive-leftover', 'the same LV with an agreeing view');
  assert.equal(
    entry(r, 'vg0-vm--105--disk--0').detail,
    `${gap}: cannot tell whether vg0/vm-105-disk-0 is a leftover (${before.detail})`,
  );
  assert.ok(r.warnings.includes(`LVM view of VG vg0 incomplete: ${gap}`), r.warnings.join('\n'));
  assert.equal(r.warnings.filter((w) => w.startsWith('LVM view of VG')).length, 1);
  // With no gap, no warning of it.
  assert.deepEqual(
    analyzeDm(nodeView({ ...input, vgs: undefined })).warnings.filter((w) => w.startsWith('LVM view')),
    [],
  );
});

test('an incomplete LVM view: a map whose LV lvs did not list may be in the short part of the report: unknown', () => {
  const lvs = [lv('vg0', 'vm-100-disk-0')];
  const gone = lv('vg0', 'vm-107-disk-0', { attr: '-wi-a-----', active: true });
  const r = analyzeDm(
    nodeView({
      storageCfg: CFG,
      lvs,
      vgs: [vgOf('vg0', lvs, { lvCount: 2 })],
      maps: [{ lv: gone }],
      guests: [{ vmid: 100, text: vm('san:vm-100-disk-0') }],
    }),
  );
  const e = entry(r, 'vg0-vm--107--disk--0');
  assert.equal(verdict(e), 'unknown/lvm-incomplete');
  assert.equal(
    e.detail,
    'lvs lists 1 LV of VG vg0, vgs counts 2: cannot tell whether vg0/vm-107-disk-0 is a leftover (DM map whose UUID is not in LVM metadata (no LV vg0/vm-107-disk-0))',
  );
});

test('storage.cfg missing: said as a warning, every guest disk unknown', () => {
  const r = analyzeDm(nodeView({ lvs: [lv('vg0', 'vm-100-disk-0')] }));
  assert.ok(
    r.warnings.includes(
      '/etc/pve/storage.cfg is missing or unreadable: LVs cannot be mapped to storages, every guest disk is unknown',
    ),
    r.warnings.join('\n'),
  );
  assert.equal(
    analyzeDm(nodeView({ storageCfg: CFG, lvs: [lv('vg0', 'vm-100-disk-0')] })).warnings.some((w) =>
      w.includes('LVs cannot be mapped'),
    ),
    false,
  );
});

test('every guest that names an LV, once each, by VMID then node; an LV no config names has none', () => {
  const lvs = [lv('vg0', 'vm-100-disk-0'), lv('vg0', 'vm-101-disk-0'), lv('vg0', 'vm-105-disk-0')];
  const r = analyzeDm(
    nodeView({
      storageCfg: CFG.replace('\tcontent images\n', '\tcontent images\n\tshared 1\n'),
      lvs,
      guests: [
        // 102 names 100's disk too (a shared disk), in its main section and a snapshot.
        { vmid: 102, text: `${vm('san:vm-100-disk-0')}\n[before]\n${vm('san:vm-100-disk-0')}` },
        { vmid: 100, node: 'pve2', text: vm('san:vm-100-disk-0') },
        { vmid: 101, text: vm('san:vm-101-disk-0') },
      ],
    }),
  );
  assert.deepEqual(entry(r, 'vg0-vm--100--disk--0').guests, [
    { vmid: 100, type: 'qemu', node: 'pve2' },
    { vmid: 102, type: 'qemu', node: 'pve1' },
  ]);
  assert.deepEqual(entry(r, 'vg0-vm--101--disk--0').guests, [{ vmid: 101, type: 'qemu', node: 'pve1' }]);
  assert.equal(entry(r, 'vg0-vm--105--disk--0').guests, undefined);
});

test('a config path that leads nowhere: no failed read, so its leftovers are protected with the reason, never unknown', () => {
  const lvs = [lv('vg0', 'vm-105-disk-0')];
  const local = (paths: string[]) =>
    analyzeDm(
      nodeView({
        storageCfg: CFG,
        lvs,
        guests: [{ vmid: 100, text: `${paths.map((p, i) => `scsi${i}: ${p}`).join('\n')}\nmemory: 512\n` }],
      }),
    );
  const one = local(['/dev/vmdisks/db01']);
  const why =
    'VM 100 scsi0 by path /dev/vmdisks/db01, which names no device this check knows: it may name this volume (look it up: stat -L -- /dev/vmdisks/db01)';
  const e = entry(one, 'vg0-vm--105--disk--0');
  assert.equal(verdict(e), 'orphan/inactive-leftover');
  assert.deepEqual([e.protected, e.protectedBy], [true, ['path-unchecked']]);
  assert.ok(e.detail.endsWith(`; but ${why}`), e.detail);
  assert.equal(one.unchecked, undefined, 'the part is checked: nothing failed to be read');
  assert.ok(one.warnings.includes(why), one.warnings.join('\n'));
  assert.ok(
    local(['/dev/vmdisks/db01', '/dev/vmdisks/db02']).warnings.includes(
      why.replace(': it may', ' (+1 more path): it may'),
    ),
  );
  assert.ok(
    local(['/dev/vmdisks/db01', '/dev/vmdisks/db02', '/dev/vmdisks/db03']).warnings.includes(
      why.replace(': it may', ' (+2 more paths): it may'),
    ),
  );
  // A disk's path, a container's bind mount, a disk image by path: no LV, nothing protected, nothing said.
  for (const p of ['/dev/sdb', '/srv/host-data,mp=/data', '/mnt/images/x.raw']) {
    const r = local([p]);
    const leftover = entry(r, 'vg0-vm--105--disk--0');
    assert.equal(verdict(leftover), 'orphan/inactive-leftover', p);
    assert.equal(leftover.protected, false, p);
    assert.deepEqual(r.warnings, [], p);
  }
  // No LV it could name: a warning only.
  const none = analyzeDm(
    nodeView({ storageCfg: CFG, lvs: [], guests: [{ vmid: 100, text: 'scsi0: /dev/vmdisks/db01\n' }] }),
  );
  assert.equal(none.unchecked, undefined);
  assert.ok(none.warnings.includes(why), none.warnings.join('\n'));
});

test('another node’s config path: said with its node, protecting shared storage only', () => {
  const lvs = [lv('vg0', 'vm-105-disk-0')];
  const view = (shared: boolean, path = '/dev/mystery/x') =>
    analyzeDm(
      nodeView({
        storageCfg: shared ? CFG.replace('\tcontent images\n', '\tcontent images\n\tshared 1\n') : CFG,
        lvs,
        guests: [{ vmid: 300, node: 'pve2', text: `scsi0: ${path}\nmemory: 512\n` }],
      }),
    );
  const why =
    "VM 300 scsi0 by path /dev/mystery/x on pve2, which is a name among pve2's own devices: it may name this volume (look it up: stat -L -- /dev/mystery/x)";
  const shared = view(true);
  const e = entry(shared, 'vg0-vm--105--disk--0');
  assert.equal(verdict(e), 'orphan/inactive-leftover');
  assert.deepEqual(e.protectedBy, ['path-unchecked']);
  assert.equal(shared.unchecked, undefined);
  assert.ok(shared.warnings.includes(why), shared.warnings.join('\n'));
  // On local storage another node's guest cannot use this node's LV: a warning, the leftover stays one.
  const local = view(false);
  assert.equal(verdict(entry(local, 'vg0-vm--105--disk--0')), 'orphan/inactive-leftover');
  assert.equal(entry(local, 'vg0-vm--105--disk--0').protected, false);
  assert.ok(local.warnings.includes(why), local.warnings.join('\n'));
  // Another node's bind mount or disk image by path (outside /dev): PVE's own rule says no device.
  for (const p of ['/srv/host-data,mp=/data', '/mnt/pve/nfs/images/300/x.raw']) {
    const other = view(true, p);
    assert.equal(entry(other, 'vg0-vm--105--disk--0').protected, false, p);
    assert.deepEqual(other.warnings, [], p);
  }
});

test('a task line whose worker is gone protects what its VMID names; its own warnings are the view’s too', () => {
  const dead = {
    upid: 'UPID:pve1:000B7C1A:0A1B2C3D:67A1B2C3:qmrestore:105:root@pam:',
    node: 'pve1',
    pid: 0xb7c1a,
    pstart: 0x0a1b2c3d,
    starttime: 0x67a1b2c3,
    type: 'qmrestore',
    id: '105',
    user: 'root@pam',
    running: true,
  };
  const lvs = [lv('vg0', 'vm-105-disk-0'), lv('vg0', 'vm-106-disk-0')];
  const v = nodeView({ storageCfg: CFG, lvs, deadTasks: [dead] });
  v.warnings.push('line 3 of /etc/pve/qemu-server/101.conf: cannot parse');
  const r = analyzeDm(v);
  assert.deepEqual(entry(r, 'vg0-vm--105--disk--0').protectedBy, ['task:qmrestore']);
  assert.deepEqual(entry(r, 'vg0-vm--106--disk--0').protectedBy, []);
  assert.ok(r.warnings.includes('line 3 of /etc/pve/qemu-server/101.conf: cannot parse'), r.warnings.join('\n'));
});

test('a config path read through this node’s links: the map its device number is names the LV', () => {
  const disk = lv('vg0', 'vm-105-disk-0', { attr: '-wi-ao----', active: true });
  const other = lv('vg0', 'vm-106-disk-0', { attr: '-wi-a-----', active: true });
  const r = analyzeDm(
    nodeView({
      storageCfg: CFG,
      lvs: [disk, other],
      maps: [{ lv: disk, open: 1 }, { lv: other }],
      // The first map is dm-10 (252:10): a site's udev link to it.
      devicePaths: { '/dev/vmdisks/db01': { path: '/dev/dm-10', devno: '252:10' } },
      guests: [{ vmid: 100, text: 'scsi0: /dev/vmdisks/db01\nmemory: 512\n' }],
      running: [100],
    }),
  );
  assert.equal(verdict(entry(r, 'vg0-vm--105--disk--0')), 'valid/referenced');
  assert.deepEqual(entry(r, 'vg0-vm--105--disk--0').guests, [{ vmid: 100, type: 'qemu', node: 'pve1' }]);
  assert.equal(entry(r, 'vg0-vm--106--disk--0').guests, undefined);
  assert.equal(r.unchecked, undefined);
});

test('a path of another node names an LV of a shared VG only when lvs lists that LV', () => {
  const shared = CFG.replace('\tcontent images\n', '\tcontent images\n\tshared 1\n');
  const r = analyzeDm(
    nodeView({
      storageCfg: shared,
      lvs: [lv('vg0', 'vm-105-disk-0')],
      guests: [{ vmid: 300, node: 'pve2', text: 'scsi0: /dev/vg0/vm-105-disk-0\nscsi1: /dev/vg0/vm-999-disk-0\n' }],
    }),
  );
  assert.deepEqual(entry(r, 'vg0-vm--105--disk--0').guests, [{ vmid: 300, type: 'qemu', node: 'pve2' }]);
  // vg0/vm-999-disk-0 is no LV here: the path is another node's own name, unresolved.
  assert.match((r.unchecked ?? r.warnings).join('\n'), /scsi1 by path \/dev\/vg0\/vm-999-disk-0 on pve2/);
});

test('a path gap beside the guest list’s gap: the unread config makes the leftover unknown, the path only a warning', () => {
  const r = analyzeDm(
    nodeView({
      storageCfg: CFG,
      lvs: [lv('vg0', 'vm-105-disk-0')],
      unseen: { shared: null, local: '.vmlist lists VM 120, whose config was not read' },
      guests: [{ vmid: 100, text: 'scsi0: /dev/vmdisks/db01\nmemory: 512\n' }],
    }),
  );
  const e = entry(r, 'vg0-vm--105--disk--0');
  assert.equal(verdict(e), 'unknown/lvm-incomplete');
  assert.match(e.detail, /\.vmlist lists VM 120, whose config was not read$/);
  assert.deepEqual(e.protectedBy, []);
  assert.ok(r.warnings.some((w) => w.startsWith('VM 100 scsi0 by path /dev/vmdisks/db01')));
});

// A VG on a LUN other nodes see too (its PV a multipath map, or a kpartx partition of one): storage.cfg's
// "local" cannot be believed for it; the storage is shared (node/vg-reach.ts storagesAsSeen), whichever
// way the LV's map stacks on the LUN: a guest of another node naming the LV names this very LV.
// lvm2 stacks an origin with snapshots on its `-real` layer (lib/activate/dev_manager.c: the origin's map
// is `snapshot-origin` over `<lv>-real`, which holds the PV's extents; a thin LV likewise sits on its pool's
// `-tpool` over `_tdata`): then only a layer's map lies on the LUN, and it still says where the VG lies.
/** Two nodes; storage.cfg calls VG vgm (storage `thick`) local; a multipath map mpatha here;
 * VM 300 of pve2 names `disk`. */
function lunNode(disk: string): NodeBuilder {
  const b = new NodeBuilder().storage(`${LOCAL_LVM}\nlvm: thick\n\tvgname vgm\n`).pool('pve').cluster(['pve1', 'pve2']);
  b.guest(300, 'qemu', [`scsi0: thick:${disk}`], 'pve2');
  b.map({
    name: 'mpatha',
    uuid: 'mpath-3600a0980383030',
    table: '0 20971520 multipath 0 0 1 1 round-robin 0 1 1 8:32 1',
  });
  return b;
}

test('a VG on a multipath map, on a partition of one, or only through a layer, is shared: that map says so', () => {
  const node = (via: 'lun' | 'partition' | 'layer' | 'two LUNs') => {
    const b = lunNode('vm-300-disk-0');
    let pv = b.devnoOf('mpatha');
    if (via === 'partition') {
      b.map({ name: 'mpatha-part1', uuid: 'part1-mpath-3600a0980383030', table: `0 20969472 linear ${pv} 2048` });
      pv = b.devnoOf('mpatha-part1');
    }
    const id = lvmId('m');
    b.lv({ vg: 'vgm', lv: 'vm-300-disk-0', id, active: false });
    let table = `0 2048 linear ${pv} 2048`;
    if (via === 'layer') {
      const real = `LVM-${b.vgId('vgm')}${id}-real`;
      b.map({ name: 'vgm-vm--300--disk--0-real', uuid: real, table });
      table = `0 2048 snapshot-origin ${b.devnoOf('vgm-vm--300--disk--0-real')}`;
    }
    b.map({ name: 'vgm-vm--300--disk--0', uuid: `LVM-${b.vgId('vgm')}${id}`, table });
    if (via === 'two LUNs') {
      // the VG spans a second LUN too: it is said to lie on the map of its first LV's map (by DM name)
      b.map({
        name: 'mpathb',
        uuid: 'mpath-3600a0980383031',
        table: '0 2048 multipath 0 0 1 1 round-robin 0 1 1 8:48 1',
      });
      const id1 = lvmId('n');
      b.lv({ vg: 'vgm', lv: 'vm-300-disk-1', id: id1, active: false });
      const t1 = `0 2048 linear ${b.devnoOf('mpathb')} 2048`;
      b.map({ name: 'vgm-vm--300--disk--1', uuid: `LVM-${b.vgId('vgm')}${id1}`, table: t1 });
    }
    return entry(analyzeDm(parseNode(b.build())), 'vgm-vm--300--disk--0');
  };
  for (const via of ['lun', 'partition', 'layer', 'two LUNs'] as const) {
    const e = node(via);
    // The shared rule: VM 300 of pve2 uses this very LV, which should not be active here.
    assert.equal(verdict(e), 'orphan/guest-on-other-node', via);
    assert.match(e.detail, /VM 300 lives on pve2 \(VM 300 scsi0\); its shared LV should not be active on pve1/, via);
    assert.deepEqual(e.protectedBy, [], via);
  }
});

// A guest may be given a partition of an LV (a kpartx map) by path: that LV is in use by it.
test('a config path to a partition map of an LV names that LV; to a map that is no LV, no LV', () => {
  const b = new NodeBuilder().storage(`${LOCAL_LVM}\nlvm: thick\n\tvgname vgm\n`).pool('pve');
  b.lv({ vg: 'vgm', lv: 'vm-105-disk-0' });
  const lvMap = b.devnoOf('vgm-vm--105--disk--0');
  b.map({
    name: 'vgm-vm--105--disk--0p1',
    uuid: `part1-${b.uuidOf('vgm-vm--105--disk--0')}`,
    table: `0 2048 linear ${lvMap} 2048`,
  });
  b.map({ name: 'mpatha', uuid: 'mpath-3600a0980383030', table: '0 2048 multipath 0 0 1 1 round-robin 0 1 1 8:32 1' });
  b.link('/dev/vmdisks/part', 'vgm-vm--105--disk--0p1');
  b.link('/dev/vmdisks/lun', 'mpatha');
  b.guest(100, 'qemu', [
    'scsi0: /dev/vmdisks/part',
    'scsi1: /dev/vmdisks/lun',
    'scsi2: /dev/mapper/vgm-vm--105--disk--0p1',
  ]);
  const r = analyzeDm(parseNode(b.build()));
  const e = entry(r, 'vgm-vm--105--disk--0');
  assert.deepEqual(e.guests, [{ vmid: 100, type: 'qemu', node: 'pve1' }]);
  assert.equal(verdict(e), 'valid/referenced');
  assert.equal(r.unchecked, undefined);
  assert.equal(
    r.warnings.some((w) => w.includes('it may name this volume')),
    false,
    r.warnings.join('\n'),
  );
});

// A renamed map (an LV's UUID under another name: qm disk reassign's old name left active) and the map of an
// LV gone from the metadata map extents of their VG all the same: when one is the only map of its VG on the
// LUN, the VG still lies on that LUN.
test('a VG whose only map on a multipath LUN is a renamed one, or one of a gone LV, is shared: that LUN says so', () => {
  for (const via of ['renamed', 'gone'] as const) {
    const b = lunNode('vm-300-disk-1');
    const moved = lvmId('m');
    if (via === 'renamed') b.lv({ vg: 'vgm', lv: 'vm-300-disk-0', id: moved, active: false });
    b.map({
      name: 'vgm-vm--300--old',
      uuid: `LVM-${b.vgId('vgm')}${moved}`,
      table: `0 2048 linear ${b.devnoOf('mpatha')} 2048`,
    });
    const local = lvmId('n');
    b.lv({ vg: 'vgm', lv: 'vm-300-disk-1', id: local, active: false });
    b.map({ name: 'vgm-vm--300--disk--1', uuid: `LVM-${b.vgId('vgm')}${local}`, table: '0 2048 linear 8:16 2048' });
    const e = entry(analyzeDm(parseNode(b.build())), 'vgm-vm--300--disk--1');
    assert.equal(verdict(e), 'orphan/guest-on-other-node', via);
    assert.match(e.detail, /its shared LV should not be active on pve1/, via);
  }
});

test('a config path to a layer of an LV (the -real device under a snapshot origin) names that LV', () => {
  const b = new NodeBuilder().storage(`${LOCAL_LVM}\nlvm: thick\n\tvgname vgm\n`).pool('pve');
  const origin = lvmId('o');
  b.lv({ vg: 'vgm', lv: 'vm-106-disk-0', id: origin, active: false });
  b.map({
    name: 'vgm-vm--106--disk--0-real',
    uuid: `LVM-${b.vgId('vgm')}${origin}-real`,
    table: '0 2048 linear 8:16 8192',
  });
  b.link('/dev/vmdisks/real', 'vgm-vm--106--disk--0-real');
  b.guest(100, 'qemu', ['scsi1: /dev/vmdisks/real']);
  const r = analyzeDm(parseNode(b.build()));
  const e = entry(r, 'vgm-vm--106--disk--0-real');
  assert.deepEqual([e.lv, e.layer, e.guests], ['vm-106-disk-0', 'real', [{ vmid: 100, type: 'qemu', node: 'pve1' }]]);
  assert.equal(r.unchecked, undefined);
});

test('a device number of the device-mapper major that dmsetup did not list is unresolved; another major is a disk', () => {
  const disk = lv('vg0', 'vm-105-disk-0', { attr: '-wi-a-----', active: true });
  const r = (devno: string) =>
    analyzeDm(
      nodeView({
        storageCfg: CFG,
        lvs: [disk],
        maps: [{ lv: disk }],
        devicePaths: { '/dev/vmdisks/x': { path: '/dev/vmdisks/x', devno } },
        guests: [{ vmid: 100, text: 'scsi0: /dev/vmdisks/x\nmemory: 512\n' }],
      }),
    );
  const gap = r('252:99');
  assert.ok(
    gap.warnings.includes(
      'VM 100 scsi0 by path /dev/vmdisks/x, which is device 252:99, a device-mapper device dmsetup did not list: it may name this volume (look it up: stat -L -- /dev/vmdisks/x)',
    ),
    gap.warnings.join('\n'),
  );
  assert.deepEqual(entry(gap, 'vg0-vm--105--disk--0').protectedBy, ['path-unchecked']);
  assert.equal(gap.unchecked, undefined);
  assert.deepEqual(r('8:32').warnings, []);
  assert.deepEqual(entry(r('8:32'), 'vg0-vm--105--disk--0').protectedBy, []);
});

test('a path gap is only a warning when the entries are unknown for another reason', () => {
  const lvs = [lv('vg0', 'vm-105-disk-0')];
  const r = analyzeDm(
    nodeView({
      storageCfg: CFG,
      lvs,
      vgs: [vgOf('vg0', lvs, { lvCount: 2 })],
      guests: [{ vmid: 300, node: 'pve2', text: 'scsi0: /dev/mystery/x\nmemory: 512\n' }],
    }),
  );
  const e = entry(r, 'vg0-vm--105--disk--0');
  assert.equal(verdict(e), 'unknown/lvm-incomplete');
  assert.doesNotMatch(e.detail, /mystery/);
  assert.equal(r.unchecked, undefined);
  assert.ok(
    r.warnings.some((w) => w.includes('/dev/mystery/x on pve2')),
    r.warnings.join('\n'),
  );
});

// A thin pool's maps (`<pool>-tpool`, `<pool>_tdata`, `<pool>_tmeta`: lvm2 dev_manager.c) hold every thin
// LV of the pool at once: a config path to one is no disk of any one LV, so it names none — not the pool.
test('a config path to a thin pool’s layer names no LV', () => {
  for (const map of ['pve-data-tpool', 'pve-data_tdata', 'pve-data_tmeta']) {
    const b = new NodeBuilder().storage(LOCAL_LVM).pool('pve');
    b.lv({ vg: 'pve', lv: 'vm-108-disk-0', pool: 'data' });
    b.guest(100, 'qemu', [`scsi0: /dev/mapper/${map}`]);
    const r = analyzeDm(parseNode(b.build()));
    const named = r.entries.filter((e) => e.guests !== undefined).map((e) => e.name);
    assert.deepEqual(named, [], `${map}: ${JSON.stringify(r.entries.map((e) => [e.name, e.guests]))}`);
  }
});

test('a path gap protects only leftovers that rest on "no config names it", on the storages it reaches', () => {
  // vg0 (san) is shared, vg1 (tank) local; VM 300 of pve2 names a path this node cannot read: it could be
  // any LV of a shared VG, never one of this node's local VGs.
  const cfg = CFG.replace('\tcontent images\n', '\tcontent images\n\tshared 1\n');
  const r = analyzeDm(
    nodeView({
      storageCfg: cfg,
      lvs: [lv('vg0', 'vm-105-disk-0'), lv('vg1', 'vm-106-disk-0')],
      guests: [{ vmid: 300, node: 'pve2', text: 'scsi0: /dev/mystery/x\nmemory: 512\n' }],
    }),
  );
  assert.deepEqual(entry(r, 'vg0-vm--105--disk--0').protectedBy, ['path-unchecked']);
  assert.deepEqual(entry(r, 'vg1-vm--106--disk--0').protectedBy, []);
  // A valid disk and a fact of LVM (a map without its LV) rest on no config: the gap says nothing of them.
  const disk = lv('vg0', 'vm-300-disk-0'); // inactive here: pve2 runs it
  const v = analyzeDm(
    nodeView({
      storageCfg: cfg,
      lvs: [disk],
      maps: [{ lv: lv('vg0', 'vm-107-disk-0') }], // a map whose LV is gone from lvs
      guests: [{ vmid: 300, node: 'pve2', text: 'scsi0: /dev/mystery/x\nscsi1: san:vm-300-disk-0\nmemory: 512\n' }],
    }),
  );
  const valid = entry(v, 'vg0-vm--300--disk--0');
  assert.deepEqual([verdict(valid), valid.protectedBy], ['valid/referenced', []], valid.detail);
  const gone = entry(v, 'vg0-vm--107--disk--0');
  assert.equal(verdict(gone), 'orphan/lv-missing');
  assert.equal(gone.protectedBy.includes('path-unchecked'), false);
});
