// Each rule of the device-mapper view's consistency check (core/node/view-consistency.ts
// dmViewDisagreement), one row per way a node under load or a half-broken libdevmapper shows a torn or
// partial list with exit 0, with the exact reason the DM part is UNKNOWN for; and the readings a whole
// node gives that must stay believed (a ZFS-only node without maps, an older capture without /sys/block).
// Formats: `dmsetup info -c --noheadings --separator '\t' -o name,uuid,blkdevname,major,minor,attr,open,segments,events`,
// `dmsetup table` / `dmsetup deps` (`<name>: <start> <length> <target> <params>`, `<name>: N dependencies\t: (M, m)...`),
// libdm prints "No devices found" when there is no map; dm-table.c refuses a table with a gap or overlap.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseNode } from '../../src/core/node/node-view';
import { dmStatusDisagreement } from '../../src/core/node/view-consistency';
import type { DmSegment } from '../../src/core/parse/parse-dmsetup';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';

const demo = JSON.parse(
  readFileSync(join(fileURLToPath(new URL('.', import.meta.url)), '../../demo/demo-node.json'), 'utf8'),
) as HostSnapshot;

const lines = (t: string) => t.split('\n').filter(Boolean);
/** The demo with one command's output edited. */
function edit(s: HostSnapshot, key: string, f: (t: string) => string): HostSnapshot {
  s.commands[key] = { ...s.commands[key], stdout: f(s.commands[key].stdout) };
  return s;
}
/** The demo with the info line of map `name` edited field by field (name, uuid, kname, major, minor, attr, open, segments, events). */
function infoField(s: HostSnapshot, name: string, field: number, value: string): HostSnapshot {
  return edit(s, 'dmsetup.info', (t) =>
    lines(t)
      .map((l) => {
        const f = l.split('\t');
        if (f[0] !== name) return l;
        f[field] = value;
        return f.join('\t');
      })
      .join('\n'),
  );
}
/** Replace the table lines of map `name`. */
function tableOf(s: HostSnapshot, name: string, segs: string[]): HostSnapshot {
  return edit(s, 'dmsetup.table', (t) =>
    [...lines(t).filter((l) => !l.startsWith(`${name}: `)), ...segs.map((x) => `${name}: ${x}`)].join('\n'),
  );
}
const fresh = () => structuredClone(demo);
/** The demo as a capture of an older version without the kernel's list of maps (nothing to compare with). */
function older(): HostSnapshot {
  const s = fresh();
  s.sysDm = [];
  delete s.sysDmRead;
  return s;
}
const failure = (s: HostSnapshot) => parseNode(s).dm.failure;
const SWAP_LVS = 'lvs says pve/swap is active as 252:1, dmsetup lists no such map';
const reason = (...problems: string[]) =>
  `the device-mapper view is inconsistent (${problems.join('; ')}): not checked`;

