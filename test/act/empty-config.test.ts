// An empty guest config (issue 59): `: > 103.conf`, or what a failed restore leaves. PVE decodes it, so the
// node is not UNKNOWN for it, but a config that names nothing is no proof its VMID's volumes are unused:
// `clean` deactivates none of them and `reclaim` plans none (fakenode, the bundled CLI). Beside it, the
// legitimate state: the same guest with a config that names one disk leaves its other, unnamed disk an
// orphan that reclaim plans.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, calls, HAVE_FAKENODE, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'fakenode not found (../shared/fakenode)';
const conf = (out: string, vmid: number) => join(out, `root/etc/pve/nodes/pve1/qemu-server/${vmid}.conf`);

describe('a guest config that names nothing protects its guest’s volumes', { skip }, () => {
  it('default-lvmthin: `: > 103.conf` → clean --yes --all leaves VM 103’s disks active; check is not UNKNOWN', () => {
    const out = buildNode('default-lvmthin');
    writeFileSync(conf(out, 103), '');
    const check = runCli(out, ['check', '--json']);
    assert.notEqual(check.code, 3, check.stdout);
    const doc = JSON.parse(check.stdout);
    for (const lv of ['vm-103-disk-0', 'vm-103-disk-1']) {
      const e = doc.dm.entries.find((x: { lv: string; layer: string | null }) => x.lv === lv && !x.layer);
      assert.ok(e.protectedBy.includes('config-names-nothing'), JSON.stringify(e));
      assert.match(e.detail, /names no volume at all.*'qm config 103'/);
    }
    runCli(out, ['clean', '--yes', '--all']);
    const touched = calls(out).filter(
      (c) => (c.tool === 'lvchange' || c.tool === 'dmsetup') && c.argv.some((a) => /103/.test(a)),
    );
    assert.deepEqual(
      touched.filter((c) => c.tool === 'lvchange' || c.argv[0] === 'remove'),
      [],
    );
  });

  it('mixed-volumes: an empty 101.conf → reclaim plans none of VM 101’s disks; one named, the others stay orphans', () => {
    const out = buildNode('mixed-volumes');
    writeFileSync(conf(out, 101), '');
    const plan = JSON.parse(runCli(out, ['reclaim', '--dry-run', '--json', '--vmid', '101']).stdout).plan;
    assert.deepEqual(plan.actions, []);
    const refused = plan.refused.filter((r: { vmid: number }) => r.vmid === 101);
    assert.ok(refused.length >= 3, JSON.stringify(plan.refused));
    for (const r of refused) assert.match(r.why, /config-names-nothing/);
    // The neighbour: the config names scsi0 only; its other disks are unreferenced orphans, planned.
    writeFileSync(conf(out, 101), 'memory: 2048\nscsi0: local:101/vm-101-disk-0.qcow2,size=20G\n');
    const named = JSON.parse(runCli(out, ['reclaim', '--dry-run', '--json', '--vmid', '101']).stdout).plan;
    assert.ok(
      named.actions.some((a: { volid: string }) => a.volid === 'local:101/vm-101-disk-3.vmdk'),
      JSON.stringify(named),
    );
  });
});
