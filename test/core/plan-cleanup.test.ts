import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  actionFor,
  adviceFor,
  CLEANABLE_REASONS,
  formatLvUuid,
  guestLocksOf,
  hintFor,
  isPartition,
  matchesFilter,
  parentHint,
  planCleanup,
} from '../../src/core/cleanup/plan-cleanup';
import type { DmEntry } from '../../src/core/vocab/types';
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

/** lvMissing held open by its kpartx partition map, and that map (`parent`/`child` add to or override each). */
function partitioned(parent: Partial<DmEntry>, child: Partial<DmEntry> = {}): { parent: DmEntry; child: DmEntry } {
  return {
    parent: { ...lvMissing, open: true, openCount: 1, holders: ['pve-vm--103--disk--2p1'], ...parent },
    child: entry({
      name: 'pve-vm--103--disk--2p1',
      uuid: `part1-${lvMissing.uuid}`,
      parent: lvMissing.name,
      status: 'orphan',
      reason: 'lv-missing',
      ...child,
    }),
  };
}
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
      assert.equal(plan.skipped.length, e.status !== 'valid' && e.status !== 'ignored' ? 1 : 0);
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
    const { parent, child } = partitioned({}, { majorMinor: '252:90', pending: true, protectedBy: ['task:qmrestore'] });
    const plan = planCleanup([parent, child]);
    assert.deepEqual(plan.actions, []);
    assert.match(plan.skipped.find((s) => s.name === child.name)?.why ?? '', /pending: task:qmrestore/);
  });

  it('a pending parent open only by its partitions is not removed with them', () => {
    const { parent, child } = partitioned({ pending: true, protectedBy: ['open'] }, { majorMinor: '252:90' });
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
    const { parent, child } = partitioned({ protected: true, protectedBy: ['open'] }, { majorMinor: '252:90' });
    const plan = planCleanup([child, stale, parent]);
    assert.deepEqual(
      plan.actions.map((a) => a.name),
      ['pve-vm--101--disk--0', 'pve-vm--103--disk--2p1', 'pve-vm--103--disk--2'],
    );
    assert.deepEqual(plan.actions[1].command, ['dmsetup', 'remove', '--retry', '-u', child.uuid]);
  });

  it('an open kpartx child keeps its parent: neither is planned', () => {
    const { parent, child } = partitioned(
      { protected: true, protectedBy: ['open'] },
      { open: true, openCount: 1, protected: true, protectedBy: ['open'] },
    );
    const plan = planCleanup([parent, child]);
    assert.equal(plan.actions.length, 0);
    assert.deepEqual(plan.skipped.map((s) => s.name).sort(), [child.name, parent.name].sort());
  });

  it('a parent held open by something besides its partitions stays', () => {
    const { parent, child } = partitioned({ openCount: 2, protected: true, protectedBy: ['open'] });
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
  it('a map of no VMID: the guests that name it; no node known: every guest that names it; none: its own', () => {
    const guests = [
      { vmid: 120, type: 'qemu' as const, node: 'pve1' },
      { vmid: 121, type: 'lxc' as const, node: 'pve2' },
    ];
    assert.deepEqual(guestLocksOf(entry({ name: 'x', vmid: null, guests }), 'pve1'), [{ vmid: 120, type: 'qemu' }]);
    assert.deepEqual(guestLocksOf(entry({ name: 'x', vmid: null, guests }), undefined), [
      { vmid: 120, type: 'qemu' },
      { vmid: 121, type: 'lxc' },
    ]);
    assert.deepEqual(guestLocksOf(lvEntry('vm-150-disk-0', 1), undefined), [{ vmid: 150, type: 'qemu' }]);
  });
  it('a volume no config names: the VMID of its name (type unknown when the guest is gone)', () => {
    assert.deepEqual(guestLocksOf(lvEntry('vm-150-disk-0', 1, { guestType: null }), 'pve1'), [
      { vmid: 150, type: null },
    ]);
  });
});

