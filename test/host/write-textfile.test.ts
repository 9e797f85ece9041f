import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeTextfile } from '../../src/host/write-textfile';

test('writeTextfile: writes NAME with mode 0644, leaves no temp file; never creates the directory', async (t) => {
  const dir = join(mkdtempSync(join(tmpdir(), 'pvh-tf-')), 'node-exporter');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await assert.rejects(writeTextfile(dir, 'pve-health.prom', 'a 1\n'), /textfile directory .* does not exist/);
  assert.equal(existsSync(dir), false);
  mkdirSync(dir);
  // A symlink planted under the temporary name is not written through.
  symlinkSync('/dev/null', join(dir, `pve-health.prom.${process.pid}`));
  const p = await writeTextfile(dir, 'pve-health.prom', 'a 1\n');
  assert.equal(p, join(dir, 'pve-health.prom'));
  assert.equal(readFileSync(p, 'utf8'), 'a 1\n');
  assert.equal(statSync(p).mode & 0o777, 0o644);
  await writeTextfile(dir, 'pve-health.prom', 'a 2\n');
  assert.equal(readFileSync(p, 'utf8'), 'a 2\n');
  assert.deepEqual(readdirSync(dir), ['pve-health.prom']);
});

test('writeTextfile: a concurrent reader sees the old or the new file, never a mix', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pvh-tf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Large enough that a non-atomic write would be observed half-written.
  const a = `${'a 1\n'.repeat(200_000)}`;
  const b = `${'b 2\n'.repeat(250_000)}`;
  const p = await writeTextfile(dir, 'x.prom', a);
  let stop = false;
  let reads = 0;
  const reader = (async () => {
    while (!stop) {
      const text = readFileSync(p, 'utf8');
      assert.ok(text === a || text === b, `torn read of ${text.length} bytes`);
      reads++;
      await new Promise((r) => setImmediate(r));
    }
  })();
  for (let i = 0; i < 30; i++) await writeTextfile(dir, 'x.prom', i % 2 ? a : b);
  stop = true;
  await reader;
  assert.ok(reads > 0);
});

test('writeTextfile: refuses names that leave the directory', async () => {
  for (const bad of ['../x.prom', '', '.hidden.prom', 'a/b.prom']) {
    await assert.rejects(writeTextfile(tmpdir(), bad, ''), /invalid textfile name/);
  }
});

test('writeFileSafely: a symlink planted at the target is replaced, not written through; explicit mode', async (t) => {
  const { writeFileSafely } = await import('../../src/host/write-file');
  const dir = mkdtempSync(join(tmpdir(), 'pvh-wf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'keep\n');
  const target = join(dir, 'capture.json');
  symlinkSync(victim, target);
  writeFileSafely(target, '{}\n', 0o600);
  assert.equal(readFileSync(victim, 'utf8'), 'keep\n');
  assert.equal(readFileSync(target, 'utf8'), '{}\n');
  assert.equal(statSync(target).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir).sort(), ['capture.json', 'victim']);
});

test('the mount cache is written safely: symlinks planted at the file or its temp name are never written through', async (t) => {
  const { saveResults } = await import('../../src/host/probe-state');
  const dir = mkdtempSync(join(tmpdir(), 'pvh-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'keep\n');
  symlinkSync(victim, join(dir, 'mounts-cache.json'));
  symlinkSync(victim, join(dir, `mounts-cache.json.${process.pid}.tmp`));
  const at = new Date().toISOString();
  const result = { ok: true, error: null, ms: 1, at, totalBytes: 1, usedBytes: 0, availableBytes: 1 };
  saveResults(dir, [{ key: '0:52', path: '/mnt/pve/x' } as never], { '0:52': result as never }, 60_000, Date.now());
  assert.equal(readFileSync(victim, 'utf8'), 'keep\n');
  assert.ok(!lstatSync(join(dir, 'mounts-cache.json')).isSymbolicLink());
  assert.equal(statSync(join(dir, 'mounts-cache.json')).mode & 0o777, 0o600);
  assert.match(readFileSync(join(dir, 'mounts-cache.json'), 'utf8'), /"0:52"/);
});
