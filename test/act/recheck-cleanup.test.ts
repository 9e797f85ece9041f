// clean's re-check under the locks (apply-cleanup.ts `recheck`), rule by rule with the exact reason the
// person reads: which map is "the same" (by UUID, or by major:minor and name when it has none; never an
// LV row of the same UUID), what makes an action stale (open, pending, a new config naming the volume,
// the LV UUID of an LV deactivation, the parent of a kpartx partition, a VG that became unsafe, another
// verdict or another fix), and that an unchanged node is still exactly the plan.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Analysis, recheck } from '../../src/act/apply-cleanup';
import type { VgSafety } from '../../src/core/cleanup/plan-cleanup';
import { planCleanup } from '../../src/core/cleanup/plan-cleanup';
import { parseNode } from '../../src/core/node/node-view';
import type { DmEntry, DmResult } from '../../src/core/vocab/types';
import { bareSnapshot } from '../helpers/bare-snapshot';
import { dmEntry } from '../helpers/dm-entry';

const snap = bareSnapshot({});

const LV_UUID = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const UUID = `LVM-${'a'.repeat(32)}${LV_UUID}`;

/** A map of an LV whose guest is gone: its fix deactivates the LV. */
const lvMap = (p: Partial<DmEntry> = {}) =>
  dmEntry({
    name: 'pve-vm--103--disk--2',
    uuid: UUID,
    lv: 'vm-103-disk-2',
    lvUuid: LV_UUID,
    vmid: 103,
    volume: 'local-lvm:vm-103-disk-2',
    status: 'orphan',
    reason: 'guest-missing',
    table: ['0 65536 thin 252:3 9'],
    majorMinor: '252:30',
    ...p,
  });

/** A stale second map of an LV: its fix removes the map. */
const staleMap = (p: Partial<DmEntry> = {}) =>
  lvMap({ status: 'duplicate', reason: 'stale-map', lvUuid: undefined, ...p });

function analysis(entries: DmEntry[], vgs?: Record<string, Partial<VgSafety>>): Analysis {
  const view = parseNode(snap);
  if (vgs) view.lvm.safety = new Map(Object.entries(vgs) as [string, VgSafety][]);
  return { view, result: { entries, guests: [] } as unknown as DmResult };
}

const planned = (e: DmEntry) => {
  const a = planCleanup([e], { node: 'pve1' }).actions[0];
  assert.ok(a, `${e.name} is planned`);
  return a;
};

describe('recheck: which map is the planned one', () => {
  it('an LV deactivation is planned by UUID; its map gone while the LV row stays is gone', () => {
    const a = planned(lvMap());
    assert.equal(a.kind, 'lv-deactivate');
    assert.equal(recheck(a, analysis([lvMap({ kind: 'lv', active: false })])), `UUID ${UUID} no longer exists`);
    assert.equal(recheck(a, analysis([lvMap({ uuid: `${UUID.slice(0, -1)}c` })])), `UUID ${UUID} no longer exists`);
    assert.equal(recheck(a, analysis([lvMap()])), null);
  });

  it('a map without a UUID is the one of the same major:minor and name', () => {
    const bare = (p: Partial<DmEntry> = {}) => staleMap({ uuid: '', ...p });
    const a = planned(bare());
    assert.deepEqual(a.command, ['dmsetup', 'remove', '--retry', '-j', '252', '-m', '30']);
    const other = bare({ name: 'pve-vm--104--disk--0', majorMinor: '252:40' });
    assert.equal(recheck(a, analysis([other, bare()])), null);
    assert.equal(recheck(a, analysis([bare({ majorMinor: '252:31' })])), 'device 252:30 no longer exists');
    assert.equal(recheck(a, analysis([bare({ name: 'pve-vm--103--disk--3' })])), 'device 252:30 no longer exists');
    assert.equal(recheck(a, analysis([bare({ kind: 'lv' })])), 'device 252:30 no longer exists');
  });

  it('a map planned with no table is unchanged while it still has none', () => {
    const a = planned(staleMap({ table: undefined }));
    assert.deepEqual(a.table, []);
    assert.equal(recheck(a, analysis([staleMap({ table: undefined })])), null);
  });
});