// What clean will do, whole: each action as the executor and the journal read it, and each finding it
// leaves with the reason the plan prints.
describe('planCleanup: each action whole', () => {
  it('a map without LV, a stale map and a guest-missing LV: the argv, the words, the identity, the locks', () => {
    const ctx = { node: 'pve1', sharedStorages: ['san'] };
    const plan = planCleanup([orphanLv, lvMissing, stale], ctx);
    const common = { storage: 'local-lvm', storageShared: false, table: ['0 2097152 thin 252:3 7'], parent: null };
    assert.deepEqual(plan.actions, [
      {
        ...common,
        kind: 'dm-remove',
        name: 'pve-vm--101--disk--0',
        uuid: stale.uuid,
        reason: 'stale-map',
        status: 'duplicate',
        why: '',
        effect: 'remove map pve-vm--101--disk--0; no LV is touched',
        command: ['dmsetup', 'remove', '--retry', '-u', stale.uuid],
        hint: undefined,
        steps: undefined,
        vg: 'pve',
        lv: 'vm-101-disk-0',
        lvUuid: formatLvUuid(lvid(4)),
        vmid: 101,
        guestType: 'qemu',
        guestLocks: [{ vmid: 101, type: 'qemu' }],
        majorMinor: '252:40',
      },
      {
        ...common,
        kind: 'dm-remove',
        name: 'pve-vm--103--disk--2',
        uuid: lvMissing.uuid,
        reason: 'lv-missing',
        status: 'orphan',
        why: 'map without LV',
        effect: 'remove map pve-vm--103--disk--2 (no LV behind it); no LV is touched',
        command: ['dmsetup', 'remove', '--retry', '-u', lvMissing.uuid],
        hint: undefined,
        steps: undefined,
        vg: 'pve',
        lv: 'vm-103-disk-2',
        lvUuid: null,
        vmid: 103,
        guestType: 'qemu',
        guestLocks: [{ vmid: 103, type: 'qemu' }],
        majorMinor: '252:40',
      },
      {
        ...common,
        kind: 'lv-deactivate',
        name: 'pve-vm--150--disk--0',
        uuid: orphanLv.uuid,
        reason: 'guest-missing',
        status: 'orphan',
        why: 'no config',
        effect: 'deactivate LV pve/vm-150-disk-0 (removes its map; the data stays in the VG)',
        command: ['lvchange', '-an', '--select', `lv_uuid=${formatLvUuid(lvid(1))}`, 'pve/vm-150-disk-0'],
        hint: hintFor(orphanLv, ctx),
        steps: adviceFor(orphanLv, ctx),
        vg: 'pve',
        lv: 'vm-150-disk-0',
        lvUuid: formatLvUuid(lvid(1)),
        vmid: 150,
        guestType: 'qemu',
        guestLocks: [{ vmid: 150, type: 'qemu' }],
        majorMinor: '252:40',
      },
    ]);
    assert.match(plan.actions[2].hint ?? '', /pvesm free local-lvm:vm-150-disk-0/);
  });

  it('on a shared storage the action says so (its lock is the cluster lock); what the entry lacks is null', () => {
    const bare = dmEntry({
      name: 'san-vm--160--disk--0',
      uuid: `LVM-${VGID}${lvid(6)}`,
      vg: 'san',
      storage: 'san',
      vmid: 160,
      status: 'orphan',
      reason: 'lv-missing',
    });
    const [a] = planCleanup([bare], { sharedStorages: ['san'] }).actions;
    assert.equal(a.storageShared, true);
    assert.deepEqual([a.guestType, a.majorMinor, a.table, a.lvUuid], [null, null, [], null]);
    assert.equal(planCleanup([bare], { sharedStorages: ['local-lvm'] }).actions[0].storageShared, false);
    assert.equal(
      planCleanup([{ ...bare, storage: null }], { sharedStorages: ['san'] }).actions[0].storageShared,
      false,
    );
  });

  it('a kpartx map whose parent is not known is still named a partition map', () => {
    const lone = entry({
      name: 'pve-vm--103--disk--2p1',
      uuid: `part1-${lvMissing.uuid}`,
      status: 'orphan',
      reason: 'lv-missing',
    });
    assert.equal(
      planCleanup([lone]).actions[0].effect,
      'remove partition map pve-vm--103--disk--2p1 (kpartx child of its parent)',
    );
    assert.deepEqual(actionFor(lone), {
      command: ['dmsetup', 'remove', '--retry', '-u', lone.uuid],
      effect: 'remove partition map pve-vm--103--disk--2p1 (kpartx child of its parent)',
    });
  });
});

