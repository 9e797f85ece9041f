// Gather + analyse with the same decision `pve-health dm` makes (core/node/analyze-node.ts): the executor
// calls it before every action.
import { analyzeNode } from '../core/node/analyze-node';
import { parseNode } from '../core/node/node-view';
import type { Config } from '../core/config';
import { gatherSnapshot } from '../host/gather';
import type { Host } from '../host/host';
import type { Analysis } from './apply-cleanup';

export async function analyzeHost(host: Host, config: Config = {}, timeoutMs?: number): Promise<Analysis> {
  const view = parseNode(await gatherSnapshot(host, { timeoutMs }));
  return { view, result: analyzeNode(view, config) };
}
