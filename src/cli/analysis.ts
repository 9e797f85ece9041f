// Shared by check/dm/report: load the data (live, --from, --demo), analyse, build the document.
import { analyzeDm } from '../core/analyze-dm';
import { classifyStorage, storageStatus } from '../core/classify-storage';
import { fillCleanupActions } from '../core/cleanup-context';
import type { Config } from '../core/config';
import { buildCheckDocument, worstStatus } from '../core/evaluate';
import { readPveState } from '../core/pve-state';
import type { CheckDocument, DmResult } from '../core/types';
import { createHost, type Host } from '../host/host';
import { type LoadedSnapshot, loadSnapshot } from '../host/load-snapshot';
import { readConfig } from '../host/read-config';
import type { CommandContext } from './command';

export interface Session {
  host: Host;
  config: Config;
}

export function openSession(ctx: CommandContext): Session {
  const host = createHost({ root: ctx.global.root, env: ctx.io.env });
  return { host, config: readConfig(host, ctx.global.config) };
}

export async function loadFor(ctx: CommandContext, s: Session): Promise<LoadedSnapshot> {
  const t = s.config.dm?.command_timeout;
  return loadSnapshot(s.host, { from: ctx.global.from, demo: ctx.global.demo, timeoutMs: t ? t * 1000 : undefined });
}

/**
 * Analyse the DM part of a snapshot: classification, each finding's fix from the cleanup planner,
 * and the storage health findings (thin pools, stale locks, host use of guest disks...) folded into
 * the part's status.
 */
export function analyzeDmWithActions(loaded: LoadedSnapshot, config: Config): DmResult {
  const dm = analyzeDm(loaded.snap);
  fillCleanupActions(loaded.snap, dm);
  dm.storage = classifyStorage(loaded.snap, dm, config);
  dm.status = worstStatus(dm.status, storageStatus(dm.storage));
  return dm;
}

export function nodeOf(loaded: LoadedSnapshot): string {
  return readPveState(loaded.snap).node;
}

export function documentFor(
  loaded: LoadedSnapshot,
  now: Date,
  parts: { dm?: DmResult; mounts?: CheckDocument['mounts']; volumes?: CheckDocument['volumes'] },
): CheckDocument {
  return buildCheckDocument({ node: nodeOf(loaded), now, ...parts, source: loaded.source });
}
