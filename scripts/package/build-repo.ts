// `npm run package:repo -- DIR [--key-id ID | --key-file FILE] [--suite NAME] [DEB...]`: adds the .debs of
// `npm run package` (or the ones given) to an apt repository in DIR that the admin hosts on any web
// server: pool/ keeps every version added, dists/<suite>/ indexes them, signed with the admin's own key
// (InRelease and Release.gpg), and DIR/pve-health-archive-keyring.gpg is the public key for the nodes'
// signed-by. Needs dpkg-deb and gpg; no network.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import {
  COMPONENT,
  controlField,
  type IndexFile,
  type PoolDeb,
  poolPath,
  REPO_ARCHES,
  renderPackages,
  renderRelease,
} from './apt-repo';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const KEYRING_NAME = 'pve-health-archive-keyring.gpg';

export interface RepoOptions {
  dir: string;
  debs: string[];
  suite: string;
  /** gpg --local-user: a key in the caller's keyring (GNUPGHOME). */
  keyId?: string;
  /** A secret key file (gpg --export-secret-keys), imported into a throwaway keyring for the signing. */
  keyFile?: string;
  passphraseFile?: string;
  now: Date;
}

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Buffer {
  const r = spawnSync(cmd, args, { env: opts.env ?? process.env, input: opts.input, maxBuffer: 256 << 20 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  return r.stdout;
}

function listDebs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listDebs(join(dir, e.name)) : e.name.endsWith('.deb') ? [join(dir, e.name)] : [],
  );
}

/** Copy the .debs into pool/ (a file already there under that name must be the same bytes). */
function addToPool(dir: string, debs: string[]): void {
  for (const deb of debs) {
    const control = run('dpkg-deb', ['--field', deb]).toString('utf8');
    const name = controlField(control, 'Package');
    if (!name) throw new Error(`${deb}: no Package field`);
    const target = join(dir, poolPath(name, controlField(control, 'Source'), deb.split('/').pop() ?? deb));
    if (existsSync(target) && !readFileSync(target).equals(readFileSync(deb)))
      throw new Error(`${target} exists with other contents: a version is never rebuilt under the same name`);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(deb, target);
  }
}

/** A gpg that signs with the admin's key: their keyring, or a throwaway one holding the key file. */
function signer(opts: RepoOptions): { gpg: (args: string[]) => Buffer; key: string; cleanup: () => void } {
  const pass = opts.passphraseFile ? ['--pinentry-mode', 'loopback', '--passphrase-file', opts.passphraseFile] : [];
  if (opts.keyFile) {
    const home = mkdtempSync(join(tmpdir(), 'pve-health-repo-gpg-'));
    const env = { ...process.env, GNUPGHOME: home };
    const gpg = (args: string[]) => run('gpg', ['--batch', '--yes', ...pass, ...args], { env });
    try {
      gpg(['--import', opts.keyFile]);
      // fpr:::::::::FINGERPRINT: of the first secret key
      const listing = gpg(['--with-colons', '--list-secret-keys']).toString('utf8');
      const fpr = /^fpr:+([0-9A-F]{40,64}):/m.exec(listing)?.[1];
      if (!fpr) throw new Error(`${opts.keyFile} holds no secret key`);
      return { gpg, key: opts.keyId ?? fpr, cleanup: () => rmSync(home, { recursive: true, force: true }) };
    } catch (e) {
      rmSync(home, { recursive: true, force: true });
      throw e;
    }
  }
  if (!opts.keyId) throw new Error('no signing key: give --key-id ID (a key in your keyring) or --key-file FILE');
  const key = opts.keyId;
  return { gpg: (args) => run('gpg', ['--batch', '--yes', ...pass, ...args]), key, cleanup: () => {} };
}

export function buildRepo(opts: RepoOptions): { packages: number; release: string } {
  const dir = resolve(opts.dir);
  addToPool(dir, opts.debs);
  const pool: PoolDeb[] = listDebs(join(dir, 'pool')).map((file) => ({
    filename: file.slice(dir.length + 1),
    control: run('dpkg-deb', ['--field', file]).toString('utf8'),
    bytes: readFileSync(file),
  }));
  const dists = join(dir, 'dists', opts.suite);
  rmSync(dists, { recursive: true, force: true });
  const files: IndexFile[] = [];
  for (const arch of REPO_ARCHES) {
    const text = Buffer.from(renderPackages(pool, arch));
    const sub = `${COMPONENT}/binary-${arch}`;
    const gz = gzipSync(text, { level: 9 });
    mkdirSync(join(dists, sub), { recursive: true });
    writeFileSync(join(dists, sub, 'Packages'), text);
    writeFileSync(join(dists, sub, 'Packages.gz'), gz);
    files.push({ path: `${sub}/Packages`, bytes: text }, { path: `${sub}/Packages.gz`, bytes: gz });
  }
  const release = renderRelease({
    suite: opts.suite,
    origin: 'pve-health',
    label: 'pve-health',
    description: 'pve-health for Proxmox VE 8 and 9 (Debian 12 and 13)',
    date: opts.now,
    files,
  });
  writeFileSync(join(dists, 'Release'), release);
  const s = signer(opts);
  try {
    const base = ['--local-user', s.key, '--digest-algo', 'SHA512'];
    s.gpg([...base, '--clearsign', '--output', join(dists, 'InRelease'), join(dists, 'Release')]);
    s.gpg([...base, '--armor', '--detach-sign', '--output', join(dists, 'Release.gpg'), join(dists, 'Release')]);
    // The public key, for the nodes: binary for signed-by=, armored to read or publish.
    writeFileSync(join(dir, KEYRING_NAME), s.gpg(['--export', s.key]));
    writeFileSync(join(dir, KEYRING_NAME.replace(/\.gpg$/, '.asc')), s.gpg(['--export', '--armor', s.key]));
  } finally {
    s.cleanup();
  }
  // What apt will do: the signature verifies with the exported key alone.
  run('gpgv', ['--keyring', join(dir, KEYRING_NAME), join(dists, 'InRelease')]);
  run('gpgv', ['--keyring', join(dir, KEYRING_NAME), join(dists, 'Release.gpg'), join(dists, 'Release')]);
  return { packages: pool.length, release: join(dists, 'Release') };
}

function defaultDebs(): string[] {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  const v = pkg.version.replace('-', '~');
  const out = resolve(REPO, process.env.PVE_HEALTH_PACKAGE_OUT ?? 'dist');
  return [`pve-health_${v}_amd64.deb`, `pve-health-nodejs_${v}_all.deb`].map((f) => join(out, f));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: {
        'key-id': { type: 'string' },
        'key-file': { type: 'string' },
        'passphrase-file': { type: 'string' },
        suite: { type: 'string', default: 'stable' },
      },
    });
    const [dir, ...debs] = positionals;
    if (!dir)
      throw new Error('usage: npm run package:repo -- DIR [--key-id ID | --key-file FILE] [--suite NAME] [DEB...]');
    const given = debs.length ? debs.map((d) => resolve(d)) : defaultDebs();
    for (const d of given) if (!existsSync(d)) throw new Error(`${d} is missing: run 'npm run package' first`);
    const r = buildRepo({
      dir,
      debs: given,
      suite: values.suite as string,
      keyId: values['key-id'] as string | undefined,
      keyFile: values['key-file'] as string | undefined,
      passphraseFile: values['passphrase-file'] as string | undefined,
      now: new Date(),
    });
    process.stdout.write(`repository ${resolve(dir)}: ${r.packages} packages in pool/, ${r.release} signed\n`);
  } catch (e) {
    process.stderr.write(`package:repo: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
