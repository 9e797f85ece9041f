// Issue 60: an unreferenced volume on ZFS, RBD or a file storage gets PVE's rescan as its keep step wherever
// `qm disk rescan` / `pct rescan` adopts it (qemu-server QemuServer.pm rescan/scan_volids/update_disk_config,
// pve-container LXC.pm rescan: the storage's content `images` / `rootdir`, size, no vmstate, no config lock),
// and keeps it while the guest runs, as its LVM twin does (cleanup-hints.ts adviceFor).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify, entry, zsnap, zvol } from '../helpers/volume-node';

const kvm = { pid: 4242, comm: 'kvm', cmdline: ['/usr/bin/kvm', '-id', '100'], fds: [] };
const RUNNING = { '/run/qemu-server/100.pid': '4242\n' };
const VM100 = { '/etc/pve/nodes/pve1/qemu-server/100.conf': 'scsi0: local-zfs:vm-100-disk-9,size=8G\n' };
const CT200 = { '/etc/pve/nodes/pve1/lxc/200.conf': 'rootfs: local-zfs:subvol-200-disk-9,size=8G\n' };
const img = (image: string) => ({ image, id: `id${image}`, size: 1073741824, format: 2 });
const RESCAN = 'qm disk rescan --vmid 100';

const stepsOf = (e: { steps?: { kind: string; command: string[] | null }[] }) =>
  (e.steps ?? []).map((s) => `${s.kind}: ${s.command?.join(' ') ?? ''}`);

test('the rescan step: where PVE adopts the volume, and while the guest runs', () => {
  const rows: { name: string; node: Parameters<typeof classify>[0]; volid: string; want: string[] }[] = [
    {
      name: 'zvol of a running VM: only the rescan (the LVM twin)',
      node: { files: { ...VM100, ...RUNNING }, zfs: [zvol('vm-100-disk-1')], processes: [kvm] },
      volid: 'local-zfs:vm-100-disk-1',
      want: [`keep: ${RESCAN}`],
    },
    {
      name: 'RBD image of a running VM',
      node: {
        files: { ...VM100, ...RUNNING },
        rbd: JSON.stringify([img('vm-100-disk-1')]),
        rbdStatus: { 'vm-100-disk-1': '{"watchers":[]}' },
        processes: [kvm],
      },
      volid: 'ceph-vm:vm-100-disk-1',
      want: [`keep: ${RESCAN}`],
    },
    {
      name: 'file of a running VM',
      node: { files: { ...VM100, ...RUNNING }, local: [{ name: '100/vm-100-disk-1.raw' }], processes: [kvm] },
      volid: 'local:100/vm-100-disk-1.raw',
      want: [`keep: ${RESCAN}`],
    },
    {
      name: 'zvol of a stopped VM: rescan, reclaim, drop',
      node: { files: VM100, zfs: [zvol('vm-100-disk-1')] },
      volid: 'local-zfs:vm-100-disk-1',
      want: [
        `keep: ${RESCAN}`,
        'reclaim: pve-health reclaim --name local-zfs:vm-100-disk-1',
        'drop: pvesm free local-zfs:vm-100-disk-1',
      ],
    },
    {
      name: 'a running VM with a lock (check_lock dies): nothing',
      node: {
        files: {
          '/etc/pve/nodes/pve1/qemu-server/100.conf': 'scsi0: local-zfs:vm-100-disk-9\nlock: backup\n',
          ...RUNNING,
        },
        zfs: [zvol('vm-100-disk-1')],
        processes: [kvm],
      },
      volid: 'local-zfs:vm-100-disk-1',
      want: [],
    },
    {
      name: 'a vmstate volume: update_disk_config skips vm-N-state-',
      node: { files: VM100, zfs: [zvol('vm-100-state-old')] },
      volid: 'local-zfs:vm-100-state-old',
      want: [
        'reclaim: pve-health reclaim --name local-zfs:vm-100-state-old',
        'drop: pvesm free local-zfs:vm-100-state-old',
      ],
    },
    {
      name: 'a CT: pct rescan on a storage with rootdir',
      node: { files: CT200, zfs: [zvol('vm-200-disk-1')] },
      volid: 'local-zfs:vm-200-disk-1',
      want: [
        'keep: pct rescan --vmid 200',
        'reclaim: pve-health reclaim --name local-zfs:vm-200-disk-1',
        'drop: pvesm free local-zfs:vm-200-disk-1',
      ],
    },
    {
      name: 'a CT: no pct rescan where the storage has no rootdir (local: images only)',
      node: { files: CT200, local: [{ name: '200/vm-200-disk-1.raw' }] },
      volid: 'local:200/vm-200-disk-1.raw',
      want: [
        'reclaim: pve-health reclaim --name local:200/vm-200-disk-1.raw',
        'drop: pvesm free local:200/vm-200-disk-1.raw',
      ],
    },
    {
      name: 'no guest anywhere: create it again and rescan',
      node: { zfs: [zvol('vm-150-disk-0')] },
      volid: 'local-zfs:vm-150-disk-0',
      want: [
        'keep: qm disk rescan --vmid 150',
        'reclaim: pve-health reclaim --name local-zfs:vm-150-disk-0',
        'drop: pvesm free local-zfs:vm-150-disk-0',
      ],
    },
  ];
  for (const r of rows) assert.deepEqual(stepsOf(entry(classify(r.node), r.volid)), r.want, r.name);
});

test('the rescan step: words by guest type; never for a snapshot', () => {
  const ct = entry(classify({ files: CT200, zfs: [zvol('vm-200-disk-1')] }), 'local-zfs:vm-200-disk-1');
  assert.equal(ct.steps?.[0].text, 'to keep it, attach it to CT 200 as unusedN (on pve1)');
  const vm = entry(classify({ files: VM100, zfs: [zvol('vm-100-disk-1')] }), 'local-zfs:vm-100-disk-1');
  assert.equal(vm.steps?.[0].text, 'to keep it, attach it to VM 100 as unusedN (on pve1)');
  // a snapshot of a gone guest's volume: rescan lists volumes, never snapshots
  const snap = entry(
    classify({ zfs: [zvol('vm-150-disk-0'), zsnap('vm-150-disk-0@s1')] }),
    'local-zfs:vm-150-disk-0',
    's1',
  );
  assert.ok(!(snap.steps ?? []).some((x) => x.kind === 'keep'), JSON.stringify(snap.steps));
});
