// The irreversible command a snapshot leftover's drop step prints (volume-commands.ts snapshotFree):
// what PVE's volume_snapshot_delete runs for that one snapshot, never its volume — ZFSPoolPlugin
// `zfs destroy <pool>/<name>@<snap>`, RBDPlugin `rbd snap rm`, BTRFSPlugin `btrfs subvolume delete` of the
// sibling subvolume `<name>@<snap>` (filesystem_path); none for a dir volume chain (merged, not deleted).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStorageConfig } from '../../src/core/parse/storage-config';
import { snapshotFree } from '../../src/core/volumes/volume-commands';
import { vol } from '../helpers/reclaim-input';

const CFG = parseStorageConfig(`zfspool: local-zfs
\tpool rpool/data

rbd: ceph-vm
\tpool vm-pool
\tnamespace tenant1

rbd: ceph-plain
\tpool vms

btrfs: local-btrfs
\tpath /mnt/btrfs

dir: local
\tpath /var/lib/vz
`);
const st = (id: string) => CFG.find((s) => s.id === id)!;

test('snapshotFree: one snapshot of one volume, by the command its storage type takes', () => {
  const rows: { volid: string; vmid: number; snapshot: string; want: string[] | null }[] = [
    {
      volid: 'local-zfs:vm-100-disk-0',
      vmid: 100,
      snapshot: 'before',
      want: ['zfs', 'destroy', 'rpool/data/vm-100-disk-0@before'],
    },
    // A linked clone's volname names its base first: the snapshot is the clone's own.
    {
      volid: 'local-zfs:base-900-disk-0/vm-902-disk-0',
      vmid: 902,
      snapshot: 's1',
      want: ['zfs', 'destroy', 'rpool/data/vm-902-disk-0@s1'],
    },
    {
      volid: 'ceph-vm:vm-101-disk-0',
      vmid: 101,
      snapshot: 'snap1',
      want: ['rbd', '-p', 'vm-pool', '--namespace', 'tenant1', 'snap', 'rm', 'vm-101-disk-0@snap1'],
    },
    {
      volid: 'ceph-plain:base-900-disk-0/vm-903-disk-1',
      vmid: 903,
      snapshot: 'x',
      want: ['rbd', '-p', 'vms', 'snap', 'rm', 'vm-903-disk-1@x'],
    },
    // An image whose name starts with `-` is given by option: rbd would read it as one.
    {
      volid: 'ceph-plain:-odd',
      vmid: 104,
      snapshot: 'x',
      want: ['rbd', '-p', 'vms', 'snap', 'rm', '--image', '-odd', '--snap', 'x'],
    },
    // btrfs: a raw disk's snapshot is the sibling subvolume of its directory, a subvol's of the subvol.
    {
      volid: 'local-btrfs:105/vm-105-disk-0.raw',
      vmid: 105,
      snapshot: 'pre',
      want: ['btrfs', 'subvolume', 'delete', '/mnt/btrfs/images/105/vm-105-disk-0@pre'],
    },
    {
      volid: 'local-btrfs:106/subvol-106-disk-0.subvol',
      vmid: 106,
      snapshot: 'pre',
      want: ['btrfs', 'subvolume', 'delete', '/mnt/btrfs/images/106/subvol-106-disk-0.subvol@pre'],
    },
    // A dir volume chain's snapshot is merged into its volume by PVE, never deleted alone.
    { volid: 'local:107/vm-107-disk-0.qcow2', vmid: 107, snapshot: 's', want: null },
  ];
  for (const r of rows) {
    const storage = r.volid.slice(0, r.volid.indexOf(':'));
    const e = vol({ volid: r.volid, vmid: r.vmid, snapshot: r.snapshot, storage });
    assert.deepEqual(snapshotFree(e, st(storage)), r.want, r.volid);
  }
});
