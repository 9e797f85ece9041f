import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  PVE_HEALTH_SERVE_SERVICE_UNIT,
  PVE_HEALTH_SERVICE_UNIT,
  PVE_HEALTH_TIMER_UNIT,
  renderServeUnit,
  renderServiceUnit,
  renderTimerUnit,
  SERVE_ENVIRONMENT,
  SERVE_V8_OPTIONS,
  serveExec,
  systemdQuote,
  unitsOfProgram,
} from '../../src/render/systemd-units';
import { SOURCE_URL } from '../../src/version';
import { requireTool } from '../helpers/require-tool';

test('systemd units: oneshot after pve-cluster, only with /etc/pve; timer every 15 min, randomized, persistent', () => {
  const s = PVE_HEALTH_SERVICE_UNIT;
  for (const line of [
    'Type=oneshot',
    'After=pve-cluster.service',
    'ConditionPathExists=/etc/pve',
    'SuccessExitStatus=1 2',
  ]) {
    assert.ok(s.split('\n').includes(line), line);
  }
  assert.match(
    s,
    /^ExecStart=\/usr\/bin\/pve-health check --quiet --notify --textfile-if-present \/var\/lib\/prometheus\/node-exporter$/m,
  );
  const tm = PVE_HEALTH_TIMER_UNIT.split('\n');
  for (const line of ['OnCalendar=*:0/15', 'Persistent=true', 'RandomizedDelaySec=180', 'WantedBy=timers.target']) {
    assert.ok(tm.includes(line), line);
  }
  assert.ok(renderTimerUnit({ intervalMinutes: 5 }).includes('OnCalendar=*:0/5\n'));
  assert.throws(() => renderTimerUnit({ intervalMinutes: 0 }), RangeError);
});

