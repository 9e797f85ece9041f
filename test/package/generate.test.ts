// What `npm run package` generates from the CLI: man page, bash completion, Depends, units, example config.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import { controlField, poolPath, renderPackages, renderRelease } from '../../scripts/package/apt-repo';
import { collectCliInfo, parseHelp } from '../../scripts/package/cli-info';
import { renderBashCompletion } from '../../scripts/package/completion';
import { copyrightLines, dep5Text, npmPart, renderCopyright } from '../../scripts/package/copyright';
import { debianVersion, fillTemplate, parseElfDepends } from '../../scripts/package/deb';
import { renderManPage, roffEscape } from '../../scripts/package/man-page';
import { MAN_FILES, readChangelog } from '../../scripts/package/package-files';
import { loadSystemdUnits, unitNameFromExport } from '../../scripts/package/units';
import { FORMATS, GLOBAL_HELP, GLOBAL_OPTIONS } from '../../src/cli/options';
import { type LoadedCommand, loadAllCommands } from '../../src/cli/registry';
import { ConfigSchema, parseConfig } from '../../src/core/vocab/config';
import { SOURCE_URL } from '../../src/version';
import { realCliInfo } from '../helpers/real-cli-info';
import { findTool } from '../helpers/require-tool';

const REPO = join(fileURLToPath(new URL('.', import.meta.url)), '../..');
const PKG_VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

