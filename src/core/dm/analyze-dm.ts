// NodeView → DmResult: classify every DM device and every LV of every PVE LVM storage, resolve layers
// and partitions, find same-target copies, set pending/protected, grade.

import type { DmDevice } from '../node/dm-devices';
import type { LvmView } from '../node/lvm-view';
import { dmDevicesOf, type NodeView } from '../node/node-view';
import { danglingIndex, definedStorageIds } from '../node/storage-gaps';
import { getTwo } from '../node/two-keys';
import { sharedVgs, storagesAsSeen, vgReachOf } from '../node/vg-reach';
import type { Task } from '../parse/pmxcfs';
import { nextVmids } from '../parse/pmxcfs';
import { compareText } from '../text/compare-text';
import { shellQuote } from '../text/shell-quote';
import type { DmEntry, DmResult } from '../vocab/types';
import type { ClassifyContext } from './classify-dm';
import { classifyAll } from './dm-entries';
import { applyFlags } from './dm-flags';
import { missingReferencedLvs } from './dm-missing';
import { makePathResolver, type PathResolver } from './dm-paths';
import {
  buildReferenceIndex,
  describeRef,
  type ReferenceIndex,
  type RefHit,
  refsOf,
  type UnresolvedPath,
} from './dm-references';
import { dmSummary, guestHealth, statusOf } from './dm-summary';
import { taskVmids } from './pending-rule';
import { computeVmidReuse, nextDiskCollision } from './vmid-reuse';

/** The VMIDs each running and each dead task names, read once per task (dm-flags.ts asks for every entry). */
function taskVmidIndex(tasks: Task[], dead: Task[]): { taskVmids: number[][]; deadTaskVmids: number[][] } {
  return { taskVmids: tasks.map((t) => taskVmids(t.id)), deadTaskVmids: dead.map((t) => taskVmids(t.id)) };
}

/** The LVM storages as their VGs' disks show them, and each VG's reach (node/vg-reach.ts). */
function byDisks(view: NodeView): Pick<ClassifyContext, 'storages' | 'vgTransport' | 'vgReach'> {
  const reach = vgReachOf(view.lvm.vgs, view.pvDevices, view.dm);
  return {
    storages: storagesAsSeen(view.pve.lvmStorages, reach, (s) => s.vg),
    vgTransport: sharedVgs(reach),
    vgReach: reach,
  };
}

/** `action` stays null here: the cleanup planner fills it from the finished result (analyzeNode). */
export function analyzeDm(view: NodeView): DmResult {
  const { pve, lvm } = view;
  const warnings = [...view.warnings];
  const { devices } = dmDevicesOf(view);
  const unresolved: UnresolvedPath[] = [];
  const refs = buildReferenceIndex([...pve.guests.values()], pve.lvmStorages, pathResolverOf(view, lvm), unresolved);
  const paths = pathGaps(unresolved, view.node);
  const { tasks, deadTasks, tasksUnread } = pve;
  const ctx: ClassifyContext = {
    node: view.node,
    lvm,
    lvsError: lvm.lvsError,
    ...byDisks(view),
    guests: pve.guests,
    refs,
    tasks,
    deadTasks,
    tasksUnread,
    ...taskVmidIndex(tasks, deadTasks ?? []),
    ha: pve.ha,
    running: pve.running,
    kvmAlive: pve.kvmAlive,
    kvmIncoming: pve.kvmIncoming,
    storageConfigError: pve.storageConfigError,
    dangling: danglingIndex(pve.guests, definedStorageIds(pve.storageConfig)),
    storageChoices: new Map(),
    unseen: pve.unseen,
    pathGaps: paths,
  };

  if (ctx.storageConfigError)
    warnings.push(`${ctx.storageConfigError}: LVs cannot be mapped to storages, every guest disk is unknown`);
  const entries = classifyAll(ctx, devices);
  // An incomplete LVM view is never a finding to act on: `lvs` can exit 0 with a short report
  // (locking or lvmetad hiccups, filters); `vgs` counts each VG's LVs, so a VG whose rows disagree
  // (or that one of the two does not know) is `unknown` — its maps could look like maps without LV.
  const incomplete = lvm.gaps;
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
  attachGuests(entries, ctx.refs);
  // (Index loops over the entries: thousands of them, in code that runs once and is never optimised,
  // where each step of for-of allocates.)
  for (let i = 0; i < entries.length; i++) applyFlags(ctx, pve, entries[i], lvm);

  // VMID reuse, and the blocking maps of existing guests' next disks.
  const nodeStorages = pve.lvmStoragesHere;
  const storageById = new Map(nodeStorages.map((s) => [s.id, s]));
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const c = nextDiskCollision(e, e.storage ? storageById.get(e.storage) : undefined, lvm.disksByVg);
    if (c) e.detail += `; ${c}`;
  }
  addMissingDisks(entries, ctx, storageById);
  const used = new Set(pve.guests.keys());
  const vmidReuse = computeVmidReuse({
    entries,
    storages: nodeStorages,
    disksByVg: lvm.disksByVg,
    usedVmids: used,
    nextIds: nextVmids(used, pve.nextIdRange, 4),
  });

  for (const why of new Set([paths.local, paths.shared])) if (why !== null) warnings.push(why);
  return {
    summary: dmSummary(entries),
    entries,
    guests: guestHealth(pve, entries),
    vmidReuse,
    warnings,
    status: statusOf(entries),
  };
}

