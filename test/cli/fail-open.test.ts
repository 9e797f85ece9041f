// Never fail open (design "CLI and JSON contract"): every fault that keeps a part from being checked ×
// every output form × every check command ends in exit 3 with UNKNOWN and the reason on stdout — never
// an empty output, never OK — and nothing is planned for what could not be checked.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { buildNode, hasFakenode, runCli, SHARED, tempDir } from '../helpers/cli';
import { PYTHON } from '../helpers/python';

const skip = hasFakenode ? false : 'fakenode not found (../shared/fakenode)';
const SCENARIO = join(SHARED, 'fakenode/scenarios/default-lvmthin.json');

function stub(dir: string, name: string, script: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, name), 0o755);
}

interface Fault {
  name: string;
  /** Commands the fault concerns. */
  commands: ('check' | 'dm' | 'mounts')[];
  /** Break the node; returns a directory to put first on PATH (or null) and extra CLI args. */
  apply: (node: string) => { path: string | null; args: string[] };
  /** What the reason says. */
  why: RegExp;
}

const FAULTS: Fault[] = [
  {
    name: 'dmsetup fails',
    commands: ['check', 'dm'],
    apply: () => {
      const bin = tempDir('pvh-stub-');
      stub(bin, 'dmsetup', 'echo "Failure to communicate with kernel device-mapper driver." >&2; exit 1');
      return { path: bin, args: [] };
    },
    why: /dmsetup exited 1/,
  },
  {
    name: 'dmsetup hangs past its deadline',
    commands: ['dm'],
    apply: () => {
      const bin = tempDir('pvh-stub-');
      stub(bin, 'dmsetup', 'sleep 30');
      const cfg = join(tempDir('pvh-cfg-'), 'config.toml');
      writeFileSync(cfg, '[dm]\ncommand_timeout = 0.5\n');
      return { path: bin, args: ['--config', cfg] };
    },
    why: /timed out/,
  },
  {
    name: 'lvs exits 0 with a short report (one LV missing)',
    commands: ['check', 'dm'],
    apply: (node) => {
      const bin = tempDir('pvh-stub-');
      // The real fake lvs, minus the row of a referenced, active LV: its map would look like a map without LV.
      stub(
        bin,
        'lvs',
        `"${join(node, 'bin/lvs')}" "$@" | ${PYTHON} -c 'import json,sys
t=sys.stdin.read()
try:
  d=json.loads(t)
except Exception:
  sys.stdout.write(t); sys.exit(0)
for r in d.get("report",[]):
  if "lv" in r: r["lv"]=[x for x in r["lv"] if x.get("lv_name")!="vm-100-disk-0"]
print(json.dumps(d))'`,
      );
      return { path: bin, args: [] };
    },
    why: /lvs lists \d+ LVs of VG pve, vgs counts \d+/,
  },
  {
    name: 'storage.cfg missing',
    commands: ['check', 'dm'],
    apply: (node) => {
      rmSync(join(node, 'root/etc/pve/storage.cfg'));
      return { path: null, args: [] };
    },
    why: /storage\.cfg is missing/,
  },
  {
    name: '/etc/pve missing',
    commands: ['mounts'],
    apply: (node) => {
      rmSync(join(node, 'root/etc/pve'), { recursive: true, force: true });
      return { path: null, args: [] };
    },
    why: /\/etc\/pve is not available/,
  },
  // Config trust (issue 42): a key that silences a check is as trusted as one that runs a command.
  ...[
    { who: 'world-writable', mode: 0o666, uid: 0 },
    // Only root can give a file away.
    ...(process.getuid?.() === 0 ? [{ who: 'owned by nobody', mode: 0o644, uid: 65534 }] : []),
  ].map(
    (c): Fault => ({
      name: `config.toml ${c.who} with [mounts] ignore = ["*"]`,
      commands: ['check', 'mounts'],
      apply: () => {
        const cfg = join(tempDir('pvh-cfg-'), 'config.toml');
        writeFileSync(cfg, '[mounts]\nignore = ["*"]\n');
        chmodSync(cfg, c.mode);
        if (c.uid !== 0) chownSync(cfg, c.uid, c.uid);
        return { path: null, args: ['--config', cfg] };
      },
      why: /config\.toml decides what is checked .* so it is not applied/,
    }),
  ),
];

const FORMATS: [string, (out: string, why: RegExp) => void][] = [
  [
    'text',
    (out, why) => {
      assert.match(out, /UNKNOWN/);
      assert.match(out, why);
    },
  ],
  [
    'json',
    (out) => {
      const doc = JSON.parse(out);
      assert.equal(doc.status, 3);
      // The failing part names its error, or its unknown entries say why; nothing is planned for them.
      const parts = [doc.dm, doc.mounts].filter(Boolean);
      assert.ok(parts.some((p) => p.status === 3));
      for (const e of doc.dm?.entries ?? []) if (e.status === 'unknown') assert.equal(e.action, null);
    },
  ],
  [
    'nagios',
    (out, why) => {
      assert.match(out.split('\n')[0], /^UNKNOWN: /);
      assert.match(out, why);
    },
  ],
  [
    'checkmk',
    (out) => {
      assert.match(out, /^3 "PVE-Health (DM|mounts)" /m);
    },
  ],
  [
    'prometheus',
    (out) => {
      assert.match(out, /^pve_health_status 3$/m);
    },
  ],
  // -q: the summary line says UNKNOWN and the failed part is a line of its own with the reason.
  [
    'quiet',
    (out, why) => {
      assert.match(out.split('\n')[0], /UNKNOWN/);
      assert.match(out, /^UNKNOWN /m);
      assert.match(out, why);
    },
  ],
];

