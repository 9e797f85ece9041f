// Bundles the CLI into one CommonJS file that runs on Node 18+ (Debian 12's nodejs) and newer, and
// nodemailer into a second one beside it, loaded only when a message is sent (src/notify/mailer.ts): V8
// keeps a script's whole source for as long as it runs, and the mailer was 0.5 MB of the bundle's 1.3 MB
// in every run and in the service.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const outfile = 'dist/pve-health.cjs';
const MAILER = 'pve-health-mailer.cjs';
const mailerFile = `dist/${MAILER}`;

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  legalComments: 'none',
  logLevel: 'warning',
};

// Built in memory and checked first, then each file written beside its place and renamed over it: a
// build running while another process reads dist/ (CI runs the package tests beside npm test, which
// builds again) never shows a half-written bundle.
const outputs = [];
const bundle = await build({
  ...common,
  write: false,
  entryPoints: ['src/cli/main.ts'],
  outfile,
  // mailer.ts imports nodemailer only when running from the TypeScript sources: esbuild drops that branch
  // here, and external keeps a copy out of the bundle even if it did not.
  external: ['nodemailer'],
  banner: { js: '#!/usr/bin/env node' },
  define: { __PVE_HEALTH_VERSION__: JSON.stringify(pkg.version), __PVE_HEALTH_MAILER__: JSON.stringify(MAILER) },
});
outputs.push(...bundle.outputFiles);

// As `import('nodemailer')` resolves it (its ES module build): the module's `default` is nodemailer.
const mailer = await build({
  ...common,
  write: false,
  stdin: { contents: "export { default } from 'nodemailer';", resolveDir: '.', sourcefile: 'mailer-entry.mjs' },
  outfile: mailerFile,
});
outputs.push(...mailer.outputFiles);
const textOf = (file) => Buffer.from(outputs.find((o) => o.path.endsWith(`/${file}`)).contents).toString('latin1');

// V8 keeps a script's source in memory for as long as it runs, and one character above U+00FF makes
// it two bytes a character: twice the bundle's size in every process (the service's heap included).
// esbuild escapes strings but leaves template literals (String.raw must keep its text), so a
// character there is written as an escape in the source (the dashboard scripts: '\u00b7').
for (const file of [outfile, mailerFile]) {
  const lines = textOf(file).split('\n');
  const wide = lines.flatMap((l, i) => (/[^\x00-\x7f]/.test(l) ? [`${file}:${i + 1}: ${l.trim().slice(0, 100)}`] : []));
  if (wide.length > 0) {
    console.error(`the bundle must be ASCII (write the character as an escape in the source):\n${wide.join('\n')}`);
    process.exit(1);
  }
}
// The mailer comes only from its own file: a copy in the bundle would be held by every process again.
if (textOf(outfile).includes('// node_modules/nodemailer/')) {
  console.error(`${outfile} holds nodemailer: it must stay external (${mailerFile})`);
  process.exit(1);
}
for (const o of outputs) {
  mkdirSync(dirname(o.path), { recursive: true });
  const tmp = `${o.path}.tmp-${process.pid}`;
  writeFileSync(tmp, o.contents);
  renameSync(tmp, o.path);
}
