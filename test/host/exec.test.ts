// The one exec helper: deadline and abandonment. A child the caller gave up on must not keep this
// process alive (NRPE and systemd wait for the process, not for its answer).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exec } from '../../src/host/exec';

const REPO = join(fileURLToPath(new URL('.', import.meta.url)), '../..');

function liveInGroup(pgid: number): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid && f[0] !== 'Z') out.push(Number(p));
    } catch {}
  }
  return out;
}

test('exec: abandoning a child rejects at once and kills its process group', async () => {
  const ac = new AbortController();
  let pid = 0;
  const p = exec(['sh', '-c', 'sleep 30 & sleep 30'], {
    signal: ac.signal,
    onSpawn: (x) => (pid = x),
    timeoutMs: 60_000,
  });
  setTimeout(() => ac.abort(), 100);
  await assert.rejects(p, /abandoned/);
  await new Promise((r) => setTimeout(r, 200));
  // Nothing of the group runs any more (a killed orphan may linger as a zombie until init reaps it).
  assert.deepEqual(liveInGroup(pid), []);
});

test('exec: a process that abandoned a child with open pipes exits as soon as its work is done', () => {
  // The child keeps its stdout open forever (like a probe in uninterruptible sleep keeps its pipes);
  // after abort nothing of it may hold the parent's event loop: the parent ends in well under the
  // 30 s deadline it gave exec.
  const script = `
    import { exec } from ${JSON.stringify(join(REPO, 'src/host/exec.ts'))};
    const ac = new AbortController();
    exec(['sh', '-c', 'trap "" TERM; exec sleep 60'], { signal: ac.signal, timeoutMs: 30000, input: 'x' }).catch(() => {});
    setTimeout(() => ac.abort(), 50);
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.error, undefined, 'the parent did not exit before the 20 s guard');
  assert.equal(r.status, 0, r.stderr);
});
