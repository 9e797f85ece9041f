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
import type { CommandOutput, HostSnapshot } from '../../src/core/snapshot';
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
