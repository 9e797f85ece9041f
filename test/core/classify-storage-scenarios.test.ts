// Storage health against simulated nodes: each test/fixtures/scenarios/storage-*.json is built with
// fakenode (fake dmsetup/lvs/vgs printing the real formats), gathered with the real gatherer and
// analysed; its `x_storage` block says what fakenode's scenario schema cannot express (per-device
// `dmsetup status` values, files such as lvm.conf or a mountinfo that names real device numbers)
// and which findings must come out, exactly.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { analyzeDm } from '../../src/core/dm/analyze-dm';
import { parseNode } from '../../src/core/node/node-view';
import { classifyStorage } from '../../src/core/storage/classify-storage';
import { gatherSnapshot } from '../../src/host/gather';
import { createHost, hostPath } from '../../src/host/host';
import { buildNode, hasFakenode, REPO, SHARED } from '../helpers/cli';

const DIR = join(REPO, 'test/fixtures/scenarios');
const WRAPPERS = join(DIR, 'bin');
const scenarios = readdirSync(DIR).filter((f) => /^storage-.*\.json$/.test(f));

interface XStorage {
  dm_status?: Record<string, Record<string, unknown>>;
  files?: Record<string, string>;
  expect: string[];
  values?: Record<string, Record<string, number>>;
}

/** Apply x_storage to a built node: status values into state.json, files under root. */
function applyExtras(node: string, x: XStorage): void {
  const statePath = join(node, 'state.json');
  const state = JSON.parse(readFileSync(statePath, 'utf8'));
  for (const [name, st] of Object.entries(x.dm_status ?? {})) {
    assert.ok(state.dm[name], `x_storage.dm_status: no DM device ${name}`);
    state.dm[name].status = st;
  }
  writeFileSync(statePath, JSON.stringify(state, null, 1));
  for (const [path, text] of Object.entries(x.files ?? {})) {
    const body = text.replace(/\{devno:([^}]+)\}/g, (_, n: string) => `${state.dm_major}:${state.dm[n].minor}`);
    const target = hostPath({ root: join(node, 'root') }, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, body);
  }
}

describe('storage health on fakenode scenarios', {
  skip: hasFakenode ? false : `fakenode not found under ${SHARED}`,
}, () => {
  test('every storage scenario is here', () => {
    assert.ok(scenarios.length >= 7, scenarios.join(' '));
  });
  for (const file of scenarios) {
    test(file, async () => {
      const scenario = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
      const x = scenario.x_storage as XStorage;
      const node = buildNode(join(DIR, file));
      applyExtras(node, x);
      const host = createHost({
        root: join(node, 'root'),
        env: { ...process.env, PATH: `${WRAPPERS}:${resolve(node, 'bin')}:${process.env.PATH}` },
      });
      const snap = await gatherSnapshot(host);
      const view = parseNode(snap);
      const dm = analyzeDm(view);
      const findings = classifyStorage(view, dm, {});
      assert.deepEqual(
        findings.map((f) => `${f.kind}:${f.severity}`).sort(),
        [...x.expect].sort(),
        JSON.stringify(findings, null, 1),
      );
      for (const [kind, values] of Object.entries(x.values ?? {})) {
        assert.deepEqual(findings.find((f) => f.kind === kind)?.values, values, kind);
      }
      for (const f of findings) {
        assert.ok(f.title && f.detail, `${f.id}: title and detail`);
        if (f.severity !== 'info') assert.ok(f.fix.length > 0, `${f.id}: a fix`);
      }
    });
  }
});
