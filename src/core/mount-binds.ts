// Container bind mounts of host paths, checked against what the host has mounted there now.
//
// mp0: /mnt/pve/nfs-share/data,mp=/data          (pve-container: a path mount point is a plain bind
// lxc.mount.entry: /mnt/pve/iso mnt/iso none bind,ro,create=dir 0 0        mount; no storage is activated)
//
// The bind is made when the container starts, from whatever the path held then. A container started
// before the host mounted its NFS keeps the host's root-filesystem directory underneath while the host
// now shows a healthy NFS mount at the same path: the container writes to the host's root disk and
// nobody sees it. After a remount on the host the container keeps the old superblock. Both show as a
// different superblock (major:minor) in the two mount tables. Pure.
import { parseConfigSections, parsePropertyString } from './guest-config';
import { isNetworkType, type MountSettings, matchesPattern } from './mount-plan';
import type { MountsRaw } from './mount-types';
import { type MountInfo, parseMountInfo, visibleMounts } from './mountinfo';
import type { MountEntry } from './types';

export interface CtBind {
  ctid: number;
  /** Host path bound into the container (as configured). */
  source: string;
  /** Mount point inside the container. */
  target: string;
}

const trim = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);

/** Path bind mounts a container config declares: `mpN: /host/path,mp=/x` and `lxc.mount.entry ... bind`. */
export function containerBinds(ctid: number, configText: string): CtBind[] {
  const out: CtBind[] = [];
  const { sections } = parseConfigSections(configText, 'lxc');
  for (const [key, value] of sections[0]?.entries ?? []) {
    if (/^mp\d+$/.test(key)) {
      const p = parsePropertyString(value, 'volume');
      // A volume id (storage:vol) is mounted by pve-container itself; /dev/... is a device, not a bind.
      if (p.volume?.startsWith('/') && !p.volume.startsWith('/dev/') && p.mp)
        out.push({ ctid, source: trim(p.volume), target: trim(p.mp) });
    } else if (key === 'lxc.mount.entry') {
      const f = value.trim().split(/\s+/);
      if (f.length >= 4 && f[0].startsWith('/') && !f[0].startsWith('/dev/') && /(^|,)r?bind(,|$)/.test(f[3]))
        out.push({ ctid, source: trim(f[0]), target: trim(`/${f[1].replace(/^\/+/, '')}`) });
    }
  }
  return out;
}

/** The visible host mount that covers `path` (the longest mount point that is `path` or a parent of it). */
export function hostMountAt(path: string, hostMounts: MountInfo[]): MountInfo | null {
  let best: MountInfo | null = null;
  for (const m of hostMounts) {
    const t = m.target;
    const covers = t === '/' || path === t || path.startsWith(`${t}/`);
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

/**
 * Binds whose superblock in the container differs from the host's at the source path now.
 * `resolve` maps a host path to the path the kernel sees (symlinks followed, see read-mounts).
 */
export function findBindMismatches(
  binds: CtBind[],
  ctMounts: Map<number, MountInfo[]>,
  hostMounts: MountInfo[],
  resolve: (path: string) => string = (p) => p,
  isNetwork: (fstype: string) => boolean = () => true,
): BindMismatch[] {
  const out: BindMismatch[] = [];
  for (const b of binds) {
    const mounts = ctMounts.get(b.ctid);
    if (!mounts) continue; // container not running: nothing is bound
    // The last mount at the target is the one visible in the container.
    const ct = [...mounts].reverse().find((m) => m.target === b.target);
    const host = hostMountAt(resolve(b.source), hostMounts);
    if (!ct || !host) continue;
    // Only a network filesystem on the host can have arrived (or been remounted) after the container
    // started; a local source (an image file, a local directory) is what the container bound.
    if (ct.majorMinor !== host.majorMinor && isNetwork(host.fstype)) out.push({ bind: b, ct, host });
  }
  return out;
}

/** The verdict of a container mount whose bind no longer shows what the host has at its source. */
export function bindMismatchVerdict(m: BindMismatch): { detail: string; severity: 2 } {
  const { bind, ct, host } = m;
  // Same filesystem and source: an earlier mount of it (the host remounted); else the directory underneath.
  const rootDisk = !(ct.fstype === host.fstype && ct.source === host.source);
  const what = `${host.fstype} ${host.source}`;
  const detail = rootDisk
    ? `CT ${bind.ctid} started before ${what} was mounted at ${host.target} on the host: its ${bind.target} is the directory underneath (${ct.fstype} ${ct.source}), so what the container writes there lands on the host's own disk (${ct.source}), not on ${host.source}. Fix: restart the container (pct reboot ${bind.ctid}) now that the host has it mounted.`
    : `CT ${bind.ctid} still holds an earlier mount of ${bind.source} (superblock ${ct.majorMinor}; the host has mounted ${what} again as ${host.majorMinor}): the container does not see what the host sees. Fix: restart the container (pct reboot ${bind.ctid}).`;
  return { detail, severity: 2 };
}

/** Container mounts whose bind shows another superblock than the host has at the source now. */
export function markOutdatedBinds(
  raw: MountsRaw,
  entries: MountEntry[],
  binds: CtBind[],
  resolve: (p: string) => string,
  s: MountSettings,
): void {
  if (binds.length === 0) return;
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
      storage: /^\/mnt\/pve\/([^/]+)/.exec(m.bind.source)?.[1] ?? null,
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
