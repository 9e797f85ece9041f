// The node's LVM as one value (core/node/lvm-view.ts): rows of `lvs -a` and `vgs` indexed once, and the
// facts cleanup asks of a VG before it touches an LV in it. lvm2 shows a running pvmove as the hidden
// `[pvmove0]` LV (lv_attr[0] 'p') and the moved LV with `move_pv` set; a VG missing a PV has vg_attr[3]
// 'p' (partial); vg_attr[5] 's' is an lvmlockd shared VG, 'c' a clvmd one; `vgs` lv_count counts the
// visible LVs only (lvm2 vg_visible_lvs), while `lvs -a` also lists the hidden ones in brackets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildLvmView, lvmViewGaps } from '../../src/core/node/lvm-view';
import { getTwo } from '../../src/core/node/two-keys';
import type { LvRow, VgRow } from '../../src/core/parse/parse-lvm';
import { lv, vgOf } from '../helpers/node-view';

const view = (lvs: LvRow[] | null, vgs: VgRow[] | null, vgsError: string | null = null) =>
  buildLvmView({ lvs, lvsError: lvs ? null : 'lvs failed', lvsTimedOut: false, vgs, vgsError });

test('buildLvmView: LVs by UUID and name, VGs by id, names and guest disks by VG', () => {
  const rows = [
    lv('pve', 'vm-100-disk-0'),
    lv('pve', 'vm-100-disk-1'),
    lv('pve', 'base-101-disk-0'),
    lv('pve', 'vm-102-state-before'),
    lv('pve', 'vm-103-cloudinit'),
    lv('pve', 'data'),
    lv('pve', 'data_tdata', { hidden: true }),
    lv('san', 'vm-100-disk-0'),
    lv('san', 'vm-x-disk-0'),
    lv('san', 'vm--disk-0'),
    lv('san', 'basement-104-disk-0'),
    lv('pve', 'snap_vm-100-disk-0_before'),
    // Named like a disk without the guest head: no guest's disk.
    lv('san', 'disk-5'),
  ];
  const v = view(rows, [vgOf('pve', rows), vgOf('san', rows), vgOf('empty', rows, { uuid: 'E'.repeat(32) })]);
  assert.equal(getTwo(v.byName, 'pve', 'vm-100-disk-0'), rows[0]);
  assert.equal(getTwo(v.byName, 'san', 'vm-100-disk-0'), rows[7]);
  assert.equal(getTwo(v.byUuid, rows[7].vgUuid, rows[7].uuid), rows[7]);
  assert.equal(getTwo(v.byUuid, rows[1].vgUuid, rows[1].uuid), rows[1]);
  assert.deepEqual(
    [...v.vgById.entries()].sort(),
    [
      ['E'.repeat(32), 'empty'],
      [rows[0].vgUuid, 'pve'],
      [rows[7].vgUuid, 'san'],
    ].sort(),
  );
  assert.deepEqual([...v.vgByName.keys()], ['pve', 'san', 'empty']);
  assert.deepEqual(
    [...(v.namesByVg.get('pve') ?? [])],
    [
      'vm-100-disk-0',
      'vm-100-disk-1',
      'base-101-disk-0',
      'vm-102-state-before',
      'vm-103-cloudinit',
      'data',
      'data_tdata',
      'snap_vm-100-disk-0_before',
    ],
  );
  // Only `(vm|base)-<vmid>-disk-…` names count for the next free disk name (pve-storage find_free_diskname).
  assert.deepEqual(
    [...(v.disksByVg.get('pve') ?? [])],
    [
      [100, ['vm-100-disk-0', 'vm-100-disk-1']],
      [101, ['base-101-disk-0']],
    ],
  );
  assert.deepEqual([...(v.disksByVg.get('san') ?? [])], [[100, ['vm-100-disk-0']]]);
  assert.equal(v.disksByVg.has('empty'), false);
  assert.deepEqual(v.gaps, new Map());
  assert.deepEqual(v.safety, new Map());
  assert.equal(v.lvsError, null);
});

test('buildLvmView: a VG row without a UUID adds no id; an LV row without one neither', () => {
  const rows = [lv('pve', 'root', { vgUuid: '' })];
  const v = view(rows, [vgOf('pve', rows, { uuid: '' })]);
  assert.deepEqual([...v.vgById.keys()], []);
});

test('buildLvmView: vgs failed: VG ids from the LV rows, no VG rows, nothing known of safety', () => {
  const rows = [lv('pve', 'root'), lv('san', 'vm-100-disk-0')];
  const v = view(rows, null, 'vgs exited 5');
  assert.deepEqual(
    [...v.vgById.entries()],
    [
      [rows[0].vgUuid, 'pve'],
      [rows[1].vgUuid, 'san'],
    ],
  );
  assert.equal(v.vgByName.size, 0);
  assert.equal(v.safety.size, 0);
});

