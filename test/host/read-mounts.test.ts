// The gather's second look at containers after the probes: which init processes are gone.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createHost } from '../../src/host/host';
import { readStoppedContainers } from '../../src/host/read-mounts';

test('readStoppedContainers: a container whose /proc/<pid>/stat is gone stopped; one whose stat reads runs', () => {
  const root = mkdtempSync(join(tmpdir(), 'pve-health-stopped-'));
  try {
    mkdirSync(join(root, 'proc/41'), { recursive: true });
    writeFileSync(join(root, 'proc/41/stat'), '41 (init) S 40 41 41 0 -1 4194560\n');
    symlinkSync('/', join(root, 'proc/41/root'));
    // 43: its stat reads but its way in is gone (a view of /proc without the link): not judged.
    mkdirSync(join(root, 'proc/43'), { recursive: true });
    writeFileSync(join(root, 'proc/43/stat'), '43 (init) S 40 43 43 0 -1 4194560\n');
    const host = createHost({ root });
    const pids = new Map([
      [300, 41],
      [301, 42],
      [302, 43],
    ]);
    assert.deepEqual(readStoppedContainers(host, pids), [301, 302]);
    assert.deepEqual(readStoppedContainers(host, new Map()), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
