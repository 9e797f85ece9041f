// Issue 26 item 9, each rough edge the way a user meets it: the CLI run as a user runs it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, runCli } from '../helpers/cli';

describe('clean on the demo: a dry run works, acting does not', () => {
  it('clean --demo --dry-run prints the plan and the commands, exit = the demo status', () => {
    const r = runCli(['clean', '--demo', '--dry-run']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /^Dry run on the demo node \(pve1\): nothing is changed/);
    assert.match(r.stdout, /^Cleanup plan \(\d+ actions, in this order\):$/m);
    assert.match(r.stdout, /^ {2}dmsetup remove --retry -u LVM-\S+$/m);
    const j = runCli(['clean', '--demo', '--dry-run', '--json']);
    assert.ok(JSON.parse(j.stdout).plan.actions.length > 0);
  });
  it('clean --demo without --dry-run is a usage error that says what is possible', () => {
    const r = runCli(['clean', '--demo', '--yes', '--all']);
    assert.equal(r.code, 64);
    assert.match(r.stderr, /with --from or --demo, only a dry run \(clean --dry-run\) is possible/);
  });
});

describe('a --format that does not apply is a usage error and is not in the help', () => {
  for (const cmd of ['clean', 'restore']) {
    for (const f of ['nagios', 'checkmk', 'prometheus']) {
      it(`${cmd} --format ${f}`, () => {
        const r = runCli([cmd, '--format', f, ...(cmd === 'clean' ? ['--dry-run'] : ['journal.json'])]);
        assert.equal(r.code, 64, r.stderr);
        assert.equal(r.stdout, '');
        assert.match(
          r.stderr,
          new RegExp(`^pve-health: --format ${f} does not apply to '${cmd}': it writes text or json`),
        );
      });
    }
    it(`${cmd} --help lists only text and json`, () => {
      const h = runCli([cmd, '--help']).stdout;
      assert.match(h, /--format FMT {6}Output format: text or json \(default text; also\s+--output-format\)/);
      assert.doesNotMatch(h, /nagios|checkmk|prometheus/);
    });
  }
});

