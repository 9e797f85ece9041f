// Thick LVM storage.cfg calls local, a guest of another node naming the very volume, on a simulated node:
// the VG's disks (sysfs, as the kernel lays it out under the node root) decide. On a SATA disk it is the
// ordinary migration leftover (an orphan, graded, the reclaim step offered); on an iSCSI LUN it is that
// guest's disk (valid), the storage warns that storage.cfg lacks `shared 1`, in every output, and reclaim
// refuses its leftovers as shared LVM; where sysfs
// cannot tell, the leftover is protected with the commands that tell it, and the node is still graded.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildFakenode } from '../helpers/fakenode-build';
import { DISK_PLACE, writeSysBlock } from '../helpers/pv-devices';
import { FAKENODE, HAVE_FAKENODE, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'needs ../shared/fakenode (not in a public clone)';

const SCENARIO = {
  name: 'lvm-reach',
  description: 'thick LVM that storage.cfg calls local; VM 300 of pve2 names vm-300-disk-0, which is here too',
  node: 'pve1',
  cluster: { name: 'prod', nodes: ['pve1', 'pve2'], quorate: true },
  dm_major: 252,
  host_vg: 'pve',
  storages: [
    { id: 'local', type: 'dir', path: '/var/lib/vz', content: 'iso,vztmpl,backup' },
    { id: 'thick', type: 'lvm', vgname: 'vgdata', content: 'images' },
  ],
  vgs: [{ name: 'vgdata', size: '1T', pvs: [{ name: '/dev/sdb', devno: '8:16', kname: 'sdb' }] }],
  guests: [
    {
      vmid: 100,
      type: 'qemu',
      node: 'pve1',
      status: 'stopped',
      config: ['name: here', 'scsi0: thick:vm-100-disk-0,size=8G'],
    },
    {
      vmid: 300,
      type: 'qemu',
      node: 'pve2',
      status: 'running',
      config: ['name: there', 'scsi0: thick:vm-300-disk-0,size=8G'],
      auto_lvs: false,
    },
  ],
  lvs: [
    { vg: 'vgdata', lv: 'vm-300-disk-0', active: false },
    { vg: 'vgdata', lv: 'vm-999-disk-0', active: false },
  ],
};

function node(disk: 'sata' | 'iscsi' | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'pvh-reach-'));
  const json = join(dir, 'scenario.json');
  writeFileSync(json, JSON.stringify(SCENARIO));
  const out = join(dir, 'node');
  const r = buildFakenode(join(FAKENODE, 'fakenode.py'), ['build', json], out);
  if (r.status !== 0) throw new Error(`fakenode: ${r.stderr}${r.stdout}`);
  if (disk) writeSysBlock(join(out, 'root'), 'sdb', { path: DISK_PLACE[disk]('sdb') });
  return out;
}

interface Entry {
  name: string;
  status: string;
  reason: string;
  protectedBy: string[];
  detail: string;
}

const LEFTOVER = 'vgdata-vm--300--disk--0';
const entryOf = (out: string) =>
  (JSON.parse(runCli(out, ['dm', '--json']).stdout).dm.entries as Entry[]).find((e) => e.name === LEFTOVER);

describe('thick LVM called local: the disks decide', { skip }, () => {
  it('a SATA disk: the migration leftover, graded, the reclaim step offered; no storage warning', () => {
    const out = node('sata');
    const e = entryOf(out);
    assert.deepEqual([e?.status, e?.reason, e?.protectedBy], ['orphan', 'inactive-leftover', []], e?.detail);
    assert.match(e?.detail ?? '', /Only pve2 can tell/);
    const check = runCli(out, ['check', '-q']);
    assert.equal(check.code, 1, check.stdout);
    assert.doesNotMatch(check.stdout, /UNKNOWN|shared 1/);
    const plan = runCli(out, ['reclaim', '--dry-run', '--all']);
    assert.match(plan.stdout, /thick:vm-300-disk-0/, plan.stdout);
    assert.match(plan.stdout, /thick:vm-999-disk-0/, plan.stdout);
    assert.doesNotMatch(plan.stdout, /shared LVM|Refused/, plan.stdout);
  });

  it("an iSCSI LUN: VM 300's disk, and storage.cfg's missing shared 1 in text, JSON and nagios", () => {
    const out = node('iscsi');
    const e = entryOf(out);
    assert.deepEqual([e?.status, e?.reason], ['valid', 'referenced'], e?.detail);
    const text = runCli(out, ['check']);
    assert.equal(text.code, 1, text.stdout);
    assert.match(
      text.stdout,
      /storage thick's VG vgdata lies on iSCSI disk sdb \(PV \/dev\/sdb\) \(seen by other nodes\) but storage\.cfg lacks shared 1/,
    );
    assert.match(text.stdout, /pvesm set thick --shared 1/);
    const json = runCli(out, ['check', '--json']).stdout;
    JSON.parse(json);
    assert.match(json, /"shared-missing:thick"/);
    assert.match(json, /pvesm set thick --shared 1/);
    const nagios = runCli(out, ['check', '--format', 'nagios']);
    assert.match(nagios.stdout, /^WARNING/, nagios.stdout);
    // reclaim's look: the storage is shared LVM, so a leftover nobody names is refused as such.
    const plan = runCli(out, ['reclaim', '--dry-run', '--all']);
    assert.match(plan.stdout, /thick:vm-999-disk-0 .*shared-lvm: storage thick is shared LVM/, plan.stdout);
  });

  it('sysfs cannot tell: protected with the commands that tell it, graded, never UNKNOWN', () => {
    const out = node(null);
    const e = entryOf(out);
    assert.deepEqual([e?.status, e?.reason, e?.protectedBy], ['orphan', 'inactive-leftover', ['vg-reach-unknown']]);
    assert.match(e?.detail ?? '', /lsblk -o NAME,TRAN,TYPE; pvs -o pv_name,vg_name/);
    const check = runCli(out, ['check', '-q']);
    assert.notEqual(check.code, 3, check.stdout);
    assert.doesNotMatch(check.stdout, /UNKNOWN|not graded/);
    const plan = runCli(out, ['reclaim', '--dry-run', '--all']);
    assert.doesNotMatch(plan.stdout, /^\s*(mv|lvrename)\b.*vm-300-disk-0/m, plan.stdout);
  });
});
