// "How do I run myself": the systemd unit names the program by its real path, whatever link it was
// started through; a helper child under node runs its script with `node -e`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { realpathSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { childCommand, lastingSelfCommand, selfCommand } from '../../src/host/self-command';
import { CLI, ensureBuilt, tempDir } from '../helpers/cli';

const literal = (s: string) => s.replace(/[/.\\-]/g, '\\$&');

test("install-timer started through a symlink writes the bundle's real path into the unit", (t) => {
  ensureBuilt();
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const link = join(dir, 'pve-health');
  symlinkSync(CLI, link);
  const r = spawnSync(process.execPath, [link, 'install-timer', '--dry-run'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(`^ExecStart=${literal(process.execPath)} ${literal(realpathSync(CLI))} check `, 'm'),
  );
  assert.ok(!r.stdout.includes(link), 'the link the program was started through is not what systemd runs');
});

test('lastingSelfCommand resolves the script, selfCommand keeps it as given', async (t) => {
  const dir = tempDir();
  const saved = process.argv[1];
  t.after(() => {
    process.argv[1] = saved;
    rmSync(dir, { recursive: true, force: true });
  });
  const link = join(dir, 'linked.cjs');
  symlinkSync(CLI, link);
  process.argv[1] = link;
  assert.deepEqual(selfCommand(), [process.execPath, link]);
  assert.deepEqual(await lastingSelfCommand(), [process.execPath, realpathSync(CLI)]);
});

test('a helper child under node runs its script alone', () => {
  const [exe, ...args] = childCommand('--unused-marker', 'process.stdout.write(String(process.argv.length))');
  const r = spawnSync(exe, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '1', 'node -e: no script path and no marker in its argv');
});
