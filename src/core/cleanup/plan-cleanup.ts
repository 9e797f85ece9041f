// Cleanup planner (design.md "Cleanup"): DM entries of the analysis → an ordered list of the least
// destructive fixes, as argv arrays. Pure: the executor in src/act is the only thing that runs them.
// Never an LV removal, never --force, never an entry that is protected, pending or unknown, never
// anything in a VG that is partial, under pvmove or shared through lvmlockd.

import { compareText } from '../text/compare-text';
import { type NextStep, otherStep } from '../vocab/next-step';
import type { DmAction, DmEntry } from '../vocab/types';
import { adviceFor, asSet, hintFor, LV_REASONS, type PlanContext, type VgSafety, volumeKey } from './cleanup-hints';
import type { CleanupAction, CleanupKind, CleanupPlan, PlanFilter, PlanSkip } from './cleanup-types';

export type { CleanupAction, CleanupKind, CleanupPlan, PlanFilter, PlanSkip } from './cleanup-types';
export { adviceFor, hintFor, type PlanContext, type VgSafety };

const MAP_REASONS = new Set(['lv-missing', 'stale-map', 'renamed', 'same-target']);

/** The reasons `clean` can have a fix for (what `clean --reason` takes). */
export const CLEANABLE_REASONS: readonly string[] = [...MAP_REASONS, ...LV_REASONS];

/** kpartx maps carry the UUID `part<N>-<parent uuid>` (kpartx devmapper.c). */
export function isPartition(e: Pick<DmEntry, 'uuid'>): boolean {
  return /^part\d+-/.test(e.uuid);
}

/** lvs prints LV ids hyphenated 6-4-4-4-4-4-6; `--select lv_uuid=` compares that form. */
export function formatLvUuid(id: string): string {
  if (id.includes('-') || id.length !== 32) return id;
  return /^(.{6})(.{4})(.{4})(.{4})(.{4})(.{4})(.{6})$/.exec(id)!.slice(1).join('-');
}

function dmRemoveCommand(e: DmEntry): string[] | null {
  // By UUID when there is one: a name may have been reused by a new LV since the analysis.
  if (e.uuid) return ['dmsetup', 'remove', '--retry', '-u', e.uuid];
  const mm = e.majorMinor?.match(/^(\d+):(\d+)$/);
  if (mm) return ['dmsetup', 'remove', '--retry', '-j', mm[1], '-m', mm[2]];
  return null;
}

function lvDeactivateCommand(e: DmEntry): string[] | null {
  if (!e.vg || !e.lv || !e.lvUuid) return null;
  // VG/LV narrows the scan to one LV; the selection makes lvm2 do nothing if that name now
  // belongs to another LV.
  return ['lvchange', '-an', '--select', `lv_uuid=${formatLvUuid(e.lvUuid)}`, `${e.vg}/${e.lv}`];
}

function vgProblem(e: DmEntry, ctx: PlanContext): string | null {
  if (!e.vg) return null;
  const s = ctx.vgs?.[e.vg];
  if (!s) return null;
  if (s.partial) return `VG ${e.vg} is partial (a PV is missing)`;
  if (s.pvmove) return `VG ${e.vg} has a pvmove in progress`;
  if (s.lvmlockd) return `VG ${e.vg} is shared through lvmlockd`;
  if (s.missing) return `VG ${e.vg} is not reported by lvm`;
  return null;
}

/** Open only because its own kpartx partition maps sit on it (they are removed first). */
function openOnlyByChildren(e: DmEntry, children: DmEntry[]): boolean {
  if (!e.open || e.pending || e.processes.length > 0) return false;
  if (e.protectedBy.some((p) => p !== 'open')) return false;
  const childNames = new Set(children.map((c) => c.name));
  return e.holders.length > 0 && e.holders.every((h) => childNames.has(h)) && e.openCount <= e.holders.length;
}

function whyNot(e: DmEntry, ctx: PlanContext, children: DmEntry[]): string | null {
  if (e.status === 'unknown') return 'unknown: the tool cannot decide safely';
  if (e.pending) return `pending: ${e.protectedBy.join(', ') || 'a PVE operation is under way'}`;
  if (e.protected && !openOnlyByChildren(e, children)) {
    return `protected: ${e.protectedBy.join(', ') || 'in use'}`;
  }
  const vg = vgProblem(e, ctx);
  if (vg) return vg;
  if (e.kind === 'lv') return 'no map to remove; the LV is inactive (see the hint to attach or free it)';
  if (MAP_REASONS.has(e.reason)) return dmRemoveCommand(e) ? null : 'map has neither UUID nor major:minor';
  if (LV_REASONS.has(e.reason)) return lvDeactivateCommand(e) ? null : 'LV identity (VG, LV, LV UUID) unknown';
  return `no automatic fix for ${e.reason}`;
}

