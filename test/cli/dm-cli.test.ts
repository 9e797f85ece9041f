// The CLI against simulated nodes (fakenode: fake dmsetup/lvs printing the real formats, a fake
// root) and against broken tools (missing, failing, hanging), as a user would run it.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { buildNode, fakenodeCompare, hasFakenode, runCli, SHARED, tempDir } from '../helpers/cli';

const skip = hasFakenode ? false : `fakenode not found under ${SHARED}`;
const SCENARIOS = ['default-lvmthin', 'cluster-shared-lvm', 'tricky-names'];

function dmJson(node: string, extra: string[] = []) {
  const r = runCli(['--root', join(node, 'root'), 'dm', '--json', ...extra], { pathPrefix: join(node, 'bin') });
  const file = join(node, 'result.json');
  writeFileSync(file, r.stdout);
  return { r, file, doc: r.stdout ? JSON.parse(r.stdout) : null };
}

function callsOf(node: string): { tool: string; argv: string[] }[] {
  return readFileSync(join(node, 'calls.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('fakenode scenarios', { skip }, () => {
  for (const s of [...SCENARIOS.map((x) => join(SHARED, 'fakenode/scenarios', `${x}.json`)), 'demo/scenario.json']) {
    test(`${s.split('/').pop()}: every verdict matches expected.json, with a constant number of subprocesses`, () => {
      const node = buildNode(s);
      writeFileSync(join(node, 'calls.log'), '');
      const { r, file, doc } = dmJson(node);
      assert.ok([0, 1, 2].includes(r.code), r.stderr);
      assert.equal(r.stderr, '');
      const cmp = fakenodeCompare(node, file);
      assert.equal(cmp.code, 0, cmp.stdout);
      assert.equal(doc.schemaVersion, 1);
      assert.equal(doc.dm.entries.length, doc.dm.summary.total);
      const calls = callsOf(node);
      assert.deepEqual(calls.map((c) => `${c.tool} ${c.argv[0]}`).sort(), [
        'dmsetup deps',
        'dmsetup info',
        'dmsetup status',
        'dmsetup table',
        'lvs --reportformat',
        'lvs -a',
        'vgs --reportformat',
      ]);
    });
  }

  test('scale node (120 guests): all verdicts right, still 7 subprocesses', () => {
    const node = buildNode(['120', '--orphans', '12', '--dups', '3']);
    writeFileSync(join(node, 'calls.log'), '');
    const { file } = dmJson(node);
    const cmp = fakenodeCompare(node, file);
    assert.equal(cmp.code, 0, cmp.stdout);
    assert.equal(callsOf(node).length, 7);
  });

  test('global options before or after the command; text output names issues and fixes', () => {
    const node = buildNode(join(SHARED, 'fakenode/scenarios/default-lvmthin.json'));
    const a = runCli(['dm', '--root', join(node, 'root')], { pathPrefix: join(node, 'bin') });
    const b = runCli(['--root', join(node, 'root'), 'dm'], { pathPrefix: join(node, 'bin') });
    assert.equal(a.stdout, b.stdout);
    assert.equal(a.code, 1);
    // The volume ID and the guest lead; the DM name is a detail under it; the command is alone on its line.
    assert.match(
      a.stdout,
      /● WARNING {2}local-lvm:vm-150-disk-0 {2}VMID 150 \(no config\)\n {4}orphan \(guest-missing\)/,
    );
    assert.match(a.stdout, /\n {4}device-mapper pve-vm--150--disk--0\n/);
    assert.match(a.stdout, /\n {4}fix: [^\n]+\n {6}lvchange -an --select lv_uuid=/);
    assert.match(a.stdout, /\n {4}fix: [^\n]+\n {6}dmsetup remove --retry -u LVM-/);
    assert.ok(!a.stdout.includes('\u001b['), 'NO_COLOR: no escape codes');
  });

  test('capture → --from gives the same analysis; secrets are redacted', () => {
    const node = buildNode(join(SHARED, 'fakenode/scenarios/default-lvmthin.json'));
    const snap = join(node, 'snap.json');
    const c = runCli(['--root', join(node, 'root'), 'capture', snap], { pathPrefix: join(node, 'bin') });
    assert.equal(c.code, 0, c.stderr);
    const text = readFileSync(snap, 'utf8');
    assert.doesNotMatch(text, /\$5\$abc\$def/, 'cipassword must not leave the node');
    assert.match(text, /cipassword: <redacted>/);
    const live = dmJson(node).doc;
    const replay = JSON.parse(runCli(['dm', '--json', '--from', snap]).stdout);
    const strip = (d: { dm: { entries: unknown[] } }) => d.dm.entries;
    assert.deepEqual(strip(replay), strip(live));
    assert.match(replay.source, /^snapshot:/);
  });
});

describe('broken tools and bad input: one clear line, exit 3, never a stack trace', () => {
  function fakeBin(scripts: Record<string, string>): string {
    const dir = tempDir('pve-health-bin-');
    for (const [name, body] of Object.entries(scripts)) {
      const p = join(dir, name);
      writeFileSync(p, `#!/bin/sh\n${body}\n`);
      chmodSync(p, 0o755);
    }
    return dir;
  }
  function pveRoot(): string {
    const root = tempDir('pve-health-root-');
    mkdirSync(join(root, 'etc/pve'), { recursive: true });
    writeFileSync(join(root, 'etc/pve/storage.cfg'), 'lvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n');
    writeFileSync(join(root, 'etc/pve/.members'), '{"nodename": "pve1", "version": 1}');
    return root;
  }
  const expectOneLine = (r: { code: number; stderr: string; stdout: string }, re: RegExp) => {
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  };

  test('dmsetup missing', () => {
    const bin = fakeBin({ lvs: 'echo "{}"', vgs: 'echo "{}"' });
    const r = runCli(['--root', pveRoot(), 'dm'], {
      env: { PATH: `${bin}:/usr/bin:/bin`.replace(/:\/usr\/sbin|:\/sbin/g, '') },
    });
    if (r.stderr.includes('command not found')) expectOneLine(r, /dmsetup: command not found/);
    else expectOneLine(r, /dmsetup/); // a real dmsetup on this machine: it fails without device-mapper
  });

  test('dmsetup fails', () => {
    const bin = fakeBin({
      dmsetup:
        'echo "/dev/mapper/control: open failed: Permission denied" >&2; echo "Failure to communicate with kernel device-mapper driver." >&2; exit 1',
    });
    expectOneLine(
      runCli(['--root', pveRoot(), 'dm'], { pathPrefix: bin }),
      /cannot list device-mapper devices: dmsetup exited 1: Failure to communicate/,
    );
  });

  test('dmsetup hangs: killed at the configured deadline', () => {
    const bin = fakeBin({ dmsetup: 'sleep 60' });
    const cfg = join(tempDir(), 'config.toml');
    writeFileSync(cfg, '[dm]\ncommand_timeout = 0.5\n');
    const r = runCli(['--root', pveRoot(), '--config', cfg, 'dm'], { pathPrefix: bin, timeoutMs: 20_000 });
    expectOneLine(r, /timed out/);
  });

  test('lvs fails: LVM entries are unknown, never guessed; exit 3', { skip }, () => {
    const node = buildNode(join(SHARED, 'fakenode/scenarios/default-lvmthin.json'));
    const bin = fakeBin({ lvs: 'echo "  Volume group pve is locked" >&2; exit 5' });
    const r = runCli(['--root', join(node, 'root'), 'dm', '--json'], { pathPrefix: `${bin}:${join(node, 'bin')}` });
    assert.equal(r.code, 3);
    const doc = JSON.parse(r.stdout);
    assert.equal(
      doc.dm.entries.filter((e: { status: string }) => e.status === 'orphan' || e.status === 'duplicate').length,
      0,
    );
    assert.ok(doc.dm.summary.unknown > 0);
    assert.match(doc.dm.warnings.join('\n'), /lvs exited 5/);
  });

  test('no /etc/pve under --root', () => {
    const bin = fakeBin({ dmsetup: 'echo "No devices found"', lvs: 'exit 0', vgs: 'exit 0' });
    expectOneLine(runCli(['--root', tempDir(), 'dm'], { pathPrefix: bin }), /no Proxmox VE cluster files/);
  });

  test('--from a file that is not a snapshot; unknown command; bad --format', () => {
    const f = join(tempDir(), 'x.json');
    writeFileSync(f, '{"hello": 1}');
    expectOneLine(runCli(['dm', '--from', f]), /not a pve-health snapshot/);
    assert.equal(runCli(['frobnicate']).code, 64);
    assert.equal(runCli(['dm', '--format', 'xml', '--demo']).code, 64);
  });

  test('--from reads a capture with non-ASCII text (a guest name) as UTF-8, and an ASCII one alike', () => {
    const f = join(tempDir(), 'cap.json');
    assert.equal(runCli(['capture', '--demo', f]).code, 0);
    const snap = JSON.parse(readFileSync(f, 'utf8'));
    const conf = '/etc/pve/nodes/pve1/qemu-server/100.conf';
    const ascii = JSON.parse(runCli(['dm', '--json', '--from', f]).stdout);
    assert.equal(ascii.dm.guests.find((g: { vmid: number }) => g.vmid === 100).name, 'web01');
    snap.files[conf] = snap.files[conf].replace('name: web01', 'name: web01-Grüße-東京');
    writeFileSync(f, JSON.stringify(snap));
    const doc = JSON.parse(runCli(['dm', '--json', '--from', f]).stdout);
    assert.equal(doc.dm.guests.find((g: { vmid: number }) => g.vmid === 100).name, 'web01-Grüße-東京');
  });

  test('malformed guest config and storage.cfg: warnings, not a crash', { skip }, () => {
    const node = buildNode(join(SHARED, 'fakenode/scenarios/default-lvmthin.json'));
    writeFileSync(join(node, 'root/etc/pve/nodes/pve1/qemu-server/103.conf'), 'this is: not\n\u0000garbage ][\n[\n');
    writeFileSync(join(node, 'root/etc/pve/.vmlist'), '{not json');
    const r = runCli(['--root', join(node, 'root'), 'dm', '--json'], { pathPrefix: join(node, 'bin') });
    assert.ok([1, 2, 3].includes(r.code), r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.match(doc.dm.warnings.join('\n'), /\.vmlist/);
  });
});

describe('demo node', () => {
  test('check --demo runs offline and reports every kind of finding', () => {
    const r = runCli(['dm', '--demo', '--json']);
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.stdout);
    const reasons = new Set(doc.dm.entries.map((e: { reason: string }) => e.reason));
    for (const x of [
      'guest-missing',
      'guest-on-other-node',
      'not-referenced',
      'snapshot-missing',
      'lv-missing',
      'inactive-leftover',
      'stale-map',
      'same-target',
      'saferemove-leftover',
      'partition-of-valid',
      'thin-pool-layer',
    ]) {
      assert.ok(reasons.has(x), `demo lacks ${x}`);
    }
    assert.equal(doc.dm.vmidReuse.nextVmid, 104);
  });
});
