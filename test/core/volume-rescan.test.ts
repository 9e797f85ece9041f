// Issue 60: an unreferenced volume on ZFS, RBD or a file storage gets PVE's rescan as its keep step wherever
// `qm disk rescan` / `pct rescan` adopts it (qemu-server QemuServer.pm rescan/scan_volids/update_disk_config,
// pve-container LXC.pm rescan: the storage's content `images` / `rootdir`, size, no vmstate, no config lock),
// and keeps it while the guest runs, as its LVM twin does (cleanup-hints.ts adviceFor).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StorageConfig } from '../../src/core/parse/storage-config';
import {
  keepStep,
  type NextStep,
  otherStep,
  reclaimStep,
  rescanCommand,
  rescanSkipsName,
} from '../../src/core/vocab/next-step';
import type { VolumeEntry } from '../../src/core/vocab/volume-types';
import { attachSteps, recreateSteps, rescanAdopts, stepsWhileProtected } from '../../src/core/volumes/volume-rescan';
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

// The rescan rules one by one (volume-rescan.ts, vocab/next-step.ts rescanCommand/rescanSkipsName), each
// with the PVE state it stands for and its neighbour that rescan does adopt.
const store = (type: string, content?: string): StorageConfig => ({
  id: 's',
  type,
  props: content === undefined ? {} : { content },
  nodes: null,
  shared: false,
  disabled: false,
});
const vol = (over: Partial<VolumeEntry> = {}): VolumeEntry => ({
  volid: 's:vm-100-disk-1',
  storage: 's',
  type: 'zfspool',
  vmid: 100,
  format: 'raw',
  status: 'orphan',
  reason: 'not-referenced',
  detail: '',
  sizeBytes: 8589934592,
  usedBytes: null,
  open: false,
  holders: [],
  pending: false,
  protected: false,
  protectedBy: [],
  ...over,
});
const ZFS = store('zfspool');

test('rescanAdopts: what scan_volids lists and update_disk_config adds', () => {
  const rows: [string, VolumeEntry, StorageConfig, string, { partial?: boolean }, boolean][] = [
    ['a VM volume on ZFS', vol(), ZFS, 'qemu', {}, true],
    ['a CT volume on ZFS', vol(), ZFS, 'lxc', {}, true],
    ['no VMID in its name: no guest lists it', vol({ vmid: null }), ZFS, 'qemu', {}, false],
    ['a snapshot: vdisk_list lists volumes only', vol({ snapshot: 's1' }), ZFS, 'qemu', {}, false],
    [
      'an image in the Ceph trash',
      vol({ trash: { id: '1a2b', source: 'USER', deletedAt: null, deferment: null } }),
      store('rbd'),
      'qemu',
      {},
      false,
    ],
    // RBD's default content is images only: pct rescan skips it, qm disk rescan lists it.
    ['a CT on RBD by default content', vol(), store('rbd'), 'lxc', {}, false],
    ['a VM on RBD by default content', vol(), store('rbd'), 'qemu', {}, true],
    ['a CT on RBD with content rootdir', vol(), store('rbd', 'rootdir'), 'lxc', {}, true],
    ['a VM on a rootdir-only storage', vol(), store('rbd', 'rootdir'), 'qemu', {}, false],
    ['a VM state volume', vol({ volid: 's:vm-100-state-suspend-2026' }), ZFS, 'qemu', {}, false],
    [
      'another VM state volume on a file storage',
      vol({ volid: 's:100/vm-100-state-s1.raw' }),
      store('dir'),
      'qemu',
      {},
      false,
    ],
    // LXC's update_unused skips nothing by name, and its scan keeps any defined size.
    ['a CT volume named like a VM state', vol({ volid: 's:vm-100-state-x' }), ZFS, 'lxc', {}, true],
    ['a VM volume of size 0 (not adopted)', vol({ sizeBytes: 0 }), ZFS, 'qemu', {}, false],
    ['a partially received zvol', vol(), ZFS, 'qemu', { partial: true }, false],
    ['a CT volume of size 0 (defined: adopted)', vol({ sizeBytes: 0 }), ZFS, 'lxc', {}, true],
    ['a CT volume partially received', vol(), ZFS, 'lxc', { partial: true }, true],
    ['a size not read', vol({ sizeBytes: null }), ZFS, 'qemu', {}, true],
  ];
  for (const [what, e, st, type, o, want] of rows) assert.equal(rescanAdopts(e, st, type, o), want, what);
});

