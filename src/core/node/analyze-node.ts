// The whole DM verdict of a node, decided once: classification, each finding's fix from the cleanup
// planner, the storage health findings, and the part's status folded from both. `dm`, `check`,
// `report`, `notify`, `serve`, `cluster`, `clean` and `restore` all call this, so they cannot disagree
// about the same node. The result is a new value; nothing changes it afterwards.
import { withCleanupActions } from '../cleanup/cleanup-context';
import type { Config } from '../config';
import { analyzeDm } from '../dm/analyze-dm';
import { worstStatus } from '../findings/evaluate';
import { classifyStorage, storageStatus } from '../storage/classify-storage';
import type { DmResult } from '../types';
import type { NodeView } from './node-view';

export function analyzeNode(view: NodeView, config: Config): DmResult {
  const dm = analyzeDm(view);
  const analysed = { ...dm, entries: withCleanupActions(view, dm.entries) };
  const storage = classifyStorage(view, analysed, config);
  return { ...analysed, storage, status: worstStatus(dm.status, storageStatus(storage)) };
}
