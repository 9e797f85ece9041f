// dmsetup output (facts §4): `info -c --noheadings --separator <TAB> -o <fields>`, `table`, `deps`
// (lvm2 dmsetup.c: 4433-4584 info -c; 2425-2560 table; 2694-2771 deps; 6692-6708 "No devices found").
// Lines below were captured from the fakenode fakes (tricky-names scenario), which print the real
// formats; names with ': ' or a TAB are hand-made maps (`dmsetup create` accepts them).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { indexDeviceNames } from '../../src/core/parse/dm-device-lines';
import {
  DM_INFO_FIELDS,
  DM_INFO_SEPARATOR,
  type DmSegment,
  parseDmDeps,
  parseDmInfo,
  parseDmTable,
  segmentKey,
  segmentLine,
  tableDevices,
} from '../../src/core/parse/parse-dmsetup';
import { PYTHON } from '../helpers/python';

/** The segments' data, without the printed line a segment may keep for the report (tested apart). */
const data = (segs: DmSegment[] | undefined) => segs?.map(({ line: _line, ...rest }) => rest);

const T = '\t';
const INFO = [
  'vg_data--2-tp--1-tpool\tLVM-EjMbEdgYbvjPRv7DwmjG61M5ugDvajDGQiR8HlA5jsw1sFrowgZ4ABhv5ioAISvj-tpool\tdm-4\t252\t4\tL--w\t8\t1\t0',
  'vg_data--2-snap_vm--110--disk--0_pre--upgrade\tLVM-EjMbEdgYbvjPRv7DwmjG61M5ugDvajDGgL5RQ5KX9Vd3NOBt6TPGd3qfA4TDkGAY\tdm-13\t252\t13\tL--r\t0\t1\t0',
  'mpathb\tmpath-3600a098038303053453f463045727a41\tdm-18\t252\t18\tL--w\t0\t1\t0',
  'luks-3b9c5c1e-7d2a-4c1b-9f0e-5a6b7c8d9e0f\tCRYPT-LUKS2-3b9c5c1e7d2a4c1b9f0e5a6b7c8d9e0f-luks-3b9c5c1e-7d2a-4c1b-9f0e-5a6b7c8d9e0f\tdm-17\t252\t17\tL--w\t1\t1\t0',
].join('\n');

test('the info field list and separator are what the parser expects', () => {
  assert.deepEqual(DM_INFO_FIELDS, [
    'name',
    'uuid',
    'blkdevname',
    'major',
    'minor',
    'attr',
    'open',
    'segments',
    'events',
  ]);
  assert.equal(DM_INFO_SEPARATOR, '\t');
});

test('parseDmInfo: real lines', () => {
  const got = parseDmInfo(`${INFO}\n`);
  assert.deepEqual(got[0], {
    name: 'vg_data--2-tp--1-tpool',
    uuid: 'LVM-EjMbEdgYbvjPRv7DwmjG61M5ugDvajDGQiR8HlA5jsw1sFrowgZ4ABhv5ioAISvj-tpool',
    kname: 'dm-4',
    major: 252,
    minor: 4,
    live: true,
    inactive: false,
    suspended: false,
    readonly: false,
    open: 8,
    segments: 1,
    events: 0,
  });
  assert.deepEqual(
    got.map((d) => [d.name, d.readonly, d.open]),
    [
      ['vg_data--2-tp--1-tpool', false, 8],
      ['vg_data--2-snap_vm--110--disk--0_pre--upgrade', true, 0],
      ['mpathb', false, 0],
      ['luks-3b9c5c1e-7d2a-4c1b-9f0e-5a6b7c8d9e0f', false, 1],
    ],
  );
});

