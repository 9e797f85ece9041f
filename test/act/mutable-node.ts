// A fakenode node whose storage commands act for real (`"mutable_storage": true`: lvrename/lvremove/tags,
// zfs create/rename/set/destroy, rbd rename/trash/rm/snap), built from a temp copy of a shared scenario.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFakenode } from '../helpers/fakenode-build';
import { tempDir } from '../helpers/temp-dir';
import { FAKENODE } from './fakenode-helpers';

/** `edit`: a change to the scenario before the build (e.g. `rbd.status`: the fake answers `rbd status`). */
export function buildMutable(scenario: string, edit?: (s: Record<string, unknown>) => void): string {
  const dir = tempDir('pvh-named-');
  const s = JSON.parse(readFileSync(join(FAKENODE, 'scenarios', `${scenario}.json`), 'utf8'));
  s.mutable_storage = true;
  edit?.(s);
  const file = join(dir, `${scenario}.json`);
  writeFileSync(file, JSON.stringify(s));
  const out = join(dir, 'node');
  const r = buildFakenode(join(FAKENODE, 'fakenode.py'), ['build', file], out);
  if (r.status !== 0) throw new Error(`fakenode build ${scenario}: ${r.stderr}${r.stdout}`);
  return out;
}
