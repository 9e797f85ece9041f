// The DM device graph and each device's identity (design "Identity"): what LV a map belongs to,
// decided by its UUID (the name is only a hint), which layers it has, what holds it open.

import {
  buildDmName,
  type DmUuid,
  isDmNameOf,
  type LvmName,
  parseDmUuid,
  splitComponent,
  splitDmName,
} from '../parse/dm-name';
import { type DmInfo, type DmSegment, segmentKey } from '../parse/parse-dmsetup';
import type { LvRow } from '../parse/parse-lvm';
import { redactCommandLine } from '../redact/redact';
import { NONE } from '../vocab/fitted';
import type { ProcessInfo } from '../vocab/snapshot';
import type { HoldingProcess } from '../vocab/types';
import type { LvmView } from './lvm-view';
import { getTwo } from './two-keys';

export type Identity =
  /** UUID and name both match a current top-level LV. */
  | { kind: 'lv'; lv: LvRow }
  /** A layer (suffix or hidden component) of top-level LV `top` (null when lvs does not know it). */
  | { kind: 'layer'; vg: string; top: string; layer: string; thinPool: boolean }
  /** UUID of a current LV, but another name (renamed LV; the old map blocks the new name). */
  | { kind: 'renamed'; lv: LvRow; vg: string; nameLv: string }
  /** LVM UUID whose LV is not in the metadata. `vgKnown`: the VG id is in lvs. `sameName`: an LV of that name exists. */
  | { kind: 'no-lv'; vg: string; lv: string; vgKnown: boolean; sameName: LvRow | null; uuidLess: boolean }
  /** kpartx partition of another map. */
  | { kind: 'partition'; partition: number; parent: string | null }
  /** multipath, dm-crypt, anything not LVM. `namedLike`: a UUID-less map carrying the DM name of VG/LV (no such LV). */
  | { kind: 'other'; what: string; namedLike?: string };

export interface DmDevice {
  info: DmInfo;
  segments: DmSegment[];
  uuid: DmUuid;
  split: LvmName | null;
  /** major:minor */
  devno: string;
  /** major:minor of devices this one maps (dmsetup deps). */
  deps: string[];
  holders: string[];
  processes: HoldingProcess[];
  identity: Identity;
  sizeBytes: number;
}

const THIN_POOL_SUFFIXES = new Set(['pool', 'tpool', 'tdata', 'tmeta']);

/**
 * `lv`: the LV row of the map's UUID (VG id + LV id) when it has one, looked up once (deviceOf).
 */
