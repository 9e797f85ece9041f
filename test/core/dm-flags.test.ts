// The pending and protected flags of DM entries (dm-flags.ts), flag by flag on one node: which task,
// lock, HA state or process makes an entry pending (an operation explains it), which only protects it,
// and which leaves it alone — each with its neighbour one step aside (another VMID, another node, a
// dead worker, a console).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeDm } from '../../src/core/dm/analyze-dm';
import { parseNode } from '../../src/core/node/node-view';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import type { DmEntry } from '../../src/core/vocab/types';
import { LOCAL_LVM, NodeBuilder } from '../helpers/node-builder';

const SAN = `${LOCAL_LVM}\nlvm: san\n\tvgname vg-san\n\tshared 1\n\tcontent images\n`;

/** VM 100 lives here (disk-0 its disk, disk-1 a leftover), VM 300 on pve2 (its shared disks active here). */
const node = () =>
  new NodeBuilder()
    .storage(SAN)
    .pool('pve')
    .cluster(['pve1', 'pve2', 'pve3'])
    .guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0'])
    .guest(300, 'qemu', ['scsi0: san:vm-300-disk-0'], 'pve2')
    .lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' })
    .lv({ vg: 'pve', lv: 'vm-100-disk-1', pool: 'data' })
    .lv({ vg: 'vg-san', lv: 'vm-300-disk-0' });

const DISK = 'pve-vm--100--disk--0';
const LEFTOVER = 'pve-vm--100--disk--1';
const AWAY = 'vg--san-vm--300--disk--0';

function flags(b: NodeBuilder, tweak?: (s: HostSnapshot) => void): Map<string, [string[], boolean]> {
  const s = b.build();
  tweak?.(s);
  const out = new Map<string, [string[], boolean]>();
  for (const e of analyzeDm(parseNode(s)).entries as DmEntry[])
    if (e.kind === 'dm' || !out.has(e.name)) out.set(e.name, [[...e.protectedBy], e.pending]);
  return out;
}

const ha = (status: object) => (s: HostSnapshot) => {
  s.files['/etc/pve/ha/manager_status'] = JSON.stringify({ service_status: status });
};
/** A kvm of `vmid` alive here, optionally the target of a live migration (`-incoming`). */
const kvm = (b: NodeBuilder, vmid: number, incoming: boolean) => {
  b.files[`/run/qemu-server/${vmid}.pid`] = `${7000 + vmid}\n`;
  b.processes.push({
    pid: 7000 + vmid,
    comm: 'kvm',
    cmdline: ['/usr/bin/kvm', '-id', String(vmid), ...(incoming ? ['-incoming', 'unix:/run/qemu-server/m'] : [])],
  });
  return b;
};
/** Every running task line of the node's tasks/active marked as one whose worker is gone (another start time). */
const deadWorkers = (s: HostSnapshot) => {
  const upids = s.files['/var/log/pve/tasks/active'].split('\n').filter(Boolean);
  s.taskWorkers = Object.fromEntries(upids.map((l) => [l.split(' ')[0], 42]));
};

