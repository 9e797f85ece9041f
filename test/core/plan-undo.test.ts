// `restore` undoes a cleanup journal's actions only where fresh data says the undo exposes the same
// data to the same guest: an LV is reactivated only with its LV UUID, VG and name unchanged; a map is
// recreated (read-only unless asked) only over devices that are still the same and sectors or thin
// ids nothing else holds now. Every refusal says why, in words a person acts on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type LvExtent,
  parsePvDevnos,
  parsePvSegments,
  parseThinIds,
  planUndo,
  type RestoreFacts,
  type UndoSource,
} from '../../src/core/cleanup/plan-restore';
import type { DmInfo } from '../../src/core/parse/parse-dmsetup';
import type { LvRow } from '../../src/core/parse/parse-lvm';
import { dmInfo, lv } from '../helpers/node-view';

const VG_ID = 'a'.repeat(32);
const LV_ID = 'c'.repeat(32);
const LV_ID_HYPHENATED = 'cccccc-cccc-cccc-cccc-cccc-cccc-cccccc';

const info = (name: string, uuid: string, minor: number): DmInfo => dmInfo(name, uuid, minor);

/** The LV of the journal's action as lvs reports it now (inactive, its name and ids unchanged). */
const lvRow = (over: Partial<LvRow> = {}): LvRow =>
  lv(over.vg ?? 'san', over.name ?? 'vm-200-disk-0', { uuid: LV_ID, vgUuid: VG_ID, ...over });

// The PV of VG san is the multipath map mpatha (252:0): LVM reports it, so its segment list decides.
const MPATH = info('mpatha', 'mpath-3600140512345', 0);

function facts(over: Partial<RestoreFacts> = {}): RestoreFacts {
  return {
    dm: [MPATH],
    tables: new Map([['mpatha', ['0 41943040 multipath 0 0 1 1 service-time 0 1 1 8:16 1']]]),
    lvs: [],
    extents: [],
    thin: [],
    pvDevnos: new Set(['252:0']),
    guestHome: new Map([[200, 'pve1']]),
    ...over,
  };
}

const journaled = (over: Partial<UndoSource> = {}): UndoSource => ({
  seq: 1,
  kind: 'dm-remove',
  name: 'san-vm--200--disk--0',
  uuid: `LVM-${VG_ID}${LV_ID}`,
  majorMinor: '252:9',
  table: ['0 2048 linear 252:0 8390656'],
  vg: 'san',
  lv: 'vm-200-disk-0',
  lvUuid: LV_ID_HYPHENATED,
  vmid: 200,
  guestNode: 'pve1',
  result: 'done',
  ...over,
});

const whyOf = (src: UndoSource, f: RestoreFacts, o: { readWrite?: boolean } = {}) => {
  const step = planUndo(src, f, o);
  return step.ok ? null : step.why;
};

describe('planUndo: whose data an undo would expose', () => {
  // Ownership is by the guest the journal recorded and where .vmlist puts it now.
  const cases: [string, Partial<UndoSource>, Map<number, string>, string | null][] = [
    [
      'an action that failed',
      { result: 'failed' },
      new Map([[200, 'pve1']]),
      'the journal says it was not done (failed)',
    ],
    [
      'an action without a guest',
      { vmid: null, guestNode: null },
      new Map(),
      'the journal records no guest (VMID) for it: not undone',
    ],
    [
      'the guest moved to another node',
      {},
      new Map([[200, 'pve2']]),
      'guest 200 now lives on pve2; it was on pve1 when this was cleaned',
    ],
    ['the guest is gone', {}, new Map(), 'guest 200 no longer exists; it was on pve1 when this was cleaned'],
    [
      'a guest of that VMID was created since',
      { guestNode: null },
      new Map([[200, 'pve1']]),
      'guest 200 now lives on pve1; it was absent when this was cleaned',
    ],
    ['the guest was absent then and is absent now', { guestNode: null }, new Map(), null],
    ['the guest still lives where it lived', {}, new Map([[200, 'pve1']]), null],
    [
      'an action kind restore does not know',
      { kind: 'lv-remove' },
      new Map([[200, 'pve1']]),
      'nothing to undo for lv-remove',
    ],
  ];
  for (const [what, over, home, why] of cases) {
    test(`${what}: ${why ?? 'undone'}`, () => {
      assert.equal(whyOf(journaled(over), facts({ guestHome: home })), why);
    });
  }
});

