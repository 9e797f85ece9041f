// One reported mount: its status from the probe result, the mount and superblock options, what is
// expected read-only, and the usage thresholds. stale (probe timed out, failed, or an earlier probe
// is still stuck) over readonly over full over ok. Pure.
import { removedStorageMount } from '../node/storage-gaps';
import { hasOption } from '../parse/mountinfo';
import { redactWord } from '../redact/redact';
import type { MountEntry, MountReason, Status } from '../vocab/types';
import type { MountPlan } from './mount-check';
import { matchesPattern } from './mount-paths';
import { type MountOccurrence, READONLY_TYPES } from './mount-plan';
import type { MountSettings } from './mount-settings';
import type { MountsRaw, ProbeResult } from './mount-types';

/** df's percentage: used / (used + available), rounded up. */
export function usagePercent(used: number | null, available: number | null): number | null {
  if (used === null || available === null || used + available <= 0) return null;
  return Math.ceil((used * 100) / (used + available));
}

export const SEVERITY: Record<MountReason, Status> = {
  unreachable: 2,
  timeout: 2,
  'probe-stuck': 2,
  'not-mounted': 2,
  'bind-outdated': 2,
  'root-denied': 1,
  'not-found-in-ct': 3,
  'unexpected-readonly': 1,
  'remounted-readonly': 1,
  'usage-warning': 1,
  'usage-critical': 2,
  'storage-removed': 1,
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

export interface Expectations {
  hostReadonly: Set<string>;
  ctReadonly: Map<number, Set<string>>;
  /** Superblocks whose storage is mounted `ro` on purpose (a bind mount into a CT inherits that). */
  readonlyKeys: Set<string>;
  /** Superblocks also mounted on the host: probed through the host's path, never a container's. */
  hostKeys: Set<string>;
  /** Every storage ID storage.cfg defines (null: storage.cfg was not read, the part says so). */
  storageIds?: ReadonlySet<string> | null;
}

export function expectations(plan: Pick<MountPlan, 'view' | 'occurrences'>, s: MountSettings): Expectations {
  const hostReadonly = new Set<string>();
  const ctReadonly = new Map<number, Set<string>>();
  for (const [ctid, d] of plan.view.declared) ctReadonly.set(ctid, new Set(d.readonlyTargets));
  const readonlyKeys = new Set<string>();
  const hostKeys = new Set<string>();
  for (const o of plan.occurrences) {
    if (o.scope !== 'host') continue;
    hostKeys.add(o.key);
    if (o.storage?.readonly) readonlyKeys.add(o.key);
    if (s.expectedReadonly.some((p) => matchesPattern(p, 'host', null, o.info.target))) hostReadonly.add(o.info.target);
  }
  return { hostReadonly, ctReadonly, readonlyKeys, hostKeys };
}

// 61 30 0:66 / /mnt/gdrive rw,nosuid,nodev - fuse.rclone gdrive: rw,user_id=1000,group_id=1000
/**
 * A FUSE mount of another user without `allow_other`: the kernel refuses every other process, root
 * included, with EACCES before the daemon is asked (linux fs/fuse/dir.c fuse_allow_current_process,
 * called from fuse_getattr/fuse_permission). The mount is not dead; root just may not look.
 */
function rootDenied(info: MountOccurrence['info'], probe: ProbeResult | undefined): boolean {
  if (probe?.error !== 'EACCES' || !(info.fstype === 'fuse' || info.fstype.startsWith('fuse.'))) return false;
  const user = /(?:^|,)user_id=(\d+)(?:,|$)/.exec(info.superOptions)?.[1];
  return (
    user !== undefined &&
    user !== '0' &&
    !hasOption(info.superOptions, 'allow_other') &&
    !hasOption(info.options, 'allow_other')
  );
}

function rootDeniedText(info: MountOccurrence['info']): string {
  const user = /(?:^|,)user_id=(\d+)/.exec(info.superOptions)?.[1];
  return `not checkable by root: a FUSE mount (${info.fstype}) of uid ${user} without allow_other, so the kernel refuses root before the daemon is asked; it is not a dead mount. Fix: mount it with -o allow_other (needs user_allow_other in /etc/fuse.conf), or list it under [mounts] ignore`;
}

/** The status a reason gives (none: ok). */
function statusOf(reason: MountReason | null): MountEntry['status'] {
  if (reason === null) return 'ok';
  if (reason === 'root-denied' || reason === 'not-found-in-ct') return 'unchecked';
  if (reason === 'unexpected-readonly' || reason === 'remounted-readonly') return 'readonly';
  if (reason === 'storage-removed') return 'leftover';
  return reason.startsWith('usage') ? 'full' : 'stale';
}

export function buildEntry(o: MountOccurrence, raw: MountsRaw, exp: Expectations, s: MountSettings): MountEntry {
  const { info, storage } = o;
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
  if (!reachable && rootDenied(info, probe)) {
    reason = 'root-denied';
    detail = rootDeniedText(info);
  } else if (!reachable && o.scope === 'ct' && !exp.hostKeys.has(o.key) && probe?.error === 'ENOENT') {
    // The container still runs (classifyMounts skips one that stopped) but its mount point is not
    // there under /proc/<pid>/root: its init moved its root, or the pid now names another process.
    // Nothing is known about the mount: not checked, never OK and never stale.
    reason = 'not-found-in-ct';
    detail = `${o.probePath} not found while CT ${o.ctid} runs: not checked`;
  } else if (!reachable) {
    const f = probeFailure(probe, raw.timeoutMs);
    reason = f.reason;
    detail = f.text;
  } else if (o.scope === 'host' && exp.storageIds && removedStorageMount(info, exp.storageIds) !== null) {
    // A removed storage's mount that stayed: a finding of its own, checked before usage (storage-gaps.ts).
    reason = 'storage-removed';
    detail = `a ${info.fstype} mount at a storage's mount point, but storage.cfg defines no storage '${removedStorageMount(info, exp.storageIds)}': the storage was removed (pvesm remove unmounts nothing) and its mount stayed`;
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
  const status = statusOf(reason);
  return {
    scope: o.scope,
    ctid: o.ctid,
    // A document leaves the node (JSON, serve's API, reports): no password in a source URL or an option.
    source: redactWord(info.source),
    target: info.target,
    fstype: info.fstype,
    options: redactWord(info.options),
    status,
    reachable,
    error: reachable ? null : (probe?.error ?? 'not-probed'),
    proxmoxManaged: storage !== null || /^\/mnt\/pve\/[^/]+$/.test(info.target),
    storage: storage?.id ?? /^\/mnt\/pve\/([^/]+)$/.exec(info.target)?.[1] ?? null,
    totalBytes: reachable ? probe.totalBytes : null,
    usedBytes: reachable ? probe.usedBytes : null,
    availableBytes: reachable ? probe.availableBytes : null,
    usagePercent: percent,
    // Root may not use a storage PVE needs: PVE (root) cannot either, CRITICAL. Anyone else's: a warning.
    severity: reason === null ? 0 : reason === 'root-denied' && storage !== null ? 2 : SEVERITY[reason],
    reason,
    detail,
    majorMinor: o.key,
    superOptions: redactWord(info.superOptions),
    network: o.network,
    expectedReadonly,
    probe: probe ? { ms: probe.ms, at: probe.at, cached: probe.cached === true, phase: probe.phase ?? null } : null,
  };
}
