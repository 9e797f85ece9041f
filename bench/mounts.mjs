// npm run bench (mounts part): 50 hung mounts with a 2 s timeout must be checked in under 3 s.
// The monitor this replaces stats mounts one after another: 50 × 2 s = 100 s.
//
// The hung mounts are real and hang the way a dead hard-mounted NFS server does: FUSE filesystems
// whose server takes every request and never answers (test/host/probe-mount-hangfs.mjs "swallow"),
// listed in a fixture mountinfo as nfs4 exports of PVE storages. A probe waiting on such a request is
// in uninterruptible sleep: SIGKILL does not end it. Timed: the whole process (NRPE and systemd wait
// for the exit, not for the answer), a first run, then a second run while the first run's probes are
// still stuck — which must start no new probe of those mounts. Root and /dev/fuse needed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuseAvailable, mountSwallow } from '../test/host/probe-mount-hangfs.mjs';

const HUNG = Number(process.env.BENCH_HUNG_MOUNTS ?? 50);
const HEALTHY = 5;
const TIMEOUT_S = 2;
const LIMIT_MS = 3000;
const RUNS = 2; // the first run, and a second one while the first run's probes are still stuck
const cli = resolve(fileURLToPath(new URL('.', import.meta.url)), '../dist/pve-health.cjs');

const why = fuseAvailable();
if (why) {
  console.log(`mounts bench skipped: ${why}`);
  process.exit(0);
}

const root = mkdtempSync(join(tmpdir(), 'pveh-bench-mounts-'));
const hung = [];
const cleanup = () => {
  for (const m of hung.splice(0)) m.close();
  rmSync(root, { recursive: true, force: true });
};
process.on('exit', cleanup);

const lines = ['21 1 8:1 / / rw,relatime shared:1 - ext4 /dev/mapper/pve-root rw,errors=remount-ro'];
const storage = [];
for (let i = 0; i < HUNG + HEALTHY; i++) {
  const id = i < HUNG ? `nfs-hung-${i}` : `nfs-ok-${i}`;
  const target = `/mnt/pve/${id}`;
  mkdirSync(join(root, target), { recursive: true });
  if (i < HUNG) hung.push(await mountSwallow(join(root, target)));
  lines.push(
    `${100 + i} 21 0:${500 + i} / ${target} rw,relatime shared:${10 + i} - nfs4 10.0.0.5:/export/${id} rw,vers=4.2,hard`,
  );
  storage.push(`nfs: ${id}\n\tpath ${target}\n\tserver 10.0.0.5\n\texport /export/${id}\n\tcontent backup\n`);
}
mkdirSync(join(root, 'proc/self'), { recursive: true });
writeFileSync(join(root, 'proc/self/mountinfo'), `${lines.join('\n')}\n`);
mkdirSync(join(root, 'etc/pve'), { recursive: true });
writeFileSync(join(root, 'etc/pve/storage.cfg'), storage.join('\n'));
writeFileSync(join(root, 'etc/pve/.members'), '{"nodename":"pve1","version":1}');

/** Threads in uninterruptible sleep (D): the probe threads stuck on a swallowed request. */
function stuckProcesses() {
  let n = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {}
    for (const tid of tasks) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'D') n++;
      } catch {}
    }
  }
  return n;
}

const times = [];
const stuckAfter = [];
let failed = false;
// Warm the page cache with a run on a node without mounts (the first start reads the bundle from disk).
spawnSync(process.execPath, [cli, '--version']);
for (let run = 0; run < RUNS; run++) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [cli, '--root', root, 'mounts', '--json', '--fresh', '--timeout', String(TIMEOUT_S)],
    {
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    },
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  times.push(ms);
  stuckAfter.push(stuckProcesses());
  const doc = JSON.parse(r.stdout || '{}');
  const stale = doc.mounts?.entries.filter((e) => e.status === 'stale').length;
  const ok = doc.mounts?.entries.filter((e) => e.status === 'ok').length;
  if (r.status !== 2 || stale !== HUNG || ok !== HEALTHY) {
    console.log(`run ${run + 1}: unexpected result: exit ${r.status}, ${stale} stale, ${ok} ok; ${r.stderr}`);
    failed = true;
  }
}
const max = Math.max(...times);
console.log(
  `\npve-health mounts --fresh --timeout ${TIMEOUT_S} (whole process until exit, Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)})`,
);
console.log(
  '| hung mounts (unkillable) | healthy | timeout | first run | second run (probes still stuck) | stuck threads after 1st / 2nd | one after another |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|');
console.log(
  `| ${HUNG} | ${HEALTHY} | ${TIMEOUT_S} s | ${Math.round(times[0])} ms | ${Math.round(times[1])} ms | ${stuckAfter[0]} / ${stuckAfter[1]} | ${HUNG * TIMEOUT_S} s |`,
);
if (max >= LIMIT_MS) {
  console.log(`FAIL: slowest run ${Math.round(max)} ms, limit ${LIMIT_MS} ms`);
  failed = true;
} else console.log(`ok: every run under ${LIMIT_MS} ms`);
if (stuckAfter[1] > stuckAfter[0]) {
  console.log(`FAIL: the second run left ${stuckAfter[1] - stuckAfter[0]} new stuck probe threads`);
  failed = true;
}
cleanup();
process.exit(failed ? 1 : 0);
