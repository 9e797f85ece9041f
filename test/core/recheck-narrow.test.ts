// clean's narrow re-check (core/cleanup/recheck-narrow.ts): a matrix of actions (an orphan LV's map that
// is deactivated, a map without LV that is removed, a kpartx partition with its parent) x what is read
// again (unchanged, opened, held, table or identity changed, gone, unreadable, the LV changed or a pvmove
// started). Unchanged is the only case that lets the action run; everything else names why it is skipped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CleanupAction } from '../../src/core/cleanup/plan-cleanup';
import {
  classifyRecheck,
  deviceInfoArgv,
  deviceTableArgv,
  lvsArgv,
  type NarrowRead,
  type RecheckTarget,
  selectedRows,
} from '../../src/core/cleanup/recheck-narrow';
import { type LvRow, parseLvs } from '../../src/core/parse/parse-lvm';
import { COMMAND_KEYS, type CommandOutput } from '../../src/core/vocab/snapshot';
import { LVM_COMMANDS } from '../../src/host/read-dm';

const VG_ID = 'VyB2aaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const LV_ID = 'oY6qLCW4cki6NWYbBFa6jkwPt1zGZwYg';
const MAP_UUID = `LVM-${VG_ID}${LV_ID}`;
const TABLE = ['0 67108864 thin 252:4 2'];
const PARENT_UUID = `LVM-${VG_ID}${'P'.repeat(32)}`;

const ok = (argv: string[], stdout: string): CommandOutput => ({ argv, code: 0, stdout, stderr: '' });
const failed = (argv: string[], code: number, stderr: string): CommandOutput => ({ argv, code, stdout: '', stderr });
const timedOut = (argv: string[]): CommandOutput => ({
  argv,
  code: null,
  stdout: '',
  stderr: '',
  error: 'timeout',
  message: 'timed out',
});

interface Map_ {
  name: string;
  uuid: string;
  kname: string;
  minor: number;
  open: number;
}
const infoLine = (m: Map_) => `${m.name}\t${m.uuid}\t${m.kname}\t252\t${m.minor}\tL--w\t${m.open}\t1\t0\n`;

function lvJson(rows: Partial<Record<string, string>>[]): string {
  return JSON.stringify({ report: [{ lv: rows }] });
}
const lvRow = (over: Partial<Record<string, string>> = {}) => ({
  lv_name: 'vm-150-disk-0',
  vg_name: 'pve',
  lv_uuid: 'oY6qLC-W4ck-i6NW-YbBF-a6jk-wPt1-zGZwYg',
  vg_uuid: 'VyB2aa-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaaa',
  lv_attr: 'Vwi-a-tz--',
  lv_size: '34359738368',
  pool_lv: 'data',
  origin: '',
  lv_tags: '',
  segtype: 'thin',
  lv_active: 'active',
  data_percent: '12.00',
  move_pv: '',
  lv_kernel_major: '252',
  lv_kernel_minor: '7',
  vg_attr: 'wz--n-',
  lv_role: 'public',
  ...over,
});

function action(over: Partial<CleanupAction> = {}): CleanupAction {
  return {
    kind: 'lv-deactivate',
    name: 'pve-vm--150--disk--0',
    uuid: MAP_UUID,
    reason: 'guest-missing',
    status: 'orphan',
    why: '',
    effect: '',
    command: ['lvchange', '-an'],
    vg: 'pve',
    lv: 'vm-150-disk-0',
    lvUuid: LV_ID,
    storage: 'local-lvm',
    storageShared: false,
    vmid: 150,
    guestType: null,
    guestLocks: [],
    majorMinor: '252:7',
    table: TABLE,
    parent: null,
    ...over,
  };
}

