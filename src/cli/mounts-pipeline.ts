// The one mounts pipeline, for `mounts`, `check`, `volumes` (fresh probes first), `capture`, `ack` and
// serve's mounts scanner: read the tables (host) → parse them once (core) → plan what to resolve and
// probe (core) → resolve symlinks and probe each superblock in a child with a deadline (host) →
// classify (core) the same plan. Every caller takes the probe timeout from one rule (mountTimeoutMs).

import { classifyMounts } from '../core/mounts/classify-mounts';
import { onNetworkMount, pathsToResolve, planMounts, probesOf } from '../core/mounts/mount-check';
import { mountSettings } from '../core/mounts/mount-settings';
import type { MountsCheckResult, MountsRaw } from '../core/mounts/mount-types';
import { parseMountReads } from '../core/mounts/mount-view';
import { nodeNameFromFiles } from '../core/node/pve-state';
import type { Config } from '../core/vocab/config';
import { UsageError } from '../core/vocab/errors';
import type { Host } from '../host/host';
import { probeMounts } from '../host/probe-mount';
import { resolveHostPaths } from '../host/read-links';
import { readMountTables, readStoppedContainers } from '../host/read-mounts';
import { readNodeIdentity } from '../host/read-node';

/** This node's name by the core's one rule (.members, else the short hostname). */
export function hostNodeName(host: Host): string {
  const id = readNodeIdentity(host);
  return nodeNameFromFiles(id.membersText, id.hostname);
}

export const MOUNT_TIMEOUT_ENV = 'PVE_HEALTH_MOUNT_TIMEOUT';

/** Timeout in ms: --timeout seconds, else PVE_HEALTH_MOUNT_TIMEOUT seconds, else config, else 2 s. */
export function mountTimeoutMs(host: Host, config: Config, cliSeconds?: string): number {
  const parse = (v: string, what: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0.05 || n > 3600)
      throw new UsageError(`${what} must be seconds between 0.05 and 3600 (got '${v}')`);
    return Math.round(n * 1000);
  };
  if (cliSeconds !== undefined) return parse(cliSeconds, '--timeout');
  const env = host.env[MOUNT_TIMEOUT_ENV];
  if (env !== undefined && env !== '') return parse(env, MOUNT_TIMEOUT_ENV);
  return mountSettings(config).timeoutMs;
}

/**
 * A live mounts check: `raw` is what a capture records (HostSnapshot.extra.mounts, replayed by
 * --from), `result` the verdicts. `timeoutMs` from mountTimeoutMs. Throws CheckError when the mount
 * tables cannot be read at all.
 */
export async function checkMounts(
  host: Host,
  config: Config,
  opts: { fresh?: boolean; timeoutMs: number },
): Promise<{ raw: MountsRaw; result: MountsCheckResult }> {
  const settings = mountSettings(config, { timeoutMs: opts.timeoutMs });
  const gatheredAt = host.now().toISOString();
  const tables = readMountTables(host);
  const view = parseMountReads({ ...tables, node: hostNodeName(host) });
  const toResolve = pathsToResolve(view, settings);
  const resolvedPaths = resolveHostPaths(host, toResolve.paths, (p) => onNetworkMount(p, toResolve.networkTargets));
  const plan = planMounts(view, settings, resolvedPaths);
  const outcome = await probeMounts(host, probesOf(plan), {
    timeoutMs: settings.timeoutMs,
    concurrency: settings.concurrency,
    cacheTtlMs: settings.cacheTtlMs,
    fresh: opts.fresh,
  });
  // A container path that was not found: did its container stop, or is it running without it?
  const notFound = new Map(
    plan.occurrences
      .filter((o) => o.scope === 'ct' && o.pid !== null && outcome.probes[o.key]?.error === 'ENOENT')
      .map((o) => [o.ctid!, o.pid!]),
  );
  const raw: MountsRaw = {
    version: 1,
    gatheredAt,
    node: view.node,
    hostMountinfo: tables.hostMountinfo,
    containers: tables.containers,
    storageCfg: tables.storageCfg,
    resolvedPaths,
    ctConfigs: tables.ctConfigs,
    probes: outcome.probes,
    stuckProbes: outcome.stuck,
    stoppedAfterProbe: readStoppedContainers(host, notFound),
    timeoutMs: settings.timeoutMs,
    warnings: [...tables.warnings, ...outcome.warnings],
  };
  return { raw, result: classifyMounts(raw, config, { plan }) };
}
