import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  actionFor,
  formatLvUuid,
  guestLocksOf,
  hintFor,
  matchesFilter,
  planCleanup,
} from '../../src/core/cleanup/plan-cleanup';
import type { DmEntry } from '../../src/core/types';
import { dmEntry } from '../helpers/dm-entry';

const VGID = 'Aaaaaa1111222233334444555566bbbbbb'.slice(0, 32);
const lvid = (n: number) => `Lvid${String(n).padStart(2, '0')}xxxxxxxxxxxxxxxxxxxxxxxxxx`.slice(0, 32);

function entry(p: Partial<DmEntry> & { name: string }): DmEntry {
  return dmEntry({
    sizeBytes: 1 << 30,
    majorMinor: '252:40',
    table: ['0 2097152 thin 252:3 7'],
    guestType: 'qemu',
    ...p,
  });
}

function lvEntry(lv: string, n: number, p: Partial<DmEntry> = {}): DmEntry {
  const vmid = Number(lv.match(/^vm-(\d+)-/)?.[1] ?? NaN);
  return entry({
    name: `pve-${lv.replace(/-/g, '--')}`,
    uuid: `LVM-${VGID}${lvid(n)}`,
    lv,
    lvUuid: formatLvUuid(lvid(n)),
    vmid: Number.isNaN(vmid) ? null : vmid,
    volume: `local-lvm:${lv}`,
    ...p,
  });
}

const orphanLv = lvEntry('vm-150-disk-0', 1, { status: 'orphan', reason: 'guest-missing', detail: 'no config' });
const unrefLv = lvEntry('vm-100-disk-2', 2, { status: 'orphan', reason: 'not-referenced', detail: 'not in 100.conf' });
const lvMissing = entry({
  name: 'pve-vm--103--disk--2',
  uuid: `LVM-${VGID}${lvid(3)}`,
  lv: 'vm-103-disk-2',
  vmid: 103,
  status: 'orphan',
  reason: 'lv-missing',
  detail: 'map without LV',
});
const stale = lvEntry('vm-101-disk-0', 4, { status: 'duplicate', reason: 'stale-map', uuid: `LVM-${VGID}${lvid(9)}` });
const valid = lvEntry('vm-100-disk-0', 5, { open: true, openCount: 1 });

