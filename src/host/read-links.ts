// Device paths of guest configs, resolved as the node's kernel and udev see them: a config may name
// a disk by /dev/disk/by-id/dm-uuid-LVM-..., by-path, by-uuid or any other udev link, and only the
// link's final target (/dev/dm-N) says which map that is. One lstat/readlink per path named in a
// config (a handful per node), all under the host root; never a stat through a mount.
import { lstatSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { devicePathsIn } from '../core/parse/guest-config';
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
  let rest = path.split('/').filter(Boolean);
  let cur = '/';
  for (let hops = 0; rest.length > 0; ) {
    if (onNetwork(cur)) return posix.join(cur, ...rest);
    const next = posix.join(cur, rest[0]);
    // A network mount point itself is never lstat()ed either: its attributes come from the server.
    if (onNetwork(next)) return posix.join(next, ...rest.slice(1));
    let target: string | null = null;
    try {
      if (lstatSync(hostPath(host, next)).isSymbolicLink()) target = readlinkSync(hostPath(host, next));
    } catch {
      return posix.join(cur, ...rest); // does not exist (yet): nothing more to resolve
    }
    if (target === null) {
      cur = next;
      rest = rest.slice(1);
      continue;
    }
    if (++hops > MAX_HOPS * 2) return path; // a loop
    const resolved = posix.resolve(cur, target);
    rest = [...resolved.split('/').filter(Boolean), ...rest.slice(1)];
    cur = '/';
  }
  return cur;
}
