// NodeView: one node, parsed once. Every raw output of a HostSnapshot is parsed here and nowhere else
// (dmsetup, lvs/vgs, guest configs, storage.cfg, pmxcfs files); the DM analysis, the storage rules,
// the cleanup planner, the safety preconditions and the executor's journal all read this value. A
// failed or unreadable command is recorded as a reason, never thrown: the part that needs it decides
// what that means (the DM analysis refuses, the storage rules skip, cleanup refuses).

import { indexDeviceNames } from '../parse/dm-device-lines';
import { type DmInfo, type DmSegment, parseDmDeps, parseDmInfo, parseDmTable } from '../parse/parse-dmsetup';
import { type LvRow, parseLvs, parseVgs, type VgRow } from '../parse/parse-lvm';
import { CheckError } from '../vocab/errors';
import {
  COMMAND_KEYS,
  type CommandOutput,
  type DevicePathState,
  type HostSnapshot,
  type ProcessInfo,
  type PvDevicesRead,
  type SysDmEntry,
} from '../vocab/snapshot';
import { buildDevices, type DeviceIndex, type DmDevice } from './dm-devices';
import { buildLvmView, type LvmView } from './lvm-view';
import { type PveState, parsePveState } from './pve-state';
import { unclaimedGuestLvs } from './storage-gaps';
import { dmStatusDisagreement, dmViewDisagreement } from './view-consistency';

export interface DmView {
  /** Why the device list cannot be trusted (dmsetup info/table/deps failed or printed junk); null when it can. */
  failure: string | null;
  info: DmInfo[];
  tables: Map<string, DmSegment[]>;
  deps: Map<string, string[]>;
  /** Every map with its parsed UUID and name, table, deps, holders and identity (dm-devices.ts), built once. */
  devices: DmDevice[];
  /** The devices by device number, kernel name and map name (built with them). */
  index: DeviceIndex;
  /** Raw `dmsetup status` text, or '' when it failed: only thin pools and multipath read it. */
  statusText: string;
  /** Why `dmsetup status` cannot be used, or null. */
  statusFailure: string | null;
}

export interface NodeView {
  /** ISO time of the capture: the core's "now". */
  capturedAt: string;
  hostname: string;
  /** The node name as PVE knows it (see nodeNameOf). */
  node: string;
  dm: DmView;
  lvm: LvmView;
  pve: PveState;
  /** Every command of the snapshot whose outcome a rule reads beyond the parsed data (exit code, stderr). */
  commands: Record<string, CommandOutput>;
  processes: ProcessInfo[];
  sysDm: SysDmEntry[];
  links: Record<string, string>;
  /** Every /dev path the guest configs name, as the node has it (HostSnapshot devicePaths); null in older snapshots. */
  devicePaths: Record<string, DevicePathState | null> | null;
  /** The PVs down to their disks (HostSnapshot pvDevices, vg-reach.ts); null in older snapshots. */
  pvDevices?: PvDevicesRead | null;
  /** Files as on the node (storage.cfg, mountinfo, lvm.conf...): rules that read a file read it here. */
  files: Record<string, string>;
  /** Things that make the view less than complete, said once (LVM gaps, unreadable configs...). */
  warnings: string[];
  /**
   * Why storage.cfg parses to less than the node evidently has (storage-gaps.ts), or null. Every part
   * that maps volumes to storages (DM, volumes, mounts) is UNKNOWN with this reason.
   */
  storageGap: string | null;
  /**
   * Why the DM and volumes parts cannot map volumes to guests, storages and this node: storageGap, or
   * .members that cannot be believed (pmxcfs-gaps.ts). Both parts are UNKNOWN with this reason.
   */
  guestGap: string | null;
}

/** Why a command's output cannot be used, or null. */
export function commandFailure(c: CommandOutput | undefined): string | null {
  if (!c) return 'not run';
  if (c.error === 'not-found') return `${c.argv[0]}: command not found`;
  if (c.error === 'timeout') return `${c.argv.join(' ')} timed out`;
  if (c.error || c.code !== 0)
    return `${c.argv[0]} exited ${c.code}: ${(c.stderr.trim().split('\n').pop() ?? '').trim()}`;
  return null;
}

function attempt<T>(fn: () => T): { value: T; error: null } | { value: null; error: string } {
  try {
    return { value: fn(), error: null };
  } catch (e) {
    return { value: null, error: (e as Error).message };
  }
}

/**
 * What this run changed itself since the snapshot was taken (clean's narrow re-check): maps it removed,
 * LVs it deactivated (VG/LV). The view shows them as they are now; everything else as captured.
 */
