// Container bind mounts of host paths (as container-mounts.ts reads them from the configs), checked
// against what the host has mounted there now.
//
// The bind is made when the container starts, from whatever the path held then. A container started
// before the host mounted its NFS keeps the host's root-filesystem directory underneath while the host
// now shows a healthy NFS mount at the same path: the container writes to the host's root disk and
// nobody sees it. After a remount on the host the container keeps the old superblock. Both show as a
// different superblock (major:minor) in the two mount tables. Pure.
import type { MountInfo } from '../parse/mountinfo';
import type { MountEntry } from '../vocab/types';
import type { CtBind } from './container-mounts';
import { isAtOrUnder, matchesPattern } from './mount-paths';
import { isNetworkType } from './mount-plan';
import type { MountSettings } from './mount-settings';
import type { MountView } from './mount-view';
import type { StorageMount } from './storage-mounts';

/** The visible host mount that covers `path` (the longest mount point that is `path` or a parent of it). */
export function hostMountAt(path: string, hostMounts: MountInfo[]): MountInfo | null {
  let best: MountInfo | null = null;
  for (const m of hostMounts) {
    const t = m.target;
    const covers = t === '/' || isAtOrUnder(path, t);
    if (covers && (!best || t.length >= best.target.length)) best = m;
  }
  return best;
}

export interface BindMismatch {
  bind: CtBind;
  /** What the container has at the mount point. */
  ct: MountInfo;
  /** What the host has at the source path now. */
  host: MountInfo;
}

/** The mount a running container has at a bind's target (the last one there is the visible one). */
function ctMountAt(b: CtBind, ctMounts: Map<number, MountInfo[]>): MountInfo | null {
  const mounts = ctMounts.get(b.ctid);
  return mounts ? ([...mounts].reverse().find((m) => m.target === b.target) ?? null) : null;
}

/**
 * Binds whose superblock in the container differs from the host's at the source path now.
 * `resolve` maps a host path to the path the kernel sees (symlinks followed on the host, host/read-links.ts).
 * `mayArriveLate` says which host mounts can have arrived (or been remounted) after the container
 * started: network filesystems and storages that must be mounted (is_mountpoint). A local source
 * otherwise (an image file, a plain directory, a disk mounted at boot) is what the container bound.
 */
export function findBindMismatches(
  binds: CtBind[],
  ctMounts: Map<number, MountInfo[]>,
  hostMounts: MountInfo[],
  resolve: (path: string) => string,
  mayArriveLate: (host: MountInfo) => boolean,
): BindMismatch[] {
  const out: BindMismatch[] = [];
  for (const b of binds) {
    const ct = ctMountAt(b, ctMounts); // null: container not running, nothing is bound
    const host = hostMountAt(resolve(b.source), hostMounts);
    if (!ct || !host) continue;
    if (ct.majorMinor !== host.majorMinor && mayArriveLate(host)) out.push({ bind: b, ct, host });
  }
  return out;
}

/** What a running container that binds a path holds there. */
export interface Binder {
  ctid: number;
  /** `underneath`: the same superblock as the host's mount under the path (the empty directory). */
  holds: 'underneath' | 'other' | 'unknown';
  ct: MountInfo | null;
  /** The bind's mount point in the container. */
  target: string;
}

/** Running containers that bind `path` (or a path below it), and what each of them has there (a stopped one binds nothing). */
export function bindersOf(
  path: string,
  binds: CtBind[],
  ctMounts: Map<number, MountInfo[]>,
  hostMounts: MountInfo[],
  resolve: (path: string) => string,
): Binder[] {
  const out: Binder[] = [];
  for (const b of binds) {
    const src = resolve(b.source);
    if (!isAtOrUnder(b.source, path) && !isAtOrUnder(src, path)) continue;
    if (!ctMounts.has(b.ctid) || out.some((x) => x.ctid === b.ctid)) continue;
    const ct = ctMountAt(b, ctMounts);
    const host = hostMountAt(src, hostMounts);
    const holds = !ct || !host ? 'unknown' : ct.majorMinor === host.majorMinor ? 'underneath' : 'other';
    out.push({ ctid: b.ctid, holds, ct, target: b.target });
  }
  return out.sort((a, b) => a.ctid - b.ctid);
}

