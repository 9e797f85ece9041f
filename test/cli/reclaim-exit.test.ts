// The exit code refusals of volumes named with --name add (docs/reclaim.md "Exit code"): the admin asked
// for exactly those, so a refusal is never success; refusals of a broad selection are the plan's report.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { namedRefusalStatus } from '../../src/cli/commands/reclaim';
import type { PlanFilter } from '../../src/core/reclaim/plan-reclaim';
import type { ReclaimRefusal } from '../../src/core/reclaim/reclaim-types';

const refusal = (volid: string, code: ReclaimRefusal['code']): ReclaimRefusal => ({
  volid,
  storage: volid.split(':')[0],
  vmid: 100,
  status: 'valid',
  reason: 'referenced',
  code,
  why: code,
});

describe('namedRefusalStatus', () => {
  const rows: { name: string; filter: PlanFilter; actions?: string[]; refused: ReclaimRefusal[]; want: number }[] = [
    { name: 'named and planned: 0', filter: { names: ['a:vm-1'] }, actions: ['a:vm-1'], refused: [], want: 0 },
    {
      name: 'named and refused valid: 1',
      filter: { names: ['a:vm-1'] },
      refused: [refusal('a:vm-1', 'valid')],
      want: 1,
    },
    {
      name: 'named and refused protected, the other named one planned: 1',
      filter: { names: ['a:vm-1', 'a:vm-2'] },
      actions: ['a:vm-2'],
      refused: [refusal('a:vm-1', 'protected')],
      want: 1,
    },
    {
      name: 'named and could not be judged (unknown): 3',
      filter: { names: ['a:vm-1'] },
      refused: [refusal('a:vm-1', 'unknown')],
      want: 3,
    },
    {
      name: 'named on a storage that could not be read: 3',
      filter: { names: ['a:vm-1'] },
      refused: [refusal('a:vm-1', 'storage-unavailable')],
      want: 3,
    },
    {
      name: 'purge: named, not due yet: 1',
      filter: { names: ['a:vm-1'] },
      refused: [refusal('a:vm-1', 'not-due')],
      want: 1,
    },
    {
      name: 'the snapshots of a named volume that is quarantined move with it: 0',
      filter: { names: ['a:vm-1'] },
      actions: ['a:vm-1'],
      refused: [refusal('a:vm-1@before', 'snapshot')],
      want: 0,
    },
    {
      name: 'a named snapshot alone is refused: 1',
      filter: { names: ['a:vm-1@before'] },
      refused: [refusal('a:vm-1@before', 'snapshot')],
      want: 1,
    },
    {
      name: '--all: refusals are the report: 0',
      filter: { all: true },
      refused: [refusal('a:vm-1', 'unknown')],
      want: 0,
    },
    {
      name: '--vmid: refusals are the report: 0',
      filter: { vmids: [100] },
      refused: [refusal('a:vm-1', 'valid')],
      want: 0,
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const got = namedRefusalStatus(
        { actions: (r.actions ?? []).map((volid) => ({ volid })), refused: r.refused },
        r.filter,
      );
      assert.equal(got, r.want);
    });
});