const self = { name: 'pve-vm--150--disk--0', uuid: MAP_UUID, kname: 'dm-7', minor: 7, open: 0 };
const targetOf = (a: CleanupAction, withParent = false): RecheckTarget => ({
  devices: [
    { role: 'self', name: a.name, uuid: a.uuid, devno: a.majorMinor, table: a.table, open: 0 },
    ...(withParent
      ? [
          {
            role: 'parent' as const,
            name: 'pve-vm--150--disk--0',
            uuid: PARENT_UUID,
            devno: '252:9',
            table: ['0 100 linear 8:16 2048'],
            open: 1,
          },
        ]
      : []),
  ],
  lvs: { vg: 'pve', names: ['vm-150-disk-0'], lvIds: [LV_ID], vgKnown: true },
});

/** What the device reads return: info text, holders, table lines, or a whole CommandOutput for a fault. */
interface DevRead {
  info?: CommandOutput | Map_;
  holders?: string[] | string;
  table?: string[] | CommandOutput;
}
function readOf(t: RecheckTarget, devs: DevRead[], lvs: CommandOutput): NarrowRead {
  return {
    devices: t.devices.map((d, i) => {
      const r = devs[i] ?? {};
      const infoArgv = deviceInfoArgv(d);
      const info =
        r.info && 'argv' in r.info
          ? r.info
          : ok(infoArgv, infoLine(r.info ?? { name: d.name, uuid: d.uuid, kname: 'dm-7', minor: 7, open: d.open }));
      const table =
        Array.isArray(r.table) || r.table === undefined
          ? ok(deviceTableArgv(d), `${(r.table ?? d.table).join('\n')}\n`)
          : r.table;
      return { info, table, holders: r.holders ?? [] };
    }),
    lvs,
  };
}

const baseRows: LvRow[] = parseLvs(lvJson([lvRow()]));
const lvsArgvOf = (t: RecheckTarget) => lvsArgv(t.lvs!);
const lvsNow = (t: RecheckTarget, rows = [lvRow()]) => ok(lvsArgvOf(t), lvJson(rows));

type Case = [string, { devs?: DevRead[]; lvs?: (t: RecheckTarget) => CommandOutput }, RegExp | null];

