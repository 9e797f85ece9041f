// Stryker over the lines of the safety rooms changed since a base commit: CI's mutation step, and the one
// to run before committing a rule change. The rooms are stryker.config.json's `mutate` globs; each added or
// changed line range becomes a `--mutate file:from-to`, run with every in-process test file (per-test
// coverage picks the files that reach each mutant). Then the score with test/mutation/equivalent.md counted
// (scripts/mutation-scores.mjs --strict): a survivor that no test kills and no row explains fails the run.
//
// The base is the commit up to which every room's survivors were killed or explained (docs/testing.md):
// test/mutation/base holds it, and whoever measures the rooms again moves it. A run that would take longer
// than the budget (a base far behind) stops and says so instead of eating CI's time.
//
//   node scripts/mutation-changed.mjs [BASE]        (MUTATION_BUDGET_MIN: minutes, 30 by default)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

const fail = (msg, code = 2) => {
  console.error(`mutation-changed: ${msg}`);
  process.exit(code);
};
const git = (...a) => execFileSync('git', a, { encoding: 'utf8', maxBuffer: 64 << 20 });

const base = (process.argv[2] ?? readFileSync('test/mutation/base', 'utf8')).trim();
try {
  git('rev-parse', '--verify', '--quiet', `${base}^{commit}`);
} catch {
  // Without the history there is no telling what changed: say so, as a test that needs a tool skips.
  let shallow = 'no git history';
  try {
    shallow = git('rev-parse', '--is-shallow-repository').trim() === 'true' ? 'a shallow clone' : '';
  } catch {}
  if (shallow) {
    console.log(`mutation-changed: skipped: ${shallow}, the base ${base.slice(0, 12)} is not in it`);
    process.exit(0);
  }
  fail(`base ${JSON.stringify(base)} is no commit of this clone`);
}
const rooms = JSON.parse(readFileSync('stryker.config.json', 'utf8')).mutate;
const diff = git('diff', '-U0', '--no-color', '--no-ext-diff', '--find-renames', base, '--', ...rooms.map((g) => `:(glob)${g}`));

// +++ b/src/core/node/pve-state.ts       (a file moved unchanged shows no hunk: --find-renames)
// @@ -120,2 +120,5 @@ function x() {      (new lines 120-124; a count of 0 is a pure deletion: nothing to mutate)
const ranges = [];
let file = null;
for (const line of diff.split('\n')) {
  if (line.startsWith('+++ ')) file = line === '+++ /dev/null' ? null : line.slice('+++ b/'.length);
  const h = /^@@ -\S+ \+(\d+)(?:,(\d+))? @@/.exec(line);
  if (!h || !file || !existsSync(file)) continue;
  const from = Number(h[1]);
  const count = h[2] === undefined ? 1 : Number(h[2]);
  if (count > 0) ranges.push(`${file}:${from}-${from + count - 1}`);
}
if (ranges.length === 0) {
  console.log(`mutation-changed: no line of the mutated rooms changed since ${base.slice(0, 12)}: nothing to run`);
  process.exit(0);
}
console.log(
  `mutation-changed: ${ranges.length} changed range(s) since ${base.slice(0, 12)}:\n  ${ranges.join('\n  ')}`,
);

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const budgetMin = Number(process.env.MUTATION_BUDGET_MIN ?? 30);
const stryker = spawn(
  process.execPath,
  [
    'node_modules/@stryker-mutator/core/bin/stryker.js',
    'run',
    '--mutate',
    ranges.join(','),
    '--concurrency',
    String(Math.max(1, availableParallelism())),
  ],
  // A private TMPDIR: a mutant of a path constant acts on the parent of the test's temporary root (a mutant
  // of run-lock.ts's path made ensurePrivateDir chmod the machine's /tmp to 0700), never on the real /tmp.
  { stdio: 'inherit', detached: true, env: { ...process.env, TMPDIR: mkdtempSync(join(tmpdir(), 'pvh-mutation-')) } },
);
let overBudget = false;
const timer = setTimeout(() => {
  overBudget = true;
  process.kill(-stryker.pid, 'SIGTERM');
}, budgetMin * 60_000);
const code = await new Promise((r) => stryker.once('exit', (c, sig) => r(c ?? (sig ? 1 : 0))));
clearTimeout(timer);
if (overBudget)
  fail(
    `stopped after ${budgetMin} min: too much changed since ${base.slice(0, 12)} for one run. Measure the rooms ` +
      'room by room (docs/testing.md) and move test/mutation/base to the commit measured.',
  );
if (code !== 0) fail(`stryker exited with ${code}`);
const scores = spawn(process.execPath, ['scripts/mutation-scores.mjs', '--strict', 'reports/mutation/mutation.json'], {
  stdio: 'inherit',
});
process.exitCode = await new Promise((r) => scores.once('exit', (c) => r(c ?? 1)));
