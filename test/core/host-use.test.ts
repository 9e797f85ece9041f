// The host using a guest's disk (src/core/storage/classify-storage-host.ts, guest-disk-graph.ts), rule by
// rule: which maps are guest disks, how a mount, a kpartx partition, dm-crypt or the guest's own VG is
// traced down `dmsetup deps` to the disk it sits on, and what each finding tells the admin to run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNode } from '../../src/core/node/node-view';
import { buildStorageContext } from '../../src/core/storage/classify-storage';
import { classifyHostUse } from '../../src/core/storage/classify-storage-host';
import type { StorageFinding } from '../../src/core/vocab/types';
import { lvmId, NodeBuilder } from '../helpers/node-builder';
import { emptyDm, vgsJson } from '../helpers/storage-snapshot';

/** Plain LVM storage `san` on VG vmdata (linear LVs), and a VG no storage names. */
const STORAGE =
  'lvm: san\n\tvgname vmdata\n\tcontent images,rootdir\n\nlvm: other\n\tvgname othervg\n\tcontent images\n';

function node(): NodeBuilder {
  return new NodeBuilder('pve1')
    .storage(STORAGE)
    .lv({ vg: 'vmdata', lv: 'vm-100-disk-0' })
    .lv({ vg: 'vmdata', lv: 'base-900-disk-0' })
    .lv({ vg: 'vmdata', lv: 'scratch' })
    .lv({ vg: 'hostvg', lv: 'vm-300-disk-0' });
}

/** A kpartx partition map of `disk` (its UUID names the disk's). */
function partition(b: NodeBuilder, disk: string, n = 1, open = 0): string {
  const name = `${disk}p${n}`;
  b.map({ name, uuid: `part${n}-${b.uuidOf(disk)}`, table: `0 2048 linear ${b.devnoOf(disk)} 2048`, open });
  return name;
}

/** An LV of a VG found inside `below` (the guest's own LVM, activated by the host). */
function guestVgLv(b: NodeBuilder, vg: string, lv: string, below: string): string {
  const name = `${vg.replace(/-/g, '--')}-${lv.replace(/-/g, '--')}`;
  b.map({ name, uuid: `LVM-${b.vgId(vg)}${lvmId(lv)}`, table: `0 2048 linear ${b.devnoOf(below)} 0` });
  return name;
}

function crypt(
  b: NodeBuilder,
  name: string,
  below: string,
  uuid = `CRYPT-LUKS2-1c0b5d7f6a3e4c2b9d8e7f6a5b4c3d2e-${name}`,
) {
  b.map({ name, uuid, table: `0 2048 crypt aes-xts-plain64 :64:logon:cryptsetup:x 0 ${b.devnoOf(below)} 32768` });
  return name;
}

function mount(b: NodeBuilder, dev: string, target: string, source = `/dev/mapper/${dev}`): void {
  const f = '/proc/self/mountinfo';
  b.files[f] = `${b.files[f] ?? ''}30 1 ${b.devnoOf(dev)} / ${target} rw,relatime shared:1 - ext4 ${source} rw\n`;
}

const run = (b: NodeBuilder): StorageFinding[] =>
  classifyHostUse(buildStorageContext(parseNode(b.build()), emptyDm(), {}));
const brief = (fs: StorageFinding[]) => fs.map((f) => `${f.kind}:${f.severity}:${f.id}`);

