// Shared by check/dm/report: load the data (live, --from, --demo), analyse, build the document.
import { analyzeNode } from '../core/analyze/analyze-node';
import type { Config } from '../core/vocab/config';
import { isCheckFailure, UsageError } from '../core/vocab/errors';
import { DEFAULT_RETENTION_DAYS } from '../core/vocab/quarantine-name';
import { recordedQuarantines, snapshotLvs, withQuarantine } from './quarantine-listing';

export { isCheckFailure };

import { acknowledgeDocument } from '../core/findings/acks';
import { buildCheckDocument, failedDmResult } from '../core/findings/evaluate';
import { listFindings } from '../core/findings/findings';
import { selectGuests } from '../core/findings/select-guests';
import { type NodeView, parseNode } from '../core/node/node-view';
import { type PveState, parsePveState } from '../core/node/pve-state';
import type { CheckDocument, DmResult } from '../core/vocab/types';
import { readAckFile } from '../host/acks-file';
import { createHost, type Host } from '../host/host';
import { type LoadedSnapshot, loadSnapshot } from '../host/load-snapshot';
import { readConfig } from '../host/read-config';
import { readNotifyFailures } from '../host/read-notify-failures';
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
 * The DM part, always: a part that could not be checked is an UNKNOWN result that carries the reason,
 * so every output form says why instead of printing nothing (never fail open).
 */
export function dmPart(loaded: LoadedSnapshot, config: Config): DmResult {
  try {
    return analyzeNode(viewOf(loaded), config);
  } catch (e) {
    if (isCheckFailure(e)) return failedDmResult(e.message);
    throw e;
  }
}

/** The loaded snapshot parsed, once: every part of one run reads the same NodeView. */
export function viewOf(loaded: LoadedSnapshot): NodeView {
  loaded.view ??= parseNode(loaded.snap, { pve: pveStateOf(loaded) });
  return loaded.view;
}

/** Only the PVE state (configs, storages, node name): `volumes` and `mounts` need no device-mapper parsing. */
export function pveStateOf(loaded: LoadedSnapshot): PveState {
  loaded.pve ??= loaded.view?.pve ?? parsePveState(loaded.snap);
  return loaded.pve;
}

export function nodeOf(loaded: LoadedSnapshot): string {
  return pveStateOf(loaded).node;
}

export function documentFor(
  loaded: LoadedSnapshot,
  host: Host,
  parts: { dm?: DmResult; mounts?: CheckDocument['mounts']; volumes?: CheckDocument['volumes'] },
  o: { vmids?: number[]; config?: Config } = {},
): CheckDocument {
  // --vmid: the parts cut down to those guests before the document, its status and its acks are made.
  const chosen = o.vmids?.length ? selectGuests(parts, o.vmids) : parts;
  const guiUrl = o.config?.links?.pve_gui;
  const now = host.now();
  const retentionDays = o.config?.reclaim?.retention_days ?? DEFAULT_RETENTION_DAYS;
  // Without the DM part (`volumes`), the quarantined LVs come from the snapshot's lvs rows: every
  // output that lists the quarantine lists all of it. Sizes a listing no longer gives come from the
  // journals, which only a live node has.
  const storages = () => pveStateOf(loaded).storageConfig;
  const sources = {
    lvs:
      chosen.dm || !chosen.volumes
        ? undefined
        : snapshotLvs(loaded.snap, storages(), { now, retentionDays, vmids: o.vmids }),
    recorded: loaded.live ? () => recordedQuarantines(host) : undefined,
  };
  return withAcks(
    host,
    withQuarantine(
      buildCheckDocument({ node: nodeOf(loaded), now, ...chosen, source: loaded.source, guiUrl }),
      now,
      o.config,
      sources,
    ),
  );
}

/** `--vmid N` (repeatable, or a comma list): the guests a report is cut down to; [] without it. */
export function vmidsOption(values: string[] | undefined): number[] {
  return (values ?? [])
    .flatMap((x) => x.split(','))
    .filter(Boolean)
    .map((x) => {
      if (!/^\d+$/.test(x)) throw new UsageError(`--vmid must be a number (got '${x}')`);
      return Number(x);
    });
}

/**
 * The document with the state dir's acknowledgements applied, and the notifications that failed to deliver (src/core/findings/acks.ts). An unreadable acks
 * file silences nothing and is said on stderr by printDocument (acknowledgeError).
 */
export function withAcks(host: Host, doc: CheckDocument, now: Date = host.now()): CheckDocument {
  const { file, error } = readAckFile(host);
  // Without an acknowledgement no finding can be matched: the findings are not listed for nothing.
  const out = acknowledgeDocument(doc, file.acks.length > 0 ? listFindings(doc) : [], file.acks, now);
  // Notifications that failed (the timer's `check --notify` counts them): every output form shows them.
  const failures = readNotifyFailures(host, doc.node);
  if (failures) out.notifyFailures = failures;
  return error ? { ...out, acknowledgeError: error } : out;
}
