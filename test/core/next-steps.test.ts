// Next steps for a protected finding (src/core/cleanup/next-steps.ts): which map to keep, which is stale,
// and per class of protection the safe sequence ending in `pve-health clean`; never a destructive command.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { indexLiveMaps, nextStepsFor as stepsOf } from '../../src/core/cleanup/next-steps';
import { stepsText } from '../../src/core/vocab/next-step';
import type { DmEntry } from '../../src/core/vocab/types';
import { dmEntry } from '../helpers/dm-entry';

/** The steps as the sentence the JSON's hint carries, for an entry among `entries` (their own index each time). */
function nextStepsFor(e: DmEntry, entries: readonly DmEntry[], o: { shared: boolean }): string | null {
  const steps = stepsOf(e, indexLiveMaps(entries), o);
  return steps ? stepsText(steps) : null;
}

const DESTRUCTIVE = /pvesm free|lvremove|lvchange -an|dmsetup remove|--force|\bkill\b/;
const LIVE = dmEntry({
  name: 'pve-vm--110--disk--1',
  vg: 'pve',
  lv: 'vm-110-disk-1',
  vmid: 110,
  table: ['0 33554432 thin 252:5 10'],
});
const dup = (over: Partial<DmEntry>): DmEntry =>
  dmEntry({
    name: 'pve-vm--110--disk--1--copy',
    vg: 'pve',
    lv: 'vm-110-disk-1-copy',
    vmid: 110,
    guestType: 'lxc',
    status: 'duplicate',
    reason: 'same-target',
    table: ['0 33554432 thin 252:5 10'],
    protected: true,
    protectedBy: ['guest-running'],
    ...over,
  });

