// One builder per cache entry across processes: node's test runner runs two test files side by side, and
// both may find the same cache empty on a new machine (install.test.ts and repo.test.ts each built the
// trixie tarball into the same `.tmp` name; the second rename failed). A directory is the lock (mkdir is
// atomic); it holds the owner's pid, so a lock left by a killed run is taken over, never waited on forever.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `build` while holding `<path>.lock`; `ready()` is asked again after the lock is taken, so a process
 * that waited on another's build uses its result instead of building twice.
 */
export function withCacheLock<T>(path: string, ready: () => T | null, build: () => T, waitMs = 1_800_000): T {
  const lock = `${path}.lock`;
  const owner = `${lock}/pid`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let pid = Number.NaN;
      try {
        pid = Number(readFileSync(owner, 'utf8'));
      } catch {}
      // No pid yet: the owner is between mkdir and write; a minute without one is a run cut there.
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {}
      if ((Number.isInteger(pid) && pid > 0 && !alive(pid)) || (Number.isNaN(pid) && age > 60_000)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(
          `cache lock ${lock} is held by pid ${pid} for over ${Math.round(waitMs / 60_000)} min: if no test run is going on, remove ${lock} and run again`,
        );
      sleepMs(500);
    }
  }
  try {
    return ready() ?? build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
