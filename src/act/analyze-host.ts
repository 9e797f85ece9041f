// Gather + analyse with the same decision `pve-health dm` makes (core/analyze/analyze-node.ts): the executor
// calls it before every action.

import { analyzeNode } from '../core/analyze/analyze-node';
import type { Config } from '../core/config';
import { type NodeView, parseNode } from '../core/node/node-view';
import type { DmResult } from '../core/types';
import { gatherSnapshot } from '../host/gather';
import type { Host } from '../host/host';

/** One gathered node, parsed once (view) and decided once (result, from analyzeNode). */
export interface Analysis {
  view: NodeView;
  result: DmResult;
}

export async function analyzeHost(host: Host, config: Config = {}, timeoutMs?: number): Promise<Analysis> {
  const view = parseNode(await gatherSnapshot(host, { timeoutMs }));
  return { view, result: analyzeNode(view, config) };
}
