// DM devices and LVs → entries (dm-entries.ts), field by field: the layers of an LV and of a thin pool,
// kpartx partitions after their parent, a second map of one disk, and the LVs without a map. Each row
// names one rule; its neighbour (the same rule one step aside) stands beside it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeDm } from '../../src/core/dm/analyze-dm';
import { parseNode } from '../../src/core/node/node-view';
import type { DmEntry } from '../../src/core/vocab/types';
import { LOCAL_LVM, lvmId, NodeBuilder } from '../helpers/node-builder';

function entries(b: NodeBuilder): DmEntry[] {
  return analyzeDm(parseNode(b.build())).entries;
}

function check(list: DmEntry[], name: string, want: Partial<DmEntry>, kind: DmEntry['kind'] = 'dm'): void {
  const e = list.find((x) => x.name === name && x.kind === kind);
  assert.ok(e, `no ${kind} entry ${name}; have ${list.map((x) => x.name).join(', ')}`);
  const picked = Object.fromEntries(Object.keys(want).map((k) => [k, e[k as keyof DmEntry]]));
  assert.deepEqual(picked, want, name);
}

const FAST = `${LOCAL_LVM}\nlvm: fast\n\tvgname nvme\n`;

describe('one node, entry by entry', () => {
  const b = new NodeBuilder()
    .storage(FAST)
    .pool('pve')
    .guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0', 'scsi1: fast:vm-100-disk-1'])
    .lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' })
    .lv({ vg: 'pve', lv: 'vm-100-disk-2', pool: 'data' })
    .lv({ vg: 'nvme', lv: 'vm-100-disk-1' })
    .lv({ vg: 'other', lv: 'scratch' })
    .hiddenLv('other', 'scratch_rimage_0')
    .lv({ vg: 'nvme', lv: 'vm-160-disk-0', active: false });
  b.holder('/dev/mapper/nvme-vm--100--disk--1', 6000, 'dd');
  const part = (of: string, n = 1) =>
    b.map({ name: `${of}p${n}`, uuid: `part${n}-${b.uuidOf(of)}`, table: `0 1024 linear ${b.devnoOf(of)} 2048` });
  part('pve-vm--100--disk--0');
  part('pve-vm--100--disk--2');
  // kpartx run on a partition: its parent is that partition, decided just before it.
  part('pve-vm--100--disk--2p1');
  b.map({ name: 'mpatha', uuid: 'mpath-3600a', table: '0 2048 multipath 0 0 1 1 round-robin 0 1 1 8:32 1' });
  part('mpatha');
  b.map({ name: 'sdx1', uuid: 'part1-mpath-gone', table: '0 1024 linear 8:0 2048' });
  // A layer map whose name is no VG-LV name: its VG and LV come from its UUID.
  b.map({ name: 'weird', uuid: `${b.uuidOf('nvme-vm--100--disk--1')}-real`, table: '0 2048 linear 8:16 7' });
  b.map({ name: 'twoseg', uuid: '', table: '0 1024 linear 8:80 0\n1024 1024 linear 8:80 5000' });
  const got = entries(b);

  const thinPool = (layer: string, words: string, parent: string | null) => ({
    status: 'ignored' as const,
    reason: 'thin-pool-layer' as const,
    detail: `${words} of thin pool pve/data (UUID suffix -${layer})`,
    layer,
    parent,
    vg: 'pve',
    storage: null,
    vmid: null,
  });
  const rows: [string, string, Partial<DmEntry>][] = [
    [
      'the read-only wrapper of a thin pool is its top: no parent',
      'pve-data',
      thinPool('pool', 'read-only wrapper', null),
    ],
    ['the pool target layer', 'pve-data-tpool', thinPool('tpool', 'thin-pool target layer', 'pve-data')],
    ['the metadata sub-LV', 'pve-data_tmeta', thinPool('tmeta', 'metadata sub-LV', 'pve-data')],
    ['the data sub-LV', 'pve-data_tdata', thinPool('tdata', 'data sub-LV', 'pve-data')],
    [
      "an LV's map: its LV, UUID, table, one segment, no layer, not referenced from elsewhere",
      'pve-vm--100--disk--0',
      {
        vg: 'pve',
        lv: 'vm-100-disk-0',
        layer: null,
        active: true,
        table: ['0 16777216 thin 252:2 1'],
        parent: null,
      },
    ],
    [
      'a map of two segments keeps both',
      'twoseg',
      { table: ['0 1024 linear 8:80 0', '1024 1024 linear 8:80 5000'], vg: null, lv: null },
    ],
    [
      'open by a process alone (open count 0)',
      'nvme-vm--100--disk--1',
      { open: true, openCount: 0, protectedBy: ['open'] },
    ],
    [
      'open by a holder alone (its partition)',
      'pve-vm--100--disk--2',
      { open: true, openCount: 0, holders: ['pve-vm--100--disk--2p1'] },
    ],
    ['neither', 'other-scratch', { open: false, openCount: 0 }],
    [
      'the leg of an LV no PVE storage uses: ignored like its LV, the sentence unchanged',
      'other-scratch_rimage_0',
      {
        status: 'ignored',
        reason: 'not-pve-storage',
        detail: 'VG other is not an LVM storage in storage.cfg',
        parent: 'other-scratch',
        layer: 'rimage',
        vg: 'other',
        lv: 'scratch',
      },
    ],
    [
      'a layer map named like nothing: VG and LV from its UUID, the sentence says whose layer',
      'weird',
      {
        status: 'valid',
        detail: 'real layer of nvme/vm-100-disk-1: VM 100 scsi1',
        vg: 'nvme',
        lv: 'vm-100-disk-1',
        layer: 'real',
        parent: 'nvme-vm--100--disk--1',
      },
    ],
    [
      'a partition of a valid disk: ignored, with its guest',
      'pve-vm--100--disk--0p1',
      {
        status: 'ignored',
        reason: 'partition-of-valid',
        detail: 'kpartx partition 1 of pve-vm--100--disk--0 (UUID part1-...)',
        vmid: 100,
        storage: 'local-lvm',
        volume: 'local-lvm:vm-100-disk-0',
        guestNode: 'pve1',
        guestType: 'qemu',
        parent: 'pve-vm--100--disk--0',
        vg: 'pve',
        lv: 'vm-100-disk-0',
        layer: null,
      },
    ],
    [
      'a partition of an orphan: the orphan, removed first',
      'pve-vm--100--disk--2p1',
      {
        status: 'orphan',
        reason: 'not-referenced',
        detail:
          'kpartx partition 1 of pve-vm--100--disk--2, which is orphan (not-referenced): remove it before its parent',
        guestNode: 'pve1',
        guestType: 'qemu',
        vg: 'pve',
        lv: 'vm-100-disk-2',
      },
    ],
    [
      'a partition of a partition: follows that partition, and so the disk',
      'pve-vm--100--disk--2p1p1',
      {
        status: 'orphan',
        reason: 'not-referenced',
        detail:
          'kpartx partition 1 of pve-vm--100--disk--2p1, which is orphan (not-referenced): remove it before its parent',
        parent: 'pve-vm--100--disk--2p1',
        vg: 'pve',
        lv: 'vm-100-disk-2',
      },
    ],
    [
      'a partition of a map that is not LVM: ignored, a partition',
      'mpathap1',
      {
        status: 'ignored',
        reason: 'partition',
        detail: 'kpartx partition 1 of mpatha (UUID part1-...)',
        parent: 'mpatha',
        vg: null,
        lv: null,
      },
    ],
    [
      'a partition whose parent is no map here',
      'sdx1',
      {
        status: 'ignored',
        reason: 'partition',
        detail: 'kpartx partition 1 of a device that is not a map here',
        parent: null,
        vg: null,
        lv: null,
        vmid: null,
      },
    ],
  ];
  for (const [what, name, want] of rows) test(`${what} (${name})`, () => check(got, name, want));

  test('an LV without a map: an lv entry, inactive, not open, no UUID of a map', () =>
    check(
      got,
      'nvme-vm--160--disk--0',
      { uuid: '', active: false, open: false, protectedBy: [], status: 'orphan', vg: 'nvme', lv: 'vm-160-disk-0' },
      'lv',
    ));

  test('referencedBy only where a config of another node names the volume', () => {
    for (const e of got) assert.equal('referencedBy' in e, false, e.name);
  });
});

