// Mount table + probe results + storage.cfg + container configs + config → MountsResult. Pure.
// Status per mount: stale (probe timed out, failed, or an earlier probe is still stuck) over
// readonly (mounted ro and not expected to be) over full (usage above a threshold) over ok; a
// storage that must be a mount point and is not mounted is `missing`.
import type { Config } from './config';
import {
  containerReadonlyTargets,
  isNetworkType,
  listMountOccurrences,
  type MountOccurrence,
  type MountSettings,
  type MountTables,
  matchesPattern,
  mountSettings,
  READONLY_TYPES,
  type StorageMount,
  storageForMount,
  storageMounts,
} from './mount-plan';
import { type CtBind, bindMismatchVerdict, containerBinds, findBindMismatches } from './mount-binds';
import { hasOption, type MountInfo, parseMountInfo, visibleMounts } from './mountinfo';
import type { HostSnapshot } from './snapshot';
import { parseStorageConfig, storagesOnNode } from './storage-config';
import type { MountEntry, MountReason, MountsResult, Status } from './types';

/** What one probe child found for one superblock. */
export interface ProbeResult {
  /** The full stat and the directory read both worked. */
  ok: boolean;
  /** errno code (ESTALE, EIO, EACCES, ENOTCONN...), or `timeout`, `stuck`, `not-probed`. */
  error: string | null;
  message?: string | null;
  /** What the probe was doing when it failed or hung: stat, readdir, statfs. */
  phase?: string | null;
  ms: number | null;
  /** ISO time the probe ran. */
  at: string | null;
  totalBytes: number | null;
  usedBytes: number | null;
  availableBytes: number | null;
  cached?: boolean;
  /** For `stuck`: the earlier probe that has not ended. */
  stuckPid?: number;
  stuckSince?: string;
}

/** A probe process that was killed at its deadline and has still not ended (uninterruptible sleep). */
export interface StuckProbe {
  pid: number;
  since: string;
  keys: string[];
  paths: string[];
}

/** MountsResult with the fields this check always fills. */
export interface MountsCheckResult extends MountsResult {
  stuckProbes: StuckProbe[];
  warnings: string[];
  timeoutMs: number;
  node: string;
  gatheredAt: string;
}

/**
 * Everything the mounts check gathered, as recorded data: HostSnapshot.extra.mounts. `--from` and
 * `--demo` classify this without touching the system.
 */
export interface MountsRaw {
  version: 1;
  gatheredAt: string;
  node: string;
  hostMountinfo: string;
  /** Running containers: init pid and its /proc/<pid>/mountinfo (null if it vanished meanwhile). */
  containers: { ctid: number; pid: number; mountinfo: string | null }[];
  storageCfg: string | null;
  /** ctid → /etc/pve/lxc/<ctid>.conf text. */
  ctConfigs: Record<string, string>;
  /**
   * Storage paths and container bind sources that are symlinks, resolved on the host as PVE does
   * (Cwd::realpath) without ever stat()ing through a network mount. Absent in older captures.
   */
  resolvedPaths?: Record<string, string>;
  /** Probe results by superblock major:minor. */
  probes: Record<string, ProbeResult>;
  stuckProbes: StuckProbe[];
  timeoutMs: number;
  warnings: string[];
}

/** The mount-expected storages of this node. */
export function nodeStorageMounts(
  storageCfg: string | null,
  node: string,
  resolvedPaths?: Record<string, string>,
): StorageMount[] {
  const mounts = storageCfg ? storageMounts(storagesOnNode(parseStorageConfig(storageCfg), node)) : [];
  // PVE checks the real path (DirPlugin: Cwd::realpath): a symlinked storage path is mounted when
  // its target is.
  return mounts.map((m) => {
    const real = resolvedPaths?.[m.path];
    return real && real !== m.path ? { ...m, path: real, configuredPath: m.path } : m;
  });
}

