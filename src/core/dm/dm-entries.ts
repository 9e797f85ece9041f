// DM devices and LVs → entries: each device's verdict, layers inheriting their LV's status, kpartx
// partitions following their parent, same-target copies, and the LVs without a map of their own.

import type { DmDevice } from '../node/dm-devices';
import { getTwo, setTwo, type TwoKeys } from '../node/two-keys';
import { buildDmName } from '../parse/dm-name';
import { segmentLine } from '../parse/parse-dmsetup';
import { NONE } from '../vocab/fitted';
import { restoreSteps, setSteps } from '../vocab/next-step';
import type { DmEntry } from '../vocab/types';
import { type ClassifyContext, classifyVolume } from './classify-dm';
import { classifyDevice } from './classify-dm-device';
import { markSameTarget } from './dm-same-target';

type Verdict = ReturnType<typeof classifyVolume>;

const NO_EXTRA: Partial<DmEntry> = {};

/**
 * An entry with `v`'s verdict and nothing mapped yet: one literal in the JSON's field order (the callers
 * assign what they know; assignments keep the order, and a spread of 30 fields costs more than the decision).
 */
export function newEntry(name: string, v: Verdict): DmEntry {
  const e: DmEntry = {
    name,
    uuid: '',
    vg: null,
    lv: null,
    layer: null,
    storage: v.storage,
    vmid: v.vmid,
    volume: v.volume,
    active: true,
    status: v.status,
    reason: v.reason,
    detail: v.detail,
    protected: false,
    pending: false,
    protectedBy: NONE,
    open: false,
    openCount: 0,
    holders: NONE,
    processes: NONE,
    parent: null,
    action: null,
    sizeBytes: null,
    kind: 'dm',
    majorMinor: undefined,
    table: undefined,
    lvUuid: null,
    guestType: v.guestType,
    guestNode: v.guestNode,
  };
  if (v.referencedBy) e.referencedBy = v.referencedBy;
  if (v.quarantineNamedOn) e.quarantineNamedOn = v.quarantineNamedOn;
  if (v.quarantineNamedBy) {
    e.quarantineNamedBy = v.quarantineNamedBy;
    setSteps(e, restoreSteps(v.volume ?? ''));
  }
  return e;
}

function entryOf(d: DmDevice, v: Verdict, extra: Partial<DmEntry> = NO_EXTRA): DmEntry {
  const id = d.identity;
  const e = newEntry(d.info.name, v);
  e.uuid = d.info.uuid;
  e.vg = d.split?.vg ?? (id.kind === 'layer' ? id.vg : null);
  e.lv = d.split?.lv ?? null;
  e.layer = d.split?.layer || null;
  e.open = d.info.open > 0 || d.holders.length > 0 || d.processes.length > 0;
  e.openCount = d.info.open;
  e.holders = d.holders;
  e.processes = d.processes;
  e.sizeBytes = d.sizeBytes;
  e.majorMinor = d.devno;
  e.table = d.segments.length === 1 ? [segmentLine(d.segments[0])] : d.segments.map(segmentLine);
  e.lvUuid = id.kind === 'lv' || id.kind === 'renamed' ? id.lv.uuid : null;
  return extra === NO_EXTRA ? e : Object.assign(e, extra);
}

/** What the steps of classifyAll share: each device's entry, and the top-level LVs a map covers. */
interface ClassifyState {
  ctx: ClassifyContext;
  /** The entry of `devices[i]` at index i, once decided (no map by name of 10,000 entries). */
  byIndex: (DmEntry | undefined)[];
  /**
   * VG → LV names covered by a map, with the LV's verdict once decided (null while none is: a renamed
   * map's LV, a thin pool's parts). One map for both (two-keys.ts: no `vg/lv` string per device and per LV).
   */
  tops: TwoKeys<Verdict | null>;
}

export function classifyAll(ctx: ClassifyContext, devices: DmDevice[]): DmEntry[] {
  // Filled with undefined first: the three passes below decide the devices out of order, and an array
  // written with gaps is a holey one (or a dictionary) for every later read.
  const byIndex: (DmEntry | undefined)[] = devices.map(() => undefined);
  const st: ClassifyState = { ctx, byIndex, tops: new Map() };
  classifyOwnDevices(st, devices);
  classifyLayers(st, devices);
  classifyPartitions(st, devices);
  markSameTarget(devices, st.byIndex);
  const entries: DmEntry[] = [];
  for (let i = 0; i < devices.length; i++) entries.push(byIndex[i]!);
  const inactive = inactiveLvEntries(st);
  for (let i = 0; i < inactive.length; i++) entries.push(inactive[i]);
  return entries;
}

/** The verdict of a top-level LV that has a map here, decided once however many layers it has. */
function topOf(st: ClassifyState, vg: string, top: string): Verdict {
  let v = getTwo(st.tops, vg, top);
  if (!v) {
    v = classifyVolume(st.ctx, { vg, name: top, lv: getTwo(st.ctx.lvm.byName, vg, top) ?? null, mapped: true });
    setTwo(st.tops, vg, top, v);
  }
  return v;
}

/**
 * Marks LV `vg/top` covered by a map. A verdict decided already would only be decided again by topOf
 * (classifyVolume is pure), though none is: only a map of kind `lv` and a layer that is no thin-pool part
 * decide one, and cover is asked for a renamed map's LV and a thin pool.
 */
function cover(st: ClassifyState, vg: string, top: string): void {
  setTwo(st.tops, vg, top, null);
}