test('the consistency check names the one thing that disagrees', () => {
  const cases: [string, () => HostSnapshot, string | string[]][] = [
    [
      // Two names on one device number: one map listed under two names by a torn read.
      'one device number listed under two names',
      () => {
        const s = fresh();
        const root = lines(s.commands['dmsetup.info'].stdout).find((l) => l.startsWith('pve-root\t'))!;
        const f = root.split('\t');
        f[0] = 'pve-root2';
        f[1] = `${f[1]}x`;
        s.commands['dmsetup.info'].stdout += `${f.join('\t')}\n`;
        edit(s, 'dmsetup.table', (t) => `${t}pve-root2: 0 201326592 linear 8:3 1698695168\n`);
        edit(s, 'dmsetup.deps', (t) => `${t}pve-root2: 1 dependencies\t: (8, 3)\n`);
        return s;
      },
      ['dmsetup info lists device 252:2 twice', 'dm-2 is pve-root in /sys/block, pve-root2 in dmsetup info'],
    ],
    [
      'a kernel name that is no dm-N',
      () => infoField(older(), 'pve-swap', 2, 'sda'),
      'dmsetup info line of pve-swap is not a device (sda 252:1)',
    ],
    [
      'a kernel name with something before dm-N',
      () => infoField(older(), 'pve-swap', 2, 'xdm-1'),
      'dmsetup info line of pve-swap is not a device (xdm-1 252:1)',
    ],
    [
      'a kernel name with something after dm-N',
      () => infoField(older(), 'pve-swap', 2, 'dm-1a'),
      'dmsetup info line of pve-swap is not a device (dm-1a 252:1)',
    ],
    [
      'a major that is no number',
      () => infoField(older(), 'pve-swap', 3, 'x'),
      ['dmsetup info line of pve-swap is not a device (dm-1 NaN:1)', SWAP_LVS],
    ],
    [
      'a minor that is no number',
      () => infoField(older(), 'pve-swap', 4, 'y'),
      ['dmsetup info line of pve-swap is not a device (dm-1 252:NaN)', SWAP_LVS],
    ],
    [
      'a negative major',
      () => infoField(older(), 'pve-swap', 3, '-252'),
      ['dmsetup info line of pve-swap is not a device (dm-1 -252:1)', SWAP_LVS],
    ],
    [
      'a negative minor',
      () => infoField(older(), 'pve-swap', 4, '-1'),
      ['dmsetup info line of pve-swap is not a device (dm-1 252:-1)', SWAP_LVS],
    ],
    [
      'a fractional major',
      () => infoField(older(), 'pve-swap', 3, '252.5'),
      ['dmsetup info line of pve-swap is not a device (dm-1 252.5:1)', SWAP_LVS],
    ],
    [
      'a fractional minor',
      () => infoField(older(), 'pve-swap', 4, '1.5'),
      ['dmsetup info line of pve-swap is not a device (dm-1 252:1.5)', SWAP_LVS],
    ],
    [
      'a live table with fewer segments than info counts',
      () => infoField(fresh(), 'pve-root', 7, '2'),
      'dmsetup table has 1 segments for pve-root, dmsetup info 2',
    ],
    [
      'two segments with a gap between them',
      () =>
        infoField(tableOf(fresh(), 'pve-root', ['0 100 linear 8:3 0', '200 100 linear 8:3 100']), 'pve-root', 7, '2'),
      'dmsetup table of pve-root has overlapping or repeated segments',
    ],
    [
      'a repeated segment',
      () => infoField(tableOf(fresh(), 'pve-root', ['0 100 linear 8:3 0', '0 100 linear 8:3 0']), 'pve-root', 7, '2'),
      'dmsetup table of pve-root has overlapping or repeated segments',
    ],
    [
      'a table that does not start at sector 0',
      () => tableOf(fresh(), 'pve-root', ['8 100 linear 8:3 0']),
      'dmsetup table of pve-root has overlapping or repeated segments',
    ],
    [
      'a segment of length 0',
      () => tableOf(fresh(), 'pve-root', ['0 0 linear 8:3 0']),
      'dmsetup table of pve-root has overlapping or repeated segments',
    ],
    [
      'a segment whose length is no number',
      () => tableOf(fresh(), 'pve-root', ['0 x linear 8:3 0']),
      'dmsetup table of pve-root has overlapping or repeated segments',
    ],
    [
      'a table line of a map dmsetup info does not list',
      () => edit(fresh(), 'dmsetup.table', (t) => `${t}ghost: 0 8 linear 8:3 0\n`),
      'dmsetup table lists ghost, dmsetup info does not',
    ],
    [
      'a deps line of a map dmsetup info does not list',
      () => edit(fresh(), 'dmsetup.deps', (t) => `${t}ghost: 1 dependencies\t: (8, 3)\n`),
      'dmsetup deps lists ghost, dmsetup info does not',
    ],
    [
      // The parsed deps keep one entry per name: only the raw text shows the repeated line.
      'a deps line printed twice',
      () => edit(fresh(), 'dmsetup.deps', (t) => `${t}${lines(t)[3]}\n`),
      'dmsetup deps prints 31 lines for 30 maps',
    ],
    [
      'the kernel list read as empty while dmsetup lists maps',
      () => {
        const s = fresh();
        s.sysDm = s.sysDm.filter((e) => e.name !== 'pve-root');
        s.sysDmRead = true;
        return s;
      },
      'dmsetup lists pve-root (dm-2), /sys/block does not',
    ],
    [
      'an active LV whose map is missing from every dmsetup list',
      () => {
        const s = fresh();
        const lvs = JSON.parse(s.commands.lvs.stdout);
        const row = lvs.report[0].lv.find((l: { lv_name: string }) => l.lv_name === 'vm-105-disk-0');
        Object.assign(row, { lv_active: 'active', lv_kernel_major: '252', lv_kernel_minor: '99' });
        s.commands.lvs = { ...s.commands.lvs, stdout: JSON.stringify(lvs) };
        return s;
      },
      'lvs says vg-san/vm-105-disk-0 is active as 252:99, dmsetup lists no such map',
    ],
  ];
  for (const [what, make, problem] of cases) assert.equal(failure(make()), reason(...[problem].flat()), what);
});