const DEVICE_CASES: Case[] = [
  ['unchanged', {}, null],
  ['thin fill level moved (data_percent)', { lvs: (t) => lvsNow(t, [lvRow({ data_percent: '55.00' })]) }, null],
  ['opened by a process (open count)', { devs: [{ info: { ...self, open: 1 } }] }, /it is open now \(open count 1\)/],
  ['held by a map (sysfs holders)', { devs: [{ holders: ['dm-12'] }] }, /it is open now .*held by dm-12/],
  ['holders unreadable', { devs: [{ holders: '/sys/block/dm-7/holders: EACCES' }] }, /cannot re-read the holders/],
  ['table changed', { devs: [{ table: ['0 67108864 thin 252:4 3'] }] }, /its table changed since the plan/],
  ['table spacing only', { devs: [{ table: ['0  67108864 thin 252:4   2'] }] }, null],
  ['renamed', { devs: [{ info: { ...self, name: 'pve-vm--150--disk--0x' } }] }, /now named pve-vm--150--disk--0x/],
  [
    'created again (new device number)',
    { devs: [{ info: { ...self, minor: 40 } }] },
    /now device 252:40 .*created again/,
  ],
  ['another UUID answers', { devs: [{ info: { ...self, uuid: `${MAP_UUID}x` } }] }, /is now another map/],
  [
    'gone (dmsetup: does not exist)',
    { devs: [{ info: failed(['dmsetup', 'info'], 1, 'Device does not exist.\nCommand failed.\n') }] },
    /no longer exists/,
  ],
  ['gone (empty report)', { devs: [{ info: ok(['dmsetup', 'info'], '') }] }, /no longer exists/],
  ['info timed out', { devs: [{ info: timedOut(['dmsetup', 'info']) }] }, /cannot re-read UUID .*timed out/],
  [
    'info failed otherwise',
    { devs: [{ info: failed(['dmsetup', 'info'], 1, 'Permission denied\n') }] },
    /cannot re-read UUID .*exited 1: Permission denied/,
  ],
  ['info junk', { devs: [{ info: ok(['dmsetup', 'info'], 'garbage\n') }] }, /cannot re-read UUID/],
  [
    'table unreadable',
    { devs: [{ table: failed(['dmsetup', 'table'], 1, 'ioctl failed: Input/output error\n') }] },
    /cannot re-read the table/,
  ],
  [
    'lvs failed',
    { lvs: (t) => failed(lvsArgvOf(t), 5, '  Volume group "pve" not found\n') },
    /cannot re-read LV pve\/vm-150-disk-0/,
  ],
  ['lvs timed out', { lvs: (t) => timedOut(lvsArgvOf(t)) }, /cannot re-read LV .*timed out/],
  ['lvs junk', { lvs: (t) => ok(lvsArgvOf(t), '{"report": 1') }, /cannot re-read LV/],
  [
    'LV replaced (new UUID, same name)',
    { lvs: (t) => lvsNow(t, [lvRow({ lv_uuid: 'Zz9ZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZ' })]) },
    /the LV UUID changed/,
  ],
  ['LV gone', { lvs: (t) => lvsNow(t, []) }, /LV pve\/vm-150-disk-0 is gone/],
  ['LV renamed', { lvs: (t) => lvsNow(t, [lvRow({ lv_name: 'vm-151-disk-0' })]) }, /is now named vm-151-disk-0/],
  [
    'LV deactivated',
    { lvs: (t) => lvsNow(t, [lvRow({ lv_active: '', lv_attr: 'Vwi---tz--' })]) },
    /pve\/vm-150-disk-0 is inactive now/,
  ],
  // The open flag mirrors the map's open count, which the device reads decide (a kpartx parent's LV).
  ['LV open flag only (attr[5])', { lvs: (t) => lvsNow(t, [lvRow({ lv_attr: 'Vwi-aotz--' })]) }, null],
  [
    'LV read-only now (attr[1])',
    { lvs: (t) => lvsNow(t, [lvRow({ lv_attr: 'Vri-a-tz--' })]) },
    /changed \(attr Vwi-a-tz-- -> Vri-a-tz--\)/,
  ],
  [
    'a pvmove started in the VG',
    {
      lvs: (t) =>
        lvsNow(t, [
          lvRow(),
          lvRow({ lv_name: '[pvmove0]', lv_uuid: 'pppppp-pppp-pppp-pppp-pppp-pppp-pppppp', lv_attr: 'p-C-aom---' }),
        ]),
    },
    /a pvmove is running in VG pve now/,
  ],
  ['VG became partial', { lvs: (t) => lvsNow(t, [lvRow({ vg_attr: 'wz-pn-' })]) }, /changed/],
];

describe('classifyRecheck: an orphan LV map to deactivate', () => {
  for (const [what, c, want] of DEVICE_CASES) {
    it(`${what} -> ${want ? 'skipped' : 'runs'}`, () => {
      const a = action();
      const t = targetOf(a);
      const why = classifyRecheck(a, t, baseRows, readOf(t, c.devs ?? [], (c.lvs ?? lvsNow)(t)));
      if (want === null) assert.equal(why, null);
      else assert.match(why ?? '', want);
    });
  }
});

describe('classifyRecheck: a map without LV to remove (lv-missing)', () => {
  const a = action({ kind: 'dm-remove', reason: 'lv-missing', lvUuid: null, command: ['dmsetup', 'remove'] });
  const t = targetOf(a);
  const cases: [string, CommandOutput, RegExp | null][] = [
    ['still no LV', lvsNow(t, []), null],
    [
      'an LV of that name exists now',
      lvsNow(t, [lvRow({ lv_uuid: 'Zz9ZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZ' })]),
      /LV pve\/vm-150-disk-0 exists now/,
    ],
    ['the LV came back (its UUID)', lvsNow(t, [lvRow()]), /exists now/],
  ];
  for (const [what, lvs, want] of cases) {
    it(`${what} -> ${want ? 'skipped' : 'runs'}`, () => {
      const why = classifyRecheck(a, t, [], readOf(t, [], lvs));
      if (want === null) assert.equal(why, null);
      else assert.match(why ?? '', want);
    });
  }
});

