// Probing mounts without ever hanging. A stat of a dead NFS mount blocks its caller, and in Node it
// never settles and even keeps the process from exiting, so no remote path is touched from this
// process: one child (process.execPath running PROBE_SCRIPT) probes every superblock at once on its
// own threads (a full stat, one directory read, statfs) and appends what it sees to a result file.
// At the deadline the child SIGKILLs itself, and exec's hard timeout kills it if it could not.
//
// A child stuck in uninterruptible sleep does not die from SIGKILL. Claim files under
// <root>/run/pve-health/probes/ name the probe process of each superblock until it has ended, so
// later runs (the timer, the dashboard) report the mount stale instead of starting another probe
// that would hang too. Results are cached there for the service (cache_ttl; --fresh bypasses).
import { readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseProbeOutput, probeCommand } from '../children/probe-mount-child';
import type { ProbeJob, ProbeResult, StuckProbe } from '../core/mounts/mount-types';
import { CheckError } from '../core/vocab/errors';
import { type Host, hostPath } from './host';
import {
  backstopMs,
  cachedResult,
  claimFile,
  holderState,
  listStuckProbes,
  markAbandoned,
  processStart,
  readCache,
  readClaim,
  release,
  saveResults,
  stateDir,
  tryClaim,
  writeRunFile,
} from './probe-state';
import { ensurePrivateDir } from './write-file';

export { backstopMs, listStuckProbes, processStart, stateDir };

/**
 * How long to wait for a killed child to really end before calling it stuck. A child that ends sooner
 * is seen at once (the wait races its exit); only a really stuck one costs the whole grace. On a busy
 * hypervisor, or in an emulated guest, reaping a killed child took longer than 300 ms, and a probe that
 * did end was reported stuck, its claim left behind for the next run.
 */
const EXIT_GRACE_MS = 1500;

export interface ProbeOptions {
  timeoutMs: number;
  concurrency: number;
  cacheTtlMs: number;
  fresh?: boolean;
}

