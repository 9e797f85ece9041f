// The command map loads a command's code only when it runs (src/cli/registry.ts): `--version` and the
// top-level help initialise no command, and `dm` never the mailer, the dashboard or the executor.
// Measured on the bundle as users run it: esbuild wraps every lazily reached module in its `__esm`
// and `__commonJS` helpers; a copy of the bundle whose helpers record each module they initialise
// tells which ran.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI, ensureBuilt, tempDir } from '../helpers/cli';

/** esbuild's helpers, each with the statement that records the module (its path is the key of `fn`/`cb`). */
const HELPERS = [
  [
    'var __esm = (fn, res, err) => function __init() {',
    'if (fn) globalThis.__inits.push(Object.getOwnPropertyNames(fn)[0]);',
  ],
  [
    'var __commonJS = (cb, mod) => function __require() {',
    'if (!mod) globalThis.__inits.push(Object.getOwnPropertyNames(cb)[0]);',
  ],
];

/** The source paths of the modules a run of the bundle with `args` initialised, in order. */
function initialised(dir: string, args: string[]): string[] {
  const out = join(dir, 'inits.json');
  let bundle = readFileSync(CLI, 'utf8').replace(
    '"use strict";\n',
    `"use strict";\nglobalThis.__inits = [];\nprocess.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(globalThis.__inits)));\n`,
  );
  for (const [helper, record] of HELPERS) {
    assert.ok(bundle.includes(helper), `esbuild helper not found (${helper}): update this test with the bundler`);
    bundle = bundle.replace(helper, `${helper} ${record}`);
  }
  const copy = join(dir, 'pve-health.cjs');
  writeFileSync(copy, bundle);
  const r = spawnSync(process.execPath, [copy, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.ok(r.status !== null && r.status <= 3, `${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return JSON.parse(readFileSync(out, 'utf8')) as string[];
}

test('commands load only what they use', async (t) => {
  ensureBuilt();
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const isCommand = (m: string) => m.startsWith('src/cli/commands/');

  await t.test('--version and --help initialise no command and no package', () => {
    for (const args of [['--version'], ['--help']]) {
      const mods = initialised(dir, args);
      assert.deepEqual(
        mods.filter((m) => isCommand(m) || m.includes('node_modules/')),
        [],
        args.join(' '),
      );
    }
  });

  await t.test('dm initialises dm alone: no mailer, dashboard, report, executor or demo data without --demo', () => {
    const demo = initialised(dir, ['dm', '--json', '--demo']);
    assert.deepEqual(demo.filter(isCommand), ['src/cli/commands/dm.ts']);
    assert.ok(demo.includes('demo/demo-node.json'), 'the measurement sees the modules dm uses');
    const capture = join(dir, 'demo.json');
    writeFileSync(
      capture,
      readFileSync(join(fileURLToPath(new URL('.', import.meta.url)), '../../demo/demo-node.json')),
    );
    const mods = initialised(dir, ['dm', '--json', '--from', capture]);
    const unwanted = mods.filter(
      (m) =>
        m.includes('node_modules/nodemailer/') ||
        /^src\/(serve|notify|act)\//.test(m) ||
        m === 'src/render/html.ts' ||
        m === 'demo/demo-node.json',
    );
    assert.deepEqual(unwanted, []);
  });
});