/** Container mounts whose bind shows another superblock than the host has at the source now. */
function markOutdatedBinds(
  raw: MountsRaw,
  entries: MountEntry[],
  binds: CtBind[],
  resolve: (p: string) => string,
  s: MountSettings,
  storages: StorageMount[],
): void {
  if (binds.length === 0) return;
  // The storage whose (resolved) path holds the bind's source: the longest one that covers it.
  const storageOf = (source: string): string | null => {
    const real = resolve(source);
    const hits = storages.filter((st) => real === st.path || real.startsWith(`${st.path}/`));
    return hits.sort((a, b) => b.path.length - a.path.length)[0]?.id ?? null;
  };
  const hostMounts = visibleMounts(parseMountInfo(raw.hostMountinfo).mounts);
  const ctMounts = new Map<number, MountInfo[]>();
  for (const c of raw.containers) if (c.mountinfo !== null) ctMounts.set(c.ctid, visibleMounts(parseMountInfo(c.mountinfo).mounts));
  for (const m of findBindMismatches(binds, ctMounts, hostMounts, resolve, (t) => isNetworkType(t, s.networkTypes))) {
    if (s.ignore.some((p) => matchesPattern(p, 'ct', m.bind.ctid, m.bind.target))) continue;
    const v = bindMismatchVerdict(m);
    const patch: Partial<MountEntry> = {
      status: 'missing',
      reason: 'bind-outdated',
      severity: v.severity,
      detail: v.detail,
      storage: storageOf(m.bind.source),
      proxmoxManaged: true,
    };
    const e = entries.find((x) => x.scope === 'ct' && x.ctid === m.bind.ctid && x.target === m.bind.target);
    if (e) Object.assign(e, patch);
    else
      entries.push({
        scope: 'ct',
        ctid: m.bind.ctid,
        source: m.ct.source,
        target: m.bind.target,
        fstype: m.ct.fstype,
        options: m.ct.options,
        reachable: true,
        error: null,
        totalBytes: null,
        usedBytes: null,
        availableBytes: null,
        usagePercent: null,
        majorMinor: m.ct.majorMinor,
        network: false,
        expectedReadonly: false,
        probe: null,
        ...patch,
      } as MountEntry);
  }
}

export function mountTables(raw: Pick<MountsRaw, 'hostMountinfo' | 'containers'>): MountTables {
  return { hostMountinfo: raw.hostMountinfo, containers: raw.containers };
}

/** df's percentage: used / (used + available), rounded up. */
export function usagePercent(used: number | null, available: number | null): number | null {
  if (used === null || available === null || used + available <= 0) return null;
  return Math.ceil((used * 100) / (used + available));
}

const SEVERITY: Record<MountReason, Status> = {
  unreachable: 2,
  timeout: 2,
  'probe-stuck': 2,
  'not-mounted': 2,
  'bind-outdated': 2,
  'unexpected-readonly': 1,
  'remounted-readonly': 1,
  'usage-warning': 1,
  'usage-critical': 2,
};

function probeFailure(p: ProbeResult | undefined, timeoutMs: number): { reason: MountReason; text: string } {
  if (!p) return { reason: 'timeout', text: 'not probed' };
  if (p.error === 'stuck') {
    return {
      reason: 'probe-stuck',
      text: `an earlier probe (pid ${p.stuckPid}, since ${p.stuckSince}) has not ended: the mount hangs`,
    };
  }
  if (p.error === 'timeout') {
    return { reason: 'timeout', text: `${p.phase ?? 'stat'} did not answer within ${timeoutMs / 1000} s` };
  }
  if (p.error === 'not-probed') return { reason: 'timeout', text: p.message ?? 'not probed' };
  return { reason: 'unreachable', text: `${p.phase ?? 'stat'} failed: ${p.message ?? p.error}` };
}

interface Expectations {
  hostReadonly: Set<string>;
  ctReadonly: Map<number, Set<string>>;
  /** Superblocks whose storage is mounted `ro` on purpose (a bind mount into a CT inherits that). */
  readonlyKeys: Set<string>;
}

function expectations(
  raw: MountsRaw,
  occurrences: MountOccurrence[],
  storages: StorageMount[],
  s: MountSettings,
): Expectations {
  const hostReadonly = new Set<string>();
  const ctReadonly = new Map<number, Set<string>>();
  for (const [ctid, text] of Object.entries(raw.ctConfigs))
    ctReadonly.set(Number(ctid), new Set(containerReadonlyTargets(text)));
  const readonlyKeys = new Set<string>();
  for (const o of occurrences) {
    if (o.scope !== 'host') continue;
    const st = storageForMount(o.info, storages);
    if (st?.readonly) readonlyKeys.add(o.key);
    if (s.expectedReadonly.some((p) => matchesPattern(p, 'host', null, o.info.target))) hostReadonly.add(o.info.target);
  }
  return { hostReadonly, ctReadonly, readonlyKeys };
}

