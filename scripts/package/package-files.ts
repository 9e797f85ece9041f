// What both packages ship besides the program: config, man page, completion, units, the documentation
// directory (copyright with every licence text, changelog, monitoring examples) and lintian overrides.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PVE_TEMPLATE_DIR, PVE_TEMPLATE_FILES } from '../../src/notify/pve-notify';
import type { CliInfo } from './cli-info';
import { renderBashCompletion } from './completion';
import { renderZshCompletion } from './completion-zsh';
import { type LicensedPart, renderCopyright } from './copyright';
import type { StagedFile } from './deb';
import { renderManPage } from './man-page';
import type { UnitFile } from './units';

export const CONFIG_PATH = '/etc/pve-health/config.toml';
export const STATE_DIR = '/var/lib/pve-health';
export const UNIT_DIR = '/usr/lib/systemd/system';
export const EXAMPLES_DIR = 'docs/examples';

export interface ProjectInfo {
  repo: string;
  version: string;
  maintainer: string;
  homepage: string;
  /** Build time (SOURCE_DATE_EPOCH): man page date, copyright years. */
  epoch: number;
}

// pve-health (0.1.0) unstable; urgency=medium
/** packaging/changelog, refused unless its newest entry is this version (what the package says it is). */
export function readChangelog(repo: string, version: string): string {
  const text = readFileSync(join(repo, 'packaging', 'changelog'), 'utf8');
  const m = /^pve-health \(([^)]+)\) [a-z-]+; urgency=[a-z]+$/m.exec(text.split('\n')[0]);
  if (!m) throw new Error('packaging/changelog: the first line is not "pve-health (VERSION) unstable; urgency=medium"');
  if (m[1] !== version)
    throw new Error(`packaging/changelog: newest entry is ${m[1]}, the package is ${version}: add an entry`);
  return text;
}

/** "2026", or "2025-2026" from the first commit's year to the build's. */
export function copyrightYears(repo: string, epoch: number): string {
  const last = new Date(epoch * 1000).getUTCFullYear();
  const r = spawnSync('git', ['-C', repo, 'log', '--reverse', '--format=%ct'], { encoding: 'utf8' });
  const first = r.status === 0 ? new Date(Number(r.stdout.split('\n')[0]) * 1000).getUTCFullYear() : last;
  return first > 0 && first < last ? `${first}-${last}` : String(last);
}

/** gzip as dpkg-deb and lintian expect in /usr/share/doc and man: level 9, no name, no time. */
function gzip9(content: string | Buffer): Buffer {
  return gzipSync(content, { level: 9 });
}

export interface CommonInput {
  project: ProjectInfo;
  /** Debian package name, e.g. pve-health-nodejs: its documentation directory. */
  packageName: string;
  info: CliInfo;
  units: UnitFile[];
  /** Third-party parts in this package (bundled npm packages, an embedded runtime). */
  parts: LicensedPart[];
  runtime: string;
  /** Tags this package overrides, with the reason as a comment line above each (lintian's format). */
  lintianOverrides: string;
}

