// Mount table + probe results + storage.cfg + container configs + config → MountsResult. Pure.
// Status per mount: stale (probe timed out, failed, or an earlier probe is still stuck) over
// readonly (mounted ro and not expected to be) over full (usage above a threshold) over ok; a
// storage that must be a mount point and is not mounted is `missing`, and so is a container's bind
// mount that holds another superblock than the host has at its source now (`bind-outdated`).

import { definedStorageIds } from '../node/storage-gaps';
import { parseStorageConfig } from '../parse/storage-config';
import { compareText } from '../text/compare-text';
import type { Config } from '../vocab/config';
import { setSteps } from '../vocab/next-step';
import type { HostSnapshot } from '../vocab/snapshot';
import { worstStatus } from '../vocab/status';
import type { MountEntry, Status } from '../vocab/types';
import { bindContext, bindersOf, hostMountAt, markOutdatedBinds } from './mount-binds';
import { type MountPlan, planMounts } from './mount-check';
import { buildEntry, expectations } from './mount-entry';
import { missingEntry } from './mount-missing';
import { matchesPattern } from './mount-paths';
import { mountSettings } from './mount-settings';
import { mountSteps } from './mount-steps';
import type { MountsCheckResult, MountsRaw } from './mount-types';
import { parseMountReads } from './mount-view';

export { usagePercent } from './mount-entry';
export type { MountsCheckResult, MountsRaw, ProbeResult, StuckProbe } from './mount-types';

/**
 * Classify recorded mount data (live gather or snapshot) with the config's thresholds. `plan`: the
 * plan a live run already probed from (planMounts of the same reads), so nothing is parsed or
 * decided twice; a snapshot is parsed and planned here.
 */
export function classifyMounts(
  raw: MountsRaw,
  config: Config,
  overrides: { timeoutMs?: number; plan?: MountPlan } = {},
): MountsCheckResult {
  const s = mountSettings(config, { timeoutMs: overrides.timeoutMs ?? raw.timeoutMs });
  const plan = overrides.plan ?? planMounts(parseMountReads(raw), s, raw.resolvedPaths);
  const { storages, occurrences } = plan;
  const warnings = [...plan.warnings];
  const exp = expectations(plan, s);
  exp.storageIds =
    raw.storageCfg === null || raw.storageCfg === undefined
      ? null
      : definedStorageIds(parseStorageConfig(raw.storageCfg));
  const entries: MountEntry[] = [];
  for (const o of occurrences) {
    // /proc/<pid>/root of a container that stopped after we listed it: nothing to say about its mounts.
    if (
      o.scope === 'ct' &&
      !exp.hostKeys.has(o.key) &&
      raw.probes[o.key]?.error === 'ENOENT' &&
      !raw.probes[o.key]?.ok &&
      raw.stoppedAfterProbe?.includes(o.ctid!)
    ) {
      warnings.push(`CT ${o.ctid}: ${o.probePath} not found (container stopped?); ${o.info.target} not checked`);
      continue;
    }
    entries.push(buildEntry(o, raw, exp, s));
  }
  const ctx = bindContext(plan.view, plan.resolvedPaths);
  markOutdatedBinds(ctx, entries, storages, s);
  const hostTargets = new Set(occurrences.filter((o) => o.scope === 'host').map((o) => o.info.target));
  for (const st of storages) {
    // An admin may ignore the path as storage.cfg writes it (a symlink) or as it resolves.
    const paths = st.configuredPath ? [st.path, st.configuredPath] : [st.path];
    if (hostTargets.has(st.path) || s.ignore.some((p) => paths.some((x) => matchesPattern(p, 'host', null, x))))
      continue;
    const binders = bindersOf(st.path, ctx.binds, ctx.ctMounts, ctx.hostMounts, ctx.resolve);
    entries.push(missingEntry(st, binders, hostMountAt(st.path, ctx.hostMounts)));
  }
  entries.sort(
    (a, b) =>
      (a.scope === 'host' ? -1 : a.ctid!) - (b.scope === 'host' ? -1 : b.ctid!) || compareText(a.target, b.target),
  );
  // Every finding's next steps in the document itself, so `check --json` carries what the text says.
  for (const e of entries) if (e.status !== 'ok') setSteps(e, mountSteps(e));
  // A container's mounts carry its name (`mounts` alone reads no guest table): "CT 110 dns1".
  for (const e of entries) if (e.scope === 'ct') e.ctName = plan.view.declared.get(e.ctid!)?.hostname ?? null;
  // The worst by monitoring order (CRITICAL over UNKNOWN), not the largest number.
  let status: Status = 0;
  for (const e of entries) status = worstStatus(status, (e.severity ?? 0) as Status);
  return {
    summary: {
      ...mountCounts(entries),
      containers: raw.containers.length,
      probed: Object.values(raw.probes).filter((p) => p.error !== 'stuck' && !p.cached).length,
      cached: Object.values(raw.probes).filter((p) => p.cached).length,
      stuck: raw.stuckProbes.length,
    },
    entries,
    status,
    containerIds: raw.containers.map((c) => c.ctid),
    stuckProbes: raw.stuckProbes,
    warnings: [...raw.warnings, ...warnings],
    timeoutMs: raw.timeoutMs,
    node: raw.node,
    gatheredAt: raw.gatheredAt,
  };
}

/** `--from` / `--demo`: the mounts part of a snapshot, or null when it holds no mount data. */
export function classifySnapshotMounts(snapshot: HostSnapshot, config: Config): MountsCheckResult | null {
  const raw = snapshot.extra?.mounts as MountsRaw | undefined;
  if (raw?.version !== 1) return null;
  return classifyMounts(raw, config);
}

/** The mounts part's counts by status and scope over `entries` (the part's, or a selection of them). */
export function mountCounts(entries: MountEntry[]) {
  const count = (st: string) => entries.filter((e) => e.status === st).length;
  return {
    total: entries.length,
    ok: count('ok'),
    stale: count('stale'),
    readonly: count('readonly'),
    full: count('full'),
    missing: count('missing'),
    unchecked: count('unchecked'),
    leftover: count('leftover'),
    host: entries.filter((e) => e.scope === 'host').length,
    ct: entries.filter((e) => e.scope === 'ct').length,
  };
}