describe('a renamed map names the LV it carries', () => {
  test('lvUuid of the LV, on the map of the old name', () => {
    const b = new NodeBuilder().storage(`${LOCAL_LVM}\nlvm: san\n\tvgname vg-san\n\tshared 1\n`).pool('pve');
    const id = lvmId('ren');
    b.lv({ vg: 'vg-san', lv: 'vm-120-disk-1', id, active: false });
    b.map({
      name: 'vg--san-vm--120--disk--0',
      uuid: `LVM-${b.vgId('vg-san')}${id}`,
      table: '0 2048 linear 8:16 999999',
    });
    const got = entries(b);
    check(got, 'vg--san-vm--120--disk--0', { reason: 'renamed', lvUuid: id });
    assert.equal(
      got.filter((e) => e.lv === 'vm-120-disk-1' || e.name === 'vg--san-vm--120--disk--1').length,
      0,
      'one problem, one entry',
    );
  });
});

describe('layers whose top has no map of its own', () => {
  test('a layer of an LV lvs lists but that has no map: decided as that LV, mapped (its layer is)', () => {
    const b = new NodeBuilder().storage(LOCAL_LVM).pool('pve');
    const id = lvmId('top');
    b.lv({ vg: 'pve', lv: 'vm-170-disk-0', pool: 'data', active: false, id });
    b.map({
      name: 'pve-vm--170--disk--0-real',
      uuid: `LVM-${b.vgId('pve')}${id}-real`,
      table: `0 2048 thin ${b.devnoOf('pve-data-tpool')} 9`,
    });
    check(entries(b), 'pve-vm--170--disk--0-real', {
      status: 'orphan',
      reason: 'guest-missing',
      storage: 'local-lvm',
      parent: 'pve-vm--170--disk--0',
      layer: 'real',
    });
  });

  test('a thin-pool layer map whose name is no VG-LV name: its VG from its UUID', () => {
    const b = new NodeBuilder().storage(LOCAL_LVM).pool('pve');
    const tpool = b.uuidOf('pve-data-tpool');
    b.map({ name: 'oddpool', uuid: tpool.replace(/-tpool$/, '-tdata'), table: '0 2048 linear 8:3 4096' });
    check(entries(b), 'oddpool', { status: 'ignored', reason: 'thin-pool-layer', vg: 'pve', layer: 'tdata' });
  });
});

