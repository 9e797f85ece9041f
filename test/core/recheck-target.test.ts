// What clean's narrow re-check reads again for an action (core/cleanup/recheck-narrow.ts recheckTarget): the
// map itself, a kpartx partition's parent with the open count the plan saw (its partitions hold it), and
// the rows of the LV by name and by the LV id its DM UUID carries, in its VG. The actions come from a plan
// made over a node built in-process (the same look apply-cleanup re-checks against); a few are the plan's
// actions with one fact taken away (no VG, no LV name, no LVM UUID) to pin where each part of the
// selection comes from.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { cleanupContext } from '../../src/core/cleanup/cleanup-context';
import { type CleanupAction, planCleanup } from '../../src/core/cleanup/plan-cleanup';
import { type RecheckTarget, recheckTarget } from '../../src/core/cleanup/recheck-narrow';
import { parseNode } from '../../src/core/node/node-view';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import { LOCAL_LVM, NodeBuilder } from '../helpers/node-builder';

const GONE_LV = 'S'.repeat(32);
const LVS_ONLY_LV = 'L'.repeat(32);

/** VM 100's second LV is left over with two kpartx partitions on it; VM 103's LV is gone but its map and
 * its two partitions stay; VG `vg-b` is listed by lvs but not by vgs (vgs printed no row for it). */
function planned() {
  const b = new NodeBuilder('pve1')
    .storage(`${LOCAL_LVM}\nlvm: lvsonly\n\tvgname vg-b\n\tcontent images\n`)
    .pool('pve', 'data')
    .guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0,size=8G'])
    .lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' })
    .lv({ vg: 'pve', lv: 'vm-100-disk-1', pool: 'data', open: 2, id: 'H'.repeat(32) })
    .lv({ vg: 'vg-b', lv: 'vm-200-disk-0', active: false, id: LVS_ONLY_LV });
  const tpool = b.devnoOf('pve-data-tpool');
  b.map({
    name: 'pve-vm--103--disk--2',
    uuid: `LVM-${b.vgId('pve')}${GONE_LV}`,
    table: `0 2097152 thin ${tpool} 9`,
    open: 2,
  });
  for (const parent of ['pve-vm--100--disk--1', 'pve-vm--103--disk--2'])
    for (const p of [1, 2])
      b.map({
        name: `${parent}p${p}`,
        uuid: `part${p}-${b.uuidOf(parent)}`,
        table: `0 1000 linear ${b.devnoOf(parent)} ${2048 * p}`,
      });
  const snap = b.build();
  const vgs = JSON.parse(snap.commands.vgs!.stdout);
  vgs.report[0].vg = vgs.report[0].vg.filter((v: { vg_name: string }) => v.vg_name !== 'vg-b');
  const commands = { ...snap.commands, vgs: { ...snap.commands.vgs!, stdout: JSON.stringify(vgs) } };
  const view = parseNode({ ...snap, commands } as HostSnapshot);
  const result = analyzeNode(view, {});
  const plan = planCleanup(result.entries, cleanupContext(view, result), { all: true });
  const act = (name: string) => {
    const a = plan.actions.find((x) => x.name === name);
    assert.ok(a, `planned: ${plan.actions.map((x) => x.name).join(', ')}`);
    return a;
  };
  return { b, view, entries: result.entries, act, plan };
}

const n = planned();
const { b } = n;
const self = (name: string, table: string[]): RecheckTarget['devices'][number] => ({
  role: 'self',
  name,
  uuid: b.uuidOf(name),
  devno: b.devnoOf(name),
  table,
  open: 0,
});
const tableOf = (name: string) => b.devs.find((d) => d.name === name)!.table;
const target = (a: CleanupAction) => recheckTarget(a, n.view, n.entries);

