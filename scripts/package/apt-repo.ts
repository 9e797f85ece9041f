// The index files of a flat-pool apt repository (Debian's layout, what apt-ftparchive writes):
// dists/<suite>/main/binary-<arch>/Packages for each architecture, and dists/<suite>/Release with the
// checksums of every index. Pure text; build-repo.ts does the files and the signing.
import { createHash } from 'node:crypto';

export const COMPONENT = 'main';
/** Architectures the repository has indexes for: amd64 for the executable, all for the nodejs package. */
export const REPO_ARCHES = ['amd64', 'all'];

export interface PoolDeb {
  /** Path under the repository root, e.g. pool/main/p/pve-health/pve-health_0.1.0_amd64.deb. */
  filename: string;
  /** The .deb's control file as dpkg-deb --field prints it (deb822, no trailing blank line). */
  control: string;
  bytes: Buffer;
}

// Package: pve-health
// Description: guest-disk and remote-mount health
//  continuation lines start with a space
/** One field of a deb822 paragraph (with its continuation lines), or undefined. */
export function controlField(control: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:[ \\t]*(.*(?:\\n[ \\t].*)*)`, 'mi').exec(control);
  return m?.[1];
}

/** The Packages paragraph of a .deb: its control fields, then where it is and its checksums. */
export function packagesStanza(deb: PoolDeb): string {
  const sum = (algo: string) => createHash(algo).update(deb.bytes).digest('hex');
  const fields = deb.control.replace(/\n+$/, '');
  return `${fields}\nFilename: ${deb.filename}\nSize: ${deb.bytes.length}\nMD5sum: ${sum('md5')}\nSHA256: ${sum('sha256')}\n`;
}

/**
 * Packages for one architecture: its own packages and, as Debian's archive does, the Architecture: all
 * ones too (so apt finds them whether or not it reads binary-all). Sorted by name, then version order of
 * the file names, so the output does not depend on the directory listing.
 */
export function renderPackages(debs: PoolDeb[], arch: string): string {
  const picked = debs
    .filter((d) => {
      const a = controlField(d.control, 'Architecture');
      return a === arch || a === 'all';
    })
    .sort((a, b) => a.filename.localeCompare(b.filename));
  return picked.map(packagesStanza).join('\n');
}

export interface IndexFile {
  /** Path under dists/<suite>/, e.g. main/binary-amd64/Packages.gz. */
  path: string;
  bytes: Buffer;
}

export interface ReleaseInput {
  suite: string;
  origin: string;
  label: string;
  description: string;
  date: Date;
  files: IndexFile[];
}

/** dists/<suite>/Release: what the signature covers, and through the checksums every index. */
export function renderRelease(input: ReleaseInput): string {
  const line = (algo: string) => (f: IndexFile) =>
    ` ${createHash(algo).update(f.bytes).digest('hex')} ${String(f.bytes.length).padStart(8)} ${f.path}`;
  const files = [...input.files].sort((a, b) => a.path.localeCompare(b.path));
  return [
    `Origin: ${input.origin}`,
    `Label: ${input.label}`,
    `Suite: ${input.suite}`,
    `Codename: ${input.suite}`,
    `Date: ${input.date.toUTCString().replace('GMT', 'UTC')}`,
    `Architectures: ${REPO_ARCHES.join(' ')}`,
    `Components: ${COMPONENT}`,
    `Description: ${input.description}`,
    // Architecture: all packages are in every binary-<arch>/Packages too (see renderPackages).
    'No-Support-for-Architecture-all: Packages',
    'MD5Sum:',
    ...files.map(line('md5')),
    'SHA256:',
    ...files.map(line('sha256')),
    '',
  ].join('\n');
}

/** pool/main/<first letter>/<source>/<file>, the place Debian's archive gives a package. */
export function poolPath(packageName: string, source: string | undefined, file: string): string {
  const src = (source ?? packageName).split(' ')[0];
  const prefix = src.startsWith('lib') ? src.slice(0, 4) : src[0];
  return `pool/${COMPONENT}/${prefix}/${src}/${file}`;
}
