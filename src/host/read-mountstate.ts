// Is /etc/pve a mounted pmxcfs? Read from <root>/proc/self/mountinfo. Without the fuse mount,
// /etc/pve is a plain directory (pve-cluster stopped, a rescue boot): guest configs would look
// absent and every guest volume orphaned, so the cleanup must not act.
//
// Only the mount table is read, never /etc/pve itself: /etc/pve is pmxcfs, a FUSE filesystem
// (pve-cluster src/pmxcfs/pmxcfs.c main: fuse_mount(CFSDIR = "/etc/pve"), fuse_loop_mt), and a stat, lstat or realpath of a FUSE
// mount point asks its daemon (linux fs/fuse/dir.c fuse_getattr): when pmxcfs hangs (corosync
// lost, a blocked database write) the caller waits without bound. The main process never does
// that (docs/mounts.md "Never block"); the path is compared as written.
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import type { PveMountState } from '../core/cleanup/check-safety';
import { parseMountInfo } from '../core/parse/mountinfo';
import { type Host, hostPath } from './host';

export function readPveMountState(host: Host): PveMountState {
  const file = hostPath(host, '/proc/self/mountinfo');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return {
      mounted: false,
      detail: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    };
  }
  // With a root whose proc/ is the real /proc, the mount shows at its path under the root: the root
  // joined lexically (a test root, never resolved through the mount).
  const wanted = new Set(['/etc/pve', posix.resolve(host.root || '/', 'etc/pve')]);
  const mounts = parseMountInfo(text).mounts.filter((m) => wanted.has(m.target));
  const last = mounts[mounts.length - 1];
  if (!last) return { mounted: false, detail: `no mount at /etc/pve in ${file}` };
  // pmxcfs mounts as plain "fuse" from /dev/fuse.
  if (last.fstype !== 'fuse' && last.fstype !== 'fuse.pmxcfs') {
    return { mounted: false, detail: `/etc/pve is ${last.fstype} from ${last.source}, not pmxcfs (fuse)` };
  }
  return { mounted: true, detail: `${last.fstype} ${last.source}` };
}