export interface SinceSnapshot {
  removedMaps: ReadonlySet<string>;
  deactivatedLvs: ReadonlySet<string>;
  /**
   * `dmsetup info` rows read again just now, by map name (same name, UUID, device number and table as
   * captured: the open count is the one that may differ, e.g. a kpartx parent once its partitions went).
   */
  infoNow?: ReadonlyMap<string, DmInfo>;
}

/** `dmsetup deps` lines of maps that are gone (a line reads `NAME: N dependencies\t: (...)`). */
function withoutDepsLines(text: string, removed: ReadonlySet<string>): string {
  if (removed.size === 0) return text;
  return text
    .split('\n')
    .filter((l) => ![...removed].some((n) => l.startsWith(`${n}: `) && /^\d+ dependenc/.test(l.slice(n.length + 2))))
    .join('\n');
}

function parseDm(snap: HostSnapshot, lvm: LvmView, guestGap: string | null, since?: SinceSnapshot): DmView {
  const cmd = (k: string) => snap.commands[k];
  const statusFailure = commandFailure(cmd(COMMAND_KEYS.dmStatus));
  const statusText = statusFailure ? '' : (cmd(COMMAND_KEYS.dmStatus)?.stdout ?? '');
  const empty = {
    info: [],
    tables: new Map(),
    deps: new Map(),
    devices: [],
    index: { byDevno: new Map(), byKname: new Map(), byName: new Map() },
    statusText,
    statusFailure,
  };
  const infoFail = commandFailure(cmd(COMMAND_KEYS.dmInfo));
  if (infoFail) return { failure: `cannot list device-mapper devices: ${infoFail}`, ...empty };
  for (const [what, key] of [
    ['dmsetup table', COMMAND_KEYS.dmTable],
    ['dmsetup deps', COMMAND_KEYS.dmDeps],
  ] as const) {
    const fail = commandFailure(cmd(key));
    if (fail) return { failure: `${what} failed: ${fail}`, ...empty };
  }
  const parsed = attempt(() => {
    const info = parseDmInfo(cmd(COMMAND_KEYS.dmInfo)?.stdout ?? '');
    // One index of the names, in info's order, for the table, deps and status parsers (parse-dmsetup.ts).
    const order = info.map((i) => i.name);
    const names = indexDeviceNames(new Set(order), order);
    return {
      info,
      names,
      tables: parseDmTable(cmd(COMMAND_KEYS.dmTable)?.stdout ?? '', names),
      deps: parseDmDeps(cmd(COMMAND_KEYS.dmDeps)?.stdout ?? '', names),
    };
  });
  if (parsed.error !== null) return { failure: `unreadable dmsetup output: ${parsed.error}`, ...empty };
  const { tables, deps, names } = parsed.value;
  // Exit 0 but short or garbled: what reads it (thin pools, multipath) is unknown, as when it failed.
  // Checked against the info and table it was captured with, before the maps this run removed since are
  // taken out of those (the captured status text still has their lines), by the names info lists.
  const statusGap = statusFailure ? null : dmStatusDisagreement(statusText, tables, names);
  let { info } = parsed.value;
  const removed = since?.removedMaps ?? new Set<string>();
  const now = since?.infoNow;
  if (now?.size) info = info.map((i) => now.get(i.name) ?? i);
  if (removed.size > 0) {
    info = info.filter((i) => !removed.has(i.name));
    for (const n of removed) {
      tables.delete(n);
      deps.delete(n);
    }
  }
  // The devices first: the consistency check reads their index (built once) and what it found twice.
  const { devices, index, twice } = buildDevices(info, tables, deps, lvm, snap.processes);
  const disagreement = dmViewDisagreement({
    info,
    tables,
    deps,
    depsText: withoutDepsLines(cmd(COMMAND_KEYS.dmDeps)?.stdout ?? '', removed),
    sysDm: sysDmSince(snap, since),
    sysDmRead: snap.sysDmRead,
    lvs: lvm.lvs,
    index,
    twice,
  });
  if (disagreement) return { failure: disagreement, ...empty };
  if (guestGap) return { failure: guestGap, ...empty };
  if (statusGap) return { failure: null, info, tables, deps, devices, index, statusText: '', statusFailure: statusGap };
  return { failure: null, info, tables, deps, devices, index, statusText, statusFailure };
}

function sysDmSince(snap: HostSnapshot, since?: SinceSnapshot): HostSnapshot['sysDm'] {
  const removed = since?.removedMaps;
  return removed?.size ? snap.sysDm.filter((s) => !removed.has(s.name)) : snap.sysDm;
}

/** LV rows as lvs prints them once `lvchange -an` took the maps of `since.deactivatedLvs`: state and open flags off, no kernel device. */
export function lvRowsSince(rows: LvRow[], since: SinceSnapshot | undefined): LvRow[] {
  const off = since?.deactivatedLvs;
  if (!off?.size) return rows;
  return rows.map((lv) =>
    off.has(`${lv.vg}/${lv.name}`)
      ? {
          ...lv,
          active: false,
          kernelMajor: null,
          kernelMinor: null,
          attr: `${lv.attr.slice(0, 4)}--${lv.attr.slice(6)}`,
        }
      : lv,
  );
}

