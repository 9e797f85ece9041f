// Issue 45's smaller items, each as an admin meets it: the CLI on the demo node and on an empty root.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { guestIdentities } from '../../src/core/node/guest-identity';
import type { PveState } from '../../src/core/node/pve-state';
import { runCli, tempDir } from '../helpers/cli';

test('mounts --demo: the container whose mounts were probed is running, not "(no config)", and named', () => {
  const r = runCli(['mounts', '--demo'], { env: { COLUMNS: '120' } });
  // Its name from its config's hostname (issue 60), in the guest row and the mounts table.
  assert.match(r.stdout, /^110 +dns1 +CT +pve1 +running +1 stale mount, 1 readonly mount$/m);
  assert.match(r.stdout, /^stale +CT 110 dns1 +\/mnt\/backup /m);
  assert.doesNotMatch(r.stdout, /no config/);
});

test('a VMID without a config is a container when a volume of it is a subvol (only pve-container allocates one)', () => {
  const pve = { guests: new Map(), node: 'pve1', running: new Set() } as unknown as PveState;
  const ids = guestIdentities(pve, [105, 106], new Set([106]));
  assert.deepEqual(
    ids.map((g) => [g.vmid, g.type, g.status]),
    [
      [105, 'qemu', 'missing'],
      [106, 'lxc', 'missing'],
    ],
  );
});

test('--output-format (the pvesh/pvesm spelling) is --format', () => {
  const plain = runCli(['volumes', '--demo', '--format', 'json']);
  // PVE's own `json-pretty` is indented JSON, which `json` writes.
  for (const args of [['--output-format', 'json'], ['--output-format=json'], ['--output-format', 'json-pretty']]) {
    const r = runCli(['volumes', '--demo', ...args]);
    assert.equal(r.code, plain.code, r.stderr);
    assert.equal(JSON.parse(r.stdout).status, JSON.parse(plain.stdout).status);
  }
  assert.match(runCli(['check', '--help']).stdout, /also --output-format/);
  const bad = runCli(['volumes', '--demo', '--output-format', 'yaml']);
  assert.equal(bad.code, 64, 'any other format is still refused');
  assert.match(bad.stderr, /--format must be one of/);
});

