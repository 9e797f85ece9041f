// PVE's own snapshot names and who owns them (pve-storage Storage.pm storage_migrate `__migration__`;
// pve-container VZDump/LXC.pm `vzdump`; pve-guest-common AbstractConfig.pm guest snapshots): pending only
// while the owning operation runs for THAT guest, otherwise a leftover with its consequence and a
// snapshot-only fix; and the dir grammar of Plugin.pm parse_name_dir/list_images with PVE 9 chain files.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStorageConfig } from '../../src/core/parse/storage-config';
import { holdsGuestVolumes } from '../../src/core/volumes/volume-references';
import { classify, entry, zfssnap, zsnap, zvol } from '../helpers/volume-node';

const upid = (type: string, id: string) => `UPID:pve1:000B7C1A:0A1B2C3D:67A1B2C3:${type}:${id}:root@pam: 1`;
const zsub = (name: string) => `rpool/data/${name}\tfilesystem\t-\t57344\t57344\t8589934592\t-\t/rpool/data/${name}`;

test('__migration__: pending only by a migration of that guest (task, lock, HA); else the next migration fails', () => {
  const rows: {
    name: string;
    tasks?: string[];
    lock?: string;
    ha?: string;
    /** HA state of another guest (vm:101, on this node or moving towards it). */
    haOther?: string;
    status: string;
    pending: boolean;
    hint: boolean;
  }[] = [
    { name: 'nothing runs', status: 'orphan', pending: false, hint: true },
    { name: 'qmigrate of 100', tasks: [upid('qmigrate', '100')], status: 'valid', pending: true, hint: false },
    { name: 'qmigrate of another VM', tasks: [upid('qmigrate', '101')], status: 'orphan', pending: false, hint: true },
    { name: 'vzdump of several guests', tasks: [upid('vzdump', '')], status: 'orphan', pending: false, hint: true },
    { name: 'lock: migrate', lock: 'migrate', status: 'valid', pending: true, hint: false },
    { name: 'HA migrates it', ha: 'migrate', status: 'valid', pending: true, hint: false },
    { name: 'HA started', ha: 'started', status: 'orphan', pending: false, hint: true },
    // HA moving another guest explains nothing of this one's snapshot (the VMID condition of the HA clause).
    { name: 'HA migrates another VM', haOther: 'migrate', status: 'orphan', pending: false, hint: true },
    { name: 'HA relocates another VM', haOther: 'relocate', status: 'orphan', pending: false, hint: true },
    { name: 'HA recovers another VM', haOther: 'recovery', status: 'orphan', pending: false, hint: true },
    {
      name: 'HA migrates it and another VM',
      ha: 'migrate',
      haOther: 'migrate',
      status: 'valid',
      pending: true,
      hint: false,
    },
    // Another operation on the guest owns no migration snapshot: a leftover, but nothing is proposed meanwhile.
    { name: 'lock: backup', lock: 'backup', status: 'orphan', pending: false, hint: false },
    { name: 'a vzdump task of 100', tasks: [upid('vzdump', '100')], status: 'orphan', pending: false, hint: false },
  ];
  for (const r of rows) {
    const es = classify({
      files: {
        '/etc/pve/nodes/pve1/qemu-server/100.conf': `scsi0: local-zfs:vm-100-disk-0,size=8G\n${r.lock ? `lock: ${r.lock}\n` : ''}`,
        ...(r.ha || r.haOther
          ? {
              '/etc/pve/ha/manager_status': JSON.stringify({
                service_status: {
                  ...(r.ha ? { 'vm:100': { node: 'pve1', state: r.ha } } : {}),
                  ...(r.haOther ? { 'vm:101': { node: 'pve1', state: r.haOther } } : {}),
                },
              }),
            }
          : {}),
      },
      zfs: [zvol('vm-100-disk-0'), zsnap('vm-100-disk-0@__migration__')],
      tasks: r.tasks?.join('\n'),
    });
    const e = entry(es, 'local-zfs:vm-100-disk-0', '__migration__');
    assert.deepEqual(
      [e.status, e.pending, e.hint !== undefined],
      [r.status, r.pending, r.hint],
      `${r.name}: ${JSON.stringify(e)}`,
    );
    assert.equal(e.snapshotOwner, 'migration');
    if (r.status === 'orphan') {
      assert.equal(e.reason, 'operation-leftover', r.name);
      assert.match(e.detail, /the next migration of VM 100 fails, snapshot __migration__ exists/, r.name);
    }
    if (r.hint) {
      // reclaim's reversible rename first (checked under PVE's locks), then the snapshot's own removal,
      // marked irreversible.
      assert.deepEqual(
        e.steps?.map((x) => [x.kind, x.irreversible, x.command]),
        [
          ['reclaim', false, ['pve-health', 'reclaim', '--name', 'local-zfs:vm-100-disk-0@__migration__']],
          ['drop', true, ['zfs', 'destroy', 'rpool/data/vm-100-disk-0@__migration__']],
        ],
        r.name,
      );
      assert.match(e.hint ?? '', /irreversible\): zfs destroy rpool\/data\/vm-100-disk-0@__migration__$/, r.name);
    }
    // The volume itself is untouched by the snapshot's verdict.
    assert.equal(entry(es, 'local-zfs:vm-100-disk-0').status, 'valid', r.name);
  }
});