describe('planUndo: a deactivated LV', () => {
  const deactivated = (over: Partial<UndoSource> = {}) => journaled({ kind: 'lv-deactivate', table: [], ...over });
  const cases: [string, Partial<UndoSource>, Partial<RestoreFacts>, string | null][] = [
    ['no VG recorded', { vg: null }, {}, 'the journal has no LV identity'],
    ['no LV recorded', { lv: null }, {}, 'the journal has no LV identity'],
    ['no LV UUID recorded', { lvUuid: null }, {}, 'the journal has no LV identity'],
    [
      'the LV UUID is gone',
      {},
      { lvs: [lvRow({ uuid: 'd'.repeat(32) })] },
      `LV UUID ${LV_ID_HYPHENATED} no longer exists (the LV was removed or recreated)`,
    ],
    ['renamed since', {}, { lvs: [lvRow({ name: 'del-vm-200-disk-0' })] }, 'the LV is now san/del-vm-200-disk-0'],
    ['moved to another VG (vgsplit)', {}, { lvs: [lvRow({ vg: 'san2' })] }, 'the LV is now san2/vm-200-disk-0'],
    ['already active', {}, { lvs: [lvRow({ active: true })] }, 'already active'],
    [
      'a map of its name exists',
      {},
      { lvs: [lvRow()], dm: [MPATH, info('san-vm--200--disk--0', 'LVM-other', 9)] },
      'map san-vm--200--disk--0 exists (LVM-other): activation would fail',
    ],
    [
      'a map of its name without UUID exists',
      {},
      { lvs: [lvRow()], dm: [MPATH, info('san-vm--200--disk--0', '', 9)] },
      'map san-vm--200--disk--0 exists (no UUID): activation would fail',
    ],
    ['unchanged and inactive', {}, { lvs: [lvRow()] }, null],
  ];
  for (const [what, over, f, why] of cases) {
    test(`${what}: ${why ?? 'activated again'}`, () => {
      assert.equal(whyOf(deactivated(over), facts(f)), why);
    });
  }

  test('activated by its LV UUID (hyphenated as lvs prints it) and VG/LV, -K when lvm2 had it skip activation', () => {
    // lvchange(8): -K|--ignoreactivationskip activates an LV flagged k (thin snapshots get it by default).
    const f = facts({ lvs: [lvRow()] });
    for (const [skip, cmd] of [
      [undefined, ['lvchange', '-ay', '--select', `lv_uuid=${LV_ID_HYPHENATED}`, 'san/vm-200-disk-0']],
      [false, ['lvchange', '-ay', '--select', `lv_uuid=${LV_ID_HYPHENATED}`, 'san/vm-200-disk-0']],
      [true, ['lvchange', '-ay', '-K', '--select', `lv_uuid=${LV_ID_HYPHENATED}`, 'san/vm-200-disk-0']],
    ] as const) {
      assert.deepEqual(planUndo(deactivated({ activationSkip: skip }), f), {
        ok: true,
        command: cmd,
        effect: 'activate LV san/vm-200-disk-0 again',
      });
    }
    // A journal written with the plain id finds the same LV and prints the same selection.
    const plain = planUndo(deactivated({ lvUuid: LV_ID }), f);
    assert.ok(plain.ok, JSON.stringify(plain));
    if (plain.ok) assert.equal(plain.command[3], `lv_uuid=${LV_ID_HYPHENATED}`);
  });
});

