// Undo of a cleanup journal, decided from fresh data (pure). An LV is reactivated only when its UUID
// is unchanged and its guest still lives where it lived; a removed map is recreated (read-only unless
// asked otherwise) only when every device its table uses is still the same device and no current LV
// or map covers its extents: they may belong to another guest by now.

import { plainLvmId } from '../parse/dm-name';
import type { DmInfo } from '../parse/parse-dmsetup';
import type { LvRow } from '../parse/parse-lvm';
import { formatLvUuid } from './plan-cleanup';

/** What the journal recorded (a subset of src/act/journal.ts JournalAction). */
export interface UndoSource {
  seq: number;
  kind: string;
  name: string;
  uuid: string;
  majorMinor: string | null;
  table: string[];
  tableDevices?: Record<string, { name: string; uuid: string }>;
  vg: string | null;
  lv: string | null;
  lvUuid: string | null;
  activationSkip?: boolean;
  vmid: number | null;
  guestNode: string | null;
  result: string;
}

/** Where an LV's extents lie: PV device (major:minor) and sector range. */
export interface LvExtent {
  vg: string;
  lv: string;
  dev: string;
  start: number;
  end: number;
}

export interface ThinDev {
  vg: string;
  lv: string;
  pool: string;
  thinId: number;
}

export interface RestoreFacts {
  dm: DmInfo[];
  /** name → table lines of every current map. */
  tables: Map<string, string[]>;
  lvs: LvRow[];
  /** Extents of every current LV; null when they could not be read (then no map is recreated). */
  extents: LvExtent[] | null;
  thin: ThinDev[] | null;
  /** major:minor of every PV LVM reports (also PVs without an allocated segment). */
  pvDevnos?: Set<string>;
  extentsError?: string;
  /** vmid → node from .vmlist (absent: no such guest). */
  guestHome: Map<number, string>;
}

export type UndoStep = { ok: true; command: string[]; input?: string; effect: string } | { ok: false; why: string };

export function planUndo(src: UndoSource, f: RestoreFacts, opts: { readWrite?: boolean } = {}): UndoStep {
  if (src.result !== 'done') return { ok: false, why: `the journal says it was not done (${src.result})` };
  // Without the guest it belonged to, nothing says whose data the map or LV would expose again.
  if (src.vmid === null) return { ok: false, why: 'the journal records no guest (VMID) for it: not undone' };
  if (src.vmid !== null) {
    const home = f.guestHome.get(src.vmid) ?? null;
    if (home !== src.guestNode) {
      return {
        ok: false,
        why: `guest ${src.vmid} ${home ? `now lives on ${home}` : 'no longer exists'}; it was ${src.guestNode ? `on ${src.guestNode}` : 'absent'} when this was cleaned`,
      };
    }
  }
  if (src.kind === 'lv-deactivate') return undoDeactivate(src, f);
  if (src.kind === 'dm-remove') return undoRemove(src, f, opts);
  return { ok: false, why: `nothing to undo for ${src.kind}` };
}

function undoDeactivate(src: UndoSource, f: RestoreFacts): UndoStep {
  if (!src.vg || !src.lv || !src.lvUuid) return { ok: false, why: 'the journal has no LV identity' };
  const lv = f.lvs.find((l) => plainLvmId(l.uuid) === plainLvmId(src.lvUuid!));
  if (!lv) return { ok: false, why: `LV UUID ${src.lvUuid} no longer exists (the LV was removed or recreated)` };
  if (lv.vg !== src.vg || lv.name !== src.lv) return { ok: false, why: `the LV is now ${lv.vg}/${lv.name}` };
  if (lv.active) return { ok: false, why: 'already active' };
  const busy = f.dm.find((d) => d.name === src.name);
  if (busy) return { ok: false, why: `map ${src.name} exists (${busy.uuid || 'no UUID'}): activation would fail` };
  const cmd = ['lvchange', '-ay'];
  if (src.activationSkip) cmd.push('-K');
  cmd.push('--select', `lv_uuid=${formatLvUuid(plainLvmId(src.lvUuid))}`, `${src.vg}/${src.lv}`);
  return { ok: true, command: cmd, effect: `activate LV ${src.vg}/${src.lv} again` };
}

function overlaps(a0: number, a1: number, b0: number, b1: number): boolean {
  return a0 < b1 && b0 < a1;
}

function undoRemove(src: UndoSource, f: RestoreFacts, opts: { readWrite?: boolean }): UndoStep {
  if (f.dm.some((d) => d.name === src.name)) return { ok: false, why: `a map named ${src.name} exists now` };
  if (src.uuid && f.dm.some((d) => d.uuid === src.uuid))
    return { ok: false, why: `a map with UUID ${src.uuid} exists now` };
  if (src.table.length === 0) return { ok: false, why: 'the journal has no table' };
  const byDevno = new Map(f.dm.map((d) => [`${d.major}:${d.minor}`, d]));
  const lines: string[] = [];
  for (const line of src.table) {
    const r = restoreTableLine(src, f, { line, byDevno });
    if ('why' in r) return { ok: false, why: r.why };
    lines.push(r.line);
  }
  const cmd = ['dmsetup', 'create', src.name];
  if (src.uuid) cmd.push('-u', src.uuid);
  if (!opts.readWrite) cmd.push('-r');
  const effect = `recreate map ${src.name}${opts.readWrite ? '' : ' read-only'}`;
  if (lines.length === 1) return { ok: true, command: [...cmd, '--table', lines[0]], effect };
  return { ok: true, command: cmd, input: `${lines.join('\n')}\n`, effect };
}