test('vzdump on a container: pending only by a backup of THAT CT; a leftover names what the next backup does', () => {
  const ct = (extra: string) => ({
    '/etc/pve/nodes/pve1/lxc/105.conf': `rootfs: local-zfs:subvol-105-disk-0,size=8G\n${extra}`,
  });
  const rows: {
    name: string;
    conf?: string;
    tasks?: string[];
    status: string;
    pending: boolean;
    hint?: string | null;
    detail?: RegExp;
  }[] = [
    { name: 'vzdump task of 105', tasks: [upid('vzdump', '105')], status: 'valid', pending: true, hint: null },
    {
      name: 'multi-guest vzdump, CT 105 locked backup',
      tasks: [upid('vzdump', '')],
      conf: 'lock: backup\n',
      status: 'valid',
      pending: true,
      hint: null,
    },
    // The issue's case: a backup of another guest runs.
    {
      name: 'vzdump task of 106',
      tasks: [upid('vzdump', '106')],
      status: 'orphan',
      pending: false,
      hint: 'pve-health reclaim --name local-zfs:subvol-105-disk-0@vzdump; zfs destroy rpool/data/subvol-105-disk-0@vzdump',
      detail: /next snapshot-mode backup of CT 105 fails/,
    },
    {
      name: 'multi-guest vzdump, 105 not locked',
      tasks: [upid('vzdump', '')],
      status: 'orphan',
      pending: false,
      hint: 'pve-health reclaim --name local-zfs:subvol-105-disk-0@vzdump; zfs destroy rpool/data/subvol-105-disk-0@vzdump',
    },
    {
      name: '[vzdump] section left: the config owns it (not an orphan), PVE force-removes both itself',
      conf: 'parent: vzdump\n\n[vzdump]\nrootfs: local-zfs:subvol-105-disk-0,size=8G\nsnapstate: prepare\nsnaptime: 1712000000\n',
      status: 'valid',
      pending: false,
      hint: 'pct delsnapshot 105 vzdump --force',
      detail: /force-removes it first/,
    },
  ];
  for (const r of rows) {
    const es = classify({
      files: {
        ...ct(r.conf ?? ''),
        '/etc/pve/nodes/pve1/lxc/106.conf': 'rootfs: local-zfs:subvol-106-disk-0,size=8G\n',
      },
      zfs: [zsub('subvol-105-disk-0'), zfssnap('subvol-105-disk-0@vzdump'), zsub('subvol-106-disk-0')],
      tasks: r.tasks?.join('\n'),
    });
    const e = entry(es, 'local-zfs:subvol-105-disk-0', 'vzdump');
    assert.deepEqual([e.status, e.pending], [r.status, r.pending], `${r.name}: ${JSON.stringify(e)}`);
    assert.equal(e.snapshotOwner, 'vzdump');
    // The steps' commands (the hint is their sentence); each that deletes a snapshot is irreversible,
    // reclaim's rename is not.
    const commands = e.steps?.map((x) => (x.command ?? []).join(' ')).join('; ') ?? null;
    if (r.hint !== undefined) assert.equal(commands, r.hint, r.name);
    for (const x of e.steps ?? []) assert.equal(x.irreversible, x.kind !== 'reclaim', r.name);
    if (r.detail) assert.match(e.detail, r.detail, r.name);
  }
  // qemu-server takes no volume snapshot for a backup: `vzdump` on a VM disk is judged as a guest snapshot.
  const vm = classify({
    files: { '/etc/pve/nodes/pve1/qemu-server/100.conf': 'scsi0: local-zfs:vm-100-disk-0,size=8G\n' },
    zfs: [zvol('vm-100-disk-0'), zsnap('vm-100-disk-0@vzdump')],
    tasks: upid('vzdump', '100'),
  });
  const v = entry(vm, 'local-zfs:vm-100-disk-0', 'vzdump');
  assert.deepEqual([v.status, v.reason, v.snapshotOwner, v.pending], ['orphan', 'snapshot-missing', 'guest', false]);
  assert.equal(v.hint, undefined, 'a task of the guest runs: no hint meanwhile');
});