function identify(info: DmInfo, uuid: DmUuid, split: LvmName | null, lvm: LvmView, lv: LvRow | undefined): Identity {
  if (uuid.kind === 'part') return { kind: 'partition', partition: uuid.partition, parent: null };
  if (uuid.kind === 'mpath' || uuid.kind === 'crypt' || uuid.kind === 'other') {
    return { kind: 'other', what: uuid.kind === 'other' ? uuid.prefix || 'unknown' : uuid.kind };
  }
  if (uuid.kind === 'none') {
    // A hand-made map (dmsetup create without -u) is never LVM's: lvm2 always sets `LVM-<lvid>`. Only a
    // map whose name is exactly an LV's DM name matters to LVM, because it takes that name and so blocks
    // activating (or creating) the LV; a name that merely decodes as `<vg>-<lv>-<layer>` or as a hidden
    // component (`_tdata`, `_rimage_0`...) blocks nothing and is somebody else's map.
    if (!split || !lvm.lvs || split.layer || splitComponent(split.lv) || buildDmName(split.vg, split.lv) !== info.name)
      return { kind: 'other', what: 'no-uuid' };
    const same = getTwo(lvm.byName, split.vg, split.lv) ?? null;
    if (!same) return { kind: 'other', what: 'no-uuid', namedLike: `${split.vg}/${split.lv}` };
    return {
      kind: 'no-lv',
      vg: split.vg,
      lv: split.lv,
      vgKnown: lvm.vgByName.has(split.vg) || hasVgName(lvm, split.vg),
      sameName: same,
      uuidLess: true,
    };
  }
  if (uuid.kind !== 'lvm') return { kind: 'other', what: uuid.prefix || 'unknown' };
  // The VG by id, asked only where no LV row names it (most maps are an LV's own).
  const vgName = () => lvm.vgById.get(uuid.vgId) ?? split?.vg ?? '';
  if (THIN_POOL_SUFFIXES.has(uuid.suffix)) {
    const top = lv ? (splitComponent(lv.name)?.top ?? lv.name) : (split?.lv.replace(/_t(data|meta)$/, '') ?? '');
    return { kind: 'layer', vg: lv?.vg ?? vgName(), top, layer: uuid.suffix, thinPool: true };
  }
  if (uuid.suffix) {
    const top = lv
      ? (splitComponent(lv.name)?.top ?? lv.name)
      : split
        ? (splitComponent(split.lv)?.top ?? split.lv)
        : '';
    const thinPool = lv ? lv.segtype === 'thin-pool' || lv.attr[0] === 't' : false;
    return { kind: 'layer', vg: lv?.vg ?? vgName(), top, layer: uuid.suffix, thinPool };
  }
  if (lv) {
    const comp = splitComponent(lv.name);
    if (lv.hidden || comp) {
      const top = comp?.top ?? lv.name;
      const topLv = getTwo(lvm.byName, lv.vg, top);
      const thinPool = Boolean(topLv && (topLv.segtype === 'thin-pool' || topLv.attr[0] === 't'));
      return { kind: 'layer', vg: lv.vg, top, layer: comp?.component ?? 'hidden', thinPool };
    }
    if (lv.segtype === 'thin-pool' || lv.attr[0] === 't') {
      return { kind: 'layer', vg: lv.vg, top: lv.name, layer: 'pool', thinPool: true };
    }
    if (split && split.vg === lv.vg && split.lv === lv.name && !split.layer) return { kind: 'lv', lv };
    return { kind: 'renamed', lv, vg: lv.vg, nameLv: split?.lv ?? info.name };
  }
  if (!lvm.lvs)
    return { kind: 'no-lv', vg: vgName(), lv: split?.lv ?? '', vgKnown: false, sameName: null, uuidLess: false };
  const vgKnown = lvm.vgById.has(uuid.vgId);
  const lvName = split?.lv ?? '';
  const vg = vgName();
  const same = vgKnown ? (getTwo(lvm.byName, vg, lvName) ?? null) : null;
  return { kind: 'no-lv', vg, lv: lvName, vgKnown, sameName: same, uuidLess: false };
}

function hasVgName(lvm: LvmView, vg: string): boolean {
  for (const v of lvm.vgById.values()) if (v === vg) return true;
  return false;
}

/**
 * The device an fd link names: /dev/dm-N, /dev/mapper/NAME or /dev/VG/LV. Resolved per fd seen,
 * not by indexing three paths of every device (most nodes have far more devices than open fds).
 */
function deviceOfFd(fd: string, byKname: Map<string, DmDevice>, byName: Map<string, DmDevice>): DmDevice | undefined {
  if (fd.startsWith('/dev/dm-')) return byKname.get(fd.slice(5));
  if (fd.startsWith('/dev/mapper/')) return byName.get(fd.slice(12));
  const m = /^\/dev\/([^/]+)\/([^/]+)$/.exec(fd);
  const d = m ? byName.get(buildDmName(m[1], m[2])) : undefined;
  return d?.split && !d.split.layer ? d : undefined;
}

const NO_SEGMENTS: DmSegment[] = [];

function sectorsOf(segments: DmSegment[]): number {
  let n = 0;
  for (let i = 0; i < segments.length; i++) n += segments[i].length;
  return n;
}

/**
 * Same-target key of a map (thin pool + device id, or linear extents): every segment's key joined, or
 * null when one has none (most maps have one segment). Asked when maps are grouped, not kept per map.
 */
export function targetKeyOf(segments: DmSegment[]): string | null {
  if (segments.length === 1) return segmentKey(segments[0]);
  const keys: string[] = [];
  for (const s of segments) {
    const k = segmentKey(s);
    if (k === null) return null;
    keys.push(k);
  }
  return keys.length > 0 ? keys.join('|') : null;
}

