// Only one `clean` or `restore` at a time on a node: our own flock on <root>/run/pve-health/clean.lock.
// The holder writes who it is into the file, so a second run can say who holds it. The kernel drops
// the lock when the holder exits, however it exits: no stale lock files to clean up by hand.
import { fsyncSync, ftruncateSync, writeSync } from 'node:fs';
import { LockedError } from '../core/vocab/errors';
import type { Host } from '../host/host';
import { type HeldLock, readLockInfo, takeFlock } from '../host/pve-lock';

export const RUN_LOCK = '/run/pve-health/clean.lock';

export interface RunLockOwner {
  pid: number;
  command: string;
  startedAt: string;
  user?: string;
}

export async function takeRunLock(host: Host, owner: RunLockOwner): Promise<HeldLock> {
  let lock: HeldLock;
  try {
    lock = await takeFlock(host, RUN_LOCK, 'pve-health clean', 0, { wait: false, private: true });
  } catch (e) {
    if (!(e instanceof LockedError)) throw e;
    throw new LockedError(
      `another pve-health clean/restore is running: ${describeOwner(readLockInfo(host, RUN_LOCK))}`,
    );
  }
  const text = `${JSON.stringify(owner)}\n`;
  ftruncateSync(lock.fd!, 0);
  writeSync(lock.fd!, text, 0);
  fsyncSync(lock.fd!);
  const release = lock.release;
  return {
    ...lock,
    release() {
      try {
        ftruncateSync(lock.fd!, 0);
      } catch {
        // closed already
      }
      release();
    },
  };
}

function describeOwner(text: string | undefined): string {
  try {
    const o = JSON.parse(text ?? '') as RunLockOwner;
    return `pid ${o.pid} (${o.command}) since ${o.startedAt}${o.user ? ` by ${o.user}` : ''}`;
  } catch {
    return 'holder unknown (lock file has no owner yet)';
  }
}