test('more than three problems: the first three and how many more', () => {
  const s = fresh();
  s.commands['dmsetup.table'] = { ...s.commands['dmsetup.table'], stdout: '' };
  const names = lines(demo.commands['dmsetup.info'].stdout).map((l) => l.split('\t')[0]);
  const first = names.slice(0, 3).map((n) => `dmsetup table has no line for ${n}`);
  assert.equal(failure(s), `the device-mapper view is inconsistent (${first.join('; ')}; … 27 more): not checked`);
  // Exactly three: no "more".
  const three = fresh();
  for (const n of names.slice(0, 3)) tableOf(three, n, []);
  assert.equal(failure(three), reason(...first));
});

// With a name listed twice, the counts of names shared with info are off by one: the extra line of
// another list must still be found (each case: three "twice" problems, then that one).
test('a line listed twice in info does not hide a map only table or deps lists', () => {
  const twiceFirst = (s: HostSnapshot) => edit(s, 'dmsetup.info', (t) => `${lines(t)[0]}\n${t}`);
  const [name, uuid, , major, minor] = lines(demo.commands['dmsetup.info'].stdout)[0].split('\t');
  const twice = [
    `dmsetup info lists ${name} twice`,
    `dmsetup info lists UUID ${uuid} twice`,
    `dmsetup info lists device ${major}:${minor} twice`,
  ].join('; ');
  // The fourth problem (`dmsetup table lists ghost…` / `dmsetup deps lists ghost…`) is the one counted as more.
  const cases: [string, HostSnapshot][] = [
    ['a table line of another map', edit(twiceFirst(fresh()), 'dmsetup.table', (t) => `${t}ghost: 0 8 linear 8:3 0\n`)],
    [
      'a deps line of another map',
      edit(twiceFirst(fresh()), 'dmsetup.deps', (t) => `${t}ghost: 1 dependencies\t: (8, 3)\n`),
    ],
  ];
  for (const [what, s] of cases)
    assert.equal(failure(s), `the device-mapper view is inconsistent (${twice}; … 1 more): not checked`, what);
  // Without the extra line: the three only.
  assert.equal(failure(twiceFirst(fresh())), `the device-mapper view is inconsistent (${twice}): not checked`);
});

test('deps with one line repeated and another lost: the lost one is the reason, the count is not compared', () => {
  const s = edit(fresh(), 'dmsetup.deps', (t) => {
    const l = lines(t);
    return [l[0], ...l.slice(0, -1)].join('\n');
  });
  const last = lines(demo.commands['dmsetup.deps'].stdout).at(-1)?.split(':')[0];
  assert.equal(failure(s), reason(`dmsetup deps has no line for ${last}`));
});

// The kernel's own list is what a torn dmsetup read is checked against: read as empty, or naming other
// maps everywhere, it must not be taken as agreeing.
test('the kernel list read as empty, or disagreeing on every map', () => {
  const names = lines(demo.commands['dmsetup.info'].stdout).map((l) => l.split('\t'));
  const empty = fresh();
  empty.sysDm = [];
  empty.sysDmRead = true;
  const first = names.slice(0, 3).map(([n, , k]) => `dmsetup lists ${n} (${k}), /sys/block does not`);
  assert.equal(failure(empty), `the device-mapper view is inconsistent (${first.join('; ')}; … 27 more): not checked`);
  const other = fresh();
  other.sysDm = other.sysDm.map((e) => ({ ...e, uuid: `${e.uuid}x` }));
  const byKname = new Map(other.sysDm.map((e) => [e.kname, e.name]));
  const said = names.slice(0, 3).map(([n, , k]) => `${k} is ${byKname.get(k)} in /sys/block, ${n} in dmsetup info`);
  assert.equal(failure(other), `the device-mapper view is inconsistent (${said.join('; ')}; … 27 more): not checked`);
});