test('guest snapshots: a section names it (valid); none does: pending only under a snapshot operation of that guest', () => {
  const rows: { name: string; conf: string; tasks?: string[]; status: string; pending: boolean; hint: boolean }[] = [
    {
      name: 'section exists',
      conf: '\n[before]\nscsi0: local-zfs:vm-100-disk-0,size=8G\nsnaptime: 1712000000\n',
      status: 'valid',
      pending: false,
      hint: false,
    },
    { name: 'no section', conf: '', status: 'orphan', pending: false, hint: true },
    { name: 'lock snapshot-delete', conf: 'lock: snapshot-delete\n', status: 'orphan', pending: true, hint: false },
    {
      name: 'qmsnapshot task',
      conf: '',
      tasks: [upid('qmsnapshot', '100')],
      status: 'orphan',
      pending: true,
      hint: false,
    },
    {
      name: 'qmsnapshot of another VM',
      conf: '',
      tasks: [upid('qmsnapshot', '101')],
      status: 'orphan',
      pending: false,
      hint: true,
    },
  ];
  for (const r of rows) {
    const es = classify({
      files: { '/etc/pve/nodes/pve1/qemu-server/100.conf': `scsi0: local-zfs:vm-100-disk-0,size=8G\n${r.conf}` },
      zfs: [zvol('vm-100-disk-0'), zsnap('vm-100-disk-0@before')],
      tasks: r.tasks?.join('\n'),
    });
    const e = entry(es, 'local-zfs:vm-100-disk-0', 'before');
    assert.deepEqual(
      [e.status, e.pending, e.hint !== undefined],
      [r.status, r.pending, r.hint],
      `${r.name}: ${JSON.stringify(e)}`,
    );
  }
});

test('dir grammar (Plugin.pm parse_name_dir, list_images): any name in images/<vmid>/, owner = directory, snap- chain files', () => {
  const es = classify({
    files: {
      '/etc/pve/nodes/pve1/qemu-server/100.conf': [
        'scsi0: local:100/data.qcow2,size=8G',
        'scsi1: local:100/vm-101-disk-0.raw,size=8G',
        'scsi2: local:100/vm-100-disk-0.qcow2,size=8G',
        'parent: s1',
        '',
        '[s1]',
        'scsi2: local:100/vm-100-disk-0.qcow2,size=8G',
        'snaptime: 1712000000',
        '',
      ].join('\n'),
    },
    local: [
      { name: '100/data.qcow2' },
      { name: '100/vm-101-disk-0.raw' },
      { name: '100/vm-100-disk-0.qcow2' },
      { name: '100/snap-s1-vm-100-disk-0.qcow2' },
      { name: '100/snap-gone-x-vm-100-disk-0.qcow2' },
      { name: '100/snap-s1-vm-100-disk-9.qcow2' },
      { name: '100/spare disk.img' },
      { name: '100/spare.vmdk' },
      { name: '100/notes.txt' },
    ],
  });
  const rows: [string, string | undefined, string, string, number | null][] = [
    ['local:100/data.qcow2', undefined, 'valid', 'referenced', 100],
    ['local:100/vm-101-disk-0.raw', undefined, 'valid', 'referenced', 100],
    ['local:100/vm-100-disk-0.qcow2', 's1', 'valid', 'referenced', 100],
    ['local:100/vm-100-disk-0.qcow2', 'gone-x', 'orphan', 'snapshot-missing', 100],
    ['local:100/snap-s1-vm-100-disk-9.qcow2', undefined, 'ignored', 'not-guest-volume', null],
    ['local:100/spare disk.img', undefined, 'ignored', 'not-guest-volume', null],
    ['local:100/spare.vmdk', undefined, 'orphan', 'not-referenced', 100],
    ['local:100/notes.txt', undefined, 'ignored', 'not-guest-volume', null],
  ];
  for (const [volid, snap, status, reason, vmid] of rows) {
    const e = entry(es, volid, snap);
    assert.deepEqual([e.status, e.reason, e.vmid], [status, reason, vmid], `${volid}@${snap}: ${e.detail}`);
  }
  // A chain snapshot file is no volume: the snapshot of a dir chain has no one-command removal.
  assert.ok(!es.some((e) => e.volid === 'local:100/snap-s1-vm-100-disk-0.qcow2'));
  assert.equal(entry(es, 'local:100/vm-100-disk-0.qcow2', 'gone-x').hint, undefined);
  assert.match(entry(es, 'local:100/snap-s1-vm-100-disk-9.qcow2').detail, /volume-chain snapshot file/);
  assert.match(
    entry(es, 'local:100/spare.vmdk').hint ?? '',
    /qm disk rescan --vmid 100.*pvesm free local:100\/spare\.vmdk$/,
  );
});