function buildEntry(
  o: MountOccurrence,
  raw: MountsRaw,
  storages: StorageMount[],
  hostByKey: Map<string, StorageMount>,
  exp: Expectations,
  s: MountSettings,
): MountEntry {
  const { info } = o;
  const storage = o.scope === 'host' ? storageForMount(info, storages) : (hostByKey.get(o.key) ?? null);
  const probe = raw.probes[o.key];
  const reachable = probe?.ok === true;
  const expectedReadonly =
    READONLY_TYPES.has(info.fstype) ||
    exp.readonlyKeys.has(o.key) ||
    (o.scope === 'host'
      ? exp.hostReadonly.has(info.target)
      : (exp.ctReadonly.get(o.ctid!)?.has(info.target) ?? false) ||
        s.expectedReadonly.some((p) => matchesPattern(p, 'ct', o.ctid, info.target)));
  const mountRo = hasOption(info.options, 'ro');
  // Kernels since 6.12 mark an ext4 that hit errors `emergency_ro` instead of turning the superblock ro.
  const superRo = hasOption(info.superOptions, 'ro') || hasOption(info.superOptions, 'emergency_ro');
  const percent = reachable ? usagePercent(probe.usedBytes, probe.availableBytes) : null;

  let reason: MountReason | null = null;
  let detail = 'ok';
  if (!reachable) {
    const f = probeFailure(probe, raw.timeoutMs);
    reason = f.reason;
    detail = f.text;
  } else if ((mountRo || superRo) && !expectedReadonly) {
    // A filesystem that hit errors (ext4 errors=remount-ro after a full thin pool) turns its
    // superblock read-only while the mount itself still says rw.
    reason = superRo && !mountRo ? 'remounted-readonly' : 'unexpected-readonly';
    detail =
      reason === 'remounted-readonly'
        ? 'remounted read-only by the kernel (filesystem errors?)'
        : 'mounted read-only, expected read-write';
  } else if (percent !== null && percent >= s.criticalPercent) {
    reason = 'usage-critical';
    detail = `${percent}% used (critical at ${s.criticalPercent}%)`;
  } else if (percent !== null && percent >= s.warningPercent) {
    reason = 'usage-warning';
    detail = `${percent}% used (warning at ${s.warningPercent}%)`;
  }
  const status =
    reason === null
      ? 'ok'
      : reason === 'unexpected-readonly' || reason === 'remounted-readonly'
        ? 'readonly'
        : reason.startsWith('usage')
          ? 'full'
          : 'stale';
  return {
    scope: o.scope,
    ctid: o.ctid,
    source: info.source,
    target: info.target,
    fstype: info.fstype,
    options: info.options,
    status,
    reachable,
    error: reachable ? null : (probe?.error ?? 'not-probed'),
    proxmoxManaged: storage !== null || /^\/mnt\/pve\/[^/]+$/.test(info.target),
    storage: storage?.id ?? /^\/mnt\/pve\/([^/]+)$/.exec(info.target)?.[1] ?? null,
    totalBytes: reachable ? probe.totalBytes : null,
    usedBytes: reachable ? probe.usedBytes : null,
    availableBytes: reachable ? probe.availableBytes : null,
    usagePercent: percent,
    severity: reason === null ? 0 : SEVERITY[reason],
    reason,
    detail,
    majorMinor: o.key,
    superOptions: info.superOptions,
    network: o.network,
    expectedReadonly,
    probe: probe ? { ms: probe.ms, at: probe.at, cached: probe.cached === true, phase: probe.phase ?? null } : null,
  };
}

/**
 * What a missing mount means, truthfully: PVE's own writes do not land on the root disk (it refuses to
 * activate an `is_mountpoint` dir storage that is not mounted — DirPlugin; it mounts NFS/CIFS/CephFS/
 * GlusterFS itself before use and pvestatd keeps retrying), but a container bind mount of the path
 * and any other writer (a backup script, an rsync) write into the empty directory on the root disk.
 */
function missingDetail(st: StorageMount, binders: number[]): string {
  const pve =
    st.type === 'dir'
      ? `PVE refuses to use storage '${st.id}' while ${st.path} is not a mount point (is_mountpoint), so its own writes stop`
      : `PVE mounts storage '${st.id}' again before it uses it (its own writes wait for that)`;
  const others = binders.length
    ? `CT ${binders.join(', CT ')} bind-mount${binders.length > 1 ? '' : 's'} ${st.path} and write${binders.length > 1 ? '' : 's'} into the empty directory on the root disk, as does any other writer there`
    : 'a container bind mount of that path or any other writer there (a script, rsync) would write to the root disk';
  return `storage '${st.id}' (${st.type}) is not mounted at ${st.path}${st.configuredPath && st.configuredPath !== st.path ? ` (configured as ${st.configuredPath})` : ''}. ${pve}; ${others}.`;
}