test('parseDmInfo: attr flags, empty UUID, names with ": " and TAB, No devices found', () => {
  const cases: { line: string; want: Record<string, unknown> }[] = [
    // attr = L/- live, I/- inactive table, s/- suspended, r/w (dmsetup.c:3311-3327)
    {
      line: ['x', '', 'dm-1', '252', '1', 'LIsr', '0', '2', '5'].join(T),
      want: { uuid: '', live: true, inactive: true, suspended: true, readonly: true, segments: 2, events: 5 },
    },
    {
      line: ['y', '', 'dm-2', '252', '2', '-I-w', '0', '0', '0'].join(T),
      want: { live: false, inactive: true, segments: 0 },
    },
    {
      line: ['odd: name', 'LVM-x', 'dm-3', '252', '3', 'L--w', '1', '1', '0'].join(T),
      want: { name: 'odd: name', uuid: 'LVM-x', minor: 3 },
    },
    {
      line: ['tab\tin\tname', '', 'dm-9', '252', '9', 'L--w', '2', '1', '0'].join(T),
      want: { name: 'tab\tin\tname', uuid: '', kname: 'dm-9', open: 2 },
    },
  ];
  for (const c of cases) {
    const [d] = parseDmInfo(c.line);
    for (const [k, v] of Object.entries(c.want))
      assert.deepEqual((d as unknown as Record<string, unknown>)[k], v, `${JSON.stringify(c.line)}: ${k}`);
  }
  assert.deepEqual(parseDmInfo('No devices found\n'), []);
  assert.deepEqual(parseDmInfo(''), []);
  assert.throws(() => parseDmInfo('name-only\tLVM-x\n'), /unexpected line/);
});

const TABLE = `backup--vg-vm--109--disk--0: 0 67108864 linear 8:33 2048
luks-3b9c5c1e-7d2a-4c1b-9f0e-5a6b7c8d9e0f: 0 976740352 crypt aes-xts-plain64 :64:logon:cryptsetup:3b9c5c1e-7d2a-4c1b-9f0e-5a6b7c8d9e0f-d0 0 8:48 32768
mpathb: 0 2147483648 multipath 1 queue_if_no_path 1 alua 1 1 service-time 0 1 1 8:64 1
vg_data--2-tp--1: 0 1048576000 linear 252:4 0
vg_data--2-tp--1-tpool: 0 1048576000 thin-pool 252:2 252:3 128 0 0
vg_data--2-vm--107--disk--0: 0 41943040 thin 252:4 1
pve-vm--100--disk--1: 0 2097152 linear 8:16 2048
pve-vm--100--disk--1: 2097152 2097152 linear 8:32 2048
pve-vm--100--disk--1: 4194304 1048576 linear 8:16 4196352
`;

test('parseDmTable: one map per device, multi-segment tables in order', () => {
  const t = parseDmTable(TABLE);
  assert.equal(t.size, 7);
  assert.deepEqual(data(t.get('vg_data--2-tp--1-tpool')), [
    { start: 0, length: 1048576000, target: 'thin-pool', params: '252:2 252:3 128 0 0' },
  ]);
  assert.deepEqual(data(t.get('pve-vm--100--disk--1')), [
    { start: 0, length: 2097152, target: 'linear', params: '8:16 2048' },
    { start: 2097152, length: 2097152, target: 'linear', params: '8:32 2048' },
    { start: 4194304, length: 1048576, target: 'linear', params: '8:16 4196352' },
  ]);
  assert.equal(t.get('luks-3b9c5c1e-7d2a-4c1b-9f0e-5a6b7c8d9e0f')![0].target, 'crypt');
  assert.deepEqual(parseDmTable('No devices found\n'), new Map());
});

