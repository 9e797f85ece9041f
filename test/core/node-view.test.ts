// One node parsed once (core/node/node-view.ts): a failed, timed-out or missing command is a reason, never
// thrown and never an empty list believed; `lvs` exiting 0 with an empty report while vgs or the maps say
// the node has LVs is not believed (lvm2 prints an empty report when locking or metadata reads fail); and
// what `clean` changed itself since the capture (maps removed, LVs deactivated) is shown as it is now.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { commandFailure, emptyLvsContradiction, lvRowsSince, parseNode } from '../../src/core/node/node-view';
import type { CommandOutput, HostSnapshot } from '../../src/core/vocab/snapshot';
import { lv, vgOf } from '../helpers/node-view';

const demo = JSON.parse(
  readFileSync(join(fileURLToPath(new URL('.', import.meta.url)), '../../demo/demo-node.json'), 'utf8'),
) as HostSnapshot;
const fresh = () => structuredClone(demo);
const out = (o: Partial<CommandOutput>): CommandOutput => ({
  argv: ['lvs', '--reportformat', 'json'],
  code: 0,
  stdout: '',
  stderr: '',
  ...o,
});

test('commandFailure: why a command cannot be used', () => {
  const cases: [string, CommandOutput | undefined, string | null][] = [
    ['not run', undefined, 'not run'],
    ['fine', out({}), null],
    ['not installed', out({ error: 'not-found', code: null }), 'lvs: command not found'],
    ['timed out', out({ error: 'timeout', code: null }), 'lvs --reportformat json timed out'],
    [
      'a non-zero exit: the last line of stderr',
      out({ code: 5, stderr: '  WARNING: something\n  Volume group "x" not found  \n' }),
      'lvs exited 5: Volume group "x" not found',
    ],
    ['a non-zero exit without stderr', out({ code: 3 }), 'lvs exited 3: '],
    ['killed by a signal', out({ error: 'failed', code: null, stderr: 'Killed' }), 'lvs exited null: Killed'],
  ];
  for (const [what, c, want] of cases) assert.equal(commandFailure(c), want, what);
});

test('lvRowsSince: the LVs this run deactivated read as lvs prints them now', () => {
  const rows = [
    lv('pve', 'vm-100-disk-0', { active: true, kernelMajor: 252, kernelMinor: 8, attr: 'Vwi-aotz--' }),
    lv('pve', 'vm-101-disk-0', { active: true, kernelMajor: 252, kernelMinor: 9, attr: 'Vwi-aotz--' }),
    lv('san', 'vm-100-disk-0', { active: true, kernelMajor: 252, kernelMinor: 10, attr: '-wi-ao----' }),
  ];
  assert.equal(lvRowsSince(rows, undefined), rows);
  assert.equal(lvRowsSince(rows, { removedMaps: new Set(), deactivatedLvs: new Set() }), rows);
  const now = lvRowsSince(rows, { removedMaps: new Set(), deactivatedLvs: new Set(['pve/vm-100-disk-0']) });
  assert.deepEqual(now[0], { ...rows[0], active: false, kernelMajor: null, kernelMinor: null, attr: 'Vwi---tz--' });
  assert.equal(now[1], rows[1]);
  assert.equal(now[2], rows[2]);
});