test('readings of a whole node stay believed', () => {
  const cases: [string, () => HostSnapshot][] = [
    ['the demo node', fresh],
    [
      // A map whose live table is not loaded (only an inactive one): info counts no live segments.
      'a map with only an inactive table',
      () => infoField(infoField(fresh(), 'pve-root', 5, '-I-w'), 'pve-root', 7, '0'),
    ],
    [
      'two contiguous segments',
      () => infoField(tableOf(fresh(), 'pve-root', ['0 100 linear 8:3 0', '100 50 linear 8:4 0']), 'pve-root', 7, '2'),
    ],
    // Blank lines and spaces-only lines between dmsetup's lines are no lines.
    ['blank lines in deps', () => edit(fresh(), 'dmsetup.deps', (t) => `\n${t}\n   \n\t\n\u00a0\n`)],
    [
      // A hand-made map (dmsetup create without -u) whose name starts with N, as "No devices found" does.
      'a map named N…',
      () => {
        const s = fresh();
        edit(s, 'dmsetup.info', (t) => `${t}Nas-cache\t\tdm-90\t252\t90\tL--w\t0\t1\t0\n`);
        edit(s, 'dmsetup.table', (t) => `${t}Nas-cache: 0 8 linear 8:3 0\n`);
        edit(s, 'dmsetup.deps', (t) => `${t}Nas-cache: 1 dependencies\t: (8, 3)\n`);
        s.sysDm.push({ kname: 'dm-90', name: 'Nas-cache', uuid: '', dev: '252:90', holders: [], slaves: ['sda3'] });
        return s;
      },
    ],
    [
      // A captured file without /sys/block (older versions): nothing to compare it with.
      'an older capture without the kernel list',
      older,
    ],
    [
      // Older captures have no `dev` in the kernel list: name and UUID are compared.
      'a kernel list without device numbers',
      () => {
        const s = fresh();
        s.sysDm = s.sysDm.map(({ dev: _dev, ...e }) => e);
        return s;
      },
    ],
    [
      // lvs says active but gives no kernel numbers (-1): nothing to look up.
      'an active LV without kernel numbers',
      () => {
        const s = fresh();
        const lvs = JSON.parse(s.commands.lvs.stdout);
        const row = lvs.report[0].lv.find((l: { lv_name: string }) => l.lv_name === 'vm-105-disk-0');
        Object.assign(row, { lv_active: 'active', lv_kernel_major: '-1', lv_kernel_minor: '-1' });
        s.commands.lvs = { ...s.commands.lvs, stdout: JSON.stringify(lvs) };
        return s;
      },
    ],
  ];
  for (const [what, make] of cases) assert.equal(failure(make()), null, what);
});

test('a node without any map (ZFS only): "No devices found" everywhere is consistent', () => {
  const s = fresh();
  for (const k of ['dmsetup.info', 'dmsetup.table', 'dmsetup.deps', 'dmsetup.status'])
    s.commands[k] = { ...s.commands[k], stdout: 'No devices found\n' };
  s.sysDm = [];
  s.sysDmRead = true;
  const lvs = JSON.parse(s.commands.lvs.stdout);
  lvs.report[0].lv = [];
  s.commands.lvs = { ...s.commands.lvs, stdout: JSON.stringify(lvs) };
  s.commands.vgs = { ...s.commands.vgs, stdout: JSON.stringify({ report: [{ vg: [] }] }) };
  const view = parseNode(s);
  assert.equal(view.dm.failure, null);
});