describe('planCleanup: what stays, and why', () => {
  const why = (e: DmEntry, ctx: object = {}) => planCleanup([e], ctx).skipped.map((s) => s.why);
  const cases: [string, DmEntry, object, string][] = [
    [
      'unknown',
      { ...lvMissing, status: 'unknown', reason: 'vg-partial' },
      {},
      'unknown: the tool cannot decide safely',
    ],
    [
      'pending, named',
      { ...orphanLv, pending: true, protectedBy: ['task:qmmove', 'open'] },
      {},
      'pending: task:qmmove, open',
    ],
    ['pending, unnamed', { ...orphanLv, pending: true }, {}, 'pending: a PVE operation is under way'],
    [
      'protected, named',
      { ...orphanLv, protected: true, protectedBy: ['guest-running'] },
      {},
      'protected: guest-running',
    ],
    ['protected, unnamed', { ...orphanLv, protected: true }, {}, 'protected: in use'],
    ['a partial VG', lvMissing, { vgs: { pve: { partial: true } } }, 'VG pve is partial (a PV is missing)'],
    ['a pvmove', lvMissing, { vgs: { pve: { pvmove: true } } }, 'VG pve has a pvmove in progress'],
    ['lvmlockd', lvMissing, { vgs: { pve: { lvmlockd: true } } }, 'VG pve is shared through lvmlockd'],
    ['a VG lvm does not report', lvMissing, { vgs: { pve: { missing: true } } }, 'VG pve is not reported by lvm'],
    [
      'an inactive LV',
      { ...orphanLv, kind: 'lv', active: false },
      {},
      'no map to remove; the LV is inactive (see the hint to attach or free it)',
    ],
    [
      'a map of neither UUID nor devno',
      { ...lvMissing, uuid: '', majorMinor: undefined },
      {},
      'map has neither UUID nor major:minor',
    ],
    [
      'a map whose devno is unreadable',
      { ...lvMissing, uuid: '', majorMinor: '252' },
      {},
      'map has neither UUID nor major:minor',
    ],
    // DmEntry.majorMinor is `<major>:<minor>` from dmsetup info: anything else names no device to remove.
    [
      'a devno with more after it',
      { ...lvMissing, uuid: '', majorMinor: '252:40:1' },
      {},
      'map has neither UUID nor major:minor',
    ],
    [
      'a devno with more before it',
      { ...lvMissing, uuid: '', majorMinor: '1:252:40' },
      {},
      'map has neither UUID nor major:minor',
    ],
    [
      'protected by two',
      { ...orphanLv, protected: true, protectedBy: ['guest-running', 'ha:started'] },
      {},
      'protected: guest-running, ha:started',
    ],
    ['an LV without its VG', { ...orphanLv, vg: null }, {}, 'LV identity (VG, LV, LV UUID) unknown'],
    ['an LV without its name', { ...orphanLv, lv: null }, {}, 'LV identity (VG, LV, LV UUID) unknown'],
    ['an LV without its UUID', { ...orphanLv, lvUuid: null }, {}, 'LV identity (VG, LV, LV UUID) unknown'],
    [
      'a saferemove leftover',
      { ...orphanLv, reason: 'saferemove-leftover' },
      {},
      'no automatic fix for saferemove-leftover',
    ],
  ];
  for (const [what, e, ctx, want] of cases) it(`${what}: ${want}`, () => assert.deepEqual(why(e, ctx), [want]));

  it('a VG that is safe, or another VG that is not, or a map of no VG: acted on', () => {
    const safe = { partial: false, pvmove: false, lvmlockd: false, missing: false };
    assert.equal(planCleanup([lvMissing], { vgs: { pve: safe } }).actions.length, 1);
    assert.equal(planCleanup([lvMissing], { vgs: { other: { partial: true } } }).actions.length, 1);
    assert.equal(planCleanup([{ ...lvMissing, vg: null }], { vgs: { pve: { partial: true } } }).actions.length, 1);
    // lvm2 allows a VG named "null": a map of no VG is not in it.
    assert.equal(planCleanup([{ ...lvMissing, vg: null }], { vgs: { null: { partial: true } } }).actions.length, 1);
  });

  it('the skipped findings in plan order: duplicates, orphans, unknowns, each by name', () => {
    const u = (name: string): DmEntry => ({ ...lvMissing, name, status: 'unknown', reason: 'vg-partial' });
    const p = (e: DmEntry, name: string) => ({ ...e, name, protected: true, protectedBy: ['open'] });
    // Names that sort the other way round: the status decides first.
    const plan = planCleanup([
      u('a-u-b'),
      p(orphanLv, 'm-o-b'),
      u('a-u-a'),
      p(stale, 'z-d-b'),
      p(orphanLv, 'm-o-a'),
      p(stale, 'z-d-a'),
    ]);
    assert.deepEqual(
      plan.skipped.map((s) => [s.name, s.status]),
      [
        ['z-d-a', 'duplicate'],
        ['z-d-b', 'duplicate'],
        ['m-o-a', 'orphan'],
        ['m-o-b', 'orphan'],
        ['a-u-a', 'unknown'],
        ['a-u-b', 'unknown'],
      ],
    );
    assert.deepEqual(plan.skipped[0], {
      name: 'z-d-a',
      status: 'duplicate',
      reason: 'stale-map',
      why: 'protected: open',
    });
  });

  it('CLEANABLE_REASONS: the map reasons, then the LV reasons', () => {
    assert.deepEqual(CLEANABLE_REASONS, [
      'lv-missing',
      'stale-map',
      'renamed',
      'same-target',
      'guest-missing',
      'guest-on-other-node',
      'not-referenced',
      'snapshot-missing',
    ]);
  });
});