function toAction(e: DmEntry, ctx: PlanContext, kind: CleanupKind, command: string[], why?: string): CleanupAction {
  const effect =
    kind === 'lv-deactivate'
      ? `deactivate LV ${e.vg}/${e.lv} (removes its map; the data stays in the VG)`
      : isPartition(e)
        ? `remove partition map ${e.name} (kpartx child of ${e.parent ?? 'its parent'})`
        : `remove map ${e.name}${e.reason === 'lv-missing' ? ' (no LV behind it)' : ''}; no LV is touched`;
  return {
    kind,
    name: e.name,
    uuid: e.uuid,
    reason: e.reason,
    status: e.status,
    why: why ?? e.detail,
    effect,
    command,
    hint: kind === 'lv-deactivate' ? hintFor(e, ctx) : undefined,
    steps: kind === 'lv-deactivate' ? adviceFor(e, ctx) : undefined,
    vg: e.vg,
    lv: e.lv,
    lvUuid: e.lvUuid ?? null,
    storage: e.storage,
    storageShared: e.storage !== null && asSet(ctx.sharedStorages).has(e.storage),
    vmid: e.vmid,
    guestType: e.guestType ?? null,
    guestLocks: guestLocksOf(e, ctx.node),
    majorMinor: e.majorMinor ?? null,
    table: e.table ?? [],
    parent: e.parent,
  };
}

/** The config locks an action on `e` takes: its own VMID and every local guest that names the volume. */
export function guestLocksOf(e: DmEntry, node: string | undefined): CleanupAction['guestLocks'] {
  const locks = new Map<number, 'qemu' | 'lxc' | null>();
  if (e.vmid !== null) locks.set(e.vmid, e.guestType ?? null);
  for (const g of e.guests ?? []) {
    if (node !== undefined && g.node !== node) continue;
    locks.set(g.vmid, g.type);
  }
  return [...locks].sort((a, b) => a[0] - b[0]).map(([vmid, type]) => ({ vmid, type }));
}

function partitionsOf(e: DmEntry, all: DmEntry[]): DmEntry[] {
  // Partition maps are holders of their parent: nothing to look for when it has none.
  if (e.holders.length === 0) return [];
  return all.filter((c) => c.kind === 'dm' && c.parent === e.name && isPartition(c));
}

// The fix for one entry, or null. A protected entry never carries one: a kpartx parent is open by its
// partitions, so they carry theirs and the parent's fix is a hint (parentHint).
export function actionFor(entry: DmEntry, ctx: PlanContext = {}, all: DmEntry[] = []): DmAction | null {
  if (entry.status !== 'orphan' && entry.status !== 'duplicate') return null;
  if (entry.parent && isPartition(entry)) {
    const parent = all.find((p) => p.name === entry.parent && p.kind === 'dm');
    if (!parent || !parentPlanned(parent, ctx, all)) return null;
    const cmd = dmRemoveCommand(entry);
    return cmd ? { command: cmd, effect: toAction(entry, ctx, 'dm-remove', cmd).effect } : null;
  }
  if (entry.protected) return null;
  const children = partitionsOf(entry, all);
  if (whyNot(entry, ctx, children)) return null;
  const a = fixOf(entry, ctx);
  return a ? { command: a.command, effect: a.effect } : null;
}

/** The parent of kpartx partitions is planned: its own fix stands and every partition map can go. */
function parentPlanned(parent: DmEntry, ctx: PlanContext, all: DmEntry[]): boolean {
  const children = partitionsOf(parent, all);
  if (children.length === 0 || whyNot(parent, ctx, children) || !fixOf(parent, ctx)) return false;
  return children.every((c) => childProblem(c, ctx) === null);
}