describe('planUndo: a removed map', () => {
  const free = '0 2048 linear 252:0 8390656';
  test('recreated read-only by name and UUID with its one table line; read-write only when asked', () => {
    assert.deepEqual(planUndo(journaled(), facts()), {
      ok: true,
      command: ['dmsetup', 'create', 'san-vm--200--disk--0', '-u', `LVM-${VG_ID}${LV_ID}`, '-r', '--table', free],
      effect: 'recreate map san-vm--200--disk--0 read-only',
    });
    assert.deepEqual(planUndo(journaled(), facts(), { readWrite: true }), {
      ok: true,
      command: ['dmsetup', 'create', 'san-vm--200--disk--0', '-u', `LVM-${VG_ID}${LV_ID}`, '--table', free],
      effect: 'recreate map san-vm--200--disk--0',
    });
  });

  test('a journaled line with extra blanks is recreated single-spaced', () => {
    const step = planUndo(journaled({ table: [' 0  2048 linear\t252:0 8390656 '] }), facts());
    assert.ok(step.ok, JSON.stringify(step));
    if (step.ok) assert.equal(step.command.at(-1), free);
  });

  test('a map without UUID is recreated without -u; a table of several lines goes on stdin, one per line', () => {
    const two = ['0 2048 linear 252:0 8390656', '2048 2048 linear 252:0 9000000'];
    assert.deepEqual(planUndo(journaled({ uuid: '', table: two }), facts()), {
      ok: true,
      command: ['dmsetup', 'create', 'san-vm--200--disk--0', '-r'],
      input: `${two[0]}\n${two[1]}\n`,
      effect: 'recreate map san-vm--200--disk--0 read-only',
    });
  });

  const cases: [string, Partial<UndoSource>, Partial<RestoreFacts>, string | null][] = [
    [
      'a map of that name exists',
      {},
      { dm: [MPATH, info('san-vm--200--disk--0', '', 9)] },
      'a map named san-vm--200--disk--0 exists now',
    ],
    [
      'a map of that UUID exists under another name',
      {},
      { dm: [MPATH, info('renamed', `LVM-${VG_ID}${LV_ID}`, 9)] },
      `a map with UUID LVM-${VG_ID}${LV_ID} exists now`,
    ],
    // A map without UUID is no match for other maps without UUID.
    ['a map without UUID beside other maps without UUID', { uuid: '' }, { dm: [MPATH, info('other', '', 9)] }, null],
    ['no table recorded', { table: [] }, {}, 'the journal has no table'],
    ['a table line that is not one', { table: ['linear 252:0 0'] }, {}, "unreadable table line 'linear 252:0 0'"],
    [
      'a table line without a length',
      { table: ['0 x linear 252:0 0'] },
      {},
      "unreadable table line '0 x linear 252:0 0'",
    ],
    // dm-zero and dm-error read no device: nothing of anyone's can show through them.
    ['an error target', { table: ['0 2048 error'] }, {}, null],
    ['a zero target', { table: ['0 2048 zero'] }, {}, null],
    [
      'a striped target',
      { table: ['0 4096 striped 2 128 252:0 0 8:16 0'] },
      {},
      'cannot verify what a striped map covers',
    ],
    [
      'the second line of the table overlaps',
      { table: [free, '2048 2048 linear 252:0 2048'] },
      { tables: new Map([['san-vm--300--disk--0', ['0 4096 linear 252:0 0']]]) },
      'its sectors on 252:0 overlap map san-vm--300--disk--0',
    ],
  ];
  for (const [what, over, f, why] of cases) {
    test(`${what}: ${why ?? 'recreated'}`, () => {
      assert.equal(whyOf(journaled(over), facts(f)), why);
    });
  }
});

