// clean's narrow re-check (issue 25): before an action, under its locks, only what the action touches is
// read again and compared with the look the plan was made from — the map (and a kpartx partition's
// parent): its `dmsetup info -c` row (name, UUID, device number, open count) and `dmsetup table`, the
// holders the kernel lists in /sys/block/dm-N/holders; and the rows of its LV (one `lvs` selecting the
// LV by name and by the LV id its DM UUID carries, plus any pvmove LV of the VG). Anything changed, gone
// or unreadable is a reason to skip (never an action on a guess). Only when all of it stands does the
// executor decide again with the plan's own rules over that look and the PVE files read afresh
// (act/analyze-host.ts reanalyzeSince, then apply-cleanup.ts recheck). Pure: argv out, outputs in.
import type { NodeView } from '../node/node-view';
import { parseDmUuid, plainLvmId } from '../parse/dm-name';
import { DM_INFO_ARGV, type DmInfo, parseDmInfo } from '../parse/parse-dmsetup';
import { LVS_FIELDS, type LvRow, parseLvs } from '../parse/parse-lvm';
import type { CommandOutput } from '../vocab/snapshot';
import type { DmEntry } from '../vocab/types';
import { type CleanupAction, formatLvUuid, isPartition } from './plan-cleanup';

/** One map to read again, as the plan's look saw it. */
export interface RecheckDevice {
  /** What the reasons call it: "the map" or "its parent X". */
  role: 'self' | 'parent';
  name: string;
  uuid: string;
  /** major:minor; the lookup when the map has no UUID. */
  devno: string | null;
  table: string[];
  /** Open count the plan saw (a parent of kpartx partitions is open by them). */
  open: number;
}

/** The LVs to read again: by name and by LV id, in one VG. */
export interface LvSelection {
  vg: string;
  names: string[];
  /** Plain 32-character LV ids. */
  lvIds: string[];
  /** The plan's look knew the VG: `lvs` is asked for that VG only (else a missing VG is no error). */
  vgKnown: boolean;
}

export interface RecheckTarget {
  devices: RecheckDevice[];
  lvs: LvSelection | null;
}

/** What was read again, raw: per device its info and table output and its holders (or why unreadable). */
export interface NarrowRead {
  devices: { info: CommandOutput; table: CommandOutput | null; holders: string[] | string | null }[];
  lvs: CommandOutput | null;
}

const devnoOf = (i: Pick<DmInfo, 'major' | 'minor'>) => `${i.major}:${i.minor}`;

/** What to read again for action `a`, from the look the plan was made from. */
export function recheckTarget(a: CleanupAction, view: NodeView, entries: DmEntry[]): RecheckTarget {
  const self: RecheckDevice = {
    role: 'self',
    name: a.name,
    uuid: a.uuid,
    devno: a.majorMinor,
    table: a.table,
    open: 0,
  };
  const devices = [self];
  const parent = a.parent && isPartition(a) ? entries.find((e) => e.kind === 'dm' && e.name === a.parent) : undefined;
  if (parent) {
    const info = view.dm.index.byName.get(parent.name)?.info;
    devices.push({
      role: 'parent',
      name: parent.name,
      uuid: parent.uuid,
      devno: parent.majorMinor ?? null,
      table: parent.table ?? [],
      open: info?.open ?? 0,
    });
  }
  return { devices, lvs: lvSelection(a, devices, view, parent) };
}

function lvSelection(a: CleanupAction, devices: RecheckDevice[], view: NodeView, parent?: DmEntry): LvSelection | null {
  const names = new Set<string>();
  const lvIds = new Set<string>();
  let vg = a.vg ?? parent?.vg ?? null;
  for (const lv of [a.lv, parent?.lv]) if (lv) names.add(lv);
  for (const id of [a.lvUuid, parent?.lvUuid]) if (id) lvIds.add(plainLvmId(id));
  for (const d of devices) {
    const u = parseDmUuid(d.uuid);
    if (u.kind !== 'lvm') continue;
    lvIds.add(u.lvId);
    vg ??= view.lvm.vgById.get(u.vgId) ?? null;
  }
  if (vg === null || (names.size === 0 && lvIds.size === 0)) return null;
  const vgKnown = view.lvm.vgByName.has(vg) || view.lvm.namesByVg.has(vg);
  return { vg, names: [...names], lvIds: [...lvIds], vgKnown };
}

