// Load test of `pve-health serve` (npm run bench:serve; root, Linux with /dev/fuse):
// the real CLI on a fakenode root whose 5 NFS storages hang for real (FUSE mounts that never answer:
// a stat sleeps uninterruptibly, like on a dead hard-mounted NFS export), polled 20 times a second
// for 60 s. Prints latency p50/p99/max, probe processes per hung mount (counted by the FUSE daemons
// from the kernel's requests, not from the service's own word), and the service's RSS.
// Targets: p99 < 50 ms, every answer 200, <= 1 probe per hung mount, flat memory (see the end); exit 1
// if one is missed. Everything runs in a private mount namespace, so no other process sees the mounts.
//
// Env: BENCH_SECONDS (60), BENCH_RATE (20), BENCH_HUNG (5), FAKENODE (../shared/fakenode from the repo),
// PVE_HEALTH_CLI (dist/pve-health.cjs).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RATE = Number(process.env.BENCH_RATE ?? 20);
const HUNG = Number(process.env.BENCH_HUNG ?? 5);
const FAKENODE = process.env.FAKENODE ?? resolve(repo, '../shared/fakenode');
const CLI = process.env.PVE_HEALTH_CLI ?? join(repo, 'dist/pve-health.cjs');
const P99_TARGET_MS = 50;
const RSS_GROWTH_LIMIT_KIB = 24 * 1024;
const RSS_SECOND_HALF_LIMIT_KIB = 8 * 1024;
const HEAP_GROWTH_LIMIT_BYTES = 4 * 1048576;

if (process.getuid?.() !== 0 || !existsSync('/dev/fuse')) {
  console.log('bench:serve needs root and /dev/fuse (real hung FUSE mounts); skipped');
  process.exit(0);
}
// Re-run inside a private mount namespace: the hung mounts must not be seen by anything else.
if (process.env.PVE_HEALTH_BENCH_NS !== '1') {
  const r = spawnSync(
    'unshare',
    ['--mount', '--propagation', 'private', process.execPath, fileURLToPath(import.meta.url)],
    {
      stdio: 'inherit',
      env: { ...process.env, PVE_HEALTH_BENCH_NS: '1' },
    },
  );
  process.exit(r.status ?? 1);
}

const tmp = mkdtempSync(join(tmpdir(), 'pve-health-serve-load-'));
const node = join(tmp, 'node');
const root = join(node, 'root');
const daemons = [];
let service = null;

