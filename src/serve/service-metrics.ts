// The service's own series in /metrics (names differ from the check renderer's): per part how its
// scans go, and the standard process_* families every Prometheus client library exports. Pure.
import type { ProcessStats } from '../host/read-process-stats';
import type { Part, ScanReport } from './service';

/** What of the API's service block these series need (routes.ts ServiceBlock has it). */
export interface ServiceScans {
  memory?: { rssBytes: number; heapUsedBytes: number };
  dm?: ScanReport;
  mounts?: ScanReport;
  volumes?: ScanReport;
}

/** Gauges of the service itself, appended to the document's metrics (names differ from the renderer's). */
export function renderServiceMetrics(block: ServiceScans): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, values: [Part, number | null][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [part, v] of values) if (v !== null) lines.push(`${name}{part="${part}"} ${v}`);
  };
  const parts = (['dm', 'mounts', 'volumes'] as Part[]).filter((p) => block[p]);
  gauge(
    'pve_health_serve_scan_age_seconds',
    'Seconds since the last scan of this part finished.',
    parts.map((p) => [p, block[p]!.ageSeconds]),
  );
  gauge(
    'pve_health_serve_scan_running_seconds',
    'Seconds the scan in flight has been running (0 when none runs).',
    parts.map((p) => [p, block[p]!.runningForSeconds ?? 0]),
  );
  gauge(
    'pve_health_serve_scan_overrun',
    '1 when a scan has been running longer than its interval (e.g. lvs hanging on a dead device).',
    parts.map((p) => [p, block[p]!.overrun ? 1 : 0]),
  );
  lines.push('# HELP pve_health_serve_scans_total Scans of this part finished since the service started.');
  lines.push('# TYPE pve_health_serve_scans_total counter');
  for (const p of parts) lines.push(`pve_health_serve_scans_total{part="${p}"} ${block[p]!.scans}`);
  gauge(
    'pve_health_serve_scan_failed',
    '1 when the last scan of this part failed (the previous result is still served).',
    parts.map((p) => [p, block[p]!.error ? 1 : 0]),
  );
  if (block.memory) {
    lines.push(
      '# HELP pve_health_serve_memory_bytes Memory of the serve process: resident set and used JS heap.',
      '# TYPE pve_health_serve_memory_bytes gauge',
      `pve_health_serve_memory_bytes{kind="rss"} ${block.memory.rssBytes}`,
      `pve_health_serve_memory_bytes{kind="heap_used"} ${block.memory.heapUsedBytes}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The standard process_* families (as Prometheus client libraries name them). */
export function renderProcessMetrics(p: ProcessStats): string {
  const lines: string[] = [];
  const one = (name: string, type: 'gauge' | 'counter', help: string, v: number | null) => {
    if (v === null) return;
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${v}`);
  };
  one('process_cpu_user_seconds_total', 'counter', 'Total user CPU time spent in seconds.', p.cpuUserSeconds);
  one('process_cpu_system_seconds_total', 'counter', 'Total system CPU time spent in seconds.', p.cpuSystemSeconds);
  one(
    'process_cpu_seconds_total',
    'counter',
    'Total user and system CPU time spent in seconds.',
    p.cpuUserSeconds + p.cpuSystemSeconds,
  );
  one(
    'process_start_time_seconds',
    'gauge',
    'Start time of the process since unix epoch in seconds.',
    p.startTimeSeconds,
  );
  one('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', p.residentBytes);
  one('process_virtual_memory_bytes', 'gauge', 'Virtual memory size in bytes.', p.virtualBytes);
  one('process_open_fds', 'gauge', 'Number of open file descriptors.', p.openFds);
  one('process_max_fds', 'gauge', 'Maximum number of open file descriptors.', p.maxFds);
  return `${lines.join('\n')}\n`;
}
