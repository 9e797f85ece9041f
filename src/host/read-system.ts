// Reads the system information the HTML report shows. Everything but the root disk comes from /proc,
// /sys and one `pveversion` call (5 s deadline); every part is optional: a missing file or a failing
// command leaves that field null instead of failing the report.
import { readFile, statfs } from 'node:fs/promises';
import {
  parseCpuList,
  parseLoadavg,
  parseMeminfo,
  parsePveversion,
  parseUptime,
  type SystemInfo,
} from '../core/parse/system-info';
import { type Host, hostPath } from './host';

export type { SystemInfo } from '../core/parse/system-info';

async function readText(host: Host, path: string): Promise<string | null> {
  try {
    return await readFile(hostPath(host, path), 'utf8');
  } catch {
    return null;
  }
}

async function readRootDisk(host: Host): Promise<SystemInfo['rootDisk']> {
  try {
    const s = await statfs(hostPath(host, '/'));
    const total = s.blocks * s.bsize;
    const avail = s.bavail * s.bsize;
    const used = (s.blocks - s.bfree) * s.bsize;
    // As df: used / (used + available), so the root-reserved blocks count as unavailable.
    const pct = used + avail > 0 ? Math.round((used / (used + avail)) * 1000) / 10 : 0;
    return { totalBytes: total, usedBytes: used, availableBytes: avail, usagePercent: pct };
  } catch {
    return null;
  }
}

async function readPveversion(host: Host): Promise<ReturnType<typeof parsePveversion> | null> {
  try {
    const r = await host.exec(['pveversion'], { timeoutMs: 5000, env: host.env });
    return parsePveversion(r.stdout);
  } catch {
    return null;
  }
}

export async function readSystemInfo(host: Host): Promise<SystemInfo> {
  const [hostname, osrelease, uptime, loadavg, meminfo, cpus, pve, rootDisk] = await Promise.all([
    readText(host, '/etc/hostname'),
    readText(host, '/proc/sys/kernel/osrelease'),
    readText(host, '/proc/uptime'),
    readText(host, '/proc/loadavg'),
    readText(host, '/proc/meminfo'),
    readText(host, '/sys/devices/system/cpu/online'),
    readPveversion(host),
    readRootDisk(host),
  ]);
  return {
    hostname: hostname?.trim().split(/\s+/)[0] || null,
    pveVersion: pve?.version ?? null,
    kernel: osrelease?.trim() || pve?.kernel || null,
    uptimeSeconds: uptime === null ? null : parseUptime(uptime),
    load: loadavg === null ? null : parseLoadavg(loadavg),
    cpus: cpus === null ? null : parseCpuList(cpus),
    memory: meminfo === null ? null : parseMeminfo(meminfo),
    rootDisk,
  };
}
