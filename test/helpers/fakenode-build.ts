// Builds fakenode nodes for the tests: `fakenode.py build SCENARIO OUT` or `fakenode.py scale N … OUT`.
// Each distinct node (the scenario's text, or the scale arguments, and the fakenode environment) is built
// once per test process and copied for every test that asks for it: the python build costs about a
// second of CPU, the copy milliseconds, and every test still gets a node of its own to change.
// The copy carries the fakes' compiled python (lib/__pycache__, hash-based and unchecked, so the copy's
// new file times do not invalidate it). Without it the first tools the CLI starts side by side each
// compile fakelib.py and fakevol.py, about 0.8 s of CPU apiece, for every node (docs/testing.md, 'CI').

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PYTHON } from './python';
import { tempDir } from './temp-dir';

export interface BuildResult {
  status: number;
  stdout: string;
  stderr: string;
}

const built = new Map<string, string>();

/** What makes two builds the same node: the fakenode code, the arguments, the scenario's text, the env. */
function keyOf(fakenodePy: string, args: string[]): string {
  const h = createHash('sha256');
  h.update(readFileSync(fakenodePy));
  h.update(JSON.stringify(args));
  if (args[0] === 'build' && existsSync(args[1])) h.update(readFileSync(args[1]));
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('FAKENODE')) h.update(`${k}=${v}\n`);
  return h.digest('hex');
}

/** `fakenode.py ARGS… OUT` (ARGS without OUT), as a copy of the same node built before in this process. */
export function buildFakenode(fakenodePy: string, args: string[], out: string): BuildResult {
  const key = keyOf(fakenodePy, args);
  let template = built.get(key);
  if (!template) {
    template = join(tempDir('pvh-fakenode-template-'), 'node');
    const r = spawnSync(PYTHON, [fakenodePy, ...args, template], { encoding: 'utf8' });
    if (r.status !== 0) return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    const lib = join(template, 'lib');
    if (existsSync(lib)) {
      const c = spawnSync(PYTHON, ['-m', 'compileall', '-q', '--invalidation-mode', 'unchecked-hash', lib], {
        encoding: 'utf8',
      });
      if (c.status !== 0) throw new Error(`compileall ${lib}: ${c.stderr}${c.stdout}`);
    }
    built.set(key, template);
  }
  // cp, not fs.cpSync: a node's disk images are sparse files of gigabytes (fs.cpSync writes every byte
  // of them: a test run filled the disk); its links (etc/pve/local -> nodes/pve1) stay as they are,
  // relative, inside the copy; the copy's files get the time of the copy, as a build's would.
  const c = spawnSync('cp', ['-a', '--sparse=always', '--no-preserve=timestamps', template, out], { encoding: 'utf8' });
  if (c.status !== 0) throw new Error(`cp -a ${template} ${out}: ${c.stderr}`);
  return { status: 0, stdout: '', stderr: '' };
}
