// The fix of a storage's leftover LVs (issue 60, major 1): every irreversible command stands after a step
// that changes nothing, so a shortened form (-q, Nagios, Checkmk) shows that step first; on shared LVM the
// look at every node (`pve-health cluster`) comes before `lvremove`; a `del-` LV of an interrupted
// saferemove, which its own finding says another node may still be zeroing, comes after the look at the
// cluster's tasks, never among the plain leftovers and never as `pvesm free` (it is no PVE volume).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shortFixText, shortSteps } from '../../src/core/findings/finding-steps';
import { type LeftoverLv, leftoverFix } from '../../src/core/storage/leftover-fix';

const lv = (vmid: number | null, name: string, reason: string, storage = 'san-lvm'): LeftoverLv => ({
  vg: storage === 'san-lvm' ? 'vg-san' : 'pve',
  lv: name,
  vmid,
  reason,
  volume: reason === 'saferemove-leftover' ? null : `${storage}:${name}`,
});

describe('leftoverFix: the step that changes nothing before every irreversible one', () => {
  it('shared LVM: pve-health cluster, then lvremove; a del- LV after the cluster tasks', () => {
    const fix = leftoverFix(
      [
        lv(170, 'del-vm-170-disk-0', 'saferemove-leftover'),
        lv(105, 'vm-105-disk-0', 'inactive-leftover'),
        lv(160, 'vm-160-disk-0', 'inactive-leftover'),
        lv(130, 'vm-130-disk-1', 'not-referenced'),
      ],
      { local: false },
    );
    assert.deepEqual(fix, [
      '# keep: attach them to their guest as unused disks',
      'qm disk rescan --vmid 130',
      "# first check that no node and no config uses them (every node's maps and configs):",
      'pve-health cluster',
      '# then drop them (irreversible: deletes the data):',
      'lvremove vg-san/vm-105-disk-0',
      'lvremove vg-san/vm-160-disk-0',
      "# del- LV of an interrupted saferemove: the node that freed it may still be zeroing it (its imgdel task): check the cluster's tasks first:",
      'pvesh get /cluster/tasks',
      '# then, once no imgdel task runs for it, drop it (irreversible: deletes the data):',
      'lvremove vg-san/del-vm-170-disk-0',
    ]);
    // -q: the first step shown changes nothing; each irreversible one keeps its label.
    const f = { fix: fix.join('\n'), steps: [] };
    assert.equal(shortFixText(f), 'fix: qm disk rescan --vmid 130 (+5 more in the full report)');
    const steps = shortSteps(f);
    assert.deepEqual(
      steps.filter((s) => !s.irreversible).map((s) => s.command),
      ['qm disk rescan --vmid 130', 'pve-health cluster', 'pvesh get /cluster/tasks'],
    );
    for (const s of steps.filter((x) => x.command.startsWith('lvremove')))
      assert.match(s.words, /irreversible: deletes the data/, s.command);
  });

  it('shared LVM without a guest to keep them for: -q shows the look at every node first', () => {
    const fix = leftoverFix([lv(105, 'vm-105-disk-0', 'inactive-leftover')], { local: false });
    assert.equal(
      shortFixText({ fix: fix.join('\n'), steps: [] }),
      'fix: pve-health cluster (+1 more in the full report)',
    );
    assert.deepEqual(fix.slice(2), [
      '# then drop it (irreversible: deletes the data):',
      'lvremove vg-san/vm-105-disk-0',
    ]);
  });

  it('a del- LV on a local storage: no pvesm free (PVE lists no del- volume), the tasks first', () => {
    const fix = leftoverFix([lv(171, 'del-vm-171-disk-0', 'saferemove-leftover', 'local-lvm')], { local: true });
    assert.deepEqual(fix.slice(1), [
      'pvesh get /cluster/tasks',
      '# then, once no imgdel task runs for it, drop it (irreversible: deletes the data):',
      'lvremove pve/del-vm-171-disk-0',
    ]);
    assert.equal(
      shortFixText({ fix: fix.join('\n'), steps: [] }),
      'fix: pvesh get /cluster/tasks (+1 more in the full report)',
    );
  });

  it('two del- LVs: said in the plural, each dropped after the look at the tasks', () => {
    const fix = leftoverFix(
      [lv(170, 'del-vm-170-disk-0', 'saferemove-leftover'), lv(171, 'del-vm-171-disk-0', 'saferemove-leftover')],
      { local: false },
    );
    assert.deepEqual(fix, [
      "# del- LVs of an interrupted saferemove: the node that freed them may still be zeroing them (its imgdel task): check the cluster's tasks first:",
      'pvesh get /cluster/tasks',
      '# then, once no imgdel task runs for them, drop them (irreversible: deletes the data):',
      'lvremove vg-san/del-vm-170-disk-0',
      'lvremove vg-san/del-vm-171-disk-0',
    ]);
  });

  it('a local storage: reclaim, then pvesm free, as before (the legitimate neighbour)', () => {
    assert.deepEqual(leftoverFix([lv(150, 'vm-150-disk-0', 'guest-missing', 'local-lvm')], { local: true }), [
      '# set them aside reversibly (quarantine, re-checked and journaled; pve-health restore brings them back):',
      'pve-health reclaim --name local-lvm:vm-150-disk-0',
      '# or drop (irreversible: deletes the data), once nothing needs it:',
      'pvesm free local-lvm:vm-150-disk-0',
    ]);
  });
});