/** The hint of a parent held open only by its partition maps: its fix runs after theirs. */
export function parentHint(entry: DmEntry, ctx: PlanContext, all: DmEntry[]): NextStep[] | null {
  if (!entry.protected || !parentPlanned(entry, ctx, all)) return null;
  const fix = fixOf(entry, ctx)!;
  const parts = partitionsOf(entry, all)
    .map((c) => c.name)
    .join(', ');
  return [
    otherStep(`after its partitions (${parts}; their maps are removed first): ${fix.effect}`, fix.command),
    otherStep('pve-health clean runs both in this order', ['pve-health', 'clean', '--name', entry.name]),
  ];
}

function fixOf(e: DmEntry, ctx: PlanContext): CleanupAction | null {
  if (e.kind !== 'dm') return null;
  if (MAP_REASONS.has(e.reason)) {
    const cmd = dmRemoveCommand(e);
    return cmd ? toAction(e, ctx, 'dm-remove', cmd) : null;
  }
  if (LV_REASONS.has(e.reason)) {
    const cmd = lvDeactivateCommand(e);
    return cmd ? toAction(e, ctx, 'lv-deactivate', cmd) : null;
  }
  return null;
}

export function matchesFilter(e: DmEntry, f: PlanFilter): boolean {
  if (f.all) return true;
  const byVmid = f.vmids?.length ? e.vmid !== null && f.vmids.includes(e.vmid) : true;
  const byReason = f.reasons?.length ? f.reasons.includes(e.reason) : true;
  const byName = f.names?.length
    ? f.names.some((n) => n === e.name || n === volumeKey(e) || n === e.volume || n === e.lv)
    : true;
  const any = Boolean(f.vmids?.length || f.reasons?.length || f.names?.length);
  return any && byVmid && byReason && byName;
}

// Plan the cleanup of `entries` (the analysis' DmResult.entries) limited to `filter`.
// Order: duplicates before orphans; kpartx partition maps right before their parent.
export function planCleanup(
  entries: DmEntry[],
  ctx: PlanContext = {},
  filter: PlanFilter = { all: true },
): CleanupPlan {
  const actions: CleanupAction[] = [];
  const skipped: PlanSkip[] = [];
  const findings = entries.filter(
    (e) =>
      (e.status === 'orphan' || e.status === 'duplicate' || e.status === 'unknown') && !(e.parent && isPartition(e)),
  );
  const rank = (e: DmEntry) => (e.status === 'duplicate' ? 0 : e.status === 'orphan' ? 1 : 2);
  findings.sort((a, b) => rank(a) - rank(b) || compareText(a.name, b.name));
  const seen = new Set<string>();
  for (const e of findings) {
    if (!matchesFilter(e, filter)) continue;
    const children = partitionsOf(e, entries);
    const why = whyNot(e, ctx, children);
    const fix = why ? null : fixOf(e, ctx);
    if (!fix) {
      skipped.push({ name: e.name, status: e.status, reason: e.reason, why: why ?? 'no automatic fix' });
      continue;
    }
    // A partition map that cannot go keeps its parent open: then neither is touched.
    const blocked = children.map((c) => ({ c, why: childProblem(c, ctx) })).filter((x) => x.why);
    if (blocked.length) {
      for (const b of blocked) skipped.push({ name: b.c.name, status: b.c.status, reason: b.c.reason, why: b.why! });
      skipped.push({
        name: e.name,
        status: e.status,
        reason: e.reason,
        why: `partition map ${blocked[0].c.name} stays`,
      });
      continue;
    }
    for (const c of children) {
      if (seen.has(c.name)) continue;
      seen.add(c.name);
      actions.push(
        toAction(
          c,
          ctx,
          'dm-remove',
          dmRemoveCommand(c)!,
          `partition map on ${e.name}, which is ${e.status} (${e.reason})`,
        ),
      );
    }
    if (!seen.has(e.name)) {
      seen.add(e.name);
      actions.push(fix);
    }
  }
  return { actions, skipped };
}

function childProblem(c: DmEntry, ctx: PlanContext): string | null {
  if (c.pending) return `pending: ${c.protectedBy.join(', ')}`;
  if (c.open || c.processes.length > 0 || c.holders.length > 0) return `partition map is open (${c.openCount})`;
  if (c.protected) return `protected: ${c.protectedBy.join(', ')}`;
  const vg = vgProblem(c, ctx);
  if (vg) return vg;
  return dmRemoveCommand(c) ? null : 'partition map has neither UUID nor major:minor';
}
