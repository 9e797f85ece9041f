// `pve-health mounts` as a user runs it (the bundled CLI in its own process) against fixture roots
// whose mount points are real directories: the JSON contract, exit codes, config, --from.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli, tempDir } from '../helpers/cli';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function root(): string {
  const r = tempDir('pveh-mounts-cli-');
  dirs.push(r);
  const lines = [
    '21 1 8:1 / / rw,relatime shared:1 - ext4 /dev/mapper/pve-root rw,errors=remount-ro',
    '40 21 0:52 / /mnt/pve/nfs-a rw,relatime shared:40 - nfs4 10.0.0.5:/export/a rw,vers=4.2,hard',
    '41 21 0:53 / /mnt/pve/iso ro,relatime shared:41 - cifs //fs01/iso ro,vers=3.1.1',
  ];
  for (const t of ['/mnt/pve/nfs-a', '/mnt/pve/iso', '/proc/self', '/etc/pve'])
    mkdirSync(join(r, t), { recursive: true });
  writeFileSync(join(r, 'proc/self/mountinfo'), `${lines.join('\n')}\n`);
  writeFileSync(join(r, 'etc/pve/.members'), '{"nodename":"pve1","version":3}');
  writeFileSync(
    join(r, 'etc/pve/storage.cfg'),
    'nfs: nfs-a\n\tpath /mnt/pve/nfs-a\n\tserver 10.0.0.5\n\texport /export/a\n\ncifs: iso\n\tserver fs01\n\tshare iso\n\ncifs: gone\n\tserver fs02\n\tshare x\n',
  );
  return r;
}

function config(r: string, text: string): string {
  const f = join(r, 'config.toml');
  writeFileSync(f, text);
  return f;
}

test('mounts --json: the contract document, only the mounts part, exit 2 for a missing storage', () => {
  const r = root();
  const res = runCli(['--root', r, 'mounts', '--json', '--fresh']);
  assert.equal(res.code, 2, res.stderr);
  const doc = JSON.parse(res.stdout);
  assert.equal(doc.schemaVersion, 1);
  assert.equal(doc.node, 'pve1');
  assert.match(doc.generatedAt, /^\d{4}-\d\d-\d\dT.*Z$/);
  assert.equal(doc.dm, undefined);
  assert.equal(doc.status, 2);
  const by = Object.fromEntries(
    doc.mounts.entries.map((e: { target: string; status: string }) => [e.target, e.status]),
  );
  assert.deepEqual(by, { '/mnt/pve/gone': 'missing', '/mnt/pve/iso': 'readonly', '/mnt/pve/nfs-a': 'ok' });
  const nfs = doc.mounts.entries.find((e: { target: string }) => e.target === '/mnt/pve/nfs-a');
  for (const k of [
    'scope',
    'ctid',
    'source',
    'target',
    'fstype',
    'options',
    'status',
    'reachable',
    'error',
    'proxmoxManaged',
    'storage',
    'totalBytes',
    'usedBytes',
    'availableBytes',
    'usagePercent',
  ]) {
    assert.ok(k in nfs, `entry field ${k}`);
  }
  assert.equal(nfs.storage, 'nfs-a');
  assert.ok(nfs.totalBytes > 0);
});

test('mounts: exit codes follow the worst finding the config leaves', () => {
  const r = root();
  const cases: [string, number][] = [
    ['[mounts]\nignore = ["/mnt/pve/gone"]\n', 1],
    ['[mounts]\nignore = ["/mnt/pve/gone"]\nexpected_readonly = ["/mnt/pve/iso"]\n', 0],
    [
      '[mounts]\nignore = ["/mnt/pve/gone"]\nexpected_readonly = ["/mnt/pve/iso"]\nwarning_percent = 0\ncritical_percent = 100\n',
      1,
    ],
  ];
  for (const [text, code] of cases) {
    const res = runCli(['--root', r, '--config', config(r, text), 'mounts', '--fresh']);
    assert.equal(res.code, code, `${text}\n${res.stdout}${res.stderr}`);
  }
});

test('mounts: console table, problems first', () => {
  const res = runCli(['--root', root(), 'mounts', '--fresh']);
  assert.equal(res.code, 2);
  assert.match(res.stdout, /Mounts: CRITICAL — 3 checked: 1 ok, 0 stale, 1 readonly, 0 full, 1 missing/);
  const rows = res.stdout.split('\n').filter((l) => /^(ok|stale|readonly|full|missing)\s/.test(l));
  assert.deepEqual(
    rows.map((l) => l.split(/\s+/).slice(0, 3).join(' ')),
    ['missing host /mnt/pve/gone', 'readonly host /mnt/pve/iso', 'ok host /mnt/pve/nfs-a'],
  );
});