describe('next steps for protected findings', () => {
  const cases: { what: string; e: DmEntry; shared?: boolean; want: RegExp[]; none?: true }[] = [
    {
      what: 'same-target duplicate on a running CT: keep the map LVM knows, shut the CT down, then clean',
      e: dup({}),
      want: [
        /^keep pve-vm--110--disk--1 \(its name and UUID match LV pve\/vm-110-disk-1 in lvs\); pve-vm--110--disk--1--copy is the stale map; 1\) /,
        /1\) shut CT 110 down: pct shutdown 110; 2\) then \(it re-checks under PVE's locks\): pve-health clean --name pve-vm--110--disk--1--copy$/,
      ],
    },
    {
      what: 'on shared storage a running VM may be migrated instead',
      e: dup({ guestType: 'qemu', storage: 'san' }),
      shared: true,
      want: [
        /shut VM 110 down: qm shutdown 110; or move it to another node \(NODE\): qm migrate 110 NODE --online; 2\)/,
      ],
    },
    {
      what: 'stale map holding the name of an inactive LV: the LV has no map of its own',
      e: dup({
        name: 'vg--san-vm--121--disk--0',
        vg: 'vg-san',
        lv: 'vm-121-disk-0',
        vmid: 121,
        guestType: 'qemu',
        reason: 'stale-map',
        table: ['0 8 linear 8:16 2048'],
        protectedBy: ['open'],
        open: true,
        processes: [{ pid: 4242, command: 'dd' }],
      }),
      want: [
        /^LV vg-san\/vm-121-disk-0 has no map of its own here while vg--san-vm--121--disk--0 holds its name; vg--san-vm--121--disk--0 is the stale map; 1\) close/,
        /close what holds it \(dd\[4242\]\), stop that program or unmount it; see what holds it: dmsetup info -c vg--san-vm--121--disk--0; fuser -vm \/dev\/mapper\/vg--san-vm--121--disk--0; 2\)/,
      ],
    },
    {
      what: "renamed: the map is the LV's data under its old name",
      e: dup({ name: 'pve-vm--110--disk--1', lv: 'vm-111-disk-0', reason: 'renamed', table: ['0 8 thin 252:5 11'] }),
      want: [/pve-vm--110--disk--1 is the LV's map under its old name \(the data is the LV's\)/],
    },
    {
      what: 'a lock an interrupted operation left: unlock after the task log, then clean',
      e: dup({ protectedBy: ['stale-lock:create'] }),
      want: [/CT 110 is locked \(create\) and no task runs: check its task log, then: pct unlock 110; 2\)/],
    },
    {
      what: 'a partial VG: bring the PV back',
      e: dup({ protectedBy: ['vg-partial'] }),
      want: [/bring VG pve's missing PV back/],
    },
    {
      what: 'a pvmove: let it finish',
      e: dup({ protectedBy: ['pvmove'] }),
      want: [/let the pvmove in VG pve finish/],
    },
    {
      what: 'lvmlockd: never acted on, no clean step',
      e: dup({ protectedBy: ['lvmlockd'] }),
      want: [/^VG pve is shared through lvmlockd: pve-health does not act on it/],
    },
    {
      what: 'pending: its own hint says to wait',
      e: dup({ pending: true, protectedBy: ['task:qmrestore'] }),
      want: [],
      none: true,
    },
    { what: 'not protected: clean has a fix', e: dup({ protected: false, protectedBy: [] }), want: [], none: true },
    { what: 'a valid entry', e: dmEntry({ protected: true, protectedBy: ['open'] }), want: [], none: true },
  ];
  it('which map to keep, among decoys: the same LV name in another VG, a target as long as the same one', () => {
    const decoys = [
      // Another VG's LV of the same name: not the live map of a stale map in VG pve.
      dmEntry({ name: 'other-vm--121--disk--0', vg: 'other', lv: 'vm-121-disk-0', table: ['0 8 linear 8:32 2048'] }),
      // The same target length, another thin device; then one whose table maps the same as the duplicate.
      dmEntry({ name: 'pve-vm--112--disk--0', vg: 'pve', lv: 'vm-112-disk-0', table: ['0 33554432 thin 252:5 12'] }),
      // Valid, but a layer (it has a parent): never the map to keep.
      dmEntry({ name: 'pve-vm--110--disk--1-real', vg: 'pve', lv: 'vm-110-disk-1', parent: 'x', table: LIVE.table }),
    ];
    const target = dup({});
    const got = nextStepsFor(target, [...decoys, LIVE, target], { shared: false });
    assert.match(got ?? '', /^keep pve-vm--110--disk--1 \(/);
    const stale = dup({
      name: 'pve-vm--121--disk--0',
      lv: 'vm-121-disk-0',
      reason: 'stale-map',
      table: ['0 8 linear 8:16 2048'],
    });
    const live121 = dmEntry({
      name: 'pve-vm--121--disk--0-x',
      vg: 'pve',
      lv: 'vm-121-disk-0',
      table: ['0 8 linear 8:48 0'],
    });
    assert.match(
      nextStepsFor(stale, [...decoys, stale], { shared: false }) ?? '',
      /^LV pve\/vm-121-disk-0 has no map of its own/,
    );
    assert.match(
      nextStepsFor(stale, [...decoys, live121, stale], { shared: false }) ?? '',
      /^keep pve-vm--121--disk--0-x \(/,
    );
    // Tables of two segments: the live map maps the same extents from other sector offsets.
    const two = ['0 8 linear 8:16 2048', '8 8 linear 8:16 4096'];
    const liveTwo = dmEntry({
      name: 'pve-big',
      vg: 'pve',
      lv: 'big',
      table: ['0 8 linear 8:16 2048', '8 8 linear 8:16 4096'],
    });
    const otherTwo = dmEntry({
      name: 'pve-big2',
      vg: 'pve',
      lv: 'big2',
      table: ['0 8 linear 8:16 2048', '8 8 linear 8:16 4097'],
    });
    const dupTwo = dup({ name: 'pve-big-copy', lv: 'big-copy', table: two });
    assert.match(nextStepsFor(dupTwo, [otherTwo, liveTwo, dupTwo], { shared: false }) ?? '', /^keep pve-big \(/);
    // No valid map with the same targets: no map to keep is named.
    const alone = dup({ table: ['0 33554432 thin 252:5 99'] });
    assert.match(
      nextStepsFor(alone, [...decoys, LIVE, alone], { shared: false }) ?? '',
      /^pve-vm--110--disk--1--copy is the stale map/,
    );
  });
  it('one index of a list answers every duplicate of it as a fresh index does (built on first use, then reused)', () => {
    const byTarget = dup({});
    const byName = dup({
      name: 'pve-vm--110--disk--1--old',
      lv: 'vm-110-disk-1',
      reason: 'stale-map',
      table: ['0 8 zero'],
    });
    const entries = [LIVE, byTarget, byName];
    const shared = indexLiveMaps(entries);
    for (const e of [byTarget, byName, byTarget]) {
      const once = stepsOf(e, shared, { shared: false });
      assert.equal(once && stepsText(once), nextStepsFor(e, entries, { shared: false }));
    }
    assert.ok(shared.byTarget && shared.byLv, 'both indexes built by then, on the one object the caller holds');
  });
  for (const c of cases) {
    it(c.what, () => {
      const got = nextStepsFor(c.e, [LIVE, c.e], { shared: Boolean(c.shared) });
      if (c.none) return assert.equal(got, null);
      assert.ok(got);
      for (const re of c.want) assert.match(got, re);
      assert.doesNotMatch(got, DESTRUCTIVE);
    });
  }
});

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
describe('dm on the demo node: the running duplicate says what to do', () => {
  it('text and JSON carry the next steps', () => {
    const r = spawnSync(process.execPath, [join(REPO, 'dist/pve-health.cjs'), '--demo', 'dm', '--no-color'], {
      encoding: 'utf8',
    });
    assert.match(
      r.stdout,
      /local-lvm:vm-110-disk-1 {2}CT 110[\s\S]*?device-mapper pve-vm--110--disk--1--copy\n {4}no fix while it is protected \(guest-running\)\n {4}keep pve-vm--110--disk--1 \(its name and UUID match LV pve\/vm-110-disk-1 in lvs\); pve-vm--110--disk--1--copy is the stale map\n {4}1\) shut CT 110 down:\n {6}pct shutdown 110\n {4}2\) then \(it re-checks under PVE's locks\):\n {6}pve-health clean --name pve-vm--110--disk--1--copy\n/,
    );
    const doc = JSON.parse(
      spawnSync(process.execPath, [join(REPO, 'dist/pve-health.cjs'), '--demo', 'dm', '--json'], { encoding: 'utf8' })
        .stdout,
    );
    const e = doc.dm.entries.find((x: DmEntry) => x.name === 'pve-vm--110--disk--1--copy');
    assert.match(e.hint, /stale map; 1\) shut CT 110 down: pct shutdown 110;/);
    assert.deepEqual(
      e.steps.map((x: { command: string[] | null }) => x.command),
      [null, ['pct', 'shutdown', '110'], ['pve-health', 'clean', '--name', 'pve-vm--110--disk--1--copy']],
    );
    assert.equal(e.action, null);
  });
});