describe('ack on the demo never touches this machine, and a permission problem says what to do', () => {
  const key = () =>
    (JSON.parse(runCli(['ack', '--demo', '--json']).stdout) as { key: string; severity: number }[]).find(
      (f) => f.severity === 1,
    )!.key;
  it('ack --demo KEY without --root: usage error naming the real file; with --root: stored there, check --demo with it sees it', () => {
    const k = key();
    const r = runCli(['ack', '--demo', k, '--for', '1d', '--reason', 'tour']);
    assert.equal(r.code, 64);
    assert.match(
      r.stderr,
      /with --demo, an acknowledgement is stored under --root DIR, never in this machine's \/var\/lib\/pve-health\/acks\.json/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'pvh-demo-acks-'));
    const ok = runCli(['ack', '--demo', '--root', dir, k, '--for', '1d', '--reason', 'tour']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(existsSync(join(dir, 'var/lib/pve-health/acks.json')));
    const doc = JSON.parse(runCli(['check', '--demo', '--root', dir, '--json']).stdout);
    assert.ok(JSON.stringify(doc).includes('"reason":"tour"'));
  });
  it('a non-root ack: permission denied, run it as root (exit 3, not an internal error)', {
    skip: process.getuid?.() !== 0 ? 'needs root to drop to nobody' : false,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pvh-nonroot-'));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'var/lib/pve-health'), { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'var/lib/pve-health/acks.json'), '{"version":1,"acks":[]}\n', { mode: 0o600 });
    const r = spawnSync(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        CLI,
        'ack',
        '--demo',
        '--root',
        dir,
        key(),
        '--for',
        '1d',
        '--reason',
        'x',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 3, r.stderr);
    assert.match(
      r.stderr,
      /^pve-health: cannot change the acknowledgements: .*EACCES: the file is root's \(mode 0600\): run it as root/,
    );
    assert.doesNotMatch(r.stderr, /internal error/);
  });
});

describe('serve on an address in use says what to do', () => {
  it('EADDRINUSE: who may hold it and how to choose another', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    try {
      const r = await new Promise<{ code: number | null; stderr: string }>((resolveRun) => {
        const child = spawn(process.execPath, [CLI, 'serve', '--demo', '--listen', `127.0.0.1:${port}`], {
          env: { ...process.env, NO_COLOR: '1' },
        });
        let stderr = '';
        child.stderr.on('data', (b) => (stderr += b));
        const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.on('close', (code) => {
          clearTimeout(t);
          resolveRun({ code, stderr });
        });
      });
      assert.equal(r.code, 3, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^pve-health: cannot listen on 127\\.0\\.0\\.1:${port}: it is already in use .*give another --listen ADDRESS:PORT$`,
          'm',
        ),
      );
      assert.doesNotMatch(r.stderr, /internal error/);
    } finally {
      srv.close();
    }
  });
});

describe('volumes -q is quiet like check -q', () => {
  it('the summary line and one line per problem', () => {
    const r = runCli(['volumes', '--demo', '-q']);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^pve-health pve1 — /);
    // Each problem leads with its volume ID (storage:volname), as every output form does.
    for (const l of lines.slice(1)) assert.match(l, /^(UNKNOWN|WARNING|CRITICAL|ACK \w+) {2}[\w.-]+:\S+ /);
    assert.doesNotMatch(r.stdout, /STORAGE {5}TYPE|^Volumes \(ZFS/m);
  });
});

describe('the demo counts add up, and nothing is said twice', () => {
  it('valid + duplicate + orphan + unknown + ignored + pending = entries, in text and JSON', () => {
    const doc = JSON.parse(runCli(['dm', '--demo', '--json']).stdout);
    const s = doc.dm.summary;
    assert.equal(s.valid + s.duplicate + s.orphan + s.unknown + s.ignored + s.pendingFindings, s.total);
    const line = runCli(['dm', '--demo'])
      .stdout.split('\n')
      .find((l) => l.startsWith('Device-mapper:'))!;
    const m =
      /— (\d+) entries: (\d+) valid, (\d+) duplicate, (\d+) orphan, (\d+) unknown, (\d+) ignored, (\d+) pending \(a running operation explains it\); \d+ open, \d+ protected \((\d+) by an operation under way\)(?: \(this part alone: grade \S+, score \d+ of 100\))?$/.exec(
        line,
      );
    assert.ok(m, line);
    const [total, ...parts] = m.slice(1, 8).map(Number);
    assert.equal(
      parts.reduce((a, b) => a + b, 0),
      total,
      line,
    );
    assert.equal(Number(m[8]), s.pending);
  });
  it('an inactive LV is called inactive once per entry', () => {
    const out = runCli(['dm', '--demo']).stdout;
    for (const block of out.split('\n● ').slice(1)) assert.ok((block.match(/inactive LV/g) ?? []).length <= 1, block);
  });
});

describe('after an acknowledgement the nagios headline and perfdata agree', () => {
  it('"N orphans, 1 acknowledged" and dm_orphans=N dm_acknowledged=1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pvh-ack-perf-'));
    const keys = JSON.parse(runCli(['ack', '--demo', '--json']).stdout) as { key: string }[];
    const k = keys.find((f) => f.key.startsWith('dm:orphan:'))!.key;
    assert.equal(runCli(['ack', '--demo', '--root', dir, k, '--for', '1d', '--reason', 'x']).code, 0);
    const line = runCli(['check', '--demo', '--root', dir, '--format', 'nagios']).stdout.split('\n')[0];
    const head = /, (\d+) orphans, .*, 1 acknowledged[,| ]/.exec(line);
    assert.ok(head, line);
    // The headline counts the node's orphans (device-mapper and guest volumes); the perfdata per part.
    const dm = Number(/ dm_orphans=(\d+);/.exec(line)?.[1]);
    const vol = Number(/ volumes_orphan=(\d+);/.exec(line)?.[1] ?? 0);
    assert.equal(dm + vol, Number(head[1]), line);
    assert.match(line, / dm_acknowledged=1;;;0 /);
  });
});

describe('report --html FILE: the file is written and the exit code is the node status (documented)', () => {
  it('demo (CRITICAL): exit 2 and a complete file; an unwritable path: exit 3 with the reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pvh-report-'));
    const f = join(dir, 'r.html');
    const r = runCli(['report', '--demo', '--html', f]);
    assert.equal(r.code, JSON.parse(runCli(['check', '--demo', '--json']).stdout).status);
    assert.equal(r.code, 2);
    assert.match(readFileSync(f, 'utf8'), /<\/html>\s*$/);
    assert.match(
      runCli(['report', '--help']).stdout,
      /Exit code:\s+the\s+node's\s+status.*also\s+after\s+the\s+file\s+was\s+written/s,
    );
    const bad = runCli(['report', '--demo', '--html', join(dir, 'missing-dir/r.html')]);
    assert.equal(bad.code, 3, bad.stderr);
    assert.doesNotMatch(bad.stderr, /internal error/);
  });
});
