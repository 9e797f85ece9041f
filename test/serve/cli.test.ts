// The real CLI: `pve-health serve` start-up policy, the API of the demo node, its /metrics through
// promtool, stopping on SIGTERM, and the systemd unit that runs it.
import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { renderServeUnit } from '../../src/render/systemd-units';
import { requireTool } from '../helpers/require-tool';
import { type Served, spawnServe } from '../helpers/serve-cli';

const CLI = 'dist/pve-health.cjs';
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

type Running = Served;

async function serve(args: string[], env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): Promise<Running> {
  const r = await spawnServe(['serve', ...args], { env: { ...process.env, PVE_HEALTH_TOKEN: '', ...env }, nodeArgs });
  children.push(r.child);
  return r;
}

async function untilHealthy(base: string, headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const r = await fetch(`${base}/healthz`, { headers });
    await r.text();
    if (r.status === 200) return;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error('never healthy');
}

test('serve CLI: another address without a token refuses to start, and says why', () => {
  const table: [string[], NodeJS.ProcessEnv, number, RegExp][] = [
    [['--listen', '0.0.0.0:0'], {}, 64, /needs a token: set serve\.token .* or PVE_HEALTH_TOKEN/],
    [['--listen', '0.0.0.0:0'], { PVE_HEALTH_TOKEN: 'short' }, 64, /at least 16 characters/],
    [['--listen', 'pve1:9310'], {}, 64, /not an IP address/],
    [['--dm-interval', '0'], {}, 64, /--dm-interval/],
  ];
  for (const [args, env, code, msg] of table) {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--demo', ...args], {
      env: { ...process.env, PVE_HEALTH_TOKEN: '', ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
  }
});

test('serve CLI: with a token on all addresses it says so and checks it', async () => {
  const token = 'c2VydmUtY2xpLXRlc3QtdG9rZW4';
  const s = await serve(['--demo', '--listen', '0.0.0.0:0'], { PVE_HEALTH_TOKEN: token });
  assert.match(s.stderr(), /API needs "Authorization: Bearer <token>"/);
  assert.equal((await fetch(`${s.base}/api/status`)).status, 401);
  await untilHealthy(s.base, { authorization: `Bearer ${token}` });
  s.child.kill('SIGTERM');
  assert.equal(await s.exited, 0);
});

// node's builtins a service loaded, written when it exits (a preload: the bundle cannot be asked).
const LOADED_BUILTINS = `process.on('exit', () => require('fs').writeFileSync(process.env.BUILTINS_OUT,
  process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join('\\n')));`;

test('serve CLI: node:crypto (~1.7 MiB of RSS) is loaded only when a token is to be checked', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pve-health-serve-builtins-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const preload = join(dir, 'loaded.cjs');
  writeFileSync(preload, LOADED_BUILTINS);
  const token = 'c2VydmUtY2xpLXRlc3QtdG9rZW4';
  const cases: [string, string[], NodeJS.ProcessEnv, boolean][] = [
    ['loopback, no token', ['--listen', '127.0.0.1:0'], {}, false],
    ['all addresses, a token', ['--listen', '0.0.0.0:0'], { PVE_HEALTH_TOKEN: token }, true],
  ];
  for (const [name, args, env, crypto] of cases) {
    const out = join(dir, `${crypto}.txt`);
    const s = await serve(['--demo', ...args], { ...env, BUILTINS_OUT: out }, ['-r', preload]);
    const headers: Record<string, string> = crypto ? { authorization: `Bearer ${token}` } : {};
    await untilHealthy(s.base, headers);
    // Every page the dashboard and a scraper ask for, compressed and not.
    for (const path of ['/', '/api/status', '/api/summary', '/metrics', '/healthz']) {
      for (const enc of ['gzip', 'identity']) {
        const r = await fetch(`${s.base}${path}`, { headers: { ...headers, 'accept-encoding': enc } });
        assert.equal(r.status, 200, `${name}: ${path}`);
        await r.arrayBuffer();
      }
    }
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0, s.stderr());
    const loaded = readFileSync(out, 'utf8').split('\n');
    assert.ok(loaded.includes('http') && loaded.includes('zlib'), `${name}: the preload saw the service: ${loaded}`);
    assert.equal(loaded.includes('crypto'), crypto, `${name}: node:crypto loaded`);
  }
});

test('serve CLI: the demo node over the API, /metrics valid for promtool, SIGTERM stops it', async (t) => {
  // The check runs first: a spawnSync between two fetches can outlast the server's 5 s keep-alive, and
  // Node 18's fetch then reuses the closed socket ("other side closed") where Node 20's retries.
  const check = JSON.parse(
    spawnSync(process.execPath, [CLI, 'check', '--demo', '--json'], { encoding: 'utf8' }).stdout,
  );
  const s = await serve(['--demo', '--listen', '127.0.0.1:0']);
  assert.match(s.stderr(), /loopback only, no token/);
  await untilHealthy(s.base);
  const doc = await (await fetch(`${s.base}/api/status`)).json();
  assert.equal(doc.schemaVersion, 1);
  assert.equal(doc.node, check.node);
  assert.equal(doc.source, 'demo');
  assert.equal(doc.status, check.status);
  assert.deepEqual(doc.dm.summary, check.dm.summary);
  assert.equal(doc.dm.entries.length, check.dm.entries.length);
  assert.equal(doc.service.dm.scans >= 1, true);
  assert.equal(doc.service.dm.error, null);
  const dm = await (await fetch(`${s.base}/api/dm`)).json();
  assert.ok(dm.dm && !dm.mounts);

  const promtool = requireTool(t, 'promtool', 'prometheus');
  if (promtool) {
    const text = await (await fetch(`${s.base}/metrics`)).text();
    assert.match(text, /^pve_health_dm_grade \d$/m);
    const r = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.equal(`${r.stdout}${r.stderr}`.trim(), '');
  }

  s.child.kill('SIGTERM');
  assert.equal(await s.exited, 0);
  assert.match(s.stderr(), /stopped/);
});

test('serve CLI: a bad --from file fails the start (exit 3), not the first scan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pvh-serve-'));
  try {
    writeFileSync(join(dir, 'x.json'), '{"kind":"nope"}');
    const r = spawnSync(process.execPath, [CLI, 'serve', '--from', join(dir, 'x.json'), '--listen', '127.0.0.1:0'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /not a pve-health snapshot/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('serve CLI: systemd-analyze verify accepts the pve-health-serve unit', (t) => {
  const tool = requireTool(t, 'systemd-analyze', 'systemd');
  if (!tool) return;
  const unit = renderServeUnit({ exec: [process.execPath, '/opt/pve health/pve-health.cjs'] });
  assert.match(unit, /^ExecStart=\S+ "\/opt\/pve health\/pve-health\.cjs" serve$/m);
  const dir = mkdtempSync(join(tmpdir(), 'pvh-serve-unit-'));
  try {
    writeFileSync(join(dir, 'pve-health-serve.service'), unit);
    // --man=no: the Documentation= man page comes with the package.
    const r = spawnSync(tool, ['verify', '--man=no', join(dir, 'pve-health-serve.service')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
