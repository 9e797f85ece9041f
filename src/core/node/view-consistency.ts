// The one consistency check of a gathered device-mapper view, for every command (never fail open): the
// three dmsetup lists against each other, against the kernel's own list (/sys/block/dm-*/dm) and against
// what `lvs` says is active. Each call exits 0 on a node under load or a half-broken libdevmapper and may
// still print a short, partial or repeated list; believing it would make a missing map "inactive", a
// repeated line "a duplicate of itself" that cleanup removes, a CRITICAL node a WARNING. Any disagreement
// is a reason: the DM part is UNKNOWN and nothing is planned. (A map created or removed between two calls
// disagrees too: the next run, a second later, sees it settled.)

import type { DeviceNames } from '../parse/dm-device-lines';
import { parseThinPoolStatus } from '../parse/parse-dm-status';
import { type DmInfo, type DmSegment, parseDmStatusLines } from '../parse/parse-dmsetup';
import type { LvRow } from '../parse/parse-lvm';
import type { SysDmEntry } from '../vocab/snapshot';
import type { DeviceIndex, ListedTwice } from './dm-devices';

export interface DmViewInput {
  info: DmInfo[];
  tables: Map<string, DmSegment[]>;
  deps: Map<string, string[]>;
  /** Raw `dmsetup deps` text: a repeated line is only visible there (the parsed map keeps one). */
  depsText: string;
  /** /sys/block/dm-*; compared when it was read (sysDmRead) or when it lists anything (older captures). */
  sysDm: SysDmEntry[];
  /** true: the gatherer read /sys/block (an empty list then means "no maps"); a string: why it could not. */
  sysDmRead?: boolean | string;
  /** `lvs` rows, or null when lvs failed (then that comparison is left to the LVM view's own reason). */
  lvs: LvRow[] | null;
  /** The devices of `info` by name, device number and kernel name (dm-devices.ts buildDevices). */
  index: DeviceIndex;
  /** What `info` lists more than once, found while the index was built. */
  twice: ListedTwice;
}

/** Why the gathered device-mapper view cannot be believed, or null when its sources agree. */
export function dmViewDisagreement(v: DmViewInput): string | null {
  const problems = [...ownProblems(v), ...sysfsProblems(v), ...lvsProblems(v)];
  if (problems.length === 0) return null;
  const more = problems.length > 3 ? `; … ${problems.length - 3} more` : '';
  return `the device-mapper view is inconsistent (${problems.slice(0, 3).join('; ')}${more}): not checked`;
}

const KNAME = /^dm-\d+$/;

/** dmsetup info, table and deps against each other: one line per map, each map everywhere, numbers that are numbers. */
function ownProblems(v: DmViewInput): string[] {
  const out: string[] = [];
  const { twice } = v;
  for (const n of twice.names) out.push(`dmsetup info lists ${n} twice`);
  for (const u of twice.uuids) out.push(`dmsetup info lists UUID ${u} twice`);
  for (const d of twice.devnos) out.push(`dmsetup info lists device ${d} twice`);
  for (let i = 0; i < v.info.length; i++) {
    const d = v.info[i];
    if (!Number.isInteger(d.major) || !Number.isInteger(d.minor) || d.major < 0 || d.minor < 0 || !KNAME.test(d.kname))
      out.push(`dmsetup info line of ${d.name} is not a device (${d.kname} ${d.major}:${d.minor})`);
  }
  const names = v.index.byName;
  // With every name listed once, a list holds a name dmsetup info lacks exactly when it has more than the
  // names it shares with it: the 10,000 keys of each need no second walk on a node that agrees.
  let withTable = 0;
  let withDeps = 0;
  for (let i = 0; i < v.info.length; i++) {
    const d = v.info[i];
    const segs = v.tables.get(d.name);
    if (!segs) out.push(`dmsetup table has no line for ${d.name}`);
    else {
      withTable++;
      if (d.live && segs.length !== d.segments)
        out.push(`dmsetup table has ${segs.length} segments for ${d.name}, dmsetup info ${d.segments}`);
      else if (!contiguous(segs)) out.push(`dmsetup table of ${d.name} has overlapping or repeated segments`);
    }
    if (v.deps.has(d.name)) withDeps++;
    else out.push(`dmsetup deps has no line for ${d.name}`);
  }
  const distinct = twice.names.size === 0;
  if (!distinct || v.tables.size > withTable)
    for (const n of v.tables.keys()) if (!names.has(n)) out.push(`dmsetup table lists ${n}, dmsetup info does not`);
  if (!distinct || v.deps.size > withDeps)
    for (const n of v.deps.keys()) if (!names.has(n)) out.push(`dmsetup deps lists ${n}, dmsetup info does not`);
  if (v.deps.size === v.info.length) {
    const depLines = deviceLines(v.depsText);
    if (depLines !== v.deps.size) out.push(`dmsetup deps prints ${depLines} lines for ${v.deps.size} maps`);
  }
  return out;
}

/** The lines of a dmsetup listing that are not blank and not its "No devices found". */
function deviceLines(text: string): number {
  let n = 0;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const c = text.charCodeAt(start);
    // A printable first character other than 'N' is a line; anything else is looked at closely.
    if (start < end && c > 32 && c < 127 && c !== 78) n++;
    else {
      const l = text.slice(start, end);
      if (l.trim() !== '' && !l.startsWith('No devices found')) n++;
    }
    start = end + 1;
  }
  return n;
}

/** Segments of one table follow each other from sector 0 (dm-table.c refuses gaps and overlaps). */
function contiguous(segs: DmSegment[]): boolean {
  let next = 0;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (s.start !== next || !(s.length > 0)) return false;
    next = s.start + s.length;
  }
  return true;
}