describe('kpartx partitions: the parent is open only by them, or it stays', () => {
  const PARENT = 'pve-vm--103--disk--2';
  const part = (n: number, p: Partial<DmEntry> = {}) =>
    entry({
      name: `${PARENT}p${n}`,
      uuid: `part${n}-${lvMissing.uuid}`,
      parent: PARENT,
      status: 'orphan',
      reason: 'lv-missing',
      majorMinor: `252:9${n}`,
      ...p,
    });
  const parent = (n: number, p: Partial<DmEntry> = {}): DmEntry => ({
    ...lvMissing,
    open: true,
    openCount: n,
    protected: true,
    protectedBy: ['open'],
    holders: Array.from({ length: n }, (_, i) => `${PARENT}p${i + 1}`),
    ...p,
  });
  const planned = (all: DmEntry[], ctx: object = {}) => planCleanup(all, ctx).actions.map((a) => a.name);

  it('two partitions holding it twice: both, then the parent; each partition says whose it is', () => {
    const plan = planCleanup([parent(2), part(1), part(2)]);
    assert.deepEqual(
      plan.actions.map((a) => [a.name, a.kind, a.why, a.effect]),
      [
        [
          `${PARENT}p1`,
          'dm-remove',
          `partition map on ${PARENT}, which is orphan (lv-missing)`,
          `remove partition map ${PARENT}p1 (kpartx child of ${PARENT})`,
        ],
        [
          `${PARENT}p2`,
          'dm-remove',
          `partition map on ${PARENT}, which is orphan (lv-missing)`,
          `remove partition map ${PARENT}p2 (kpartx child of ${PARENT})`,
        ],
        [PARENT, 'dm-remove', 'map without LV', `remove map ${PARENT} (no LV behind it); no LV is touched`],
      ],
    );
    assert.deepEqual(plan.skipped, []);
  });

  const stays: [string, DmEntry, DmEntry[]][] = [
    ['held once more than its partitions', parent(1, { openCount: 2 }), [part(1)]],
    ['held by a device that is not its partition', parent(1, { holders: [`${PARENT}p1`, 'dm-crypt-x'] }), [part(1)]],
    ['held by a process too', parent(1, { processes: [{ pid: 7, command: 'qemu-img' }] }), [part(1)]],
    ['its guest runs', parent(1, { protectedBy: ['open', 'guest-running'] }), [part(1)]],
    ['its holder is a partition map of another disk', parent(1), [part(1, { parent: 'other' })]],
    ['its holder is a map that is no kpartx partition', parent(1), [part(1, { uuid: `LVM-${VGID}${lvid(7)}` })]],
    ['its holder is an LV entry, not a map', parent(1), [part(1, { kind: 'lv' })]],
    // Protected, though not open: its partitions do not explain what protects it.
    ['it is protected but not open', parent(1, { open: false, openCount: 0, protectedBy: [] }), [part(1)]],
    // Open with no holder listed and no count read: nothing says its partitions are all that holds it.
    ['it is open with no holder listed', parent(0), []],
  ];
  for (const [what, p, children] of stays) {
    it(`the parent stays when ${what}`, () => {
      assert.equal(planned([p, ...children]).includes(PARENT), false, what);
      assert.equal(actionFor(p, {}, [p, ...children]), null);
      assert.equal(parentHint(p, {}, [p, ...children]), null);
    });
  }

  const blocked: [string, Partial<DmEntry>, object, string][] = [
    [
      'pending',
      { pending: true, protectedBy: ['task:qmrestore', 'lock:create'] },
      {},
      'pending: task:qmrestore, lock:create',
    ],
    ['open', { open: true, openCount: 1 }, {}, 'partition map is open (1)'],
    ['held by a device', { holders: ['dm-20'] }, {}, 'partition map is open (0)'],
    ['held by a process', { processes: [{ pid: 8, command: 'mount' }] }, {}, 'partition map is open (0)'],
    [
      'protected',
      { protected: true, protectedBy: ['guest-running', 'ha:started'] },
      {},
      'protected: guest-running, ha:started',
    ],
    ['in an unsafe VG', { vg: 'other' }, { vgs: { other: { pvmove: true } } }, 'VG other has a pvmove in progress'],
  ];
  for (const [what, over, ctx, want] of blocked) {
    it(`a partition ${what} keeps itself and the parent: "${want}"`, () => {
      const kids = [part(1), part(2, over)];
      const all = [parent(2), ...kids];
      const plan = planCleanup(all, ctx);
      assert.deepEqual(plan.actions, []);
      assert.deepEqual(plan.skipped, [
        { name: `${PARENT}p2`, status: 'orphan', reason: 'lv-missing', why: want },
        { name: PARENT, status: 'orphan', reason: 'lv-missing', why: `partition map ${PARENT}p2 stays` },
      ]);
      for (const k of kids) assert.equal(actionFor(k, ctx, all), null, k.name);
      assert.equal(parentHint(all[0], ctx, all), null);
    });
  }

  it("a partition's own fix and the parent's hint (what dm shows): the partitions first, then the parent", () => {
    const all = [parent(1), part(1)];
    assert.deepEqual(actionFor(part(1), {}, all), {
      command: ['dmsetup', 'remove', '--retry', '-u', part(1).uuid],
      effect: `remove partition map ${PARENT}p1 (kpartx child of ${PARENT})`,
    });
    assert.equal(actionFor(all[0], {}, all), null, 'the parent is protected: no fix of its own');
    assert.deepEqual(parentHint(all[0], {}, all), [
      {
        kind: 'step',
        text: `after its partitions (${PARENT}p1; their maps are removed first): remove map ${PARENT} (no LV behind it); no LV is touched`,
        command: ['dmsetup', 'remove', '--retry', '-u', lvMissing.uuid],
        irreversible: false,
      },
      {
        kind: 'step',
        text: 'pve-health clean runs both in this order',
        command: ['pve-health', 'clean', '--name', PARENT],
        irreversible: false,
      },
    ]);
    assert.equal(parentHint({ ...all[0], protected: false }, {}, all), null, 'not protected: it has a fix of its own');
    assert.equal(parentHint(parent(0, { holders: [] }), {}, [parent(0, { holders: [] }), part(1)]), null);
  });

  it('a parent that lists no holder: its kpartx maps are not its children (the kernel lists each one that sits on it), not removed with it', () => {
    const p = parent(0, { open: false, protected: false, protectedBy: [], holders: [] });
    assert.deepEqual(planned([p, part(1)]), [PARENT]);
    assert.equal(actionFor(part(1), {}, [p, part(1)]), null);
  });

  it('the parent is found by name among other maps, and as a map beside an inactive-LV entry of its name', () => {
    const other = entry({
      name: 'pve-vm--104--disk--0',
      status: 'orphan',
      reason: 'lv-missing',
      uuid: `LVM-${VGID}${lvid(8)}`,
    });
    const lvOfName = {
      ...parent(1),
      kind: 'lv' as const,
      active: false,
      open: false,
      protected: false,
      protectedBy: [],
    };
    for (const all of [
      [other, parent(1), part(1)],
      [lvOfName, parent(1), part(1)],
    ])
      assert.deepEqual(actionFor(part(1), {}, all)?.command, ['dmsetup', 'remove', '--retry', '-u', part(1).uuid]);
  });

  it('a partition whose parent is missing, only an LV entry, in an unsafe VG, or has no fix: no fix', () => {
    const p1 = part(1);
    assert.equal(actionFor(p1, {}, [p1]), null);
    assert.equal(actionFor(p1, {}, [{ ...parent(1), kind: 'lv' }, p1]), null);
    assert.equal(actionFor(p1, { vgs: { pve: { partial: true } } }, [parent(1), p1]), null);
    assert.equal(actionFor(p1, {}, [parent(1, { reason: 'saferemove-leftover' }), p1]), null);
    assert.equal(actionFor({ ...p1, status: 'valid' }, {}, [parent(1), p1]), null);
  });
});