type DevnoIndex = Map<string, RestoreFacts['dm'][number]>;

/** One journaled table line with its devices renumbered to today's, or why it cannot be recreated. */
function restoreTableLine(
  src: UndoSource,
  f: RestoreFacts,
  o: { line: string; byDevno: DevnoIndex },
): { line: string } | { why: string } {
  const [start, len, target, ...params] = o.line.trim().split(/\s+/);
  const s0 = Number(start);
  const n = Number(len);
  if (!Number.isFinite(s0) || !Number.isFinite(n)) return { why: `unreadable table line '${o.line}'` };
  // Devices by identity: a DM device the table used may have another minor number now.
  const mapped = params.map((p) => {
    if (!/^\d+:\d+$/.test(p)) return p;
    const was = src.tableDevices?.[p];
    if (!was) return p;
    const now = f.dm.find((d) => (was.uuid ? d.uuid === was.uuid : d.name === was.name));
    return now ? `${now.major}:${now.minor}` : `gone:${was.name}`;
  });
  const gone = mapped.find((p) => p.startsWith('gone:'));
  if (gone) return { why: `device ${gone.slice(5)} that the table uses is gone` };
  let why: string | null = null;
  if (target === 'linear')
    why = linearConflict(src, f, { dev: mapped[0], a0: Number(mapped[1]), sectors: n, byDevno: o.byDevno });
  else if (target === 'thin')
    why = thinConflict(f, { pool: mapped[0], id: Number(mapped[1]), byDevno: o.byDevno, src });
  else if (target !== 'error' && target !== 'zero') why = `cannot verify what a ${target} map covers`;
  return why ? { why } : { line: [start, len, target, ...mapped].join(' ') };
}

/** Why a linear segment cannot be recreated (its sectors are another map's or LV's, or unverifiable); null when free. */
function linearConflict(
  src: UndoSource,
  f: RestoreFacts,
  o: { dev: string; a0: number; sectors: number; byDevno: DevnoIndex },
): string | null {
  const { dev, a0 } = o;
  const a1 = a0 + o.sectors;
  for (const [name, tl] of f.tables) {
    for (const t of tl) {
      const p = t.trim().split(/\s+/);
      if (p[2] === 'linear' && p[3] === dev && overlaps(a0, a1, Number(p[4]), Number(p[4]) + Number(p[1]))) {
        return `its sectors on ${dev} overlap map ${name}`;
      }
    }
  }
  // Whatever the device is, LVM's own segment list must say those sectors are free: a PV may be a
  // DM device itself (multipath is the normal shared-SAN setup), and a table onto anything that is
  // not a PV LVM knows (another LV's map, a whole disk holding a PV, an unknown device) cannot be
  // verified at all.
  if (!f.extents) return `cannot verify that the extents are free: ${f.extentsError ?? 'no segment data'}`;
  const pv = f.pvDevnos?.has(dev) ?? f.extents.some((x) => x.dev === dev);
  const dmDev = o.byDevno.get(dev);
  // A kpartx partition (UUID part<N>-<parent uuid>) maps into its own disk's map: that is the disk
  // it was cut from, not another guest's.
  const ownDisk = /^part\d+-(.+)$/.exec(src.uuid)?.[1];
  if (!pv && dmDev && ownDisk && dmDev.uuid === ownDisk) return null;
  if (!pv) {
    if (dmDev?.uuid.startsWith('LVM-'))
      return `its table maps onto ${dmDev.name}, the map of an LV (another guest's disk, maybe): never recreated`;
    return `device ${dmDev ? `${dmDev.name} (${dev})` : dev} is not a PV that LVM reports: cannot verify what its sectors hold now`;
  }
  // The sectors may belong to the very LV the map was: renamed since (lvrename, pve-storage's
  // saferemove `del-<name>`, LVMPlugin.pm free_image) it keeps its LV UUID, which the map's DM UUID
  // carries (LVM-<vg id><lv id>). Then the map shows the same data again: an exact undo.
  const hit = f.extents.find((x) => x.dev === dev && overlaps(a0, a1, x.start, x.end) && !sameLv(src, f, x));
  return hit ? `its extents on ${dev} now belong to LV ${hit.vg}/${hit.lv}` : null;
}

/**
 * The LV `x` is the one the removed map belonged to: the map's UUID is `LVM-<vg id><lv id>` (no layer
 * suffix; lvm2 dev_manager.c build_dm_uuid) and that LV, whatever its name now, has those ids.
 */