test('attachSteps and recreateSteps: the command by guest type, nothing where rescan does not adopt', () => {
  const g = (type: string) => ({ type, vmid: 100, node: 'pve2' });
  const show = (s: { kind: string; text: string; command: string[] | null; irreversible: boolean }[]) =>
    s.map((x) => `${x.kind}|${x.text}|${x.command?.join(' ')}|${x.irreversible}`);
  assert.deepEqual(show(attachSteps(vol(), ZFS, g('qemu'))), [
    'keep|to keep it, attach it to VM 100 as unusedN (on pve2)|qm disk rescan --vmid 100|false',
  ]);
  assert.deepEqual(show(attachSteps(vol(), ZFS, g('lxc'))), [
    'keep|to keep it, attach it to CT 100 as unusedN (on pve2)|pct rescan --vmid 100|false',
  ]);
  assert.deepEqual(attachSteps(vol(), ZFS, g('qemu'), { partial: true }), []);
  assert.deepEqual(attachSteps(vol(), store('rbd'), g('lxc')), []);
  const again = 'data kept; to keep it, create guest 100 again and attach it';
  assert.deepEqual(show(recreateSteps(vol(), ZFS)), [`keep|${again}|qm disk rescan --vmid 100|false`]);
  // A subvol is a container's: pct rescan, on a storage with rootdir.
  const sub = vol({ volid: 's:subvol-100-disk-0', format: 'subvol' });
  assert.deepEqual(show(recreateSteps(sub, ZFS)), [`keep|${again}|pct rescan --vmid 100|false`]);
  assert.deepEqual(recreateSteps(sub, store('zfspool', 'images')), []);
  assert.deepEqual(recreateSteps(vol({ vmid: null }), ZFS), []);
  assert.deepEqual(recreateSteps(vol(), ZFS, { partial: true }), []);
});

test('stepsWhileProtected: the rescan stays only while nothing but a running guest or clones holds it', () => {
  const rescan = keepStep('to keep it', ['qm', 'disk', 'rescan', '--vmid', '100']);
  const other = keepStep('to keep it otherwise', ['qm', 'set', '100']);
  // A step that only shows a rescan (not the keep step) and a keep step with no command stay out.
  const look = otherStep('see what a rescan would add', ['qm', 'disk', 'rescan', '--vmid', '100', '--dryrun']);
  const words: NextStep = { kind: 'keep', text: 'keep it', command: null, irreversible: false };
  const all = [words, rescan, look, other, reclaimStep('s:vm-100-disk-1')];
  const rows: [string, Partial<VolumeEntry>, NextStep[]][] = [
    ['its guest runs', { protectedBy: ['guest-running'] }, [rescan]],
    ['clones hang off it', { protectedBy: ['has-clones'] }, [rescan]],
    ['both', { protectedBy: ['guest-running', 'has-clones'] }, [rescan]],
    ['nothing protects it', { protectedBy: [] }, [rescan]],
    ['a process holds it too', { protectedBy: ['guest-running', 'open'] }, []],
    ['a config lock', { protectedBy: ['config-lock'] }, []],
    ['an operation is under way', { protectedBy: ['guest-running'], pending: true }, []],
    ['its guest is gone: someone else holds it', { protectedBy: ['guest-running'], reason: 'guest-missing' }, []],
    ['no steps at all', { protectedBy: ['guest-running'], steps: undefined }, []],
  ];
  for (const [what, over, want] of rows)
    assert.deepEqual(stepsWhileProtected({ ...vol({ steps: all }), ...over }), want, what);
});

test('rescanCommand and rescanSkipsName: qm for any guest but a container; only vm-<its VMID>-state-', () => {
  assert.deepEqual(rescanCommand('lxc', 7), ['pct', 'rescan', '--vmid', '7']);
  assert.deepEqual(rescanCommand('qemu', 7), ['qm', 'disk', 'rescan', '--vmid', '7']);
  assert.deepEqual(rescanCommand(null, 7), ['qm', 'disk', 'rescan', '--vmid', '7']);
  const rows: [string | null, number, string, boolean][] = [
    ['qemu', 100, 'vm-100-state-suspend', true],
    [null, 100, 'vm-100-state-suspend', true],
    ['qemu', 100, '100/vm-100-state-s1.raw', true],
    ['lxc', 100, 'vm-100-state-suspend', false],
    ['qemu', 100, 'vm-100-disk-0', false],
    ['qemu', 101, 'vm-100-state-suspend', false],
    ['qemu', 10, 'vm-100-state-suspend', false],
    ['qemu', 100, 'xvm-100-state-suspend', false],
    ['qemu', 100, 'snap_vm-100-state-x', false],
    // Only where the name or a path part starts: a later match after an earlier one that does not.
    ['qemu', 100, 'xvm-100-state-a/vm-100-state-b', true],
    ['qemu', 100, 'base-100-disk-0/xvm-100-state-a', false],
  ];
  for (const [type, vmid, name, want] of rows)
    assert.equal(rescanSkipsName(type, vmid, name), want, `${type} ${vmid} ${name}`);
});
