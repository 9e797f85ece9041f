// What the planner needs to know beyond the entries: which storages are shared, which VGs are
// unsafe to touch (partial, pvmove, lvmlockd), which volumes are referenced. Pure: from the NodeView.

import type { NodeView } from '../node/node-view';
import { stepsText } from '../vocab/next-step';
import type { DmEntry, DmResult } from '../vocab/types';
import { asSet } from './cleanup-hints';
import { indexLiveMaps, nextStepsFor } from './next-steps';
import { actionFor, adviceFor, type PlanContext, parentHint } from './plan-cleanup';

export function cleanupContext(view: NodeView, result: Pick<DmResult, 'entries'>): PlanContext {
  const referenced = new Set<string>();
  const entries = result.entries;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.status === 'valid' && e.vg && e.lv) referenced.add(`${e.vg}/${e.lv}`);
  }
  return {
    sharedStorages: view.pve.sharedStorages,
    vgs: Object.fromEntries(view.lvm.safety),
    referenced,
    node: view.node,
  };
}

/**
 * Every entry with its fix from the cleanup planner (`action`, and `hint` where the analysis left
 * none): what `pve-health dm` shows as the fix is exactly what `pve-health clean` would run. A new
 * list; entries that gain a fix are copies, the analysis' own are never changed.
 */
export function withCleanupActions(view: NodeView, entries: DmEntry[]): DmEntry[] {
  const ctx = cleanupContext(view, { entries });
  // Which map is the live one, for the duplicates' steps: indexed once for the whole list.
  const live = indexLiveMaps(entries);
  const out: DmEntry[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const action = actionFor(e, ctx, entries);
    // A protected finding without a fix and without other advice: what makes it safe, then clean
    // (nextStepsFor; asked only of the protected duplicates and orphans it speaks of, not of every entry).
    const steps = e.hint
      ? null
      : (parentHint(e, ctx, entries) ??
        adviceFor(e, ctx) ??
        (action || !mayNeedNextSteps(e)
          ? null
          : nextStepsFor({ ...e, action }, live, {
              shared: e.storage !== null && asSet(ctx.sharedStorages).has(e.storage),
            })));
    // Most entries (valid, ignored) get neither: they are shared, not copied (nothing changes them later).
    if (action === e.action && !steps) out.push(e);
    else out.push(steps ? { ...e, action, hint: stepsText(steps), steps } : { ...e, action });
  }
  return out;
}

/** What nextStepsFor answers at all: a protected duplicate or orphan that no operation explains. */
function mayNeedNextSteps(e: DmEntry): boolean {
  return !e.pending && e.protected && (e.status === 'duplicate' || e.status === 'orphan');
}