function classifyOwnDevices(st: ClassifyState, devices: DmDevice[]): void {
  const { ctx, byIndex } = st;
  // Devices that are an LV or stand on their own.
  for (let i = 0; i < devices.length; i++) {
    const d = devices[i];
    const id = d.identity;
    if (id.kind === 'layer' || id.kind === 'partition') continue;
    const v = classifyDevice(ctx, d);
    if (id.kind === 'lv') setTwo(st.tops, id.lv.vg, id.lv.name, v);
    // A renamed map is the LV's only map (lvs reports the LV active through it): one problem, one
    // entry — not the map plus an "inactive" or saferemove-leftover entry for the same LV.
    if (id.kind === 'renamed') cover(st, id.lv.vg, id.lv.name);
    byIndex[i] = entryOf(d, v);
  }
}

function classifyLayers(st: ClassifyState, devices: DmDevice[]): void {
  const { byIndex } = st;
  // Layers inherit their top LV's status; thin-pool parts are never guest volumes.
  for (let i = 0; i < devices.length; i++) {
    const d = devices[i];
    const id = d.identity;
    if (id.kind !== 'layer') continue;
    const topName = buildDmName(id.vg, id.top);
    if (id.thinPool) {
      cover(st, id.vg, id.top);
      const v: Verdict = {
        status: 'ignored',
        reason: 'thin-pool-layer',
        detail: `${layerWords(id.layer)} of thin pool ${id.vg}/${id.top} (UUID suffix -${id.layer})`,
        storage: null,
        vmid: null,
        volume: null,
        guestNode: null,
        guestType: null,
      };
      byIndex[i] = entryOf(d, v, { parent: d.info.name === topName ? null : topName, layer: id.layer });
      continue;
    }
    const top = topOf(st, id.vg, id.top);
    const v: Verdict =
      top.status === 'ignored'
        ? { ...top, reason: top.reason }
        : { ...top, detail: `${id.layer} layer of ${id.vg}/${id.top}: ${top.detail}` };
    byIndex[i] = entryOf(d, v, { parent: topName, layer: id.layer, vg: id.vg, lv: id.top });
  }
}

function classifyPartitions(st: ClassifyState, devices: DmDevice[]): void {
  const { byIndex } = st;
  // kpartx partitions follow their parent, found by its map name: the entries by name are made at the
  // first partition (most nodes have none), and each partition's own joins them once decided.
  let byName: Map<string, DmEntry | undefined> | undefined;
  for (let i = 0; i < devices.length; i++) {
    const d = devices[i];
    const id = d.identity;
    if (id.kind !== 'partition') continue;
    byName ??= entriesByName(devices, byIndex);
    const parent = id.parent ? byName.get(id.parent) : undefined;
    let v: Verdict;
    if (!parent)
      v = {
        status: 'ignored',
        reason: 'partition',
        detail: `kpartx partition ${id.partition} of a device that is not a map here`,
        storage: null,
        vmid: null,
        volume: null,
        guestNode: null,
        guestType: null,
      };
    else if (parent.status === 'valid' || parent.status === 'ignored') {
      v = {
        status: 'ignored',
        reason: parent.status === 'valid' ? 'partition-of-valid' : 'partition',
        detail: `kpartx partition ${id.partition} of ${parent.name} (UUID part${id.partition}-...)`,
        storage: parent.storage,
        vmid: parent.vmid,
        volume: parent.volume,
        guestNode: parent.guestNode ?? null,
        guestType: parent.guestType ?? null,
      };
    } else {
      v = {
        status: parent.status,
        reason: parent.reason,
        detail: `kpartx partition ${id.partition} of ${parent.name}, which is ${parent.status} (${parent.reason}): remove it before its parent`,
        storage: parent.storage,
        vmid: parent.vmid,
        volume: parent.volume,
        guestNode: parent.guestNode ?? null,
        guestType: parent.guestType ?? null,
      };
    }
    const e = entryOf(d, v, { parent: id.parent, vg: parent?.vg ?? null, lv: parent?.lv ?? null, layer: null });
    byIndex[i] = e;
    byName.set(d.info.name, e);
  }
}

/** The entries decided so far by map name (a partition's, not decided yet, is undefined as a name not listed). */
function entriesByName(devices: DmDevice[], byIndex: (DmEntry | undefined)[]): Map<string, DmEntry | undefined> {
  const byName = new Map<string, DmEntry | undefined>();
  for (let i = 0; i < devices.length; i++) byName.set(devices[i].info.name, byIndex[i]);
  return byName;
}

/** LVs of PVE storages without a map of their own (thick LVM and PVE 9 leave most leftovers inactive). */
function inactiveLvEntries(st: ClassifyState): DmEntry[] {
  const { ctx, tops } = st;
  const entries: DmEntry[] = [];
  const pveVgs = new Set(ctx.storages.map((s) => s.vg));
  const lvs = ctx.lvm.lvs ?? [];
  for (let i = 0; i < lvs.length; i++) {
    const lv = lvs[i];
    if (lv.hidden || !pveVgs.has(lv.vg) || lv.segtype === 'thin-pool') continue;
    // Every verdict decided so far is of a covered LV: one lookup says both.
    if (getTwo(tops, lv.vg, lv.name) !== undefined) continue;
    const v = classifyVolume(ctx, { vg: lv.vg, name: lv.name, lv, mapped: false });
    // No map behind it: no device, table, holders or processes.
    const e = newEntry(buildDmName(lv.vg, lv.name), v);
    e.vg = lv.vg;
    e.lv = lv.name;
    e.active = false;
    e.sizeBytes = lv.sizeBytes;
    e.kind = 'lv';
    e.lvUuid = lv.uuid;
    entries.push(e);
  }
  return entries;
}

function layerWords(layer: string): string {
  return (
    (
      {
        tmeta: 'metadata sub-LV',
        tdata: 'data sub-LV',
        tpool: 'thin-pool target layer',
        pool: 'read-only wrapper',
      } as Record<string, string>
    )[layer] ?? `${layer} layer`
  );
}