// [what, node, tweak, { entry: [protectedBy, pending] }]
type Row = [string, NodeBuilder, ((s: HostSnapshot) => void) | undefined, Record<string, [string[], boolean]>];
const rows: Row[] = [
  ['nothing runs: no flag', node(), undefined, { [DISK]: [[], false], [LEFTOVER]: [[], false], [AWAY]: [[], false] }],
  [
    'migrateall (no id) concerns every guest: it explains the leftover and the map away from home',
    node().task('migrateall', ''),
    undefined,
    {
      [DISK]: [['task:migrateall'], false],
      [LEFTOVER]: [['task:migrateall'], true],
      [AWAY]: [['task:migrateall'], true],
    },
  ],
  [
    'bulk-migrate (no id) likewise',
    node().task('bulk-migrate', ''),
    undefined,
    { [LEFTOVER]: [['task:bulk-migrate'], true], [AWAY]: [['task:bulk-migrate'], true] },
  ],
  [
    'a vzdump of several guests (no id) concerns none of them by its id',
    node().task('vzdump', ''),
    undefined,
    { [DISK]: [[], false], [LEFTOVER]: [[], false], [AWAY]: [[], false] },
  ],
  [
    "a restore whose worker is gone explains nothing but protects its guest's volumes",
    node().task('qmrestore', '100'),
    deadWorkers,
    { [DISK]: [['task:qmrestore'], false], [LEFTOVER]: [['task:qmrestore'], false], [AWAY]: [[], false] },
  ],
  [
    'a console whose worker is gone protects nothing',
    node().task('vncproxy', '100'),
    deadWorkers,
    { [DISK]: [[], false], [LEFTOVER]: [[], false] },
  ],
  [
    'the same task twice is one flag',
    node().task('qmrestore', '100').task('qmrestore', '100'),
    undefined,
    { [DISK]: [['task:qmrestore'], false], [LEFTOVER]: [['task:qmrestore'], true] },
  ],
  [
    'a task, a lock and the running guest: every flag once, sorted',
    node().task('qmrestore', '100').guest(100, 'qemu', ['lock: backup', 'scsi0: local-lvm:vm-100-disk-0']).running(100),
    undefined,
    {
      [DISK]: [['guest-running', 'lock:backup', 'task:qmrestore'], false],
      [LEFTOVER]: [['guest-running', 'lock:backup', 'task:qmrestore'], true],
    },
  ],
  [
    'a lock an interrupted operation left (no task) is a stale lock',
    node().guest(100, 'qemu', ['lock: create', 'scsi0: local-lvm:vm-100-disk-0']),
    undefined,
    { [DISK]: [['stale-lock:create'], false], [LEFTOVER]: [['stale-lock:create'], false] },
  ],
  [
    'a lock while the tasks cannot be read is a lock, not called stale',
    node().guest(100, 'qemu', ['lock: create', 'scsi0: local-lvm:vm-100-disk-0']),
    (s) => {
      s.unreadable = { '/var/log/pve/tasks/active': 'EIO' };
    },
    { [DISK]: [['lock:create'], false], [LEFTOVER]: [['lock:create'], false] },
  ],
  [
    'a lock with its task under way: the lock explains the volume being written',
    node().task('qmclone', '100').guest(100, 'qemu', ['lock: clone', 'scsi0: local-lvm:vm-100-disk-0']),
    undefined,
    { [DISK]: [['lock:clone', 'task:qmclone'], false], [LEFTOVER]: [['lock', 'task:qmclone'], true] },
  ],
  [
    'HA migrates VM 300 to this node: its map here is pending',
    node(),
    ha({ 'vm:300': { node: 'pve2', state: 'migrate', target: 'pve1' } }),
    { [AWAY]: [['ha:migrate'], true], [DISK]: [[], false] },
  ],
  [
    'HA relocates VM 300 to this node',
    node(),
    ha({ 'vm:300': { node: 'pve2', state: 'relocate', target: 'pve1' } }),
    { [AWAY]: [['ha:relocate'], true] },
  ],
  [
    'HA recovers VM 300 onto this node',
    node(),
    ha({ 'vm:300': { node: 'pve2', state: 'recovery', target: 'pve1' } }),
    { [AWAY]: [['ha:recovery'], true] },
  ],
  [
    'HA migrates VM 100 away from this node',
    node(),
    ha({ 'vm:100': { node: 'pve1', state: 'migrate', target: 'pve2' } }),
    { [DISK]: [['ha:migrate'], false], [AWAY]: [[], false] },
  ],
  [
    'HA migrates VM 300 between two other nodes: nothing here',
    node(),
    ha({ 'vm:300': { node: 'pve2', state: 'migrate', target: 'pve3' } }),
    { [AWAY]: [[], false] },
  ],
  [
    'HA only runs VM 300 (started): nothing',
    node(),
    ha({ 'vm:300': { node: 'pve2', state: 'started' } }),
    { [AWAY]: [[], false] },
  ],
  [
    'a kvm of VM 300 here while its home is pve2: two nodes run it, its disk is never touched',
    kvm(node(), 300, false),
    undefined,
    { [AWAY]: [['kvm-process'], false] },
  ],
  [
    'an incoming kvm without a migration (no lock, no HA move) is still a second kvm',
    kvm(node(), 300, true),
    undefined,
    { [AWAY]: [['kvm-process'], false] },
  ],
  [
    'an incoming kvm while its config carries lock: migrate is the migration target',
    kvm(node().guest(300, 'qemu', ['lock: migrate', 'scsi0: san:vm-300-disk-0'], 'pve2'), 300, true),
    undefined,
    { [AWAY]: [['kvm-incoming', 'lock'], true] },
  ],
  [
    'an incoming kvm while HA relocates it is the migration target',
    kvm(node(), 300, true),
    ha({ 'vm:300': { node: 'pve2', state: 'relocate', target: 'pve1' } }),
    { [AWAY]: [['ha:relocate', 'kvm-incoming'], true] },
  ],
  [
    'an incoming kvm while HA migrates it is the migration target',
    kvm(node(), 300, true),
    ha({ 'vm:300': { node: 'pve2', state: 'migrate', target: 'pve1' } }),
    { [AWAY]: [['ha:migrate', 'kvm-incoming'], true] },
  ],
  [
    'an incoming kvm while HA only recovers it is no migration',
    kvm(node(), 300, true),
    ha({ 'vm:300': { node: 'pve2', state: 'recovery', target: 'pve3' } }),
    { [AWAY]: [['kvm-process'], false] },
  ],
  [
    'an incoming kvm while HA migrates another guest is no migration',
    kvm(node(), 300, true),
    ha({ 'vm:301': { node: 'pve2', state: 'migrate', target: 'pve1' } }),
    { [AWAY]: [['kvm-process'], false] },
  ],
  [
    'an incoming kvm of a guest whose config cannot be read: no lock seen, a second kvm',
    kvm(node(), 300, true),
    (s) => {
      const path = '/etc/pve/nodes/pve2/qemu-server/300.conf';
      delete s.files[path];
      s.unreadable = { [path]: 'EIO' };
    },
    { [AWAY]: [['kvm-process'], false] },
  ],
  [
    'an incoming kvm of a VMID no config knows protects its leftover',
    kvm(node().lv({ vg: 'pve', lv: 'vm-150-disk-0', pool: 'data' }), 150, true),
    undefined,
    { 'pve-vm--150--disk--0': [['kvm-process'], false] },
  ],
];