const run = async () => 0;
/** A registry of the shapes real commands have: no options, options with help lines, one without. */
const FAKE_COMMANDS: LoadedCommand[] = [
  {
    name: 'check',
    summary: 'Everything',
    usage: 'check [--html FILE]',
    run,
    options: { html: { type: 'string' } },
    help: 'Options:\n  --html FILE       also write the HTML report to FILE',
  },
  { name: 'dm', summary: 'Device-mapper health', usage: 'dm [--json]', run },
  {
    name: 'clean',
    summary: 'fix entries',
    usage: 'clean [--dry-run] [--vmid N]',
    run,
    options: {
      'dry-run': { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      vmid: { type: 'string' },
      undocumented: { type: 'boolean' },
    },
    help: 'Options:\n  --dry-run         show the plan\n  -y, --yes         do not ask\n  --vmid N          only guest N\n.starts with a dot \\ and a backslash',
  },
];

function fakeInfo() {
  return collectCliInfo({
    program: 'pve-health',
    version: '1.2.3',
    helpText: 'pve-health 1.2.3 — device-mapper health\n\nExit codes: 0 OK, 64 usage error.\n',
    commands: FAKE_COMMANDS,
    globalOptions: GLOBAL_OPTIONS,
    globalHelp: GLOBAL_HELP,
    formats: FORMATS,
  });
}

// The real registry, every command loaded (the package build does the same).
const COMMANDS = await loadAllCommands();
const REAL_INFO = await realCliInfo();
const realInfo = () => REAL_INFO;

test('parseHelp: option lines, shorts, placeholders, continuations and prose, in order', () => {
  const cases: [string, unknown[]][] = [
    [
      '  --root DIR        under DIR (default /)',
      [{ kind: 'option', short: undefined, long: 'root', placeholder: 'DIR', description: 'under DIR (default /)' }],
    ],
    [
      '  -q, --quiet       only problems',
      [{ kind: 'option', short: 'q', long: 'quiet', placeholder: undefined, description: 'only problems' }],
    ],
    [
      '  -h, --help        help;  -V, --version  version',
      [
        { kind: 'option', short: 'h', long: 'help', placeholder: undefined, description: 'help' },
        { kind: 'option', short: 'V', long: 'version', placeholder: undefined, description: 'version' },
      ],
    ],
    [
      '  --dm-interval SECONDS device-mapper scan',
      [
        {
          kind: 'option',
          short: undefined,
          long: 'dm-interval',
          placeholder: 'SECONDS',
          description: 'device-mapper scan',
        },
      ],
    ],
    [
      '  --listen ADDR:PORT    where\n                        to listen',
      [{ kind: 'option', short: undefined, long: 'listen', placeholder: 'ADDR:PORT', description: 'where to listen' }],
    ],
    [
      'Routes: /a  /b\n\n  - a bullet',
      [{ kind: 'text', text: 'Routes: /a  /b' }, { kind: 'blank' }, { kind: 'text', text: '- a bullet' }],
    ],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseHelp(text), want, text);
});

test('roffEscape: dashes, backslashes and control characters at line start', () => {
  const cases: [string, string][] = [
    ['--root', '\\-\\-root'],
    ['a\\b', 'a\\eb'],
    ['.TH x', '\\&.TH x'],
    ["'quoted", "\\&'quoted"],
    ['mid.dle', 'mid.dle'],
    // groff reads Latin-1: anything outside ASCII goes in as its Unicode escape.
    ['Datacenter → Notifications', 'Datacenter \\[u2192] Notifications'],
    ['a — b', 'a \\[u2014] b'],
  ];
  for (const [input, want] of cases) assert.equal(roffEscape(input), want);
});

test('man page of the real CLI: 7-bit input, so groff reads it the same under any locale', () => {
  const page = renderManPage({ info: realInfo(), date: '2026-01-02', files: [] });
  const odd = [...page].filter((c) => c > '\x7f');
  assert.deepEqual(odd, []);
});

test('man page: every command, every option (documented or not) and the exit codes', () => {
  const page = renderManPage({
    info: fakeInfo(),
    date: '2026-01-02',
    files: [{ path: '/etc/pve-health/config.toml', text: 'config' }],
  });
  assert.match(page, /^\.TH PVE-HEALTH 1 "2026-01-02" "pve\\-health 1\.2\.3"/m);
  assert.match(page, /^pve\\-health \\- device\\-mapper health$/m);
  for (const c of FAKE_COMMANDS) assert.match(page, new RegExp(`^\\\\fB${c.name}\\\\fR$`, 'm'), c.name);
  for (const tag of [
    '\\fB\\-\\-html\\fR \\fIFILE\\fR',
    '\\fB\\-y\\fR, \\fB\\-\\-yes\\fR',
    '\\fB\\-\\-undocumented\\fR',
    '\\fB\\-\\-root\\fR \\fIDIR\\fR',
  ]) {
    assert.ok(page.includes(`.TP\n${tag}\n`), tag);
  }
  assert.ok(page.includes('\n\\&.starts with a dot \\e and a backslash\n'));
  assert.ok(!page.includes('Options:'), 'section headers of the help are dropped');
  assert.match(page, /^\.SH EXIT STATUS\n0 OK, 64 usage error\.$/m);
});

test('man page: EXAMPLES of every command and every environment variable the source reads', () => {
  const page = renderManPage({ info: realInfo(), date: '2026-01-02', files: [] });
  for (const s of ['.SH EXAMPLES', '.SH ENVIRONMENT', '.SH EXIT STATUS']) assert.ok(page.includes(`\n${s}\n`), s);
  for (const c of COMMANDS) {
    assert.ok(c.examples?.length, `${c.name} has examples`);
    for (const e of c.examples ?? []) assert.ok(page.includes(roffEscape(e)), `${c.name}: ${e}`);
  }
  // Every variable the source reads: env.NAME, env['NAME'], and the names handed to secret()/constants.
  const src = join(fileURLToPath(new URL('.', import.meta.url)), '../../src');
  const read = new Set<string>();
  const walk = (d: string) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, n.name);
      if (n.isDirectory()) walk(p);
      else if (n.name.endsWith('.ts')) {
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/\benv\.([A-Z][A-Z0-9_]+)\b/g)) read.add(m[1]);
        for (const m of text.matchAll(/'((?:PVE_HEALTH|MJ_APIKEY)_[A-Z0-9_]+)'/g)) read.add(m[1]);
      }
    }
  };
  walk(src);
  read.delete('NODE_OPTIONS'); // removed from the probe child's environment, not read
  assert.ok(read.has('PVE_HEALTH_TOKEN') && read.has('PVE_HEALTH_SMTP_PASSWORD'), [...read].join(' '));
  for (const name of read) assert.ok(page.includes(`.B ${roffEscape(name)}\n`), `ENVIRONMENT lists ${name}`);
});

test('man page of the real registry renders without groff warnings', (t) => {
  const info = realInfo();
  const page = renderManPage({ info, date: '2026-01-02', files: [] });
  for (const c of COMMANDS) {
    assert.ok(page.includes(`\\fB${roffEscape(c.name)}\\fR`), c.name);
    for (const o of Object.keys(c.options ?? {}))
      assert.ok(page.includes(`\\fB\\-\\-${roffEscape(o)}\\fR`), `${c.name} --${o}`);
  }
  if (!findTool('groff')) return t.skip('groff not installed (Debian groff-base)');
  const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: page, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
});

