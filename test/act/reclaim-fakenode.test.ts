// `pve-health reclaim` against simulated nodes (the real CLI bundle, the fakenode fakes on PATH):
// --dry-run and --json on every scenario never plan a volume that expected.json does not call an
// unprotected orphan; a quarantine runs exactly the planned argv in order (logging stubs stand in for the
// writes fakenode's zfs and LVM do not model: lvrename, zfs create/rename/set/inherit); a file volume's
// quarantine and `restore` round-trip for real (rename(2) under the node's root), byte for byte.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, calls, HAVE_FAKENODE, journals, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'fakenode not found (../shared/fakenode)';
const SCENARIOS = ['default-lvmthin', 'cluster-shared-lvm', 'tricky-names', 'mixed-volumes'];

/** Stubs that log their argv (one line each, NUL-free) and succeed; read subcommands go to fakenode's tool. */
function stubs(out: string): { dir: string; log: string } {
  const dir = join(out, 'stub-bin');
  const log = join(out, 'stub.log');
  mkdirSync(dir, { recursive: true });
  const write = (name: string, reads: string) => {
    const p = join(dir, name);
    writeFileSync(
      p,
      `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> '${log}'\ncase "$1" in ${reads}) exec '${join(out, 'bin', name)}' "$@";; esac\nexit 0\n`,
    );
    chmodSync(p, 0o755);
  };
  write('lvrename', '__never__');
  write('zfs', 'list|get|version');
  // fakenode's lvchange models activation, not tags: the tag steps are logged here, the rest is its.
  const lvchange = join(dir, 'lvchange');
  writeFileSync(
    lvchange,
    `#!/bin/sh\ncase "$*" in *--addtag*|*--deltag*) printf '%s\\n' "lvchange $*" >> '${log}'; exit 0;; esac\nexec '${join(out, 'bin', 'lvchange')}' "$@"\n`,
  );
  chmodSync(lvchange, 0o755);
  return { dir, log };
}

const stubLog = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

