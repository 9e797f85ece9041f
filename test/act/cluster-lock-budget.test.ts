// Work under a pmxcfs cluster lock stays inside PVE's 60 s budget (pve-cluster cfs_lock alarm(60)):
// a slow re-check skips the action; the command's timeout is what is left of the budget.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Analysis, applyCleanup } from '../../src/act/apply-cleanup';
import type { Journal } from '../../src/act/journal';
import { planCleanup } from '../../src/core/cleanup/plan-cleanup';
import { parseNode } from '../../src/core/node/node-view';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import type { DmEntry, DmResult } from '../../src/core/vocab/types';
import type { ExecOptions } from '../../src/host/exec';
import { createHost } from '../../src/host/host';
import { dmEntry } from '../helpers/dm-entry';

// What the safety checks want to see: pmxcfs with .members of a standalone node, a guest config, and
// /sys agreeing with dmsetup (no dmsetup output here, so the entries stand for it).
const snap = {
  kind: 'pve-health-snapshot',
  version: 1,
  hostname: 'pve1',
  files: {
    '/etc/pve/.members': '{"nodename":"pve1","version":1}',
    '/etc/pve/nodes/pve1/qemu-server/303.conf': 'scsi0: san-lvm:vm-303-disk-0,size=32G\n',
  },
  commands: {},
  processes: [],
  sysDm: [
    {
      name: 'vg--san-vm--303--disk--0',
      uuid: 'LVM-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
      kname: 'dm-30',
    },
  ],
} as unknown as HostSnapshot;
const stale: DmEntry = dmEntry({
  name: 'vg--san-vm--303--disk--0',
  uuid: 'LVM-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
  vg: 'vg-san',
  lv: 'vm-303-disk-0',
  vmid: 303,
  storage: 'san-lvm',
  status: 'duplicate',
  reason: 'stale-map',
  table: ['0 65536 linear 8:16 2048'],
  majorMinor: '252:30',
});
const analysis = (): Analysis => ({
  view: parseNode(snap),
  result: { entries: [stale], guests: [] } as unknown as DmResult,
});
const journal: Journal = { begin: () => 0, finish: () => {} } as unknown as Journal;

function run(recheckDelayMs: number, budget: { budgetMs: number; maxRecheckMs: number }) {
  const root = mkdtempSync(join(tmpdir(), 'pvh-budget-'));
  const execs: { argv: string[]; timeoutMs?: number }[] = [];
  const host = createHost({
    root,
    exec: (async (argv: string[], opts: ExecOptions = {}) => {
      execs.push({ argv, timeoutMs: opts.timeoutMs });
      return { code: 0, stdout: '', stderr: '' };
    }) as never,
  });
  const [action] = planCleanup([stale], { sharedStorages: ['san-lvm'], node: 'pve1' }).actions;
  assert.ok(action?.storageShared);
  return applyCleanup([action], {
    host,
    analyze: async () => {
      await new Promise((r) => setTimeout(r, recheckDelayMs));
      return analysis();
    },
    pveMount: () => ({ mounted: true, detail: 'fuse /dev/fuse' }),
    journal,
    confirm: null,
    clusterLock: budget,
  })
    .finally(() => rmSync(root, { recursive: true, force: true }))
    .then((out) => ({ out, execs }));
}

describe('pmxcfs cluster lock budget', () => {
  it('a re-check slower than the limit skips the action and runs nothing', async () => {
    const { out, execs } = await run(120, { budgetMs: 1000, maxRecheckMs: 50 });
    assert.equal(out[0].result, 'skipped');
    const held =
      /^the cluster lock was held (\d+\.\d) s while re-checking \(PVE ends locked work within 1 s; pmxcfs expires the lock after 120 s\): skipped, run clean again$/.exec(
        out[0].why ?? '',
      );
    assert.ok(held, out[0].why);
    // The time under the lock in seconds: the re-check's 120 ms, not its milliseconds.
    assert.ok(Number(held[1]) < 10, held[1]);
    assert.ok(!execs.some((e) => e.argv[0] === 'dmsetup'), JSON.stringify(execs));
  });
  it('the command gets only what is left of the budget', async () => {
    const { out, execs } = await run(100, { budgetMs: 1000, maxRecheckMs: 500 });
    assert.equal(out[0].result, 'done', out[0].why);
    const cmd = execs.find((e) => e.argv[0] === 'dmsetup');
    // What is left of 1 s after a 100 ms re-check (and the scheduling around it): never all, never none.
    assert.ok(cmd && cmd.timeoutMs !== undefined && cmd.timeoutMs <= 900 && cmd.timeoutMs >= 400, JSON.stringify(cmd));
  });
});