function cleanup() {
  if (service && service.exitCode === null) service.kill('SIGKILL');
  // Killing a daemon closes /dev/fuse: the connection aborts and every stuck stat returns ENOTCONN.
  for (const d of daemons) if (d.proc.exitCode === null) d.proc.kill('SIGKILL');
  for (const d of daemons) spawnSync('umount', ['-l', d.target]);
  rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

// 1. The node: the default lvmthin scenario plus NFS storages, HUNG of them hanging, 2 healthy.
const scenario = JSON.parse(readFileSync(join(FAKENODE, 'scenarios/default-lvmthin.json'), 'utf8'));
const hung = Array.from({ length: HUNG }, (_, i) => `hang${i + 1}`);
const healthy = ['nfs-ok1', 'nfs-ok2'];
scenario.storages.push(
  ...[...hung, ...healthy].map((id) => ({
    id,
    type: 'nfs',
    server: '10.9.9.9',
    export: `/export/${id}`,
    path: `/mnt/pve/${id}`,
    content: 'backup',
  })),
);
scenario.mounts = [...hung, ...healthy].map(
  (id) => `10.9.9.9:/export/${id} /mnt/pve/${id} nfs4 rw,relatime,vers=4.2,hard 0 0`,
);
writeFileSync(join(tmp, 'scenario.json'), JSON.stringify(scenario));
run('python3', [join(FAKENODE, 'fakenode.py'), 'build', join(tmp, 'scenario.json'), node]);
for (const id of healthy) mkdirSync(join(root, 'mnt/pve', id), { recursive: true });

// 2. The hung mounts, for real.
for (const id of hung) {
  const target = join(root, 'mnt/pve', id);
  mkdirSync(target, { recursive: true });
  const log = join(tmp, `${id}.requests`);
  writeFileSync(log, '');
  const proc = spawn(process.execPath, [join(repo, 'bench/fuse-hang.mjs'), target, log, `10.9.9.9:/export/${id}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  daemons.push({ id, target, log, proc });
  await new Promise((ok, fail) => {
    proc.stdout.once('data', ok);
    proc.once('exit', (c) => fail(new Error(`fuse-hang ${id} exited ${c}`)));
  });
}

// 3. The service: mounts re-checked every 10 s (6 scans that each meet the stuck probes), DM every 10 s.
const port = 20000 + (process.pid % 20000);
writeFileSync(
  join(tmp, 'config.toml'),
  `[mounts]\ntimeout = 2\ncache_ttl = 10\n[serve]\ndm_interval = ${process.env.BENCH_DM_INTERVAL ?? 10}\n`,
);
service = spawn(
  process.execPath,
  [CLI, 'serve', '--root', root, '--config', join(tmp, 'config.toml'), '--listen', `127.0.0.1:${port}`],
  { env: { ...process.env, PATH: `${join(node, 'bin')}:${process.env.PATH}` }, stdio: ['ignore', 'inherit', 'pipe'] },
);
let serviceErr = '';
service.stderr.on('data', (d) => {
  serviceErr += d;
});
const base = `http://127.0.0.1:${port}`;

// Wait until both parts have a result (the first mounts scan ends at its probe deadline).
const t0 = Date.now();
let status = null;
while (Date.now() - t0 < 30_000) {
  try {
    status = JSON.parse((await get('/api/status')).body);
    if (status.dm && status.mounts) break;
  } catch {}
  await sleep(200);
}
if (!status?.dm || !status?.mounts) fail(`the service did not produce a first result:\n${serviceErr}`);
const staleAtStart = status.mounts.entries.filter(
  (m) => hung.some((id) => m.target === `/mnt/pve/${id}`) && m.status === 'stale',
);

// 4. The load: RATE requests a second for SECONDS, rotating over the routes, no keep-alive.
const paths = ['/api/status', '/api/mounts', '/api/dm', '/metrics', '/', '/healthz'];
const lat = [];
const appLat = [];
const slow = [];
const failures = [];
const rss = [];
const heap = [];
const rssTimer = setInterval(() => {
  rss.push(rssKiB(service.pid));
  // The service's own word on its JS heap, every 10 s.
  if (rss.length % 10 === 1) get('/api/status').then((r) => heap.push(JSON.parse(r.body).service.memory.heapUsedBytes));
}, 1000);
rss.push(rssKiB(service.pid));
const loadStart = loadavg()[0];
const cpuStart = cpuSeconds(service.pid);
const total = SECONDS * RATE;
const start = performance.now();
const pending = [];
for (let i = 0; i < total; i++) {
  const due = start + (i * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await sleep(wait);
  const path = paths[i % paths.length];
  const t = performance.now();
  pending.push(
    get(path).then(
      (r) => {
        lat.push(performance.now() - t);
        const st = /dur=([\d.]+)/.exec(r.timing ?? '');
        if (st) appLat.push(Number(st[1]));
        if (process.env.BENCH_DEBUG) slow.push([performance.now() - t, path, ((t - start) / 1000).toFixed(2)]);
        // Every route, /healthz too: a hung mount is a finding, not a sick service.
        if (r.status !== 200) failures.push(`${path}: HTTP ${r.status}`);
      },
      (e) => failures.push(`${path}: ${e.message}`),
    ),
  );
}
await Promise.all(pending);
clearInterval(rssTimer);
const cpuEnd = cpuSeconds(service.pid);
rss.push(rssKiB(service.pid));
const elapsed = (performance.now() - start) / 1000;
const last = JSON.parse((await get('/api/status')).body);

// 5. Figures.
lat.sort((a, b) => a - b);
const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
const probes = daemons.map((d) => {
  const tgids = new Set();
  for (const line of readFileSync(d.log, 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line);
    if (r.op !== 26 && r.tgid) tgids.add(r.tgid); // 26 = INIT, sent by the kernel itself
  }
  return { id: d.id, probes: tgids.size };
});
const staleNow = last.mounts.entries.filter(
  (m) => hung.some((id) => m.target === `/mnt/pve/${id}`) && m.status === 'stale',
);
const rssStart = rss[0];
const rssEnd = rss[rss.length - 1];
const rssMax = Math.max(...rss);
const mid = rss[Math.floor(rss.length / 2)];

console.log(`serve load: ${lat.length} requests in ${elapsed.toFixed(1)} s (${RATE}/s target), ${HUNG} hung mounts`);
console.log(`machine load average (1 min): ${loadStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end`);
console.log(
  `latency ms: p50 ${q(0.5).toFixed(2)}  p99 ${q(0.99).toFixed(2)}  max ${lat[lat.length - 1].toFixed(2)}  (target p99 < ${P99_TARGET_MS})`,
);
appLat.sort((a, b) => a - b);
const qa = (p) => appLat[Math.min(appLat.length - 1, Math.floor(p * appLat.length))];
console.log(
  `time inside the service (Server-Timing) ms: p50 ${qa(0.5).toFixed(2)}  p99 ${qa(0.99).toFixed(2)}  max ${appLat[appLat.length - 1].toFixed(2)}`,
);
console.log(`errors: ${failures.length}${failures.length ? ` (${failures.slice(0, 5).join('; ')})` : ''}`);
console.log(`probe processes per hung mount: ${probes.map((p) => `${p.id}=${p.probes}`).join(' ')}  (target <= 1)`);
console.log(
  `mount scans: ${last.service.mounts.scans}, DM scans: ${last.service.dm.scans}; hung mounts reported stale: ${staleNow.length}/${HUNG} (at start ${staleAtStart.length})`,
);
console.log(
  `RSS KiB: start ${rssStart}  middle ${mid}  end ${rssEnd}  max ${rssMax}` +
    `  (limits: max - start < ${RSS_GROWTH_LIMIT_KIB}, end - middle < ${RSS_SECOND_HALF_LIMIT_KIB})`,
);
console.log(
  `RSS MiB every 10 s: ${rss
    .filter((_, i) => i % 10 === 0)
    .map((k) => (k / 1024).toFixed(1))
    .join(' ')}`,
);
console.log(
  `JS heap used MiB every 10 s: ${heap.map((b) => (b / 1048576).toFixed(1)).join(' ')}  (limit: growth < ${HEAP_GROWTH_LIMIT_BYTES / 1048576})`,
);
console.log(`service CPU time during the run: ${(cpuEnd - cpuStart).toFixed(2)} s of ${elapsed.toFixed(0)} s`);

if (process.env.BENCH_DEBUG) console.log(slow.sort((a, b) => b[0] - a[0]).slice(0, 15));
const missed = [];
if (q(0.99) >= P99_TARGET_MS) missed.push('p99 latency');
if (failures.length) missed.push('errors');
if (probes.some((p) => p.probes > 1)) missed.push('more than one probe of a hung mount');
if (probes.some((p) => p.probes < 1)) missed.push('a hung mount was never probed (the test did not test)');
if (staleNow.length !== HUNG) missed.push('hung mounts not reported stale');
if (last.service.mounts.scans < 3) missed.push('too few mount scans during the run');
// Flat: the JS heap does not grow, and the RSS stops growing once V8 and malloc have sized their
// arenas (the first half of the run); no more growth in the second half than noise.
const heapGrowth = heap.length > 1 ? heap[heap.length - 1] - heap[0] : 0;
if (heapGrowth > HEAP_GROWTH_LIMIT_BYTES) missed.push('JS heap growth');
if (rssEnd - mid > RSS_SECOND_HALF_LIMIT_KIB || rssMax - rssStart > RSS_GROWTH_LIMIT_KIB) missed.push('RSS growth');
if (missed.length) fail(`targets missed: ${missed.join(', ')}`);
console.log('all targets met');
process.exit(0);

function fail(msg) {
  console.error(`bench:serve: ${msg}`);
  process.exit(1);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function rssKiB(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** utime + stime of a process, in seconds (children not included). */
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

function get(path) {
  return new Promise((ok, ko) => {
    const req = request(`${base}${path}`, { agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => ok({ status: res.statusCode, body, timing: res.headers['server-timing'] }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', ko);
    req.end();
  });
}
