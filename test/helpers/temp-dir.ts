// Temporary directories of a test process, removed when it exits: a test run leaves nothing in /tmp
// (fakenode nodes are ~2 MB each, the dashboard screenshots ~6 MB a run). PVE_HEALTH_KEEP_TMP=1 keeps
// them to look at after a failure; PVE_HEALTH_ARTIFACTS=DIR keeps the screenshots elsewhere.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

export function tempDir(prefix = 'pve-health-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (!made.length && !process.env.PVE_HEALTH_KEEP_TMP)
    process.once('exit', () => {
      for (const d of made) rmSync(d, { recursive: true, force: true });
    });
  made.push(dir);
  return dir;
}