describe('planUndo: the devices of a removed table, by identity', () => {
  // A DM device the table used (a multipath PV, a thin pool) may have another minor number today.
  const tableDevices = { '252:3': { name: 'mpatha', uuid: MPATH.uuid } };
  const cases: [string, Partial<UndoSource>, Partial<RestoreFacts>, string | null, string | null][] = [
    [
      'the PV map has another minor now: renumbered',
      { table: ['0 2048 linear 252:3 8390656'], tableDevices },
      {},
      null,
      '0 2048 linear 252:0 8390656',
    ],
    [
      'found by name when it had no UUID',
      { table: ['0 2048 linear 252:3 8390656'], tableDevices: { '252:3': { name: 'mpatha', uuid: '' } } },
      {},
      null,
      '0 2048 linear 252:0 8390656',
    ],
    [
      'found by name among other maps without UUID',
      { table: ['0 2048 linear 252:3 8390656'], tableDevices: { '252:3': { name: 'mpatha', uuid: '' } } },
      { dm: [dmInfo('other', '', 4), dmInfo('mpatha', '', 0)] },
      null,
      '0 2048 linear 252:0 8390656',
    ],
    [
      'a device of two-digit minor renumbered',
      { table: ['0 2048 linear 252:12 8390656'], tableDevices: { '252:12': { name: 'mpatha', uuid: MPATH.uuid } } },
      {},
      null,
      '0 2048 linear 252:0 8390656',
    ],
    [
      'a device of that name but another UUID is not it',
      { table: ['0 2048 linear 252:3 8390656'], tableDevices: { '252:3': { name: 'mpatha', uuid: 'mpath-other' } } },
      {},
      'device mpatha that the table uses is gone',
      null,
    ],
    [
      'a device the journal did not name stays as written',
      { table: ['0 2048 linear 252:0 8390656'], tableDevices },
      {},
      null,
      '0 2048 linear 252:0 8390656',
    ],
  ];
  for (const [what, over, f, why, line] of cases) {
    test(`${what}: ${why ?? line}`, () => {
      const step = planUndo(journaled(over), facts(f));
      assert.deepEqual(step.ok ? step.command.at(-1) : step.why, why ?? line);
    });
  }
});

