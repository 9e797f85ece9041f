// `npm run package:repo`: an apt repository signed with the admin's key, used by the real apt of Debian 12
// and 13 in a chroot: install, `apt upgrade` to a newer version added later, the switch to the nodejs
// package, and a Release changed after signing refused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nodejsShebang } from '../../scripts/package/sea';
import { inChroot, installDebianNode, makeChroot, mustInChroot, SUITES, skipChroot } from './chroot';

const REPO = join(fileURLToPath(new URL('.', import.meta.url)), '../..');
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version.replace(
  '-',
  '~',
);
const DIST = join(REPO, process.env.PVE_HEALTH_PACKAGE_OUT ?? 'dist');
const DEB = join(DIST, `pve-health_${VERSION}_amd64.deb`);
const DEB_NODEJS = join(DIST, `pve-health-nodejs_${VERSION}_all.deb`);
const NEXT = `${VERSION}+test1`;

function must(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20, timeout: 300_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

function packageRepo(args: string[], env: NodeJS.ProcessEnv): string {
  return must(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/package/build-repo.ts'), ...args], env);
}

/** A throwaway signing key in its own GNUPGHOME; returns its fingerprint. */
function makeKey(home: string, uid: string): string {
  const env = { ...process.env, GNUPGHOME: home };
  must('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', uid, 'ed25519', 'sign', 'never'], env);
  const fpr = /^fpr:+([0-9A-F]{40,64}):/m.exec(must('gpg', ['--with-colons', '--list-secret-keys'], env))?.[1];
  assert.ok(fpr);
  return fpr;
}

/** The .deb again under a newer version (what the next release would be). */
function repack(deb: string, version: string, out: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'pve-health-repack-'));
  try {
    must('dpkg-deb', ['-R', deb, dir]);
    const control = join(dir, 'DEBIAN/control');
    writeFileSync(control, readFileSync(control, 'utf8').replace(/^Version: .*$/m, `Version: ${version}`));
    must('dpkg-deb', ['--root-owner-group', '-Znone', '--build', dir, out]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

test('package:repo: indexes and signatures, then apt in Debian 12 and 13 installs, upgrades, switches', async (t) => {
  for (const d of [DEB, DEB_NODEJS]) assert.ok(existsSync(d), `${d} is missing: run 'npm run package' first`);
  const work = mkdtempSync(join(tmpdir(), 'pve-health-repo-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const home = join(work, 'gnupg');
  must('mkdir', ['-m', '0700', home]);
  const fpr = makeKey(home, 'pve-health test archive <archive@example.org>');
  const repo = join(work, 'repo');
  const dists = join(repo, 'dists/stable');

  await t.test('--key-id: a key from the keyring (GNUPGHOME) signs InRelease and Release.gpg', () => {
    packageRepo([repo, '--key-id', fpr, DEB, DEB_NODEJS], { ...process.env, GNUPGHOME: home });
    const keyring = join(repo, 'pve-health-archive-keyring.gpg');
    must('gpgv', ['--keyring', keyring, join(dists, 'InRelease')]);
    must('gpgv', ['--keyring', keyring, join(dists, 'Release.gpg'), join(dists, 'Release')]);
    // Another key does not verify it: the signature is the archive key's.
    const other = join(work, 'other');
    must('mkdir', ['-m', '0700', other]);
    makeKey(other, 'someone else <else@example.org>');
    const otherRing = join(work, 'other.gpg');
    writeFileSync(otherRing, spawnSync('gpg', ['--export'], { env: { ...process.env, GNUPGHOME: other } }).stdout);
    assert.notEqual(spawnSync('gpgv', ['--keyring', otherRing, join(dists, 'InRelease')]).status, 0);
  });

  await t.test('Release lists every index with its checksum; Packages point at the pool files', () => {
    const release = readFileSync(join(dists, 'Release'), 'utf8');
    assert.match(release, /^Architectures: amd64 all$/m);
    assert.match(release, /^Components: main$/m);
    for (const idx of ['main/binary-amd64/Packages', 'main/binary-all/Packages.gz']) {
      const line = new RegExp(`^ ${sha256(join(dists, idx))} +\\d+ ${idx}$`, 'm');
      assert.match(release, line, idx);
    }
    const amd64 = readFileSync(join(dists, 'main/binary-amd64/Packages'), 'utf8');
    const all = readFileSync(join(dists, 'main/binary-all/Packages'), 'utf8');
    assert.deepEqual([...amd64.matchAll(/^Package: (.*)$/gm)].map((m) => m[1]).sort(), [
      'pve-health',
      'pve-health-nodejs',
    ]);
    assert.deepEqual(
      [...all.matchAll(/^Package: (.*)$/gm)].map((m) => m[1]),
      ['pve-health-nodejs'],
    );
    for (const m of amd64.matchAll(/^Filename: (.*)\nSize: (\d+)\nMD5sum: \S+\nSHA256: (\S+)$/gm)) {
      assert.equal(sha256(join(repo, m[1])), m[3], m[1]);
      assert.equal(readFileSync(join(repo, m[1])).length, Number(m[2]));
    }
  });

  // The next release, added with --key-file (a secret key exported to a file, no keyring needed).
  const keyFile = join(work, 'archive-key.asc');
  writeFileSync(
    keyFile,
    must('gpg', ['--batch', '--armor', '--export-secret-keys', fpr], { ...process.env, GNUPGHOME: home }),
  );
  const next = join(work, `pve-health_${NEXT}_amd64.deb`);
  repack(DEB, NEXT, next);
  const repo1 = join(work, 'repo-1');
  cpSync(repo, repo1, { recursive: true });
  packageRepo([repo, '--key-file', keyFile, next], { ...process.env, GNUPGHOME: join(work, 'nonexistent') });
  assert.match(
    readFileSync(join(dists, 'main/binary-amd64/Packages'), 'utf8'),
    new RegExp(`^Version: ${NEXT.replace(/\+/g, '\\+')}$`, 'm'),
  );

  if (skipChroot(t)) return;
  for (const suite of SUITES) {
    await t.test(`${suite}: apt-get install from the repository, apt upgrade to the next version`, () => {
      const t0 = Date.now();
      const chroot = makeChroot(suite);
      const at = (p: string) => join(chroot.root, p);
      try {
        // Only this repository: no network needed, and nothing else can satisfy the install.
        writeFileSync(at('etc/apt/sources.list'), '');
        writeFileSync(
          at('etc/apt/sources.list.d/pve-health.sources'),
          'Types: deb\nURIs: file:/srv/pve-health\nSuites: stable\nComponents: main\nSigned-By: /usr/share/keyrings/pve-health-archive-keyring.gpg\n',
        );
        cpSync(join(repo, 'pve-health-archive-keyring.gpg'), at('usr/share/keyrings/pve-health-archive-keyring.gpg'));
        cpSync(repo1, at('srv/pve-health'), { recursive: true });
        mustInChroot(chroot.root, ['apt-get', 'update']);
        mustInChroot(chroot.root, ['apt-get', 'install', '-y', '--no-install-recommends', 'pve-health']);
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format, not a template
        const version = () => mustInChroot(chroot.root, ['dpkg-query', '-W', '-f', '${Version}', 'pve-health']);
        assert.equal(version(), VERSION);
        assert.equal(
          mustInChroot(chroot.root, ['pve-health', '--version']),
          `pve-health ${VERSION.replace('~', '-')}\n`,
        );

        // The admin adds the next release to the hosted repository; every node's apt upgrade takes it.
        rmSync(at('srv/pve-health'), { recursive: true });
        cpSync(repo, at('srv/pve-health'), { recursive: true });
        mustInChroot(chroot.root, ['apt-get', 'update']);
        mustInChroot(chroot.root, ['apt-get', 'upgrade', '-y']);
        assert.equal(version(), NEXT);

        // The nodejs package replaces the executable one through apt (Conflicts/Replaces).
        installDebianNode(chroot.root, suite);
        mustInChroot(chroot.root, ['apt-get', 'install', '-y', '--no-install-recommends', 'pve-health-nodejs']);
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format, not a template
        const old = inChroot(chroot.root, ['dpkg-query', '-W', '-f', '${Status}', 'pve-health']).stdout;
        assert.doesNotMatch(old, /install ok installed/);
        assert.equal(
          mustInChroot(chroot.root, ['pve-health', '--version']),
          `pve-health ${VERSION.replace('~', '-')}\n`,
        );
        assert.equal(readFileSync(at('usr/bin/pve-health'), 'utf8').split('\n')[0], nodejsShebang());
        // Its code cache survives the switch (the executable's postrm removes the directory on remove).
        const debug = inChroot(chroot.root, ['env', 'PVE_HEALTH_DEBUG=1', 'pve-health', '--version']);
        assert.equal(debug.stderr, '', 'pve-health-nodejs starts from the code cache its postinst wrote');

        // A Release changed after it was signed is refused, and apt keeps what it had.
        writeFileSync(
          at('srv/pve-health/dists/stable/InRelease'),
          readFileSync(at('srv/pve-health/dists/stable/InRelease'), 'utf8').replace('Label: pve-health', 'Label: evil'),
        );
        // apt-get update reports it and keeps the lists it had (its exit code stays 0 for a failed source).
        const bad = inChroot(chroot.root, ['apt-get', 'update']);
        assert.match(`${bad.stdout}${bad.stderr}`, /BADSIG|manipulated/, `${bad.stdout}${bad.stderr}`);
        const lists = mustInChroot(chroot.root, ['sh', '-c', 'cat /var/lib/apt/lists/*InRelease']);
        assert.match(lists, /^Label: pve-health$/m);
        assert.doesNotMatch(lists, /Label: evil/);
        t.diagnostic(`${suite}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      } finally {
        chroot.remove();
      }
    });
  }
});