test('parseDmTable/parseDmDeps: names with ": ", a TAB, a device without a table', () => {
  const names = ['odd: name', 'odd', 'tab\tname', 'empty', 'a:b'];
  const table = [
    'odd: name: 0 100 linear 8:0 0',
    'odd: 0 200 zero ',
    'tab\tname: 0 300 error ',
    'empty: ',
    'a:b: 0 400 zero ',
  ].join('\n');
  const t = parseDmTable(table, names);
  assert.deepEqual(data(t.get('odd: name')), [{ start: 0, length: 100, target: 'linear', params: '8:0 0' }]);
  assert.deepEqual(data(t.get('odd')), [{ start: 0, length: 200, target: 'zero', params: '' }]);
  assert.deepEqual(data(t.get('tab\tname')), [{ start: 0, length: 300, target: 'error', params: '' }]);
  assert.deepEqual(data(t.get('empty')), []);
  assert.deepEqual(data(t.get('a:b')), [{ start: 0, length: 400, target: 'zero', params: '' }]);
  const deps = parseDmDeps(
    ['odd: name: 1 dependencies\t: (8, 0)', 'odd: 0 dependencies\t:', 'a:b: 0 dependencies\t:'].join('\n'),
    names,
  );
  assert.deepEqual(deps.get('odd: name'), ['8:0']);
  assert.deepEqual(deps.get('odd'), []);
  assert.deepEqual(deps.get('a:b'), []);
  // without the names the first ': ' decides
  assert.deepEqual([...parseDmTable('odd: 0 200 zero \n').keys()], ['odd']);
});

test('names indexed once (indexDeviceNames) read as the same names given to each parser do', () => {
  const table = ['odd: name: 0 100 linear 8:0 0', 'odd: 0 200 zero ', 'plain: 0 300 zero '].join('\n');
  const deps = ['odd: name: 1 dependencies\t: (8, 0)', 'plain: 0 dependencies\t:'].join('\n');
  for (const names of [
    ['odd: name', 'odd', 'plain'],
    ['odd', 'plain'],
  ]) {
    const index = indexDeviceNames(new Set(names));
    assert.equal(index.colon, names.includes('odd: name'));
    assert.equal(indexDeviceNames(index), index, 'an index is taken as it is');
    assert.deepEqual(parseDmTable(table, index), parseDmTable(table, names));
    assert.deepEqual(parseDmDeps(deps, index), parseDmDeps(deps, names));
  }
  // The same set with a name that holds ':' added later: indexed again, it is read the slow way.
  const names = new Set(['odd', 'plain']);
  assert.deepEqual([...parseDmTable(table, indexDeviceNames(names)).keys()], ['odd', 'plain']);
  names.add('odd: name');
  assert.deepEqual([...parseDmTable(table, indexDeviceNames(names)).keys()], ['odd: name', 'odd', 'plain']);
});

test('names in the order dmsetup info listed them read the lines as the names alone do, in any order', () => {
  // The listed order is a shortcut only: lines in that order, out of it, of a device that came or went
  // between the calls, of a name that is the start of another, of a map named like the "No devices
  // found" line, or several per device, give what the names alone give.
  const names = ['a', 'ab', 'vg-lv', 'No devices found', 'b', 'c'];
  const line = (n: string, i: number) => `${n}: 0 ${8 + i} linear 8:0 ${i}`;
  const texts = [
    names.map(line),
    ['ab', 'a', 'vg-lv', 'c', 'b'].map(line),
    ['a', 'a', 'ab', 'ab', 'ab', 'vg-lv', 'b', 'c'].map(line),
    ['a', 'gone', 'ab', 'No devices found', 'c'].map(line),
    ['ab', 'ab', 'b', 'a'].map(line),
    ['No devices found', 'a'].map((n, i) => (i === 0 ? n : line(n, i))),
    [],
  ];
  const deps = (n: string, i: number) => `${n}: ${i} dependencies\t: ${'(8, 0) '.repeat(i)}`;
  for (const lines of texts) {
    for (const order of [names, [...names].reverse(), names.slice(1), ['ab', 'a', 'b']]) {
      const index = indexDeviceNames(new Set(names), order);
      const table = lines.join('\n');
      assert.deepEqual(parseDmTable(table, index), parseDmTable(table, names), `${table} / ${order}`);
      const depsText = lines.map((l, i) => deps(l.slice(0, l.indexOf(':')), i % 3)).join('\n');
      assert.deepEqual(parseDmDeps(depsText, index), parseDmDeps(depsText, names), `${depsText} / ${order}`);
    }
  }
  // Where a name holds ':' the longest known name decides, as without an order.
  const odd = ['odd: name', 'odd'];
  const table = ['odd: name: 0 100 linear 8:0 0', 'odd: 0 200 zero '].join('\n');
  assert.deepEqual(parseDmTable(table, indexDeviceNames(new Set(odd), ['odd', 'odd: name'])), parseDmTable(table, odd));
});