test('mounts --from: classifies recorded data, probes nothing; a snapshot without mount data is exit 3', () => {
  const r = tempDir('pveh-mounts-from-');
  dirs.push(r);
  const mounts = JSON.parse(readFileSync(new URL('../../demo/demo-mounts.json', import.meta.url), 'utf8'));
  const snap = {
    kind: 'pve-health-snapshot',
    version: 1,
    capturedAt: mounts.gatheredAt,
    hostname: 'pve1',
    toolVersion: '0',
    redacted: true,
    files: { '/etc/pve/.members': '{"nodename":"pve1","version":1}' },
    commands: {},
    processes: [],
    sysDm: [],
    extra: { mounts },
  };
  writeFileSync(join(r, 'snap.json'), JSON.stringify(snap));
  const res = runCli(['--root', join(r, 'nothing-here'), '--from', join(r, 'snap.json'), 'mounts', '--json']);
  assert.equal(res.code, 2, res.stderr);
  const doc = JSON.parse(res.stdout);
  assert.equal(doc.mounts.entries.length, 8);
  assert.equal(doc.source, `snapshot:${join(r, 'snap.json')}`);
  writeFileSync(join(r, 'bare.json'), JSON.stringify({ ...snap, extra: {} }));
  const bare = runCli(['--from', join(r, 'bare.json'), 'mounts']);
  assert.equal(bare.code, 3);
  assert.match(bare.stderr, /no mount data recorded/);
});

test('mounts: a bad --timeout is a usage error (64); no mount table is exit 3', () => {
  const r = root();
  assert.equal(runCli(['--root', r, 'mounts', '--timeout', 'soon']).code, 64);
  const empty = tempDir('pveh-mounts-empty-');
  dirs.push(empty);
  const res = runCli(['--root', empty, 'mounts']);
  assert.equal(res.code, 3);
  assert.match(res.stderr, /cannot read .*proc\/self\/mountinfo/);
});

test('mounts: a dir storage with is_mountpoint whose path is a symlink under --root is mounted when its target is', () => {
  const r = root();
  const mi = join(r, 'proc/self/mountinfo');
  writeFileSync(mi, `${readFileSync(mi, 'utf8')}42 21 8:17 / /mnt/disk1 rw,relatime shared:42 - ext4 /dev/sdb1 rw\n`);
  for (const d of ['mnt/disk1', 'mnt/disk2', 'var/lib/pvh']) mkdirSync(join(r, d), { recursive: true });
  // Absolute (resolved inside the root) and relative links; disk2 is not mounted.
  symlinkSync('/mnt/disk1', join(r, 'var/lib/pvh/backup'));
  symlinkSync('../../../mnt/disk2', join(r, 'var/lib/pvh/spare'));
  const cfg = join(r, 'etc/pve/storage.cfg');
  writeFileSync(
    cfg,
    `${readFileSync(cfg, 'utf8')}\ndir: backup\n\tpath /var/lib/pvh/backup\n\tis_mountpoint yes\n\ndir: spare\n\tpath /var/lib/pvh/spare\n\tis_mountpoint 1\n`,
  );
  const res = runCli(['--root', r, 'mounts', '--json', '--fresh']);
  const doc = JSON.parse(res.stdout);
  const by = Object.fromEntries(
    doc.mounts.entries.map((e: { target: string; status: string; storage: string }) => [
      e.target,
      `${e.status} ${e.storage}`,
    ]),
  );
  assert.equal(by['/mnt/disk1'], 'ok backup', res.stdout);
  assert.equal(by['/var/lib/pvh/backup'], undefined, 'no false missing at the literal path');
  assert.equal(by['/mnt/disk2'], 'missing spare');
  const spare = doc.mounts.entries.find((e: { storage: string }) => e.storage === 'spare');
  assert.match(
    spare.detail,
    /not mounted at \/mnt\/disk2 \(configured as \/var\/lib\/pvh\/spare\)\. PVE refuses to activate storage 'spare'/,
  );
  assert.equal(doc.mounts.resolvedPaths, undefined, 'resolution is recorded in the snapshot, not in the contract');
});
