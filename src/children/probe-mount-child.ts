// The probe child: the script it runs, how it is started, and how its output is read back.
// See probe-mount.ts for why probes run in a child at all.
import type { ProbeJob, ProbeResult } from '../core/mounts/mount-types';
import { builtinRequire } from '../host/builtin-require';
import { childCommand } from '../host/self-command';

/**
 * The child. Input on stdin: {jobs: [{k, p}], timeoutMs, deadlineAt (epoch ms), conc, out}. Output: JSON lines appended to
 * `out` ("ready", "p" phase started, "r" result, "end"/"deadline"), so whatever finished before the
 * deadline survives the kill. CommonJS for any Node >= 18, no dependencies.
 */
export const PROBE_SCRIPT = `'use strict';
const fs = require('fs');
const P = fs.promises;
const a = JSON.parse(fs.readFileSync(0, 'utf8'));
const fd = fs.openSync(a.out, 'a');
const w = (o) => { try { fs.writeSync(fd, JSON.stringify(o) + '\\n'); } catch (e) {} };
w({ t: 'ready', pid: process.pid });
// The timeout counts from the spawn (so the whole check takes about one timeout), but every probe
// gets at least half of it after our start: a slow start on a loaded node must not make a healthy
// mount look stale.
const left = Math.max(a.deadlineAt - Date.now(), a.timeoutMs / 2);
setTimeout(() => { w({ t: 'deadline' }); process.kill(process.pid, 'SIGKILL'); }, left);
const ERRNO = {};
for (const [name, n] of Object.entries(require('os').constants.errno)) ERRNO[n] = ERRNO[n] || name;
let next = 0;
async function probe(j) {
  const r = { t: 'r', k: j.k, ok: false }, t0 = Date.now();
  const phase = (ph) => { r.phase = ph; w({ t: 'p', k: j.k, ph }); };
  try {
    phase('stat');
    const st = await P.stat(j.p);
    if (st.isDirectory()) {
      phase('readdir');
      const d = await P.opendir(j.p);
      try { await d.read(); } finally { await d.close(); }
    }
    if (P.statfs) {
      phase('statfs');
      const f = await P.statfs(j.p);
      Object.assign(r, { bsize: f.bsize, blocks: f.blocks, bfree: f.bfree, bavail: f.bavail });
    }
    r.ok = true;
    delete r.phase;
  } catch (e) {
    // libuv has no name for some errnos (ESTALE is "Unknown system error -116"): use the kernel's.
    r.code = e.code && !/^Unknown/.test(e.code) ? e.code : ERRNO[-e.errno] || e.code || 'EUNKNOWN';
    r.msg = (/^Unknown/.test(String(e.code)) ? r.code + ' (errno ' + -e.errno + '), ' + e.syscall + " '" + j.p + "'" : String(e.message)).slice(0, 300);
  }
  r.ms = Date.now() - t0;
  w(r);
}
async function worker() { while (next < a.jobs.length) await probe(a.jobs[next++]); }
const n = Math.max(1, Math.min(a.conc, a.jobs.length));
Promise.all(Array.from({ length: n }, worker)).then(() => { w({ t: 'end' }); fs.closeSync(fd); process.exit(0); });
`;

/** Passed instead of `-e SCRIPT` when running as a single executable (it cannot take node options). */
export const PROBE_CHILD_ARG = '--pve-health-mount-probe';

/** For the single executable's entry point: run the probe child when started with PROBE_CHILD_ARG. */
export function runProbeChildIfAsked(argv: string[]): boolean {
  // argv[1] is the script for `node bundle.cjs`, the executable again in a single executable.
  if (!argv.slice(1, 3).includes(PROBE_CHILD_ARG)) return false;
  new Function('require', PROBE_SCRIPT)(builtinRequire);
  return true;
}

export function probeCommand(): string[] {
  return childCommand(PROBE_CHILD_ARG, PROBE_SCRIPT);
}

/** The child's result lines → one ProbeResult per job (timeout for a job that started and never finished). */
export function parseProbeOutput(
  text: string,
  jobs: Pick<ProbeJob, 'key'>[],
  conc: number,
  at: string,
  execError: string | null = null,
): Record<string, ProbeResult> {
  const phase = new Map<string, string>();
  const done = new Map<string, Record<string, unknown>>();
  let ready = false;
  for (const line of text.split('\n')) {
    if (!line) continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line);
    } catch {
      continue;
    }
    if (o.t === 'ready') ready = true;
    else if (o.t === 'p') phase.set(String(o.k), String(o.ph));
    else if (o.t === 'r') done.set(String(o.k), o);
  }
  const out: Record<string, ProbeResult> = {};
  for (const j of jobs) {
    const r = done.get(j.key);
    const base = { at, totalBytes: null, usedBytes: null, availableBytes: null };
    if (r?.ok) {
      const bs = Number(r.bsize);
      const has = Number.isFinite(bs) && r.blocks !== undefined;
      out[j.key] = {
        ...base,
        ok: true,
        error: null,
        ms: Number(r.ms),
        totalBytes: has ? Number(r.blocks) * bs : null,
        usedBytes: has ? (Number(r.blocks) - Number(r.bfree)) * bs : null,
        availableBytes: has ? Number(r.bavail) * bs : null,
      };
    } else if (r) {
      out[j.key] = {
        ...base,
        ok: false,
        error: String(r.code),
        message: String(r.msg),
        phase: String(r.phase ?? 'stat'),
        ms: Number(r.ms),
      };
    } else if (phase.has(j.key)) {
      out[j.key] = { ...base, ok: false, error: 'timeout', phase: phase.get(j.key)!, ms: null };
    } else {
      const message = !ready
        ? `probe process did not start: ${execError ?? 'no output'}`
        : `not probed: all ${conc} probe slots were held by hung mounts`;
      out[j.key] = { ...base, ok: false, error: 'not-probed', message, ms: null };
    }
  }
  return out;
}