describe('planCleanup', () => {
  it('orders duplicates before orphans and picks the least destructive fix', () => {
    const plan = planCleanup([orphanLv, valid, lvMissing, stale, unrefLv]);
    assert.deepEqual(
      plan.actions.map((a) => [a.name, a.kind]),
      [
        ['pve-vm--101--disk--0', 'dm-remove'],
        ['pve-vm--100--disk--2', 'lv-deactivate'],
        ['pve-vm--103--disk--2', 'dm-remove'],
        ['pve-vm--150--disk--0', 'lv-deactivate'],
      ],
    );
    assert.deepEqual(plan.actions[0].command, ['dmsetup', 'remove', '--retry', '-u', stale.uuid]);
    assert.deepEqual(plan.actions[3].command, [
      'lvchange',
      '-an',
      '--select',
      `lv_uuid=${formatLvUuid(lvid(1))}`,
      'pve/vm-150-disk-0',
    ]);
    for (const a of plan.actions) {
      assert.ok(!a.command.includes('--force') && !a.command.includes('-f'), a.command.join(' '));
      assert.notEqual(a.command[0], 'lvremove');
    }
  });

  const never: [string, DmEntry][] = [
    ['protected (running)', { ...orphanLv, protected: true, protectedBy: ['guest-running'] }],
    ['pending (task)', { ...orphanLv, pending: true, protected: true, protectedBy: ['task:qmrestore'] }],
    [
      'open by a process',
      {
        ...lvMissing,
        open: true,
        openCount: 1,
        protected: true,
        protectedBy: ['open'],
        processes: [{ pid: 9, command: 'dd' }],
      },
    ],
    ['unknown', { ...orphanLv, status: 'unknown', reason: 'vg-partial' }],
    ['valid', valid],
    ['ignored', { ...valid, status: 'ignored', reason: 'thin-pool-layer' }],
    ['inactive LV (no map)', { ...orphanLv, kind: 'lv', active: false, uuid: '', reason: 'inactive-leftover' }],
    ['saferemove leftover', { ...orphanLv, reason: 'saferemove-leftover' }],
    ['no lv uuid', { ...orphanLv, lvUuid: null }],
    ['map without uuid or devno', { ...lvMissing, uuid: '', majorMinor: undefined }],
  ];
  for (const [what, e] of never) {
    it(`never acts on: ${what}`, () => {
      const plan = planCleanup([e]);
      assert.equal(plan.actions.length, 0);
      assert.equal(actionFor(e), null);
      if (e.status !== 'valid' && e.status !== 'ignored') assert.equal(plan.skipped.length, 1);
    });
  }

  // dm-flags marks every pending entry protected too, so the planner's own pending check is a second net
  // that the "protected" check would hide: here the entries are pending and not protected, as an input
  // that breaks that habit would be. Each must be skipped for being pending, never planned.
  const pendingOnly: [string, DmEntry][] = [
    ['guest-missing LV (task)', { ...orphanLv, pending: true, protectedBy: ['task:qmmove'] }],
    ['lv-missing map (HA migration)', { ...lvMissing, pending: true, protectedBy: ['ha:migrate'] }],
    ['stale map (lock under way)', { ...stale, pending: true, protectedBy: ['lock'] }],
    ['pending without a named operation', { ...unrefLv, pending: true, protectedBy: [] }],
  ];
  for (const [what, e] of pendingOnly) {
    it(`pending alone, not protected, is never acted on: ${what}`, () => {
      const plan = planCleanup([e]);
      assert.deepEqual(plan.actions, []);
      assert.equal(actionFor(e), null);
      assert.equal(plan.skipped.length, 1);
      assert.match(plan.skipped[0].why, /^pending: /);
    });
  }

  it('a pending kpartx child keeps itself and its parent (open only by it) off the plan', () => {
    const parent = { ...lvMissing, open: true, openCount: 1, holders: ['pve-vm--103--disk--2p1'] };
    const child = entry({
      name: 'pve-vm--103--disk--2p1',
      uuid: `part1-${lvMissing.uuid}`,
      parent: lvMissing.name,
      status: 'orphan',
      reason: 'lv-missing',
      majorMinor: '252:90',
      pending: true,
      protectedBy: ['task:qmrestore'],
    });
    const plan = planCleanup([parent, child]);
    assert.deepEqual(plan.actions, []);
    assert.match(plan.skipped.find((s) => s.name === child.name)?.why ?? '', /pending: task:qmrestore/);
  });

  it('a pending parent open only by its partitions is not removed with them', () => {
    const parent = {
      ...lvMissing,
      open: true,
      openCount: 1,
      pending: true,
      protectedBy: ['open'],
      holders: ['pve-vm--103--disk--2p1'],
    };
    const child = entry({
      name: 'pve-vm--103--disk--2p1',
      uuid: `part1-${lvMissing.uuid}`,
      parent: lvMissing.name,
      status: 'orphan',
      reason: 'lv-missing',
      majorMinor: '252:90',
    });
    const plan = planCleanup([child, parent]);
    assert.deepEqual(plan.actions, []);
    assert.match(plan.skipped.find((s) => s.name === parent.name)?.why ?? '', /^pending: /);
  });

  const vgStates: [string, Record<string, object>][] = [
    ['partial', { pve: { partial: true } }],
    ['pvmove', { pve: { pvmove: true } }],
    ['lvmlockd', { pve: { lvmlockd: true } }],
  ];
  for (const [what, vgs] of vgStates) {
    it(`never acts in a VG that is ${what}`, () => {
      const plan = planCleanup([orphanLv, lvMissing, stale], { vgs });
      assert.equal(plan.actions.length, 0);
      assert.equal(plan.skipped.length, 3);
      assert.match(plan.skipped[0].why, new RegExp(what));
    });
  }

  it('a map without UUID is removed by major:minor', () => {
    const e = { ...lvMissing, uuid: '', majorMinor: '252:77' };
    assert.deepEqual(planCleanup([e]).actions[0].command, ['dmsetup', 'remove', '--retry', '-j', '252', '-m', '77']);
  });

  it('removes kpartx children right before their parent, even when they keep it open', () => {
    const parent = {
      ...lvMissing,
      open: true,
      openCount: 1,
      protected: true,
      protectedBy: ['open'],
      holders: ['pve-vm--103--disk--2p1'],
    };
    const child = entry({
      name: 'pve-vm--103--disk--2p1',
      uuid: `part1-${lvMissing.uuid}`,
      parent: lvMissing.name,
      status: 'orphan',
      reason: 'lv-missing',
      majorMinor: '252:90',
    });
    const plan = planCleanup([child, stale, parent]);
    assert.deepEqual(
      plan.actions.map((a) => a.name),
      ['pve-vm--101--disk--0', 'pve-vm--103--disk--2p1', 'pve-vm--103--disk--2'],
    );
    assert.deepEqual(plan.actions[1].command, ['dmsetup', 'remove', '--retry', '-u', child.uuid]);
  });

  it('an open kpartx child keeps its parent: neither is planned', () => {
    const parent = {
      ...lvMissing,
      open: true,
      openCount: 1,
      protected: true,
      protectedBy: ['open'],
      holders: ['pve-vm--103--disk--2p1'],
    };
    const child = entry({
      name: 'pve-vm--103--disk--2p1',
      uuid: `part1-${lvMissing.uuid}`,
      parent: lvMissing.name,
      status: 'orphan',
      reason: 'lv-missing',
      open: true,
      openCount: 1,
      protected: true,
      protectedBy: ['open'],
    });
    const plan = planCleanup([parent, child]);
    assert.equal(plan.actions.length, 0);
    assert.deepEqual(plan.skipped.map((s) => s.name).sort(), [child.name, parent.name].sort());
  });

  it('a parent held open by something besides its partitions stays', () => {
    const parent = {
      ...lvMissing,
      open: true,
      openCount: 2,
      protected: true,
      protectedBy: ['open'],
      holders: ['pve-vm--103--disk--2p1'],
    };
    const child = entry({
      name: 'pve-vm--103--disk--2p1',
      uuid: `part1-${lvMissing.uuid}`,
      parent: lvMissing.name,
      status: 'orphan',
      reason: 'lv-missing',
    });
    assert.equal(planCleanup([parent, child]).actions.length, 0);
  });

  it('filters by vmid, reason and name; nothing without a filter', () => {
    const all = [orphanLv, unrefLv, lvMissing, stale];
    const names = (f: object) => planCleanup(all, {}, f).actions.map((a) => a.name);
    assert.deepEqual(names({ vmids: [150] }), ['pve-vm--150--disk--0']);
    assert.deepEqual(names({ reasons: ['lv-missing', 'stale-map'] }), ['pve-vm--101--disk--0', 'pve-vm--103--disk--2']);
    assert.deepEqual(names({ names: ['pve/vm-100-disk-2'] }), ['pve-vm--100--disk--2']);
    assert.deepEqual(names({ names: ['pve-vm--150--disk--0'], vmids: [100] }), []);
    assert.deepEqual(names({}), []);
    assert.equal(matchesFilter(orphanLv, { all: true }), true);
  });
});

