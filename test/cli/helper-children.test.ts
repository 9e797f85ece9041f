// The helper children the program can also be (src/children/helper-children.ts): started with a child's
// marker as its first or second argument it runs that child, not the CLI. Run in a real process, as the
// single executable and the bundle start themselves (host/self-command.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MOVE_FILE_CHILD_ARG } from '../../src/children/move-file-child';
import { tempDir } from '../helpers/cli';

const MODULE = fileURLToPath(new URL('../../src/children/helper-children.ts', import.meta.url));

/** `node -e` with the given argv after it, the entry point's check first, 'cli' when no child ran. */
function entry(args: string[]) {
  const code = `import(${JSON.stringify(MODULE)}).then((m) => { if (!m.runHelperChildIfAsked(process.argv)) process.stdout.write('cli'); });`;
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', code, '--', ...args], { encoding: 'utf8' });
}

test("the file mover's marker, first or after the script's path, runs the mover and not the CLI", (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const from = join(dir, 'a.raw');
  writeFileSync(from, 'data');
  for (const [i, before] of [[], ['/usr/bin/pve-health']].entries()) {
    const src = i === 0 ? from : join(dir, 'b.raw');
    const to = join(dir, i === 0 ? 'b.raw' : 'c.raw');
    const r = entry([...before, MOVE_FILE_CHILD_ARG, src, to]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.ok(!existsSync(src) && readFileSync(to, 'utf8') === 'data', `renamed to ${to}`);
  }
  const refused = entry([MOVE_FILE_CHILD_ARG, join(dir, 'missing'), join(dir, 'd.raw')]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /cannot stat .*missing: ENOENT/);
});

test('without a marker (or with one further on) the CLI runs', () => {
  for (const args of [[], ['check', '--json'], ['a', 'b', MOVE_FILE_CHILD_ARG]]) {
    const r = entry(args);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'cli');
  }
});
