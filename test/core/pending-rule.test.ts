// `pending` hides a finding from the grade: an operation makes an entry pending only when it explains
// that entry (docs/cleanup.md "Pending"). The matrix: operations (tasks, locks, a kvm away from home) ×
// where the guest's config lives × the kind of entry (duplicate, away-from-home open LV, orphan being
// written, the guest's own snapshot, vzdump's snapshot). Every cell: pending or not, and an operation
// that does not explain the entry still protects it (no action), except a console, which is nothing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { parseNode } from '../../src/core/node/node-view';
import type { DmEntry, DmResult } from '../../src/core/vocab/types';
import { type Op, ops, type Scenario, STORAGE, scenarios, VMID } from '../helpers/entry-scenarios';
import { NodeBuilder } from '../helpers/node-builder';

function analyse(s: Scenario, op: Op): { e: DmEntry; r: DmResult } {
  const b = new NodeBuilder('pve1').cluster(['pve1', 'pve2']).storage(STORAGE).pool('pve');
  s.build(b, op.lock ? [`lock: ${op.lock}`] : []);
  if (op.task) b.task(op.task, String(VMID));
  const r = analyzeNode(parseNode(b.build()), {});
  const e = r.entries.find((x) => x.name === s.name);
  assert.ok(e, `no entry ${s.name}; have ${r.entries.map((x) => x.name).join(', ')}`);
  return { e, r };
}

describe('pending only when the operation explains the entry', () => {
  for (const s of scenarios) {
    test(`baseline: the ${s.kind} entry is a finding and not pending`, () => {
      const { e } = analyse(s, { label: 'none', explains: [] });
      assert.ok(['duplicate', 'orphan'].includes(e.status), `${e.status}/${e.reason}`);
      assert.equal(e.pending, false, e.protectedBy.join(','));
    });
    for (const op of ops) {
      // A lock on a guest of this node with no task for it is what an interrupted operation left: never
      // pending (never-harm-verdicts covers it). Locks are tried where they count as under way: a
      // config on another node, whose tasks this node cannot see.
      if (op.lock && s.home === 'pve1') continue;
      const want = op.explains.includes(s.kind);
      test(`${s.kind} (config on ${s.home}) × ${op.label}: ${want ? 'pending' : 'not pending'}`, () => {
        const { e } = analyse(s, op);
        assert.equal(e.pending, want, `${e.status}/${e.reason} protectedBy=${e.protectedBy.join(',')}`);
        if (op.console) {
          assert.ok(!e.protectedBy.some((p) => p.includes(op.task!)), e.protectedBy.join(','));
        } else {
          assert.equal(e.protected, true, 'an operation on the guest always protects its entries');
          assert.equal(e.action, null);
        }
      });
    }
  }
  test('a lock on a guest of this node explains nothing without its task, and protects', () => {
    const { e } = analyse(scenarios[2], { label: 'lock: create', lock: 'create', explains: [] });
    assert.equal(e.pending, false);
    assert.ok(e.protectedBy.includes('stale-lock:create'), e.protectedBy.join(','));
  });
});

describe('a kvm of the guest on a node that is not its home', () => {
  const away = scenarios[1];
  function withKvm(o: { incoming: boolean; lock?: string }) {
    const b = new NodeBuilder('pve1').cluster(['pve1', 'pve2']).storage(STORAGE).pool('pve');
    away.build(b, o.lock ? [`lock: ${o.lock}`] : []);
    b.files[`/run/qemu-server/${VMID}.pid`] = '7300\n';
    b.processes.push({
      pid: 7300,
      comm: 'kvm',
      cmdline: [
        '/usr/bin/kvm',
        '-id',
        String(VMID),
        ...(o.incoming ? ['-incoming', 'unix:/run/qemu-server/300.migrate'] : []),
      ],
    });
    const r = analyzeNode(parseNode(b.build()), {});
    return { e: r.entries.find((x) => x.name === away.name)!, r };
  }
  const rows = [
    { name: 'no migration: split brain, CRITICAL', incoming: false, lock: undefined, split: true },
    {
      name: 'a stale lock: backup on the config elsewhere does not hide it',
      incoming: false,
      lock: 'backup',
      split: true,
    },
    { name: '-incoming without lock: migrate is no migration either', incoming: true, lock: undefined, split: true },
    {
      name: 'lock: migrate without -incoming: a kvm that is not the target',
      incoming: false,
      lock: 'migrate',
      split: true,
    },
    {
      name: 'the target of a live migration (-incoming, lock: migrate): pending',
      incoming: true,
      lock: 'migrate',
      split: false,
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const { e, r } = withKvm(row);
      const split = (r.storage ?? []).find((f) => f.kind === 'guest-split-brain');
      if (row.split) {
        assert.equal(split?.severity, 'critical', JSON.stringify((r.storage ?? []).map((f) => f.kind)));
        assert.equal(r.status, 2);
        assert.ok(e.protectedBy.includes('kvm-process'), e.protectedBy.join(','));
        if (row.lock !== 'migrate') assert.equal(e.pending, false, e.protectedBy.join(','));
      } else {
        assert.equal(split, undefined);
        assert.equal(e.pending, true, e.protectedBy.join(','));
      }
      assert.equal(e.action, null);
    });
  }
});

test('a console open on a guest whose lock an interrupted restore left does not make the lock "under way"', () => {
  const b = new NodeBuilder('pve1').storage(STORAGE).pool('pve');
  scenarios[2].build(b, ['lock: create']);
  b.task('vncproxy', String(VMID));
  const e = analyzeNode(parseNode(b.build()), {}).entries.find((x) => x.name === scenarios[2].name)!;
  assert.equal(e.pending, false, e.protectedBy.join(','));
  assert.ok(e.protectedBy.includes('stale-lock:create'), e.protectedBy.join(','));
});