test('parseDmTable: a line of an unknown name, odd spacing, a map named like the "No devices found" line', () => {
  const names = ['a', 'No devices found'];
  const t = parseDmTable(['b: 0 1 zero', 'a: 0  8\tlinear  8:0 \t 0 ', 'No devices found: 0 1 zero'].join('\n'), names);
  assert.deepEqual([...t.keys()], ['b', 'a']);
  assert.deepEqual(data(t.get('a')), [{ start: 0, length: 8, target: 'linear', params: '8:0 0' }]);
  assert.equal(segmentKey({ start: 0, length: 8, target: 'linear', params: ' 8:0\t 0' }), 'linear  8:0 8');
  assert.equal(segmentKey({ start: 0, length: 8, target: 'thin', params: '252:4' }), 'thin 252:4 undefined');
});

test('parseDmDeps: several dependencies, none, No devices found', () => {
  const deps = parseDmDeps(`vg_data--2-tp--1-tpool: 2 dependencies\t: (252, 3) (252, 2)
vg_data--2-vm--107--disk--0: 1 dependencies\t: (252, 4)
raid-lv: 4 dependencies\t: (252, 12) (252, 11) (252, 10) (252, 9)
zero-map: 0 dependencies\t:
`);
  assert.deepEqual(Object.fromEntries(deps), {
    'vg_data--2-tp--1-tpool': ['252:3', '252:2'],
    'vg_data--2-vm--107--disk--0': ['252:4'],
    'raid-lv': ['252:12', '252:11', '252:10', '252:9'],
    'zero-map': [],
  });
  assert.deepEqual(parseDmDeps('No devices found\n'), new Map());
});

test('tableDevices and segmentKey', () => {
  const t = parseDmTable(TABLE);
  const cases: [string, string[], (string | null)[]][] = [
    ['vg_data--2-tp--1-tpool', ['252:2', '252:3'], [null]],
    ['vg_data--2-vm--107--disk--0', ['252:4'], ['thin 252:4 1']],
    ['backup--vg-vm--109--disk--0', ['8:33'], ['linear 8:33 2048 67108864']],
    // the crypt key spec ':64:logon:...' holds no device
    ['luks-3b9c5c1e-7d2a-4c1b-9f0e-5a6b7c8d9e0f', ['8:48'], [null]],
    ['mpathb', ['8:64'], [null]],
    [
      'pve-vm--100--disk--1',
      ['8:16', '8:32', '8:16'],
      ['linear 8:16 2048 2097152', 'linear 8:32 2048 2097152', 'linear 8:16 4196352 1048576'],
    ],
  ];
  for (const [name, devs, keys] of cases) {
    assert.deepEqual(tableDevices(t.get(name)!), devs, name);
    assert.deepEqual(t.get(name)!.map(segmentKey), keys, name);
  }
});