/**
 * The LVs configs name that lvs does not list (dm-missing.ts), on this node's storages as their disks show
 * them, after the flags (nothing of theirs exists to protect) and the collisions; not a volume another entry explains already (a chain-current rename, a quarantined LV named again).
 */
function addMissingDisks(entries: DmEntry[], ctx: ClassifyContext, here: Map<string, unknown>): void {
  // Both name the volume by its LV name (`<storage>:<LV>`), as PVE's LVM volnames are.
  const taken = new Set<string | null>();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.reason === 'chain-current' || e.quarantineNamedBy?.length) taken.add(e.volume);
  }
  const missing = missingReferencedLvs(
    ctx,
    ctx.storages.filter((s) => here.has(s.id)),
    taken,
  );
  for (const e of missing) entries.push(e);
}

/**
 * Who names each LV: its flags follow every such guest, and cleanup takes the config lock of each one on
 * this node, not only the VMID in the LV's name (a disk moved or shared keeps its name). Layers and
 * partitions listed next to their LV share its list (it is never changed afterwards).
 */
function attachGuests(entries: DmEntry[], refs: ReferenceIndex): void {
  // An LV's layers and partitions are usually listed next to its map (recent kernels list maps by name):
  // the list of the entry before is shared, without a map of every LV's hits; elsewhere it is made again.
  let lastHits: RefHit[] | undefined;
  let lastList: DmEntry['guests'];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const hits = e.vg !== null && e.lv !== null ? refsOf(refs, e.vg, e.lv) : undefined;
    if (!hits) continue;
    if (hits !== lastHits) {
      lastHits = hits;
      lastList = referencingGuests(hits);
    }
    if (lastList) e.guests = lastList;
  }
}

/** The guests whose configs name an LV, once each, by VMID (undefined when none does). */
function referencingGuests(hits: RefHit[]): DmEntry['guests'] {
  if (!hits.length) return undefined;
  if (hits.length === 1) return [{ vmid: hits[0].vmid, type: hits[0].type, node: hits[0].node }];
  const seen = new Map<string, { vmid: number; type: 'qemu' | 'lxc'; node: string }>();
  for (const h of hits) seen.set(`${h.node}/${h.vmid}`, { vmid: h.vmid, type: h.type, node: h.node });
  return [...seen.values()].sort((a, b) => a.vmid - b.vmid || compareText(a.node, b.node));
}

/**
 * Why "no config names it" cannot be believed because of config paths that lead nowhere this check can
 * name: a guest of this node may use any LV through one, a guest of another node any LV of a shared VG.
 */
function pathGaps(unresolved: UnresolvedPath[], node: string): { local: string | null; shared: string | null } {
  const say = (list: UnresolvedPath[]) => {
    if (!list.length) return null;
    const first = list[0];
    const more = list.length > 1 ? ` (+${list.length - 1} more path${list.length > 2 ? 's' : ''})` : '';
    return `${describeRef({ ...first, asBase: false, storage: null })}${first.node === node ? '' : ` on ${first.node}`}, which ${first.why}${more}: it may name this volume (look it up: ${shellQuote(['stat', '-L', '--', String(first.ref.path)])})`;
  };
  return { local: say(unresolved.filter((u) => u.node === node)), shared: say(unresolved) };
}

/** The LV a device path names on this node (see makePathResolver). */
function pathResolverOf(view: NodeView, lvm: LvmView): PathResolver {
  const { byKname, byName, byDevno } = view.dm.index;
  const lvOf = (d: DmDevice | undefined, depth = 0): { vg: string; lv: string } | null => {
    const id = d?.identity;
    if (!id) return null;
    if (id.kind === 'lv' || id.kind === 'renamed') return { vg: id.lv.vg, lv: id.lv.name };
    if (id.kind === 'layer' && !id.thinPool && id.top) return { vg: id.vg, lv: id.top };
    if (id.kind === 'partition' && id.parent && depth < 4) return lvOf(byName.get(id.parent), depth + 1);
    return null;
  };
  const lvOfMap = (d: DmDevice | undefined) => (d ? lvOf(d) : undefined);
  return makePathResolver({
    localNode: view.node,
    paths: view.devicePaths,
    links: view.links,
    byUuid: (vgId, lvId) => {
      const lv = getTwo(lvm.byUuid, vgId, lvId);
      return lv ? { vg: lv.vg, lv: lv.name } : null;
    },
    lvOfKname: (kname) => lvOfMap(byKname.get(kname)),
    lvOfDmName: (name) => lvOfMap(byName.get(name)),
    lvOfDevno: (devno) => lvOfMap(byDevno.get(devno)),
    dmMajors: new Set(view.dm.info.map((i) => String(i.major))),
    lvExists: (vg, lv) => getTwo(lvm.byName, vg, lv) !== undefined,
  });
}
