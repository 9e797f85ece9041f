// report, notify and install-timer as a user runs them (the bundled CLI in a child process), on the
// demo node and on a saved check document, with real servers on loopback for notifications.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { troubledDoc } from '../fixtures/docs/check-documents';
import { CLI, type CliResult, ensureBuilt, runCli, tempDir } from '../helpers/cli';
import { parseMail, startHttp, startSmtp } from '../notify/servers';

/** Async: the SMTP/HTTP servers of these tests live in this process and must keep answering. */
function runCliAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  ensureBuilt();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function setup(t: { after: (fn: () => void) => void }) {
  const dir = tempDir('pvh-cli-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const docFile = join(dir, 'check.json');
  writeFileSync(docFile, JSON.stringify(troubledDoc()));
  return { dir, docFile };
}

test('report --demo --html: writes the report, exits with the check status', (t) => {
  const { dir } = setup(t);
  const file = join(dir, 'demo.html');
  const demo = JSON.parse(runCli(['check', '--demo', '--json']).stdout);
  const r = runCli(['report', '--demo', '--html', file]);
  assert.equal(r.code, demo.status, r.stderr);
  assert.equal(r.stdout, '');
  const html = readFileSync(file, 'utf8');
  assert.ok(html.includes(`data-grade="${demo.dm.summary.grade}"`));
  assert.ok(html.includes('>pve1</h1>'));
  // --html - writes to stdout; --html FILE with --format also prints.
  assert.ok(runCli(['report', '--demo', '--html', '-']).stdout.startsWith('<!DOCTYPE html>'));
  const both = runCli(['report', '--demo', '--html', file, '--format', 'nagios']);
  assert.match(both.stdout, /^CRITICAL: pve1: grade F/);
});

test('report --input: renders a saved document in every format', (t) => {
  const { docFile } = setup(t);
  const cases: [string[], RegExp][] = [
    [['--format', 'nagios'], /^CRITICAL: pve1: grade F: .*\| score=\d+/],
    [['--format', 'checkmk'], /^2 "PVE-Health DM" .*\n2 "PVE-Health mounts" /],
    [['--format', 'prometheus'], /^# HELP pve_health_info /],
    [['--json'], /^\{\n {2}"schemaVersion": 1/],
  ];
  for (const [args, re] of cases) {
    const r = runCli(['report', '--input', docFile, ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, re);
  }
  const viaStdin = runCli(['report', '--input', '-', '--format', 'nagios'], { input: readFileSync(docFile, 'utf8') });
  assert.match(viaStdin.stdout, /^CRITICAL: pve1/);
  const bad = runCli(['report', '--input', '-'], { input: '{"hello":1}' });
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /not a pve-health check document/);
});

test('notify: config file with secrets, change detection across runs, exit code is the check status', async (t) => {
  const { dir, docFile } = setup(t);
  const smtp = await startSmtp({ auth: { user: 'pve', password: 'pw-in-file' } });
  t.after(smtp.close);
  const root = join(dir, 'root');
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    `[notify]\nretries = 0\ntimeout = 5\n\n[notify.smtp]\nhost = "127.0.0.1"\nport = ${smtp.port}\nsecurity = "starttls"\ninsecure_tls = true\nuser = "pve"\npassword = "pw-in-file"\nto = "admin@example.org"\n`,
    { mode: 0o600 },
  );
  const args = ['notify', '--root', root, '--config', config, '--input', docFile];
  const first = await runCliAsync(args);
  assert.equal(first.code, 2, first.stderr);
  assert.match(
    first.stdout,
    /^notify: smtp 127\.0\.0\.1:\d+ \(starttls\) → admin@example\.org: sent \(\d+ new, status changed\)\n$/,
  );
  assert.equal(smtp.mails.length, 1);
  assert.match(parseMail(smtp.mails[0].raw).headers.subject, /^\[pve-health CRITICAL\] pve1/);
  assert.ok(existsSync(join(root, 'var/lib/pve-health/notify-state.json')));
  const second = await runCliAsync(args);
  assert.match(second.stdout, /not sent \(unchanged\)/);
  assert.equal(smtp.mails.length, 1);
  const third = await runCliAsync([...args, '--always', '--json']);
  const j = JSON.parse(third.stdout);
  assert.equal(j.notify.channels[0].result, 'sent');
  assert.equal(j.status, 2);
  assert.equal(smtp.mails.length, 2);
  for (const r of [first, second, third]) assert.ok(!`${r.stdout}${r.stderr}`.includes('pw-in-file'));
  // A secret in a file others can read is refused, naming the fix.
  writeFileSync(join(dir, 'loose.toml'), readFileSync(config));
  const loose = await runCliAsync(['notify', '--root', root, '--config', join(dir, 'loose.toml'), '--input', docFile]);
  assert.equal(loose.code, 3);
  assert.match(loose.stderr, /holds secrets but is mode 0644.*chmod 600/);
});

test('notify --test: exit 0 when delivered, 3 when a channel fails; secrets from the environment', async (t) => {
  const { dir, docFile } = setup(t);
  const hook = await startHttp((_n, req) =>
    req.headers.authorization === 'Bearer env-token-9' ? [200, ''] : [403, 'no'],
  );
  t.after(hook.close);
  const config = join(dir, 'config.toml');
  // A webhook URL is a secret: the file holding it is 0600.
  writeFileSync(config, `[notify]\nretries = 0\n[notify.webhook]\nurl = "${hook.url}/hook"\ntemplate = "json"\n`, {
    mode: 0o600,
  });
  const args = ['notify', '--test', '--root', join(dir, 'root'), '--config', config, '--input', docFile];
  const ok = await runCliAsync(args, { PVE_HEALTH_WEBHOOK_TOKEN: 'env-token-9' });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.equal(JSON.parse(hook.requests[0].body).kind, 'test');
  assert.ok(!existsSync(join(dir, 'root/var/lib/pve-health/notify-state.json')), '--test leaves no state');
  const fail = await runCliAsync(args, { PVE_HEALTH_WEBHOOK_TOKEN: 'wrong-token' });
  assert.equal(fail.code, 3);
  assert.match(fail.stdout, /webhook json http:\/\/127\.0\.0\.1:\d+\/…: FAILED: webhook json: HTTP 403/);
  assert.ok(!fail.stdout.includes('wrong-token'));
});

test('install-timer: writes both units under --root without touching systemctl', (t) => {
  const { dir } = setup(t);
  const r = runCli(['install-timer', '--root', dir, '--exec', '/usr/bin/pve-health', '--interval', '10']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /not enabled; run: systemctl daemon-reload && systemctl enable --now pve-health\.timer/);
  const service = readFileSync(join(dir, 'etc/systemd/system/pve-health.service'), 'utf8');
  assert.match(
    service,
    /^ExecStart=\/usr\/bin\/pve-health check --quiet --notify --textfile-if-present \/var\/lib\/prometheus\/node-exporter$/m,
  );
  assert.match(readFileSync(join(dir, 'etc/systemd/system/pve-health.timer'), 'utf8'), /^OnCalendar=\*:0\/10$/m);
  assert.equal(statSync(join(dir, 'etc/systemd/system/pve-health.timer')).mode & 0o777, 0o644);
  const dry = runCli(['install-timer', '--dry-run']);
  assert.match(dry.stdout, /^# \/etc\/systemd\/system\/pve-health\.service\n/);
  assert.match(
    dry.stdout,
    new RegExp(`ExecStart=${process.execPath.replace(/[/.]/g, '\\$&')} \\S+pve-health\\.cjs check`),
  );
  assert.equal(runCli(['install-timer', '--interval', '0', '--dry-run']).code, 64);
});

// A node with the package: its units in /usr/lib/systemd/system (or Debian 12's /lib/systemd/system).
// install-timer never writes copies that would hide them and their updates; another interval is a drop-in.
for (const unitDir of ['usr/lib/systemd/system', 'lib/systemd/system']) {
  test(`install-timer with the package's units in /${unitDir}: enables them, --interval is a drop-in, no shadowing copies`, (t) => {
    const { dir } = setup(t);
    mkdirSync(join(dir, unitDir), { recursive: true });
    for (const u of ['pve-health.service', 'pve-health.timer']) writeFileSync(join(dir, unitDir, u), '[Unit]\n');
    const etc = join(dir, 'etc/systemd/system');
    const plain = runCli(['install-timer', '--root', dir]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stderr, new RegExp(`using its units \\(/${unitDir}/pve-health\\.timer\\)`));
    assert.match(plain.stderr, /not enabled; run: systemctl enable --now pve-health\.timer\n/);
    assert.ok(!existsSync(join(etc, 'pve-health.service')) && !existsSync(join(etc, 'pve-health.timer')));
    const five = runCli(['install-timer', '--root', dir, '--interval', '5']);
    assert.equal(five.code, 0, five.stderr);
    assert.match(five.stderr, /not enabled; run: systemctl daemon-reload && systemctl enable --now pve-health\.timer/);
    assert.equal(
      readFileSync(join(etc, 'pve-health.timer.d/interval.conf'), 'utf8'),
      "# Written by 'pve-health install-timer --interval 5': the packaged timer at another interval.\n[Timer]\nOnCalendar=\nOnCalendar=*:0/5\nRandomizedDelaySec=60\n",
    );
    assert.ok(!existsSync(join(etc, 'pve-health.timer')), 'no copy of the unit');
    const dry = runCli(['install-timer', '--root', dir, '--interval', '5', '--dry-run']);
    assert.match(dry.stdout, /^# \/etc\/systemd\/system\/pve-health\.timer\.d\/interval\.conf\n/m);
    assert.match(dry.stdout, /^# systemctl enable --now pve-health\.timer$/m);
    // The packaged service runs /usr/bin/pve-health: another program is a usage error.
    assert.equal(runCli(['install-timer', '--root', dir, '--exec', '/opt/x']).code, 64);
    // An earlier install-timer's copy hides the packaged unit: refused, named, left alone.
    writeFileSync(join(etc, 'pve-health.service'), '[Unit]\nDescription=old copy\n');
    const shadowed = runCli(['install-timer', '--root', dir]);
    assert.equal(shadowed.code, 1, shadowed.stderr);
    assert.match(
      shadowed.stderr,
      /\/etc\/systemd\/system\/pve-health\.service \(an earlier install-timer's copy\) hides the package's units/,
    );
    assert.match(shadowed.stderr, /rm \/etc\/systemd\/system\/pve-health\.service && systemctl daemon-reload/);
    assert.equal(readFileSync(join(etc, 'pve-health.service'), 'utf8'), '[Unit]\nDescription=old copy\n');
  });
}