function deviceOf(info: DmInfo, tables: Map<string, DmSegment[]>, deps: Map<string, string[]>, lvm: LvmView): DmDevice {
  const uuid = parseDmUuid(info.uuid);
  // The LV of the UUID (VG id, LV id). When the map carries that LV's own DM name, as nearly every map
  // does, its name parts are the row's (nothing to unquote).
  const lv = uuid.kind === 'lvm' ? getTwo(lvm.byUuid, uuid.vgId, uuid.lvId) : undefined;
  const split =
    lv !== undefined && uuid.kind === 'lvm' && uuid.suffix === '' && isDmNameOf(info.name, lv.vg, lv.name)
      ? { vg: lv.vg, lv: lv.name, layer: '' }
      : splitDmName(info.name);
  const segments = tables.get(info.name) ?? NO_SEGMENTS;
  return {
    info,
    segments,
    uuid,
    split,
    devno: `${info.major}:${info.minor}`,
    deps: deps.get(info.name) ?? NONE,
    holders: NONE,
    processes: NONE,
    identity: identify(info, uuid, split, lvm, lv),
    sizeBytes: sectorsOf(segments) * 512,
  };
}

/** The devices by device number, kernel name (dm-N) and map name. */
export interface DeviceIndex {
  byDevno: Map<string, DmDevice>;
  byKname: Map<string, DmDevice>;
  byName: Map<string, DmDevice>;
}

/**
 * What `dmsetup info` lists more than once (in order): the view's consistency check reads it with the
 * index (view-consistency.ts), so the 10,000 names, UUIDs and device numbers are put in sets once.
 */
export interface ListedTwice {
  names: Set<string>;
  uuids: Set<string>;
  devnos: Set<string>;
}

export function buildDevices(
  infos: DmInfo[],
  tables: Map<string, DmSegment[]>,
  deps: Map<string, string[]>,
  lvm: LvmView,
  processes: ProcessInfo[],
): { devices: DmDevice[]; index: DeviceIndex; twice: ListedTwice } {
  const devices: DmDevice[] = infos.map((info) => deviceOf(info, tables, deps, lvm));
  // Indexes filled by loops (no pair array per device). A name, UUID or device number already there is
  // a line listed twice: the view is then inconsistent and these devices are not used.
  const byDevno = new Map<string, DmDevice>();
  const byKname = new Map<string, DmDevice>();
  const byName = new Map<string, DmDevice>();
  const byUuid = new Map<string, DmDevice>();
  const twice: ListedTwice = { names: new Set(), uuids: new Set(), devnos: new Set() };
  for (let i = 0; i < devices.length; i++) {
    const d = devices[i];
    if (byName.has(d.info.name)) twice.names.add(d.info.name);
    else byName.set(d.info.name, d);
    if (d.info.uuid) {
      if (byUuid.has(d.info.uuid)) twice.uuids.add(d.info.uuid);
      else byUuid.set(d.info.uuid, d);
    }
    if (byDevno.has(d.devno)) twice.devnos.add(d.devno);
    else byDevno.set(d.devno, d);
    byKname.set(d.info.kname, d);
  }
  for (let i = 0; i < devices.length; i++) {
    const d = devices[i];
    for (let j = 0; j < d.deps.length; j++) {
      const held = byDevno.get(d.deps[j]);
      if (held === undefined) continue;
      if (held.holders === NONE) held.holders = [d.info.name];
      else held.holders.push(d.info.name);
    }
    if (d.identity.kind === 'partition' && d.uuid.kind === 'part')
      d.identity.parent = byUuid.get(d.uuid.parentUuid)?.info.name ?? null;
  }
  for (let i = 0; i < processes.length; i++) {
    const p = processes[i];
    const fds = p.fds;
    if (!fds || fds.length === 0) continue;
    // The process as the entries show it, made once for all the maps it holds.
    let holding: HoldingProcess | undefined;
    let seen: Set<DmDevice> | undefined;
    for (let j = 0; j < fds.length; j++) {
      const d = deviceOfFd(fds[j], byKname, byName);
      if (!d || seen?.has(d)) continue;
      seen ??= new Set();
      seen.add(d);
      holding ??= { pid: p.pid, command: p.comm, cmdline: redactCommandLine(p.cmdline).join(' ') || undefined };
      // Most held maps have one process: a list made holding it (src/core/vocab/fitted.ts).
      if (d.processes === NONE) d.processes = [holding];
      else d.processes.push(holding);
    }
  }
  return { devices, index: { byDevno, byKname, byName }, twice };
}
