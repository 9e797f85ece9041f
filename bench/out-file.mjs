// Where a bench's timed runs write their document: a file on tmpfs when the machine has one, removed at
// exit. On a disk the kernel writes each run's megabytes back while the next run runs, and a run that
// meets that writeback (or is throttled for it) is slowed at random: bench/run.mjs's I/O floor, which
// writes its 17 MB document in one piece, measured 180-325 ms for the same work, 174-185 ms on tmpfs
// (11 interleaved runs each). `fallbackDir` when there is no tmpfs.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export function timedOutputFile(name, fallbackDir) {
  try {
    const dir = mkdtempSync('/dev/shm/pve-health-bench-');
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    return join(dir, name);
  } catch {
    return join(fallbackDir, name);
  }
}