/** The man page's FILES: every file and place the program keeps (its units and examples are added per package). */
export const MAN_FILES: { path: string; text: string }[] = [
  { path: CONFIG_PATH, text: 'Configuration (TOML). Mode 0600, owned by root, when it holds secrets.' },
  {
    path: STATE_DIR,
    text: 'Journals, acknowledgements, notification state, scan history. Kept on removal, deleted on purge.',
  },
  {
    path: '/var/lib/pve-health/journal/',
    text: "Journals of 'clean', 'reclaim' and 'restore' runs (clean-*.json, reclaim-*.json, restore-*.json; root-only, mode 0600): what 'restore' undoes, and the size each quarantined volume had when it went in.",
  },
  {
    path: '/var/lib/pve-health/acks.json',
    text: "Acknowledgements ('pve-health ack'): which findings do not count, until when and why.",
  },
  {
    path: '/var/lib/pve-health/notify-state.json',
    text: 'What each notification channel was last told (change detection).',
  },
  {
    path: '/var/lib/pve-health/serve-history.json',
    text: "The scan history of 'pve-health serve' (the dashboard's trend).",
  },
  {
    path: 'pve-health-quarantine',
    text: "Where 'reclaim' keeps quarantined volumes, on their own storage: the dataset <pool>/pve-health-quarantine (ZFS), <path>/images/pve-health-quarantine/ (files), LVs renamed pve-health-q.<time>.<name> and tagged pve-health-quarantine, RBD images renamed so and moved to the Ceph trash. 'reclaim --list' shows them; 'restore' brings them back; 'reclaim --purge' destroys them past their retention.",
  },
  {
    path: '/run/pve-health/',
    text: 'Run lock of clean/restore, mount probe claims and the probe result cache.',
  },
  { path: '/etc/pve/', text: 'Read only: guest configs, storage.cfg, .members, .vmlist (pmxcfs).' },
];

export function commonFiles(input: CommonInput): StagedFile[] {
  const { project, packageName } = input;
  const doc = `/usr/share/doc/${packageName}`;
  const examples = readdirSync(join(project.repo, EXAMPLES_DIR)).sort();
  const date = new Date(project.epoch * 1000).toISOString().slice(0, 10);
  return [
    { path: CONFIG_PATH, content: readFileSync(join(project.repo, 'packaging', 'config.toml')), mode: 0o600 },
    {
      path: '/usr/share/man/man1/pve-health.1.gz',
      content: gzip9(
        renderManPage({
          info: input.info,
          date,
          files: [
            ...MAN_FILES,
            ...input.units.map((u) => ({ path: `${UNIT_DIR}/${u.name}`, text: 'systemd unit.' })),
            {
              path: `${doc}/examples`,
              text: 'Prometheus alert rules, NRPE command, Checkmk local check, Grafana dashboard.',
            },
          ],
        }),
      ),
      mode: 0o644,
    },
    {
      path: '/usr/share/bash-completion/completions/pve-health',
      content: renderBashCompletion(input.info),
      mode: 0o644,
    },
    { path: '/usr/share/zsh/vendor-completions/_pve-health', content: renderZshCompletion(input.info), mode: 0o644 },
    {
      path: `${doc}/copyright`,
      content: renderCopyright({
        template: readFileSync(join(project.repo, 'packaging', 'copyright'), 'utf8'),
        maintainer: project.maintainer,
        homepage: project.homepage,
        years: copyrightYears(project.repo, project.epoch),
        projectLicense: readFileSync(join(project.repo, 'LICENSE'), 'utf8'),
        parts: input.parts,
        runtime: input.runtime,
      }),
      mode: 0o644,
    },
    { path: `${doc}/changelog.gz`, content: gzip9(readChangelog(project.repo, project.version)), mode: 0o644 },
    // Documentation, not programs: mode 0644 (the Checkmk wrapper's comment says to install it 0755).
    ...examples.map((name) => ({
      path: `${doc}/examples/${name}`,
      content: readFileSync(join(project.repo, EXAMPLES_DIR, name)),
      mode: 0o644,
    })),
    // The templates PVE's notification system renders pve-health's notifications with (src/notify/pve-notify.ts):
    // proxmox-notify looks `<name>-{subject,body}.txt.hbs`/`-body.html.hbs` up where pve-manager installs its own.
    ...PVE_TEMPLATE_FILES.map((name) => ({
      path: `${PVE_TEMPLATE_DIR}/${name}`,
      content: readFileSync(join(project.repo, 'packaging', 'templates', name)),
      mode: 0o644,
    })),
    { path: `/usr/share/lintian/overrides/${packageName}`, content: input.lintianOverrides, mode: 0o644 },
    ...input.units.map((u) => ({ path: `${UNIT_DIR}/${u.name}`, content: u.text, mode: 0o644 })),
  ];
}