describe('classifyRecheck: a kpartx partition and its parent', () => {
  const a = action({
    kind: 'dm-remove',
    name: 'pve-vm--150--disk--0p1',
    uuid: `part1-${PARENT_UUID}`,
    reason: 'partition',
    lvUuid: null,
    majorMinor: '252:10',
    table: ['0 100 linear 252:9 2048'],
    parent: 'pve-vm--150--disk--0',
  });
  const t = targetOf(a, true);
  const part = { name: a.name, uuid: a.uuid, kname: 'dm-10', minor: 10, open: 0 };
  const parent = { name: 'pve-vm--150--disk--0', uuid: PARENT_UUID, kname: 'dm-9', minor: 9, open: 1 };
  const cases: [string, DevRead[], RegExp | null][] = [
    ['unchanged (the parent open by its partition)', [{ info: part }, { info: parent, holders: ['dm-10'] }], null],
    ['the partition is opened', [{ info: { ...part, open: 1 } }, { info: parent }], /^it is open now/],
    ['the parent is opened by more', [{ info: part }, { info: { ...parent, open: 2 } }], /its parent .*open more now/],
    [
      'the parent is gone',
      [{ info: part }, { info: failed(['dmsetup', 'info'], 1, 'Device does not exist.\n') }],
      /its parent pve-vm--150--disk--0: UUID .* no longer exists/,
    ],
    [
      'the parent table changed',
      [{ info: part }, { info: parent, table: ['0 200 linear 8:16 2048'] }],
      /its parent .*table changed/,
    ],
    ['the parent unreadable', [{ info: part }, { info: timedOut(['dmsetup', 'info']) }], /its parent .*cannot re-read/],
  ];
  for (const [what, devs, want] of cases) {
    it(`${what} -> ${want ? 'skipped' : 'runs'}`, () => {
      const why = classifyRecheck(a, t, baseRows, readOf(t, devs, lvsNow(t)));
      if (want === null) assert.equal(why, null);
      else assert.match(why ?? '', want);
    });
  }
  it('a parent that was not read again (the reads stopped) is a reason', () => {
    const r = readOf(t, [{ info: part }], lvsNow(t));
    r.devices.pop();
    assert.match(classifyRecheck(a, t, baseRows, r) ?? '', /was not read again/);
  });
});

