// node bench/cluster-scale.mjs: the cost of `pve-health cluster` on the node that runs it, for a
// cluster of 32 nodes with 400 guests each, reached through the ssh stand-in (test/cluster/fake-ssh.mjs).
// One fakenode node of 400 guests is the local node (checked in-process, with the fake lvs/dmsetup);
// every remote node answers with a real `check --json` document of such a node after a latency of
// 0.8-1.5 × the measured time of that check (what the check costs on the node itself, in parallel).
// Prints: wall time, peak RSS of the pve-health process, most remote checks running at once, the
// document sizes; then the same with one node that never answers. Numbers, not assertions.
//   BENCH_NODES=32 BENCH_GUESTS=400 BENCH_TIMEOUT=5
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const cli = join(repo, 'dist/pve-health.cjs');
const fakenode = resolve(repo, process.env.PVE_HEALTH_SHARED ?? '../shared', 'fakenode/fakenode.py');
const fakeSsh = join(repo, 'test/cluster/fake-ssh.mjs');
const NODES = Number(process.env.BENCH_NODES ?? 32);
const GUESTS = Number(process.env.BENCH_GUESTS ?? 400);
const TIMEOUT = Number(process.env.BENCH_TIMEOUT ?? 5);
const work = join(repo, '.bench', `cluster-${NODES}x${GUESTS}`);

if (!existsSync(fakenode)) {
  console.log(`cluster-scale: skipped, fakenode not found at ${fakenode}`);
  process.exit(0);
}
if (!existsSync(cli)) spawnSync(process.execPath, [join(repo, 'scripts/build.mjs')], { stdio: 'inherit' });

const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
const name = (i) => `pve${String(i + 1).padStart(2, '0')}`;
const ip = (i) => `192.0.2.${i + 1}`;

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const local = join(work, 'local');
let r = spawnSync('python3', [fakenode, 'scale', String(GUESTS), local, '--force'], { encoding: 'utf8' });
if (r.status !== 0) throw new Error(r.stderr);
const env = { ...process.env, NO_COLOR: '1', PATH: `${join(local, 'bin')}:${process.env.PATH}` };

// One node's own check: its time is the latency of a remote node, its document what comes back.
const t0 = performance.now();
r = spawnSync(process.execPath, [cli, '--root', join(local, 'root'), 'check', '--json'], {
  env,
  encoding: 'utf8',
  maxBuffer: 1 << 30,
});
const checkMs = performance.now() - t0;
const doc = JSON.parse(r.stdout);

