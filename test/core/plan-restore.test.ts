// Restore of a removed map, decided from fresh data: recreated only over sectors LVM's own segment
// list says are free, on a device LVM reports as a PV — also when that PV is a DM device (multipath,
// the normal shared-SAN setup). Anything that cannot be verified is refused, never guessed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type LvExtent,
  parsePvDevnos,
  parsePvSegments,
  planUndo,
  type RestoreFacts,
  type UndoSource,
} from '../../src/core/cleanup/plan-restore';
import type { DmInfo } from '../../src/core/parse/parse-dmsetup';
import { dmInfo, lv } from '../helpers/node-view';

const info = (name: string, uuid: string, minor: number): DmInfo => dmInfo(name, uuid, minor);

const MPATH = info('mpatha', 'mpath-3600140512345', 0);
const LVMAP = info('san-vm--300--disk--0', `LVM-${'a'.repeat(32)}${'b'.repeat(32)}`, 5);

function facts(extents: LvExtent[] | null, pvs: string[], extra: Partial<RestoreFacts> = {}): RestoreFacts {
  return {
    dm: [MPATH, LVMAP],
    tables: new Map([
      ['mpatha', ['0 41943040 multipath 0 0 1 1 service-time 0 1 1 8:16 1']],
      ['san-vm--300--disk--0', ['0 2097152 linear 252:0 2048']],
    ]),
    lvs: [],
    extents,
    thin: [],
    pvDevnos: new Set(pvs),
    guestHome: new Map([[200, 'pve1']]),
    ...extra,
  };
}

const removed = (table: string): UndoSource => ({
  seq: 1,
  kind: 'dm-remove',
  name: 'san-vm--200--disk--0',
  uuid: `LVM-${'a'.repeat(32)}${'c'.repeat(32)}`,
  majorMinor: '252:9',
  table: [table],
  vg: 'san',
  lv: 'vm-200-disk-0',
  lvUuid: null,
  vmid: 200,
  guestNode: 'pve1',
  result: 'done',
});

describe('planUndo: a removed linear map', () => {
  const owned: LvExtent = { vg: 'san', lv: 'vm-400-disk-0', dev: '252:0', start: 4196352, end: 6293504 };
  const cases: [string, string, RestoreFacts, RegExp | null][] = [
    ['on a multipath PV, its sectors free', '0 2097152 linear 252:0 8390656', facts([owned], ['252:0']), null],
    [
      'on a multipath PV, its sectors now owned by an inactive LV',
      '0 2097152 linear 252:0 4196352',
      facts([owned], ['252:0']),
      /now belong to LV san\/vm-400-disk-0/,
    ],
    [
      "onto another LV's map",
      '0 1024 linear 252:5 0',
      facts([owned], ['252:0']),
      /maps onto san-vm--300--disk--0, the map of an LV/,
    ],
    [
      'onto a whole disk that is not the PV',
      '0 1024 linear 8:16 2048',
      facts([owned], ['252:0']),
      /not a PV that LVM reports/,
    ],
    ['onto an unknown device', '0 1024 linear 8:99 0', facts([owned], ['252:0']), /8:99 is not a PV/],
    [
      'when the segments could not be read',
      '0 2097152 linear 252:0 8390656',
      facts(null, [], { extentsError: 'pvs exited 5' }),
      /cannot verify that the extents are free: pvs exited 5/,
    ],
    [
      "overlapping a current map's table",
      '0 2097152 linear 252:0 2048',
      facts([], ['252:0']),
      /overlap map san-vm--300--disk--0/,
    ],
  ];
  for (const [what, table, f, refused] of cases) {
    test(`${what}: ${refused ? 'refused' : 'recreated read-only'}`, () => {
      const step = planUndo(removed(table), f);
      if (!refused) {
        assert.ok(step.ok, JSON.stringify(step));
        if (step.ok) assert.ok(step.command.includes('-r'));
      } else {
        assert.equal(step.ok, false);
        if (!step.ok) assert.match(step.why, refused);
      }
    });
  }
});

test("pvs --segments: lvm2's pv_major/pv_minor name the PV (a fake root or a multipath PV has no node to stat)", () => {
  const json = JSON.stringify({
    report: [
      {
        pvseg: [
          {
            pv_name: '/dev/mapper/mpatha',
            pv_major: '252',
            pv_minor: '0',
            pe_start: '2048',
            pvseg_start: '0',
            pvseg_size: '256',
            vg_name: 'san',
            lv_name: 'vm-400-disk-0',
            vg_extent_size: '8192',
          },
          {
            pv_name: '/dev/mapper/mpatha',
            pv_major: '252',
            pv_minor: '0',
            pe_start: '2048',
            pvseg_start: '256',
            pvseg_size: '100',
            vg_name: 'san',
            lv_name: '',
            vg_extent_size: '8192',
          },
          {
            pv_name: '/dev/sdc',
            pv_major: '8',
            pv_minor: '32',
            pe_start: '2048',
            pvseg_start: '0',
            pvseg_size: '10',
            vg_name: 'other',
            lv_name: '',
            vg_extent_size: '8192',
          },
        ],
      },
    ],
  });
  assert.deepEqual(
    parsePvSegments(json, () => null),
    [{ vg: 'san', lv: 'vm-400-disk-0', dev: '252:0', start: 2048, end: 2048 + 256 * 8192 }],
  );
  assert.deepEqual([...parsePvDevnos(json, () => null)].sort(), ['252:0', '8:32']);
});