test('buildLvmView: what cleanup must know of each VG (pvmove, partial, lvmlockd)', () => {
  const cases: [string, LvRow[], Partial<VgRow>, Record<string, boolean> | undefined][] = [
    ['a quiet VG', [lv('pve', 'root')], {}, undefined],
    [
      'the pvmove LV (attr p)',
      [lv('pve', 'root'), lv('pve', 'x', { attr: 'p-C-aor---', hidden: true })],
      {},
      { pvmove: true },
    ],
    ['the moved LV (move_pv set)', [lv('pve', 'root', { movePv: '/dev/sdb' })], {}, { pvmove: true }],
    ['an LV named pvmove0', [lv('pve', 'pvmove0', { hidden: true })], {}, { pvmove: true }],
    ['an LV named like it inside', [lv('pve', 'vm-100-pvmove0')], {}, undefined],
    ['vgs says partial', [lv('pve', 'root')], { partial: true }, { partial: true }],
    ['an LV row says its VG is partial', [lv('pve', 'root', { vgAttr: 'wz-pn-' })], {}, { partial: true }],
    ['an LV row says its VG is resizeable', [lv('pve', 'root', { vgAttr: 'wz--n-' })], {}, undefined],
    ['an lvmlockd shared VG', [lv('pve', 'root')], { lockType: 'shared' }, { lvmlockd: true }],
    ['a clvmd VG', [lv('pve', 'root')], { lockType: 'clustered' }, { lvmlockd: true }],
    [
      'all three',
      [lv('pve', 'root', { movePv: '/dev/sdb', vgAttr: 'wz-pns' })],
      { lockType: 'shared' },
      { lvmlockd: true, pvmove: true, partial: true },
    ],
  ];
  for (const [what, rows, vg, want] of cases) {
    const s = view(rows, [vgOf('pve', rows, vg), vgOf('other', rows)]).safety;
    assert.deepEqual(s.get('pve'), want, what);
    assert.equal(s.has('other'), false, what);
  }
  // A VG vgs lists without lvs rows can still be partial.
  assert.deepEqual(view([], [vgOf('pve', [], { partial: true })]).safety.get('pve'), { partial: true });
  assert.deepEqual(view(null, [vgOf('pve', [], { lockType: 'shared' })]).safety.get('pve'), { lvmlockd: true });
});

test('lvmViewGaps: a VG whose lvs rows and vgs count disagree, or that one of them does not know', () => {
  const pve = [lv('pve', 'root'), lv('pve', 'data'), lv('pve', 'data_tdata', { hidden: true })];
  const cases: [string, LvRow[] | null, VgRow[] | null, string | null, [string, string][]][] = [
    ['lvs failed: nothing to say here', null, [vgOf('pve', pve)], null, []],
    ['they agree (hidden LVs are not counted)', pve, [vgOf('pve', pve)], null, []],
    [
      'an LV missing from lvs',
      pve.slice(1),
      [vgOf('pve', pve)],
      null,
      [['pve', 'lvs lists 1 LV of VG pve, vgs counts 2']],
    ],
    [
      'one LV more in lvs',
      pve,
      [vgOf('pve', pve, { lvCount: 1 })],
      null,
      [['pve', 'lvs lists 2 LVs of VG pve, vgs counts 1']],
    ],
    ['a VG of vgs with no rows', [], [vgOf('pve', pve)], null, [['pve', 'lvs lists 0 LVs of VG pve, vgs counts 2']]],
    ['an empty VG of vgs', [], [vgOf('pve', [])], null, []],
    ['a VG whose only rows are hidden', [lv('pve', 'x_tmeta', { hidden: true })], [vgOf('pve', [])], null, []],
    [
      'a VG vgs does not report',
      [...pve, lv('san', 'vm-1-disk-0')],
      [vgOf('pve', pve)],
      null,
      [['san', 'lvs lists LVs of VG san, which vgs does not report']],
    ],
    [
      'a VG vgs does not report, with only hidden rows',
      [...pve, lv('san', 'y_tmeta', { hidden: true })],
      [vgOf('pve', pve)],
      null,
      [['san', 'lvs lists LVs of VG san, which vgs does not report']],
    ],
    [
      'vgs failed: every VG of lvs',
      [...pve, lv('san', 'z_tmeta', { hidden: true })],
      null,
      'exit 5',
      [
        ['pve', 'vgs failed (exit 5): the LV list cannot be cross-checked'],
        ['san', 'vgs failed (exit 5): the LV list cannot be cross-checked'],
      ],
    ],
    [
      'vgs failed without a reason',
      pve,
      null,
      null,
      [['pve', 'vgs failed (unreadable): the LV list cannot be cross-checked']],
    ],
  ];
  for (const [what, lvs, vgs, vgsError, want] of cases) {
    assert.deepEqual([...lvmViewGaps(lvs, vgs, vgsError)], want, what);
    assert.deepEqual([...view(lvs, vgs, vgsError).gaps], want, what);
  }
});
