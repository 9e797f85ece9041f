// Snapshot → DmResult: parse what was gathered, classify every DM device and every LV of every PVE
// LVM storage, resolve layers and partitions, find same-target copies, set pending/protected, grade.
import type { ClassifyContext } from './classify-dm';
import { nextVmids } from '../parse/pmxcfs';
import { buildDevices, buildLvmView, type DmDevice, type LvmView } from './dm-devices';
import { classifyAll } from './dm-entries';
import { applyFlags } from './dm-flags';
import { buildReferenceIndex, lvKey, makePathResolver, type PathResolver } from './dm-references';
import { guestHealth, statusOf, summarize } from './dm-summary';
import { CheckError } from '../errors';
import { dmDepsOf, dmInfoOf, dmTablesOf, lvsOf, vgsOf } from '../node/parsed';
import { readPveState } from '../node/pve-state';
import type { LvRow, VgRow } from '../parse/parse-lvm';
import { COMMAND_KEYS, type CommandOutput, type HostSnapshot } from '../node/snapshot';
import type { DmResult } from '../types';
import { computeVmidReuse, nextDiskCollision } from './vmid-reuse';

function commandFailure(c: CommandOutput | undefined): string | null {
  if (!c) return 'not run';
  if (c.error === 'not-found') return `${c.argv[0]}: command not found`;
  if (c.error === 'timeout') return `${c.argv.join(' ')} timed out`;
  if (c.error || c.code !== 0)
    return `${c.argv[0]} exited ${c.code}: ${(c.stderr.trim().split('\n').pop() ?? '').trim()}`;
  return null;
}

/** `action` stays null here: the cleanup planner fills it from the finished result (cleanup-context). */
export function analyzeDm(snap: HostSnapshot): DmResult {
  const pve = readPveState(snap);
  const warnings = [...pve.warnings];
  const info = snap.commands[COMMAND_KEYS.dmInfo];
  const infoFail = commandFailure(info);
  if (infoFail) throw new CheckError(`cannot list device-mapper devices: ${infoFail}`);
  const infos = dmInfoOf(snap);
  const tableOut = snap.commands[COMMAND_KEYS.dmTable];
  const depsOut = snap.commands[COMMAND_KEYS.dmDeps];
  for (const [what, c] of [
    ['dmsetup table', tableOut],
    ['dmsetup deps', depsOut],
  ] as const) {
    const fail = commandFailure(c);
    if (fail) throw new CheckError(`${what} failed: ${fail}`);
  }
  const tables = dmTablesOf(snap);
  const deps = dmDepsOf(snap);

  const lvsOut = snap.commands[COMMAND_KEYS.lvs];
  let lvsError = commandFailure(lvsOut);
  let lvs = null;
  if (!lvsError) {
    try {
      lvs = lvsOf(snap);
    } catch (e) {
      lvsError = `unreadable lvs output: ${(e as Error).message}`;
    }
  }
  // lvs prints these for a VG with a missing PV, and may still exit 0.
  if (lvsOut && /Couldn't find device with uuid|WARNING: VG \S+ is missing PV/i.test(lvsOut.stderr)) {
    warnings.push(`lvs: ${lvsOut.stderr.trim().split('\n')[0]}`);
  }
  const vgsOut = snap.commands[COMMAND_KEYS.vgs];
  const vgs = !commandFailure(vgsOut) ? safe(() => vgsOf(snap)) : null;
  if (lvsError) warnings.push(`LVM view incomplete: ${lvsError}`);

  const lvm = buildLvmView(lvs, vgs);
  const devices = buildDevices(infos, tables, deps, lvm, snap.processes);
  const ctx: ClassifyContext = {
    node: pve.node,
    lvm,
    lvsError,
    storages: pve.lvmStorages,
    guests: pve.guests,
    refs: buildReferenceIndex([...pve.guests.values()], pve.lvmStorages, pathResolverOf(snap, pve.node, lvm, devices)),
    tasks: pve.tasks,
    ha: pve.ha,
    running: pve.running,
    kvmAlive: pve.kvmAlive,
    storageConfigError:
      snap.files['/etc/pve/storage.cfg'] === undefined
        ? '/etc/pve/storage.cfg is missing or unreadable'
        : null,
    storageIds: new Set(pve.storageConfig.map((s) => s.id)),
  };

  if (ctx.storageConfigError) warnings.push(`${ctx.storageConfigError}: LVs cannot be mapped to storages, every guest disk is unknown`);
  const entries = classifyAll(ctx, devices);
  // An incomplete LVM view is never a finding to act on: `lvs` can exit 0 with a short report
  // (locking or lvmetad hiccups, filters); `vgs` counts each VG's LVs, so a VG whose rows disagree
  // (or that one of the two does not know) is `unknown` — its maps could look like maps without LV.
  const incomplete = lvmViewGaps(lvs, vgs, vgsOut ? commandFailure(vgsOut) : 'vgs not run');
  if (incomplete.size > 0) {
    for (const [vg, why] of incomplete) warnings.push(`LVM view of VG ${vg} incomplete: ${why}`);
    for (const e of entries) {
      const why = e.vg !== null ? incomplete.get(e.vg) : undefined;
      if (!why || e.status === 'ignored' || e.status === 'valid') continue;
      e.status = 'unknown';
      e.reason = 'lvm-incomplete';
      e.detail = `${why}: cannot tell whether ${e.vg}/${e.lv ?? e.name} is a leftover (${e.detail})`;
    }
  }
  const pvmoveVgs = new Set((lvs ?? []).filter((l) => l.movePv !== '' || l.attr[0] === 'p').map((l) => l.vg));
  // Who names each LV: its flags follow every such guest, and cleanup takes the config lock of each
  // one on this node, not only the VMID in the LV's name (a disk moved or shared keeps its name).
  for (const e of entries) {
    const hits = e.vg !== null && e.lv !== null ? ctx.refs.get(lvKey(e.vg, e.lv)) : undefined;
    if (!hits?.length) continue;
    const seen = new Map<string, { vmid: number; type: 'qemu' | 'lxc'; node: string }>();
    for (const h of hits) seen.set(`${h.node}/${h.vmid}`, { vmid: h.vmid, type: h.type, node: h.node });
    e.guests = [...seen.values()].sort((a, b) => a.vmid - b.vmid || a.node.localeCompare(b.node));
  }
  for (const e of entries) applyFlags(ctx, pve, e, lvm, pvmoveVgs);

  // VMID reuse, and the blocking maps of existing guests' next disks.
  const lvNamesByVg = new Map<string, string[]>();
  for (const lv of lvs ?? []) {
    const list = lvNamesByVg.get(lv.vg) ?? [];
    list.push(lv.name);
    lvNamesByVg.set(lv.vg, list);
  }
  const nodeStorages = pve.lvmStorages.filter((s) => !s.disabled && (s.nodes === null || s.nodes.includes(pve.node)));
  const storageById = new Map(nodeStorages.map((s) => [s.id, s]));
  for (const e of entries) {
    const c = nextDiskCollision(e, e.storage ? storageById.get(e.storage) : undefined, lvNamesByVg);
    if (c) e.detail += `; ${c}`;
  }
  const used = new Set(pve.guests.keys());
  const vmidReuse = computeVmidReuse({
    entries,
    storages: nodeStorages,
    lvNamesByVg,
    usedVmids: used,
    nextIds: nextVmids(used, pve.nextIdRange, 4),
  });

  return {
    summary: summarize(entries),
    entries,
    guests: guestHealth(pve, entries),
    vmidReuse,
    warnings,
    status: statusOf(entries),
  };
}