test('emptyLvsContradiction: an empty lvs report is believed only when nothing says there are LVs', () => {
  const root = [lv('pve', 'root')];
  const info = 'pve-root\tLVM-abc\tdm-1\t252\t1\tL--w\t1\t1\t0\n';
  const cases: [string, Parameters<typeof emptyLvsContradiction>[0], string, string | null][] = [
    ['no VG at all', [], '', null],
    ['an empty VG', [vgOf('pve', [])], info, null],
    [
      'vgs counts LVs',
      [vgOf('pve', root), vgOf('empty', []), vgOf('san', [lv('san', 'a'), lv('san', 'b')])],
      '',
      'lvs exited 0 with no LV while vgs counts 1 in VG pve, 2 in VG san: its report is empty, not the node',
    ],
    [
      'vgs failed, LVM maps are there',
      null,
      info,
      'lvs exited 0 with no LV while device-mapper has maps of LVs and vgs could not be read: its report is empty, not the node',
    ],
    [
      'vgs failed, an LVM UUID after another field',
      null,
      'x\tLVM-abc\tdm-1\n',
      'lvs exited 0 with no LV while device-mapper has maps of LVs and vgs could not be read: its report is empty, not the node',
    ],
    ['vgs failed, only other maps', null, 'mpatha\tmpath-3600\tdm-0\t252\t0\tL--w\t1\t1\t0\n', null],
    ['vgs failed, a name that merely contains LVM-', null, 'xLVM-a\t\tdm-0\t252\t0\tL--w\t1\t1\t0\n', null],
    // dmsetup create LVM-x: a map anyone may name so; its UUID says whose it is.
    ['vgs failed, a map named LVM-… that is no LV', null, 'LVM-x\tmpath-3600\tdm-0\t252\t0\tL--w\t1\t1\t0\n', null],
    ['vgs failed, no maps', null, '', null],
  ];
  for (const [what, vgs, text, want] of cases) assert.equal(emptyLvsContradiction(vgs, text), want, what);
});

test('parseNode: a failed dmsetup call is the DM part’s reason, with what failed', () => {
  const cases: [string, (s: HostSnapshot) => void, string][] = [
    ['info not run', (s) => delete s.commands['dmsetup.info'], 'cannot list device-mapper devices: not run'],
    [
      'info exit 1',
      (s) => {
        s.commands['dmsetup.info'] = { ...s.commands['dmsetup.info'], code: 1, stderr: 'Command failed.\n' };
      },
      'cannot list device-mapper devices: dmsetup exited 1: Command failed.',
    ],
    [
      'table timed out',
      (s) => {
        s.commands['dmsetup.table'] = { ...s.commands['dmsetup.table'], error: 'timeout', argv: ['dmsetup', 'table'] };
      },
      'dmsetup table failed: dmsetup table timed out',
    ],
    ['deps not run', (s) => delete s.commands['dmsetup.deps'], 'dmsetup deps failed: not run'],
    [
      'info printed junk',
      (s) => {
        s.commands['dmsetup.info'] = { ...s.commands['dmsetup.info'], stdout: 'garbage\n' };
      },
      "unreadable dmsetup output: dmsetup info: unexpected line 'garbage'",
    ],
  ];
  for (const [what, edit, want] of cases) {
    const s = fresh();
    edit(s);
    const v = parseNode(s);
    assert.equal(v.dm.failure, want, what);
    assert.deepEqual([v.dm.info, v.dm.devices, [...v.dm.tables], [...v.dm.deps]], [[], [], [], []], what);
    // Its index is as empty (a rule that looks a device up finds none, never one of a partial list).
    const { byDevno, byKname, byName } = v.dm.index;
    assert.deepEqual([byDevno.size, byKname.size, byName.size], [0, 0, 0], what);
  }
});