export interface ProbeOutcome {
  probes: Record<string, ProbeResult>;
  stuck: StuckProbe[];
  warnings: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let runSeq = 0;

/** One child for the given (already claimed) jobs; returns a result for every job. */
async function runChild(
  host: Host,
  dir: string,
  jobs: ProbeJob[],
  opts: ProbeOptions,
): Promise<Record<string, ProbeResult>> {
  const out = join(dir, 'probes', `out-${process.pid}-${++runSeq}.jsonl`);
  writeRunFile(out, '');
  const at = host.now().toISOString();
  const conc = Math.max(1, Math.min(opts.concurrency, jobs.length));
  const env: NodeJS.ProcessEnv = { ...host.env, UV_THREADPOOL_SIZE: String(Math.max(4, conc)) };
  delete env.NODE_OPTIONS;
  let probePid: number | null = null;
  let exited = false;
  let onExited: () => void = () => {};
  const exitedPromise = new Promise<void>((r) => {
    onExited = r;
  });
  const pending = new Set(jobs.map((j) => j.key));
  let gaveUp = false;
  let execError: string | null = null;
  // Results are read from the file as soon as the child has ended; exec settles a little later
  // (once its pipes close), and only matters when the child never started or could not be killed.
  const abandon = new AbortController();
  const run = host
    .exec(probeCommand(), {
      timeoutMs: backstopMs(opts.timeoutMs),
      signal: abandon.signal,
      input: JSON.stringify({
        jobs: jobs.map((j) => ({ k: j.key, p: hostPath(host, j.path) })),
        timeoutMs: opts.timeoutMs,
        deadlineAt: Date.now() + opts.timeoutMs,
        conc,
        out,
      }),
      env,
      okCodes: 'any',
      onSpawn: (pid) => {
        probePid = pid;
        const probeStart = processStart(pid);
        for (const j of jobs) {
          const file = claimFile(dir, j.key);
          const c = readClaim(file);
          if (c && c.owner === process.pid)
            writeRunFile(file, JSON.stringify({ ...c, probePid: pid, probeStart, since: at }));
        }
      },
      onExit: () => {
        exited = true;
        // The child ended long after we gave up on it: free whatever it still held. (Before
        // that, the code below releases claims once the results are in the cache.)
        if (gaveUp) {
          for (const k of pending) release(dir, k, probePid);
          pending.clear();
        }
        onExited();
      },
    })
    .then(
      () => {},
      (e: Error) => {
        execError = e.message;
      },
    );
  // The child says when it is done or gives up ("end"/"deadline" lines); if it then does not
  // end within a moment, it is stuck in uninterruptible sleep and we stop waiting for it.
  let polling = true;
  const sawLast = (async () => {
    while (polling && !/"t":"(end|deadline)"/.test(readFileSafe(out))) await sleep(50);
  })();
  await Promise.race([run, exitedPromise, sawLast]);
  if (!exited) await Promise.race([exitedPromise, sleep(EXIT_GRACE_MS)]);
  polling = false;
  const text = readFileSafe(out);
  const results = parseProbeOutput(text, jobs, conc, at, execError);
  try {
    unlinkSync(out);
  } catch {}
  if (!text.includes('"t":"ready"')) {
    // Not one mount was probed: that is "cannot check" (exit 3), not a node full of stale mounts.
    gaveUp = true;
    for (const j of jobs) release(dir, j.key, probePid);
    if (!exited) abandon.abort();
    throw new CheckError(`the mount probe process did not start: ${execError ?? 'no output'}`);
  }
  // Results first go to the cache, then the claims go: a run waiting on a claim finds the result.
  saveResults(dir, jobs, results, opts.cacheTtlMs, host.now().getTime());
  for (const j of jobs) {
    // A finished probe frees its superblock now; an unfinished one stays claimed until its child ends.
    if (results[j.key].error !== 'timeout' || exited) {
      release(dir, j.key, probePid);
      pending.delete(j.key);
    } else markAbandoned(dir, j.key, probePid);
  }
  gaveUp = true;
  if (exited) for (const k of pending) release(dir, k, probePid);
  // A child still running now is stuck (it was told its deadline): let go of it entirely, or its pipes
  // and exec's backstop timer keep this process alive for seconds after the answer was printed.
  else abandon.abort();
  return results;
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Probe every job (one per superblock): cached results younger than the TTL are reused unless
 * `fresh`; a superblock whose earlier probe is still stuck is reported `stuck` without a new probe;
 * one another run is probing right now is waited for (at most one timeout).
 */
export async function probeMounts(host: Host, jobs: ProbeJob[], opts: ProbeOptions): Promise<ProbeOutcome> {
  const dir = stateDir(host);
  const warnings: string[] = [];
  const probes: Record<string, ProbeResult> = {};
  // Nothing to probe: leave no state behind (a node without remote mounts or containers).
  if (jobs.length === 0) return { probes, stuck: listStuckProbes(host, opts.timeoutMs), warnings };
  try {
    ensurePrivateDir(dir);
    ensurePrivateDir(join(dir, 'probes'));
  } catch (e) {
    throw new CheckError(`cannot create ${join(dir, 'probes')} (needed to track hung probes): ${(e as Error).message}`);
  }
  const startMs = host.now().getTime();
  const cache = readCache(dir);
  const todo: ProbeJob[] = [];
  for (const j of jobs) {
    const hit = opts.fresh ? null : cachedResult(cache, j, startMs, opts.cacheTtlMs);
    if (hit) probes[j.key] = hit;
    else todo.push(j);
  }
  const claimed: ProbeJob[] = [];
  let waiting: ProbeJob[] = [];
  const stuckResult = (j: ProbeJob): ProbeResult => {
    const c = readClaim(claimFile(dir, j.key));
    return {
      ok: false,
      error: 'stuck',
      stuckPid: c?.probePid ?? undefined,
      stuckSince: c?.since,
      at: null,
      ms: null,
      totalBytes: null,
      usedBytes: null,
      availableBytes: null,
    };
  };
  const waitedSince = new Map<string, number>();
  const sortOut = (list: ProbeJob[], nowIso: string) => {
    for (const j of list) {
      if (tryClaim(dir, j, nowIso)) claimed.push(j);
      else if (holderState(readClaim(claimFile(dir, j.key)), Date.parse(nowIso), opts.timeoutMs) === 'stuck')
        probes[j.key] = stuckResult(j);
      else {
        waiting.push(j);
        // A result of the run we wait for is at least as new as its claim.
        const since = Date.parse(readClaim(claimFile(dir, j.key))?.since ?? '');
        if (!waitedSince.has(j.key)) waitedSince.set(j.key, Number.isNaN(since) ? startMs : since);
      }
    }
  };
  sortOut(todo, host.now().toISOString());
  const first = claimed.splice(0);
  const firstRun = first.length ? runChild(host, dir, first, opts) : Promise.resolve({});
  // Superblocks another run is probing right now: wait for it to finish (its result lands in the
  // cache), then use that result or probe ourselves.
  const waitUntil = performance.now() + backstopMs(opts.timeoutMs) + EXIT_GRACE_MS;
  while (waiting.length && performance.now() < waitUntil) {
    await sleep(100);
    waiting = waiting.filter(
      (j) => holderState(readClaim(claimFile(dir, j.key)), host.now().getTime(), opts.timeoutMs) === 'busy',
    );
  }
  Object.assign(probes, await firstRun);
  const again = todo.filter((j) => !probes[j.key] && !first.includes(j));
  const fresh = readCache(dir);
  waiting = [];
  for (const j of again) {
    const hit = cachedResult(fresh, j, host.now().getTime(), opts.cacheTtlMs, waitedSince.get(j.key) ?? startMs);
    if (hit) probes[j.key] = hit;
  }
  sortOut(
    again.filter((j) => !probes[j.key]),
    host.now().toISOString(),
  );
  for (const j of waiting) probes[j.key] = stuckResult(j);
  if (claimed.length) Object.assign(probes, await runChild(host, dir, claimed, opts));

  return { probes, stuck: listStuckProbes(host, opts.timeoutMs), warnings };
}