function sameLv(src: UndoSource, f: RestoreFacts, x: { vg: string; lv: string }): boolean {
  const m = /^LVM-([0-9A-Za-z!#]{32})([0-9A-Za-z!#]{32})$/.exec(src.uuid);
  if (!m) return false;
  const row = f.lvs.find((l) => l.vg === x.vg && l.name === x.lv);
  return row !== undefined && plainLvmId(row.uuid) === m[2] && (!row.vgUuid || plainLvmId(row.vgUuid) === m[1]);
}

/** Why a thin segment cannot be recreated (its thin device is mapped or owned by an LV, or unverifiable); null when free. */
function thinConflict(
  f: RestoreFacts,
  o: { pool: string; id: number; byDevno: DevnoIndex; src: UndoSource },
): string | null {
  const { pool, id } = o;
  for (const [name, tl] of f.tables) {
    if (tl.some((t) => t.trim().split(/\s+/).slice(2, 5).join(' ') === `thin ${pool} ${id}`)) {
      return `map ${name} maps the same thin device`;
    }
  }
  if (!f.thin) return `cannot verify that thin device ${id} is free: ${f.extentsError ?? 'no thin ids'}`;
  const self = o.src;
  const poolDev = o.byDevno.get(pool);
  const poolLv = poolDev?.uuid.match(/^LVM-[0-9A-Za-z!#]{32}([0-9A-Za-z!#]{32})-tpool$/)?.[1];
  const owner = f.lvs.find((l) => l.uuid === poolLv);
  const hit = f.thin.find(
    (t) => t.thinId === id && (!owner || (t.vg === owner.vg && t.pool === owner.name)) && !sameLv(self, f, t),
  );
  return hit ? `thin device ${id} now belongs to LV ${hit.vg}/${hit.lv}` : null;
}

function reportRows(json: string, key: string): Record<string, string>[] {
  const start = json.indexOf('{');
  if (start < 0) return [];
  const doc = JSON.parse(json.slice(start)) as { report?: Record<string, Record<string, string>[]>[] };
  return (doc.report ?? []).flatMap((r) => r[key] ?? []);
}

const unbracket = (s: string | undefined) => (s ?? '').replace(/^\[(.*)\]$/, '$1');

/** major:minor of a segment row's PV: lvm2's own pv_major/pv_minor, else from the device node. */
function pvDevno(s: Record<string, string>, devnoOfPath: (path: string) => string | null): string | null {
  if (/^\d+$/.test(s.pv_major ?? '') && /^\d+$/.test(s.pv_minor ?? '')) return `${s.pv_major}:${s.pv_minor}`;
  return devnoOfPath(s.pv_name);
}

/** Every PV of a segment report, by major:minor. */
export function parsePvDevnos(json: string, devnoOfPath: (path: string) => string | null): Set<string> {
  const out = new Set<string>();
  for (const s of reportRows(json, 'pvseg')) {
    const dev = pvDevno(s, devnoOfPath);
    if (dev) out.add(dev);
  }
  return out;
}

// `pvs --segments --units s --nosuffix --reportformat json -o pv_name,pv_major,pv_minor,pe_start,pvseg_start,pvseg_size,vg_name,lv_name,vg_extent_size`
// {"pv_name":"/dev/mapper/mpatha", "pv_major":"252", "pv_minor":"0", "pe_start":"2048", "pvseg_start":"0", "pvseg_size":"16", "vg_name":"pve", "lv_name":"vm-100-disk-0", "vg_extent_size":"8192"}
export function parsePvSegments(json: string, devnoOfPath: (path: string) => string | null): LvExtent[] {
  const out: LvExtent[] = [];
  for (const s of reportRows(json, 'pvseg')) {
    const lv = unbracket(s.lv_name);
    if (!lv) continue; // free space
    const dev = pvDevno(s, devnoOfPath);
    const ext = Number(s.vg_extent_size);
    const pe0 = Number(s.pe_start);
    if (!dev || !Number.isFinite(ext) || !Number.isFinite(pe0)) continue;
    const a = pe0 + Number(s.pvseg_start) * ext;
    out.push({ vg: s.vg_name, lv, dev, start: a, end: a + Number(s.pvseg_size) * ext });
  }
  return out;
}

// `lvs -a --reportformat json -o vg_name,lv_name,pool_lv,thin_id`
// {"vg_name":"pve", "lv_name":"vm-100-disk-0", "pool_lv":"data", "thin_id":"1"}
export function parseThinIds(json: string): ThinDev[] {
  const out: ThinDev[] = [];
  for (const s of reportRows(json, 'lv')) {
    if (s.thin_id === undefined || s.thin_id === '' || !s.pool_lv) continue;
    out.push({ vg: s.vg_name, lv: unbracket(s.lv_name), pool: unbracket(s.pool_lv), thinId: Number(s.thin_id) });
  }
  return out;
}