describe('an inactive thin pool', () => {
  test('is no entry of its own; its thin LVs are inactive LVs', () => {
    const b = new NodeBuilder()
      .storage(LOCAL_LVM)
      .pool('pve')
      .lv({ vg: 'pve', lv: 'vm-150-disk-0', pool: 'data', active: false });
    // The pool and its layers deactivated (vgchange -an): no map left.
    b.devs.splice(0, b.devs.length);
    for (const r of b.lvRows) {
      r.lv_active = '';
      r.lv_kernel_major = '-1';
      r.lv_kernel_minor = '-1';
      r.lv_attr = `${r.lv_attr.slice(0, 4)}-${r.lv_attr.slice(5)}`;
    }
    const got = entries(b);
    assert.deepEqual(
      got.map((e) => [e.name, e.kind]),
      [['pve-vm--150--disk--0', 'lv']],
    );
  });
});

// markSameTarget: maps over the same thin device or the same extents; the one LVM knows is kept.
describe('a second map of one disk', () => {
  const copyOf = (b: NodeBuilder, of: string, name: string, uuid = '') => {
    const line = b
      .build()
      .commands['dmsetup.table'].stdout.split('\n')
      .find((l) => l.startsWith(`${of}:`))!;
    b.map({ name, uuid, table: line.slice(of.length + 2) });
  };
  const node = () =>
    new NodeBuilder()
      .storage(FAST)
      .pool('pve')
      .guest(110, 'lxc', ['rootfs: local-lvm:vm-110-disk-0'])
      .lv({ vg: 'pve', lv: 'vm-110-disk-0', pool: 'data' });
  const copy = (keeper: string): Partial<DmEntry> => ({
    status: 'duplicate',
    reason: 'same-target',
    detail: `a second map of the same disk as ${keeper} (the map LVM knows): two maps of one disk risk corruption`,
  });

  test('a hand-made copy takes the disk of the LV it copies (whatever their names sort like)', () => {
    const b = node();
    copyOf(b, 'pve-vm--110--disk--0', 'a-copy');
    const got = entries(b);
    check(got, 'a-copy', {
      ...copy('pve-vm--110--disk--0'),
      vmid: 110,
      storage: 'local-lvm',
      volume: 'local-lvm:vm-110-disk-0',
      guestType: 'lxc',
      guestNode: 'pve1',
    });
    check(got, 'pve-vm--110--disk--0', { status: 'valid', reason: 'referenced' });
  });

  test('two hand-made copies of one disk: both duplicates of the LV map, which stays valid', () => {
    const b = node();
    copyOf(b, 'pve-vm--110--disk--0', 'a-copy');
    copyOf(b, 'pve-vm--110--disk--0', 'b-copy');
    const got = entries(b);
    for (const name of ['a-copy', 'b-copy']) check(got, name, { ...copy('pve-vm--110--disk--0'), vmid: 110 });
    check(got, 'pve-vm--110--disk--0', { status: 'valid', reason: 'referenced' });
  });

  test('a map of a gone LV over the same thin device keeps its own VMID', () => {
    const b = node();
    copyOf(b, 'pve-vm--110--disk--0', 'pve-vm--151--disk--0', `LVM-${b.vgId('pve')}${lvmId('gone')}`);
    check(entries(b), 'pve-vm--151--disk--0', {
      ...copy('pve-vm--110--disk--0'),
      vmid: 151,
      volume: 'local-lvm:vm-151-disk-0',
    });
  });

  test('two hand-made maps of the same extents and no LV map among them: neither is called a copy', () => {
    const b = node();
    b.map({ name: 'h1', uuid: '', table: '0 2048 linear 8:64 0' });
    b.map({ name: 'h2', uuid: '', table: '0 2048 linear 8:64 0' });
    const got = entries(b);
    for (const n of ['h1', 'h2']) check(got, n, { status: 'ignored', reason: 'not-lvm' });
  });

  test('maps with targets that are neither linear nor thin are never grouped', () => {
    const b = node().lv({ vg: 'nvme', lv: 'vm-110-disk-1' });
    b.devs.find((d) => d.name === 'nvme-vm--110--disk--1')!.table = [
      '0 2048 raid raid1 3 0 region_size 4096 2 - 8:16 - 8:32',
    ];
    b.map({ name: 'mpatha', uuid: 'mpath-3600a', table: '0 2048 multipath 0 0 1 1 round-robin 0 1 1 8:32 1' });
    const got = entries(b);
    check(got, 'mpatha', { status: 'ignored', reason: 'not-lvm' });
    check(got, 'nvme-vm--110--disk--1', { status: 'orphan', reason: 'not-referenced' });
  });
});
