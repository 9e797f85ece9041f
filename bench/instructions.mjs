// npm run bench:instructions: the work of `pve-health dm --json --from SNAPSHOT` counted in machine
// instructions (valgrind's callgrind, every thread of the process: the garbage collector's and the
// compilers' too), beside the I/O floor's (bench/io-floor.mjs) run by the same Node. Wall-clock ratios on a
// shared 2-core machine move by a fifth from one minute to the next; these counts by under 1 %, so a cut
// of 1-2 %, or a regression, shows here where `npm run bench` cannot see it. V8 runs with --predictable
// (one thread, a fixed hash seed, no timer-driven GC task): without it the same binary's counts at 10,000
// devices spread over 3 % (6.69-6.87 G), with it over 0.7 % (6.86 and 6.90 G). They are no time: no cache
// miss, no I/O wait, valgrind runs one thread at a time. The time target stays the bench's; this is the
// instrument for the work between two of its runs.
// Uses the captures `npm run bench` built under .bench (node-<devices>.json); BENCH_SIZES picks them
// (default 10000 and 10000-kvm), BENCH_NODE_VERSIONS adds the Nodes the bench installed there; the single executable, and
// as root pve-health-nodejs as installed (with the code cache its postinst writes), are counted when
// `npm run package` built them. Each count takes about a minute and a half at 10,000 devices.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { digestWithoutClock } from './document-digest.mjs';
import { installedNodejsPackage, packageFacts } from './package-forms.mjs';
import { benchNodeBin, systemNode } from './system-node.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '..');
const work = join(repo, '.bench');
const cli = join(repo, 'dist/pve-health.cjs');
const sea = join(repo, 'dist/pve-health');
const floorScript = join(here, 'io-floor.mjs');
// A size is a capture's name under .bench: `10000` (node-10000.json), `10000-kvm` (its kvm lines of
// qemu-server's shape, which `npm run bench` writes beside it).
const sizes = (process.env.BENCH_SIZES ?? '10000,10000-kvm').split(',').filter(Boolean);

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.log('valgrind not found: no instruction counts (apt install valgrind)');
  process.exit(0);
}

const version = (path) => spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim();
const nodes = [systemNode()];
for (const major of (process.env.BENCH_NODE_VERSIONS ?? '').split(',').filter(Boolean)) {
  const bin = benchNodeBin(work, major);
  if (existsSync(bin)) nodes.push(bin);
  else console.log(`Node ${major} is not under .bench (npm run bench installs it with BENCH_NODE_VERSIONS=${major})`);
}
const runs = [];
const seenVersions = new Set();
for (const path of nodes) {
  const v = version(path);
  if (seenVersions.has(v)) continue;
  seenVersions.add(v);
  const floor = { name: `I/O floor (node ${v})`, argv: [path, '--predictable', floorScript], floor: true };
  runs.push(floor, { name: `bundle, node ${v}`, argv: [path, '--predictable', cli], of: floor });
}
// pve-health-nodejs as installed (root, `npm run package` built it): the form the README recommends, its
// code cache included, under its V8 option, held to the system node's floor as in the bench.
const { argv: PACKAGE_ARGV, debVersion } = packageFacts(repo);
const nodejsProgram = installedNodejsPackage(repo, nodes[0], PACKAGE_ARGV, debVersion);
if (nodejsProgram) {
  const argv = [nodes[0], '--predictable', ...PACKAGE_ARGV, nodejsProgram];
  // A cache V8 refuses would count the compile it saves: said, not counted as the installed form.
  const probe = spawnSync(argv[0], [...argv.slice(1), '--version'], {
    encoding: 'utf8',
    env: { ...process.env, PVE_HEALTH_DEBUG: '1' },
  });
  if (/code cache was not used/.test(probe.stderr)) console.log(`pve-health-nodejs: ${probe.stderr.trim()}`);
  else runs.push({ name: `pve-health-nodejs on node ${version(nodes[0])}, with its code cache`, argv, of: runs[0] });
}
// The executable is held to the system node's floor, as in the bench.
if (existsSync(sea)) runs.push({ name: 'single executable', argv: [sea, '--node-options=--predictable'], of: runs[0] });

/** Instructions of one run (callgrind's "Collected" total) and the digest of what it printed, clock line out. */
function count(run, snap) {
  const out = join(tmpdir(), `pve-health-instructions-${process.pid}-${runs.indexOf(run)}.json`);
  const args = run.floor ? [snap] : ['dm', '--json', '--from', snap];
  const [exe, ...pre] = run.argv;
  return new Promise((done, fail) => {
    const p = spawn(
      'sh',
      ['-c', 'exec valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" > "$OUT"', 'sh', exe, ...pre, ...args],
      { env: { ...process.env, OUT: out }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('close', (code) => {
      const m = /Collected : (\d+)/.exec(err);
      const digest = !m || run.floor ? null : digestWithoutClock(out);
      rmSync(out, { force: true });
      if (!m || ![0, 1, 2].includes(code)) return fail(new Error(`${run.name}: exit ${code}\n${err.slice(-2000)}`));
      done({ instructions: Number(m[1]), digest });
    });
  });
}

/** At most one count per CPU at once: callgrind runs a process on one thread. */
async function countAll(snap) {
  const results = new Map();
  const queue = [...runs];
  const worker = async () => {
    for (let r = queue.shift(); r; r = queue.shift()) results.set(r, await count(r, snap));
  };
  await Promise.all(Array.from({ length: Math.max(1, cpus().length) }, worker));
  return results;
}

for (const size of sizes) {
  const snap = join(work, `node-${size}.json`);
  if (!existsSync(snap)) {
    console.log(`no capture ${snap}: npm run bench (with BENCH_SIZES=${parseInt(size, 10)}) builds it`);
    continue;
  }
  const results = await countAll(snap);
  const printed = new Set(runs.filter((r) => !r.floor).map((r) => results.get(r).digest));
  if (printed.size !== 1) throw new Error(`${size}: the runtimes printed ${printed.size} different documents`);
  console.log(`\npve-health dm --json --from ${snap.slice(repo.length + 1)}: instructions (callgrind, all threads)`);
  console.log('| runtime | instructions | / floor |');
  console.log('|---|---:|---:|');
  for (const r of runs) {
    const n = results.get(r).instructions;
    const ratio = r.floor ? '' : `${(n / results.get(r.of).instructions).toFixed(2)}x`;
    console.log(`| ${r.name} | ${(n / 1e9).toFixed(3)} G | ${ratio} |`);
  }
}
