// Runs every test/**/*.test.ts with node's own runner (Node 20 has no --test globs).
// Tests under test/e2e need the real-kernel testbed and run from `npm run test:e2e`; test/package needs the
// built .deb and a Debian chroot and runs from `npm run test:package`.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'e2e' && name !== 'fixtures' && name !== 'package') find(p, out);
    } else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
let files = only.length ? only : find('test').sort();
// The product and the tests run on Node 18 (Debian 12's nodejs); the browser tests' playwright-core needs
// Node 20. On an older Node they are left out, and said so; in CI (env CI set) that is a failure.
const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  const browser = files.filter((f) => readFileSync(f, 'utf8').includes("from 'playwright-core'"));
  if (browser.length) {
    const why = `Node ${process.versions.node}: playwright-core needs Node 20, so the browser tests do not run: ${browser.join(', ')}`;
    if (process.env.CI) {
      console.error(`${why} (required in CI)`);
      process.exit(1);
    }
    console.log(`# skipped: ${why}`);
    files = files.filter((f) => !browser.includes(f));
  }
}
// The spec report, and at its end the files that took longest (scripts/test-file-times.mjs).
const reporters = ['spec', './scripts/test-file-times.mjs'].flatMap((r) => [
  `--test-reporter=${r}`,
  '--test-reporter-destination=stdout',
]);
// Test files side by side: twice the cores. Most of a file's time is spent waiting (on the CLI it starts, on
// its fake tools, on a deadline it tests), so two files per core keep the CPU busy where one left it idle
// half the time: on 2 cores the six slowest files took 521 s at 4 against 798 s at 2, for the same CPU
// (docs/testing.md, 'CI'). At most 8, so that a many-core machine does not run dozens of test processes
// and their CLIs (a few hundred MB each) at once. PVE_HEALTH_TEST_CONCURRENCY sets another number.
const concurrency =
  process.env.PVE_HEALTH_TEST_CONCURRENCY ?? String(Math.min(8, Math.max(2, availableParallelism() * 2)));
if (!/^[1-9]\d*$/.test(concurrency)) {
  console.error(`PVE_HEALTH_TEST_CONCURRENCY: ${concurrency} is not a number of test files`);
  process.exit(2);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...reporters, ...files],
  {
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