describe('planUndo: the sectors of a linear segment', () => {
  const ext = (lv: string, start: number, end: number, dev = '252:0'): LvExtent => ({ vg: 'san', lv, dev, start, end });
  // The removed segment: 2048 sectors at 8390656 of 252:0 (sectors 8390656..8392703).
  const cases: [string, Partial<RestoreFacts>, string | null][] = [
    ['an LV ends right where it starts', { extents: [ext('vm-400-disk-0', 8388608, 8390656)] }, null],
    ['an LV starts right after it', { extents: [ext('vm-400-disk-0', 8392704, 9000000)] }, null],
    [
      'an LV holds its last sector',
      { extents: [ext('vm-400-disk-0', 8392703, 9000000)] },
      'its extents on 252:0 now belong to LV san/vm-400-disk-0',
    ],
    [
      'an LV holds its first sector',
      { extents: [ext('vm-400-disk-0', 8000000, 8390657)] },
      'its extents on 252:0 now belong to LV san/vm-400-disk-0',
    ],
    ['an LV on another PV at the same offsets', { extents: [ext('vm-400-disk-0', 0, 9000000, '8:32')] }, null],
    [
      "a current map's linear segment covers its last sector",
      { tables: new Map([['san-vm--300--disk--0', ['0 2048 linear 252:0 8392703']]]) },
      'its sectors on 252:0 overlap map san-vm--300--disk--0',
    ],
    [
      "a current map's segment written with extra blanks",
      { tables: new Map([['san-vm--300--disk--0', [' 0  2048 linear 252:0 8392703 ']]]) },
      'its sectors on 252:0 overlap map san-vm--300--disk--0',
    ],
    [
      "a current map's linear segment ends right where it starts",
      { tables: new Map([['san-vm--300--disk--0', ['0 2048 linear 252:0 8388608']]]) },
      null,
    ],
    [
      "a current map's segment at the same offsets of another device",
      { tables: new Map([['san-vm--300--disk--0', ['0 2048 linear 8:32 8390656']]]) },
      null,
    ],
    [
      "a current map's thin segment whose id is those sectors' number",
      { tables: new Map([['san-vm--300--disk--0', ['0 2048 thin 252:0 8390656']]]) },
      null,
    ],
    ['no segment data and no reason', { extents: null }, 'cannot verify that the extents are free: no segment data'],
    // Without the PV list, a device that holds some LV's segment is a PV.
    ['no PV list: the device holds segments', { pvDevnos: undefined, extents: [ext('vm-400-disk-0', 0, 2048)] }, null],
    [
      'no PV list: the device holds segments, another device too',
      { pvDevnos: undefined, extents: [ext('vm-400-disk-0', 0, 2048), ext('vm-401-disk-0', 0, 2048, '8:32')] },
      null,
    ],
    [
      'no PV list: the device holds none',
      { pvDevnos: undefined, extents: [ext('vm-400-disk-0', 0, 2048, '8:32')] },
      'device mpatha (252:0) is not a PV that LVM reports: cannot verify what its sectors hold now',
    ],
    [
      'a PV list without it (a DM device that is not a PV)',
      { pvDevnos: new Set(['8:32']) },
      'device mpatha (252:0) is not a PV that LVM reports: cannot verify what its sectors hold now',
    ],
  ];
  for (const [what, f, why] of cases) {
    test(`${what}: ${why ?? 'recreated'}`, () => {
      assert.equal(whyOf(journaled(), facts(f)), why);
    });
  }

  test("a kpartx partition of another disk's map, or of a map LVM reports as a PV, is not its own disk", () => {
    const disk = info('san-vm--200--disk--0', `LVM-${VG_ID}${LV_ID}`, 5);
    const part = journaled({
      name: 'san-vm--200--disk--0p1',
      uuid: `part1-${disk.uuid}`,
      table: ['0 1024 linear 252:5 2048'],
    });
    assert.equal(whyOf(part, facts({ dm: [MPATH, disk] })), null);
    // Its parent map is a PV (a guest's disk used as a PV on the host): LVM's segments decide.
    assert.equal(
      whyOf(
        part,
        facts({ dm: [MPATH, disk], pvDevnos: new Set(['252:0', '252:5']), extents: [ext('x', 0, 4096, '252:5')] }),
      ),
      'its extents on 252:5 now belong to LV san/x',
    );
    // A partition of a disk with ten or more partitions.
    assert.equal(whyOf({ ...part, uuid: `part12-${disk.uuid}` }, facts({ dm: [MPATH, disk] })), null);
    // part<N>- only at the start: a UUID that has it inside is no kpartx partition.
    assert.equal(
      whyOf({ ...part, uuid: `CRYPT-part1-${disk.uuid}` }, facts({ dm: [MPATH, disk] })),
      "its table maps onto san-vm--200--disk--0, the map of an LV (another guest's disk, maybe): never recreated",
    );
    // Not a partition (no part<N>- UUID) of that map: the map of an LV, never recreated onto.
    assert.equal(
      whyOf({ ...part, uuid: `LVM-${VG_ID}${'e'.repeat(32)}` }, facts({ dm: [MPATH, disk] })),
      "its table maps onto san-vm--200--disk--0, the map of an LV (another guest's disk, maybe): never recreated",
    );
  });

  test('the same LV renamed keeps the extents its map had; without a VG id in the row its LV id decides', () => {
    const f = (row: LvRow) => facts({ extents: [ext(row.name, 8390656, 8392704)], lvs: [row] });
    assert.equal(whyOf(journaled(), f(lvRow({ name: 'del-vm-200-disk-0', vgUuid: '' }))), null);
    assert.equal(
      whyOf(journaled(), f(lvRow({ name: 'del-vm-200-disk-0', uuid: LV_ID_HYPHENATED }))),
      null,
      'lvs prints the ids hyphenated',
    );
    assert.equal(
      whyOf(journaled(), f(lvRow({ name: 'vm-201-disk-0', vg: 'san', uuid: 'f'.repeat(32) }))),
      'its extents on 252:0 now belong to LV san/vm-201-disk-0',
    );
    // The row of that name is in another VG: not the LV whose extents these are.
    assert.equal(
      whyOf(
        journaled(),
        facts({
          extents: [ext('del-vm-200-disk-0', 8390656, 8392704)],
          lvs: [lvRow({ name: 'del-vm-200-disk-0', vg: 'other' })],
        }),
      ),
      'its extents on 252:0 now belong to LV san/del-vm-200-disk-0',
    );
    // A map UUID that is not LVM-<vg id><lv id> (kpartx, a hand-made map) never matches an LV, also when it
    // carries that LV's ids after a prefix (a kpartx partition of the LV's map).
    assert.equal(
      whyOf(journaled({ uuid: `part1-LVM-${VG_ID}${LV_ID}` }), f(lvRow({ name: 'del-vm-200-disk-0' }))),
      'its extents on 252:0 now belong to LV san/del-vm-200-disk-0',
    );
    assert.equal(
      whyOf(journaled({ uuid: 'CRYPT-LUKS2-1234' }), f(lvRow({ name: 'del-vm-200-disk-0' }))),
      'its extents on 252:0 now belong to LV san/del-vm-200-disk-0',
    );
  });
});