/** The verdict of a container mount whose bind no longer shows what the host has at its source. */
export function bindMismatchVerdict(m: BindMismatch): { detail: string; severity: 2; underneath: boolean } {
  const { bind, ct, host } = m;
  const underneath = holdsUnderneath(m);
  const what = `${host.fstype} ${host.source}`;
  const fix = `Fix: restart the container (pct reboot ${bind.ctid}): a bind is made when the container starts, and a mount the host makes later never reaches a running container.`;
  const detail = underneath
    ? `CT ${bind.ctid} started before ${what} was mounted at ${host.target} on the host: its ${bind.target} is the directory underneath (${ct.fstype} ${ct.source}), so what the container writes there lands on the host's own disk (${ct.source}), not on ${host.source}, hidden from the host under the mount. ${fix}`
    : `CT ${bind.ctid} still holds an earlier mount of ${bind.source} (superblock ${ct.majorMinor}; the host has mounted ${what} again as ${host.majorMinor}): the container does not see what the host sees. ${fix}`;
  return { detail, severity: 2, underneath };
}

/**
 * The container holds the directory underneath the host's mount, not an earlier mount of the same
 * filesystem and source (the host remounted): only then is the bind `missing`. An earlier mount is a
 * superblock of its own, which the probe of the container's mount judges (an NFS superblock whose
 * server forgot it answers ESTALE, a dead one hangs): what the container's users see.
 */
function holdsUnderneath(m: BindMismatch): boolean {
  return !(m.ct.fstype === m.host.fstype && m.ct.source === m.host.source);
}

/** Everything the bind checks compare: the configured binds and both sides' mount tables. */
export interface BindContext {
  binds: CtBind[];
  ctMounts: Map<number, MountInfo[]>;
  hostMounts: MountInfo[];
  resolve: (path: string) => string;
}

/** The bind checks' inputs, from the parsed view and the host paths resolved for this run. */
export function bindContext(view: MountView, resolvedPaths: Record<string, string>): BindContext {
  const binds = [...view.declared.values()].flatMap((d) => d.binds);
  const ctMounts = new Map<number, MountInfo[]>();
  for (const c of view.containers) if (c.table !== null) ctMounts.set(c.ctid, c.table.mounts);
  return { binds, ctMounts, hostMounts: view.host.mounts, resolve: (p) => resolvedPaths[p] ?? p };
}

/** Container mounts whose bind shows another superblock than the host has at the source now. */
export function markOutdatedBinds(
  ctx: BindContext,
  entries: MountEntry[],
  storages: StorageMount[],
  s: MountSettings,
): void {
  const storagePaths = new Set(storages.map((st) => st.path));
  const lateArrival = (m: MountInfo) => isNetworkType(m.fstype, s.networkTypes) || storagePaths.has(m.target);
  for (const m of findBindMismatches(ctx.binds, ctx.ctMounts, ctx.hostMounts, ctx.resolve, lateArrival)) {
    if (s.ignore.some((p) => matchesPattern(p, 'ct', m.bind.ctid, m.bind.target))) continue;
    const v = bindMismatchVerdict(m);
    // The storage whose (resolved) path holds the bind's source: the longest one that covers it.
    const src = ctx.resolve(m.bind.source);
    const storage = storages.filter((st) => isAtOrUnder(src, st.path)).sort((a, b) => b.path.length - a.path.length)[0];
    const e = entries.find((x) => x.scope === 'ct' && x.ctid === m.bind.ctid && x.target === m.bind.target);
    // An earlier mount that its probe found stale or hung stays `stale` with its probe's reason: the
    // container's users see ESTALE or a hang, and the restart fixes both.
    const probedStale = e?.status === 'stale';
    const patch: Partial<MountEntry> = {
      status: v.underneath ? 'missing' : 'stale',
      reason: v.underneath || !probedStale ? 'bind-outdated' : e.reason,
      severity: v.severity,
      detail: probedStale && !v.underneath ? `${e.detail ? `${e.detail} ` : ''}${v.detail}` : v.detail,
      storage: storage?.id ?? null,
      proxmoxManaged: true,
    };
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
