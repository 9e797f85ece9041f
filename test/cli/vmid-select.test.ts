// `check`, `volumes` and `dm` with `--vmid N` on the demo node: every output form speaks of that guest
// only, says how many findings it leaves out, and agrees on the headline, the counts and the exit code;
// bad values and the forms that report the whole node (--notify, --textfile) are usage errors.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildNode, hasFakenode, nodePath, runCli, SHARED } from '../helpers/cli';

const ONLY_103 = /; only guest 103 and the node \((\d+) findings of other guests not shown\)/;

test("check --vmid 103: its three orphans and the node's own findings, in every form, exit 2", () => {
  const text = runCli(['check', '--demo', '--vmid', '103']);
  // The demo node's CRITICAL mounts are every guest's: the exit code counts them (issue 59).
  assert.equal(text.code, 2, text.stderr);
  assert.match(text.stdout, /^pve-health pve1 — CRITICAL — grade F: 3 orphans, .*; only guest 103 and the node \(/);
  // 3 orphans, 4 host mounts, the thin pool and the VG's autoactivation (not the leftover LVs of 105, 160, 170).
  assert.match(text.stdout, /\nProblems \(9\)\n/);
  assert.doesNotMatch(text.stdout, /inactive leftover LVs/);
  // Every problem is VM 103's or the node's (no guest of its own).
  const heads = text.stdout.split('\n').filter((l) => l.startsWith('● '));
  assert.equal(heads.length, 9);
  assert.equal(heads.filter((h) => / VM 103 test03$/.test(h)).length, 3);
  for (const h of heads) assert.doesNotMatch(h, / (VM|CT) (?!103 )\d+/, h);
  const doc = JSON.parse(runCli(['check', '--demo', '--vmid', '103', '--json']).stdout);
  const left = Number(ONLY_103.exec(text.stdout)?.[1]);
  assert.deepEqual(doc.selection, { vmids: [103], leftOut: left });
  assert.equal(doc.status, 2);
  assert.equal(doc.overall.critical, 2);
  assert.match(doc.overall.headline, ONLY_103);
  const nagios = runCli(['check', '--demo', '--vmid', '103', '--format', 'nagios']);
  assert.equal(nagios.code, 2);
  assert.ok(nagios.stdout.split('\n')[0].includes(doc.overall.headline), nagios.stdout.split('\n')[0]);
  const q = runCli(['check', '--demo', '--vmid', '103', '-q']);
  assert.equal(q.stdout.trim().split('\n').length, 10, q.stdout);
});

test('volumes --vmid and dm --vmid: the part of that guest, its storage counts, its exit code', () => {
  const v = runCli(['volumes', '--demo', '--vmid', '103']);
  assert.equal(v.code, 1);
  assert.match(v.stdout, /\nProblems \(1\)\n● WARNING {2}local:103\/old-import\.qcow2 {2}VM 103 test03\n/);
  assert.match(v.stdout, /\nlocal +dir +ok +1 +1 +20\.0 GiB +20\.0 GiB\n/);
  assert.match(
    runCli(['volumes', '--demo', '--vmid', '110']).stdout,
    /grade A\+: no issues; only guest 110 and the node/,
  );
  const dm = runCli(['dm', '--demo', '--vmid', '110']);
  assert.equal(dm.code, 2, 'its duplicate is critical');
  assert.match(dm.stdout, /local-lvm:vm-110-disk-1 {2}CT 110 dns1/);
  assert.doesNotMatch(dm.stdout, /san-lvm:vm-121-disk-0/);
  // Two guests, as a list or repeated.
  assert.match(runCli(['check', '--demo', '--vmid', '103,121', '-q']).stdout, /only guests 103, 121 and the node \(/);
  assert.match(
    runCli(['check', '--demo', '--vmid', '103', '--vmid', '121', '-q']).stdout,
    /only guests 103, 121 and the node \(/,
  );
});

test('--vmid: a value that is no VMID, and with --notify or --textfile, is a usage error', () => {
  const bad = runCli(['check', '--demo', '--vmid', 'web01']);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /--vmid must be a number \(got 'web01'\)/);
  for (const extra of [['--notify'], ['--textfile', '/nonexistent']]) {
    const r = runCli(['check', '--demo', '--vmid', '103', ...extra]);
    assert.equal(r.code, 64, extra.join(' '));
    assert.match(r.stderr, /--vmid cannot be used with --notify or --textfile/);
  }
});

test("check --vmid of a VM on a node whose only mounts are a container's: no running container, nothing contradicts", {
  skip: hasFakenode ? false : 'fakenode not found (../shared/fakenode)',
}, () => {
  // default-lvmthin: CT 200 runs, the host's mounts are fine.
  const node = buildNode(join(SHARED, 'fakenode/scenarios/default-lvmthin.json'));
  const run = (vmid: string) =>
    runCli(['--root', join(node, 'root'), 'check', '--vmid', vmid, '--fresh'], { pathPrefix: nodePath(node) });
  const vm = run('100').stdout;
  assert.match(vm, /\nMounts: OK — 0 checked: .*\(0 running containers, /, vm);
  assert.match(vm, /\n {2}no mount of guest 100 \(a container's are checked while it runs\) and no host mount/);
  assert.doesNotMatch(vm, /no running containers/);
  // Beside it, the container itself is its running container.
  assert.match(run('200').stdout, /\nMounts: .*\(1 running container, /);
});