// Recorded from a real kernel in the testbed (dmsetup 1.02.185): see the fixture's _about.
test('real kernel output (testbed): info -c, table with a trailing space, deps', () => {
  const tb = JSON.parse(readFileSync(join('test', 'fixtures', 'storage', 'testbed-thin.json'), 'utf8')) as Record<
    string,
    string
  >;
  const info = parseDmInfo(tb.info_guestvg);
  const names = info.map((d) => d.name);
  assert.deepEqual(
    info.map((d) => [d.name, d.kname, d.readonly, d.open, d.segments, d.events]),
    [
      ['guestvg-root', 'dm-6', false, 0, 1, 0],
      ['pve-data', 'dm-3', true, 0, 1, 0],
      ['pve-data-tpool', 'dm-2', false, 2, 1, 6],
      ['pve-data_tdata', 'dm-1', false, 1, 2, 0],
      ['pve-data_tmeta', 'dm-0', false, 1, 1, 0],
      ['pve-vm--100--disk--0', 'dm-4', false, 0, 1, 0],
      ['pve-vm--102--disk--0', 'dm-5', false, 1, 1, 0],
    ],
  );
  const table = parseDmTable(tb.table_initial, names);
  assert.deepEqual(data(table.get('pve-data-tpool')), [
    { start: 0, length: 131072, target: 'thin-pool', params: '253:0 253:1 128 0 0' },
  ]);
  assert.deepEqual(segmentKey(table.get('pve-vm--100--disk--0')![0]), 'thin 253:2 1');
  const deps = parseDmDeps(tb.deps_guestvg, names);
  assert.deepEqual(deps.get('pve-data-tpool'), ['253:1', '253:0']);
  // a guest's VG on a PVE disk: its map depends on the disk's map
  assert.deepEqual(deps.get('guestvg-root'), [`253:${info.find((d) => d.name === 'pve-vm--102--disk--0')!.minor}`]);
});