describe('recheck: what makes the action stale', () => {
  const a = planned(lvMap());
  const cases: [string, DmEntry[], string | null, Record<string, Partial<VgSafety>>?][] = [
    [
      'open by holders and processes',
      [
        lvMap({
          holders: ['pve-vm--103--disk--2p1'],
          processes: [
            { pid: 7, command: 'dd' },
            { pid: 9, command: 'qemu-img' },
          ],
        }),
      ],
      'it is open now (pve-vm--103--disk--2p1, dd[7], qemu-img[9])',
    ],
    ['its open count alone', [lvMap({ openCount: 1 })], 'it is open now'],
    ['its open flag alone', [lvMap({ open: true })], 'it is open now'],
    [
      'pending',
      [lvMap({ pending: true, protected: true, protectedBy: ['task:qmrestore', 'lock:create'] })],
      'pending now: task:qmrestore, lock:create',
    ],
    ['the LV UUID changed', [lvMap({ lvUuid: 'c'.repeat(32) })], 'the LV UUID changed'],
    [
      'the same LV UUID as lvm2 prints it (with dashes)',
      [lvMap({ lvUuid: 'bbbbbb-bbbb-bbbb-bbbb-bbbb-bbbb-bbbbbb' })],
      null,
    ],
    [
      'a VM and a CT on this node name it now',
      [
        lvMap({
          guests: [
            { vmid: 150, type: 'qemu', node: 'pve1' },
            { vmid: 210, type: 'lxc', node: 'pve1' },
            { vmid: 300, type: 'qemu', node: 'pve2' },
          ],
        }),
      ],
      'now named in the config of VM 150, CT 210',
    ],
    [
      'protected now (no fix)',
      [lvMap({ protected: true, protectedBy: ['ha:vm:103', 'replication'] })],
      'protected now: ha:vm:103, replication',
    ],
    ['another reason without a fix', [lvMap({ reason: 'saferemove-leftover' })], 'now orphan/saferemove-leftover'],
    ['another status, the same reason, no fix', [lvMap({ status: 'unknown' })], 'now unknown/guest-missing'],
    [
      'the same verdict, its VG now moving (pvmove)',
      [lvMap()],
      'no longer gets a fix (orphan/guest-missing)',
      { pve: { pvmove: true } },
    ],
    ['another reason that also has a fix', [lvMap({ reason: 'not-referenced' })], 'now orphan/not-referenced'],
    // No analysis gives this pair today; the rule is that any other verdict stops the action.
    ['another status, the same reason and fix', [lvMap({ status: 'duplicate' })], 'now duplicate/guest-missing'],
    [
      'the same verdict, another fix',
      [lvMap({ lv: 'vm-103-disk-9' })],
      'the fix changed to: lvchange -an --select lv_uuid=bbbbbb-bbbb-bbbb-bbbb-bbbb-bbbb-bbbbbb pve/vm-103-disk-9',
    ],
    ['unchanged', [lvMap()], null],
  ];
  for (const [what, fresh, want, vgs] of cases) it(what, () => assert.equal(recheck(a, analysis(fresh, vgs)), want));

  it('a map removal does not compare LV UUIDs', () => {
    const m = planned(staleMap());
    assert.equal(m.kind, 'dm-remove');
    assert.equal(recheck(m, analysis([staleMap({ lvUuid: 'c'.repeat(32) })])), null);
    assert.equal(recheck(m, analysis([staleMap({ reason: 'same-target' })])), 'now duplicate/same-target');
    assert.equal(recheck(m, analysis([staleMap({ status: 'orphan', reason: 'lv-missing' })])), 'now orphan/lv-missing');
  });

  it('an LV whose UUID can no longer be read is not the planned one', () => {
    assert.equal(recheck(a, analysis([lvMap({ lvUuid: undefined })])), 'the LV UUID changed');
  });
});

describe('recheck of a map with a parent that is no kpartx partition', () => {
  it('is judged as any map (its parent is not looked for)', () => {
    const m = staleMap({ parent: 'pve-data-tpool' });
    const a = planned(m);
    assert.equal(recheck(a, analysis([m])), null);
  });
});

describe('recheck of a kpartx partition', () => {
  const parent = (p: Partial<DmEntry> = {}) =>
    lvMap({
      open: true,
      openCount: 1,
      holders: ['pve-vm--103--disk--2p1'],
      protected: true,
      protectedBy: ['open'],
      ...p,
    });
  const part = (p: Partial<DmEntry> = {}) =>
    lvMap({
      name: 'pve-vm--103--disk--2p1',
      uuid: `part1-${UUID}`,
      parent: 'pve-vm--103--disk--2',
      majorMinor: '252:31',
      table: ['0 2048 linear 252:30 2048'],
      ...p,
    });
  const a = planCleanup([parent(), part()], { node: 'pve1' }).actions.find((x) => x.name === 'pve-vm--103--disk--2p1');
  it('its parent map gone while its LV row stays: the parent is gone', () => {
    assert.ok(a);
    assert.equal(
      recheck(a, analysis([parent({ kind: 'lv', open: false, openCount: 0, holders: [] }), part()])),
      'its parent pve-vm--103--disk--2 is gone',
    );
  });
  it('the partition protected now', () => {
    assert.ok(a);
    assert.equal(
      recheck(a, analysis([parent(), part({ protected: true, protectedBy: ['ha:vm:103', 'backup'] })])),
      'protected now: ha:vm:103, backup',
    );
  });
  it('the parent no longer gets a fix: its verdict named', () => {
    assert.ok(a);
    assert.equal(
      recheck(a, analysis([parent({ status: 'valid', reason: 'referenced' }), part()])),
      'its parent pve-vm--103--disk--2 is no longer a finding that gets a fix (valid/referenced)',
    );
  });
});
