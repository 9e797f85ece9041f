// What the planner needs to know beyond the entries: which storages are shared, which VGs are
// unsafe to touch (partial, pvmove, lvmlockd), which volumes are referenced. Pure: from a snapshot.
import { lvsOf, vgsOf } from '../node/parsed';
import { actionFor, hintFor, type PlanContext, type VgSafety } from './plan-cleanup';
import { readPveState } from '../node/pve-state';
import { COMMAND_KEYS, type HostSnapshot } from '../node/snapshot';
import { lvmStorages, parseStorageConfig } from '../parse/storage-config';
import type { DmResult } from '../types';

export function cleanupContext(snap: HostSnapshot, result: DmResult): PlanContext {
  const shared = new Set<string>();
  const cfg = snap.files['/etc/pve/storage.cfg'];
  if (cfg !== undefined) {
    for (const s of parseStorageConfig(cfg)) if (s.shared) shared.add(s.id);
    for (const s of lvmStorages(parseStorageConfig(cfg))) if (s.shared) shared.add(s.id);
  }
  const vgs: Record<string, VgSafety> = {};
  const vgsOut = snap.commands[COMMAND_KEYS.vgs];
  if (vgsOut && vgsOut.code === 0 && !vgsOut.error) {
    for (const v of safeParse(() => vgsOf(snap), [])) {
      vgs[v.name] = { partial: v.partial, lvmlockd: v.lockType !== null };
    }
  }
  const lvsOut = snap.commands[COMMAND_KEYS.lvs];
  if (lvsOut && lvsOut.code === 0 && !lvsOut.error) {
    for (const lv of safeParse(() => lvsOf(snap), [])) {
      vgs[lv.vg] ??= {};
      const s = vgs[lv.vg];
      if (lv.movePv || lv.name.startsWith('pvmove')) s.pvmove = true;
      if (lv.vgAttr[3] === 'p') s.partial = true;
    }
  }
  const referenced = new Set<string>();
  for (const e of result.entries) if (e.status === 'valid' && e.vg && e.lv) referenced.add(`${e.vg}/${e.lv}`);
  return { sharedStorages: shared, vgs, referenced, node: readPveState(snap).node };
}

function safeParse<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/**
 * Fill `action` (and `hint`, where the analysis left none) on every entry from the cleanup planner:
 * what `pve-health dm` shows as the fix is exactly what `pve-health clean` would run.
 */
export function fillCleanupActions(snap: HostSnapshot, result: DmResult): void {
  const ctx = cleanupContext(snap, result);
  for (const e of result.entries) {
    e.action = actionFor(e, ctx, result.entries);
    if (!e.hint) {
      const h = hintFor(e, ctx);
      if (h) e.hint = h;
    }
  }
}