test('parseNode: dmsetup status failed or disagreeing leaves the maps, without status', () => {
  const failed = fresh();
  failed.commands['dmsetup.status'] = { ...failed.commands['dmsetup.status'], code: 1, stderr: 'x\n' };
  const a = parseNode(failed).dm;
  assert.equal(a.failure, null);
  assert.equal(a.statusFailure, 'dmsetup exited 1: x');
  assert.equal(a.statusText, '');
  assert.ok(a.devices.length > 0);
  const short = fresh();
  short.commands['dmsetup.status'] = { ...short.commands['dmsetup.status'], stdout: '' };
  const b = parseNode(short).dm;
  assert.equal(b.failure, null);
  assert.match(
    b.statusFailure ?? '',
    /^dmsetup status disagrees with dmsetup info and table \(it has no multipath line for mpatha; it has no thin-pool line/,
  );
  assert.equal(b.statusText, '');
  assert.equal(b.info.length, 30);
  const whole = parseNode(fresh()).dm;
  assert.equal(whole.statusFailure, null);
  assert.equal(whole.statusText, demo.commands['dmsetup.status'].stdout);
});

test('parseNode: the LVM view of failed, missing or empty lvs and vgs', () => {
  const cases: [string, (s: HostSnapshot) => void, string | null, string | null, boolean][] = [
    ['both fine', () => {}, null, null, false],
    ['vgs not run', (s) => delete s.commands.vgs, null, 'vgs not run', false],
    [
      'vgs exit 5',
      (s) => {
        s.commands.vgs = { ...s.commands.vgs, code: 5, stderr: 'boom\n' };
      },
      null,
      'vgs exited 5: boom',
      false,
    ],
    [
      'vgs cut short',
      (s) => {
        s.commands.vgs = { ...s.commands.vgs, stdout: '  {\n      "report": [\n' };
      },
      null,
      'unreadable vgs output',
      false,
    ],
    ['lvs not run', (s) => delete s.commands.lvs, 'not run', null, false],
    [
      'lvs timed out',
      (s) => {
        s.commands.lvs = { ...s.commands.lvs, error: 'timeout', argv: ['lvs'] };
      },
      'lvs timed out',
      null,
      true,
    ],
    [
      'lvs cut short',
      (s) => {
        s.commands.lvs = { ...s.commands.lvs, stdout: '  {\n      "report": [\n' };
      },
      'unreadable lvs output',
      null,
      false,
    ],
    [
      'lvs empty while vgs counts LVs',
      (s) => {
        s.commands.lvs = { ...s.commands.lvs, stdout: JSON.stringify({ report: [{ lv: [] }] }) };
      },
      'lvs exited 0 with no LV while vgs counts',
      null,
      false,
    ],
  ];
  for (const [what, edit, lvsError, vgsError, timedOut] of cases) {
    const s = fresh();
    edit(s);
    const v = parseNode(s);
    const starts = (got: string | null, want: string | null) =>
      want === null ? got === null : (got ?? '').startsWith(want);
    assert.ok(starts(v.lvm.lvsError, lvsError), `${what}: ${v.lvm.lvsError}`);
    assert.ok(starts(v.lvm.vgsError, vgsError), `${what}: ${v.lvm.vgsError}`);
    assert.equal(v.lvm.lvs === null, lvsError !== null, what);
    assert.equal(v.lvm.vgs === null, vgsError !== null, what);
    assert.equal(v.lvm.lvsTimedOut, timedOut, what);
    // The maps are still believed: what lvs could not say is the LVM view's reason, not the DM view's.
    assert.equal(v.dm.failure, null, what);
    assert.equal(
      v.warnings.includes(`LVM view incomplete: ${v.lvm.lvsError}`),
      lvsError !== null,
      `${what}: ${v.warnings.join(' | ')}`,
    );
  }
});

test('parseNode: lvs warnings of a VG with a missing PV are said once, even with exit 0', () => {
  const cases: [string, string, string | null][] = [
    ['none', '', null],
    [
      'a PV lost',
      "  WARNING: Couldn't find device with uuid abc-def.\n  WARNING: VG pve is missing PV abc-def (last written to /dev/sdb).\n",
      "lvs: WARNING: Couldn't find device with uuid abc-def.",
    ],
    [
      'only the VG line',
      '  WARNING: VG san is missing PV x (last written to [unknown]).\n',
      'lvs: WARNING: VG san is missing PV x (last written to [unknown]).',
    ],
    ['another warning', '  WARNING: lvmetad is running but disabled.\n', null],
  ];
  for (const [what, stderr, want] of cases) {
    const s = fresh();
    s.commands.lvs = { ...s.commands.lvs, stderr };
    const w = parseNode(s).warnings.filter((x) => x.startsWith('lvs: '));
    assert.deepEqual(w, want === null ? [] : [want], what);
  }
});

test('parseNode: the maps clean removed and the LVs it deactivated are gone from the view', () => {
  const s = fresh();
  const name = 'pve-vm--150--disk--0';
  const since = {
    removedMaps: new Set([name]),
    deactivatedLvs: new Set(['pve/vm-150-disk-0']),
  };
  // As the node is now: the map gone from the kernel's list too (the capture is older).
  const v = parseNode(s, { since });
  assert.equal(v.dm.failure, null);
  assert.equal(
    v.dm.info.some((i) => i.name === name),
    false,
  );
  assert.equal(v.dm.tables.has(name), false);
  assert.equal(v.dm.deps.has(name), false);
  assert.equal(
    v.sysDm.some((e) => e.name === name),
    false,
  );
  assert.equal(v.sysDm.length, demo.sysDm.length - 1);
  // The captured `dmsetup status` is checked against the listing it was captured with: the removed map's
  // line in it is no disagreement (the thin pool and multipath lines stay believed).
  assert.equal(v.dm.statusFailure, null);
  assert.equal(v.dm.statusText, demo.commands['dmsetup.status'].stdout);
  const row = v.lvm.lvs?.find((r) => r.vg === 'pve' && r.name === 'vm-150-disk-0');
  assert.equal(row?.active, false);
  // Without `since` the same snapshot still shows it.
  assert.equal(
    parseNode(fresh()).dm.info.some((i) => i.name === name),
    true,
  );
  // The info rows read again just now replace the captured ones (the open count may differ).
  const info = parseNode(fresh()).dm.info.find((i) => i.name === 'pve-root');
  const now = parseNode(fresh(), {
    since: {
      removedMaps: new Set(),
      deactivatedLvs: new Set(),
      infoNow: new Map([['pve-root', { ...info!, open: 7 }]]),
    },
  });
  assert.equal(now.dm.info.find((i) => i.name === 'pve-root')?.open, 7);
  assert.equal(now.dm.failure, null);
});

// clean's narrow re-check parses the captured `dmsetup deps` text again without the maps it removed: the
// consistency check counts its lines (a line per map, view-consistency.ts), so exactly the lines of the
// removed maps go — of every removed map, whatever its number of dependencies, and never the line of
// another map whose name merely starts with a removed one's and ': ' (a hand-made `dmsetup create` name;
// lvm2 names carry no ':'), which the table and deps parsers resolve by the names `dmsetup info` lists.
test('parseNode: the deps lines of the maps clean removed are dropped, exactly those', () => {
  const COPY = 'pve-vm--150--disk--0: copy';
  const add = (s: HostSnapshot, key: string, line: string) => {
    s.commands[key] = { ...s.commands[key], stdout: `${s.commands[key].stdout.trimEnd()}\n${line}\n` };
  };
  const withCopy = (s: HostSnapshot) => {
    add(s, 'dmsetup.info', `${COPY}\t\tdm-40\t252\t40\tL--w\t0\t1\t0`);
    add(s, 'dmsetup.table', `${COPY}: 0 8388608 linear 8:3 2000000000`);
    add(s, 'dmsetup.deps', `${COPY}: 1 dependencies\t: (8, 3)`);
    add(s, 'dmsetup.status', `${COPY}: 0 8388608 linear`);
    s.sysDm.push({ kname: 'dm-40', name: COPY, uuid: '', dev: '252:40', holders: [], slaves: ['sda3'] });
  };
  // A striped LV over twelve PVs: `dmsetup deps` counts them in two digits.
  const twelve = (s: HostSnapshot) => {
    const pairs = Array.from({ length: 12 }, (_, i) => `(8, ${16 * (i + 1)})`).join(' ');
    s.commands['dmsetup.deps'] = {
      ...s.commands['dmsetup.deps'],
      stdout: s.commands['dmsetup.deps'].stdout.replace(
        'pve-vm--150--disk--0: 1 dependencies\t: (252, 5)',
        `pve-vm--150--disk--0: 12 dependencies\t: ${pairs}`,
      ),
    };
  };
  const cases: [string, (s: HostSnapshot) => void, string[], string[]][] = [
    ['two maps removed', () => {}, ['pve-vm--150--disk--0', 'pve-vm--140--disk--0'], []],
    ['a removed map with twelve dependencies', twelve, ['pve-vm--150--disk--0'], []],
    ["another map named after a removed one and ': '", withCopy, ['pve-vm--150--disk--0'], [COPY]],
  ];
  for (const [what, edit, removed, kept] of cases) {
    const s = fresh();
    edit(s);
    // As captured, the whole listing agrees with itself (the map with ': ' in its name resolved by the names info lists).
    const before = parseNode(s).dm;
    assert.equal(before.failure, null, what);
    assert.equal(before.statusFailure, null, what);
    for (const n of kept) assert.deepEqual(before.deps.get(n), ['8:3'], what);
    const lvsOf = removed.map((n) => `pve/${n.slice(4).replace(/--/g, '-')}`);
    const v = parseNode(s, { since: { removedMaps: new Set(removed), deactivatedLvs: new Set(lvsOf) } }).dm;
    assert.deepEqual([v.failure, v.statusFailure], [null, null], what);
    assert.deepEqual(
      removed.filter((n) => v.info.some((i) => i.name === n) || v.deps.has(n)),
      [],
      what,
    );
    for (const n of kept) assert.ok(v.info.some((i) => i.name === n) && v.deps.has(n), `${what}: ${n}`);
  }
});

test('parseNode: what the view carries over from the capture (PVE warnings, /dev links, device paths)', () => {
  const s = fresh();
  s.files['/etc/pve/.members'] = '{"nodename": "pve1",';
  s.links = { '/dev/disk/by-id/dm-name-pve-root': '../../dm-2' };
  s.devicePaths = { '/dev/disk/by-id/dm-name-pve-root': { path: '/dev/dm-2', devno: '252:2' } };
  const v = parseNode(s);
  assert.ok(
    v.warnings.some((w) => w.startsWith('/etc/pve/.members: ')),
    v.warnings.join(' | '),
  );
  assert.deepEqual(v.links, s.links);
  assert.deepEqual(v.devicePaths, s.devicePaths);
  // An older capture without them: no links, no device path table (null: not gathered, not "none").
  const old = fresh();
  delete old.links;
  delete old.devicePaths;
  const o = parseNode(old);
  assert.deepEqual([o.links, o.devicePaths], [{}, null]);
});

// lvs exited 0 with an empty report: the maps `dmsetup info` lists are asked when vgs could not be read
// (a map of an LV has an `LVM-` UUID: lvm2 lib/activate/dev_manager.c build_dm_uuid).
test('parseNode: an empty lvs report with vgs unread is checked against the maps dmsetup info lists', () => {
  const emptyLvs = (s: HostSnapshot) => {
    s.commands.lvs = { ...s.commands.lvs, stdout: JSON.stringify({ report: [{ lv: [] }] }) };
    s.commands.vgs = { ...s.commands.vgs, code: 5, stderr: 'locking failed\n' };
  };
  const cases: [string, (s: HostSnapshot) => void, RegExp | null][] = [
    [
      'LV maps listed: the empty report is not believed',
      emptyLvs,
      /^lvs exited 0 with no LV while device-mapper has maps of LVs/,
    ],
    [
      'dmsetup info not run: nothing contradicts it (the DM part says why it has no maps)',
      (s) => {
        emptyLvs(s);
        delete s.commands['dmsetup.info'];
      },
      null,
    ],
  ];
  for (const [what, edit, want] of cases) {
    const s = fresh();
    edit(s);
    const v = parseNode(s);
    if (want) assert.match(v.lvm.lvsError ?? '', want, what);
    else assert.deepEqual([v.lvm.lvsError, v.lvm.lvs], [null, []], what);
  }
});