describe('the reads of a narrow re-check', () => {
  const a = action();
  const t = targetOf(a);
  it('name the map by UUID, or by major:minor when it has none', () => {
    assert.deepEqual(deviceTableArgv(t.devices[0]), ['dmsetup', 'table', '-u', MAP_UUID]);
    const noUuid = { ...t.devices[0], uuid: '' };
    assert.deepEqual(deviceInfoArgv(noUuid).slice(-4), ['-j', '252', '-m', '7']);
  });
  it('select the LV by name and hyphenated id, and any pvmove LV, in its VG', () => {
    const argv = lvsArgv(t.lvs!);
    assert.equal(argv.at(-1), 'pve');
    assert.equal(
      argv[argv.indexOf('-S') + 1],
      'lv_name="vm-150-disk-0" || lv_uuid="oY6qLC-W4ck-i6NW-YbBF-a6jk-wPt1-zGZwYg" || lv_attr=~"^p"',
    );
  });
  it('a VG the plan did not know is selected by name (no error when it does not exist)', () => {
    const argv = lvsArgv({ ...t.lvs!, vgKnown: false });
    assert.match(argv.at(-1) ?? '', /^vg_name="pve" && \(/);
  });
  it('the plan-time rows are selected by the same predicate', () => {
    const rows = parseLvs(
      lvJson([
        lvRow(),
        lvRow({ lv_name: 'vm-151-disk-0', lv_uuid: 'aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaaa' }),
        lvRow({ lv_name: '[pvmove0]', lv_uuid: 'pppppp-pppp-pppp-pppp-pppp-pppp-pppppp', lv_attr: 'p-C-aom---' }),
        lvRow({ vg_name: 'other' }),
      ]),
    );
    assert.deepEqual(
      selectedRows(rows, t.lvs!).map((r) => `${r.vg}/${r.name}`),
      ['pve/vm-150-disk-0', 'pve/pvmove0'],
    );
  });
});

// The survivors of the room's mutation run (docs/testing.md), as behaviours: how each read can fail and
// what the reason then says, the table compared as the kernel prints it, the LV rows of the plan's VG only.
describe('the re-read, every way it can fail or change', () => {
  const a = action();
  const t = targetOf(a);
  const run = (devs: DevRead[], lvs: CommandOutput | null = lvsNow(t), target = t) =>
    classifyRecheck(a, target, baseRows, { ...readOf(target, devs, lvsNow(t)), lvs });

  it('lvs asks exactly what the full gather asks (parseLvs reads both), plus the selection', () =>
    assert.deepEqual(lvsArgv(t.lvs!).slice(0, -3), LVM_COMMANDS[COMMAND_KEYS.lvs]));

  it('each failure of a read is named: not installed, spawn failed, timed out, exited', () => {
    const notFound: CommandOutput = { argv: lvsArgvOf(t), code: null, stdout: '', stderr: '', error: 'not-found' };
    assert.equal(run([], notFound), 'cannot re-read LV pve/vm-150-disk-0: lvs: command not found');
    const spawn: CommandOutput = {
      argv: lvsArgvOf(t),
      code: null,
      stdout: '',
      stderr: '',
      error: 'failed',
      message: 'spawn EACCES',
    };
    assert.equal(run([], spawn), 'cannot re-read LV pve/vm-150-disk-0: spawn EACCES');
    assert.equal(
      run([{ info: timedOut(deviceInfoArgv(t.devices[0])) }]),
      `cannot re-read UUID ${MAP_UUID}: dmsetup info timed out`,
    );
    assert.equal(
      run([{ info: failed(deviceInfoArgv(t.devices[0]), 1, 'Permission denied\n') }]),
      `cannot re-read UUID ${MAP_UUID}: dmsetup info exited 1: Permission denied`,
    );
  });

  it('the LV read not made (the reads stopped): a reason; a map the plan knew no LV of needs none', () => {
    assert.equal(run([], null), 'the LV of pve-vm--150--disk--0 was not read again');
    assert.equal(run([], null, { ...t, lvs: null }), null);
  });

  it('dmsetup info answering with two maps is not this map', () => {
    const r = readOf(t, [], lvsNow(t));
    r.devices[0].info = ok(
      r.devices[0].info.argv,
      `${infoLine(self)}${infoLine({ ...self, name: 'other', minor: 8 })}`,
    );
    assert.equal(classifyRecheck(a, t, baseRows, r), `cannot re-read UUID ${MAP_UUID}: dmsetup info printed 2 maps`);
  });

  it('a map without UUID (looked up by device number) answered by another map: its UUID named', () => {
    const noUuid: RecheckTarget = { ...t, devices: [{ ...t.devices[0], uuid: '' }] };
    assert.equal(
      classifyRecheck(a, noUuid, baseRows, readOf(noUuid, [{ info: { ...self, uuid: 'CRYPT-LUKS2-x' } }], lvsNow(t))),
      'device 252:7 is now another map (pve-vm--150--disk--0, UUID CRYPT-LUKS2-x)',
    );
  });

  it('holders not read, several holders, the table not read: each named', () => {
    const r = readOf(t, [], lvsNow(t));
    r.devices[0].holders = null;
    assert.equal(classifyRecheck(a, t, baseRows, r), 'cannot re-read the holders of pve-vm--150--disk--0: not read');
    assert.equal(run([{ holders: ['dm-12', 'dm-13'] }]), 'it is open now (open count 0; held by dm-12, dm-13)');
    const noTable = readOf(t, [], lvsNow(t));
    noTable.devices[0].table = null;
    assert.equal(
      classifyRecheck(a, t, baseRows, noTable),
      'cannot re-read the table of pve-vm--150--disk--0: not read',
    );
  });

  // The table is compared word by word: blanks around and between words are the printer's, not the table's.
  it('a table with blanks around its line is the same table; one that only moved a blank is not', () => {
    assert.equal(run([{ table: [' 0 67108864 thin 252:4 2 '] }]), null);
    const linear = action({ table: ['0 100 linear 8:16 2048'] });
    const lt = targetOf(linear);
    assert.equal(
      classifyRecheck(linear, lt, baseRows, readOf(lt, [{ table: ['0 100 linear 8:1 62048'] }], lvsNow(lt))),
      'its table changed since the plan',
    );
  });

  it('rows of another VG in the answer are not this LV', () =>
    assert.equal(
      run(
        [],
        lvsNow(t, [
          lvRow(),
          lvRow({
            vg_name: 'other',
            vg_uuid: 'Qq2aaa-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaaa',
            lv_uuid: 'Zz9ZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZ',
          }),
        ]),
      ),
      null,
    ));

  it('an LV selected by its id only (no name): the id names it', () => {
    const byId: RecheckTarget = { ...t, lvs: { vg: 'pve', names: [], lvIds: [LV_ID], vgKnown: true } };
    assert.equal(
      classifyRecheck(a, byId, baseRows, { ...readOf(byId, [], lvsNow(byId)), lvs: timedOut(lvsArgv(byId.lvs!)) }),
      `cannot re-read LV pve/${LV_ID}: lvs -a timed out`,
    );
    assert.match(
      classifyRecheck(a, byId, baseRows, {
        ...readOf(byId, [], lvsNow(byId)),
        lvs: ok(lvsArgv(byId.lvs!), '{"report": 1'),
      }) ?? '',
      new RegExp(`^cannot re-read LV pve/${LV_ID}: `),
    );
  });

  it('the plan-time rows: an LV of the selected name with another id is selected too', () => {
    const rows = parseLvs(lvJson([lvRow({ lv_uuid: 'Zz9ZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZ' })]));
    assert.deepEqual(
      selectedRows(rows, t.lvs!).map((r) => r.name),
      ['vm-150-disk-0'],
    );
  });
});

describe('the re-read: an LV of a second selected name, lines of a table', () => {
  const a = action();
  // A selection of two names (a partition and its parent that name two LVs): the plan saw only the first.
  const two: RecheckTarget = {
    ...targetOf(a),
    lvs: { vg: 'pve', names: ['vm-150-disk-0', 'vm-150-disk-1'], lvIds: [], vgKnown: true },
  };
  const second = lvRow({ lv_name: 'vm-150-disk-1', lv_uuid: 'Nn1NNN-NNNN-NNNN-NNNN-NNNN-NNNN-NNNNNN' });

  it('an LV of the other selected name created since the plan: it exists now (not "the LV UUID changed")', () =>
    assert.equal(
      classifyRecheck(a, two, baseRows, readOf(two, [], lvsNow(two, [lvRow(), second]))),
      'LV pve/vm-150-disk-1 exists now',
    ));

  it('the first LV created again under its name (a new id): the LV UUID changed', () =>
    assert.equal(
      classifyRecheck(
        a,
        two,
        baseRows,
        readOf(two, [], lvsNow(two, [lvRow({ lv_uuid: 'Nn1NNN-NNNN-NNNN-NNNN-NNNN-NNNN-NNNNNN' })])),
      ),
      'the LV UUID changed',
    ));

  // Two segments are two lines: the same words, or the same characters, with a line ending elsewhere
  // are another table.
  it('a two-segment table whose first line now ends elsewhere: changed', () => {
    const seg = action({ table: ['0 100 linear 8:16 2048', '100 100 linear 8:32 0'] });
    const st = targetOf(seg);
    for (const moved of [
      ['0 100 linear 8:16 2048 100', '100 linear 8:32 0'],
      ['0 100 linear 8:16 204', '8100 100 linear 8:32 0'],
    ])
      assert.equal(
        classifyRecheck(seg, st, baseRows, readOf(st, [{ table: moved }], lvsNow(st))),
        'its table changed since the plan',
        moved.join(' | '),
      );
    assert.equal(classifyRecheck(seg, st, baseRows, readOf(st, [{}], lvsNow(st))), null);
  });
});
