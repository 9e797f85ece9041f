// `dmsetup status` (one call, all devices): the kernel's live state of thin pools, thin volumes and
// multipath maps. The line shape is the one of `dmsetup table` (`<name>: <start> <length> <target>
// <params>`), so the grouping is parseDmTable's; what is parsed here are the per-target params.
import type { DeviceNames } from './dm-device-lines';
import { type DmSegment, parseDmTable } from './parse-dmsetup';

/**
 * Status segments by device name (`names` from `dmsetup info` disambiguates odd names): all of them,
 * or only those of `targets` (the storage rules read thin-pool and multipath lines; a node's other
 * thousands of lines are not parsed for them).
 */
export function parseDmStatus(
  text: string,
  names: DeviceNames = [],
  targets?: readonly string[],
): Map<string, DmSegment[]> {
  return targets ? parseDmSegmentsOf(text, names, targets) : parseDmTable(text, names);
}

/**
 * parseDmTable's segments of the given targets only, by device (devices without one are left out):
 * `dmsetup status` of a node holds a line per map, and the rules read only a few targets' lines.
 */
export function parseDmSegmentsOf(
  text: string,
  names: DeviceNames,
  targets: readonly string[],
): Map<string, DmSegment[]> {
  // Only the lines that hold a target's word somewhere, found by searching the text (a node has a
  // status line per map); which of them really are such segments is decided below, line by line.
  const starts = new Set<number>();
  for (const t of targets)
    for (let i = text.indexOf(t); i >= 0; i = text.indexOf(t, i + t.length)) starts.add(text.lastIndexOf('\n', i) + 1);
  const lines: string[] = [];
  for (const start of [...starts].sort((a, b) => a - b)) {
    const end = text.indexOf('\n', start);
    lines.push(text.slice(start, end < 0 ? text.length : end));
  }
  const out = new Map<string, DmSegment[]>();
  for (const [name, segments] of parseDmTable(lines.join('\n'), names)) {
    const wanted = segments.filter((s) => targets.includes(s.target));
    if (wanted.length > 0) out.set(name, wanted);
  }
  return out;
}

export interface ThinPoolStatus {
  failed: false;
  transactionId: number;
  /** Metadata blocks (4 KiB each). */
  metaUsed: number;
  metaTotal: number;
  /** Data blocks (pool chunk size each). */
  dataUsed: number;
  dataTotal: number;
  /** Held metadata root (a userspace metadata snapshot), or null for `-`. */
  heldRoot: number | null;
  /** `rw`, `ro` (read-only: metadata error or metadata full) or `out_of_data_space`. */
  mode: string;
  /** `discard_passdown` | `no_discard_passdown` | `ignore_discard`. */
  discard: string;
  /** true: writes fail at once when the pool is full; false (`queue_if_no_space`): they wait. */
  errorIfNoSpace: boolean;
  needsCheck: boolean;
  /** Free metadata blocks below which dm-thin raises an event (kernels >= 4.19 print it), or null. */
  metaLowWatermark: number | null;
}

export interface DmFailedStatus {
  failed: true;
  /** What the kernel printed instead of the fields: `Fail` (pool in fail mode) or `Error`. */
  text: string;
}

// Kernel Documentation/admin-guide/device-mapper/thin-provisioning.rst, "Status" of the pool target:
//   <transaction id> <used metadata blocks>/<total metadata blocks> <used data blocks>/<total data blocks>
//   <held metadata root> ro|rw|out_of_data_space [no_]discard_passdown [error|queue]_if_no_space
//   needs_check|- metadata_low_watermark
// or just `Fail` when the pool is in fail mode (drivers/md/dm-thin.c pool_status). Example:
// 0 1677721600 thin-pool 1 46/4048 4393/1841552 - rw no_discard_passdown queue_if_no_space - 1024
/** Parse the params of a `thin-pool` status segment (after the target name). */
export function parseThinPoolStatus(params: string): ThinPoolStatus | DmFailedStatus {
  const f = params.trim().split(/\s+/);
  if (f.length < 7) return { failed: true, text: params.trim() };
  const frac = (s: string): [number, number] | null => {
    const m = /^(\d+)\/(\d+)$/.exec(s);
    return m ? [Number(m[1]), Number(m[2])] : null;
  };
  const meta = frac(f[1]);
  const data = frac(f[2]);
  if (!/^\d+$/.test(f[0]) || !meta || !data) return { failed: true, text: params.trim() };
  // Flags after the mode come in a fixed order, but older kernels lack some; read them by value.
  const flags = f.slice(4);
  const mode = f[4];
  const discard = flags.find((x) => /discard/.test(x)) ?? 'discard_passdown';
  const last = f[f.length - 1];
  return {
    failed: false,
    transactionId: Number(f[0]),
    metaUsed: meta[0],
    metaTotal: meta[1],
    dataUsed: data[0],
    dataTotal: data[1],
    heldRoot: /^\d+$/.test(f[3]) ? Number(f[3]) : null,
    mode,
    discard,
    errorIfNoSpace: flags.includes('error_if_no_space'),
    needsCheck: flags.includes('needs_check'),
    metaLowWatermark: f.length >= 9 && /^\d+$/.test(last) ? Number(last) : null,
  };
}