test('a mount is a guest disk in use by the host only when it is, or sits on, an LV vm-/base- of a PVE storage', () => {
  const cases: { name: string; build: (b: NodeBuilder) => void; want: string[] }[] = [
    {
      name: 'a guest disk',
      build: (b) => mount(b, 'vmdata-vm--100--disk--0', '/mnt/a'),
      want: ['host-mount:warning:host-mount:/mnt/a'],
    },
    {
      name: 'a template disk',
      build: (b) => mount(b, 'vmdata-base--900--disk--0', '/mnt/t'),
      want: ['host-mount:warning:host-mount:/mnt/t'],
    },
    // Ownership is by the LV name PVE gives a guest disk on a storage PVE manages.
    { name: 'another LV of the storage VG', build: (b) => mount(b, 'vmdata-scratch', '/mnt/s'), want: [] },
    {
      name: 'a vm- LV of a VG no storage names',
      build: (b) => mount(b, 'hostvg-vm--300--disk--0', '/mnt/h'),
      want: [],
    },
    {
      name: 'a partition of a guest disk',
      build: (b) => mount(b, partition(b, 'vmdata-vm--100--disk--0'), '/mnt/p'),
      want: ['host-mount:warning:host-mount:/mnt/p'],
    },
    {
      name: 'an LV of the guest VG inside a partition',
      build: (b) =>
        mount(b, guestVgLv(b, 'ubuntu-vg', 'root', partition(b, 'vmdata-vm--100--disk--0', 1, 1)), '/mnt/r'),
      want: ['host-mount:warning:host-mount:/mnt/r', 'host-lvm:warning:host-lvm:ubuntu-vg'],
    },
    {
      // Five maps deep: the mount still names the disk at the bottom.
      name: 'dm-crypt on an LV on dm-crypt on a partition',
      build: (b) => {
        const p = partition(b, 'vmdata-vm--100--disk--0', 1, 1);
        const c1 = crypt(b, 'outer', p);
        const lv = guestVgLv(b, 'inner-vg', 'data', c1);
        mount(b, crypt(b, 'inner', lv), '/mnt/deep');
      },
      want: [
        'host-mount:warning:host-mount:/mnt/deep',
        'host-crypt:warning:host-crypt:inner',
        'host-crypt:warning:host-crypt:outer',
        'host-lvm:warning:host-lvm:inner-vg',
      ],
    },
    {
      name: 'a mount of no map',
      build: (b) => {
        b.files['/proc/self/mountinfo'] = '30 1 8:1 / /boot rw - ext4 /dev/sda1 rw\n';
      },
      want: [],
    },
  ];
  for (const c of cases) {
    const b = node();
    c.build(b);
    assert.deepEqual(brief(run(b)), c.want, c.name);
  }
});

test('host mount: what is mounted, the guest it belongs to, and the commands that undo it', () => {
  // A container of another VMID first in the guest list: the label is this disk's guest's.
  const b = node()
    .guest(50, 'lxc', ['hostname: other', 'rootfs: san:vm-50-disk-0,size=8G'])
    .guest(100, 'qemu', ['name: web', 'scsi0: san:vm-100-disk-0,size=8G']);
  mount(b, 'vmdata-vm--100--disk--0', '/mnt/whole');
  mount(b, partition(b, 'vmdata-vm--100--disk--0', 2), '/mnt/part', '/dev/mapper/vmdata-vm--100--disk--0p2');
  const stopped = run(b);
  assert.deepEqual(
    stopped.map((f) => [f.severity, f.title, f.fix, f.subject]),
    [
      [
        'warning',
        'Disk vmdata/vm-100-disk-0 of VM 100 is mounted on the host at /mnt/whole',
        ['umount /mnt/whole'],
        { vmid: 100, vg: 'vmdata', lv: 'vm-100-disk-0', device: 'vmdata-vm--100--disk--0' },
      ],
      [
        'warning',
        'A partition or volume on disk vmdata/vm-100-disk-0 of VM 100 is mounted on the host at /mnt/part',
        // The partition map is kpartx's: removed after the unmount.
        ['umount /mnt/part', 'kpartx -d /dev/vmdata/vm-100-disk-0'],
        { vmid: 100, vg: 'vmdata', lv: 'vm-100-disk-0', device: 'vmdata-vm--100--disk--0p2' },
      ],
    ],
  );
  assert.equal(
    stopped[1].detail,
    '/dev/mapper/vmdata-vm--100--disk--0p2 (ext4) is mounted at /mnt/part. The guest is stopped: starting it (or migrating, backing up or removing the disk) while the host still uses the disk corrupts it or fails.',
  );
  // The guest runs: two writers now.
  const running = run(b.running(100));
  assert.deepEqual(
    running.map((f) => f.severity),
    ['critical', 'critical'],
  );
  assert.match(running[0].detail, /The guest is running: two systems now write the same disk/);
  // A volume on the disk that is no partition (dm-crypt): no kpartx line.
  const c = node();
  mount(c, crypt(c, 'luks', 'vmdata-vm--100--disk--0'), '/mnt/luks');
  assert.deepEqual(run(c)[0].fix, ['umount /mnt/luks']);
});