function parseLvm(snap: HostSnapshot, since?: SinceSnapshot): LvmView {
  const lvsOut = snap.commands[COMMAND_KEYS.lvs];
  const vgsOut = snap.commands[COMMAND_KEYS.vgs];
  let lvsError = commandFailure(lvsOut);
  let lvs: LvRow[] | null = null;
  if (!lvsError) {
    const r = attempt(() => parseLvs(lvsOut?.stdout ?? ''));
    lvs = r.value && lvRowsSince(r.value, since);
    if (r.error !== null) lvsError = `unreadable lvs output: ${r.error}`;
  }
  let vgsError = vgsOut ? commandFailure(vgsOut) : 'vgs not run';
  let vgs: VgRow[] | null = null;
  if (!vgsError) {
    const r = attempt(() => parseVgs(vgsOut?.stdout ?? ''));
    vgs = r.value;
    if (r.error !== null) vgsError = `unreadable vgs output: ${r.error}`;
  }
  const empty = lvs?.length === 0 ? emptyLvsContradiction(vgs, snap.commands[COMMAND_KEYS.dmInfo]?.stdout ?? '') : null;
  if (empty) {
    lvs = null;
    lvsError = empty;
  }
  return buildLvmView({ lvs, lvsError, lvsTimedOut: lvsOut?.error === 'timeout', vgs, vgsError });
}

/**
 * `lvs` exited 0 with no LV at all: believed only when nothing says the node has LVs — `vgs` counting
 * LVs in a VG (lv_count), or, without a usable `vgs`, device-mapper maps of LVs (UUID `LVM-…`, set by
 * lvm2 for every LV it activates: lib/activate/dev_manager.c build_dm_uuid). lvm2 prints an empty
 * report when its locking, filters or metadata reads fail on some setups and still exits 0; then every
 * LV would look gone and every map "without LV".
 */
export function emptyLvsContradiction(vgs: VgRow[] | null, dmInfoText: string): string | null {
  const counted = (vgs ?? []).filter((v) => v.lvCount > 0);
  if (counted.length)
    return `lvs exited 0 with no LV while vgs counts ${counted.map((v) => `${v.lvCount} in VG ${v.name}`).join(', ')}: its report is empty, not the node`;
  // The UUID is the second field (name, uuid, ...: parse-dmsetup.ts DM_INFO_FIELDS): a map *named* LVM-… is no LV's.
  if (vgs === null && /\tLVM-/.test(dmInfoText))
    return 'lvs exited 0 with no LV while device-mapper has maps of LVs and vgs could not be read: its report is empty, not the node';
  return null;
}

/**
 * `pve`: the snapshot's PVE state when a part that needs only that parsed it already (parsePveState).
 * `since`: what this run changed itself since the capture (SinceSnapshot).
 */
export function parseNode(snap: HostSnapshot, parsed: { pve?: PveState; since?: SinceSnapshot } = {}): NodeView {
  const pve = parsed.pve ?? parsePveState(snap);
  const lvm = parseLvm(snap, parsed.since);
  const warnings = [...pve.warnings];
  // lvs prints these for a VG with a missing PV, and may still exit 0.
  const lvsErr = snap.commands[COMMAND_KEYS.lvs]?.stderr ?? '';
  if (/Couldn't find device with uuid|WARNING: VG \S+ is missing PV/i.test(lvsErr)) {
    warnings.push(`lvs: ${lvsErr.trim().split('\n')[0]}`);
  }
  if (lvm.lvsError) warnings.push(`LVM view incomplete: ${lvm.lvsError}`);
  const storageGap = pve.storageConfigError ?? unclaimedGuestLvs(lvm.lvs, pve.storageConfig);
  const guestGap = storageGap ?? pve.membersGap;
  return {
    capturedAt: snap.capturedAt,
    hostname: snap.hostname,
    node: pve.node,
    dm: parseDm(snap, lvm, guestGap, parsed.since),
    lvm,
    pve,
    commands: snap.commands,
    processes: snap.processes,
    sysDm: sysDmSince(snap, parsed.since),
    links: snap.links ?? {},
    devicePaths: snap.devicePaths ?? null,
    pvDevices: snap.pvDevices ?? null,
    files: snap.files,
    warnings,
    storageGap,
    guestGap,
  };
}

/** The device list, or the CheckError that says why there is none (the DM part is then UNKNOWN). */
export function dmDevicesOf(view: NodeView): DmView {
  if (view.dm.failure) throw new CheckError(view.dm.failure);
  return view.dm;
}