describe('reclaim --dry-run on fakenode scenarios', { skip }, () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario}: --json plans only unprotected orphans and changes nothing`, () => {
      const out = buildNode(scenario);
      const r = runCli(out, ['reclaim', '--dry-run', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.ok(
        Array.isArray(doc.plan.actions) && Array.isArray(doc.plan.refused) && Array.isArray(doc.plan.quarantined),
      );
      const e = JSON.parse(readFileSync(join(out, 'expected.json'), 'utf8'));
      for (const a of doc.plan.actions) {
        const v = e.volumes?.[a.volid];
        const dm = Object.values<{ volume?: string; status: string; protected?: boolean }>({
          ...e.devices,
          ...e.lvs,
        }).find((d) => d.volume === a.volid);
        const exp = v ?? dm;
        // An LV only the analysis names (not in expected.json) must at least be what the CLI calls an orphan.
        if (exp)
          assert.ok(exp.status === 'orphan' && !exp.protected, `${scenario}: ${a.volid} is ${JSON.stringify(exp)}`);
        else assert.equal(a.status, 'orphan');
        assert.ok(a.steps.length > 0 && a.quarantine.startsWith('pve-health-q.'), JSON.stringify(a));
      }
      for (const x of doc.plan.refused) assert.ok(x.code && x.why, JSON.stringify(x));
      // Nothing but reads ran: no lvchange, lvrename, zfs or rbd that writes.
      const writes = calls(out).filter(
        (c) => c.tool === 'lvchange' || (c.tool === 'dmsetup' && c.argv[0] === 'remove'),
      );
      assert.deepEqual(writes, []);
      assert.deepEqual(journals(out), []);
    });
  }

  it('the demo node: text and --json', () => {
    const r = runCli(buildNode('default-lvmthin'), ['--demo', 'reclaim', '--dry-run', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(
      doc.plan.actions.map((a: { volid: string }) => a.volid),
      ['local-lvm:vm-150-disk-0', 'local-zfs:vm-100-disk-2@__migration__', 'local:103/old-import.qcow2'],
    );
    // The leftover __migration__ of an interrupted migration: renamed on its zvol, the zvol untouched.
    const snap = doc.plan.actions.find((a: { volid: string }) => a.volid.endsWith('@__migration__'));
    assert.deepEqual(
      snap.steps.map((s: { command: string[] }) => s.command.slice(0, 2)),
      [['zfs', 'rename']],
    );
    assert.match(snap.steps[0].command[3], /^rpool\/data\/vm-100-disk-2@pve-health-q\.\d{8}T\d{6}Z\.__migration__$/);
    assert.ok(
      doc.plan.refused.some(
        (x: { code: string; volid: string }) => x.code === 'pending' && x.volid === 'local-lvm:vm-140-disk-0',
      ),
    );
    assert.ok(doc.plan.refused.some((x: { code: string }) => x.code === 'shared-lvm'));
    const t = runCli(buildNode('default-lvmthin'), ['--demo', 'reclaim', '--dry-run']);
    assert.match(t.stdout, /Dry run on the demo node/);
    assert.match(t.stdout, /lvrename pve vm-150-disk-0 pve-health-q\.\d{8}T\d{6}Z\.vm-150-disk-0/);
  });
});

describe('reclaim on fakenode: the executor', { skip }, () => {
  // A volume the admin named that reclaim refuses is not success (docs/reclaim.md "Exit code"): exit 1,
  // with the refusal's code and reason, and nothing run or journaled; the dry run says the same.
  it('a named volume that is refused (VM 100 runs: its disk is in use): exit 1, nothing run, no journal', () => {
    const out = buildNode('default-lvmthin');
    const s = stubs(out);
    for (const args of [
      ['reclaim', '--yes', '--name', 'local-lvm:vm-100-disk-0', '--json'],
      ['reclaim', '--dry-run', '--name', 'local-lvm:vm-100-disk-0', '--json'],
    ]) {
      const r = runCli(out, args, { pathPrefix: s.dir });
      assert.equal(r.code, 1, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.status, 1);
      assert.deepEqual(doc.plan.actions, []);
      // VM 100 runs in this scenario: its disk is refused `protected` (checked before `valid`).
      assert.deepEqual(
        doc.plan.refused.map((x: { volid: string; code: string }) => [x.volid, x.code]),
        [['local-lvm:vm-100-disk-0', 'protected']],
      );
    }
    assert.deepEqual(stubLog(s.log), []);
    assert.deepEqual(
      calls(out).filter((c) => c.tool === 'lvchange'),
      [],
    );
    assert.deepEqual(journals(out), []);
  });

  it('LVM-thin: deactivate, tag, rename — exactly the planned argv, in order, journaled', () => {
    const out = buildNode('default-lvmthin');
    const s = stubs(out);
    const r = runCli(out, ['reclaim', '--yes', '--name', 'local-lvm:vm-150-disk-0', '--json'], { pathPrefix: s.dir });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const doc = JSON.parse(r.stdout);
    const planned = doc.plan.actions[0].steps.map((x: { command: string[] }) => x.command.join(' '));
    const ran = [
      ...calls(out)
        .filter((c) => c.tool === 'lvchange')
        .map((c) => `lvchange ${c.argv.join(' ')}`),
      ...stubLog(s.log),
    ];
    assert.deepEqual(ran, planned);
    assert.match(planned[0], /^lvchange -an --select lv_uuid=\S+ pve\/vm-150-disk-0$/);
    assert.match(planned[2], /^lvrename pve vm-150-disk-0 pve-health-q\.\d{8}T\d{6}Z\.vm-150-disk-0$/);
    const js = journals(out);
    assert.equal(js.length, 1);
    const j = JSON.parse(readFileSync(js[0], 'utf8'));
    assert.equal(j.command, 'reclaim');
    assert.deepEqual(
      j.actions.map((a: { kind: string; result: string; reclaim: { op: string } }) => [a.kind, a.result, a.reclaim.op]),
      [
        ['reclaim', 'done', 'lv-deactivate'],
        ['reclaim', 'done', 'lv-addtag'],
        ['reclaim', 'done', 'lv-rename'],
      ],
    );
    // Locks released.
    assert.equal(readFileSync(join(out, 'root/run/pve-health/clean.lock'), 'utf8'), '');
  });

  it('a step that fails stops that volume (exit 2, journaled); a second run completes what is left', () => {
    const out = buildNode('default-lvmthin');
    // fakenode's own lvchange refuses --addtag: the second step fails after the deactivation.
    const r = runCli(out, ['reclaim', '--yes', '--name', 'local-lvm:vm-150-disk-0']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /FAILED: local-lvm:vm-150-disk-0/);
    const j = JSON.parse(readFileSync(journals(out)[0], 'utf8'));
    assert.deepEqual(
      j.actions.map((a: { result: string; reclaim: { op: string } }) => [a.reclaim.op, a.result]),
      [
        ['lv-deactivate', 'done'],
        ['lv-addtag', 'failed'],
      ],
    );
    const s = stubs(out);
    const again = runCli(out, ['reclaim', '--yes', '--name', 'local-lvm:vm-150-disk-0', '--json'], {
      pathPrefix: s.dir,
    });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    const ops = JSON.parse(again.stdout).plan.actions[0].steps.map((x: { op: string }) => x.op);
    assert.deepEqual(ops, ['lv-addtag', 'lv-rename']);
  });

  it('a guest config lock held elsewhere skips the volume', () => {
    const out = buildNode('default-lvmthin');
    const s = stubs(out);
    mkdirSync(join(out, 'root/var/lock/qemu-server'), { recursive: true });
    const lock = join(out, 'root/var/lock/qemu-server/lock-150.conf');
    writeFileSync(lock, '');
    const holder = spawn('flock', [lock, 'sleep', '20'], { stdio: 'ignore' });
    try {
      spawnSync('sleep', ['0.3']);
      const r = runCli(out, ['reclaim', '--yes', '--all', '--lock-wait', '0.3'], { pathPrefix: s.dir });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /skipped: local-lvm:vm-150-disk-0: qemu config 150 is locked/);
      assert.deepEqual(stubLog(s.log), []);
    } finally {
      holder.kill();
    }
  });

  it('a config naming the volume written between two steps stops it there, with the reason', () => {
    const out = buildNode('default-lvmthin');
    const s = stubs(out);
    // The deactivation runs (fakenode's lvchange), then "someone" gives VM 150 a config naming the LV.
    const vmlist = JSON.parse(readFileSync(join(out, 'root/etc/pve/.vmlist'), 'utf8'));
    vmlist.ids['150'] = { node: 'pve1', type: 'qemu', version: 99 };
    writeFileSync(join(out, 'vmlist.new'), JSON.stringify(vmlist));
    writeFileSync(join(out, '150.conf'), 'name: back\nmemory: 512\nscsi0: local-lvm:vm-150-disk-0,size=4G\n');
    const pve = join(out, 'root/etc/pve');
    writeFileSync(
      join(s.dir, 'lvchange'),
      `#!/bin/sh\ncase "$*" in *--addtag*|*--deltag*) printf '%s\\n' "lvchange $*" >> '${s.log}'; exit 0;; esac\n` +
        `'${join(out, 'bin', 'lvchange')}' "$@" || exit $?\n` +
        `case "$*" in *-an*) cp '${join(out, '150.conf')}' '${pve}/nodes/pve1/qemu-server/150.conf'; cp '${join(out, 'vmlist.new')}' '${pve}/.vmlist';; esac\n`,
    );
    const r = runCli(out, ['reclaim', '--yes', '--name', 'local-lvm:vm-150-disk-0'], { pathPrefix: s.dir });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /stopped after 1 of 3 steps/);
    assert.match(r.stdout, /valid: in use: .*150/);
    const j = JSON.parse(readFileSync(journals(out)[0], 'utf8'));
    assert.deepEqual(
      j.actions.map((a: { result: string; reclaim: { op: string } }) => [a.reclaim.op, a.result]),
      [['lv-deactivate', 'done']],
    );
    assert.deepEqual(stubLog(s.log), [], 'no tag, no rename after the config appeared');
  });

  it('ZFS: the quarantine dataset, rename, read-only — exactly the planned argv, re-checked before each', () => {
    const out = buildNode('mixed-volumes');
    const s = stubs(out);
    // fakenode's zfs does not rename: this stub keeps the renames it logged and shows them in what
    // fakenode's zfs lists, so the re-check before the read-only step sees the dataset in quarantine.
    const renames = join(out, 'zfs-renames');
    writeFileSync(
      join(s.dir, 'zfs'),
      `#!/bin/sh\nprintf '%s\\n' "zfs $*" >> '${s.log}'\n` +
        `case "$1" in\n  rename) printf '%s %s\\n' "$2" "$3" >> '${renames}'; exit 0;;\n` +
        `  list|get|version) [ -s '${renames}' ] || exec '${join(out, 'bin', 'zfs')}' "$@"\n` +
        `    read from to < '${renames}'\n` +
        `    '${join(out, 'bin', 'zfs')}' "$@" | sed "s#^$from\\([@\t]\\)#$to\\1#"; exit 0;;\nesac\nexit 0\n`,
    );
    const r = runCli(out, ['reclaim', '--yes', '--name', 'local-zfs:vm-150-disk-0', '--json'], { pathPrefix: s.dir });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const doc = JSON.parse(r.stdout);
    const planned = doc.plan.actions[0].steps.map((x: { command: string[] }) => x.command.join(' '));
    assert.deepEqual(
      stubLog(s.log).filter((l) => !/^zfs (list|get|version)/.test(l)),
      planned,
    );
    assert.match(
      planned[1],
      /^zfs rename (\S+)\/vm-150-disk-0 \1\/pve-health-quarantine\/pve-health-q\.\d{8}T\d{6}Z\.vm-150-disk-0$/,
    );
  });

  it('dir: quarantine and restore round-trip, byte for byte; shown as quarantined, never an orphan', () => {
    const out = buildNode('mixed-volumes');
    const file = join(out, 'root/var/lib/vz/images/102/vm-102-disk-0.raw');
    writeFileSync(file, Buffer.from('pve-health reclaim test data\n'.repeat(1000)));
    const sum = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
    const before = sum(file);
    const r = runCli(out, ['reclaim', '--yes', '--name', 'local:102/vm-102-disk-0.raw']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.ok(!existsSync(file));
    const dry = runCli(out, ['reclaim', '--dry-run', '--json']);
    const doc = JSON.parse(dry.stdout);
    const q = doc.plan.quarantined.find((x: { volid: string }) => x.volid === 'local:102/vm-102-disk-0.raw');
    assert.ok(q, dry.stdout);
    assert.equal(sum(q.onStorage.replace(/^/, join(out, 'root'))), before);
    assert.ok(!doc.plan.actions.some((a: { volid: string }) => a.volid === 'local:102/vm-102-disk-0.raw'));
    const vols = JSON.parse(runCli(out, ['volumes', '--json']).stdout);
    const e = vols.volumes.entries.find((x: { volid: string }) => x.volid === 'local:102/vm-102-disk-0.raw');
    assert.equal(`${e.status}/${e.reason}`, 'ignored/quarantined');
    // Every output of check shows it (what, since, purge date, space, where it is now), none as an orphan.
    const check = JSON.parse(runCli(out, ['check', '--json']).stdout);
    const listed = check.quarantine.volumes.find((x: { volid: string }) => x.volid === 'local:102/vm-102-disk-0.raw');
    assert.equal(check.quarantine.retentionDays, 7);
    assert.equal(listed.due, false);
    assert.equal(Date.parse(listed.purgeAfter) - Date.parse(listed.since), 7 * 86_400_000);
    assert.match(listed.name, /pve-health-quarantine/);
    assert.ok(
      !JSON.stringify(check.volumes.entries.filter((x: { status: string }) => x.status === 'orphan')).includes(
        'vm-102-disk-0.raw',
      ),
    );
    const text = runCli(out, ['check']).stdout;
    assert.match(text, /^In quarantine \(1, .*counted as no orphan/m);
    assert.match(
      text,
      /^ {2}local:102\/vm-102-disk-0\.raw · .* · since \S+ \S+ UTC · purge after \S+ \S+ UTC · held as /m,
    );
    assert.match(text, /^ {4}pve-health restore --list$/m);
    const metrics = runCli(out, ['check', '--format', 'prometheus']).stdout;
    assert.match(metrics, /^pve_health_quarantined_volumes\{storage="local"\} 1$/m);
    assert.match(metrics, /^pve_health_quarantined_due_volumes\{storage="local"\} 0$/m);
    assert.match(metrics, /^pve_health_quarantined_bytes\{storage="local"\} [1-9]\d*$/m);
    const journal = journals(out)[0];
    const back = runCli(out, ['restore', journal, '--yes']);
    assert.equal(back.code, 0, `${back.stdout}\n${back.stderr}`);
    assert.equal(sum(file), before);
    // A second restore finds nothing to do and says so.
    const again = runCli(out, ['restore', journal, '--yes']);
    assert.match(again.stdout, /already under its original name/);
  });

  it("dir: a gone container's subvol directory: one rename(2) of the tree, restored and purged for real", () => {
    const out = buildNode('mixed-volumes');
    const dir = join(out, 'root/var/lib/vz/images/150/subvol-150-disk-0.subvol');
    mkdirSync(join(dir, 'etc'), { recursive: true });
    mkdirSync(join(dir, 'var/lib/data'), { recursive: true });
    writeFileSync(join(dir, 'etc/hostname'), 'ct150\n');
    writeFileSync(join(dir, 'var/lib/data/blob'), Buffer.alloc(200_000, 7));
    symlinkSync('../etc/hostname', join(dir, 'var/hostname-link'));
    // The tree as (relative path, kind, content hash or link target), so a restore is checked whole.
    const tree = (root: string): string[] =>
      readdirSync(root, { recursive: true, encoding: 'utf8' })
        .sort()
        .map((rel) => {
          const p = join(root, rel);
          const st = lstatSync(p);
          if (st.isSymbolicLink()) return `${rel} -> ${readlinkSync(p)}`;
          if (st.isDirectory()) return `${rel}/`;
          return `${rel} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
        });
    const before = tree(dir);
    const volid = 'local:150/subvol-150-disk-0.subvol';
    const plan = JSON.parse(runCli(out, ['reclaim', '--dry-run', '--json', '--name', volid]).stdout).plan;
    assert.deepEqual(
      plan.actions.map((a: { steps: { op: string }[] }) => a.steps.map((st) => st.op)),
      [['file-move']],
    );
    const r = runCli(out, ['reclaim', '--yes', '--name', volid]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.ok(!existsSync(dir));
    const moved = readdirSync(join(out, 'root/var/lib/vz/images/pve-health-quarantine'));
    assert.equal(moved.length, 1);
    assert.match(moved[0], /^pve-health-q\.\d{8}T\d{6}Z\.150\.subvol-150-disk-0\.subvol$/);
    assert.deepEqual(tree(join(out, 'root/var/lib/vz/images/pve-health-quarantine', moved[0])), before);
    const vols = JSON.parse(runCli(out, ['volumes', '--json']).stdout);
    const e = vols.volumes.entries.find((x: { volid: string }) => x.volid === volid);
    assert.equal(`${e.status}/${e.reason}`, 'ignored/quarantined');
    const back = runCli(out, ['restore', journals(out)[0], '--yes']);
    assert.equal(back.code, 0, `${back.stdout}\n${back.stderr}`);
    assert.deepEqual(tree(dir), before);
    // Quarantined again with a retention of 0 days: the purge removes the tree, journaled.
    const conf = join(out, 'reclaim.toml');
    writeFileSync(conf, '[reclaim]\nretention_days = 0\n');
    assert.equal(runCli(out, ['--config', conf, 'reclaim', '--yes', '--name', volid]).code, 0);
    const purge = runCli(out, ['--config', conf, 'reclaim', '--purge', '--yes', '--all', '--json']);
    assert.equal(purge.code, 0, `${purge.stdout}\n${purge.stderr}`);
    const done = JSON.parse(purge.stdout);
    assert.deepEqual(
      done.plan.actions.map((a: { steps: { command: string[] }[] }) => a.steps[0].command.slice(0, 3)),
      [['rm', '-r', '--one-file-system']],
    );
    assert.deepEqual(readdirSync(join(out, 'root/var/lib/vz/images/pve-health-quarantine')), []);
    assert.ok(!existsSync(dir));
  });

  it('--purge plans nothing before the retention has passed', () => {
    const out = buildNode('mixed-volumes');
    runCli(out, ['reclaim', '--yes', '--name', 'local:102/vm-102-disk-0.raw']);
    const r = runCli(out, ['reclaim', '--purge', '--dry-run', '--json']);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.plan.actions.length, 0);
    assert.equal(doc.plan.refused[0].code, 'not-due');
  });
});