const lookup = (d: RecheckDevice): string[] => {
  if (d.uuid) return ['-u', d.uuid];
  const [major, minor] = (d.devno ?? '').split(':');
  return ['-j', major, '-m', minor];
};

/** `dmsetup info -c` of one map: the columns of the full gather (parse-dmsetup.ts parseDmInfo). */
export function deviceInfoArgv(d: RecheckDevice): string[] {
  return [...DM_INFO_ARGV, ...lookup(d)];
}

/** `dmsetup table` of one map: its lines without the name prefix. */
export function deviceTableArgv(d: RecheckDevice): string[] {
  return ['dmsetup', 'table', ...lookup(d)];
}

/** The pvmove LV of a VG (lvm-view.ts isPvmove: attr 'p'): a move started meanwhile shows up in the rows. */
const PVMOVE = 'lv_attr=~"^p"';

/** One `lvs` with the gather's columns, selecting the LVs by name and by id, and any pvmove LV. */
export function lvsArgv(s: LvSelection): string[] {
  const any = [
    ...s.names.map((n) => `lv_name="${n}"`),
    ...s.lvIds.map((id) => `lv_uuid="${formatLvUuid(id)}"`),
    PVMOVE,
  ].join(' || ');
  const select = s.vgKnown ? any : `vg_name="${s.vg}" && (${any})`;
  const argv = [
    'lvs',
    '-a',
    '--reportformat',
    'json',
    '--units',
    'b',
    '--nosuffix',
    '-o',
    LVS_FIELDS.join(','),
    '-S',
    select,
  ];
  return s.vgKnown ? [...argv, s.vg] : argv;
}

/** The rows `lvsArgv(s)` selects, from the plan's look (the same predicate in TypeScript). */
export function selectedRows(rows: readonly LvRow[], s: LvSelection): LvRow[] {
  const names = new Set(s.names);
  const ids = new Set(s.lvIds);
  return rows.filter((r) => r.vg === s.vg && (names.has(r.name) || ids.has(r.uuid) || r.attr[0] === 'p'));
}

function failureOf(c: CommandOutput): string | null {
  if (c.error === 'not-found') return `${c.argv[0]}: command not found`;
  if (c.error === 'timeout') return `${c.argv.slice(0, 2).join(' ')} timed out`;
  if (c.error === 'failed' && c.code === null) return c.message ?? 'failed';
  if (c.code !== 0)
    return `${c.argv.slice(0, 2).join(' ')} exited ${c.code}: ${c.stderr.trim().split('\n').pop() ?? ''}`;
  return null;
}

const GONE = /does not exist|No such device/i;
const norm = (lines: readonly string[]) =>
  lines
    .map((l) => l.trim().split(/\s+/).join(' '))
    .filter(Boolean)
    .join('\n');

/**
 * Why action `a` must not run (null: every fact it rests on is as the plan saw it). `target` comes from
 * the plan's look (recheckTarget), `baseRows` are that look's LV rows, `read` what was just read.
 */
export function classifyRecheck(
  a: CleanupAction,
  target: RecheckTarget,
  baseRows: readonly LvRow[],
  read: NarrowRead,
): string | null {
  for (const [i, d] of target.devices.entries()) {
    const why = deviceChange(d, read.devices[i]);
    if (why) return d.role === 'self' ? why : `its parent ${d.name}: ${why}`;
  }
  if (!target.lvs) return null;
  if (!read.lvs) return `the LV of ${a.name} was not read again`;
  return lvChange(target.lvs, selectedRows(baseRows, target.lvs), read.lvs);
}

