// `pve-health clean` / `restore` against simulated nodes: the real CLI bundle, the fakenode fakes on
// PATH, and `fakenode.py check` to flag any removal that expected.json does not allow.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, calls, dmNames, expected, fakeCheck, HAVE_FAKENODE, journals, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'fakenode not found (../shared/fakenode)';

/** Every removable finding of a scenario: unprotected orphans/duplicates with an active map. */
function removable(out: string): string[] {
  return Object.entries(expected(out))
    .filter(([, e]) => (e.status === 'orphan' || e.status === 'duplicate') && !e.protected)
    .map(([n]) => n)
    .sort();
}

describe('clean on fakenode scenarios', { skip }, () => {
  for (const scenario of ['default-lvmthin', 'cluster-shared-lvm', 'tricky-names']) {
    it(`${scenario}: --yes --all removes exactly the allowed findings and journals them`, () => {
      const out = buildNode(scenario);
      const before = dmNames(out);
      const r = runCli(out, ['clean', '--yes', '--all']);
      assert.ok([0, 1, 2].includes(r.code ?? -1), `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      const check = fakeCheck(out);
      assert.equal(check.code, 0, check.text);
      assert.deepEqual(check.removed.sort(), removable(out), `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /Summary:/);
      // Journal: one file, one done entry per removed device, with its table and identity.
      const js = journals(out);
      assert.equal(js.length, 1);
      const doc = JSON.parse(readFileSync(js[0], 'utf8'));
      assert.equal(doc.kind, 'pve-health-journal');
      const done = doc.actions.filter((a: { result: string }) => a.result === 'done');
      assert.deepEqual(done.map((a: { name: string }) => a.name).sort(), check.removed.sort());
      for (const a of done) {
        assert.ok(a.table.length > 0 && a.uuid && a.command.length > 0, JSON.stringify(a));
        assert.ok(!a.command.includes('--force'));
      }
      // Locks released: no pmxcfs lock directory left, run lock file empty.
      const lockDir = join(out, 'root/etc/pve/priv/lock');
      if (existsSync(lockDir)) assert.deepEqual(readdirSync(lockDir), []);
      assert.equal(readFileSync(join(out, 'root/run/pve-health/clean.lock'), 'utf8'), '');
      // Everything that stays is untouched.
      for (const n of before) if (!check.removed.includes(n)) assert.ok(dmNames(out).has(n), n);
    });
  }

  it('cluster-shared-lvm: takes the pmxcfs cluster lock for shared storage', async () => {
    const out = buildNode('cluster-shared-lvm');
    // Someone else holds the cluster lock of the shared storage: its actions are skipped after 0.3 s.
    const dir = join(out, 'root/etc/pve/priv/lock/storage-san-lvm');
    mkdirSync(dir, { recursive: true });
    const r = runCli(out, ['clean', '--yes', '--all', '--lock-wait', '0.3']);
    assert.match(r.stdout, /skipped: 2/);
    assert.match(r.stdout, /storage san-lvm \(cluster lock\) is locked/);
    assert.deepEqual(fakeCheck(out).removed, []);
    assert.ok(existsSync(dir), 'a lock of someone else is never removed');
  });

  it('a held guest config lock skips that guest only', async () => {
    const out = buildNode('default-lvmthin');
    const lock = join(out, 'root/var/lock/qemu-server/lock-150.conf');
    mkdirSync(join(out, 'root/var/lock/qemu-server'), { recursive: true });
    writeFileSync(lock, '');
    const holder = spawn('flock', [lock, 'sleep', '30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const r = runCli(out, ['clean', '--yes', '--all', '--lock-wait', '0.3']);
      assert.match(r.stdout, /local-lvm:vm-150-disk-0 \(map pve-vm--150--disk--0\): qemu config 150 is locked/);
      assert.deepEqual(fakeCheck(out).removed, ['pve-vm--103--disk--2']);
    } finally {
      holder.kill();
    }
  });

  it('takes the config lock of every local guest that names the volume, not only the VMID in its name', async () => {
    const out = buildNode('cluster-shared-lvm');
    // VM 320 on this node attaches VM 303's shared disk too (a cluster filesystem, `qm set 320 --scsi1 ...`).
    writeFileSync(
      join(out, 'root/etc/pve/nodes/pve1/qemu-server/320.conf'),
      'name: peer\nscsi0: san-lvm:vm-303-disk-0,size=32G\nscsihw: virtio-scsi-single\n',
    );
    const dm = runCli(out, ['dm', '--json']);
    const entry = JSON.parse(dm.stdout).dm.entries.find((e: { name: string }) => e.name === 'vg--san-vm--303--disk--0');
    assert.deepEqual(
      entry.guests.map((g: { vmid: number }) => g.vmid),
      [303, 320],
    );
    const lock = join(out, 'root/var/lock/qemu-server/lock-320.conf');
    mkdirSync(join(out, 'root/var/lock/qemu-server'), { recursive: true });
    writeFileSync(lock, '');
    // Its own process group: flock's child (sleep) inherits the locked file and must end with it.
    const holder = spawn('flock', [lock, 'sleep', '30'], { stdio: 'ignore', detached: true });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const r = runCli(out, ['clean', '--yes', '--all', '--lock-wait', '0.3']);
      assert.match(
        r.stdout,
        /san-lvm:vm-303-disk-0 \(map vg--san-vm--303--disk--0\): qemu config 320 is locked/,
        r.stdout,
      );
      assert.ok(!fakeCheck(out).removed.includes('vg--san-vm--303--disk--0'));
    } finally {
      process.kill(-(holder.pid as number), 'SIGKILL');
    }
    await new Promise((r) => setTimeout(r, 200));
    // Lock free: the stale map goes.
    const r = runCli(out, ['clean', '--yes', '--all', '--lock-wait', '0.3']);
    assert.ok(fakeCheck(out).removed.includes('vg--san-vm--303--disk--0'), r.stdout);
  });

  it('one clean at a time: a second run says who holds the run lock', async () => {
    const out = buildNode('default-lvmthin');
    const file = join(out, 'root/run/pve-health/clean.lock');
    mkdirSync(join(out, 'root/run/pve-health'), { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify({ pid: 4242, command: 'pve-health clean', startedAt: '2026-01-01T00:00:00Z' })}\n`,
    );
    const holder = spawn('flock', [file, 'sleep', '30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const r = runCli(out, ['clean', '--yes', '--all']);
      assert.equal(r.code, 3, r.stderr);
      assert.match(
        r.stderr,
        /another pve-health clean\/restore is running: pid 4242 \(pve-health clean\) since 2026-01-01/,
      );
      assert.deepEqual(fakeCheck(out).removed, []);
    } finally {
      holder.kill();
    }
  });

  it('filters: --vmid and --reason limit the actions', () => {
    const out = buildNode('default-lvmthin');
    let r = runCli(out, ['clean', '--yes', '--vmid', '150']);
    assert.deepEqual(fakeCheck(out).removed, ['pve-vm--150--disk--0'], r.stdout);
    r = runCli(out, ['clean', '--yes', '--reason', 'lv-missing']);
    assert.deepEqual(fakeCheck(out).removed.sort(), ['pve-vm--103--disk--2', 'pve-vm--150--disk--0'], r.stdout);
  });

  it('--dry-run prints the plan and exact commands and changes nothing', () => {
    const out = buildNode('default-lvmthin');
    const r = runCli(out, ['clean', '--dry-run']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /dmsetup remove --retry -u LVM-/);
    assert.match(r.stdout, /lvchange -an --select lv_uuid=\S+ pve\/vm-150-disk-0/);
    // Not touched, as check shows it: the volume ID, the DM name a detail, why not and the next step.
    assert.match(
      r.stdout,
      /\nNot touched \(1\):\n- ● WARNING {2}local-lvm:vm-100-disk-2 {2}VM 100 web01\n[\s\S]*?\n {4}protected: guest-running\n {4}device-mapper pve-vm--100--disk--2\n/,
    );
    assert.deepEqual(fakeCheck(out).removed, []);
    assert.equal(journals(out).length, 0);
    assert.ok(!calls(out).some((c) => c.tool === 'lvchange' || c.argv.includes('remove')));
  });

  it('without a terminal: refuses without --yes, and --yes without a filter (exit 64)', () => {
    const out = buildNode('default-lvmthin');
    let r = runCli(out, ['clean']);
    assert.equal(r.code, 64);
    assert.match(r.stderr, /not a terminal: give --yes together with --all or a filter/);
    r = runCli(out, ['clean', '--yes']);
    assert.equal(r.code, 64);
    assert.match(r.stderr, /--yes needs --all or a filter/);
    assert.deepEqual(fakeCheck(out).removed, []);
  });

  const refusals: [string, (root: string) => void, RegExp][] = [
    [
      '/etc/pve not mounted',
      (root) => {
        const p = join(root, 'proc/self/mountinfo');
        writeFileSync(
          p,
          readFileSync(p, 'utf8')
            .split('\n')
            .filter((l) => !l.includes(' /etc/pve '))
            .join('\n'),
        );
      },
      /\/etc\/pve is not a mounted cluster filesystem/,
    ],
    [
      'cluster not quorate',
      (root) => {
        const p = join(root, 'etc/pve/.members');
        const m = JSON.parse(readFileSync(p, 'utf8'));
        // As pmxcfs writes it (status.c cfs_create_memberlist_msg): the nodelist holds every node.
        m.cluster = { name: 'prod', version: 3, nodes: 3, quorate: 0 };
        m.nodelist = { pve1: { id: 1, online: 1 }, pve2: { id: 2, online: 0 }, pve3: { id: 3, online: 0 } };
        writeFileSync(p, JSON.stringify(m));
      },
      /cluster 'prod' is not quorate/,
    ],
    [
      'hostname differs from .members',
      (root) => writeFileSync(join(root, 'etc/hostname'), 'other\n'),
      // The same fact `check` reads (pmxcfs-gaps.ts nodeNameDisagreement): check and clean agree.
      /\/etc\/pve\/.members says pve1, \/etc\/hostname says other/,
    ],
    [
      'no guest configs while guest volumes exist',
      (root) => {
        for (const t of ['qemu-server', 'lxc']) {
          const d = join(root, 'etc/pve/nodes/pve1', t);
          if (existsSync(d)) for (const f of readdirSync(d)) rmSync(join(d, f));
        }
      },
      /no guest configs found under \/etc\/pve\/nodes/,
    ],
    [
      'sys view does not match dmsetup (a fixture root with the real dmsetup)',
      (root) => rmSync(join(root, 'sys/devices/virtual/block/dm-3/dm'), { recursive: true, force: true }),
      /device-mapper view is inconsistent \(.*dm-3/,
    ],
  ];
  for (const [what, breakIt, re] of refusals) {
    it(`refuses to act (exit 3): ${what}`, () => {
      const out = buildNode('default-lvmthin');
      breakIt(join(out, 'root'));
      const r = runCli(out, ['clean', '--yes', '--all']);
      assert.equal(r.code, 3, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, re);
      assert.deepEqual(fakeCheck(out).removed, []);
      assert.ok(!calls(out).some((c) => c.tool === 'lvchange' || c.argv.includes('remove')));
    });
  }

  it('restore reactivates the deactivated LV and recreates the removed map once its thin device is verified free', () => {
    const out = buildNode('default-lvmthin');
    runCli(out, ['clean', '--yes', '--all']);
    const [journal] = journals(out);
    assert.ok(!dmNames(out).has('pve-vm--150--disk--0'));
    assert.ok(!dmNames(out).has('pve-vm--103--disk--2'));
    const r = runCli(out, ['restore', journal, '--yes']);
    // Exit: the node's state after it, as clean's: the restored orphans are findings again (WARNING).
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^The node now: WARNING — /m);
    assert.ok(dmNames(out).has('pve-vm--150--disk--0'), `${r.stdout}\n${r.stderr}`);
    // The stale map's thin device id belongs to no LV (pvs --segments and lvs -o thin_id say so): recreated,
    // read-only, under its old UUID.
    assert.ok(dmNames(out).has('pve-vm--103--disk--2'), `${r.stdout}\n${r.stderr}`);
    const create = calls(out).find((c) => c.tool === 'dmsetup' && c.argv[0] === 'create');
    assert.ok(create?.argv.includes('-r'), JSON.stringify(create));
    assert.ok(calls(out).some((c) => c.tool === 'pvs' && c.argv.includes('--segments')));
    assert.match(r.stdout, /recreated: 1 — pve-vm--103--disk--2\n/);
    // A second restore finds the LV active already and changes nothing.
    const again = runCli(out, ['restore', journal, '--yes', '--name', 'pve/vm-150-disk-0']);
    assert.match(again.stdout, /already active/);
    assert.equal(journals(out).length, 2, 'nothing done: no new journal');
  });

  it('restore: a map without extent data (pvs fails) is refused, not guessed; the LV is still reactivated', () => {
    const out = buildNode('default-lvmthin');
    runCli(out, ['clean', '--yes', '--all']);
    const [journal] = journals(out);
    const stub = mkdtempSync(join(tmpdir(), 'pvh-pvs-'));
    writeFileSync(join(stub, 'pvs'), '#!/bin/sh\necho "  Reading VG pve failed: locking" >&2\nexit 5\n', {
      mode: 0o755,
    });
    const r = runCli(out, ['restore', journal, '--yes'], { pathPrefix: stub });
    assert.ok(dmNames(out).has('pve-vm--150--disk--0'), `${r.stdout}\n${r.stderr}`);
    assert.ok(!dmNames(out).has('pve-vm--103--disk--2'));
    assert.match(r.stdout, /pve-vm--103--disk--2: cannot verify that thin device \d+ is free/);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.ok(!calls(out).some((c) => c.tool === 'dmsetup' && c.argv[0] === 'create'));
  });

  it('restore refuses when the guest moved to another node', () => {
    const out = buildNode('cluster-shared-lvm');
    runCli(out, ['clean', '--yes', '--all']);
    const [journal] = journals(out);
    const p = join(out, 'root/etc/pve/.vmlist');
    const vl = JSON.parse(readFileSync(p, 'utf8'));
    vl.ids['300'].node = 'pve3';
    writeFileSync(p, JSON.stringify(vl));
    const r = runCli(out, ['restore', journal, '--yes', '--name', 'vg-san/vm-300-disk-0']);
    assert.match(r.stdout, /guest 300 now lives on pve3; it was on pve2/);
    assert.ok(!dmNames(out).has('vg--san-vm--300--disk--0'));
  });

  it('scale node: every removal allowed, a constant number of subprocesses per action', () => {
    const out = buildNode('scale', '50', '--orphans', '5', '--dups', '2');
    const r = runCli(out, ['clean', '--yes', '--all']);
    const check = fakeCheck(out);
    assert.equal(check.code, 0, `${check.text}\n${r.stdout}\n${r.stderr}`);
    const doc = JSON.parse(readFileSync(journals(out)[0], 'utf8'));
    const done = doc.actions.filter((a: { result: string }) => a.result === 'done').length;
    assert.ok(done >= 4, `${done} actions done\n${r.stdout}`);
    assert.equal(check.removed.length, done);
    // Per action: one gather (a fixed set of calls) + the action itself; never per device.
    const perAction = calls(out).length / (done + 2);
    assert.ok(perAction < 12, `${calls(out).length} fake calls for ${done} actions`);
  });
});