// `dmsetup status` prints a line per target of each map with the table's head (libdm); dm-thin.c
// pool_status prints every field, or `Fail` (fail mode) or `Error` (metadata unreadable); dm-mpath.c
// multipath_status its path groups. A rule reads only the thin-pool and multipath lines.
test('dmsetup status: each way its lines disagree with the table, for the maps a rule reads', () => {
  const seg = (target: string, start = 0, length = 100): DmSegment => ({ start, length, target, params: '' });
  const tables = new Map<string, DmSegment[]>([
    ['pve-data-tpool', [seg('thin-pool')]],
    ['mpatha', [seg('multipath')]],
    ['pve-root', [seg('linear')]],
    ['pve-swap', [seg('linear'), seg('linear', 100, 50)]],
  ]);
  const pool =
    'pve-data-tpool: 0 100 thin-pool 1 46/4048 4393/1841552 - rw no_discard_passdown queue_if_no_space - 1024';
  const mpath = 'mpatha: 0 100 multipath 2 0 0 0 1 1 A 0 2 0 8:16 A 0 8:32 A 0';
  const root = 'pve-root: 0 100 linear';
  const swap = 'pve-swap: 0 100 linear\npve-swap: 100 50 linear';
  const whole = [pool, mpath, root, swap];
  const say = (...p: string[]) => `dmsetup status disagrees with dmsetup info and table (${p.join('; ')})`;
  const cases: [string, string, string | null][] = [
    ['whole', `${whole.join('\n')}\n`, null],
    ['only the maps a rule reads', `${pool}\n${mpath}\n`, null],
    ['a pool in fail mode', `${[pool.replace(/thin-pool .*/, 'thin-pool Fail'), mpath].join('\n')}\n`, null],
    [
      'a pool whose metadata cannot be read',
      `${[pool.replace(/thin-pool .*/, 'thin-pool Error'), mpath].join('\n')}\n`,
      null,
    ],
    ['the multipath line lost', `${pool}\n${root}\n`, say('it has no multipath line for mpatha')],
    [
      'a pool line naming another target (the table was reloaded between the calls)',
      `${pool.replace('thin-pool', 'linear')}\n${mpath}\n`,
      say('it has no thin-pool line for pve-data-tpool'),
    ],
    [
      'a pool line at another sector',
      `${pool.replace(': 0 100', ': 8 100')}\n${mpath}\n`,
      say('it has no thin-pool line for pve-data-tpool'),
    ],
    [
      'a pool line cut short',
      `pve-data-tpool: 0 100 thin-pool 1 46/40\n${mpath}\n`,
      say('the thin-pool line of pve-data-tpool is cut short'),
    ],
    [
      'a pool line that only says Failed',
      `pve-data-tpool: 0 100 thin-pool Failed\n${mpath}\n`,
      say('the thin-pool line of pve-data-tpool is cut short'),
    ],
    [
      'a pool line that says Fail and more',
      `pve-data-tpool: 0 100 thin-pool xFail\n${mpath}\n`,
      say('the thin-pool line of pve-data-tpool is cut short'),
    ],
    [
      'a pool line that says Error and more',
      `pve-data-tpool: 0 100 thin-pool Errorx\n${mpath}\n`,
      say('the thin-pool line of pve-data-tpool is cut short'),
    ],
    [
      'a linear line printed twice',
      `${[pool, mpath, root, root].join('\n')}\n`,
      say('it has 2 lines for pve-root, which has 1 segments'),
    ],
    [
      'the pool line printed twice',
      `${[pool, pool, mpath].join('\n')}\n`,
      say('it has 2 lines for pve-data-tpool, which has 1 segments'),
    ],
    [
      'a map dmsetup info does not list',
      `${[...whole, 'ghost: 0 8 linear'].join('\n')}\n`,
      say('it lists ghost, dmsetup info does not'),
    ],
    [
      'four problems: three and how many more',
      `${[root, root, 'ghost: 0 8 linear'].join('\n')}\n`,
      say(
        'it lists ghost, dmsetup info does not',
        'it has no thin-pool line for pve-data-tpool',
        'it has no multipath line for mpatha',
        '… 1 more',
      ),
    ],
    [
      'exactly three problems',
      `${[pool, root, root, 'ghost: 0 8 linear'].join('\n')}\n`,
      say(
        'it lists ghost, dmsetup info does not',
        'it has no multipath line for mpatha',
        'it has 2 lines for pve-root, which has 1 segments',
      ),
    ],
    ['empty', '', say('it has no thin-pool line for pve-data-tpool', 'it has no multipath line for mpatha')],
  ];
  for (const [what, text, want] of cases) assert.equal(dmStatusDisagreement(text, tables), want, what);
});