test('a container volume under /var/lib/lxc/<its vmid>/ is PVE mounting it; anything else is the host', () => {
  const cases: { name: string; type: 'qemu' | 'lxc'; target: string; found: boolean }[] = [
    { name: 'the CT rootfs', type: 'lxc', target: '/var/lib/lxc/100/rootfs', found: false },
    { name: 'pct mount', type: 'lxc', target: '/var/lib/lxc/100/rootfs/mnt/mp0', found: false },
    { name: 'another CT’s directory', type: 'lxc', target: '/var/lib/lxc/1000/rootfs', found: true },
    { name: 'a CT volume elsewhere', type: 'lxc', target: '/mnt/copy', found: true },
    // A VM's disk is never PVE's to mount on the host.
    { name: 'a VM disk under /var/lib/lxc', type: 'qemu', target: '/var/lib/lxc/100/rootfs', found: true },
  ];
  for (const c of cases) {
    const b = node().guest(
      100,
      c.type,
      c.type === 'lxc' ? ['hostname: ct', 'rootfs: san:vm-100-disk-0,size=8G'] : ['scsi0: san:vm-100-disk-0'],
    );
    mount(b, 'vmdata-vm--100--disk--0', c.target);
    const fs = run(b);
    assert.equal(fs.length, c.found ? 1 : 0, c.name);
    if (c.found)
      assert.match(fs[0].title, c.type === 'lxc' ? / of CT 100 is mounted/ : / of VM 100 is mounted/, c.name);
  }
});

test('maps the host stacked on a guest disk: kpartx partitions left over, dm-crypt, the guest VG', () => {
  const b = node().guest(100, 'lxc', ['hostname: ct', 'rootfs: san:vm-100-disk-0,size=8G']).running(100, 'lxc');
  const disk = 'vmdata-vm--100--disk--0';
  partition(b, disk, 1); // unopened, unmounted: left behind
  partition(b, disk, 2, 1); // opened by what sits on it
  mount(b, partition(b, disk, 3), '/mnt/p3'); // mounted: the mount finding says it
  crypt(b, 'vault', partition(b, disk, 4, 1));
  // dm-crypt known by its table's target when its UUID does not say it (cryptsetup plain mode).
  crypt(b, 'plain', 'vmdata-base--900--disk--0', '');
  guestVgLv(b, 'guest-vg', 'root', `${disk}p2`);
  guestVgLv(b, 'guest-vg', 'swap', `${disk}p2`);
  // LUKS2 with integrity: cryptsetup's integrity subdevice carries a CRYPT- UUID, not a crypt target.
  b.map({
    name: 'vault_dif',
    uuid: 'CRYPT-SUBDEV-1c0b5d7f6a3e4c2b9d8e7f6a5b4c3d2e-vault_dif',
    table: `0 2048 integrity ${b.devnoOf(`${disk}p4`)} 0 4 J 0`,
  });
  // A map made by hand on the disk (no UUID, linear): neither a partition map nor dm-crypt.
  b.map({ name: 'copy', uuid: '', table: `0 2048 linear ${b.devnoOf(disk)} 0` });
  // An LV of the storage's own VG stacked on a guest disk is PVE's (a snapshot's map): not the guest's VG.
  b.map({
    name: 'vmdata-snap',
    uuid: `LVM-${b.vgId('vmdata')}${lvmId('snap')}`,
    table: `0 8 linear ${b.devnoOf(disk)} 0`,
  });
  const fs = run(b);
  assert.deepEqual(brief(fs), [
    'host-mount:critical:host-mount:/mnt/p3',
    'host-crypt:warning:host-crypt:plain',
    'host-crypt:critical:host-crypt:vault',
    'host-crypt:critical:host-crypt:vault_dif',
    'host-partition-map:warning:host-partition:vmdata-vm--100--disk--0p1',
    'host-lvm:critical:host-lvm:guest-vg',
  ]);
  const by = (id: string) => fs.find((f) => f.id === id)!;
  assert.deepEqual(
    [by('host-partition:vmdata-vm--100--disk--0p1').title, by('host-partition:vmdata-vm--100--disk--0p1').fix],
    [
      'Partition map vmdata-vm--100--disk--0p1 of disk vmdata/vm-100-disk-0 (CT 100) is left on the host',
      ['kpartx -d /dev/vmdata/vm-100-disk-0'],
    ],
  );
  assert.deepEqual(by('host-partition:vmdata-vm--100--disk--0p1').subject, {
    vmid: 100,
    vg: 'vmdata',
    lv: 'vm-100-disk-0',
    device: 'vmdata-vm--100--disk--0p1',
  });
  assert.match(
    by('host-partition:vmdata-vm--100--disk--0p1').detail,
    /^kpartx mapped the partitions of a guest disk on the host/,
  );
  assert.deepEqual(
    [by('host-crypt:vault').title, by('host-crypt:vault').detail, by('host-crypt:vault').subject],
    [
      'dm-crypt vault is open on disk vmdata/vm-100-disk-0 of CT 100',
      'The host opened an encrypted volume of the guest disk. The guest is running: two systems now write the same disk without knowing of each other, which corrupts it.',
      { vmid: 100, vg: 'vmdata', lv: 'vm-100-disk-0', device: 'vault' },
    ],
  );
  const vg = by('host-lvm:guest-vg');
  assert.equal(vg.title, 'The host activated VG guest-vg from inside disk vmdata/vm-100-disk-0 of CT 100');
  assert.match(
    vg.detail,
    /^The guest's own LVM volume group guest-vg \(LVs root, swap\) is active on the host\. The guest is running/,
  );
  assert.deepEqual(vg.fix.slice(0, 3), [
    '# unmount anything mounted from it first',
    'vgchange -an guest-vg',
    '# if lvm no longer finds the VG (it was found through scan_lvs or a kpartx map): vgchange -an --config devices/scan_lvs=1 guest-vg',
  ]);
  assert.deepEqual(vg.subject, { vmid: 100, vg: 'vmdata', lv: 'vm-100-disk-0' });
  // A partition map of a stopped guest: an info (it blocks operations, corrupts nothing yet).
  const idle = node();
  partition(idle, disk);
  assert.deepEqual(brief(run(idle)), ['host-partition-map:info:host-partition:vmdata-vm--100--disk--0p1']);
});