describe("planUndo: LVM ids use lvm2's whole alphabet (lib/uuid/uuid.c: 0-9, a-z, A-Z, ! and #)", () => {
  const VG = `${'a'.repeat(30)}!#`;
  const LV = `#!${'c'.repeat(30)}`;
  const POOL = `${'p'.repeat(31)}#`;
  test('the same LV renamed is recognised by ids with ! and #', () => {
    const src = journaled({ uuid: `LVM-${VG}${LV}`, table: ['0 2048 linear 252:0 8390656'] });
    const ext: LvExtent = { vg: 'san', lv: 'del-vm-200-disk-0', dev: '252:0', start: 8390656, end: 8392704 };
    const row = lvRow({ name: 'del-vm-200-disk-0', uuid: LV, vgUuid: VG });
    assert.equal(whyOf(src, facts({ extents: [ext], lvs: [row] })), null);
  });
  test("a thin pool's LV id with ! and # names the pool its ids are counted in", () => {
    const pool = info('san-data-tpool', `LVM-${VG}${POOL}-tpool`, 7);
    const f = facts({
      dm: [MPATH, pool],
      lvs: [lvRow({ name: 'data', uuid: POOL, vgUuid: VG, segtype: 'thin-pool' })],
      thin: [{ vg: 'san', lv: 'vm-500-disk-0', pool: 'data2', thinId: 5 }],
    });
    assert.equal(whyOf(journaled({ table: ['0 2097152 thin 252:7 5'] }), f), null, 'id 5 of another pool');
  });
});