test("planUndo: a kpartx partition maps into its own disk's map (part<N>-<uuid of that map>): recreated", () => {
  const src = { ...removed('0 1024 linear 252:5 2048'), name: 'san-vm--300--disk--0p1', uuid: `part1-${LVMAP.uuid}` };
  const step = planUndo(src, facts([], ['252:0']));
  assert.ok(step.ok, JSON.stringify(step));
  const other = { ...src, uuid: `part1-LVM-${'z'.repeat(64)}` };
  assert.equal(planUndo(other, facts([], ['252:0'])).ok, false, 'a partition of another disk is refused');
});

test('planUndo: an action without a recorded guest is not undone', () => {
  const step = planUndo(
    { ...removed('0 2097152 linear 252:0 8390656'), vmid: null, guestNode: null },
    facts([], ['252:0']),
  );
  assert.equal(step.ok, false);
  if (!step.ok) assert.match(step.why, /records no guest/);
});

describe('planUndo: the extents belong to the same LV under a new name (same LV UUID): an exact undo', () => {
  // The removed map was LVM-<vg a…><lv c…>; that LV was renamed since (lvrename, or saferemove's del-).
  const row = (name: string, uuid: string, vgUuid = 'a'.repeat(32)) =>
    lv('san', name, { uuid, vgUuid, sizeBytes: 2 ** 30 });

  const at = (lv: string): LvExtent => ({ vg: 'san', lv, dev: '252:0', start: 4196352, end: 6293504 });
  const table = '0 2097152 linear 252:0 4196352';
  const C = 'c'.repeat(32);
  const cases: [string, Partial<UndoSource>, RestoreFacts, RegExp | null][] = [
    [
      'renamed to del-vm-200-disk-0 (saferemove)',
      {},
      facts([at('del-vm-200-disk-0')], ['252:0'], { lvs: [row('del-vm-200-disk-0', C)] as never }),
      null,
    ],
    [
      'renamed to vm-200-disk-3',
      {},
      facts([at('vm-200-disk-3')], ['252:0'], { lvs: [row('vm-200-disk-3', C)] as never }),
      null,
    ],
    [
      'another LV (another LV UUID)',
      {},
      facts([at('vm-400-disk-0')], ['252:0'], { lvs: [row('vm-400-disk-0', 'd'.repeat(32))] as never }),
      /now belong to LV san\/vm-400-disk-0/,
    ],
    [
      'the same LV id in another VG',
      {},
      facts([at('vm-200-disk-3')], ['252:0'], { lvs: [row('vm-200-disk-3', C, 'e'.repeat(32))] as never }),
      /now belong to LV/,
    ],
    [
      'a layer of the LV (-real), not the LV',
      { uuid: `LVM-${'a'.repeat(32)}${C}-real` },
      facts([at('vm-200-disk-3')], ['252:0'], { lvs: [row('vm-200-disk-3', C)] as never }),
      /now belong to LV/,
    ],
    [
      'the LV and another one share the range',
      {},
      facts([at('vm-200-disk-3'), at('vm-401-disk-0')], ['252:0'], {
        lvs: [row('vm-200-disk-3', C), row('vm-401-disk-0', 'f'.repeat(32))] as never,
      }),
      /vm-401-disk-0/,
    ],
  ];
  for (const [what, over, f, refused] of cases) {
    test(`${what}: ${refused ? 'refused' : 'recreated'}`, () => {
      const step = planUndo({ ...removed(table), ...over }, f);
      if (!refused) assert.ok(step.ok, JSON.stringify(step));
      else {
        assert.equal(step.ok, false, JSON.stringify(step));
        if (!step.ok) assert.match(step.why, refused);
      }
    });
  }
  test('thin: the thin device id belongs to the same LV renamed: recreated; to another: refused', () => {
    const pool = info('pve-data-tpool', `LVM-${'a'.repeat(32)}${'p'.repeat(32)}-tpool`, 7);
    const base = facts([], ['252:0'], {
      dm: [MPATH, LVMAP, pool],
      lvs: [{ ...row('data', 'p'.repeat(32)), vg: 'san' }, row('del-vm-200-disk-0', C)] as never,
    });
    const src = { ...removed('0 2097152 thin 252:7 5') };
    const same = planUndo(src, { ...base, thin: [{ vg: 'san', lv: 'del-vm-200-disk-0', pool: 'data', thinId: 5 }] });
    assert.ok(same.ok, JSON.stringify(same));
    const other = planUndo(src, { ...base, thin: [{ vg: 'san', lv: 'vm-500-disk-0', pool: 'data', thinId: 5 }] });
    assert.equal(other.ok, false);
  });
});
