// Device paths of guest configs, resolved as the node's kernel and udev see them: a config may name
// a disk by /dev/disk/by-id/dm-uuid-LVM-..., by-path, by-uuid or any other udev link, and only the
// link's final target (/dev/dm-N) says which map that is. One lstat/readlink per path named in a
// config (a handful per node), all under the host root; never a stat through a mount.
import { lstatSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { devnoOfRdev } from '../core/devno';
import { devicePathsIn } from '../core/parse/guest-config';
import type { DevicePathState } from '../core/snapshot';
import { type Host, hostPath } from './host';

const MAX_HOPS = 16;

/** Follow a symlink chain on the node (relative targets against the link's directory). */
export function readLinkTarget(host: Host, path: string): string | null {
  let cur = path;
  for (let i = 0; i < MAX_HOPS; i++) {
    let target: string;
    try {
      if (!lstatSync(hostPath(host, cur)).isSymbolicLink()) return cur === path ? null : cur;
      target = readlinkSync(hostPath(host, cur));
    } catch {
      return cur === path ? null : cur;
    }
    cur = posix.resolve(posix.dirname(cur), target);
  }
  return null; // a loop: names nothing
}

/** path → final target for every /dev path of every guest config in `files` that is a symlink. */
export function readDeviceLinks(host: Host, files: Record<string, string>): Record<string, string> {
  const links: Record<string, string> = {};
  for (const [file, text] of Object.entries(files)) {
    if (!/^\/etc\/pve\/nodes\/[^/]+\/(qemu-server|lxc)\/\d+\.conf$/.test(file)) continue;
    for (const p of devicePathsIn(text)) {
      if (p in links) continue;
      const t = readLinkTarget(host, p);
      if (t) links[p] = t;
    }
  }
  return links;
}

/**
 * Every /dev path of every guest config in `files`, as the node has it now: the path its links lead to
 * (each component followed, like the kernel's own lookup) and, for a block device, its device number
 * `major:minor`; null when the path or a link's target does not exist. The device number is what names
 * a device whatever links a site's udev rules add (`/dev/vmdisks/db01`, `/dev/block/252:5`); the final
 * name is kept for nodes whose /dev holds no device nodes (a capture replayed, a simulated node).
 * Only under /dev (devtmpfs: an lstat there never waits on a server).
 */
export function readDevicePaths(host: Host, files: Record<string, string>): Record<string, DevicePathState | null> {
  const out: Record<string, DevicePathState | null> = {};
  for (const file in files) {
    if (!/^\/etc\/pve\/nodes\/[^/]+\/(qemu-server|lxc)\/\d+\.conf$/.test(file)) continue;
    for (const p of devicePathsIn(files[file])) {
      if (p in out || !p.startsWith('/dev/')) continue;
      // Outside /dev nothing is looked at: resolveOne stops there as it does at a network mount.
      const walked = walk(host, p, (q) => q !== '/' && q !== '/dev' && !q.startsWith('/dev/'));
      const final = walked.path;
      // Links that go round (or past the hops a lookup follows) lead nowhere this check can name: that
      // is not "no such path", which would let the path's text decide.
      if (walked.loop) {
        out[p] = { path: p, loop: true };
        continue;
      }
      if (!final.startsWith('/dev/')) {
        out[p] = { path: final };
        continue;
      }
      try {
        const st = lstatSync(hostPath(host, final), { bigint: true });
        if (st.isSymbolicLink()) out[p] = { path: final, loop: true };
        else out[p] = st.isBlockDevice() ? { path: final, devno: devnoOfRdev(st.rdev) } : { path: final };
      } catch {
        out[p] = null;
      }
    }
  }
  return out;
}

/**
 * Resolve symlinks in host paths the way PVE does (DirPlugin: Cwd::realpath), under the host root,
 * one component at a time — and never through a network mount: once a prefix lies on one (`onNetwork`
 * says so from the mount table), the rest of the path is kept as written, because an lstat there can
 * hang on a dead server. Returns only the paths that changed.
 */
export function resolveHostPaths(
  host: Host,
  paths: string[],
  onNetwork: (path: string) => boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of new Set(paths)) {
    const real = resolveOne(host, p, onNetwork);
    if (real !== p) out[p] = real;
  }
  return out;
}

function resolveOne(host: Host, path: string, onNetwork: (path: string) => boolean): string {
  const w = walk(host, path, onNetwork);
  return w.loop ? path : w.path;
}

/** The walk behind resolveOne; `loop` when the links go round (absolute targets are read under the root). */
function walk(host: Host, path: string, onNetwork: (path: string) => boolean): { path: string; loop: boolean } {
  let rest = path.split('/').filter(Boolean);
  let cur = '/';
  const done = (p: string) => ({ path: p, loop: false });
  for (let hops = 0; rest.length > 0; ) {
    if (onNetwork(cur)) return done(posix.join(cur, ...rest));
    const next = posix.join(cur, rest[0]);
    // A network mount point itself is never lstat()ed either: its attributes come from the server.
    if (onNetwork(next)) return done(posix.join(next, ...rest.slice(1)));
    let target: string | null = null;
    try {
      if (lstatSync(hostPath(host, next)).isSymbolicLink()) target = readlinkSync(hostPath(host, next));
    } catch {
      return done(posix.join(cur, ...rest)); // does not exist (yet): nothing more to resolve
    }
    if (target === null) {
      cur = next;
      rest = rest.slice(1);
      continue;
    }
    if (++hops > MAX_HOPS * 2) return { path, loop: true };
    const resolved = posix.resolve(cur, target);
    rest = [...resolved.split('/').filter(Boolean), ...rest.slice(1)];
    cur = '/';
  }
  return done(cur);
}
