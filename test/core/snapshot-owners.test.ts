// Who a storage snapshot belongs to (volume snapshot-verdict.ts), through whole nodes: the guests whose
// configs name its volume here, then the guest its name carries (PVE acts on what a section names:
// AbstractConfig.pm snapshot_delete / snapshot_rollback, facts §13), a replica's snapshots the guest's
// sections name (Replication.pm replicate_volume: with_snapshots), and the words of a leftover that a
// section still names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify, entry, zsnap, zvol } from '../helpers/volume-node';

const conf = (node: string, vmid: number, text: string) => ({
  [`/etc/pve/nodes/${node}/qemu-server/${vmid}.conf`]: text,
});

test("a replica's snapshot the guest's section names: protected by the job, never an orphan", () => {
  const es = classify({
    files: {
      ...conf(
        'pve2',
        100,
        'scsi0: local-zfs:vm-100-disk-0,size=8G\n\n[snap1]\nscsi0: local-zfs:vm-100-disk-0,size=8G\nsnaptime: 1700000000\n',
      ),
      '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve1\n',
    },
    zfs: [zvol('vm-100-disk-0'), zsnap('vm-100-disk-0@snap1')],
  });
  const s = entry(es, 'local-zfs:vm-100-disk-0', 'snap1');
  assert.notEqual(s.status, 'orphan');
  assert.equal(s.job, '100-0');
  assert.ok(s.protectedBy.includes('replication-job:100-0'), String(s.protectedBy));
  assert.match(s.detail, /^snapshot \[snap1\] of VM 100 on its /);
  assert.equal(s.steps, undefined);
  // The same snapshot with no section naming it: the guest's snapshot is gone, the replica's stays a copy.
  const gone = classify({
    files: {
      ...conf('pve2', 100, 'scsi0: local-zfs:vm-100-disk-0,size=8G\n'),
      '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve1\n',
    },
    zfs: [zvol('vm-100-disk-0'), zsnap('vm-100-disk-0@snap1')],
  });
  assert.doesNotMatch(entry(gone, 'local-zfs:vm-100-disk-0', 'snap1').detail, /^snapshot \[snap1\] of VM 100 on its /);
});

test('a snapshot of a volume no config names, whose guest exists here: snapshot-missing, never "guest gone"', () => {
  const es = classify({
    files: conf('pve1', 100, 'scsi0: local-zfs:vm-100-disk-1,size=8G\n'),
    zfs: [zvol('vm-100-disk-0'), zvol('vm-100-disk-1'), zsnap('vm-100-disk-0@old')],
  });
  const s = entry(es, 'local-zfs:vm-100-disk-0', 'old');
  assert.deepEqual([s.status, s.reason], ['orphan', 'snapshot-missing']);
  assert.doesNotMatch(s.detail, /no longer exists/);
});

// pve-container's vzdump snapshot mode makes a storage snapshot `vzdump` and a [vzdump] section
// (LXC.pm / vzdump snapshot): left behind, PVE's own `pct delsnapshot` is the command, and the entry says
// which guest's section names it.
test("a container's vzdump leftover a section still names: which guest's section names it", () => {
  const disk = 'subvol-100-disk-0';
  const es = classify({
    files: {
      '/etc/pve/nodes/pve1/lxc/100.conf': `rootfs: local-zfs:${disk},size=8G\n\n[vzdump]\nrootfs: local-zfs:${disk},size=8G\nsnapstate: prepare\nsnaptime: 1700000000\n`,
    },
    zfs: [
      `rpool/data/${disk}\tfilesystem\t-\t98304\t98304\t67108864\t-\t/rpool/data/${disk}`,
      `rpool/data/${disk}@vzdump\tsnapshot\t-\t0\t98304\t-\t-\t-`,
    ],
  });
  const s = entry(es, `local-zfs:${disk}`, 'vzdump');
  assert.deepEqual([s.status, s.reason, s.namedBySection], ['orphan', 'operation-leftover', 'CT 100 [vzdump]']);
  assert.deepEqual(s.steps?.[0]?.command?.slice(0, 4), ['pct', 'delsnapshot', '100', 'vzdump']);
});
