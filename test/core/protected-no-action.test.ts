// No protected entry carries an action, in every scenario (docs/cleanup.md "kpartx partitions"): the
// parent of kpartx partition maps is open because its own partitions hold it, so the removable
// partitions carry the fix (dmsetup remove of each partition map) and the parent's says "after its
// partitions"; a partition map is no volume and never gets `pvesm free`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { cleanupContext } from '../../src/core/cleanup/cleanup-context';
import { planCleanup } from '../../src/core/cleanup/plan-cleanup';
import { parseNode } from '../../src/core/node/node-view';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import { demoSnapshot } from '../../src/host/load-snapshot';
import { ops, STORAGE, scenarios } from '../helpers/entry-scenarios';
import { NodeBuilder } from '../helpers/node-builder';

/** An orphan LV (guest 150 has no config) activated here, with `parts` kpartx partition maps on it. */
function kpartx(o: { parts: number; childOpen?: number; extraHolder?: boolean }): HostSnapshot {
  const b = new NodeBuilder().storage('lvm: fast\n\tvgname nvme\n');
  b.lv({ vg: 'nvme', lv: 'vm-150-disk-0', open: o.parts + (o.extraHolder ? 1 : 0) });
  const id = b.uuidOf('nvme-vm--150--disk--0');
  for (let i = 1; i <= o.parts; i++)
    b.map({
      name: `nvme-vm--150--disk--0p${i}`,
      uuid: `part${i}-${id}`,
      table: `0 1024 linear ${b.devnoOf('nvme-vm--150--disk--0')} ${i * 2048}`,
      open: i === 1 ? (o.childOpen ?? 0) : 0,
    });
  if (o.extraHolder) b.holder('/dev/mapper/nvme-vm--150--disk--0', 4242, 'dd');
  return b.build();
}

describe('kpartx partitions of an orphan', () => {
  test('the partitions carry the action, the parent (open by them) a hint "after its partitions"', () => {
    const view = parseNode(kpartx({ parts: 2 }));
    const r = analyzeNode(view, {});
    const e = (n: string) => r.entries.find((x) => x.name === n)!;
    const parent = e('nvme-vm--150--disk--0');
    assert.equal(parent.protected, true);
    assert.deepEqual(parent.protectedBy, ['open']);
    assert.equal(parent.action, null, 'a protected entry carries no action');
    assert.match(
      parent.hint ?? '',
      /^after its partitions \(nvme-vm--150--disk--0p1, nvme-vm--150--disk--0p2;.*: lvchange -an --select lv_uuid=\S+ nvme\/vm-150-disk-0; /,
    );
    // Each command a step of its own (shell-quoted where printed), clean last.
    assert.deepEqual(
      parent.steps?.map((x) => x.command?.[0]),
      ['lvchange', 'pve-health'],
    );
    for (const p of ['nvme-vm--150--disk--0p1', 'nvme-vm--150--disk--0p2']) {
      assert.equal(e(p).status, 'orphan');
      assert.deepEqual(e(p).action?.command, ['dmsetup', 'remove', '--retry', '-u', e(p).uuid]);
      assert.doesNotMatch(e(p).hint ?? '', /pvesm free/, 'a partition map is no volume');
    }
    // clean still does the whole thing, partitions first.
    const plan = planCleanup(r.entries, cleanupContext(view, r));
    assert.deepEqual(
      plan.actions.map((a) => a.name),
      ['nvme-vm--150--disk--0p1', 'nvme-vm--150--disk--0p2', 'nvme-vm--150--disk--0'],
    );
  });
  for (const row of [
    { name: 'an open partition keeps all of them and the parent', o: { parts: 2, childOpen: 1 } },
    {
      name: 'a parent held by a process besides its partitions stays, and so do they',
      o: { parts: 1, extraHolder: true },
    },
  ]) {
    test(`${row.name}: no action anywhere`, () => {
      const r = analyzeNode(parseNode(kpartx(row.o)), {});
      for (const x of r.entries.filter((x) => x.name.startsWith('nvme-vm--150')))
        assert.equal(x.action, null, `${x.name}: ${x.action?.command.join(' ')}`);
      assert.doesNotMatch(
        r.entries.find((x) => x.name === 'nvme-vm--150--disk--0')!.hint ?? '',
        /after its partitions/,
      );
    });
  }
});

describe('class-wide: no protected entry carries an action', () => {
  const snapshots: [string, () => Promise<HostSnapshot> | HostSnapshot][] = [
    ['the demo node', () => demoSnapshot()],
    ['kpartx, two partitions', () => kpartx({ parts: 2 })],
    ['kpartx, an open partition', () => kpartx({ parts: 2, childOpen: 1 })],
    ['kpartx, a parent held by a process', () => kpartx({ parts: 1, extraHolder: true })],
  ];
  for (const s of scenarios)
    for (const op of ops)
      snapshots.push([
        `${s.kind} × ${op.label}`,
        () => {
          const b = new NodeBuilder('pve1').cluster(['pve1', 'pve2']).storage(STORAGE).pool('pve');
          s.build(b, op.lock ? [`lock: ${op.lock}`] : []);
          if (op.task) b.task(op.task, '300');
          return b.build();
        },
      ]);
  test(`${snapshots.length} nodes`, async () => {
    let protectedSeen = 0;
    let actions = 0;
    for (const [name, make] of snapshots) {
      const r = analyzeNode(parseNode(await make()), {});
      for (const e of r.entries) {
        if (e.action) actions++;
        if (!e.protected && !e.pending) continue;
        protectedSeen++;
        assert.equal(
          e.action,
          null,
          `${name}: ${e.name} is protected (${e.protectedBy.join(', ')}) yet carries '${e.action?.command.join(' ')}'`,
        );
      }
    }
    assert.ok(
      protectedSeen > 20 && actions > 5,
      `the matrix exercises both sides (${protectedSeen} protected, ${actions} actions)`,
    );
  });
});
