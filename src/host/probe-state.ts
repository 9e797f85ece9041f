// The state of mount probes between runs, under <root>/run/pve-health/probes/: a claim file per
// superblock names the probe process until it has really ended (a child stuck in uninterruptible
// sleep survives SIGKILL, and a second probe would hang too), and the result cache the service reads
// (cache_ttl; --fresh bypasses it).
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProbeJob, ProbeResult, StuckProbe } from '../core/mounts/mount-types';
import { type Host, hostPath } from './host';
import { writeFileSafely } from './write-file';

/**
 * exec's hard deadline: the child's own timer (timeout, counted from its start) normally ends it
 * much earlier; this one covers a child that never started its timer or cannot be killed. Node
 * start-up can take seconds on a loaded node (and under emulation), hence the generous margin.
 */
export function backstopMs(timeoutMs: number): number {
  return timeoutMs + Math.max(5000, timeoutMs);
}
export interface Claim {
  key: string;
  path: string;
  /** The run that claimed it (CLI or service process). */
  owner: number;
  ownerStart: string | null;
  probePid: number | null;
  probeStart: string | null;
  since: string;
  /** Set by the owner when the child outlived its deadline and SIGKILL: stuck from then on. */
  abandoned?: boolean;
}

export type Holder = 'dead' | 'busy' | 'stuck';

export function stateDir(host: Host): string {
  return hostPath(host, '/run/pve-health');
}

/** A file of stateDir, mode 0600: renamed into place, not flushed (write-file.ts WriteOptions). */
export function writeRunFile(path: string, text: string): void {
  writeFileSafely(path, text, 0o600, { durable: false });
}

/**
 * Start time (clock ticks since boot, /proc/<pid>/stat field 22) of a process of THIS machine: the
 * probe children are real processes even under --root, so this reads the real /proc. Guards
 * against a recycled pid.
 */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

let ownStartTicks: string | null | undefined;
function ownStart(): string | null {
  if (ownStartTicks === undefined) ownStartTicks = processStart(process.pid);
  return ownStartTicks;
}

function alive(pid: number, start: string | null): boolean {
  const now = processStart(pid);
  return now !== null && (start === null || now === start);
}

export const claimFile = (dir: string, key: string) =>
  join(dir, 'probes', `sb-${key.replace(/[^0-9A-Za-z]/g, '_')}.json`);

export function readClaim(file: string): Claim | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Claim;
  } catch {
    return null;
  }
}

export function holderState(c: Claim | null, nowMs: number, timeoutMs: number): Holder {
  if (!c) return 'dead';
  const age = nowMs - Date.parse(c.since);
  if (c.probePid !== null) {
    if (!alive(c.probePid, c.probeStart)) return 'dead';
    // Given up on by its owner, or past exec's hard deadline: not ending means stuck.
    return c.abandoned || age > backstopMs(timeoutMs) ? 'stuck' : 'busy';
  }
  // Claimed, child not started yet: busy while its owner lives (and not forever).
  return alive(c.owner, c.ownerStart) && age < 60_000 ? 'busy' : 'dead';
}

export function tryClaim(dir: string, job: ProbeJob, nowIso: string): boolean {
  const file = claimFile(dir, job.key);
  const claim: Claim = {
    key: job.key,
    path: job.path,
    owner: process.pid,
    ownerStart: ownStart(),
    probePid: null,
    probeStart: null,
    since: nowIso,
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(claim), { flag: 'wx', mode: 0o600 });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (holderState(readClaim(file), Date.parse(nowIso), 0) !== 'dead') return false;
      try {
        unlinkSync(file);
      } catch {}
    }
  }
  return false;
}

/** Remove a claim only while it still names this probe (a later run may have taken it over). */
export function release(dir: string, key: string, probePid: number | null): void {
  const file = claimFile(dir, key);
  const c = readClaim(file);
  if (c && c.owner === process.pid && c.probePid === probePid) {
    try {
      unlinkSync(file);
    } catch {}
  }
}

export function markAbandoned(dir: string, key: string, probePid: number | null): void {
  const file = claimFile(dir, key);
  const c = readClaim(file);
  if (c && c.owner === process.pid && c.probePid === probePid)
    writeRunFile(file, JSON.stringify({ ...c, abandoned: true }));
}

/** Merge fresh results into the cache (atomic rename); old entries are dropped. */
export function saveResults(
  dir: string,
  jobs: ProbeJob[],
  results: Record<string, ProbeResult>,
  ttlMs: number,
  nowMs: number,
): void {
  const cache = readCache(dir);
  for (const j of jobs) {
    const r = results[j.key];
    if (r && !r.cached && r.error !== 'stuck') cache.entries[j.key] = { path: j.path, result: r };
  }
  for (const [k, e] of Object.entries(cache.entries)) {
    if (!e.result.at || nowMs - Date.parse(e.result.at) > Math.max(ttlMs, 3_600_000)) delete cache.entries[k];
  }
  try {
    writeCache(dir, cache);
  } catch {
    // The cache is an optimisation; the claims are what keep probes from piling up.
  }
}

/** Every probe process that was killed and has not ended, from the claim files. */
export function listStuckProbes(host: Host, timeoutMs: number): StuckProbe[] {
  const dir = stateDir(host);
  const byPid = new Map<number, StuckProbe>();
  let names: string[] = [];
  try {
    names = readdirSync(join(dir, 'probes')).filter((n) => n.startsWith('sb-'));
  } catch {}
  for (const n of names) {
    const c = readClaim(join(dir, 'probes', n));
    if (!c || c.probePid === null || holderState(c, host.now().getTime(), timeoutMs) !== 'stuck') continue;
    const s = byPid.get(c.probePid) ?? { pid: c.probePid, since: c.since, keys: [], paths: [] };
    s.keys.push(c.key);
    s.paths.push(c.path);
    byPid.set(c.probePid, s);
  }
  return [...byPid.values()].sort((a, b) => a.pid - b.pid);
}

interface CacheFile {
  version: 1;
  entries: Record<string, { path: string; result: ProbeResult }>;
}

export function readCache(dir: string): CacheFile {
  try {
    const c = JSON.parse(readFileSync(join(dir, 'mounts-cache.json'), 'utf8')) as CacheFile;
    if (c.version === 1 && c.entries && typeof c.entries === 'object') return c;
  } catch {}
  return { version: 1, entries: {} };
}

function writeCache(dir: string, cache: CacheFile): void {
  const file = join(dir, 'mounts-cache.json');
  writeRunFile(file, JSON.stringify(cache));
}

export function cachedResult(
  cache: CacheFile,
  job: ProbeJob,
  nowMs: number,
  ttlMs: number,
  notBefore = 0,
): ProbeResult | null {
  const c = cache.entries[job.key];
  if (!c || c.path !== job.path || !c.result.at) return null;
  const at = Date.parse(c.result.at);
  if (!(nowMs - at < ttlMs && nowMs >= at && at >= notBefore)) return null;
  return { ...c.result, cached: true };
}
