// bench/clean-calls.mjs: subprocesses of `pve-health clean --yes --all` on the 400-guest bench node
// (fakenode `scale 400`: 40 orphans, 8 duplicate maps), counted in fakenode's calls.log — calls, not
// seconds (a fake call costs 25-40 ms of Python start-up, a real dmsetup a few ms; the fake lvchange
// rewrites the whole fake /dev and /sys and dominates the wall time). The target: the actions cost <= 2x
// the calls they need. What an action needs: its own command, one read of its map (dmsetup info: open
// count, identity) and, when it has an LV, one read of the LV's row — plus the two looks at the node every
// run takes (the plan's and the final one, 7 calls each).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const cli = join(repo, 'dist/pve-health.cjs');
const fakenode = resolve(repo, process.env.PVE_HEALTH_SHARED ?? '../shared', 'fakenode/fakenode.py');
const GUESTS = Number(process.env.BENCH_CLEAN_GUESTS ?? 400);
const TARGET = 2;

if (!existsSync(fakenode)) {
  console.log(`fakenode not found at ${fakenode}: clean bench skipped`);
  process.exit(0);
}
const work = join(repo, '.bench');
mkdirSync(work, { recursive: true });
const pristine = join(work, `clean-node-${GUESTS}`);
if (!existsSync(join(pristine, 'state.json'))) {
  const r = spawnSync('python3', [fakenode, 'scale', String(GUESTS), pristine, '--force'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fakenode scale: ${r.stderr}`);
}
// Every run acts on a fresh copy: clean changes the node.
const node = join(work, `clean-run-${GUESTS}`);
rmSync(node, { recursive: true, force: true });
cpSync(pristine, node, { recursive: true, verbatimSymlinks: true });
writeFileSync(join(node, 'calls.log'), '');
const load0 = loadavg()[0];
const t0 = performance.now();
const run = spawnSync(process.execPath, [cli, '--root', join(node, 'root'), 'clean', '--yes', '--all', '--json'], {
  encoding: 'utf8',
  env: { ...process.env, PATH: `${join(node, 'bin')}:${process.env.PATH}`, NO_COLOR: '1' },
  maxBuffer: 1 << 28,
});
const seconds = (performance.now() - t0) / 1000;
if (![0, 1, 2].includes(run.status)) throw new Error(`clean exited ${run.status}: ${run.stderr.slice(-2000)}`);
const doc = JSON.parse(run.stdout);
const outcomes = doc.outcomes;
const done = outcomes.filter((o) => o.result === 'done');
const calls = readFileSync(join(node, 'calls.log'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const isCommand = (c) => (c.tool === 'dmsetup' && c.argv[0] === 'remove') || c.tool === 'lvchange';
const commands = calls.filter(isCommand).length;
// The two looks every run takes: the gather's seven calls each.
const LOOK = 7;
const looks = 2 * LOOK;
const reads = calls.length - commands - looks;
const withLv = outcomes.filter((o) => o.action.vg && o.action.lv).length;
const need = looks + outcomes.length + outcomes.length + withLv;
const ratio = calls.length / need;
console.log(
  `clean --yes --all on ${GUESTS} guests (fakenode scale ${GUESTS}): ${outcomes.length} actions (${done.length} done), load average ${load0.toFixed(1)} -> ${loadavg()[0].toFixed(1)}, ${seconds.toFixed(0)} s wall (the fakes' time)`,
);
console.log('| subprocess calls (calls.log) | measured | needed | ratio (target <= 2x) |');
console.log('|---|---:|---:|---:|');
console.log(`| the two looks (plan, final) | ${looks} | ${looks} | |`);
console.log(
  `| re-checks before the actions | ${reads} | ${outcomes.length + withLv} (one map read each, one LV read for ${withLv}) | |`,
);
console.log(`| the actions' commands | ${commands} | ${outcomes.length} | |`);
console.log(
  `| **total** | **${calls.length}** (${((calls.length - looks) / outcomes.length).toFixed(2)} per action) | ${need} | **${ratio.toFixed(2)}x** ${ratio <= TARGET ? 'met' : 'NOT met'} |`,
);
console.log(
  `(a full gather before each action, the re-check before this work: ${looks + outcomes.length * (LOOK + 1)} calls, ${((looks + outcomes.length * (LOOK + 1)) / need).toFixed(2)}x)`,
);