describe('never fail open: faults × output forms × commands', { skip }, () => {
  for (const fault of FAULTS) {
    for (const command of fault.commands) {
      for (const [format, check] of FORMATS) {
        test(`${fault.name}: ${command} --format ${format} → exit 3, UNKNOWN, the reason`, () => {
          const node = buildNode(SCENARIO);
          const { path, args } = fault.apply(node);
          const form = format === 'quiet' ? ['-q'] : ['--format', format];
          const r = runCli(['--root', join(node, 'root'), ...args, command, ...form], {
            pathPrefix: `${path ? `${path}:` : ''}${join(node, 'bin')}`,
            timeoutMs: 60_000,
          });
          assert.equal(r.code, 3, `${r.stdout}\n${r.stderr}`);
          assert.ok(r.stdout.trim().length > 0, 'stdout must never be empty');
          check(r.stdout, fault.why);
          // The reason is on stderr too (a timer's journal), or in the unknown entries' details.
          assert.match(`${r.stderr}\n${r.stdout}`, fault.why);
        });
      }
    }
  }

  test('check --textfile replaces the metrics with the failure; a missing directory is an error, not created', () => {
    const node = buildNode(SCENARIO);
    const dir = tempDir('pvh-tf-');
    const file = join(dir, 'pve-health.prom');
    const ok = runCli(['--root', join(node, 'root'), 'check', '--textfile', dir], { pathPrefix: join(node, 'bin') });
    assert.ok([0, 1, 2].includes(ok.code), ok.stderr);
    assert.doesNotMatch(readFileSync(file, 'utf8'), /^pve_health_status 3$/m);
    const bin = tempDir('pvh-stub-');
    stub(bin, 'dmsetup', 'exit 1');
    const bad = runCli(['--root', join(node, 'root'), 'check', '--textfile', dir], {
      pathPrefix: `${bin}:${join(node, 'bin')}`,
    });
    assert.equal(bad.code, 3);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^pve_health_status 3$/m);
    assert.match(text, /^pve_health_up\{part="dm"\} 0$/m);
    assert.match(text, /# HELP pve_health_dm_check_failed The dm part could not be checked: /);
    const missing = join(dir, 'nope');
    const r = runCli(['--root', join(node, 'root'), 'check', '--textfile', missing], { pathPrefix: join(node, 'bin') });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /textfile directory .*nope does not exist/);
    assert.equal(existsSync(missing), false);
  });

  test('counts agree: summary line, perfdata and JSON summary for the demo and the scenarios', () => {
    const runs = [
      ['--demo'],
      ...['default-lvmthin', 'cluster-shared-lvm', 'tricky-names'].map((s) => {
        const node = buildNode(join(SHARED, `fakenode/scenarios/${s}.json`));
        return ['--root', join(node, 'root'), '--from-path', join(node, 'bin')];
      }),
    ];
    for (const a of runs) {
      const pathIdx = a.indexOf('--from-path');
      const pathPrefix = pathIdx >= 0 ? a[pathIdx + 1] : undefined;
      const args = pathIdx >= 0 ? a.slice(0, pathIdx) : a;
      const doc = JSON.parse(runCli([...args, 'dm', '--json'], { pathPrefix }).stdout);
      const nagios = runCli([...args, 'dm', '--format', 'nagios'], { pathPrefix }).stdout;
      const prom = runCli([...args, 'dm', '--format', 'prometheus'], { pathPrefix }).stdout;
      const s = doc.dm.summary;
      const perf = (k: string) => Number(new RegExp(`${k}=(\\d+)`).exec(nagios)?.[1]);
      assert.equal(perf('dm_orphans'), s.orphan, nagios);
      assert.equal(perf('dm_duplicates'), s.duplicate);
      assert.equal(perf('dm_pending'), s.pending);
      const inLine = (w: string) => Number(new RegExp(`(\\d+) ${w}s?\\b`).exec(doc.summary)?.[1] ?? 0);
      assert.equal(inLine('orphan'), s.orphan, doc.summary);
      assert.equal(inLine('duplicate'), s.duplicate, doc.summary);
      // Pending entries are counted apart, never inside orphans/duplicates.
      const live = doc.dm.entries.filter((e: { pending: boolean }) => !e.pending);
      assert.equal(s.orphan, live.filter((e: { status: string }) => e.status === 'orphan').length);
      assert.match(prom, new RegExp(`^pve_health_dm_pending ${s.pending}$`, 'm'));
    }
  });
});
