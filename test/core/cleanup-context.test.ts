// What `dm` shows as an entry's fix (core/cleanup/cleanup-context.ts withCleanupActions): the planner's
// action where there is one, else the advice — for a protected duplicate or orphan that no operation
// explains, the next steps (next-steps.ts) with `shared` from storage.cfg; and the planner's context from
// the node: the shared storages, the VGs' safety, the volumes valid entries use, the node's name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanupContext, withCleanupActions } from '../../src/core/cleanup/cleanup-context';
import { adviceFor } from '../../src/core/cleanup/plan-cleanup';
import { parseNode } from '../../src/core/node/node-view';
import { stepsText } from '../../src/core/vocab/next-step';
import type { DmEntry } from '../../src/core/vocab/types';
import { dmEntry } from '../helpers/dm-entry';
import { LOCAL_LVM, NodeBuilder } from '../helpers/node-builder';

const view = parseNode(
  new NodeBuilder('pve1').storage(`${LOCAL_LVM}\nlvm: san\n\tvgname vg-san\n\tshared 1\n\tcontent images\n`).build(),
);

const LIVE = dmEntry({ name: 'pve-vm--110--disk--1', lv: 'vm-110-disk-1', vmid: 110, table: ['0 8 thin 252:5 10'] });
const dup = (over: Partial<DmEntry> = {}): DmEntry =>
  dmEntry({
    name: 'pve-vm--110--disk--1--copy',
    lv: 'vm-110-disk-1-copy',
    vmid: 110,
    guestType: 'lxc',
    status: 'duplicate',
    reason: 'same-target',
    table: ['0 8 thin 252:5 10'],
    protected: true,
    protectedBy: ['guest-running'],
    ...over,
  });
const fixed = (e: DmEntry, others: DmEntry[] = [LIVE]) =>
  withCleanupActions(view, [...others, e]).find((x) => x.name === e.name)!;

describe('withCleanupActions: the next steps of a protected finding', () => {
  it('a protected duplicate on local storage: which map to keep, shut the guest down, then clean', () => {
    const e = fixed(dup());
    assert.equal(e.action, null);
    assert.match(e.hint ?? '', /^keep pve-vm--110--disk--1 .*1\) shut CT 110 down: pct shutdown 110; 2\) then/);
    assert.doesNotMatch(e.hint ?? '', /migrate/);
    assert.ok(e.steps?.length, 'the steps beside the sentence');
  });
  it('on a shared storage (storage.cfg shared 1): moving the guest to another node is offered', () =>
    assert.match(fixed(dup({ storage: 'san', vg: 'vg-san' })).hint ?? '', /or move it to another node/));
  it('a protected orphan gets its steps too', () =>
    assert.ok(fixed(dup({ status: 'orphan', reason: 'lv-missing' })).hint));
  const none: [string, DmEntry][] = [
    ['pending (an operation explains it)', dup({ pending: true })],
    ['not protected', dup({ protected: false, protectedBy: [], status: 'duplicate', uuid: '', majorMinor: undefined })],
    ['valid', dup({ status: 'valid', reason: 'referenced' })],
    ['unknown', dup({ status: 'unknown', reason: 'vg-unknown' })],
  ];
  for (const [what, e] of none) it(`${what}: no next steps`, () => assert.equal(fixed(e).hint, undefined));
  it('an entry with advice of its own keeps it, unchanged', () => {
    const e = dup({ hint: 'attach it back' });
    assert.equal(fixed(e).hint, 'attach it back');
  });
  it('an orphan map the planner has a fix for: the fix, and no next steps', () => {
    const e = dup({
      protected: false,
      protectedBy: [],
      status: 'orphan',
      reason: 'lv-missing',
      uuid: `LVM-${'A'.repeat(64)}`,
    });
    const f = fixed(e);
    assert.deepEqual(f.action?.command, ['dmsetup', 'remove', '--retry', '-u', e.uuid]);
    assert.equal(f.hint, undefined);
    assert.equal(e.action, null, "the analysis' own entry is not changed");
  });
  it("an orphan LV's map held open: the advice to attach or free the LV, not the duplicates' steps", () => {
    const e = dmEntry({
      name: 'pve-vm--150--disk--0',
      lv: 'vm-150-disk-0',
      vmid: 150,
      status: 'orphan',
      reason: 'guest-missing',
      protected: true,
      protectedBy: ['open'],
    });
    const steps = adviceFor(e, cleanupContext(view, { entries: [e] }));
    assert.ok(steps?.length);
    assert.equal(fixed(e, []).hint, stepsText(steps));
  });
  it("a guest-missing LV's map held open only by its kpartx partitions: the partitions first, then its own fix, not the LV's advice", () => {
    const uuid = `LVM-${'a'.repeat(64)}`;
    const parent = dmEntry({
      name: 'pve-vm--150--disk--0',
      uuid,
      lv: 'vm-150-disk-0',
      lvUuid: 'a'.repeat(32),
      vmid: 150,
      volume: 'local-lvm:vm-150-disk-0',
      status: 'orphan',
      reason: 'guest-missing',
      protected: true,
      protectedBy: ['open'],
      open: true,
      openCount: 1,
      holders: ['pve-vm--150--disk--0p1'],
    });
    const part = dmEntry({
      name: 'pve-vm--150--disk--0p1',
      uuid: `part1-${uuid}`,
      parent: parent.name,
      status: 'orphan',
      reason: 'guest-missing',
      majorMinor: '252:91',
    });
    assert.ok(adviceFor(parent, cleanupContext(view, { entries: [parent, part] })), 'the LV alone would get advice');
    const [p, c] = withCleanupActions(view, [parent, part]);
    assert.equal(p.action, null);
    assert.deepEqual(
      p.steps?.map((s) => s.command),
      [
        ['lvchange', '-an', '--select', 'lv_uuid=aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaaa', 'pve/vm-150-disk-0'],
        ['pve-health', 'clean', '--name', 'pve-vm--150--disk--0'],
      ],
    );
    assert.equal(p.hint, stepsText(p.steps ?? []));
    assert.deepEqual(c.action?.command, ['dmsetup', 'remove', '--retry', '-u', `part1-${uuid}`]);
  });
  it('an entry that gains nothing is the same object (not copied)', () => {
    const entries = [LIVE];
    assert.equal(withCleanupActions(view, entries)[0], LIVE);
  });
});

describe('cleanupContext: the planner context of a node', () => {
  it('shared storages, VG safety and the node from the view; the volumes of valid entries referenced', () => {
    const entries = [
      LIVE,
      dmEntry({ name: 'pve-vm--111--disk--0', lv: 'vm-111-disk-0', status: 'valid' }),
      dmEntry({ name: 'x', lv: 'vm-112-disk-0', status: 'orphan', reason: 'guest-missing' }),
      dmEntry({ name: 'y', lv: null, status: 'valid' }),
      dmEntry({ name: 'z', vg: null, lv: 'vm-113-disk-0', status: 'valid' }),
    ];
    const ctx = cleanupContext(view, { entries });
    assert.deepEqual([...(ctx.referenced ?? [])], ['pve/vm-110-disk-1', 'pve/vm-111-disk-0']);
    assert.deepEqual([...(ctx.sharedStorages ?? [])], ['san']);
    assert.equal(ctx.node, 'pve1');
    assert.deepEqual(ctx.vgs, Object.fromEntries(view.lvm.safety));
  });
});