test('restore without a JOURNAL (and --list) lists the journals with the command that undoes each', () => {
  const root = tempDir('pvh-journals-');
  const r0 = runCli(['restore', '--root', root]);
  assert.equal(r0.code, 0, r0.stderr);
  assert.match(
    r0.stdout,
    /^No journals in .*var\/lib\/pve-health\/journal: no clean, reclaim or restore has acted on this node\.$/m,
  );
  const dir = join(root, 'var/lib/pve-health/journal');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const path = join(dir, 'clean-20261122T101500Z-4242.json');
  const action = (name: string, result: string) => ({ seq: 1, kind: 'dm-remove', name, command: ['dmsetup'], result });
  writeFileSync(
    path,
    JSON.stringify({
      kind: 'pve-health-journal',
      version: 1,
      command: 'clean',
      node: 'pve1',
      toolVersion: 'x',
      startedAt: '2026-11-22T10:15:00.000Z',
      actions: [action('pve-vm--104--disk--0', 'done'), action('pve-vm--150--disk--0', 'failed')],
    }),
    { mode: 0o600 },
  );
  writeFileSync(join(dir, 'restore-bad.json'), 'not json', { mode: 0o600 });
  // A reclaim journals each of a volume's steps under its name: the list names the volume once (issue 60),
  // as the worst of its steps, and gives the restore command as for clean.
  const reclaimed = join(dir, 'reclaim-20261121T090000Z-4243.json');
  writeFileSync(
    reclaimed,
    JSON.stringify({
      kind: 'pve-health-journal',
      version: 1,
      command: 'reclaim',
      node: 'pve1',
      toolVersion: 'x',
      startedAt: '2026-11-21T09:00:00.000Z',
      actions: [
        action('local-lvm:vm-150-disk-0', 'done'),
        action('local-lvm:vm-150-disk-0', 'done'),
        action('local-lvm:vm-150-disk-0', 'done'),
        action('local-zfs:vm-151-disk-0', 'done'),
        action('local-zfs:vm-151-disk-0', 'failed'),
        action('local:102/vm-102-disk-0.raw', 'done'),
      ],
    }),
    { mode: 0o600 },
  );
  for (const args of [[], ['--list']]) {
    const r = runCli(['restore', '--root', root, ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Journals in .* \(3, newest first\):$/m);
    assert.match(
      r.stdout,
      /^ {2}2026-11-21 09:00 UTC {2}reclaim on pve1: 2 done, 1 failed \(local-lvm:vm-150-disk-0, local:102\/vm-102-disk-0\.raw\)\n {4}pve-health restore \S+reclaim-20261121T090000Z-4243\.json --root \S+$/m,
    );
    assert.match(
      r.stdout,
      /^ {2}2026-11-22 10:15 UTC {2}clean on pve1: 1 done, 1 failed \(pve-vm--104--disk--0\)\n {4}pve-health restore \S+clean-20261122T101500Z-4242\.json --root \S+$/m,
    );
    assert.match(r.stdout, /restore-bad\.json: cannot be used: /);
  }
  const json = JSON.parse(runCli(['restore', '--root', root, '--list', '--json']).stdout);
  assert.equal(json.journals.length, 3);
});

test('check at 80 columns: a pending finding says "no fix now" once; storage fixes: prose over whole commands', () => {
  const text = runCli(['check', '--demo'], { env: { COLUMNS: '80' } }).stdout;
  const pending = text.slice(text.indexOf('● PENDING'));
  assert.equal(pending.split('no fix now').length - 1, 1, pending);
  // The leftover LVs: the advice is prose at the fix's indent, each lvremove alone and whole two deeper.
  assert.match(
    text,
    /\n {4}fix: first check that no node and no config uses them \(every node's maps and\n {4}configs\):\n {6}pve-health cluster\n {4}then drop them \(irreversible: deletes the data\):\n {6}lvremove vg-san\/vm-105-disk-0\n {6}lvremove vg-san\/vm-160-disk-0\n {4}del- LV of an interrupted saferemove: [^\n]*\n[^\n]*check the cluster's tasks first:\n {6}pvesh get \/cluster\/tasks\n {4}then, once no imgdel task runs for it, drop it \(irreversible: deletes the\n {4}data\):\n {6}lvremove vg-san\/del-vm-170-disk-0\n/,
  );
  for (const line of text.split('\n').filter((l) => l.includes('lvremove')))
    assert.match(line, /^ {6}lvremove \S+$/, 'lvremove never broken or among prose');
  // The next step names the exact command after its prose (shellQuote's words, no outer quotes: a name that
  // needs quoting would break them). Prose wrapping may still break such a command across lines (open:
  // the fix lines above keep each command whole; prose commands should be kept whole the same way).
  assert.match(
    text,
    /then \(it re-checks under PVE's locks\):\s+pve-health\s+clean\s+--name\s+pve-vm--110--disk--1--copy/,
  );
});

test('cluster --demo says why there is nothing to scan and what to run instead (usage, exit 64)', () => {
  const r = runCli(['cluster', '--demo']);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /the demo is one node's data: try 'pve-health check --demo'/);
});

test("cluster --help lists no --demo or --from (it refuses both); help, and a mistyped command's nearest name", () => {
  const help = runCli(['cluster', '--help']).stdout;
  assert.doesNotMatch(help, /--demo|--from/);
  assert.match(help, /--root DIR/);
  // Other commands still list them.
  assert.match(runCli(['check', '--help']).stdout, /--demo {2,}Run on the bundled demo node/);
  const top = runCli(['help']);
  assert.equal(top.code, 0, top.stderr);
  assert.equal(top.stdout, runCli(['--help']).stdout);
  const check = runCli(['help', 'check']);
  assert.equal(check.code, 0, check.stderr);
  assert.equal(check.stdout, runCli(['check', '--help']).stdout);
  const typo = runCli(['chek']);
  assert.equal(typo.code, 64);
  assert.match(typo.stderr, /unknown command 'chek'; did you mean 'check'\?/);
  assert.doesNotMatch(runCli(['xyzzy']).stderr, /did you mean/);
});

test('a host that is no PVE node: the one reason is said once, not once per part', () => {
  const root = tempDir('pvh-not-pve-');
  const r = runCli(['check', '--root', root], { env: { COLUMNS: '200' } });
  assert.equal(r.code, 3);
  assert.equal(r.stdout.split('no Proxmox VE cluster files').length - 1, 1, r.stdout);
  assert.equal(r.stderr.split('no Proxmox VE cluster files').length - 1, 1, r.stderr);
  assert.match(r.stdout, /could not check device-mapper, volumes, mounts \(no Proxmox VE cluster files/);
});

test('HTML report, what to do next: reclaim sets orphans aside reversibly, only reclaim --purge deletes', () => {
  const file = join(tempDir('pvh-html-next-'), 'report.html');
  runCli(['check', '--demo', '--html', file]);
  const html = readFileSync(file, 'utf8');
  assert.doesNotMatch(html, /never deletes a volume/);
  assert.match(html, /pve-health reclaim(&quot;|") sets proven orphans aside reversibly/);
  assert.match(html, /only (&quot;|")pve-health reclaim --purge(&quot;|") deletes/);
});
