// The .deb: its Depends from the executable's ELF version needs, its control file, and the staged tree that
// dpkg-deb packs.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** Which Debian package provides each shared library the executable may need. Anything else is refused. */
const LIB_PACKAGES: Record<string, string> = {
  'libc.so.6': 'libc6',
  'libm.so.6': 'libc6',
  'libdl.so.2': 'libc6',
  'libpthread.so.0': 'libc6',
  'librt.so.1': 'libc6',
  'ld-linux-x86-64.so.2': 'libc6',
  'libstdc++.so.6': 'libstdc++6',
  'libgcc_s.so.1': 'libgcc-s1',
};

/** GLIBCXX_3.4.N → the first GCC whose libstdc++ has it (GCC's libstdc++ ABI history). */
const GLIBCXX_GCC: [number, string][] = [
  [21, '5'],
  [22, '6'],
  [24, '7'],
  [25, '8'],
  [26, '9'],
  [28, '10'],
  [29, '11'],
  [30, '12'],
  [32, '13'],
  [33, '14'],
];

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

function maxVersion(list: string[]): string | undefined {
  return [...list].sort(compareVersions).at(-1);
}

//  0x0000000000000001 (NEEDED)             Shared library: [libstdc++.so.6]
//   0x0010:   Name: GLIBC_2.28  Flags: none  Version: 9
/** Debian Depends for an executable, from `readelf -d -V` output (NEEDED libraries and symbol versions). */
export function parseElfDepends(readelf: string): string {
  const needed = [...readelf.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const versions = [...readelf.matchAll(/Name: ((?:GLIBC|GLIBCXX|GCC)_[0-9.]+)/g)].map((m) => m[1]);
  const of = (prefix: string) => versions.filter((v) => v.startsWith(prefix)).map((v) => v.slice(prefix.length));
  const packages = new Set<string>();
  for (const lib of needed) {
    const pkg = LIB_PACKAGES[lib];
    if (!pkg) throw new Error(`the executable needs ${lib}, which is not part of a Debian base system`);
    packages.add(pkg);
  }
  const deps: string[] = [];
  if (packages.has('libc6')) {
    const v = maxVersion(of('GLIBC_'));
    deps.push(v ? `libc6 (>= ${v})` : 'libc6');
  }
  if (packages.has('libgcc-s1')) {
    const v = maxVersion(of('GCC_'));
    deps.push(v ? `libgcc-s1 (>= ${v})` : 'libgcc-s1');
  }
  if (packages.has('libstdc++6')) {
    const v = maxVersion(of('GLIBCXX_'));
    if (!v) deps.push('libstdc++6');
    else {
      const n = Number(v.split('.')[2] ?? 0);
      const gcc = GLIBCXX_GCC.find(([min]) => n <= min)?.[1];
      if (!gcc) throw new Error(`unknown libstdc++ symbol version GLIBCXX_${v}: extend GLIBCXX_GCC`);
      deps.push(`libstdc++6 (>= ${n < 21 ? '4.1' : gcc})`);
    }
  }
  return deps.join(', ');
}

/** Fill a template's @NAME@ fields; an unknown or unfilled field is an error, not an empty string. */
export function fillTemplate(template: string, fields: Record<string, string>): string {
  const out = template.replace(/@([A-Z_]+)@/g, (_, k: string) => {
    const v = fields[k];
    if (v === undefined) throw new Error(`template field @${k}@ has no value`);
    return v;
  });
  return out;
}

/** Debian's version rule for what we put in Version: (no epoch; npm pre-release "-rc.1" → "~rc.1"). */
export function debianVersion(npmVersion: string): string {
  const v = npmVersion.replace(/-/, '~');
  if (!/^[0-9][A-Za-z0-9.+~]*$/.test(v)) throw new Error(`version ${npmVersion} is not a valid Debian version`);
  return v;
}

export interface StagedFile {
  /** Absolute path on the target system, e.g. /usr/bin/pve-health. */
  path: string;
  content: Buffer | string;
  mode: number;
}

export interface DebInput {
  stageDir: string;
  control: string;
  files: StagedFile[];
  /** Maintainer scripts by name (postinst, prerm, postrm). */
  scripts: Record<string, string>;
  conffiles: string[];
  /** DEBIAN/triggers (deb-triggers(5)), when the package has any. */
  triggers?: string;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Write the package tree (files, DEBIAN/ with control, conffiles, md5sums, scripts) into stageDir. */
export function stageDeb(input: DebInput): void {
  const root = input.stageDir;
  for (const f of input.files) {
    const target = join(root, f.path);
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    writeFileSync(target, f.content);
    chmodSync(target, f.mode);
  }
  for (const c of input.conffiles) {
    if (!input.files.some((f) => f.path === c)) throw new Error(`conffile ${c} is not in the package`);
  }
  const debian = join(root, 'DEBIAN');
  mkdirSync(debian, { recursive: true, mode: 0o755 });
  // Conffiles are left out of md5sums, as debhelper does (dpkg tracks their checksums itself).
  const md5 = listFiles(root)
    .filter((p) => !p.startsWith(`${debian}/`))
    .map((p) => `/${relative(root, p)}`)
    .filter((p) => !input.conffiles.includes(p))
    .sort()
    .map(
      (p) =>
        `${createHash('md5')
          .update(readFileSync(join(root, p)))
          .digest('hex')}  ${p.slice(1)}`,
    );
  writeFileSync(join(debian, 'md5sums'), `${md5.join('\n')}\n`);
  writeFileSync(join(debian, 'conffiles'), input.conffiles.map((c) => `${c}\n`).join(''));
  writeFileSync(join(debian, 'control'), input.control);
  for (const [name, text] of Object.entries(input.scripts)) {
    writeFileSync(join(debian, name), text);
    chmodSync(join(debian, name), 0o755);
  }
  if (input.triggers !== undefined) {
    writeFileSync(join(debian, 'triggers'), input.triggers);
    chmodSync(join(debian, 'triggers'), 0o644);
  }
  for (const p of [debian, ...listDirs(root)]) chmodSync(p, 0o755);
}

function listDirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => [join(dir, e.name), ...listDirs(join(dir, e.name))]);
}

/** Installed-Size: KiB of all files (rounded up per file, as dpkg-gencontrol counts). */
export function installedSizeKiB(files: StagedFile[]): number {
  return files.reduce((sum, f) => sum + Math.ceil(Buffer.byteLength(f.content) / 1024), 0);
}
