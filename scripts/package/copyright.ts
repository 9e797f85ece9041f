// /usr/share/doc/<package>/copyright in Debian's machine-readable format (DEP-5): the project's own
// licence and, for every third-party part shipped in the package, its copyright line and its licence's
// full text, taken from the package in node_modules (never retyped here).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillTemplate } from './deb';

export interface LicensedPart {
  /** DEP-5 Files: pattern in the source tree, e.g. "node_modules/valibot/*". */
  files: string;
  /** "valibot 1.5.0" */
  label: string;
  copyright: string[];
  /** DEP-5 licence short name (the npm SPDX id, or "Node.js" for Node's combined licence). */
  license: string;
  text: string;
}

/** A licence text as a DEP-5 continuation: each line indented by one space, empty lines as " .". */
export function dep5Text(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, '        ')
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) => (l.trim() === '' ? ' .' : ` ${l.trimEnd()}`))
    .join('\n');
}

// Copyright (c) 2011-2023 Andris Reinman
/** The copyright statements at the top of a licence file (lines that start with "Copyright"). */
export function copyrightLines(licenseText: string): string[] {
  return licenseText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(Copyright|\(c\)|©)\s/i.test(l) && !/notice/i.test(l))
    .slice(0, 5);
}

function licenseFile(dir: string): string {
  const f = readdirSync(dir).find((n) => /^(LICEN[CS]E|COPYING)(\.(md|txt))?$/i.test(n));
  if (!f) throw new Error(`${dir} has no LICENSE file: its licence text cannot be shipped`);
  return readFileSync(join(dir, f), 'utf8');
}

/** A package from node_modules as a licensed part of the .deb. */
export function npmPart(repo: string, name: string, license?: string): LicensedPart {
  const dir = join(repo, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; license?: string };
  const text = licenseFile(dir);
  const id = license ?? pkg.license;
  if (!id) throw new Error(`${name} declares no licence`);
  const found = copyrightLines(text);
  return {
    files: `node_modules/${name}/*`,
    label: `${name} ${pkg.version}`,
    copyright: found.length ? found : [`the ${name} authors`],
    license: id,
    text,
  };
}

export interface CopyrightInput {
  template: string;
  maintainer: string;
  homepage: string;
  /** "2026" or "2025-2026" */
  years: string;
  /** The project's licence text (LICENSE in the repository). */
  projectLicense: string;
  /** Third-party parts in this package. */
  parts: LicensedPart[];
  runtime: string;
}

export function renderCopyright(input: CopyrightInput): string {
  const head = fillTemplate(input.template, {
    MAINTAINER: input.maintainer,
    HOMEPAGE: input.homepage,
    YEARS: input.years,
    RUNTIME: input.runtime,
  }).trimEnd();
  // Each part's licence text goes with its Files paragraph: two MIT parts carry different notices.
  const files = input.parts.map((p) =>
    [
      `Files: ${p.files}`,
      `Copyright: ${p.copyright.join('\n ')}`,
      `Comment: ${p.label}`,
      `License: ${p.license}`,
      dep5Text(p.text),
    ].join('\n'),
  );
  const project = `License: AGPL-3.0-or-later\n${dep5Text(input.projectLicense)}`;
  return `${[head, ...files, project].join('\n\n')}\n`;
}