function missingEntry(st: StorageMount, binders: number[] = []): MountEntry {
  return {
    scope: 'host',
    ctid: null,
    source: st.source ?? '',
    target: st.path,
    fstype: st.fstype ?? '',
    options: '',
    status: 'missing',
    reachable: false,
    error: 'not-mounted',
    proxmoxManaged: true,
    storage: st.id,
    totalBytes: null,
    usedBytes: null,
    availableBytes: null,
    usagePercent: null,
    severity: 2,
    reason: 'not-mounted',
    detail: missingDetail(st, binders),
    majorMinor: undefined,
    network: st.type !== 'dir',
    expectedReadonly: st.readonly,
    probe: null,
  };
}

/** Classify recorded mount data (live gather or snapshot) with the config's thresholds. */
export function classifyMounts(
  raw: MountsRaw,
  config: Config,
  overrides: { timeoutMs?: number } = {},
): MountsCheckResult {
  const s = mountSettings(config, { timeoutMs: overrides.timeoutMs ?? raw.timeoutMs });
  const storages = nodeStorageMounts(raw.storageCfg, raw.node, raw.resolvedPaths);
  const { occurrences, warnings } = listMountOccurrences(mountTables(raw), storages, s);
  const exp = expectations(raw, occurrences, storages, s);
  const hostByKey = new Map<string, StorageMount>();
  for (const o of occurrences) {
    const st = o.scope === 'host' ? storageForMount(o.info, storages) : null;
    if (st && !hostByKey.has(o.key)) hostByKey.set(o.key, st);
  }
  const entries: MountEntry[] = [];
  for (const o of occurrences) {
    // /proc/<pid>/root of a container that stopped after we listed it: nothing to say about its mounts.
    if (o.scope === 'ct' && raw.probes[o.key]?.error === 'ENOENT' && !raw.probes[o.key]?.ok) {
      warnings.push(`CT ${o.ctid}: ${o.probePath} not found (container stopped?); ${o.info.target} not checked`);
      continue;
    }
    entries.push(buildEntry(o, raw, storages, hostByKey, exp, s));
  }
  const binds = Object.entries(raw.ctConfigs).flatMap(([ctid, text]) => containerBinds(Number(ctid), text));
  const resolve = (p: string) => raw.resolvedPaths?.[p] ?? p;
  markOutdatedBinds(raw, entries, binds, resolve, s, storages);
  const hostTargets = new Set(occurrences.filter((o) => o.scope === 'host').map((o) => o.info.target));
  for (const st of storages) {
    // An admin may ignore the path as storage.cfg writes it (a symlink) or as it resolves.
    const paths = st.configuredPath ? [st.path, st.configuredPath] : [st.path];
    if (hostTargets.has(st.path) || s.ignore.some((p) => paths.some((x) => matchesPattern(p, 'host', null, x)))) continue;
    const binders = binds.filter((b) => b.source === st.path || b.source.startsWith(`${st.path}/`) || resolve(b.source) === st.path || resolve(b.source).startsWith(`${st.path}/`)).map((b) => b.ctid);
    entries.push(missingEntry(st, [...new Set(binders)].sort((a, b) => a - b)));
  }
  entries.sort(
    (a, b) =>
      (a.scope === 'host' ? -1 : a.ctid!) - (b.scope === 'host' ? -1 : b.ctid!) || a.target.localeCompare(b.target),
  );
  const count = (st: string) => entries.filter((e) => e.status === st).length;
  const status = Math.max(0, ...entries.map((e) => e.severity ?? 0)) as Status;
  return {
    summary: {
      total: entries.length,
      ok: count('ok'),
      stale: count('stale'),
      readonly: count('readonly'),
      full: count('full'),
      missing: count('missing'),
      host: entries.filter((e) => e.scope === 'host').length,
      ct: entries.filter((e) => e.scope === 'ct').length,
      containers: raw.containers.length,
      probed: Object.values(raw.probes).filter((p) => p.error !== 'stuck' && !p.cached).length,
      cached: Object.values(raw.probes).filter((p) => p.cached).length,
      stuck: raw.stuckProbes.length,
    },
    entries,
    status,
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