// Each step whole (words, argv, kind), so a change to a word, an argument or the order is a failure:
// every step is a command a person copies, and none of them removes data.
describe('next steps, step by step', () => {
  const steps = (e: DmEntry, entries: readonly DmEntry[] = [LIVE, e], shared = false) =>
    stepsOf(e, indexLiveMaps(entries), { shared });
  const step = (text: string, command: string[] | null = null) => ({
    kind: 'step',
    text,
    command,
    irreversible: false,
  });
  const CLEAN = (name: string, n: number) =>
    step(`${n}) then (it re-checks under PVE's locks)`, ['pve-health', 'clean', '--name', name]);

  it('a running CT on shared storage: shut it down or move it with --restart (a CT cannot migrate online)', () => {
    assert.deepEqual(steps(dup({ status: 'orphan', reason: 'guest-missing' }), undefined, true), [
      step('1) shut CT 110 down', ['pct', 'shutdown', '110']),
      step('or move it to another node (NODE)', ['pct', 'migrate', '110', 'NODE', '--restart']),
      CLEAN('pve-vm--110--disk--1--copy', 2),
    ]);
  });

  it('open and its guest running: shutting the guest down closes it, one group', () => {
    const e = dup({
      status: 'orphan',
      reason: 'guest-missing',
      guestType: 'qemu',
      protectedBy: ['guest-running', 'open'],
    });
    assert.deepEqual(steps(e), [step('1) shut VM 110 down', ['qm', 'shutdown', '110']), CLEAN(e.name, 2)]);
  });

  it('open by devices and programs: named; by nothing it can name: no list', () => {
    const e = dup({
      status: 'orphan',
      reason: 'lv-missing',
      protectedBy: ['open'],
      holders: ['dm-7', 'pve-x'],
      processes: [
        { pid: 42, command: 'dd' },
        { pid: 43, command: 'qemu-img' },
      ],
    });
    assert.deepEqual(steps(e), [
      step(
        '1) close what holds it (dm-7, pve-x, dd[42], qemu-img[43]), stop that program or unmount it; see what holds it',
        ['dmsetup', 'info', '-c', e.name],
      ),
      step('', ['fuser', '-vm', `/dev/mapper/${e.name}`]),
      CLEAN(e.name, 2),
    ]);
    assert.equal(
      steps({ ...e, holders: [], processes: [] })?.[0].text,
      '1) close what holds it, stop that program or unmount it; see what holds it',
    );
  });

  it('a lock of an operation and one an interrupted operation left, each with its unlock; a partial VG; a pvmove', () => {
    const e = dup({
      status: 'orphan',
      reason: 'guest-missing',
      guestType: 'qemu',
      protectedBy: ['lock:backup', 'stale-lock:create', 'vg-partial', 'pvmove'],
    });
    assert.deepEqual(steps(e), [
      step('1) VM 110 is locked (backup): check its task log, then', ['qm', 'unlock', '110']),
      step('2) VM 110 is locked (create) and no task runs: check its task log, then', ['qm', 'unlock', '110']),
      step("3) bring VG pve's missing PV back; see", ['pvs']),
      step('', ['vgs', '-o', '+vg_missing_pv_count', 'pve']),
      step('4) let the pvmove in VG pve finish; see', ['lvs', '-a', '-o', '+move_pv,copy_percent', 'pve']),
      CLEAN(e.name, 5),
    ]);
  });

  it('a map of no VG: the VG commands name none', () => {
    const e = dup({ status: 'orphan', reason: 'lv-missing', vg: null, protectedBy: ['vg-partial', 'pvmove'] });
    const got = steps(e) ?? [];
    assert.deepEqual(got[1].command, ['vgs', '-o', '+vg_missing_pv_count', '']);
    assert.deepEqual(got[2].command, ['lvs', '-a', '-o', '+move_pv,copy_percent', '']);
  });

  it('without a VMID nothing can be shut down or unlocked: nothing to say', () => {
    for (const protectedBy of [['guest-running'], ['lock:migrate'], ['stale-lock:create'], ['ha:started']])
      assert.equal(steps(dup({ vmid: null, protectedBy })), null, protectedBy.join());
    // A protection no step removes (an HA resource): nothing to say either.
    assert.equal(steps(dup({ protectedBy: ['ha:started'] })), null);
  });

  it('what is not its to say: a finding with a fix, a pending one, one not protected, one valid or unknown', () => {
    assert.equal(steps(dup({ action: { command: ['dmsetup', 'remove', 'x'], effect: 'x' } })), null);
    assert.equal(steps(dup({ pending: true })), null);
    assert.equal(steps(dup({ protected: false })), null);
    assert.equal(steps(dup({ status: 'valid' })), null);
    assert.equal(steps(dup({ status: 'unknown' })), null);
    assert.ok(steps(dup({ status: 'orphan' })), 'a protected orphan');
  });

  it('lvmlockd: one step, the lock manager status, whatever else protects it', () => {
    assert.deepEqual(steps(dup({ protectedBy: ['guest-running', 'lvmlockd'] })), [
      step('VG pve is shared through lvmlockd: pve-health does not act on it; ask the node that holds its lock', [
        'lvmlockctl',
        '-i',
      ]),
    ]);
  });

  it('which map: a duplicate first says it, an orphan does not', () => {
    const d = steps(dup({}));
    assert.deepEqual(
      d?.[0],
      step(
        'keep pve-vm--110--disk--1 (its name and UUID match LV pve/vm-110-disk-1 in lvs); pve-vm--110--disk--1--copy is the stale map',
      ),
    );
    assert.equal(steps(dup({ status: 'orphan' }))?.[0].text, '1) shut CT 110 down');
  });

  const which: [string, DmEntry, DmEntry[], string][] = [
    [
      'a same-target duplicate with an empty table',
      dup({ table: [] }),
      [LIVE],
      'pve-vm--110--disk--1--copy is the stale map',
    ],
    [
      'a same-target duplicate whose table line has no target (malformed)',
      dup({ table: ['0'] }),
      [dmEntry({ name: 'pve-odd', lv: 'odd', table: ['0'] })],
      'pve-vm--110--disk--1--copy is the stale map',
    ],
    [
      'a stale map of no VG',
      dup({ reason: 'stale-map', vg: null, lv: 'vm-110-disk-9' }),
      [],
      'pve-vm--110--disk--1--copy is the stale map',
    ],
    [
      'a renamed map whose LV has a map of its name',
      dup({ reason: 'renamed', lv: 'vm-110-disk-1' }),
      [LIVE],
      "keep pve-vm--110--disk--1 (its name and UUID match LV pve/vm-110-disk-1 in lvs); pve-vm--110--disk--1--copy is the LV's map under its old name (the data is the LV's)",
    ],
    [
      'a stale map: the live map of its LV is an inactive-LV entry, not a map',
      dup({ reason: 'stale-map', lv: 'vm-110-disk-1' }),
      [{ ...LIVE, kind: 'lv' }],
      'LV pve/vm-110-disk-1 has no map of its own here while pve-vm--110--disk--1--copy holds its name; pve-vm--110--disk--1--copy is the stale map',
    ],
    [
      'a stale map: the map of its LV is itself a finding',
      dup({ reason: 'stale-map', lv: 'vm-110-disk-1' }),
      [{ ...LIVE, status: 'orphan' }],
      'LV pve/vm-110-disk-1 has no map of its own here while pve-vm--110--disk--1--copy holds its name; pve-vm--110--disk--1--copy is the stale map',
    ],
    [
      'a same-target duplicate: the live map has two lines, the first the same',
      dup({ table: ['0 8 thin 252:5 10'] }),
      [dmEntry({ name: 'pve-two', lv: 'two', table: ['0 8 thin 252:5 10', '8 8 thin 252:5 11'] })],
      'pve-vm--110--disk--1--copy is the stale map',
    ],
    [
      'a same-target duplicate: a live map of one line that begins with its target',
      dup({ table: ['0 8 thin 252:5 1'] }),
      [dmEntry({ name: 'pve-ten', lv: 'ten', table: ['0 8 thin 252:5 10'] })],
      'pve-vm--110--disk--1--copy is the stale map',
    ],
    [
      'a same-target duplicate: the live map is found among maps of as long a target, other start sectors',
      dup({ table: ['0 8 thin 252:5 10'] }),
      [
        dmEntry({ name: 'pve-a', lv: 'a', table: ['0 8 thin 252:5 12'] }),
        dmEntry({ name: 'pve-b', lv: 'b', table: ['100 8 thin 252:5 10'] }),
      ],
      'keep pve-b (its name and UUID match LV pve/b in lvs); pve-vm--110--disk--1--copy is the stale map',
    ],
    [
      'two same-target duplicates of one live map',
      dup({ table: ['0 8 thin 252:5 10'] }),
      [dup({ name: 'pve-other-copy', table: ['0 8 thin 252:5 10'] }), LIVE],
      'keep pve-vm--110--disk--1 (its name and UUID match LV pve/vm-110-disk-1 in lvs); pve-vm--110--disk--1--copy is the stale map',
    ],
  ];
  it('which map: every live map of an LV name and every target of a length is kept in the index, the first in entry order', () => {
    // A stale map of pve's vm-121-disk-0: pve's map first, another VG's of that LV name after it.
    const stale = dup({
      name: 'pve-vm--121--disk--0--old',
      lv: 'vm-121-disk-0',
      reason: 'stale-map',
      table: ['0 8 zero'],
    });
    const mine = dmEntry({ name: 'pve-vm--121--disk--0', lv: 'vm-121-disk-0', table: ['0 8 linear 8:48 0'] });
    const theirs = dmEntry({
      name: 'other-vm--121--disk--0',
      vg: 'other',
      lv: 'vm-121-disk-0',
      table: ['0 8 linear 8:32 0'],
    });
    assert.match(steps(stale, [mine, theirs, stale])?.[0].text ?? '', /^keep pve-vm--121--disk--0 \(/);
    // Two same-target duplicates whose targets are as long: each finds its own live map.
    const d10 = dup({ table: ['0 8 thin 252:5 10'] });
    const d11 = dup({ name: 'pve-vm--111--disk--0--copy', table: ['0 8 thin 252:5 11'] });
    const live11 = dmEntry({ name: 'pve-vm--111--disk--0', lv: 'vm-111-disk-0', table: ['0 8 thin 252:5 11'] });
    const all = [d10, d11, LIVE, live11];
    assert.match(steps(d10, all)?.[0].text ?? '', /^keep pve-vm--110--disk--1 \(/);
    assert.match(steps(d11, all)?.[0].text ?? '', /^keep pve-vm--111--disk--0 \(/);
    // Two valid maps of that target: the first in entry order is named.
    const twin = dmEntry({ name: 'pve-twin', lv: 'twin', table: ['0 8 thin 252:5 10'] });
    assert.match(steps(d10, [LIVE, twin, d10])?.[0].text ?? '', /^keep pve-vm--110--disk--1 \(/);
  });
  for (const [what, e, others, want] of which)
    it(`which map: ${what}`, () => assert.equal(steps(e, [...others, e])?.[0].text, want));
});
