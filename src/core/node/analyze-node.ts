// The whole DM verdict of a node, decided once: classification, each finding's fix from the cleanup
// planner, the storage health findings, and the part's status folded from both. `dm`, `check`,
// `report`, `notify`, `serve`, `cluster`, `clean` and `restore` all call this, so they cannot disagree
// about the same node.
import { analyzeDm } from '../dm/analyze-dm';
import { classifyStorage, storageStatus } from '../storage/classify-storage';
import { fillCleanupActions } from '../cleanup/cleanup-context';
import type { Config } from '../config';
import { worstStatus } from '../findings/evaluate';
import type { HostSnapshot } from './snapshot';
import type { DmResult } from '../types';

export function analyzeNode(snap: HostSnapshot, config: Config): DmResult {
  const dm = analyzeDm(snap);
  fillCleanupActions(snap, dm);
  dm.storage = classifyStorage(snap, dm, config);
  dm.status = worstStatus(dm.status, storageStatus(dm.storage));
  return dm;
}
