// The whole DM verdict of a node, decided once: classification, each finding's fix from the cleanup
// planner, the storage health findings, and the part's status folded from both. `dm`, `check`,
// `report`, `notify`, `serve`, `cluster`, `clean` and `restore` all call this, so they cannot disagree
// about the same node. The result is a new value; nothing changes it afterwards.
import { withCleanupActions } from '../cleanup/cleanup-context';
import { analyzeDm } from '../dm/analyze-dm';
import type { NodeView } from '../node/node-view';
import { AUTOACTIVATION_UNCHECKED } from '../storage/autoactivation';
import { classifyStorage, storageStatus } from '../storage/classify-storage';
import type { Config } from '../vocab/config';
import { worstStatus } from '../vocab/status';
import type { DmResult } from '../vocab/types';

export function analyzeNode(view: NodeView, config: Config): DmResult {
  const dm = analyzeDm(view);
  const analysed = { ...dm, entries: withCleanupActions(view, dm.entries) };
  const storage = classifyStorage(view, analysed, config);
  // What a storage rule could not read (its finding says why) is UNKNOWN for the part, not a note.
  const unchecked = [
    ...(dm.unchecked ?? []),
    // Which operation runs decides pending entries and stale locks: unknown while tasks/active is.
    view.pve.tasksUnread ? `${view.pve.tasksUnread}: running operations are not known` : null,
    uncheckedKernelState(view),
    unseenConfigsOf(view, dm.entries),
    ...storage.filter((f) => f.kind === AUTOACTIVATION_UNCHECKED).map((f) => f.detail),
  ].filter((u): u is string => u !== null);
  return {
    ...analysed,
    warnings: [...analysed.warnings, ...unchecked],
    ...(unchecked.length ? { unchecked } : {}),
    storage,
    status: worstStatus(dm.status, storageStatus(storage), unchecked.length ? 3 : 0),
  };
}

/**
 * Thin pools and multipath maps are judged by the kernel's own status lines: when `dmsetup status`
 * failed or printed less than the maps have (view-consistency.ts dmStatusDisagreement), a failed pool or a map without paths would look healthy, so the part is UNKNOWN and says why.
 */
function uncheckedKernelState(view: NodeView): string | null {
  if (!view.dm.statusFailure) return null;
  const pools = (view.lvm.lvs ?? []).filter((l) => l.segtype === 'thin-pool').map((l) => `${l.vg}/${l.name}`);
  const mpath = view.dm.info.filter((d) => d.uuid.startsWith('mpath-')).map((d) => d.name);
  if (pools.length === 0 && mpath.length === 0) return null;
  const what = [
    pools.length ? `thin pool${pools.length === 1 ? '' : 's'} ${pools.join(', ')}` : '',
    mpath.length ? `multipath map${mpath.length === 1 ? '' : 's'} ${mpath.join(', ')}` : '',
  ].filter(Boolean);
  return `dmsetup status failed (${view.dm.statusFailure}): the kernel state of ${what.join(' and ')} was not checked`;
}

/**
 * The configs that could not be seen (.vmlist or a guest config unreadable: pve-state `unseen`), as the
 * part's reason, when an entry is unknown because of them: the entries alone would not say it in every form.
 */
function unseenConfigsOf(view: NodeView, entries: DmResult['entries']): string | null {
  const why = view.pve.unseen.shared;
  if (!why) return null;
  const hit = entries.some(
    (e) => e.status === 'unknown' && (e.detail.includes(why) || e.detail.includes("'s config could not be read")),
  );
  return hit ? why : null;
}
