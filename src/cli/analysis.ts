// Shared by check/dm/report: load the data (live, --from, --demo), analyse, build the document.
import { analyzeDm } from '../core/analyze-dm';
import { fillCleanupActions } from '../core/cleanup-context';
import type { Config } from '../core/config';
import { buildCheckDocument } from '../core/evaluate';
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

/** Analyse the DM part of a snapshot, with each finding's fix filled from the cleanup planner. */
export function analyzeDmWithActions(loaded: LoadedSnapshot): DmResult {
  const dm = analyzeDm(loaded.snap);
  fillCleanupActions(loaded.snap, dm);
  return dm;
}

export function nodeOf(loaded: LoadedSnapshot): string {
  return readPveState(loaded.snap).node;
}

export function documentFor(loaded: LoadedSnapshot, now: Date, parts: { dm?: DmResult; mounts?: CheckDocument['mounts'] }): CheckDocument {
  return buildCheckDocument({ node: nodeOf(loaded), now, ...parts, source: loaded.source });
}
