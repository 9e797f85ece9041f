// The serve process's own figures, named as every Prometheus client library exports them
// (process_cpu_seconds_total, process_resident_memory_bytes, ...), so dashboards built for any
// exporter work. Read from /proc/self of the real system (not --root: this is our own process).
//
// /proc/self/stat:   4242 (node) S 1 ... utime stime ... starttime vsize rss ...
// /proc/self/limits: Max open files            1024                 524288               files
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessStats {
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  residentBytes: number;
  virtualBytes: number | null;
  startTimeSeconds: number;
  openFds: number | null;
  maxFds: number | null;
}

export function readProcessStats(): ProcessStats {
  const cpu = process.cpuUsage();
  const stats: ProcessStats = {
    cpuUserSeconds: cpu.user / 1e6,
    cpuSystemSeconds: cpu.system / 1e6,
    residentBytes: process.memoryUsage().rss,
    virtualBytes: null,
    startTimeSeconds: Math.round((Date.now() / 1000 - process.uptime()) * 1000) / 1000,
    openFds: null,
    maxFds: null,
  };
  try {
    // Fields after the command (which may contain spaces and parentheses): vsize is field 23.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const vsize = Number(rest[20]);
    if (Number.isFinite(vsize)) stats.virtualBytes = vsize;
  } catch {}
  try {
    stats.openFds = readdirSync('/proc/self/fd').length;
  } catch {}
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) stats.maxFds = Number(m[1]);
  } catch {}
  return stats;
}