function deviceChange(d: RecheckDevice, r: NarrowRead['devices'][number] | undefined): string | null {
  const what = d.uuid ? `UUID ${d.uuid}` : `device ${d.devno}`;
  if (!r) return `${what} was not read again`;
  const fail = failureOf(r.info);
  if (fail) return GONE.test(r.info.stderr) ? `${what} no longer exists` : `cannot re-read ${what}: ${fail}`;
  let rows: DmInfo[];
  try {
    rows = parseDmInfo(r.info.stdout);
  } catch (e) {
    return `cannot re-read ${what}: ${(e as Error).message}`;
  }
  if (rows.length === 0) return `${what} no longer exists`;
  if (rows.length > 1) return `cannot re-read ${what}: dmsetup info printed ${rows.length} maps`;
  const now = rows[0];
  if (now.uuid !== d.uuid) return `${what} is now another map (${now.name}, UUID ${now.uuid || 'none'})`;
  if (now.name !== d.name) return `the device is now named ${now.name}`;
  if (d.devno && devnoOf(now) !== d.devno) return `it is now device ${devnoOf(now)} (was ${d.devno}): created again`;
  const holders = r.holders;
  if (typeof holders === 'string' || holders === null)
    return `cannot re-read the holders of ${d.name}: ${holders ?? 'not read'}`;
  // A parent of kpartx partitions is open by them; it may only have fewer openers than the plan saw.
  if (d.role === 'self' && (now.open > 0 || holders.length > 0))
    return `it is open now (open count ${now.open}${holders.length ? `; held by ${holders.join(', ')}` : ''})`;
  if (d.role === 'parent' && now.open > d.open) return `it is open more now (open count ${now.open}, was ${d.open})`;
  if (!r.table) return `cannot re-read the table of ${d.name}: not read`;
  const tfail = failureOf(r.table);
  if (tfail)
    return GONE.test(r.table.stderr) ? `${what} no longer exists` : `cannot re-read the table of ${d.name}: ${tfail}`;
  if (norm(r.table.stdout.split('\n')) !== norm(d.table)) return 'its table changed since the plan';
  return null;
}

/**
 * The fields of an LV row that its map's fate depends on: not the fill level of a thin LV, and not the
 * open flag (lv_attr[5]): it mirrors the map's open count, which the device reads compare (a kpartx
 * parent's LV is open until its partitions are removed first).
 */
function identityOf(r: LvRow): string {
  return JSON.stringify([
    r.name,
    r.uuid,
    r.vgUuid,
    `${r.attr.slice(0, 5)}${r.attr.slice(6)}`,
    r.active,
    r.kernelMajor,
    r.kernelMinor,
    r.sizeBytes,
    r.pool,
    r.origin,
    r.segtype,
    r.movePv,
    r.vgAttr,
    r.role,
    r.tags,
  ]);
}

function lvChange(s: LvSelection, before: LvRow[], out: CommandOutput): string | null {
  const fail = failureOf(out);
  if (fail) return `cannot re-read LV ${s.vg}/${s.names[0] ?? s.lvIds[0]}: ${fail}`;
  let now: LvRow[];
  try {
    now = parseLvs(out.stdout).filter((r) => r.vg === s.vg);
  } catch (e) {
    return `cannot re-read LV ${s.vg}/${s.names[0] ?? s.lvIds[0]}: ${(e as Error).message}`;
  }
  const key = (r: LvRow) => r.vgUuid + r.uuid;
  const was = new Map(before.map((r) => [key(r), r]));
  const is = new Map(now.map((r) => [key(r), r]));
  for (const r of now) {
    if (was.has(key(r))) continue;
    if (r.attr[0] === 'p') return `a pvmove is running in VG ${s.vg} now`;
    const old = before.find((b) => b.name === r.name);
    return old ? 'the LV UUID changed' : `LV ${s.vg}/${r.name} exists now`;
  }
  for (const r of before) {
    const n = is.get(key(r));
    if (!n) return now.some((x) => x.name === r.name) ? 'the LV UUID changed' : `LV ${s.vg}/${r.name} is gone`;
    if (n.name !== r.name) return `LV ${s.vg}/${r.name} is now named ${n.name}`;
    if (n.active !== r.active) return `LV ${s.vg}/${r.name} is ${n.active ? 'active' : 'inactive'} now`;
    if (identityOf(n) !== identityOf(r)) return `LV ${s.vg}/${r.name} changed (attr ${r.attr} -> ${n.attr})`;
  }
  return null;
}
