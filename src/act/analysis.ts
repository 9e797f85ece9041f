// Gather + analyse, the same code `pve-health dm` runs: the executor calls it before every action.
import { analyzeDm } from '../core/analyze-dm';
import { gatherSnapshot } from '../host/gather';
import type { Host } from '../host/host';
import type { Analysis } from './apply-cleanup';

export async function analyzeHost(host: Host, timeoutMs?: number): Promise<Analysis> {
  const snap = await gatherSnapshot(host, { timeoutMs });
  return { snap, result: analyzeDm(snap) };
}
