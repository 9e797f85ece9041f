// Debian's own package checker on both built packages (`npm run package` first): no error and no
// warning. Overrides are shipped in /usr/share/lintian/overrides/<package>, each with its reason.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { requireTool } from '../helpers/require-tool';

const REPO = join(fileURLToPath(new URL('.', import.meta.url)), '../..');
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version.replace(
  '-',
  '~',
);
const DIST = join(REPO, process.env.PVE_HEALTH_PACKAGE_OUT ?? 'dist');
const DEBS = [`pve-health_${VERSION}_amd64.deb`, `pve-health-nodejs_${VERSION}_all.deb`].map((f) => join(DIST, f));

/** lintian's tags of level warning and above, as "E: pkg: tag context" lines. */
function lintian(tool: string, debs: string[]): string[] {
  // --no-cfg: the machine's ~/.lintianrc or /etc/lintianrc must not change the verdict.
  const r = spawnSync(tool, ['--no-cfg', '--display-level', '>=warning', ...debs], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 600_000,
  });
  assert.ok(r.status === 0 || r.status === 2, `lintian exited ${r.status}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => /^[EW]: /.test(l));
}

test('lintian: no errors and no warnings in either package', (t) => {
  const tool = requireTool(t, 'lintian', 'lintian');
  if (!tool) return;
  for (const d of DEBS) assert.ok(existsSync(d), `${d} is missing: run 'npm run package' first`);
  assert.deepEqual(lintian(tool, DEBS), []);
});

// The check can fail: the nodejs package with the defects this packaging fixed (a root@localhost
// maintainer, no changelog) draws errors.
test('lintian: a package without changelog and with a localhost maintainer is refused', (t) => {
  const tool = requireTool(t, 'lintian', 'lintian');
  if (!tool) return;
  assert.ok(existsSync(DEBS[1]), `${DEBS[1]} is missing: run 'npm run package' first`);
  const dir = mkdtempSync(join(tmpdir(), 'pve-health-lintian-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'root');
  assert.equal(spawnSync('dpkg-deb', ['-R', DEBS[1], root]).status, 0);
  const control = join(root, 'DEBIAN', 'control');
  writeFileSync(
    control,
    readFileSync(control, 'utf8').replace(/^Maintainer: .*$/m, 'Maintainer: pve-health developers <root@localhost>'),
  );
  rmSync(join(root, 'usr/share/doc/pve-health-nodejs/changelog.gz'));
  const md5 = join(root, 'DEBIAN', 'md5sums');
  writeFileSync(md5, readFileSync(md5, 'utf8').replace(/^.*changelog\.gz\n/m, ''));
  const bad = join(dir, 'bad.deb');
  assert.equal(spawnSync('dpkg-deb', ['--root-owner-group', '-Znone', '--build', root, bad]).status, 0);
  const tags = lintian(tool, [bad]).map((l) => l.split(' ')[2]);
  for (const tag of ['no-changelog', 'bogus-mail-host', 'root-in-contact'])
    assert.ok(tags.includes(tag), tags.join(' '));
});
