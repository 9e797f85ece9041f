// Device paths of guest configs, resolved as the node's kernel and udev see them: a config may name
// a disk by /dev/disk/by-id/dm-uuid-LVM-..., by-path, by-uuid or any other udev link, and only the
// link's final target (/dev/dm-N) says which map that is. One lstat/readlink per path named in a
// config (a handful per node), all under the host root; never a stat through a mount.
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { isDaemonMount, isNetworkType } from '../core/mounts/mount-plan';
import { configPathsIn, devicePathsIn } from '../core/parse/config-paths';
import { parseMountInfo } from '../core/parse/mountinfo';
import { devnoOfRdev } from '../core/vocab/devno';
import type { DevicePathState } from '../core/vocab/snapshot';
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
 * Every path of every guest config in `files` (configPathsIn: device tokens, bind and device mount points,
 * disks by path), as the node has it now: the path its links lead to (each component followed, like the
 * kernel's own lookup) and, for a block device, its device number `major:minor`; null when the path or a
 * link's target does not exist. The device number is what names a device whatever links a site's udev
 * rules add (`/dev/vmdisks/db01`, `/dev/block/252:5`); the final name is kept for nodes whose /dev holds no
 * device nodes (a capture replayed, a simulated node). A lookup never enters a network or FUSE mount
 * (from the node's mount table): it stops there, says which mount, and keeps the rest as written.
 */
export function readDevicePaths(host: Host, files: Record<string, string>): Record<string, DevicePathState | null> {
  return readPathStates(
    host,
    Object.keys(files)
      .filter((file) => /^\/etc\/pve\/nodes\/[^/]+\/(qemu-server|lxc)\/\d+\.conf$/.test(file))
      .flatMap((file) => configPathsIn(files[file])),
  );
}

/** Each path looked up as readDevicePaths does a config's (the absolute backing files of qcow2 images). */
export function readPathStates(host: Host, paths: Iterable<string>): Record<string, DevicePathState | null> {
  const out: Record<string, DevicePathState | null> = {};
  const stopAt = networkStops(host);
  for (const p of paths) if (!(p in out)) out[p] = lookUp(host, p, stopAt);
  return out;
}

/** One config path looked up (readDevicePaths). */
function lookUp(host: Host, p: string, stopAt: (path: string) => string | null): DevicePathState | null {
  let network: string | null = null;
  const walked = walk(host, p, (q) => {
    // devtmpfs: an lstat under /dev never waits on a server.
    if (q === '/dev' || q.startsWith('/dev/')) return false;
    network = stopAt(q);
    return network !== null;
  });
  // Links that go round (or past the hops a lookup follows) lead nowhere this check can name: that
  // is not "no such path", which would let the path's text decide.
  if (walked.loop) return { path: p, loop: true };
  // A walk that ended early (a component missing under the root) may still end under a mount point.
  if (network === null && !walked.path.startsWith('/dev/')) network = stopAt(walked.path);
  if (network !== null) return { path: walked.path, network };
  try {
    const st = lstatSync(hostPath(host, walked.path), { bigint: true });
    if (st.isSymbolicLink()) return { path: walked.path, loop: true };
    if (st.isBlockDevice()) return { path: walked.path, devno: devnoOfRdev(st.rdev) };
    // A file's or directory's identity names it whatever path reaches it (a bind mount, a hard link); /dev
    // holds device nodes, never a storage's volume.
    const file = (st.isFile() || st.isDirectory()) && !walked.path.startsWith('/dev/');
    return file ? { path: walked.path, file: `${st.dev}:${st.ino}` } : { path: walked.path };
  } catch {
    return null;
  }
}

/**
 * The network and FUSE/automount mounts of the node (its mount table), as a test of a path: the mount it
 * is at or under (`<fstype> <source> at <target>`), or null. Without a readable mount table nothing outside
 * /dev is entered: any mount could be one.
 */
function networkStops(host: Host): (path: string) => string | null {
  let text: string;
  try {
    text = readFileSync(hostPath(host, '/proc/self/mountinfo'), 'utf8');
  } catch {
    // The walk passes / on its way to /dev: only what lies beyond it is not entered.
    return (path) => (path === '/' ? null : 'an unknown mount (/proc/self/mountinfo could not be read)');
  }
  const stops = parseMountInfo(text)
    .mounts.filter((m) => isNetworkType(m.fstype) || isDaemonMount(m.fstype))
    .map((m) => ({ target: m.target, says: `${m.fstype} ${m.source} at ${m.target}` }));
  return (path) => stops.find((m) => path === m.target || path.startsWith(`${m.target}/`))?.says ?? null;
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
