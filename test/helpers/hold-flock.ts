// A lock another task holds: PVE's flock on a file under a test root, taken by flock(1) in a process of
// its own (as a running qm/pct/pvesm task holds it), released when the test process ends.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const holders: ChildProcess[] = [];

export async function holdFlock(root: string, path: string): Promise<void> {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, '');
  if (!holders.length)
    process.once('exit', () => {
      for (const h of holders) h.kill('SIGKILL');
    });
  const h = spawn('flock', ['-x', full, 'sh', '-c', 'echo held; exec sleep 60'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  holders.push(h);
  await new Promise<void>((resolve) => h.stdout?.once('data', () => resolve()));
  // Held: the test process may end without waiting for it (killed on exit).
  h.unref();
  (h.stdout as unknown as { unref(): void }).unref();
}
