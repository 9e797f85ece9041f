// The hints name `pve-health reclaim` exactly where reclaim takes the volume: on the demo and on every
// fakenode scenario, the volumes whose next steps carry a reclaim step (check --json, every part) are the
// volumes `reclaim --dry-run --all` plans to quarantine. A hint that names reclaim for a volume reclaim
// refuses sends the admin to a dead end; a volume reclaim would take without a hint naming it leaves the
// admin with only the irreversible command. Each reclaim step comes before a drop step of the same
// volume, never after it, and is never itself marked irreversible; a snapshot's names `VOLID@SNAP`.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NextStep } from '../../src/core/vocab/next-step';
import { buildNode, hasFakenode, nodePath, REPO, runCli, SHARED } from '../helpers/cli';

const skip = hasFakenode ? false : 'needs ../shared/fakenode (not in a public clone)';

interface Stepped {
  steps?: NextStep[];
  volid?: string;
  snapshot?: string;
}

/**
 * The volume IDs whose steps name `reclaim --purge` (an interrupted removal: the checked way to finish it,
 * irreversible like the removal PVE started), each such step first, before the manual command.
 */
function purgeHinted(doc: { dm?: { entries: Stepped[] }; volumes?: { entries: Stepped[] } }): Set<string> {
  const out = new Set<string>();
  for (const e of [...(doc.dm?.entries ?? []), ...(doc.volumes?.entries ?? [])])
    (e.steps ?? []).forEach((s, i) => {
      if (s.command?.[1] !== 'reclaim' || s.command[2] !== '--purge') return;
      assert.deepEqual([s.kind, s.irreversible, i], ['drop', true, 0], JSON.stringify(e.steps));
      assert.deepEqual(s.command.slice(0, 4), ['pve-health', 'reclaim', '--purge', '--name']);
      out.add(s.command[4]);
    });
  return out;
}

/** The volume IDs whose steps name reclaim, from every part of a check document; each reclaim step checked. */
function hinted(doc: { dm?: { entries: Stepped[] }; volumes?: { entries: Stepped[] } }): Set<string> {
  const out = new Set<string>();
  for (const e of [...(doc.dm?.entries ?? []), ...(doc.volumes?.entries ?? [])]) {
    const steps = e.steps ?? [];
    steps.forEach((s, i) => {
      if (s.kind !== 'reclaim') return;
      assert.equal(s.irreversible, false, JSON.stringify(s));
      assert.deepEqual(s.command?.slice(0, 3), ['pve-health', 'reclaim', '--name']);
      // A storage snapshot is selected as VOLID@SNAP (reclaim renames the snapshot, never its volume).
      if (e.snapshot !== undefined) assert.equal(s.command?.[3], `${e.volid}@${e.snapshot}`, JSON.stringify(s));
      const drop = steps.findIndex((d) => d.kind === 'drop');
      assert.ok(
        drop === -1 || drop > i,
        `the reclaim step comes before the irreversible one: ${JSON.stringify(steps)}`,
      );
      out.add(s.command![3]);
    });
  }
  return out;
}

function run(args: string[], pathPrefix?: string): unknown {
  const r = runCli(args, pathPrefix ? { pathPrefix } : {});
  assert.ok(r.code >= 0 && r.code <= 3, `${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function assertSame(where: string[], pathPrefix?: string): number {
  const doc = run([...where, 'check', '--json'], pathPrefix) as Parameters<typeof hinted>[0];
  const plan = run([...where, 'reclaim', '--dry-run', '--all', '--json'], pathPrefix) as {
    plan: { actions: { volid: string }[] };
  };
  const planned = new Set(plan.plan.actions.map((a) => a.volid));
  assert.deepEqual([...hinted(doc)].sort(), [...planned].sort(), where.join(' '));
  // The purge: the interrupted removals it finishes are exactly those whose hints name it.
  const purge = run([...where, 'reclaim', '--purge', '--dry-run', '--all', '--json'], pathPrefix) as {
    plan: { actions: { volid: string; reason: string }[] };
  };
  const finishing = purge.plan.actions.filter((a) => a.reason === 'interrupted-removal').map((a) => a.volid);
  assert.deepEqual([...purgeHinted(doc)].sort(), finishing.sort(), `${where.join(' ')} --purge`);
  return finishing.length;
}

test('the demo: the hints name reclaim for exactly the volumes reclaim plans', () => {
  assertSame(['--demo']);
});

const scenarios = hasFakenode
  ? [
      ...readdirSync(join(SHARED, 'fakenode/scenarios')).map((f) => join(SHARED, 'fakenode/scenarios', f)),
      ...readdirSync(join(REPO, 'test/fixtures/scenarios'))
        .filter((f) => f.endsWith('.json'))
        .map((f) => join(REPO, 'test/fixtures/scenarios', f)),
    ]
  : [];
if (!scenarios.length) test('fakenode scenarios: the hints name reclaim where reclaim plans', { skip }, () => {});
for (const file of scenarios)
  test(`${file.split('/').pop()}: the hints name reclaim for exactly the volumes reclaim plans`, () => {
    const node = buildNode(file);
    assertSame(['--root', join(node, 'root')], nodePath(node));
  });
