// Node's builtins keep their code cache although both packages start node with a V8 heap option
// (src/cli/builtin-code-cache.ts puts the flag back before any module loads a builtin, and main.ts turns
// the optimising compiler off only once the command's modules are loaded). Measured on the bundle as the
// packages run it, by node's own account of how it compiled each builtin (its internal getCacheUsage,
// which node's test suite reads the same way; --expose-internals is a node option, not a V8 flag, so it
// leaves the hash alone). No clock: a builtin compiled from source after the reset is a failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemNode } from '../../bench/system-node.mjs';
import { pinnedNode, SEA_EXEC_ARGV } from '../../scripts/package/sea';
import { CLI, ensureBuilt, REPO, tempDir } from '../helpers/cli';

/**
 * Preloaded into the run: notes which builtins were loaded when the bundle reset the heap flag, and at
 * exit writes them with node's cache usage to OUT.
 */
const PRELOAD = `
const { internalBinding } = require('internal/test/binding');
const v8 = require('v8');
const set = v8.setFlagsFromString;
let beforeReset = null;
v8.setFlagsFromString = (flags) => {
  if (/^--max-semi-space-size=0$/.test(flags) && !beforeReset) beforeReset = [...process.moduleLoadList];
  return set(flags);
};
process.on('exit', () => {
  const u = internalBinding('builtins').getCacheUsage();
  require('fs').writeFileSync(process.env.OUT, JSON.stringify({
    beforeReset,
    withCache: [...u.compiledWithCache],
    withoutCache: [...u.compiledWithoutCache],
  }));
});
`;

interface Usage {
  beforeReset: string[] | null;
  withCache: string[];
  withoutCache: string[];
}

function usage(dir: string, node: string, v8Options: string[], script: string[]): Usage {
  const preload = join(dir, 'preload.cjs');
  writeFileSync(preload, PRELOAD);
  const out = join(dir, 'usage.json');
  rmSync(out, { force: true });
  const r = spawnSync(node, ['--expose-internals', ...v8Options, '--require', preload, ...script], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', OUT: out },
  });
  assert.ok(r.status !== null && r.status <= 3, `${script.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return JSON.parse(readFileSync(out, 'utf8')) as Usage;
}

/** The pinned Node 24 of the single executable, when installed. */
function pinned(): string | null {
  try {
    const p = pinnedNode(REPO);
    return existsSync(p) ? realpathSync(p) : null;
  } catch {
    return null;
  }
}

/**
 * The node binaries to measure on, each once: this one, the host's (the first on PATH outside node_modules:
 * `npm run` puts the pinned Node 24 first, and pve-health-nodejs runs on Debian's), and the pinned one.
 */
function nodes(pin: string | null): string[] {
  const list = [process.execPath, systemNode(), pin].filter((n): n is string => n !== null);
  return [...new Set(list.map((n) => realpathSync(n)))];
}

const COMMANDS = [
  ['check', '--demo'],
  ['check', '--demo', '--json'],
  ['dm', '--json', '--demo'],
  ['volumes', '--demo'],
  ['--version'],
];

test('the builtins a command loads come from node’s code cache under the packages’ V8 option', async (t) => {
  ensureBuilt();
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pin = pinned();
  for (const node of nodes(pin)) {
    const v = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    // The control: under an option every V8 hashes, a builtin is compiled from source, so the
    // measurement tells the two apart.
    await t.test(`${v}: under another V8 option a builtin is compiled from source`, () => {
      const u = usage(dir, node, ['--no-opt'], ['-e', "require('child_process')"]);
      assert.ok(u.withoutCache.includes('child_process'), JSON.stringify(u.withoutCache));
    });
    // What the reset is for: V8 before 87356585659b counts the heap option in its flag hash (Debian's
    // nodejs 18 and 20, which pve-health-nodejs runs on); the executable's pinned Node 24 leaves heap sizes
    // out, and the reset is a no-op there.
    const hashed = node === pin ? false : /^v(18|20)\./.test(v) ? true : null;
    await t.test(
      `${v}: without the reset the heap option alone ${hashed === null ? 'may cost' : hashed ? 'costs' : 'keeps'} a builtin its cache`,
      (st) => {
        if (hashed === null) return st.skip(`${v}: neither Debian's nodejs 18/20 nor the pinned Node 24`);
        const u = usage(dir, node, SEA_EXEC_ARGV, ['-e', "require('child_process')"]);
        assert.equal(u.withoutCache.includes('child_process'), hashed, JSON.stringify(u.withoutCache));
      },
    );
    for (const args of COMMANDS)
      await t.test(`${v}: ${args.join(' ')}`, () => {
        const u = usage(dir, node, SEA_EXEC_ARGV, [CLI, ...args]);
        assert.ok(u.beforeReset, 'the bundle put the heap flag back');
        const early = new Set(u.beforeReset.map((m) => m.replace(/^NativeModule /, '')));
        // Only what was loaded before the reset may have been compiled from source: the v8 module it
        // needs, and node's own start (internal/main/*, the runner that starts the script, is not in
        // moduleLoadList).
        assert.deepEqual(
          u.withoutCache.filter((m) => !early.has(m) && !m.startsWith('internal/main/')),
          [],
          `compiled from source after the reset; with cache: ${u.withCache.length}`,
        );
        assert.ok(u.withCache.length > 0);
      });
  }
});
