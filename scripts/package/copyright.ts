// debian/copyright (DEP-5) with the full text of every licence the package ships: pve-health's own
// (LICENSE), the embedded Node.js runtime's, and each bundled npm dependency's, read from the files
// that come with them (node_modules). lintian wants the texts, not links.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LicensedPart {
  /** A DEP-5 Files value, e.g. "*" or "usr/bin/pve-health (bundled: smol-toml)". */
  files: string;
  copyright: string;
  /** The short name used in `License:` (one standalone paragraph per name). */
  license: string;
  text: string;
}

/** A DEP-5 text block: every line indented by one space, empty lines as " ." */
export function dep5Text(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .trimEnd()
    .split('\n')
    .map((l) => (l.trim() === '' ? ' .' : ` ${l.trimEnd()}`))
    .join('\n');
}

export function renderCopyright(parts: LicensedPart[]): string {
  const out = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: pve-health',
    '',
  ];
  for (const p of parts) out.push(`Files: ${p.files}`, `Copyright: ${p.copyright}`, `License: ${p.license}`, '');
  const seen = new Set<string>();
  for (const p of parts) {
    if (seen.has(p.license)) continue;
    seen.add(p.license);
    out.push(`License: ${p.license}`, dep5Text(p.text), '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function licenceFile(dir: string): string {
  const f = readdirSync(dir).find((n) => /^licen[cs]e(\.md|\.txt)?$/i.test(n));
  if (!f) throw new Error(`no licence file in ${dir}`);
  return readFileSync(join(dir, f), 'utf8');
}

/** Copyright holder lines of a licence text ("Copyright (c) 2016 Jane Doe"), or a fallback. */
function holders(text: string, fallback: string): string {
  const lines = text.split('\n').filter((l) => /^\s*copyright\b.*\d{4}/i.test(l)).map((l) => l.trim());
  return lines.length ? [...new Set(lines)].slice(0, 4).join('\n           ') : fallback;
}

/** The parts of the package and their licences, from the repository and node_modules. */
export function licensedParts(repo: string, dependencies: string[], runtimePackage: string): LicensedPart[] {
  const own: LicensedPart = {
    files: '*',
    copyright: 'the pve-health authors',
    license: 'AGPL-3.0-or-later',
    text: readFileSync(join(repo, 'LICENSE'), 'utf8'),
  };
  const nodeDir = join(repo, 'node_modules', runtimePackage);
  const node: LicensedPart = {
    files: 'usr/bin/pve-health (the embedded Node.js runtime)',
    copyright: 'Node.js contributors and others (see the licence text)',
    license: 'Node.js',
    text: licenceFile(nodeDir),
  };
  const deps = dependencies.sort().map((name): LicensedPart => {
    const dir = join(repo, 'node_modules', name);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; license: string };
    const text = licenceFile(dir);
    return {
      files: `usr/bin/pve-health (bundled: ${name} ${pkg.version})`,
      copyright: holders(text, `the ${name} authors`),
      // One standalone paragraph per package: MIT/BSD texts differ in their copyright lines.
      license: `${pkg.license}-${name}`,
      text,
    };
  });
  return [own, node, ...deps];
}