describe('recheckTarget: what is read again, per planned action', () => {
  it('the plan is children first: partitions, then their parent', () =>
    assert.deepEqual(
      n.plan.actions.map((a) => [a.kind, a.name]),
      [
        ['dm-remove', 'pve-vm--100--disk--1p1'],
        ['dm-remove', 'pve-vm--100--disk--1p2'],
        ['lv-deactivate', 'pve-vm--100--disk--1'],
        ['dm-remove', 'pve-vm--103--disk--2p1'],
        ['dm-remove', 'pve-vm--103--disk--2p2'],
        ['dm-remove', 'pve-vm--103--disk--2'],
      ],
    ));

  const cases: [string, string, RecheckTarget][] = [
    [
      'an LV left over, deactivated: its map (open count 0 wanted), its LV by name and id',
      'pve-vm--100--disk--1',
      {
        devices: [self('pve-vm--100--disk--1', tableOf('pve-vm--100--disk--1'))],
        lvs: { vg: 'pve', names: ['vm-100-disk-1'], lvIds: ['H'.repeat(32)], vgKnown: true },
      },
    ],
    [
      'a kpartx partition of that LV: the partition, then its parent with the open count the plan saw',
      'pve-vm--100--disk--1p2',
      {
        devices: [
          self('pve-vm--100--disk--1p2', tableOf('pve-vm--100--disk--1p2')),
          { ...self('pve-vm--100--disk--1', tableOf('pve-vm--100--disk--1')), role: 'parent', open: 2 },
        ],
        lvs: { vg: 'pve', names: ['vm-100-disk-1'], lvIds: ['H'.repeat(32)], vgKnown: true },
      },
    ],
    [
      'a map whose LV is gone: its LV by the name its map has and the id its UUID carries',
      'pve-vm--103--disk--2',
      {
        devices: [self('pve-vm--103--disk--2', tableOf('pve-vm--103--disk--2'))],
        lvs: { vg: 'pve', names: ['vm-103-disk-2'], lvIds: [GONE_LV], vgKnown: true },
      },
    ],
    [
      'a partition of that map: the parent (open 2) and the gone LV',
      'pve-vm--103--disk--2p1',
      {
        devices: [
          self('pve-vm--103--disk--2p1', tableOf('pve-vm--103--disk--2p1')),
          { ...self('pve-vm--103--disk--2', tableOf('pve-vm--103--disk--2')), role: 'parent', open: 2 },
        ],
        lvs: { vg: 'pve', names: ['vm-103-disk-2'], lvIds: [GONE_LV], vgKnown: true },
      },
    ],
  ];
  for (const [what, name, want] of cases) it(what, () => assert.deepEqual(target(n.act(name)), want));
});

describe('recheckTarget: where each part of the LV selection comes from', () => {
  const lvMap = n.act('pve-vm--103--disk--2');
  const part = n.act('pve-vm--103--disk--2p1');
  const cases: [string, Partial<CleanupAction>, RecheckTarget['lvs']][] = [
    [
      'no VG and no LV name on the action: the VG of the id in its LVM UUID, the LV by that id',
      { vg: null, lv: null, lvUuid: null },
      { vg: 'pve', names: [], lvIds: [GONE_LV], vgKnown: true },
    ],
    [
      'no LVM UUID (looked up by device number): the LV by its name only',
      { uuid: '', lvUuid: null },
      { vg: 'pve', names: ['vm-103-disk-2'], lvIds: [], vgKnown: true },
    ],
    [
      'an LV id on the action (hyphenated as lvs prints it) is read as the plain id',
      { uuid: '', lvUuid: 'AAAAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGGGG' },
      { vg: 'pve', names: ['vm-103-disk-2'], lvIds: ['AAAAAABBBBCCCCDDDDEEEEFFFFGGGGGG'], vgKnown: true },
    ],
    ['no LVM UUID and no LV name or id: no LV to read', { uuid: '', lv: null, lvUuid: null }, null],
    ['no VG known at all: no LV to read (nowhere to select it)', { uuid: '', vg: null }, null],
    [
      'a VG the plan did not see: asked by name (a VG that is gone is then no error)',
      { vg: 'vg-x', uuid: '' },
      { vg: 'vg-x', names: ['vm-103-disk-2'], lvIds: [], vgKnown: false },
    ],
    [
      'a VG lvs listed but vgs did not: known',
      { vg: 'vg-b', lv: 'vm-200-disk-0', uuid: '', lvUuid: LVS_ONLY_LV },
      { vg: 'vg-b', names: ['vm-200-disk-0'], lvIds: [LVS_ONLY_LV], vgKnown: true },
    ],
  ];
  for (const [what, change, want] of cases) it(what, () => assert.deepEqual(target({ ...lvMap, ...change }).lvs, want));

  it("a partition without VG, LV or id of its own: its parent's VG, LV name and id", () =>
    assert.deepEqual(target({ ...part, vg: null, lv: null, lvUuid: null, uuid: `part1-LVM-${'Z'.repeat(64)}` }).lvs, {
      vg: 'pve',
      names: ['vm-103-disk-2'],
      lvIds: [GONE_LV],
      vgKnown: true,
    }));

  it('a map that names a parent but is no kpartx partition: its parent is not read', () =>
    assert.deepEqual(
      target({ ...lvMap, parent: 'pve-vm--100--disk--1' }).devices.map((d) => d.name),
      ['pve-vm--103--disk--2'],
    ));

  it('a partition whose parent the look did not list: the partition alone', () =>
    assert.deepEqual(
      target({ ...part, parent: 'pve-vm--999--disk--0' }).devices.map((d) => [d.role, d.name]),
      [['self', 'pve-vm--103--disk--2p1']],
    ));

  it('no VG on the action and a UUID of a VG the look does not know: no LV to read', () =>
    assert.equal(target({ ...lvMap, vg: null, uuid: `LVM-${'Q'.repeat(32)}${GONE_LV}` }).lvs, null));
});