export interface ThinStatus {
  failed: false;
  mappedSectors: number;
  /** Highest mapped sector, or null when nothing is mapped (`-`). */
  highestMapped: number | null;
}

// thin-provisioning.rst, "Status" of the thin target: `<nr mapped sectors> <highest mapped sector>`
// (`-` when nothing is mapped), or `Fail`. Example: 0 67108864 thin 20185088 67106815
export function parseThinStatus(params: string): ThinStatus | DmFailedStatus {
  const f = params.trim().split(/\s+/);
  if (!/^\d+$/.test(f[0] ?? '')) return { failed: true, text: params.trim() };
  return {
    failed: false,
    mappedSectors: Number(f[0]),
    highestMapped: /^\d+$/.test(f[1] ?? '') ? Number(f[1]) : null,
  };
}

export interface MultipathPath {
  /** major:minor of the path device. */
  dev: string;
  active: boolean;
  failCount: number;
}

export interface MultipathGroup {
  /** A: active (the current group), E: enabled, D: disabled (bypassed). */
  state: 'A' | 'E' | 'D' | string;
  paths: MultipathPath[];
}

export interface MultipathStatus {
  /** The kernel is queueing I/O right now (status feature 1: MPATHF_QUEUE_IO). */
  queueing: boolean;
  pgInitCount: number;
  groups: MultipathGroup[];
  activePaths: number;
  failedPaths: number;
}

// Kernel Documentation/admin-guide/device-mapper (dm-mpath.c multipath_status, STATUSTYPE_INFO):
//   <#features> <queue_io> <pg_init_count> <#hw handler args> [handler args] <#groups> <next group>
//   then per group: <A|E|D> <#selector status args> [args] <#paths> <#selector info args per path>
//   then per path: <major:minor> <A|F> <fail count> [selector info args]
// Example (service-time, two paths): 0 209715200 multipath 2 0 0 0 1 1 A 0 2 2 8:16 A 0 0 1 8:32 A 0 0 1
/** Parse the params of a `multipath` status segment; null when they do not have that shape. */
export function parseMultipathStatus(params: string): MultipathStatus | null {
  const t = params.trim().split(/\s+/);
  let i = 0;
  const next = (): string | undefined => t[i++];
  const int = (): number | null => {
    const s = next();
    return s !== undefined && /^\d+$/.test(s) ? Number(s) : null;
  };
  const nFeatures = int();
  if (nFeatures === null) return null;
  const features = t.slice(i, i + nFeatures);
  i += nFeatures;
  const nHw = int();
  if (nHw === null) return null;
  i += nHw;
  const nGroups = int();
  if (nGroups === null || int() === null) return null;
  const groups: MultipathGroup[] = [];
  for (let g = 0; g < nGroups; g++) {
    const state = next();
    const nSel = int();
    if (state === undefined || nSel === null) return null;
    i += nSel;
    const nPaths = int();
    const nInfo = int();
    if (nPaths === null || nInfo === null) return null;
    const paths: MultipathPath[] = [];
    for (let p = 0; p < nPaths; p++) {
      const dev = next();
      const st = next();
      const fails = int();
      if (dev === undefined || st === undefined || fails === null) return null;
      paths.push({ dev, active: st === 'A', failCount: fails });
      i += nInfo;
    }
    groups.push({ state, paths });
  }
  const all = groups.flatMap((g) => g.paths);
  return {
    queueing: features[0] === '1',
    pgInitCount: Number(features[1] ?? 0) || 0,
    groups,
    activePaths: all.filter((p) => p.active).length,
    failedPaths: all.filter((p) => !p.active).length,
  };
}

// multipath table params start with the feature list (dm-mpath.c parse_features):
// 0 209715200 multipath 1 queue_if_no_path 1 alua 1 1 service-time 0 2 1 8:16 1 8:32 1
/** The feature words of a multipath table; `queue_if_no_path` means I/O waits while no path is up. */
export function parseMultipathFeatures(tableParams: string): { features: string[]; queueIfNoPath: boolean } {
  const t = tableParams.trim().split(/\s+/);
  const n = /^\d+$/.test(t[0] ?? '') ? Number(t[0]) : 0;
  const features = t.slice(1, 1 + n);
  return { features, queueIfNoPath: features.includes('queue_if_no_path') };
}