/** The kernel's list (/sys/block/dm-N/dm/{name,uuid}, dev) against dmsetup info, map by map. */
function sysfsProblems(v: DmViewInput): string[] {
  if (typeof v.sysDmRead === 'string') return [`the kernel's list of maps could not be read: ${v.sysDmRead}`];
  if (v.sysDmRead !== true && v.sysDm.length === 0) return [];
  if (sysfsAgrees(v)) return [];
  const out: string[] = [];
  const byKname = new Map<string, SysDmEntry>();
  for (let i = 0; i < v.sysDm.length; i++) byKname.set(v.sysDm[i].kname, v.sysDm[i]);
  for (let i = 0; i < v.info.length; i++) {
    const d = v.info[i];
    const s = byKname.get(d.kname);
    if (!s) out.push(`dmsetup lists ${d.name} (${d.kname}), /sys/block does not`);
    else if (!sameMap(s, d, `${d.major}:${d.minor}`))
      out.push(`${d.kname} is ${s.name} in /sys/block, ${d.name} in dmsetup info`);
  }
  const knames = v.index.byKname;
  for (let i = 0; i < v.sysDm.length; i++) {
    const s = v.sysDm[i];
    if (!knames.has(s.kname)) out.push(`/sys/block has ${s.name} (${s.kname}), dmsetup does not`);
  }
  return out;
}

/** The kernel's entry names the map `d` (`devno`: its major:minor). */
function sameMap(s: SysDmEntry, d: DmInfo, devno: string): boolean {
  return s.name === d.name && s.uuid === d.uuid && (s.dev === undefined || s.dev === devno);
}

/**
 * Whether sysfsProblems would find nothing, read through the device index instead of a second index of
 * the kernel's list: as many entries as maps, every kernel name once, each the same map.
 */
function sysfsAgrees(v: DmViewInput): boolean {
  const { byKname } = v.index;
  if (v.sysDm.length !== v.info.length || byKname.size !== v.info.length) return false;
  const matched = new Set<string>();
  for (let i = 0; i < v.sysDm.length; i++) {
    const s = v.sysDm[i];
    const d = byKname.get(s.kname);
    if (!d || matched.has(s.kname) || !sameMap(s, d.info, d.devno)) return false;
    matched.add(s.kname);
  }
  return true;
}

/** lvs reports an LV active when the kernel has its map (lv_kernel_major:minor): that map must be listed. */
function lvsProblems(v: DmViewInput): string[] {
  if (!v.lvs) return [];
  const out: string[] = [];
  const devnos = v.index.byDevno;
  for (let i = 0; i < v.lvs.length; i++) {
    const lv = v.lvs[i];
    if (!lv.active || lv.kernelMajor === null || lv.kernelMinor === null) continue;
    const devno = `${lv.kernelMajor}:${lv.kernelMinor}`;
    if (!devnos.has(devno)) out.push(`lvs says ${lv.vg}/${lv.name} is active as ${devno}, dmsetup lists no such map`);
  }
  return out;
}

/** The targets whose `dmsetup status` lines a rule reads (thin pools: thin-pool.ts; multipath paths). */
const STATUS_READ = new Set(['thin-pool', 'multipath']);

/**
 * Why `dmsetup status` (exit 0) cannot be believed for the maps that are judged by it, or null. Its
 * lines follow the table's segments one for one (libdm `dmsetup status` prints a line per target of
 * each map, the same `<name>: <start> <length> <target>` head as `dmsetup table`): a thin pool or
 * multipath map without its line, a map listed more often than it has segments or one `dmsetup info`
 * does not know, or a thin-pool line cut short (dm-thin.c pool_status prints all its fields or `Fail`)
 * is a short or garbled read — the pool would look healthy or failed. Maps no rule reads from status
 * (linear, thin volumes) may lack their line: nothing depends on it.
 */
export function dmStatusDisagreement(
  statusText: string,
  tables: Map<string, DmSegment[]>,
  names: DeviceNames = tables,
): string | null {
  // Segments only of the maps a rule reads from status; the others are counted.
  const read = new Set<string>();
  tables.forEach((segs, name) => {
    for (let i = 0; i < segs.length; i++) if (STATUS_READ.has(segs[i].target)) read.add(name);
  });
  let status: ReturnType<typeof parseDmStatusLines>;
  try {
    status = parseDmStatusLines(statusText, names, (name) => read.has(name) || !tables.has(name));
  } catch (e) {
    return `dmsetup status cannot be parsed: ${(e as Error).message}`;
  }
  const out: string[] = [];
  status.lines.forEach((_, n) => {
    if (!tables.has(n)) out.push(`it lists ${n}, dmsetup info does not`);
  });
  tables.forEach((segs, name) => {
    const lines = status.lines.get(name) ?? 0;
    if (lines > segs.length) out.push(`it has ${lines} lines for ${name}, which has ${segs.length} segments`);
    if (!read.has(name) || lines > segs.length) return;
    const target = segs.find((x) => STATUS_READ.has(x.target))?.target;
    const st = status.segments.get(name) ?? [];
    if (st.length !== segs.length || st.some((x, i) => x.target !== segs[i].target || x.start !== segs[i].start))
      out.push(`it has no ${target} line for ${name}`);
    else if (st.some((x) => x.target === 'thin-pool' && badPoolLine(x.params)))
      out.push(`the thin-pool line of ${name} is cut short`);
  });
  if (out.length === 0) return null;
  const more = out.length > 3 ? `; … ${out.length - 3} more` : '';
  return `dmsetup status disagrees with dmsetup info and table (${out.slice(0, 3).join('; ')}${more})`;
}

function badPoolLine(params: string): boolean {
  const p = parseThinPoolStatus(params);
  return p.failed && !/^(Fail|Error)$/.test(p.text);
}