test('systemd units: ExecStart words are quoted for systemd', () => {
  const cases: [string, string][] = [
    ['/usr/bin/pve-health', '/usr/bin/pve-health'],
    ['/opt/my dir/x.cjs', '"/opt/my dir/x.cjs"'],
    ['50%', '50%%'],
    ['$HOME', '"$$HOME"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
  ];
  for (const [word, want] of cases) assert.equal(systemdQuote(word), want);
});

test('systemd units: systemd-analyze verify accepts both units', (t): void => {
  const tool = requireTool(t, 'systemd-analyze', 'systemd');
  if (!tool) return;
  const dir = mkdtempSync(join(tmpdir(), 'pvh-units-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // verify checks that ExecStart is executable: point it at this node, with a path that needs quoting.
  writeFileSync(
    join(dir, 'pve-health.service'),
    renderServiceUnit({ exec: [process.execPath, '/opt/pve health/pve-health.cjs'] }),
  );
  writeFileSync(join(dir, 'pve-health.timer'), PVE_HEALTH_TIMER_UNIT);
  writeFileSync(
    join(dir, 'pve-health-serve.service'),
    renderServeUnit({ exec: [process.execPath, ...serveExec('nodejs').slice(1)] }),
  );
  // --man=no: the man page the Documentation= lines name is installed by the package, not here.
  const units = ['pve-health.service', 'pve-health.timer', 'pve-health-serve.service'].map((u) => join(dir, u));
  const r = spawnSync(tool, ['verify', '--man=no', ...units], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '');
  // verify is not a rubber stamp: unbalanced quoting fails.
  writeFileSync(
    join(dir, 'pve-health.service'),
    `${renderServiceUnit({ exec: [process.execPath] })}ExecStartPost=/bin/true "x\n`,
  );
  const bad = spawnSync(tool, ['verify', '--man=no', join(dir, 'pve-health.service')], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
});

test('serve unit: its memory environment is in the unit, and node takes NODE_OPTIONS as given', () => {
  const lines = PVE_HEALTH_SERVE_SERVICE_UNIT.split('\n');
  for (const [k, v] of Object.entries(SERVE_ENVIRONMENT))
    assert.ok(lines.includes(`Environment=${k}=${v}`), `${k}: ${PVE_HEALTH_SERVE_SERVICE_UNIT}`);
  for (const k of ['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'NODE_OPTIONS'])
    assert.ok(k in SERVE_ENVIRONMENT, k);
  // A flag node refuses in NODE_OPTIONS would keep the service from starting at all.
  const r = spawnSync(process.execPath, ['-e', 'console.log(require("node:v8").getHeapStatistics().heap_size_limit)'], {
    env: { ...process.env, ...SERVE_ENVIRONMENT },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  // The check's unit runs once and exits: it keeps node's defaults.
  assert.ok(!PVE_HEALTH_SERVICE_UNIT.includes('Environment=NODE_OPTIONS'));
});

test('serve unit: the service alone starts with its V8 options, as each package runs its program', () => {
  const execOf = (unit: string) => /^ExecStart=(.*)$/m.exec(unit)?.[1];
  assert.deepEqual(SERVE_V8_OPTIONS, ['--lite-mode', '--max-semi-space-size=2']);
  // The single executable takes them as --node-options (its execArgvExtension "cli"), before the command:
  // one word, quoted for systemd (after the embedded semi-space option, so the service's 2 MiB wins).
  assert.equal(
    execOf(PVE_HEALTH_SERVE_SERVICE_UNIT),
    '/usr/bin/pve-health "--node-options=--lite-mode --max-semi-space-size=2" serve',
  );
  assert.deepEqual(serveExec('executable'), [
    '/usr/bin/pve-health',
    '--node-options=--lite-mode --max-semi-space-size=2',
  ]);
  // pve-health-nodejs's program is a script: Debian's node runs it with the options before it.
  const nodejs = unitsOfProgram('nodejs');
  assert.equal(
    execOf(nodejs['pve-health-serve.service']),
    '/usr/bin/node --lite-mode --max-semi-space-size=2 /usr/bin/pve-health serve',
  );
  assert.equal(unitsOfProgram('executable')['pve-health-serve.service'], PVE_HEALTH_SERVE_SERVICE_UNIT);
  // The check's units are the same in both packages and keep node's defaults (a run that exits needs the JIT).
  for (const program of ['executable', 'nodejs'] as const) {
    assert.equal(unitsOfProgram(program)['pve-health.service'], PVE_HEALTH_SERVICE_UNIT);
    assert.equal(unitsOfProgram(program)['pve-health.timer'], PVE_HEALTH_TIMER_UNIT);
  }
  assert.ok(!PVE_HEALTH_SERVICE_UNIT.includes('lite-mode'));
  // The scan children are not started with them: node takes them here, and only from the command line.
  const r = spawnSync(process.execPath, [...SERVE_V8_OPTIONS, '-e', 'console.log(JSON.stringify(process.execArgv))'], {
    env: { ...process.env, ...SERVE_ENVIRONMENT },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).slice(0, SERVE_V8_OPTIONS.length), SERVE_V8_OPTIONS);
  const viaEnv = spawnSync(process.execPath, ['-e', '0'], {
    env: { ...process.env, NODE_OPTIONS: SERVE_V8_OPTIONS.join(' ') },
    encoding: 'utf8',
  });
  assert.notEqual(viaEnv.status, 0, 'node refuses it in NODE_OPTIONS: it cannot go into SERVE_ENVIRONMENT');
});

test('systemd units: each names its documentation (man page and homepage)', () => {
  for (const unit of [PVE_HEALTH_SERVICE_UNIT, PVE_HEALTH_TIMER_UNIT, PVE_HEALTH_SERVE_SERVICE_UNIT]) {
    assert.ok(unit.split('\n').includes(`Documentation=man:pve-health(1) ${SOURCE_URL}`), unit);
  }
});

/** `systemd-analyze security --offline=yes UNIT`: the overall exposure (0 safest, 10 unsafe). */
function exposure(tool: string, dir: string, name: string, text: string): { score: number; table: string } {
  writeFileSync(join(dir, name), text);
  const r = spawnSync(tool, ['security', '--offline=yes', '--no-pager', name], { cwd: dir, encoding: 'utf8' });
  const m = /Overall exposure level for \S+: (\d+\.\d)/.exec(r.stdout);
  assert.ok(m, `no exposure level in: ${r.stdout}${r.stderr}`);
  return { score: Number(m[1]), table: r.stdout };
}

// The always-on service listens on the network: sandboxed to exposure <= 3, keeping root with only what
// dmsetup, lvs and reading the containers' mount tables need. The timer's oneshot check keeps root's
// capabilities (the local MTA needs them) but gets the filesystem and kernel protections.
test('systemd units: systemd-analyze security: serve exposure at most 3, the check less exposed than bare', (t): void => {
  const tool = requireTool(t, 'systemd-analyze', 'systemd');
  if (!tool) return;
  const dir = mkdtempSync(join(tmpdir(), 'pvh-security-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const serve = exposure(tool, dir, 'pve-health-serve.service', PVE_HEALTH_SERVE_SERVICE_UNIT);
  assert.ok(serve.score <= 3, `serve exposure ${serve.score}:\n${serve.table}`);
  t.diagnostic(`pve-health-serve.service exposure ${serve.score}`);
  for (const line of [
    'CapabilityBoundingSet=CAP_SYS_ADMIN CAP_SYS_PTRACE',
    'ProtectSystem=full',
    'PrivateTmp=yes',
    'NoNewPrivileges=yes',
  ]) {
    assert.ok(PVE_HEALTH_SERVE_SERVICE_UNIT.split('\n').includes(line), line);
  }
  // The measure can fail: the same unit without its sandbox is far above 3.
  const bare = PVE_HEALTH_SERVE_SERVICE_UNIT.split('\n')
    .filter((l) => !/^(Protect|Private|NoNew|Capability|Restrict|Lock|SystemCall|Device|UMask|Keyring)/.test(l))
    .join('\n');
  const unsafe = exposure(tool, dir, 'bare.service', bare);
  assert.ok(unsafe.score > 9, `bare exposure ${unsafe.score}`);
  const check = exposure(tool, dir, 'pve-health.service', PVE_HEALTH_SERVICE_UNIT);
  assert.ok(check.score < unsafe.score - 2, `check exposure ${check.score}`);
  t.diagnostic(`pve-health.service exposure ${check.score}`);
});