test('krbd: a mapped image holds a watch (rbd rm refuses it): open and protected whatever the configs say; an unmapped one is not', () => {
  const rbd = JSON.stringify([
    { image: 'vm-150-disk-0', id: 'a1', size: 1073741824, format: 2 },
    { image: 'vm-151-disk-0', id: 'a2', size: 1073741824, format: 2 },
  ]);
  const es = classify({
    rbd,
    rbdDevices: { 'vm-pool/vm-150-disk-0': 'rbd0' },
    rbdStatus: { 'vm-151-disk-0': '{"watchers":[]}' },
  });
  const mapped = entry(es, 'ceph-vm:vm-150-disk-0');
  assert.deepEqual(
    [mapped.status, mapped.open, mapped.protectedBy, mapped.hint],
    ['orphan', true, ['krbd-mapped'], undefined],
  );
  const free = entry(es, 'ceph-vm:vm-151-disk-0');
  assert.deepEqual([free.open, free.protected], [false, false]);
  assert.match(free.hint ?? '', /pvesm free ceph-vm:vm-151-disk-0$/);
});

test('holdsGuestVolumes (Storage.pm vdisk_list): content with images or rootdir, or no content line; volume storage types only', () => {
  const rows: [string, boolean][] = [
    ['dir: a\n\tpath /a\n\tcontent images\n', true],
    ['dir: a\n\tpath /a\n\tcontent rootdir,iso\n', true],
    ['dir: a\n\tpath /a\n\tcontent backup\n\tis_mountpoint yes\n', false],
    ['dir: a\n\tpath /a\n\tcontent iso,vztmpl,backup\n', false],
    ['dir: a\n\tpath /a\n', true],
    ['zfspool: z\n\tpool rpool/data\n', true],
    ['nfs: n\n\tserver s\n\texport /e\n\tcontent images,iso\n', true],
    ['lvmthin: t\n\tvgname pve\n\tthinpool data\n\tcontent images\n', false],
  ];
  for (const [cfg, want] of rows) assert.equal(holdsGuestVolumes(parseStorageConfig(cfg)[0]), want, cfg);
});

// A guest running here holds a guest snapshot its config has no section for (issue 59: a config cut at a
// line boundary loses a section without a trace; the DM part holds every LV of a running guest alike).
test('a guest snapshot without its [section]: held while its guest runs here (kvm -id 100), a leftover once it is stopped', () => {
  const kvm = { pid: 4100, comm: 'kvm', cmdline: ['/usr/bin/kvm', '-id', '100'], fds: [] };
  const bash = { pid: 4100, comm: 'bash', cmdline: ['/bin/bash', '-id', '100'], fds: [] };
  const rows = [
    {
      name: 'running, config names the disk',
      conf: 'scsi0: local-zfs:vm-100-disk-0,size=8G\n',
      procs: [kvm],
      protectedBy: ['guest-running'],
    },
    {
      name: 'running, config cut before the disk line',
      conf: 'cores: 2\n',
      procs: [kvm],
      protectedBy: ['guest-running'],
    },
    { name: 'stopped (no kvm)', conf: 'scsi0: local-zfs:vm-100-disk-0,size=8G\n', procs: [], protectedBy: [] },
    {
      name: 'stopped (another program says -id 100)',
      conf: 'scsi0: local-zfs:vm-100-disk-0,size=8G\n',
      procs: [bash],
      protectedBy: [],
    },
  ];
  for (const r of rows) {
    const es = classify({
      files: { '/etc/pve/nodes/pve1/qemu-server/100.conf': r.conf },
      zfs: [zvol('vm-100-disk-0'), zsnap('vm-100-disk-0@before-upgrade')],
      processes: r.procs,
    });
    const e = entry(es, 'local-zfs:vm-100-disk-0', 'before-upgrade');
    assert.deepEqual([e.status, e.reason, e.protectedBy], ['orphan', 'snapshot-missing', r.protectedBy], r.name);
    assert.equal(e.hint === undefined, r.protectedBy.length > 0, r.name);
  }
  // A snapshot its section names is valid and not held; a __migration__ leftover is its operation's.
  const named = classify({
    files: {
      '/etc/pve/nodes/pve1/qemu-server/100.conf':
        'scsi0: local-zfs:vm-100-disk-0,size=8G\n\n[before-upgrade]\nsnaptime: 1700000000\n',
    },
    zfs: [zvol('vm-100-disk-0'), zsnap('vm-100-disk-0@before-upgrade'), zsnap('vm-100-disk-0@__migration__')],
    processes: [kvm],
  });
  assert.deepEqual(entry(named, 'local-zfs:vm-100-disk-0', 'before-upgrade').protectedBy, []);
  assert.deepEqual(entry(named, 'local-zfs:vm-100-disk-0', '__migration__').protectedBy, []);
  // Another guest running holds nothing of this one's.
  const other = classify({
    files: { '/etc/pve/nodes/pve1/qemu-server/100.conf': 'scsi0: local-zfs:vm-100-disk-0,size=8G\n' },
    zfs: [zvol('vm-100-disk-0'), zsnap('vm-100-disk-0@before-upgrade')],
    processes: [{ ...kvm, cmdline: ['/usr/bin/kvm', '-id', '101'] }],
  });
  assert.deepEqual(entry(other, 'local-zfs:vm-100-disk-0', 'before-upgrade').protectedBy, []);
});