test('the guest VG seen by the host LVM (not active): traced from each form of PV path lvm prints', () => {
  const disk = 'vmdata-vm--100--disk--0';
  const seen = (pv: (b: NodeBuilder) => string, conf?: string) => {
    const b = node();
    // Enough maps that the partition is dm-10 or later: lvm prints two-digit kernel names too.
    for (let i = 0; i < 6; i++) b.lv({ vg: 'vmdata', lv: `pad${i}` });
    partition(b, disk);
    b.commandOverrides.vgs = {
      argv: ['vgs'],
      code: 0,
      stderr: '',
      stdout: vgsJson([
        { vg_name: 'vmdata', vg_uuid: 'x', vg_attr: 'wz--n-', pv_name: '/dev/sdb' },
        { vg_name: 'centos', vg_uuid: 'y', vg_attr: 'wz--n-', pv_name: pv(b) },
        { vg_name: 'centos', vg_uuid: 'y', vg_attr: 'wz--n-', pv_name: '/dev/sdc' },
        // A PVE storage's VG is never the guest's, whatever its PVs are on.
        { vg_name: 'othervg', vg_uuid: 'z', vg_attr: 'wz--n-', pv_name: `/dev/mapper/${disk}p1` },
      ]),
    };
    if (conf !== undefined) b.files['/etc/lvm/lvm.conf'] = conf;
    return run(b).filter((f) => f.kind === 'host-sees-guest-vg');
  };
  const minor = (b: NodeBuilder, name: string) => b.devnoOf(name).split(':')[1];
  const cases: { name: string; pv: (b: NodeBuilder) => string; found: boolean }[] = [
    { name: '/dev/mapper/<map>', pv: () => `/dev/mapper/${disk}p1`, found: true },
    { name: '/dev/dm-N', pv: (b) => `/dev/dm-${minor(b, `${disk}p1`)}`, found: true },
    { name: '/dev/<vg>/<lv> (the disk itself)', pv: () => '/dev/vmdata/vm-100-disk-0', found: true },
    { name: 'a plain disk', pv: () => '/dev/sdd', found: false },
    // A map lvm names that this node does not have (gone since): nothing to walk.
    { name: 'a map that is gone', pv: () => '/dev/mapper/gone', found: false },
    { name: 'an LV path whose map is gone', pv: () => '/dev/vmdata/gone', found: false },
    { name: 'a dm-N that is no map', pv: () => '/dev/dm-99', found: false },
    { name: 'a map that is no guest disk', pv: () => '/dev/mapper/vmdata-scratch', found: false },
  ];
  for (const c of cases) assert.equal(seen(c.pv).length, c.found ? 1 : 0, c.name);
  const [f] = seen(() => `/dev/mapper/${disk}p1`);
  assert.deepEqual(
    [f.id, f.severity, f.title, f.subject],
    [
      'host-sees-vg:centos',
      'warning',
      'The host LVM sees VG centos inside disk vmdata/vm-100-disk-0 of VM 100',
      { vmid: 100, vg: 'vmdata', lv: 'vm-100-disk-0' },
    ],
  );
  assert.equal(
    f.detail,
    `lvm scans the guest disk and lists the guest's volume group centos (PV /dev/mapper/${disk}p1, /dev/sdc). At the next boot or vgchange -ay the host activates it while the guest uses it.`,
  );
  assert.deepEqual(f.fix, [
    '# in the devices { } section of /etc/lvm/lvm.conf (keep rejects before any "a|.*|"):',
    '# global_filter = [ "r|/dev/mapper/othervg-vm--.*|", "r|/dev/mapper/othervg-base--.*|", "r|/dev/mapper/vmdata-vm--.*|", "r|/dev/mapper/vmdata-base--.*|", "r|/dev/zd.*|", "r|/dev/rbd.*|" ]',
    'update-initramfs -u -k all',
  ]);
  // The filter already in place (the VG was found before it was set): no line to add, the advice says what to do.
  const filtered =
    'devices {\n global_filter = [ "r|/dev/mapper/othervg-vm--.*|", "r|/dev/mapper/othervg-base--.*|", "r|/dev/mapper/vmdata-vm--.*|", "r|/dev/mapper/vmdata-base--.*|" ]\n}\n';
  assert.deepEqual(seen(() => `/dev/mapper/${disk}p1`, filtered)[0].fix, [
    '# add a global_filter in /etc/lvm/lvm.conf that rejects guest disks',
  ]);
});

