// Minimal Debian systems for the package tests: `debootstrap --variant=minbase` once per suite, kept as a
// tarball in a cache outside the checkout (PVE_HEALTH_PKGTEST_CACHE, default /var/tmp/pve-health-pkgtest),
// unpacked into a fresh directory per test. Debian's nodejs .debs are cached beside it, for the
// Architecture: all package and the bundle on the suite's own Node (bookworm: 18, trixie: 20). Needs root
// (chroot, device nodes). The mirror is PVE_HEALTH_DEBIAN_MIRROR, else the machine's own Debian archive
// from its apt sources, else debootstrap's default.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { withCacheLock } from '../helpers/cache-lock';

export const CACHE = process.env.PVE_HEALTH_PKGTEST_CACHE ?? '/var/tmp/pve-health-pkgtest';
/** PVE 8 is Debian 12 (bookworm), PVE 9 is Debian 13 (trixie): the package must install on both. */
export const SUITES = (process.env.PVE_HEALTH_PKGTEST_SUITES ?? 'bookworm trixie').split(/[\s,]+/).filter(Boolean);

const CHROOT_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  HOME: '/root',
  DEBIAN_FRONTEND: 'noninteractive',
};

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function sh(cmd: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 600_000,
    env: opts.env ?? process.env,
    maxBuffer: 64 << 20,
  });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function must(cmd: string, args: string[], opts?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): string {
  const r = sh(cmd, args, opts);
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${r.stdout.slice(-4000)}${r.stderr.slice(-4000)}`,
    );
  return r.stdout;
}

// Types: deb
// URIs: http://archive.example/debian
// deb http://archive.example/debian bookworm main
/** The first Debian archive (not security) in apt sources text, deb822 or one-line format. */
export function parseDebianMirror(sources: string): string | undefined {
  const uris = [
    ...[...sources.matchAll(/^URIs:\s*(.+)$/gim)].flatMap((m) => m[1].trim().split(/\s+/)),
    ...[...sources.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm)].map((m) => m[1]),
  ];
  return uris.find((u) => /^https?:\/\//.test(u) && /debian/i.test(u) && !/security/i.test(u));
}

function debianMirror(): string | undefined {
  if (process.env.PVE_HEALTH_DEBIAN_MIRROR) return process.env.PVE_HEALTH_DEBIAN_MIRROR;
  const files = ['/etc/apt/sources.list'];
  try {
    for (const f of readdirSync('/etc/apt/sources.list.d')) files.push(join('/etc/apt/sources.list.d', f));
  } catch {}
  const text = files
    .filter((f) => /\.(list|sources)$/.test(f))
    .map((f) => {
      try {
        return readFileSync(f, 'utf8');
      } catch {
        return '';
      }
    })
    .join('\n');
  return parseDebianMirror(text);
}

/**
 * The cached minbase tarball of a suite, made on first use (about a minute with a good mirror). A tarball is
 * used only beside its `.complete` mark holding its size: one cut by a full disk or a killed run (or left by an
 * older build without the mark) is built again.
 */
export function baseTarball(suite: string): string {
  const tarball = join(CACHE, `${suite}-minbase.tar`);
  const mark = `${tarball}.complete`;
  const complete = (): string | null => {
    try {
      return Number(readFileSync(mark, 'utf8')) === statSync(tarball).size ? tarball : null;
    } catch {
      return null;
    }
  };
  if (complete()) return tarball;
  mkdirSync(CACHE, { recursive: true });
  return withCacheLock(tarball, complete, () => {
    rmSync(mark, { force: true });
    const dir = mkdtempSync(join(CACHE, 'debootstrap-'));
    const tmp = `${tarball}.tmp-${process.pid}`;
    try {
      const mirror = debianMirror();
      must('debootstrap', ['--variant=minbase', suite, dir, ...(mirror ? [mirror] : [])], { timeoutMs: 900_000 });
      // Nothing of apt's download state belongs in the cache.
      rmSync(join(dir, 'var/cache/apt/archives'), { recursive: true, force: true });
      mkdirSync(join(dir, 'var/cache/apt/archives/partial'), { recursive: true });
      must('tar', ['-C', dir, '--numeric-owner', '-cf', tmp, '.']);
      renameSync(tmp, tarball);
      writeFileSync(mark, String(statSync(tarball).size));
    } finally {
      rmSync(tmp, { force: true });
      rmSync(dir, { recursive: true, force: true });
    }
    return tarball;
  });
}

/** A fresh chroot unpacked from the cached tarball; `remove` deletes it. */
export function makeChroot(suite: string): { root: string; remove: () => void } {
  const tarball = baseTarball(suite);
  const root = mkdtempSync(join(CACHE, 'root-'));
  must('tar', ['-C', root, '--numeric-owner', '-xf', tarball]);
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** Run argv inside the chroot with a clean environment (no host PATH, no host node). */
export function inChroot(root: string, argv: string[], opts: { timeoutMs?: number } = {}): RunResult {
  return sh('chroot', [root, ...argv], { timeoutMs: opts.timeoutMs ?? 120_000, env: CHROOT_ENV });
}

export function mustInChroot(root: string, argv: string[]): string {
  const r = inChroot(root, argv);
  if (r.status !== 0)
    throw new Error(`in chroot: ${argv.join(' ')} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/**
 * The suite's .debs of `packages` and what they need beyond the base system, cached under
 * CACHE/<suite>-<name>: downloaded the first time by apt in a chroot of their own, fresh from the suite's
 * tarball with the suite's own sources (a caller's chroot may list only a test repository: on a machine
 * whose cache was still empty, the repository test asked its own chroot for Debian's nodejs and found
 * none), offline afterwards.
 */
function hasDebs(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.deb'));
}

function cachedDebs(suite: string, name: string, packages: string[]): string {
  const debs = join(CACHE, `${suite}-${name}`);
  if (hasDebs(debs)) return debs;
  return withCacheLock(
    debs,
    () => (hasDebs(debs) ? debs : null),
    () => fetchDebs(suite, debs, packages),
  );
}

function fetchDebs(suite: string, debs: string, packages: string[]): string {
  const fetcher = makeChroot(suite);
  // Per process: two test files may fill the cache at the same time.
  const tmp = `${debs}.tmp-${process.pid}`;
  try {
    rmSync(tmp, { recursive: true, force: true });
    mustInChroot(fetcher.root, ['apt-get', 'update', '-qq']);
    mustInChroot(fetcher.root, [
      'apt-get',
      'install',
      '-y',
      '-qq',
      '--no-install-recommends',
      '--download-only',
      ...packages,
    ]);
    mkdirSync(tmp, { recursive: true });
    const archives = join(fetcher.root, 'var/cache/apt/archives');
    for (const f of readdirSync(archives).filter((x) => x.endsWith('.deb')))
      renameSync(join(archives, f), join(tmp, f));
    // Another test file may have filled it meanwhile (and be copying from it): the same .debs, kept.
    if (!hasDebs(debs)) {
      rmSync(debs, { recursive: true, force: true });
      renameSync(tmp, debs);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    fetcher.remove();
  }
  return debs;
}

/** Install Debian packages of the suite into the chroot, from their cached .debs (cachedDebs). */
export function installDebianPackages(root: string, suite: string, name: string, packages: string[]): void {
  const debs = cachedDebs(suite, name, packages);
  const target = join(root, `tmp/${name}-debs`);
  mkdirSync(target, { recursive: true });
  for (const f of readdirSync(debs)) must('cp', [join(debs, f), target]);
  // One dpkg -i of every file; where a Pre-Depends (systemd on libsystemd-shared) was not configured yet
  // when dpkg reached the package that needs it, a second pass installs what the first left over. Never
  // in batches by name: node-acorn depends on nodejs, libnode on node-acorn.
  const all = readdirSync(target).map((f) => `/tmp/${name}-debs/${f}`);
  if (inChroot(root, ['dpkg', '-i', ...all]).status !== 0) mustInChroot(root, ['dpkg', '-i', ...all]);
}

/** The suite's own nodejs in the chroot (bookworm: 18, trixie: 20). Returns `node --version`. */
export function installDebianNode(root: string, suite: string): string {
  installDebianPackages(root, suite, 'nodejs', ['nodejs']);
  return mustInChroot(root, ['node', '--version']).trim();
}

/** Why the chroot tests cannot run here, or null. */
export function chrootUnavailable(): string | null {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'needs root (chroot)';
  for (const tool of ['debootstrap', 'chroot', 'tar', 'dpkg-deb']) {
    if (sh('sh', ['-c', `command -v ${tool}`]).status !== 0)
      return `${tool} not found (Debian package debootstrap/coreutils/dpkg)`;
  }
  return null;
}

/**
 * Whether to skip a chroot test (marking it skipped). `npm run test:package` is asked for explicitly, so a
 * machine that cannot run it is a failure unless PVE_HEALTH_PKGTEST_NO_CHROOT=1 opts out.
 */
export function skipChroot(t: { skip: (why: string) => void }): boolean {
  const why = chrootUnavailable();
  if (!why) return false;
  if (process.env.PVE_HEALTH_PKGTEST_NO_CHROOT !== '1')
    throw new Error(`chroot test cannot run: ${why} (PVE_HEALTH_PKGTEST_NO_CHROOT=1 skips it)`);
  t.skip(why);
  return true;
}