describe('planUndo: the thin device of a thin segment', () => {
  const POOL_ID = 'p'.repeat(32);
  const pool = info('san-data-tpool', `LVM-${VG_ID}${POOL_ID}-tpool`, 7);
  const base = (over: Partial<RestoreFacts> = {}) =>
    facts({ dm: [MPATH, pool], lvs: [lvRow({ name: 'data', uuid: POOL_ID, segtype: 'thin-pool' })], ...over });
  const src = journaled({ table: ['0 2097152 thin 252:7 5'] });
  const cases: [string, Partial<RestoreFacts>, string | null][] = [
    ['its id is free', {}, null],
    [
      'a current map maps the same thin device',
      { tables: new Map([['san-vm--300--disk--0', ['0 2097152 thin 252:7 5']]]) },
      'map san-vm--300--disk--0 maps the same thin device',
    ],
    [
      'a current map of two lines maps it in its second, with extra blanks',
      { tables: new Map([['x', ['0 1024 thin 252:7 9', ' 1024  1024 thin 252:7 5 ']]]) },
      'map x maps the same thin device',
    ],
    ['a current map maps another id of the pool', { tables: new Map([['x', ['0 2097152 thin 252:7 50']]]) }, null],
    ['a current map maps that id of another pool', { tables: new Map([['x', ['0 2097152 thin 252:8 5']]]) }, null],
    ['thin ids not read', { thin: null }, 'cannot verify that thin device 5 is free: no thin ids'],
    [
      'thin ids not read, with why',
      { thin: null, extentsError: 'lvs timed out' },
      'cannot verify that thin device 5 is free: lvs timed out',
    ],
    [
      'an LV of the pool has the id',
      { thin: [{ vg: 'san', lv: 'vm-500-disk-0', pool: 'data', thinId: 5 }] },
      'thin device 5 now belongs to LV san/vm-500-disk-0',
    ],
    ['an LV of the pool has another id', { thin: [{ vg: 'san', lv: 'vm-500-disk-0', pool: 'data', thinId: 6 }] }, null],
    // Thin ids are per pool (thin_id of lvs): the same id in another pool or VG is another device.
    [
      'an LV of another pool has the id',
      { thin: [{ vg: 'san', lv: 'vm-500-disk-0', pool: 'data2', thinId: 5 }] },
      null,
    ],
    [
      'an LV of a pool of that name in another VG has the id',
      { thin: [{ vg: 'san2', lv: 'vm-500-disk-0', pool: 'data', thinId: 5 }] },
      null,
    ],
  ];
  for (const [what, f, why] of cases) {
    test(`${what}: ${why ?? 'recreated'}`, () => {
      assert.equal(whyOf(src, base(f)), why);
    });
  }

  test('a pool device not there now, or whose UUID is not LVM-<vg><lv>-tpool: any LV with the id holds it', () => {
    const thin = [{ vg: 'san2', lv: 'vm-500-disk-0', pool: 'data9', thinId: 5 }];
    const want = 'thin device 5 now belongs to LV san2/vm-500-disk-0';
    assert.equal(whyOf(journaled({ table: ['0 2097152 thin 252:99 5'] }), base({ thin })), want);
    for (const uuid of [`x-LVM-${VG_ID}${POOL_ID}-tpool`, `LVM-${VG_ID}${POOL_ID}-tpool-x`])
      assert.equal(whyOf(src, base({ dm: [MPATH, info('san-data-tpool', uuid, 7)], thin })), want, uuid);
  });

  test('a pool whose LV is not known: any LV with the id holds it (never guessed free)', () => {
    const thin = [{ vg: 'san2', lv: 'vm-500-disk-0', pool: 'data9', thinId: 5 }];
    assert.equal(whyOf(src, base({ lvs: [], thin })), 'thin device 5 now belongs to LV san2/vm-500-disk-0');
    const notTpool = info('san-data', `LVM-${VG_ID}${POOL_ID}`, 7);
    assert.equal(
      whyOf(src, base({ dm: [MPATH, notTpool], thin })),
      'thin device 5 now belongs to LV san2/vm-500-disk-0',
      'the pool device is not a -tpool map: its owner is not known',
    );
  });
});