test('lvm.conf scanning guest LVs is a finding only when a guest LV of a storage would be scanned', () => {
  const cases: { name: string; conf: string | null; lvs?: (b: NodeBuilder) => void; found: boolean }[] = [
    { name: 'no lvm.conf read', conf: null, found: false },
    { name: 'scan_lvs = 0', conf: 'devices {\n scan_lvs = 0\n}\n', found: false },
    { name: 'scan_lvs = 1, no filter', conf: 'devices {\n scan_lvs = 1\n}\n', found: true },
    {
      name: 'scan_lvs = 1, filter rejecting guest LVs',
      conf: 'devices {\n scan_lvs = 1\n filter = [ "r|/dev/vmdata/vm-|", "r|/dev/vmdata/base-|" ]\n}\n',
      found: false,
    },
    {
      // Only guest disks of a PVE storage matter: no such LV, nothing the host would scan.
      name: 'scan_lvs = 1, no guest LV on a storage',
      conf: 'devices {\n scan_lvs = 1\n}\n',
      lvs: (b) => b.storage('lvm: other\n\tvgname nothere\n\tcontent images\n'),
      found: false,
    },
    {
      // A name with vm-<vmid>- inside it is no guest disk: only one that starts so is.
      name: 'scan_lvs = 1, only a non-guest LV on the storage',
      conf: 'devices {\n scan_lvs = 1\n}\n',
      lvs: (b) => b.storage('lvm: san2\n\tvgname vg2\n\tcontent images\n').lv({ vg: 'vg2', lv: 'old-vm-100-disk-0' }),
      found: false,
    },
  ];
  for (const c of cases) {
    const b = node();
    c.lvs?.(b);
    if (c.conf !== null) b.files['/etc/lvm/lvm.conf'] = c.conf;
    const fs = run(b);
    assert.deepEqual(brief(fs), c.found ? ['lvm-filter:warning:lvm-scans-guest-disks'] : [], c.name);
    if (!c.found) continue;
    assert.deepEqual(
      [fs[0].title, fs[0].subject],
      ['The host LVM scans guest disks (scan_lvs = 1 and no global_filter for them)', {}],
    );
    assert.equal(
      fs[0].detail,
      '/etc/lvm/lvm.conf sets devices/scan_lvs = 1 and its filters accept guest disks such as /dev/vmdata/vm-100-disk-0: any guest that uses LVM inside its disk has its volume group found, and at boot activated, by the host.',
    );
    assert.equal(fs[0].fix.length, 3);
  }
});

test('the walk down dmsetup deps is bounded: a guest disk 8 maps below a mount is not looked for', () => {
  // Seven maps stacked on the disk (the mount 7 levels above it) are traced; eight are past the bound, which
  // keeps a deps table that is corrupt or loops from being walked without end.
  const stacked = (n: number) => {
    const b = node();
    let below = 'vmdata-vm--100--disk--0';
    for (let i = 0; i < n; i++) below = crypt(b, `layer${i}`, below);
    mount(b, below, '/mnt/deep');
    return run(b).filter((f) => f.kind === 'host-mount').length;
  };
  assert.equal(stacked(7), 1);
  assert.equal(stacked(8), 0);
});
