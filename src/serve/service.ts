// The always-on part of `pve-health serve`: scans run on their own schedule, requests only read the
// last result. Every scan is single-flight: `lvs`/`dmsetup` can hang on a dead multipath device and a
// mount probe can sit in uninterruptible sleep, so a scan that overruns is reported with its age and
// the next one starts only after it ended. No request ever starts a scan, so any request rate costs
// nothing extra and a hung mount never blocks a response.
import type { DmResult, MountsResult } from '../core/vocab/types';
import type { VolumesResult } from '../core/vocab/volume-types';

export type Part = 'dm' | 'mounts' | 'volumes';

export interface ScanState<T> {
  result: T | null;
  /** Message of the last failed scan (the previous result is kept and still served). */
  error: string | null;
  lastStartedAt: Date | null;
  lastFinishedAt: Date | null;
  lastDurationMs: number | null;
  running: boolean;
  /** Start of the scan in flight. */
  runningSince: Date | null;
  /** Completed scans (ok or failed). */
  scans: number;
  /** Bumped whenever `result` or `error` changes, so renderers can cache by it. */
  generation: number;
}

/** What the API reports of one part's scanning (JSON-safe). */
export interface ScanReport {
  intervalSeconds: number;
  lastScanAt: string | null;
  lastDurationMs: number | null;
  /** Seconds since the last finished scan. */
  ageSeconds: number | null;
  running: boolean;
  runningForSeconds: number | null;
  /** A scan has been running for longer than its interval: the result shown is getting old. */
  overrun: boolean;
  error: string | null;
  scans: number;
}

export interface ServiceOptions {
  scanDm: () => Promise<DmResult>;
  scanMounts: () => Promise<MountsResult>;
  /** Guest volumes on ZFS/RBD/file storages; the part is absent without it. */
  scanVolumes?: () => Promise<VolumesResult>;
  dmIntervalMs: number;
  mountsIntervalMs: number;
  volumesIntervalMs?: number;
  now: () => Date;
  /** Called after every finished scan (ok or failed), e.g. to record it in the history. */
  onScan?: (part: Part) => void;
}

export interface Service {
  /** Run the first scans and schedule the next ones. */
  start(): void;
  /** Stop scheduling (a scan in flight runs on; nothing waits for it). */
  stop(): void;
  state(part: 'dm'): Readonly<ScanState<DmResult>>;
  state(part: 'mounts'): Readonly<ScanState<MountsResult>>;
  state(part: 'volumes'): Readonly<ScanState<VolumesResult>>;
  state(part: Part): Readonly<ScanState<unknown>>;
  /** The parts this service scans (volumes only when it has a scanner for them). */
  readonly parts: Part[];
  report(part: Part): ScanReport;
  /**
   * Start a scan unless one of that part is in flight; resolves when the scan (this one or the one
   * already running) ends. For the schedule and tests: the HTTP routes never call it.
   */
  scan(part: Part): Promise<void>;
  readonly startedAt: Date;
}

function emptyState<T>(): ScanState<T> {
  return {
    result: null,
    error: null,
    lastStartedAt: null,
    lastFinishedAt: null,
    lastDurationMs: null,
    running: false,
    runningSince: null,
    scans: 0,
    generation: 0,
  };
}

export function createService(opts: ServiceOptions): Service {
  const states = {
    dm: emptyState<DmResult>(),
    mounts: emptyState<MountsResult>(),
    volumes: emptyState<VolumesResult>(),
  };
  const parts: Part[] = opts.scanVolumes ? ['dm', 'mounts', 'volumes'] : ['dm', 'mounts'];
  const scanners: Record<Part, () => Promise<unknown>> = {
    dm: opts.scanDm,
    mounts: opts.scanMounts,
    volumes: opts.scanVolumes ?? (() => Promise.reject(new Error('no volumes scanner'))),
  };
  const intervals: Record<Part, number> = {
    dm: opts.dmIntervalMs,
    mounts: opts.mountsIntervalMs,
    volumes: opts.volumesIntervalMs ?? opts.dmIntervalMs,
  };
  const inFlight: Record<Part, Promise<void> | null> = { dm: null, mounts: null, volumes: null };
  const timers: Record<Part, NodeJS.Timeout | null> = { dm: null, mounts: null, volumes: null };
  let running = false;
  const startedAt = opts.now();

  function scan(part: Part): Promise<void> {
    const current = inFlight[part];
    if (current) return current;
    const st = states[part] as ScanState<unknown>;
    const t0 = opts.now();
    st.running = true;
    st.runningSince = t0;
    st.lastStartedAt = t0;
    let p: Promise<unknown>;
    try {
      p = scanners[part]();
    } catch (e) {
      p = Promise.reject(e);
    }
    const done = p.then(
      (result) => {
        st.result = result;
        st.error = null;
      },
      (e: unknown) => {
        st.error = e instanceof Error ? e.message : String(e);
      },
    );
    const flight = done.then(() => {
      const t1 = opts.now();
      st.running = false;
      st.runningSince = null;
      st.lastFinishedAt = t1;
      st.lastDurationMs = t1.getTime() - t0.getTime();
      st.scans++;
      st.generation++;
      inFlight[part] = null;
      try {
        opts.onScan?.(part);
      } catch {
        // Recording a scan is a side matter: it never stops the schedule.
      }
      schedule(part, t0);
    });
    inFlight[part] = flight;
    return flight;
  }

  // The next scan starts one interval after the previous one started, or at once when that scan
  // took longer than its interval; never while it runs.
  function schedule(part: Part, lastStart: Date): void {
    if (!running) return;
    if (timers[part]) clearTimeout(timers[part]!);
    const wait = Math.max(0, lastStart.getTime() + intervals[part] - opts.now().getTime());
    timers[part] = setTimeout(() => {
      timers[part] = null;
      void scan(part);
    }, wait);
  }

  function report(part: Part): ScanReport {
    const st = states[part] as ScanState<unknown>;
    const now = opts.now().getTime();
    const runningForMs = st.runningSince ? now - st.runningSince.getTime() : null;
    return {
      intervalSeconds: intervals[part] / 1000,
      lastScanAt: st.lastFinishedAt ? st.lastFinishedAt.toISOString() : null,
      lastDurationMs: st.lastDurationMs,
      ageSeconds: st.lastFinishedAt ? round1((now - st.lastFinishedAt.getTime()) / 1000) : null,
      running: st.running,
      runningForSeconds: runningForMs === null ? null : round1(runningForMs / 1000),
      overrun: runningForMs !== null && runningForMs > intervals[part],
      error: st.error,
      scans: st.scans,
    };
  }

  return {
    startedAt,
    parts,
    start() {
      if (running) return;
      running = true;
      for (const part of parts) void scan(part);
    },
    stop() {
      running = false;
      for (const part of parts) {
        if (timers[part]) clearTimeout(timers[part]!);
        timers[part] = null;
      }
    },
    state: ((part: Part) => states[part]) as Service['state'],
    report,
    scan,
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