function safe<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}

/** The LV a device path names on this node (see makePathResolver). */
function pathResolverOf(snap: HostSnapshot, node: string, lvm: LvmView, devices: DmDevice[]): PathResolver {
  let byKname: Map<string, DmDevice> | null = null;
  let byName: Map<string, DmDevice> | null = null;
  const lvOf = (d: DmDevice | undefined, depth = 0): { vg: string; lv: string } | null => {
    const id = d?.identity;
    if (!id) return null;
    if (id.kind === 'lv' || id.kind === 'renamed') return { vg: id.lv.vg, lv: id.lv.name };
    if (id.kind === 'layer' && !id.thinPool && id.top) return { vg: id.vg, lv: id.top };
    if (id.kind === 'partition' && id.parent && depth < 4) {
      byName ??= new Map(devices.map((x) => [x.info.name, x]));
      return lvOf(byName.get(id.parent), depth + 1);
    }
    return null;
  };
  return makePathResolver({
    localNode: node,
    links: snap.links ?? {},
    byUuid: (vgId, lvId) => {
      const lv = lvm.byUuid.get(vgId + lvId);
      return lv ? { vg: lv.vg, lv: lv.name } : null;
    },
    lvOfKname: (kname) => {
      byKname ??= new Map(devices.map((d) => [d.info.kname, d]));
      return lvOf(byKname.get(kname));
    },
    lvOfDmName: (name) => {
      byName ??= new Map(devices.map((x) => [x.info.name, x]));
      return lvOf(byName.get(name));
    },
  });
}

/**
 * VGs whose `lvs` rows disagree with `vgs` (lv_count counts the visible LVs; `lvs -a` adds hidden
 * ones in brackets), VGs one of the two does not know, and — when `vgs` failed — every VG of `lvs`.
 */
export function lvmViewGaps(
  lvs: LvRow[] | null,
  vgs: VgRow[] | null,
  vgsFailure: string | null,
): Map<string, string> {
  const gaps = new Map<string, string>();
  if (!lvs) return gaps; // lvs failed: every LVM decision is unknown already
  const visible = new Map<string, number>();
  for (const lv of lvs) if (!lv.hidden) visible.set(lv.vg, (visible.get(lv.vg) ?? 0) + 1);
  for (const lv of lvs) visible.set(lv.vg, visible.get(lv.vg) ?? 0);
  if (!vgs) {
    for (const vg of visible.keys()) gaps.set(vg, `vgs failed (${vgsFailure ?? 'unreadable'}): the LV list cannot be cross-checked`);
    return gaps;
  }
  const known = new Set(vgs.map((v) => v.name));
  for (const v of vgs) {
    const rows = visible.get(v.name) ?? 0;
    if (rows !== v.lvCount) gaps.set(v.name, `lvs lists ${rows} LV${rows === 1 ? '' : 's'} of VG ${v.name}, vgs counts ${v.lvCount}`);
  }
  for (const vg of visible.keys()) if (!known.has(vg)) gaps.set(vg, `lvs lists LVs of VG ${vg}, which vgs does not report`);
  return gaps;
}
