// System information shown in the HTML report (PVE version, kernel, uptime, load, memory, root disk).
// Pure: the parsers take the text of /proc files and `pveversion` output. src/host/read-system.ts
// reads them; the gatherer stores the result in HostSnapshot.extra.system so `--from` replays it.

export interface SystemInfo {
  hostname: string | null;
  /** "8.2.4" from `pveversion`. */
  pveVersion: string | null;
  /** Running kernel release (/proc/sys/kernel/osrelease). */
  kernel: string | null;
  uptimeSeconds: number | null;
  /** 1, 5 and 15 minute load averages. */
  load: [number, number, number] | null;
  cpus: number | null;
  memory: { totalBytes: number; availableBytes: number; usedBytes: number } | null;
  rootDisk: { totalBytes: number; usedBytes: number; availableBytes: number; usagePercent: number } | null;
}

/** Key of HostSnapshot.extra that holds a SystemInfo. */
export const SYSTEM_EXTRA_KEY = 'system';

export function emptySystemInfo(): SystemInfo {
  return {
    hostname: null,
    pveVersion: null,
    kernel: null,
    uptimeSeconds: null,
    load: null,
    cpus: null,
    memory: null,
    rootDisk: null,
  };
}

// pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.12-1-pve)
export function parsePveversion(text: string): { version: string | null; kernel: string | null } {
  const m = /pve-manager\/([^/\s]+)\/\S*(?:\s+\(running kernel: ([^)\s]+)\))?/.exec(text);
  return { version: m?.[1] ?? null, kernel: m?.[2] ?? null };
}

// 350735.47 234388.90
export function parseUptime(text: string): number | null {
  const v = Number.parseFloat(text.trim().split(/\s+/)[0] ?? '');
  return Number.isFinite(v) ? v : null;
}

// 0.20 0.18 0.12 1/80 11206
export function parseLoadavg(text: string): [number, number, number] | null {
  const f = text.trim().split(/\s+/).slice(0, 3).map(Number);
  return f.length === 3 && f.every(Number.isFinite) ? (f as [number, number, number]) : null;
}

// MemTotal:       16318712 kB
export function parseMeminfo(text: string): SystemInfo['memory'] {
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : null;
  };
  const total = kb('MemTotal');
  // MemAvailable exists since Linux 3.14; older kernels only give MemFree (+ buffers/cache).
  const available = kb('MemAvailable') ?? (kb('MemFree') ?? 0) + (kb('Buffers') ?? 0) + (kb('Cached') ?? 0);
  if (total === null) return null;
  return { totalBytes: total, availableBytes: available, usedBytes: total - available };
}

// 0-3,8-11   (/sys/devices/system/cpu/online)
export function parseCpuList(text: string): number | null {
  let n = 0;
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return null;
    n += m[2] ? Number(m[2]) - Number(m[1]) + 1 : 1;
  }
  return n > 0 ? n : null;
}

/** "4 days, 3:07" from seconds. */
export function formatUptime(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const hm = `${h}:${String(m).padStart(2, '0')}`;
  return d > 0 ? `${d} day${d === 1 ? '' : 's'}, ${hm}` : hm;
}

/** "1.5 GiB" — binary units, as `df -h` and the PVE GUI show. */