// A kvm of VM 100 on this node while VM 100 lives on pve2 (a live migration's target, or two nodes running
// it): the volume is held (`kvm-process`, the DM part's rule), and so is its snapshot. Neighbours: no kvm,
// a kvm of another VM, VM 100 at home here and running (`guest-running` only).
test('a snapshot of a guest whose home is another node, while a kvm of it runs here: held like its volume', () => {
  const kvm = (id: string) => ({ pid: 4100, comm: 'kvm', cmdline: ['/usr/bin/kvm', '-id', id], fds: [] });
  const rows = [
    { name: 'home pve2, kvm -id 100 here', home: 'pve2', procs: [kvm('100')], want: ['kvm-process'] },
    { name: 'home pve2, no kvm', home: 'pve2', procs: [], want: [] },
    { name: 'home pve2, kvm -id 101 here', home: 'pve2', procs: [kvm('101')], want: [] },
    { name: 'home here, running', home: 'pve1', procs: [kvm('100')], want: ['guest-running'] },
    { name: 'no guest 100 at all, kvm -id 100 here', home: null, procs: [kvm('100')], want: ['kvm-process'] },
  ];
  for (const r of rows) {
    const es = classify({
      files: r.home
        ? { [`/etc/pve/nodes/${r.home}/qemu-server/100.conf`]: 'scsi0: local-zfs:vm-100-disk-0,size=8G\n' }
        : {},
      zfs: [zvol('vm-100-disk-0'), zsnap('vm-100-disk-0@before-upgrade')],
      processes: r.procs,
    });
    const e = entry(es, 'local-zfs:vm-100-disk-0', 'before-upgrade');
    assert.deepEqual([e.status, e.protectedBy], ['orphan', r.want], r.name);
  }
});

// A task of a guest that uses the volume (its config names it, whatever VMID the volume's name carries)
// holds that volume's snapshot (issue 59: only the name's VMID was asked, a task of the user was not).
test("a snapshot of VM 100's volume that VM 101 uses: a task of VM 101 holds it; a task of VM 102 does not", () => {
  const upidOf = (type: string, id: string) => `UPID:pve1:000B7C1A:0A1B2C3D:67A1B2C3:${type}:${id}:root@pam: 1`;
  const look = (task: string) =>
    entry(
      classify({
        files: { '/etc/pve/nodes/pve1/qemu-server/101.conf': 'scsi1: local-zfs:vm-100-disk-0,size=8G\n' },
        zfs: [zvol('vm-100-disk-0'), zsnap('vm-100-disk-0@before')],
        tasks: upidOf('vzdump', task),
      }),
      'local-zfs:vm-100-disk-0',
      'before',
    );
  const user = look('101');
  assert.deepEqual([user.status, user.reason, user.protectedBy], ['orphan', 'snapshot-missing', ['task:vzdump']]);
  assert.equal(user.hint, undefined);
  const other = look('102');
  assert.deepEqual([other.status, other.protectedBy], ['orphan', []]);
});
