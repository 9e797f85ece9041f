// The locks PVE itself takes (facts §7, §9), so a cleanup never races a qm/pct operation or a disk
// allocation: guest config flocks, the local storage flock, and the pmxcfs cluster lock (a
// directory) for shared storage. All paths resolve under --root.
//
// Node has no flock(2). We open the lock file ourselves and let util-linux `flock -w SECONDS 0` lock
// it as the child's stdin: a flock belongs to the open file description, so the lock stays ours
// after the child exits and ends when we close the file (or when this process dies, whatever way).
import {
  constants as C,
  closeSync,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmdirSync,
  utimesSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { CommandError, LockedError, TimeoutError } from '../core/vocab/errors';
import { type Host, hostPath } from './host';
import { ensurePrivateDir } from './write-file';

export interface HeldLock {
  /** What it is, for messages: "qemu config 100", "storage local-lvm". */
  what: string;
  path: string;
  /** The open lock file (flock locks only). */
  fd?: number;
  release(): void;
}

/** flock(1) exits with this code when the lock could not be had in time (-E). */
const CONFLICT = 75;

export function guestLockPaths(vmid: number, type: 'qemu' | 'lxc' | null): { what: string; path: string }[] {
  const q = { what: `qemu config ${vmid}`, path: `/var/lock/qemu-server/lock-${vmid}.conf` };
  const l = { what: `lxc config ${vmid}`, path: `/run/lock/lxc/pve-config-${vmid}.lock` };
  // Unknown type (a guest that no longer exists): both, as either tool could recreate it.
  return type === 'qemu' ? [q] : type === 'lxc' ? [l] : [q, l];
}

export function storageFlockPath(storage: string): string {
  return `/var/lock/pve-manager/pve-storage-${storage}`;
}

export function clusterLockPath(lockid: string): string {
  return `/etc/pve/priv/lock/${lockid}`;
}

/**
 * Take an exclusive flock on `path` (under --root), waiting up to `waitMs` like PVE's lock_file
 * (10 s). Throws LockedError when someone else holds it that long.
 */
export async function takeFlock(
  host: Host,
  path: string,
  what: string,
  waitMs = 10_000,
  opts: { wait?: boolean; private?: boolean } = {},
): Promise<HeldLock> {
  const full = hostPath(host, path);
  // Our own lock (its holder writes who it is into it) lives in our 0700 state dir, mode 0600.
  if (opts.private) ensurePrivateDir(dirname(full));
  else mkdirSync(dirname(full), { recursive: true });
  // Never through a planted symlink: the flock must be on PVE's own lock file.
  const fd = openSync(full, C.O_RDWR | C.O_CREAT | C.O_NOFOLLOW, opts.private ? 0o600 : 0o644);
  if (opts.private && (fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, 0o600);
  const wait = opts.wait === false ? ['-n'] : ['-w', String(Math.max(waitMs, 0) / 1000)];
  try {
    await host.exec(['flock', '-x', ...wait, '-E', String(CONFLICT), '0'], { stdinFd: fd, timeoutMs: waitMs + 5000 });
  } catch (e) {
    closeSync(fd);
    if ((e instanceof CommandError && e.code === CONFLICT) || e instanceof TimeoutError) {
      throw new LockedError(`${what} is locked (${full}): another operation holds it`);
    }
    throw e;
  }
  let released = false;
  return {
    what,
    path: full,
    fd,
    release() {
      if (released) return;
      released = true;
      closeSync(fd);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * pmxcfs cluster lock (pve-cluster Cluster.pm:606-710): `mkdir /etc/pve/priv/lock/<id>` succeeds
 * for one holder in the whole cluster; a waiter retries every 100 ms, touching the directory with
 * mtime 0 (pmxcfs' unlock request for an expired lock); `rmdir` releases. pmxcfs expires a lock
 * after 120 s, so whatever runs under it must be short.
 */
export async function takeClusterLock(host: Host, lockid: string, what: string, waitMs = 10_000): Promise<HeldLock> {
  const full = hostPath(host, clusterLockPath(lockid));
  mkdirSync(dirname(full), { recursive: true });
  const deadline = host.now().getTime() + waitMs;
  for (;;) {
    try {
      mkdirSync(full);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw e;
      try {
        utimesSync(full, 0, 0);
      } catch {
        // released in between: retry at once
      }
      if (host.now().getTime() >= deadline) {
        throw new LockedError(`${what} is locked (${full} exists): another node or task holds it`);
      }
      await sleep(100);
    }
  }
  let released = false;
  return {
    what,
    path: full,
    release() {
      if (released) return;
      released = true;
      try {
        rmdirSync(full);
      } catch {
        // pmxcfs may have expired it already
      }
    },
  };
}

/** The storage lock PVE holds while it allocates or frees a volume on `storage` (facts §9). */
export function takeStorageLock(
  host: Host,
  storage: string,
  { shared, waitMs = 10_000 }: { shared: boolean; waitMs?: number },
): Promise<HeldLock> {
  return shared
    ? takeClusterLock(host, `storage-${storage}`, `storage ${storage} (cluster lock)`, waitMs)
    : takeFlock(host, storageFlockPath(storage), `storage ${storage}`, waitMs);
}

export async function takeGuestLocks(
  host: Host,
  vmid: number,
  type: 'qemu' | 'lxc' | null,
  waitMs = 10_000,
): Promise<HeldLock[]> {
  const held: HeldLock[] = [];
  try {
    for (const l of guestLockPaths(vmid, type)) held.push(await takeFlock(host, l.path, l.what, waitMs));
  } catch (e) {
    releaseAll(held);
    throw e;
  }
  return held;
}

export function releaseAll(locks: HeldLock[]): void {
  for (const l of [...locks].reverse()) l.release();
}

/** Read a small text file under root, or undefined (for "who holds it" messages). */
export function readLockInfo(host: Host, path: string): string | undefined {
  try {
    return readFileSync(hostPath(host, path), 'utf8');
  } catch {
    return undefined;
  }
}