// The whole output of the fake dmsetup of a fakenode node: info, table and deps agree.
test('fakenode tricky-names: info -c, table and deps of every device', (t) => {
  const shared = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared');
  const fakenode = join(shared, 'fakenode', 'fakenode.py');
  if (!existsSync(fakenode)) return t.skip(`fakenode not found at ${fakenode}`);
  const dir = mkdtempSync(join(tmpdir(), 'dmsetup-'));
  try {
    const node = join(dir, 'node');
    const build = spawnSync(
      PYTHON,
      [fakenode, 'build', join(shared, 'fakenode', 'scenarios', 'tricky-names.json'), node],
      { encoding: 'utf8' },
    );
    if (build.error) return t.skip(`python3 not available: ${build.error.message}`);
    assert.equal(build.status, 0, build.stderr);
    const run = (...args: string[]) => {
      const r = spawnSync(join(node, 'bin', 'dmsetup'), args, { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const info = parseDmInfo(
      run('info', '-c', '--noheadings', '--separator', DM_INFO_SEPARATOR, '-o', DM_INFO_FIELDS.join(',')),
    );
    const names = info.map((d) => d.name);
    const table = parseDmTable(run('table'), names);
    const deps = parseDmDeps(run('deps'), names);
    assert.ok(info.length >= 15, `${info.length} devices`);
    assert.deepEqual([...table.keys()].sort(), [...names].sort());
    assert.deepEqual([...deps.keys()].sort(), [...names].sort());
    for (const d of info) {
      assert.equal(table.get(d.name)!.length, d.segments, `${d.name}: segments`);
      assert.equal(d.kname, `dm-${d.minor}`);
      // what a table refers to is what deps lists
      assert.deepEqual(new Set(tableDevices(table.get(d.name)!)), new Set(deps.get(d.name)), `${d.name}: deps`);
    }
    const pool = info.find((d) => d.name === 'vg_data--2-tp--1-tpool')!;
    assert.equal(pool.open, 8);
    assert.deepEqual(deps.get(pool.name), ['252:3', '252:2']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('segmentLine: a table line as dmsetup printed it, normalised only where it was not in normal form', () => {
  const t = parseDmTable(['a: 0 8 linear 8:0 0', 'b: 0  8 linear 8:0\t0', 'c: 00 8 zero', 'd: 0 8 zero'].join('\n'), [
    'a',
    'b',
    'c',
    'd',
  ]);
  assert.equal(segmentLine(t.get('a')![0]), '0 8 linear 8:0 0');
  assert.equal(t.get('a')![0].line, '0 8 linear 8:0 0');
  assert.equal(segmentLine(t.get('b')![0]), '0 8 linear 8:0 0');
  assert.equal(segmentLine(t.get('c')![0]), '0 8 zero');
  assert.equal(segmentLine(t.get('d')![0]), '0 8 zero');
  // Without a kept line (a segment built elsewhere), the same text from its fields.
  assert.equal(segmentLine({ start: 0, length: 8, target: 'linear', params: '8:0 0' }), '0 8 linear 8:0 0');
});

// parseDmInfo reads its fields in place; the spec it must equal is the split it replaced: every line split
// at the separator, the name all fields but the last eight, Number() of each number field. A table of the
// lines a node, a broken libdevmapper or a hand-made map can give, each on its own and all in one text.
function parseDmInfoBySplit(text: string) {
  const n = DM_INFO_FIELDS.length;
  const out = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('No devices found')) continue;
    let f = line.split(T);
    if (f.length < n) throw new Error(`dmsetup info: unexpected line '${line.slice(0, 80)}'`);
    if (f.length > n) f = [f.slice(0, f.length - n + 1).join(T), ...f.slice(f.length - n + 1)];
    const attr = f[5];
    out.push({
      name: f[0],
      uuid: f[1],
      kname: f[2],
      major: Number(f[3]),
      minor: Number(f[4]),
      live: attr[0] === 'L',
      inactive: attr[1] === 'I',
      suspended: attr[2] === 's',
      readonly: attr[3] === 'r',
      open: Number(f[6]) || 0,
      segments: Number(f[7]) || 0,
      events: Number(f[8]) || 0,
    });
  }
  return out;
}

test('parseDmInfo equals the split it replaced, line class by line class', () => {
  const row = (...f: string[]) => f.join(T);
  const lines = [
    row('pve-vm--100--disk--0', 'LVM-abc', 'dm-7', '252', '7', 'L--w', '1', '1', '0'),
    row('crlf', '', 'dm-1', '252', '1', 'L--w', '0', '1', '0\r'),
    row('spaces', '', 'dm-2', ' 252', '2 ', 'L--w', ' 1', '1', '0'),
    row('empty-numbers', '', 'dm-3', '', '', '', '', '', ''),
    row('not-numbers', '', 'dm-4', 'x', '+5', 'L', '-1', '1e3', '0x10'),
    row('huge', '', 'dm-5', '1234567890123456789', '99999999999999999999', 'LIsr', '007', '000', '16'),
    row('', 'LVM-empty-name', 'dm-6', '252', '6', 'L--w', '0', '1', '0'),
    row('tab\tin\tname', '', 'dm-9', '252', '9', 'L--w', '2', '1', '0'),
    row('\tleading-tab', '', 'dm-10', '252', '10', '-I-r', '0', '0', '0'),
    row(' leading space', '', 'dm-11', '252', '11', 'L--w', '0', '1', '0'),
    row('unicode ü name', '', 'dm-12', '252', '12', 'L--w', '0', '1', '0'),
    row('trailing', '', 'dm-13', '252', '13', 'L--w', '0', '1', '0', ''),
    '',
    '   ',
    '\t \r',
    '\u00a0',
    'No devices found',
    'No devices found here too',
  ];
  const short = ['name-only\tLVM-x', row('seven', '', 'dm-1', '252', '1', 'L--w', '0'), '\tx', 'x'];
  for (const l of lines) assert.deepEqual(parseDmInfo(l), parseDmInfoBySplit(l), JSON.stringify(l));
  assert.deepEqual(parseDmInfo(lines.join('\n')), parseDmInfoBySplit(lines.join('\n')));
  assert.deepEqual(parseDmInfo(`${lines.join('\n')}\n`), parseDmInfoBySplit(`${lines.join('\n')}\n`));
  for (const l of short) {
    assert.throws(() => parseDmInfoBySplit(l), /unexpected line/, JSON.stringify(l));
    assert.throws(
      () => parseDmInfo(`${lines[0]}\n${l}\n${lines[1]}`),
      { message: `dmsetup info: unexpected line '${l.slice(0, 80)}'` },
      JSON.stringify(l),
    );
  }
});
