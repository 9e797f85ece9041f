// `pve-health dm` and `pve-health clean --dry-run` decide from one analysis (core/analyze/analyze-node.ts):
// for every fakenode scenario they give the same status, and every fix `dm` shows is exactly a
// command of the cleanup plan.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { buildNode, hasFakenode, runCli, SHARED } from '../helpers/cli';

const skip = hasFakenode ? false : 'fakenode not found (../shared/fakenode)';
const scenarios = hasFakenode ? readdirSync(join(SHARED, 'fakenode/scenarios')).filter((f) => f.endsWith('.json')) : [];

describe('dm and clean --dry-run agree', { skip }, () => {
  for (const file of scenarios) {
    test(file, () => {
      const node = buildNode(join(SHARED, 'fakenode/scenarios', file));
      const opts = { pathPrefix: join(node, 'bin') };
      const dm = runCli(['--root', join(node, 'root'), 'dm', '--json'], opts);
      const clean = runCli(['--root', join(node, 'root'), 'clean', '--dry-run', '--json'], opts);
      assert.equal(clean.code, dm.code, `dm ${dm.code}, clean --dry-run ${clean.code}\n${clean.stderr}`);
      const doc = JSON.parse(dm.stdout);
      const plan = JSON.parse(clean.stdout).plan;
      const fixes = doc.dm.entries
        .filter((e: { action: unknown }) => e.action)
        .map((e: { action: { command: string[] } }) => e.action.command.join(' '))
        .sort();
      const planned = plan.actions.map((a: { command: string[] }) => a.command.join(' ')).sort();
      assert.deepEqual(planned, fixes);
    });
  }
});
