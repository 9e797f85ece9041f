// A quarantined volume a guest config names again (issue 59): the guest has lost its disk, so `check`
// calls it critical with the restore steps, and `reclaim --purge` never destroys it — on files, ZFS and
// LVs (fakenode with `"mutable_storage": true`: the quarantine and the purge run for real). Beside each,
// the legitimate state the rule must not refuse: a quarantined volume no config names is purged.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { calls, HAVE_FAKENODE, runCli } from './fakenode-helpers';
import { buildMutable } from './mutable-node';

const skip = HAVE_FAKENODE ? false : 'fakenode not found (../shared/fakenode)';

/** A guest config written on pve1 (and listed in .vmlist, as pmxcfs does for every config). */
function writeGuest(out: string, vmid: number, lines: string[]): void {
  const dir = join(out, 'root/etc/pve/nodes/pve1/qemu-server');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${vmid}.conf`), `${lines.join('\n')}\n`);
  const list = join(out, 'root/etc/pve/.vmlist');
  const doc = JSON.parse(readFileSync(list, 'utf8'));
  doc.ids[String(vmid)] = { node: 'pve1', type: 'qemu', version: 1 };
  writeFileSync(list, JSON.stringify(doc));
}

function retentionZero(out: string): string {
  const conf = join(out, 'reclaim.toml');
  writeFileSync(conf, '[reclaim]\nretention_days = 0\n');
  return conf;
}

function quarantine(out: string, conf: string, volid: string): void {
  const r = runCli(out, ['--config', conf, 'reclaim', '--yes', '--name', volid]);
  assert.equal(r.code, 0, `${volid}: ${r.stdout}\n${r.stderr}`);
}

const destroying = (out: string) =>
  calls(out).filter(
    (c) =>
      (c.tool === 'zfs' && c.argv[0] === 'destroy') ||
      c.tool === 'lvremove' ||
      (c.tool === 'rbd' && c.argv.includes('trash') && c.argv.includes('rm')),
  );

const restoreArgv = (volid: string) => [
  ['pve-health', 'restore', '--list'],
  ['pve-health', 'restore', 'JOURNAL', '--name', volid],
];

function purgeAll(out: string, conf: string) {
  const r = runCli(out, ['--config', conf, 'reclaim', '--purge', '--yes', '--all', '--json']);
  return JSON.parse(r.stdout).plan as {
    actions: { volid: string }[];
    refused: { volid: string; code: string; why: string }[];
  };
}

describe('a quarantined volume named again is never purged (fakenode, mutable storage)', { skip }, () => {
  it('mixed-volumes: a file and a zvol a new config names are critical and kept; named no more, purged', () => {
    const out = buildMutable('mixed-volumes');
    const conf = retentionZero(out);
    const named = ['local:102/vm-102-disk-0.raw', 'local-zfs:vm-150-disk-0'];
    for (const v of named) quarantine(out, conf, v);
    const qdir = join(out, 'root/var/lib/vz/images/pve-health-quarantine');
    assert.equal(readdirSync(qdir).length, 1);
    writeGuest(out, 102, ['memory: 512', 'scsi0: local:102/vm-102-disk-0.raw,size=8G']);
    writeGuest(out, 150, ['memory: 512', 'scsi0: local-zfs:vm-150-disk-0,size=8G']);

    const check = runCli(out, ['--config', conf, 'check', '--json']);
    assert.equal(check.code, 2, check.stdout);
    const doc = JSON.parse(check.stdout);
    assert.equal(doc.overall.critical, 2);
    for (const [volid, ref] of [
      [named[0], 'VM 102 scsi0'],
      [named[1], 'VM 150 scsi0'],
    ]) {
      const e = doc.volumes.entries.find((x: { volid: string }) => x.volid === volid);
      assert.equal(`${e.status}/${e.reason}`, 'ignored/quarantined');
      assert.match(e.quarantine.namedBy.join(), new RegExp(ref));
      assert.match(e.detail, /not where PVE looks/);
      assert.deepEqual(
        e.steps.map((st: { command: string[] }) => st.command),
        restoreArgv(volid),
      );
    }

    const plan = purgeAll(out, conf);
    assert.deepEqual(plan.actions, []);
    for (const volid of named) {
      const x = plan.refused.find((r) => r.volid === volid);
      assert.equal(x?.code, 'protected', JSON.stringify(plan.refused));
      assert.match(x.why, /named-by:VM \d+ scsi0/);
    }
    assert.equal(readdirSync(qdir).length, 1, 'the quarantined file is still there');
    assert.deepEqual(destroying(out), []);

    // The legitimate state beside it: the guests have no disk lines now, so both are purged.
    writeGuest(out, 102, ['memory: 512']);
    writeGuest(out, 150, ['memory: 512']);
    const again = purgeAll(out, conf);
    assert.deepEqual(again.actions.map((a) => a.volid).sort(), [...named].sort());
    assert.equal(readdirSync(qdir).length, 0);
    assert.deepEqual(
      destroying(out).map((c) => c.tool),
      ['zfs'],
    );
  });

  it('default-lvmthin: an LV a new config names is critical and never lvremoved; named no more, it is', () => {
    const out = buildMutable('default-lvmthin');
    const conf = retentionZero(out);
    const volid = 'local-lvm:vm-150-disk-0';
    quarantine(out, conf, volid);
    writeGuest(out, 150, ['memory: 512', `scsi0: ${volid},size=4G`]);

    const check = runCli(out, ['--config', conf, 'check', '--json']);
    assert.equal(check.code, 2, check.stdout);
    const doc = JSON.parse(check.stdout);
    assert.equal(doc.overall.critical, 1);
    const e = doc.dm.entries.find((x: { volume: string }) => x.volume === volid);
    assert.deepEqual(e.quarantineNamedBy, ['VM 150 scsi0']);
    assert.deepEqual(
      e.steps.map((st: { command: string[] }) => st.command),
      restoreArgv(volid),
    );

    const plan = purgeAll(out, conf);
    assert.deepEqual(plan.actions, []);
    const x = plan.refused.find((r) => r.volid === volid);
    assert.equal(x?.code, 'protected');
    assert.match(x.why, /VM 150 scsi0/);
    assert.deepEqual(destroying(out), []);

    // The legitimate state beside it: the guest has no disk line now, the quarantined LV is purged.
    writeGuest(out, 150, ['memory: 512']);
    assert.deepEqual(
      purgeAll(out, conf).actions.map((a) => a.volid),
      [volid],
    );
    assert.deepEqual(
      destroying(out).map((c) => c.tool),
      ['lvremove'],
    );
  });
});