describe('reading LVM reports for restore', () => {
  const report = (key: string, rows: Record<string, string>[], before = '') =>
    `${before}${JSON.stringify({ report: [{ [key]: rows }] })}`;

  test('thin ids: thin LVs only, the brackets of hidden names cut, warnings before the JSON skipped', () => {
    const json = report(
      'lv',
      [
        { vg_name: 'pve', lv_name: 'vm-100-disk-0', pool_lv: 'data', thin_id: '1' },
        { vg_name: 'pve', lv_name: '[vm-100-disk-1]', pool_lv: '[data]', thin_id: '12' },
        { vg_name: 'pve', lv_name: 'data', pool_lv: '', thin_id: '' },
        { vg_name: 'pve', lv_name: 'root', pool_lv: '' },
        { vg_name: 'pve', lv_name: 'odd', pool_lv: 'data' },
        { vg_name: 'pve', lv_name: 'odd2', pool_lv: 'data', thin_id: '' },
        { vg_name: 'pve', lv_name: 'odd3', thin_id: '4' },
      ],
      '  WARNING: Not using device /dev/sdb for PV x.\n',
    );
    assert.deepEqual(parseThinIds(json), [
      { vg: 'pve', lv: 'vm-100-disk-0', pool: 'data', thinId: 1 },
      { vg: 'pve', lv: 'vm-100-disk-1', pool: 'data', thinId: 12 },
    ]);
    assert.deepEqual(parseThinIds('  No volume groups found.\n'), []);
    assert.deepEqual(parseThinIds('{}'), []);
    assert.deepEqual(parseThinIds(JSON.stringify({ report: [{}] })), []);
  });

  test('segments: the PV by pv_major/pv_minor, else by its device node; hidden LVs unbracketed; free space and unreadable rows skipped', () => {
    const seg = (over: Record<string, string>) => ({
      pv_name: '/dev/sdb',
      pv_major: '8',
      pv_minor: '16',
      pe_start: '2048',
      pvseg_start: '10',
      pvseg_size: '2',
      vg_name: 'pve',
      lv_name: 'vm-100-disk-0',
      vg_extent_size: '8192',
      ...over,
    });
    const json = report('pvseg', [
      seg({}),
      seg({ pv_major: '', pv_minor: '', pv_name: '/dev/sdc', lv_name: '[data_tdata]' }),
      seg({ pv_major: '8', pv_minor: '', pv_name: '/dev/sdd' }),
      seg({ pv_major: 'x', pv_minor: '1', pv_name: '/dev/sde' }),
      seg({ pv_name: '/dev/unknown', pv_major: '', pv_minor: '' }),
      seg({ vg_extent_size: 'n/a' }),
      seg({ pe_start: 'x' }),
      // Free space: lvm2 prints an empty lv_name; a row without the field at all is no LV's either.
      seg({ lv_name: '' }),
      Object.fromEntries(Object.entries(seg({})).filter(([k]) => k !== 'lv_name')),
    ]);
    const nodes: Record<string, string> = { '/dev/sdc': '8:32', '/dev/sdd': '8:48', '/dev/sde': '8:64' };
    const devno = (p: string) => nodes[p] ?? null;
    const at = (dev: string, lv = 'vm-100-disk-0') => ({
      vg: 'pve',
      lv,
      dev,
      start: 2048 + 10 * 8192,
      end: 2048 + 12 * 8192,
    });
    assert.deepEqual(parsePvSegments(json, devno), [at('8:16'), at('8:32', 'data_tdata'), at('8:48'), at('8:64')]);
    assert.deepEqual([...parsePvDevnos(json, devno)].sort(), ['8:16', '8:32', '8:48', '8:64']);
    assert.deepEqual(parsePvSegments('', devno), []);
    // No report, or one without segments: no PV, also when every path would name a device.
    const any = () => '8:1';
    for (const text of ['  No physical volumes found.\n', '{}', JSON.stringify({ report: [{}] })])
      assert.deepEqual([...parsePvDevnos(text, any)], [], text);
  });

  test("segments: pv_major/pv_minor are lvm2's only when both are whole numbers (else the device node decides)", () => {
    const row = (pv_major: string, pv_minor: string) =>
      report('pvseg', [
        {
          pv_name: '/dev/sdb',
          pv_major,
          pv_minor,
          pe_start: '0',
          pvseg_start: '0',
          pvseg_size: '1',
          vg_name: 'pve',
          lv_name: 'x',
          vg_extent_size: '8',
        },
      ]);
    const byNode = () => '8:16';
    for (const [major, minor] of [
      ['-1', '-1'],
      ['8', '16x'],
      ['x8', '16'],
      ['8', 'x16'],
      ['8x', '16'],
    ])
      assert.deepEqual([...parsePvDevnos(row(major, minor), byNode)], ['8:16'], `${major}:${minor}`);
    assert.deepEqual([...parsePvDevnos(row('259', '3'), byNode)], ['259:3']);
  });
});