describe('actionFor: the fix dm shows is what clean would run', () => {
  it('a stale map and an unreferenced LV: their command and effect; a duplicate as an orphan', () => {
    assert.deepEqual(actionFor(stale), {
      command: ['dmsetup', 'remove', '--retry', '-u', stale.uuid],
      effect: 'remove map pve-vm--101--disk--0; no LV is touched',
    });
    assert.deepEqual(actionFor(unrefLv), {
      command: ['lvchange', '-an', '--select', `lv_uuid=${formatLvUuid(lvid(2))}`, 'pve/vm-100-disk-2'],
      effect: 'deactivate LV pve/vm-100-disk-2 (removes its map; the data stays in the VG)',
    });
    assert.equal(actionFor(stale, { vgs: { pve: { lvmlockd: true } } }), null);
  });
});

describe('matchesFilter: what clean --vmid, --reason and --name select', () => {
  const cases: [string, DmEntry, object, boolean][] = [
    ['--name the DM name', orphanLv, { names: ['pve-vm--150--disk--0'] }, true],
    ['--name VG/LV', orphanLv, { names: ['pve/vm-150-disk-0'] }, true],
    ['--name the volume ID', orphanLv, { names: ['local-lvm:vm-150-disk-0'] }, true],
    ['--name the LV name', orphanLv, { names: ['vm-150-disk-0'] }, true],
    ['--name another', orphanLv, { names: ['vm-151-disk-0'] }, false],
    ['--name twice, the second its name', orphanLv, { names: ['vm-151-disk-0', 'pve-vm--150--disk--0'] }, true],
    [
      '--name of an entry without VG, LV or volume',
      { ...orphanLv, vg: null, lv: null, volume: null },
      { names: ['x'] },
      false,
    ],
    ['--name VG/LV of an entry without a VG', { ...orphanLv, vg: null }, { names: ['null/vm-150-disk-0'] }, false],
    ['--vmid of a map without VMID', { ...orphanLv, vmid: null }, { vmids: [150] }, false],
    ['--vmid and --reason both match', orphanLv, { vmids: [150], reasons: ['guest-missing'] }, true],
    ['--vmid matches, --reason not', orphanLv, { vmids: [150], reasons: ['stale-map'] }, false],
    ['--reason matches, --name not', orphanLv, { reasons: ['guest-missing'], names: ['x'] }, false],
    ['empty lists select nothing', orphanLv, { vmids: [], reasons: [], names: [] }, false],
    ['all: false and a VMID', orphanLv, { all: false, vmids: [150] }, true],
  ];
  for (const [what, e, f, want] of cases) it(what, () => assert.equal(matchesFilter(e, f), want));
});

describe('kpartx and LV ids', () => {
  it('isPartition: the UUID starts part<N>-', () => {
    for (const [uuid, want] of [
      ['part1-LVM-x', true],
      ['part12-mpath-3600', true],
      ['xpart1-LVM-x', false],
      ['part-LVM-x', false],
      ['parta-LVM-x', false],
      ['LVM-part1-x', false],
    ] as const)
      assert.equal(isPartition({ uuid }), want, uuid);
  });
  it('formatLvUuid: only a 32-character plain id is hyphenated', () => {
    assert.equal(formatLvUuid('a'.repeat(31)), 'a'.repeat(31));
    assert.equal(formatLvUuid('a'.repeat(33)), 'a'.repeat(33));
  });
});