// The LVM view's rule for a VG that must not be touched (lvm-view.ts safety): every entry of it says why.
const vgRows: Row[] = [
  [
    'a partial VG (a PV missing)',
    (() => {
      const b = node();
      b.vgAttr.set('vg-san', 'wz-pn-');
      return b.lv({ vg: 'vg-san', lv: 'vm-300-disk-1' });
    })(),
    undefined,
    { 'vg--san-vm--300--disk--1': [['vg-partial'], false], [DISK]: [[], false] },
  ],
  [
    'a VG under lvmlockd (shared lock type)',
    (() => {
      const b = node();
      b.vgAttr.set('vg-san', 'wz--ns');
      return b.lv({ vg: 'vg-san', lv: 'vm-300-disk-1' });
    })(),
    undefined,
    { 'vg--san-vm--300--disk--1': [['lvmlockd'], false], [DISK]: [[], false] },
  ],
  [
    'a VG with a pvmove under way',
    node().lv({ vg: 'vg-san', lv: 'vm-300-disk-1' }),
    (s) => {
      const lvs = s.commands.lvs;
      lvs.stdout = lvs.stdout.replace(/("lv_name":"vm-300-disk-1"[^}]*"move_pv":)""/, '$1"/dev/sdb"');
    },
    { 'vg--san-vm--300--disk--1': [['pvmove'], false], [DISK]: [[], false] },
  ],
];
rows.push(...vgRows);

describe('pending and protected, flag by flag', () => {
  for (const [what, b, tweak, want] of rows) {
    test(what, () => {
      const got = flags(b, tweak);
      for (const [name, w] of Object.entries(want)) assert.deepEqual(got.get(name), w, `${what}: ${name}`);
    });
  }
});

// applyFlags for del- LVs: only imgdel tasks count, and only a running one that frees this very volume
// makes it pending (pve-storage LVMPlugin free_image → fork_worker('imgdel')).
describe('del- LVs: only imgdel counts', () => {
  const FAST = `${LOCAL_LVM}\nlvm: fast\n\tvgname nvme\n\tsaferemove 1\n`;
  const DEL = 'nvme-del--vm--106--disk--0';
  const del = (open = 0) =>
    new NodeBuilder()
      .storage(FAST)
      .guest(106, 'qemu', ['scsi0: fast:vm-106-disk-1'])
      .running(106)
      .lv({ vg: 'nvme', lv: 'vm-106-disk-1' })
      .lv({ vg: 'nvme', lv: 'del-vm-106-disk-0', open });
  const delRows: [string, NodeBuilder, ((s: HostSnapshot) => void) | undefined, [string[], boolean]][] = [
    [
      'a leftover: its guest running or a restore under way do not count',
      del().task('qmrestore', '106'),
      undefined,
      [[], false],
    ],
    [
      'a leftover beside an imgdel of another storage: protected by it, not pending',
      del().task('imgdel', '106@local-lvm'),
      undefined,
      [['task:imgdel'], false],
    ],
    [
      'a leftover whose imgdel worker is gone: protected by it',
      del().task('imgdel', '106@fast'),
      deadWorkers,
      [['task:imgdel'], false],
    ],
    [
      'its own imgdel runs: pending, and a del- LV',
      del().task('imgdel', '106@fast'),
      undefined,
      [['del-lv', 'task:imgdel'], true],
    ],
  ];
  for (const [what, b, tweak, want] of delRows) test(what, () => assert.deepEqual(flags(b, tweak).get(DEL), want));

  test('a leftover is never pending, even when the kernel shows it open while lvs did not', () => {
    const b = del().task('imgdel', '');
    b.holder('/dev/mapper/nvme-del--vm--106--disk--0', 6100, 'dd');
    const e = analyzeDm(parseNode(b.build())).entries.find((x) => x.name === DEL)!;
    assert.deepEqual(
      [e.reason, e.pending, [...e.protectedBy]],
      ['saferemove-leftover', false, ['open', 'task:imgdel']],
    );
  });
});