describe('hintFor', () => {
  it('suggests rescan, and pvesm free only on local unreferenced non-chain volumes', () => {
    assert.match(hintFor(unrefLv)!, /qm disk rescan --vmid 100/);
    assert.match(hintFor(unrefLv)!, /pvesm free local-lvm:vm-100-disk-2/);
    assert.match(hintFor(orphanLv)!, /create guest 150 again/);
    assert.match(hintFor({ ...unrefLv, guestType: 'lxc' })!, /pct rescan --vmid 100/);
  });
  const noFree: [string, DmEntry, object][] = [
    ['shared storage', { ...unrefLv, storage: 'san' }, { sharedStorages: ['san'] }],
    ['referenced elsewhere', unrefLv, { referenced: ['pve/vm-100-disk-2'] }],
    ['chain member', unrefLv, { chainMembers: ['pve/vm-100-disk-2'] }],
    ['qcow2 name', { ...unrefLv, lv: 'vm-100-disk-2.qcow2', volume: 'san:vm-100-disk-2.qcow2' }, {}],
    ['guest on other node', { ...unrefLv, reason: 'guest-on-other-node', guestNode: 'pve2' }, {}],
  ];
  for (const [what, e, ctx] of noFree) {
    it(`no pvesm free for ${what}`, () => {
      const h = hintFor(e, ctx) ?? '';
      assert.doesNotMatch(h, /pvesm free/);
    });
  }
  it('plan carries the hint on lv-deactivate actions only', () => {
    const plan = planCleanup([unrefLv, lvMissing]);
    assert.ok(plan.actions.find((a) => a.kind === 'lv-deactivate')!.hint);
    assert.equal(plan.actions.find((a) => a.kind === 'dm-remove')!.hint, undefined);
  });
});

describe('formatLvUuid', () => {
  it('hyphenates 6-4-4-4-4-4-6 like lvs', () => {
    assert.equal(formatLvUuid('abcdef0123456789ABCDEFGHIJKLmnop'), 'abcdef-0123-4567-89AB-CDEF-GHIJ-KLmnop');
    assert.equal(formatLvUuid('abcdef-0123-4567-89AB-CDEF-GHIJ-KLmnop'), 'abcdef-0123-4567-89AB-CDEF-GHIJ-KLmnop');
  });
});

describe('guest locks of an action', () => {
  it('its own VMID and every guest on this node that names the volume, ascending, once each', () => {
    const e = lvEntry('vm-303-disk-0', 9, {
      status: 'duplicate',
      reason: 'stale-map',
      guests: [
        { vmid: 320, type: 'qemu', node: 'pve1' },
        { vmid: 303, type: 'qemu', node: 'pve1' },
        { vmid: 150, type: 'lxc', node: 'pve1' },
        { vmid: 400, type: 'qemu', node: 'pve2' },
      ],
    });
    assert.deepEqual(guestLocksOf(e, 'pve1'), [
      { vmid: 150, type: 'lxc' },
      { vmid: 303, type: 'qemu' },
      { vmid: 320, type: 'qemu' },
    ]);
    const planned = planCleanup([e], { node: 'pve1' }).actions[0];
    assert.deepEqual(
      planned.guestLocks.map((g) => g.vmid),
      [150, 303, 320],
    );
  });
  it('a volume no config names: the VMID of its name (type unknown when the guest is gone)', () => {
    assert.deepEqual(guestLocksOf(lvEntry('vm-150-disk-0', 1, { guestType: null }), 'pve1'), [
      { vmid: 150, type: null },
    ]);
  });
});