/** Run the completion function in a real bash for a command line whose last word is being completed. */
function complete(script: string, words: string[], cwd: string): string[] {
  const quoted = words.map((w) => `'${w.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync(
    'bash',
    [
      '--norc',
      '--noprofile',
      '-c',
      `${script}\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _pve_health; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { cwd, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

test('bash completion: commands, options per command, option values', () => {
  const script = renderBashCompletion(fakeInfo());
  const dir = mkdtempSync(join(tmpdir(), 'pve-health-completion-'));
  try {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub.txt'), '');
    const globals = [
      '--config',
      '--demo',
      '--format',
      '--from',
      '--help',
      '--json',
      '--no-color',
      '--quiet',
      '--root',
      '--version',
      '-V',
      '-h',
      '-q',
    ];
    const cases: [string[], string[]][] = [
      [
        ['pve-health', ''],
        ['check', 'clean', 'dm'],
      ],
      [
        ['pve-health', 'c'],
        ['check', 'clean'],
      ],
      [['pve-health', '--root', '/x', 'd'], ['dm']],
      [['pve-health', '--format', 'n'], ['nagios']],
      [['pve-health', '--format', ''], [...FORMATS].sort()],
      [['pve-health', '--js'], ['--json']],
      [
        ['pve-health', 'clean', '--d'],
        ['--demo', '--dry-run'],
      ],
      [['pve-health', 'dm', '-'], globals.sort()],
      [['pve-health', '--json', 'clean', '--vmid', ''], []],
      [['pve-health', '--root', 'su'], ['sub']],
      [
        ['pve-health', 'check', '--html', 'su'],
        ['sub', 'sub.txt'],
      ],
      [['pve-health', 'dm', '--u'], []],
      [['pve-health', 'clean', '--u'], ['--undocumented']],
    ];
    for (const [words, want] of cases) assert.deepEqual(complete(script, words, dir), want, words.join(' '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Complete the end of a typed line the way interactive bash does: COMP_LINE/COMP_POINT, and COMP_WORDS
 * split at bash's COMP_WORDBREAKS too (a finding key's colons break words there).
 */
function completeLine(script: string, line: string, cwd: string): string[] {
  const r = spawnSync(
    'bash',
    [
      '--norc',
      '--noprofile',
      '-c',
      `${script}
COMP_WORDBREAKS=' =:'
COMP_LINE=$1; COMP_POINT=\${#COMP_LINE}
read -ra COMP_WORDS <<< "\${COMP_LINE//:/ : }"; COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
_pve_health; printf '%s\\n' "\${COMPREPLY[@]}"`,
      'bash',
      line,
    ],
    { cwd, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

test('bash completion of values: VMIDs under --root, clean reasons, finding and acknowledgement keys', () => {
  const script = renderBashCompletion(realInfo());
  const dir = mkdtempSync(join(tmpdir(), 'pve-health-completion-'));
  try {
    for (const [node, kind, id] of [
      ['pve1', 'qemu-server', '100'],
      ['pve1', 'lxc', '105'],
      ['pve2', 'qemu-server', '2001'],
    ]) {
      mkdirSync(join(dir, 'root/etc/pve/nodes', node, kind), { recursive: true });
      writeFileSync(join(dir, 'root/etc/pve/nodes', node, kind, `${id}.conf`), '');
    }
    // The program the completion runs for keys: it prints what it was asked, so the test sees the
    // forwarded options too.
    const prog = join(dir, 'pve-health');
    writeFileSync(
      prog,
      `#!/bin/sh
case "$*" in
  *"ack --list --keys") echo "mount:missing:host::/mnt/usb-backup"; echo "dm:orphan:guest-missing:local-lvm:vm-150-disk-0" ;;
  *"--demo ack --keys") echo "demo:only:key" ;;
  *"ack --keys") echo "dm:orphan:guest-missing:local-lvm:vm-150-disk-0"; echo "dm:orphan:lv-missing:local-lvm:vm-103-disk-2"; echo "volume:orphan:not-referenced:local:103/old.qcow2" ;;
esac
`,
    );
    chmodSync(prog, 0o755);
    const cases: [string, string[]][] = [
      [`pve-health --root ${dir}/root clean --vmid `, ['100', '105', '2001']],
      [`pve-health clean --root ${dir}/root --vmid 1`, ['100', '105']],
      ['pve-health clean --reason stale', ['stale-map']],
      // ack's --reason is prose: nothing to offer (clean's reasons would be wrong there).
      ['pve-health ack --reason ', []],
      [`${prog} ack dm:orphan:`, ['guest-missing:local-lvm:vm-150-disk-0', 'lv-missing:local-lvm:vm-103-disk-2']],
      [`${prog} ack dm:orphan:lv`, ['lv-missing:local-lvm:vm-103-disk-2']],
      [`${prog} ack vol`, ['volume:orphan:not-referenced:local:103/old.qcow2']],
      [`${prog} --demo ack `, ['demo:only:key']],
      [`${prog} ack --remove mount:`, ['missing:host::/mnt/usb-backup']],
      [
        `${prog} ack --remove `,
        ['dm:orphan:guest-missing:local-lvm:vm-150-disk-0', 'mount:missing:host::/mnt/usb-backup'],
      ],
    ];
    for (const [line, want] of cases) assert.deepEqual(completeLine(script, line, dir), want, line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bash completion of the real registry offers every command and each of its options', () => {
  const script = renderBashCompletion(realInfo());
  const dir = mkdtempSync(join(tmpdir(), 'pve-health-completion-'));
  try {
    assert.deepEqual(complete(script, ['pve-health', ''], dir), COMMANDS.map((c) => c.name).sort());
    for (const c of COMMANDS) {
      const offered = complete(script, ['pve-health', c.name, '--'], dir);
      for (const o of Object.keys(c.options ?? {})) assert.ok(offered.includes(`--${o}`), `${c.name} --${o}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Depends from readelf: glibc, libgcc and libstdc++ versions; anything else is refused', () => {
  const elf = (libs: string[], versions: string[]) =>
    [
      ...libs.map((l) => ` 0x0000000000000001 (NEEDED)             Shared library: [${l}]`),
      ...versions.map((x) => `  0x0010:   Name: ${x}  Flags: none  Version: 9`),
    ].join('\n');
  const cases: [string, string][] = [
    [elf(['libc.so.6', 'libm.so.6'], ['GLIBC_2.2.5', 'GLIBC_2.28', 'GLIBC_2.17']), 'libc6 (>= 2.28)'],
    [
      elf(
        ['libstdc++.so.6', 'libgcc_s.so.1', 'libc.so.6'],
        ['GLIBC_2.28', 'GCC_3.0', 'GCC_3.4', 'GLIBCXX_3.4.9', 'GLIBCXX_3.4.21', 'CXXABI_1.3.11'],
      ),
      'libc6 (>= 2.28), libgcc-s1 (>= 3.4), libstdc++6 (>= 5)',
    ],
    [elf(['libstdc++.so.6'], ['GLIBCXX_3.4.30']), 'libstdc++6 (>= 12)'],
  ];
  for (const [text, want] of cases) assert.equal(parseElfDepends(text), want);
  assert.throws(() => parseElfDepends(elf(['libssl.so.3'], [])), /libssl\.so\.3/);
});

test('templates and versions', () => {
  assert.equal(fillTemplate('V: @VERSION@ @VERSION@', { VERSION: '1' }), 'V: 1 1');
  assert.throws(() => fillTemplate('@NOPE@', {}), /@NOPE@/);
  assert.equal(debianVersion('0.1.0'), '0.1.0');
  assert.equal(debianVersion('1.0.0-rc.1'), '1.0.0~rc.1');
  assert.throws(() => debianVersion('v1'), /not a valid/);
});

test('systemd units come from src/render/systemd-units.ts and run the installed executable', async () => {
  const cases: [string, string | undefined][] = [
    ['PVE_HEALTH_SERVICE_UNIT', 'pve-health.service'],
    ['PVE_HEALTH_TIMER_UNIT', 'pve-health.timer'],
    ['PVE_HEALTH_SERVE_SERVICE_UNIT', 'pve-health-serve.service'],
    ['SERVICE_NAME', undefined],
  ];
  for (const [name, want] of cases) assert.equal(unitNameFromExport(name), want, name);
  const { units, missing } = await loadSystemdUnits(REPO);
  assert.equal(missing, undefined);
  const names = units.map((u) => u.name);
  assert.ok(names.includes('pve-health.service') && names.includes('pve-health.timer'), names.join(' '));
  for (const u of units.filter((x) => x.name.endsWith('.service')))
    assert.match(u.text, /^ExecStart=\/usr\/bin\/pve-health /m, u.name);
});

test('example config: valid as shipped, valid uncommented, and it documents every key of the schema', () => {
  const text = readFileSync(join(REPO, 'packaging', 'config.toml'), 'utf8');
  assert.deepEqual(parseConfig(text), {});
  const uncommented = text.replace(/^#(\[[a-z_.]+\]|[a-z_]+ = )/gm, '$1');
  const config = parseConfig(uncommented, 'packaging/config.toml (uncommented)') as Record<string, unknown>;
  const missing: string[] = [];
  const walk = (entries: Record<string, unknown>, value: Record<string, unknown> | undefined, path: string[]) => {
    for (const [key, schema] of Object.entries(entries)) {
      const inner = (schema as { wrapped?: { entries?: Record<string, unknown> } }).wrapped?.entries;
      if (inner) walk(inner, value?.[key] as Record<string, unknown> | undefined, [...path, key]);
      else if (value?.[key] === undefined) missing.push([...path, key].join('.'));
    }
  };
  walk(ConfigSchema.entries, config, []);
  assert.deepEqual(missing, [], `packaging/config.toml does not document: ${missing.join(', ')}`);
  assert.ok(v.is(ConfigSchema, config));
});

test('copyright: DEP-5 continuation lines, copyright statements found in licence files', () => {
  assert.equal(dep5Text('A\n\n\tB  \n\n'), ' A\n .\n         B');
  assert.deepEqual(copyrightLines('MIT\n\nCopyright (c) 2011-2023 Andris Reinman\n\nThe above copyright notice...'), [
    'Copyright (c) 2011-2023 Andris Reinman',
  ]);
  const text = renderCopyright({
    template: readFileSync(join(REPO, 'packaging', 'copyright'), 'utf8'),
    maintainer: 'M <m@example.org>',
    homepage: 'https://example.org/p',
    years: '2026',
    projectLicense: 'AGPL TEXT\n\nsecond paragraph',
    parts: [npmPart(REPO, 'valibot'), npmPart(REPO, 'smol-toml')],
    runtime: 'no runtime.',
  });
  // Paragraphs: the header, Files: *, one per part, the project's licence text.
  const paragraphs = text.trimEnd().split('\n\n');
  assert.equal(paragraphs.length, 5);
  assert.match(paragraphs[0], /^Upstream-Contact: M <m@example\.org>$/m);
  assert.match(paragraphs[1], /^Files: \*\nCopyright: 2026 the pve-health authors\nLicense: AGPL-3.0-or-later$/);
  assert.match(paragraphs[2], /^Files: node_modules\/valibot\/\*\nCopyright: Copyright \(c\) Fabian Hiller\n/);
  assert.match(paragraphs[3], /^License: BSD-3-Clause\n Copyright \(c\) Squirrel Chat/m);
  assert.equal(paragraphs[4], 'License: AGPL-3.0-or-later\n AGPL TEXT\n .\n second paragraph');
  // No paragraph has an empty line inside it: every continuation line starts with a space.
  for (const p of paragraphs) for (const l of p.split('\n')) assert.match(l, /^([A-Z][A-Za-z-]+:( |$)| .*\S)/, l);
});

test('changelog: its newest entry is the package version, else the build stops', () => {
  assert.match(readChangelog(REPO, debianVersion(PKG_VERSION)), /^pve-health \(/);
  assert.throws(() => readChangelog(REPO, '99.0.0'), /newest entry is .*, the package is 99\.0\.0: add an entry/);
});

test('LICENSE is the AGPL-3.0; package.json homepage is the source link of the dashboard and the units', () => {
  const license = readFileSync(join(REPO, 'LICENSE'), 'utf8');
  assert.match(license, /^\s+GNU AFFERO GENERAL PUBLIC LICENSE\n\s+Version 3, 19 November 2007\n/);
  assert.match(license, /END OF TERMS AND CONDITIONS/);
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  assert.equal(pkg.homepage, SOURCE_URL);
  assert.equal(pkg.license, 'AGPL-3.0-or-later');
  // A named contact, not root or localhost (lintian: root-in-contact, bogus-mail-host).
  assert.match(pkg.author, /^[^<>]+ <[^@\s]+@[a-z0-9-]+(\.[a-z0-9-]+)+>$/);
  assert.doesNotMatch(pkg.author, /root|localhost/);
});

test('apt repository indexes: fields with continuations, arch all in every Packages, Release checksums', () => {
  const control = (name: string, arch: string) =>
    `Package: ${name}\nVersion: 1.0\nArchitecture: ${arch}\nDescription: short\n long line\n .\n more\n`;
  assert.equal(controlField(control('a', 'all'), 'Description'), 'short\n long line\n .\n more');
  assert.equal(controlField(control('a', 'all'), 'Nope'), undefined);
  const debs = [
    { filename: 'pool/main/p/b/b_1.0_all.deb', control: control('b', 'all'), bytes: Buffer.from('bbb') },
    { filename: 'pool/main/p/a/a_1.0_amd64.deb', control: control('a', 'amd64'), bytes: Buffer.from('aa') },
  ];
  const amd64 = renderPackages(debs, 'amd64');
  assert.deepEqual(
    [...amd64.matchAll(/^Package: (.)$/gm)].map((m) => m[1]),
    ['a', 'b'],
  );
  assert.match(
    amd64,
    /^Filename: pool\/main\/p\/a\/a_1\.0_amd64\.deb\nSize: 2\nMD5sum: [0-9a-f]{32}\nSHA256: [0-9a-f]{64}$/m,
  );
  assert.deepEqual(
    [...renderPackages(debs, 'all').matchAll(/^Package: (.)$/gm)].map((m) => m[1]),
    ['b'],
  );
  assert.equal(poolPath('pve-health-nodejs', 'pve-health', 'x.deb'), 'pool/main/p/pve-health/x.deb');
  assert.equal(poolPath('libfoo1', undefined, 'x.deb'), 'pool/main/libf/libfoo1/x.deb');
  const release = renderRelease({
    suite: 'stable',
    origin: 'o',
    label: 'l',
    description: 'd',
    date: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    files: [{ path: 'main/binary-all/Packages', bytes: Buffer.from('x') }],
  });
  assert.match(release, /^Date: Fri, 02 Jan 2026 03:04:05 UTC$/m);
  assert.match(
    release,
    /^SHA256:\n 2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 +1 main\/binary-all\/Packages$/m,
  );
});

test('completion: --cluster-interval takes seconds (never file names); clean --vmid/--reason take words', () => {
  const opt = (cmd: string, long: string) =>
    realInfo()
      .commands.find((c) => c.name === cmd)
      ?.options.find((o) => o.long === long);
  assert.equal(opt('serve', 'cluster-interval')?.valueKind, 'word');
  assert.equal(opt('serve', 'dm-interval')?.valueKind, 'word');
  assert.equal(opt('clean', 'vmid')?.valueKind, 'word');
  assert.equal(opt('clean', 'reason')?.valueKind, 'word');
});

// Issue 60: the man page names every file the program keeps (reclaim's journals and quarantine too), its
// EXAMPLES fit 80 columns as man prints them (7 columns of indent), and the SYNOPSIS of check has -q.
test('man page: FILES names journals, acks, state and the quarantine; EXAMPLES fit 80 columns; -q in SYNOPSIS', () => {
  const page = renderManPage({ info: realInfo(), date: '2026-01-02', files: MAN_FILES });
  const files = page.slice(page.indexOf('.SH FILES'));
  for (const want of [
    'reclaim-*.json',
    'acks.json',
    'notify-state.json',
    'serve-history.json',
    'pve-health-quarantine',
  ])
    assert.ok(files.includes(roffEscape(want)), want);
  const examples = page.slice(page.indexOf('.SH EXAMPLES'), page.indexOf('.SH ENVIRONMENT'));
  for (const l of examples.split('\n').filter((x) => !x.startsWith('.')))
    assert.ok(7 + l.replace(/\\(.)/g, '$1').length <= 80, `${l.length}: ${l}`);
  const synopsis = page.slice(page.indexOf('.SH SYNOPSIS'), page.indexOf('.SH DESCRIPTION'));
  assert.match(synopsis, /^check \[\\-q\] /m);
});
