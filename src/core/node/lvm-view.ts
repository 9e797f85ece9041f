// The node's LVM as one value: the rows of `lvs` and `vgs`, indexed once, and the facts every later
// decision asks about a VG — is the view of it complete, is a pvmove running, is it partial, is it
// under lvmlockd. The DM classifier, the storage rules and the cleanup planner all read these, so
// they cannot drift apart (they once decided pvmove and partial VGs two ways each).
import type { LvRow, VgRow } from '../parse/parse-lvm';
import { guestLvRest, guestLvVmid } from '../parse/volume-name';
import { setTwo, type TwoKeys } from './two-keys';

/** What cleanup must know of a VG before it touches an LV in it. */
export interface VgSafety {
  partial?: boolean;
  pvmove?: boolean;
  lvmlockd?: boolean;
}

export interface LvmView {
  /** null when lvs failed or timed out: nothing about LVM identity can be decided. */
  lvs: LvRow[] | null;
  /** Why `lvs` is null (the command failed, timed out, or printed junk). */
  lvsError: string | null;
  lvsTimedOut: boolean;
  vgs: VgRow[] | null;
  /** Why `vgs` is null. */
  vgsError: string | null;
  /** VG id (32 chars) → LV id (32 chars) → LV (two-keys.ts): a DM UUID carries both, in that order. */
  byUuid: TwoKeys<LvRow>;
  /** VG → LV name (hidden ones without brackets) → LV (two-keys.ts). */
  byName: TwoKeys<LvRow>;
  /** VG id (32 chars) → VG name. */
  vgById: Map<string, string>;
  vgByName: Map<string, VgRow>;
  /** VG → the names of its LVs (hidden ones without brackets). */
  namesByVg: Map<string, Set<string>>;
  /** VG → VMID → the `(vm|base)-<vmid>-disk-N` LV names it holds (the next free disk name is decided from these). */
  disksByVg: Map<string, Map<number, string[]>>;
  /** VGs whose `lvs` rows disagree with `vgs` (or that one of the two does not know) → why. */
  gaps: Map<string, string>;
  /** Per VG: partial, pvmove, lvmlockd (only VGs where one of them is known). */
  safety: Map<string, VgSafety>;
}

/** The VMID of a `(vm|base)-<vmid>-disk-...` LV name (what /^(?:vm|base)-(\d+)-disk-/ captures), or null. */
function diskVmid(name: string): number | null {
  const at = guestLvRest(name);
  return at > 0 && name.startsWith('disk-', at) ? guestLvVmid(name, at) : null;
}

/** A pvmove is running in a VG: lvm2 shows its temporary LV as `[pvmove0]` (attr 'p') and the moved LV with move_pv set. */
function isPvmove(lv: LvRow): boolean {
  return lv.movePv !== '' || lv.attr[0] === 'p' || lv.name.startsWith('pvmove');
}

export function buildLvmView(input: {
  lvs: LvRow[] | null;
  lvsError: string | null;
  lvsTimedOut: boolean;
  vgs: VgRow[] | null;
  vgsError: string | null;
}): LvmView {
  const { lvs, vgs } = input;
  const byUuid: TwoKeys<LvRow> = new Map();
  const byName: TwoKeys<LvRow> = new Map();
  const vgById = new Map<string, string>();
  const namesByVg = new Map<string, Set<string>>();
  const disksByVg = new Map<string, Map<number, string[]>>();
  const safety = new Map<string, VgSafety>();
  const safetyOf = (vg: string) => {
    let s = safety.get(vg);
    if (!s) {
      s = {};
      safety.set(vg, s);
    }
    return s;
  };
  for (const v of vgs ?? []) {
    if (v.partial) safetyOf(v.name).partial = true;
    if (v.lockType !== null) safetyOf(v.name).lvmlockd = true;
  }
  const rows = lvs ?? [];
  for (let i = 0; i < rows.length; i++) {
    const lv = rows[i];
    setTwo(byUuid, lv.vgUuid, lv.uuid, lv);
    setTwo(byName, lv.vg, lv.name, lv);
    if (lv.vgUuid) vgById.set(lv.vgUuid, lv.vg);
    let names = namesByVg.get(lv.vg);
    if (!names) {
      names = new Set();
      namesByVg.set(lv.vg, names);
    }
    names.add(lv.name);
    const vmid = diskVmid(lv.name);
    if (vmid !== null) {
      let byVmid = disksByVg.get(lv.vg);
      if (!byVmid) {
        byVmid = new Map();
        disksByVg.set(lv.vg, byVmid);
      }
      const list = byVmid.get(vmid);
      if (list) list.push(lv.name);
      else byVmid.set(vmid, [lv.name]);
    }
    if (isPvmove(lv)) safetyOf(lv.vg).pvmove = true;
    if (lv.vgAttr[3] === 'p') safetyOf(lv.vg).partial = true;
  }
  for (const vg of vgs ?? []) if (vg.uuid) vgById.set(vg.uuid, vg.name);
  return {
    ...input,
    byUuid,
    byName,
    vgById,
    vgByName: new Map((vgs ?? []).map((v) => [v.name, v])),
    namesByVg,
    disksByVg,
    gaps: lvmViewGaps(lvs, vgs, input.vgsError),
    safety,
  };
}

/**
 * VGs whose `lvs` rows disagree with `vgs` (lv_count counts the visible LVs; `lvs -a` adds hidden
 * ones in brackets), VGs one of the two does not know, and — when `vgs` failed — every VG of `lvs`.
 */
export function lvmViewGaps(lvs: LvRow[] | null, vgs: VgRow[] | null, vgsFailure: string | null): Map<string, string> {
  const gaps = new Map<string, string>();
  if (!lvs) return gaps; // lvs failed: every LVM decision is unknown already
  const visible = new Map<string, number>();
  for (let i = 0; i < lvs.length; i++) if (!lvs[i].hidden) visible.set(lvs[i].vg, (visible.get(lvs[i].vg) ?? 0) + 1);
  for (let i = 0; i < lvs.length; i++) visible.set(lvs[i].vg, visible.get(lvs[i].vg) ?? 0);
  if (!vgs) {
    for (const vg of visible.keys())
      gaps.set(vg, `vgs failed (${vgsFailure ?? 'unreadable'}): the LV list cannot be cross-checked`);
    return gaps;
  }
  const known = new Set(vgs.map((v) => v.name));
  for (const v of vgs) {
    const rows = visible.get(v.name) ?? 0;
    if (rows !== v.lvCount)
      gaps.set(v.name, `lvs lists ${rows} LV${rows === 1 ? '' : 's'} of VG ${v.name}, vgs counts ${v.lvCount}`);
  }
  for (const vg of visible.keys())
    if (!known.has(vg)) gaps.set(vg, `lvs lists LVs of VG ${vg}, which vgs does not report`);
  return gaps;
}
