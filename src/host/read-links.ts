// Device paths of guest configs, resolved as the node's kernel and udev see them: a config may name
// a disk by /dev/disk/by-id/dm-uuid-LVM-..., by-path, by-uuid or any other udev link, and only the
// link's final target (/dev/dm-N) says which map that is. One lstat/readlink per path named in a
// config (a handful per node), all under the host root; never a stat through a mount.
import { lstatSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { devicePathsIn } from '../core/guest-config';
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