// The cluster: .members of the local node, a stand-in host map, per node a `pve-health` that
// sleeps its latency and prints its document; each run logs start/end to count the overlap.
const members = {
  nodename: name(0),
  version: 1,
  cluster: { name: 'bench', version: 1, nodes: NODES, quorate: 1 },
  nodelist: {},
};
const hosts = {};
const runLog = join(work, 'runs.log');
let docBytes = 0;
for (let i = 0; i < NODES; i++) {
  members.nodelist[name(i)] = { id: i + 1, online: 1, ip: ip(i) };
  if (i === 0) continue;
  const dir = join(work, name(i));
  mkdirSync(dir);
  const text = JSON.stringify({ ...doc, node: name(i) });
  docBytes += text.length;
  // Worst case for the merge: every node maps and holds open the same shared LVs (identical UUIDs).
  writeFileSync(join(dir, 'same.json'), text);
  // The normal cluster: each node its own volumes (the LV part of every LVM UUID made its own).
  const tag = `n${String(i).padStart(3, '0')}`;
  writeFileSync(
    join(dir, 'own.json'),
    text
      .replace(/LVM-([A-Za-z0-9]{60})[A-Za-z0-9]{4}/g, `LVM-$1${tag}`)
      .replace(/("lvUuid":"[A-Za-z0-9]{28})[A-Za-z0-9]{4}"/g, `$1${tag}"`),
  );
  const latency = ((checkMs / 1000) * (0.8 + (0.7 * ((i * 37) % NODES)) / NODES)).toFixed(3);
  writeFileSync(
    join(dir, 'pve-health'),
    `#!/bin/sh\necho "start $(date +%s%N)" >> ${q(runLog)}\nsleep ${latency}\ncat ${q(dir)}/$(cat ${q(join(work, 'variant'))}).json\necho "end $(date +%s%N)" >> ${q(runLog)}\n`,
  );
  chmodSync(join(dir, 'pve-health'), 0o755);
  hosts[ip(i)] = { path: [dir], mode: 'ok' };
}
writeFileSync(join(local, 'root/etc/pve/.members'), JSON.stringify(members));
const sshDir = join(work, 'ssh-bin');
mkdirSync(sshDir);
writeFileSync(join(sshDir, 'ssh'), `#!/bin/sh\nexec ${q(process.execPath)} ${q(fakeSsh)} "$@"\n`);
chmodSync(join(sshDir, 'ssh'), 0o755);
const hostsFile = join(work, 'hosts.json');

function maxOverlap() {
  const ev = readFileSync(runLog, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .map(([k, t]) => [BigInt(t), k === 'start' ? 1 : -1])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  let cur = 0;
  let max = 0;
  for (const [, d] of ev) {
    cur += d;
    max = Math.max(max, cur);
  }
  return max;
}

/** One `pve-health cluster --json` run: wall time, peak RSS (VmHWM polled from /proc), the document. */
function cluster(concurrency, hang, variant = 'own') {
  writeFileSync(runLog, '');
  writeFileSync(join(work, 'variant'), variant);
  const map = structuredClone(hosts);
  if (hang) map[ip(hang)] = { ...map[ip(hang)], mode: 'hang' };
  writeFileSync(hostsFile, JSON.stringify(map));
  const cfg = join(work, 'config.toml');
  writeFileSync(cfg, `[cluster]\nconcurrency = ${concurrency}\nnode_timeout = ${TIMEOUT}\n`);
  return new Promise((done) => {
    const started = performance.now();
    const p = spawn(process.execPath, [cli, '--root', join(local, 'root'), '--config', cfg, 'cluster', '--json'], {
      env: { ...env, PATH: `${sshDir}:${env.PATH}`, FAKE_SSH_HOSTS: hostsFile },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let hwm = 0;
    p.stdout.on('data', (b) => (out += b));
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
        if (m) hwm = Math.max(hwm, Number(m[1]));
      } catch {}
    }, 10);
    p.on('close', (code) => {
      clearInterval(poll);
      const ms = performance.now() - started;
      const d = JSON.parse(out);
      done({ code, ms, hwm, d, overlap: maxOverlap(), outBytes: out.length, findings: d.findings.length });
    });
  });
}

const mb = (kb) => `${(kb / 1024).toFixed(0)} MiB`;
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(`cluster-scale: ${NODES} nodes × ${GUESTS} guests (${doc.dm?.entries?.length ?? '?'} DM entries per node)`);
console.log(`  one node's check --json: ${s(checkMs)}, document ${(JSON.stringify(doc).length / 1024).toFixed(0)} KiB`);
console.log(
  `  remote documents: ${NODES - 1} × ${(docBytes / (NODES - 1) / 1024).toFixed(0)} KiB = ${(docBytes / 1048576).toFixed(1)} MiB`,
);
console.log(`  remote latency: ${s(checkMs * 0.8)} .. ${s(checkMs * 1.5)} per node`);
function report(what, x) {
  const checked = x.d.nodes.filter((n) => !n.error).length;
  for (const n of x.d.nodes.filter((n) => n.error)) console.log(`  (${n.node}: ${n.error.kind}: ${n.error.message})`);
  console.log(
    `  ${what}: ${s(x.ms)} wall, peak RSS ${mb(x.hwm)}, at most ${x.overlap} remote checks at once, ${checked}/${NODES} checked, ${x.findings} findings, output ${(x.outBytes / 1024).toFixed(0)} KiB, exit ${x.code}`,
  );
}
for (const c of [4, 16, 32]) {
  const x = await cluster(c, 0);
  report(`concurrency ${String(c).padStart(2)}`, x);
}
report('worst case, every shared LV open on every node, concurrency 16', await cluster(16, 0, 'same'));
const h = await cluster(16, 5);
const hung = h.d.nodes.find((n) => n.node === name(5));
console.log(
  `  one hung node, node_timeout ${TIMEOUT} s, concurrency 16: ${s(h.ms)} wall, peak RSS ${mb(h.hwm)}, ${name(5)}: ${hung.error?.kind} after ${s(hung.ms)}, exit ${h.code}`,
);
for (const n of h.d.nodes.filter((n) => n.error && n.node !== name(5)))
  console.log(`  (${n.node}: ${n.error.kind}: ${n.error.message})`);
