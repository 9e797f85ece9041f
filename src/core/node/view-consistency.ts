// The one consistency check of a gathered device-mapper view, for every command (never fail open): the
// three dmsetup lists against each other, against the kernel's own list (/sys/block/dm-*/dm) and against
// what `lvs` says is active. Each call exits 0 on a node under load or a half-broken libdevmapper and may
// still print a short, partial or repeated list; believing it would make a missing map "inactive", a
// repeated line "a duplicate of itself" that cleanup removes, a CRITICAL node a WARNING. Any disagreement
// is a reason: the DM part is UNKNOWN and nothing is planned. (A map created or removed between two calls
// disagrees too: the next run, a second later, sees it settled.)
import { parseThinPoolStatus } from '../parse/parse-dm-status';
import { type DmInfo, type DmSegment, parseDmTable } from '../parse/parse-dmsetup';
import type { LvRow } from '../parse/parse-lvm';
import type { SysDmEntry } from '../snapshot';

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
}

/** Why the gathered device-mapper view cannot be believed, or null when its sources agree. */
export function dmViewDisagreement(v: DmViewInput): string | null {
  const problems = [...ownProblems(v), ...sysfsProblems(v), ...lvsProblems(v)];
  if (problems.length === 0) return null;
  const more = problems.length > 3 ? `; … ${problems.length - 3} more` : '';
  return `the device-mapper view is inconsistent (${problems.slice(0, 3).join('; ')}${more}): not checked`;
}

function repeated(values: string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const x of values) (seen.has(x) ? twice : seen).add(x);
  return [...twice];
}

/** dmsetup info, table and deps against each other: one line per map, each map everywhere, numbers that are numbers. */
function ownProblems(v: DmViewInput): string[] {
  const out: string[] = [];
  for (const n of repeated(v.info.map((d) => d.name))) out.push(`dmsetup info lists ${n} twice`);
  for (const u of repeated(v.info.map((d) => d.uuid).filter(Boolean))) out.push(`dmsetup info lists UUID ${u} twice`);
  for (const d of repeated(v.info.map((d) => `${d.major}:${d.minor}`)))
    out.push(`dmsetup info lists device ${d} twice`);
  for (const d of v.info) {
    if (
      !Number.isInteger(d.major) ||
      !Number.isInteger(d.minor) ||
      d.major < 0 ||
      d.minor < 0 ||
      !/^dm-\d+$/.test(d.kname)
    )
      out.push(`dmsetup info line of ${d.name} is not a device (${d.kname} ${d.major}:${d.minor})`);
  }
  const names = new Set(v.info.map((d) => d.name));
  for (const d of v.info) {
    const segs = v.tables.get(d.name);
    if (!segs) out.push(`dmsetup table has no line for ${d.name}`);
    else if (d.live && segs.length !== d.segments)
      out.push(`dmsetup table has ${segs.length} segments for ${d.name}, dmsetup info ${d.segments}`);
    else if (!contiguous(segs)) out.push(`dmsetup table of ${d.name} has overlapping or repeated segments`);
    if (!v.deps.has(d.name)) out.push(`dmsetup deps has no line for ${d.name}`);
  }
  for (const n of v.tables.keys()) if (!names.has(n)) out.push(`dmsetup table lists ${n}, dmsetup info does not`);
  for (const n of v.deps.keys()) if (!names.has(n)) out.push(`dmsetup deps lists ${n}, dmsetup info does not`);
  const depLines = v.depsText.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('No devices found')).length;
  if (v.deps.size === v.info.length && depLines !== v.deps.size)
    out.push(`dmsetup deps prints ${depLines} lines for ${v.deps.size} maps`);
  return out;
}

/** Segments of one table follow each other from sector 0 (dm-table.c refuses gaps and overlaps). */
function contiguous(segs: DmSegment[]): boolean {
  let next = 0;
  for (const s of segs) {
    if (s.start !== next || !(s.length > 0)) return false;
    next = s.start + s.length;
  }
  return true;
}

/** The kernel's list (/sys/block/dm-N/dm/{name,uuid}, dev) against dmsetup info, map by map. */
function sysfsProblems(v: DmViewInput): string[] {
  if (typeof v.sysDmRead === 'string') return [`the kernel's list of maps could not be read: ${v.sysDmRead}`];
  if (v.sysDmRead !== true && v.sysDm.length === 0) return [];
  const out: string[] = [];
  const byKname = new Map(v.sysDm.map((s) => [s.kname, s]));
  for (const d of v.info) {
    const s = byKname.get(d.kname);
    if (!s) out.push(`dmsetup lists ${d.name} (${d.kname}), /sys/block does not`);
    else if (s.name !== d.name || s.uuid !== d.uuid || (s.dev !== undefined && s.dev !== `${d.major}:${d.minor}`))
      out.push(`${d.kname} is ${s.name} in /sys/block, ${d.name} in dmsetup info`);
  }
  const listed = new Set(v.info.map((d) => d.kname));
  for (const s of v.sysDm)
    if (!listed.has(s.kname)) out.push(`/sys/block has ${s.name} (${s.kname}), dmsetup does not`);
  return out;
}

/** lvs reports an LV active when the kernel has its map (lv_kernel_major:minor): that map must be listed. */
function lvsProblems(v: DmViewInput): string[] {
  if (!v.lvs) return [];
  const devnos = new Set(v.info.map((d) => `${d.major}:${d.minor}`));
  const out: string[] = [];
  for (const lv of v.lvs) {
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
export function dmStatusDisagreement(statusText: string, tables: Map<string, DmSegment[]>): string | null {
  let status: Map<string, DmSegment[]>;
  try {
    status = parseDmTable(statusText, tables.keys());
  } catch (e) {
    return `dmsetup status cannot be parsed: ${(e as Error).message}`;
  }
  const out: string[] = [];
  for (const n of status.keys()) if (!tables.has(n)) out.push(`it lists ${n}, dmsetup info does not`);
  for (const [name, segs] of tables) {
    const st = status.get(name) ?? [];
    if (st.length > segs.length) out.push(`it has ${st.length} lines for ${name}, which has ${segs.length} segments`);
    const read = segs.find((x) => STATUS_READ.has(x.target));
    if (!read || st.length > segs.length) continue;
    if (st.length !== segs.length || st.some((x, i) => x.target !== segs[i].target || x.start !== segs[i].start))
      out.push(`it has no ${read.target} line for ${name}`);
    else if (st.some((x) => x.target === 'thin-pool' && badPoolLine(x.params)))
      out.push(`the thin-pool line of ${name} is cut short`);
  }
  if (out.length === 0) return null;
  const more = out.length > 3 ? `; … ${out.length - 3} more` : '';
  return `dmsetup status disagrees with dmsetup info and table (${out.slice(0, 3).join('; ')}${more})`;
}

function badPoolLine(params: string): boolean {
  const p = parseThinPoolStatus(params);
  return p.failed && !/^(Fail|Error)$/.test(p.text);
}
