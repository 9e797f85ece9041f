import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNode } from '../../src/core/node/node-view';
import { classifyStorage as classifyStorageOfView, parseAutoactivation } from '../../src/core/storage/classify-storage';
import type { Config } from '../../src/core/vocab/config';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import type { DmResult, StorageFinding } from '../../src/core/vocab/types';
import { leftoverEntry as leftover } from '../helpers/dm-entry';
import { emptyDm, lvsJson, snapshot, tableFor, testbed } from '../helpers/storage-snapshot';

/** The storage rules on a raw snapshot, parsed as the product does (parseNode). */
const classifyStorage = (snap: HostSnapshot, dm: DmResult, config: Config) =>
  classifyStorageOfView(parseNode(snap), dm, config);

const kinds = (fs: StorageFinding[]) => fs.map((f) => `${f.kind}:${f.severity}`).sort();
const QEMU = (node: string, vmid: number) => `/etc/pve/nodes/${node}/qemu-server/${vmid}.conf`;
const LXC = (node: string, vmid: number) => `/etc/pve/nodes/${node}/lxc/${vmid}.conf`;
const task = (type: string, id: string) => `UPID:pve1:000B7C1A:0A1B2C3D:67A1B2C3:${type}:${id}:root@pam:`;
const CLUSTER_MEMBERS =
  '{\n"nodename": "pve1",\n"version": 5,\n"cluster": { "name": "prod", "version": 3, "nodes": 2, "quorate": 1 },\n"nodelist": {\n  "pve1": { "id": 1, "online": 1, "ip": "192.0.2.11"},\n  "pve2": { "id": 2, "online": 1, "ip": "192.0.2.12"}\n  }\n}\n';

test('stale locks: a lock with no task for the guest on this node', () => {
  const vm = (lock: string) => `name: web\nlock: ${lock}\nscsi0: local-lvm:vm-100-disk-0,size=8G\n`;
  const cases: { name: string; files: Record<string, string>; want: string[] }[] = [
    { name: 'backup lock, nothing runs', files: { [QEMU('pve1', 100)]: vm('backup') }, want: ['stale-lock:warning'] },
    {
      name: 'backup lock, vzdump of this guest runs',
      files: { [QEMU('pve1', 100)]: vm('backup'), '/var/log/pve/tasks/active': `${task('vzdump', '100')} 0\n` },
      want: [],
    },
    {
      name: 'backup lock, a multi-guest vzdump (empty id) runs',
      files: { [QEMU('pve1', 100)]: vm('backup'), '/var/log/pve/tasks/active': `${task('vzdump', '')} 0\n` },
      want: [],
    },
    {
      // A node-wide task (empty id) explains no other lock: not the nightly backup, not aptupdate.
      name: 'create lock, a multi-guest vzdump and aptupdate run',
      files: {
        [QEMU('pve1', 100)]: vm('create'),
        '/var/log/pve/tasks/active': `${task('vzdump', '')} 0\n${task('aptupdate', '')} 0\n`,
      },
      want: ['stale-lock:warning'],
    },
    {
      name: 'backup lock, the vzdump task has ended',
      files: {
        [QEMU('pve1', 100)]: vm('backup'),
        '/var/log/pve/tasks/active': `${task('vzdump', '100')} 1 67A1B2D0 OK\n`,
      },
      want: ['stale-lock:warning'],
    },
    { name: 'hibernated VM keeps lock: suspended', files: { [QEMU('pve1', 100)]: vm('suspended') }, want: [] },
    {
      name: 'container left mounted',
      files: { [LXC('pve1', 200)]: 'hostname: ct\nlock: mounted\nrootfs: local-lvm:vm-200-disk-0,size=8G\n' },
      want: ['guest-mounted:warning'],
    },
    { name: 'guest of another node', files: { [QEMU('pve2', 100)]: vm('backup') }, want: [] },
    {
      name: 'HA is migrating it',
      files: {
        [QEMU('pve1', 100)]: vm('migrate'),
        '/etc/pve/ha/manager_status': '{"service_status":{"vm:100":{"node":"pve1","state":"migrate","target":"pve2"}}}',
      },
      want: [],
    },
  ];
  for (const c of cases) {
    const fs = classifyStorage(snapshot({ files: c.files }), emptyDm(), {});
    assert.deepEqual(kinds(fs), c.want, c.name);
  }
  const snap = classifyStorage(snapshot({ files: { [QEMU('pve1', 100)]: vm('snapshot') } }), emptyDm(), {})[0];
  assert.deepEqual(snap.fix, ['qm listsnapshot 100', 'qm unlock 100']);
  assert.deepEqual(snap.subject, { vmid: 100 });
  const migrate = classifyStorage(snapshot({ files: { [QEMU('pve1', 100)]: vm('migrate') } }), emptyDm(), {})[0];
  assert.match(migrate.detail, /source node/);
});

test('backup leftovers: the vzdump snapshot of a container, fleecing images of a VM', () => {
  const ct =
    'hostname: ct\nparent: vzdump\nrootfs: local-lvm:vm-200-disk-0,size=8G\n\n[vzdump]\nhostname: ct\nrootfs: local-lvm:vm-200-disk-0,size=8G\nsnapstate: prepare\nsnaptime: 1700000000\n';
  const vm =
    'name: db\nscsi0: local-lvm:vm-101-disk-0,size=32G\nscsi1: local-lvm:vm-101-disk-1,size=8G\n\n[special:fleecing]\nfleecing-images: local-lvm:vm-101-fleece-0,local-lvm:vm-101-fleece-1\n';
  const files = { [LXC('pve1', 200)]: ct, [QEMU('pve1', 101)]: vm };
  const fs = classifyStorage(snapshot({ files }), emptyDm(), {});
  assert.deepEqual(kinds(fs), ['fleecing-leftover:warning', 'vzdump-snapshot-leftover:warning']);
  assert.equal(fs.find((f) => f.kind === 'vzdump-snapshot-leftover')!.fix[0], 'pct delsnapshot 200 vzdump');
  assert.deepEqual(fs.find((f) => f.kind === 'fleecing-leftover')!.fix, [
    'pvesm free local-lvm:vm-101-fleece-0',
    'pvesm free local-lvm:vm-101-fleece-1',
    '# then delete the [special:fleecing] section from /etc/pve/nodes/pve1/qemu-server/101.conf',
  ]);
  // While a backup of them runs (a vzdump of several guests locks the one it backs up), both are expected.
  const backup = (t: string) =>
    t.replace(/^name: /m, 'lock: backup\nname: ').replace(/^hostname: /m, 'lock: backup\nhostname: ');
  const locked = { [LXC('pve1', 200)]: backup(ct), [QEMU('pve1', 101)]: backup(vm) };
  const running = classifyStorage(
    snapshot({ files: { ...locked, '/var/log/pve/tasks/active': `${task('vzdump', '')} 0\n` } }),
    emptyDm(),
    {},
  );
  assert.deepEqual(
    kinds(running).filter((k) => !k.startsWith('stale-lock')),
    [],
  );
  // A vzdump of several guests that is not backing them up (no lock) explains neither.
  const other = classifyStorage(
    snapshot({ files: { ...files, '/var/log/pve/tasks/active': `${task('vzdump', '')} 0\n` } }),
    emptyDm(),
    {},
  );
  assert.deepEqual(kinds(other), ['fleecing-leftover:warning', 'vzdump-snapshot-leftover:warning']);
});

test('inactive leftover LVs summed per storage and VMID; the next VMID inherits them', () => {
  const G = 2 ** 30;
  const entries = [
    leftover(150, 'vm-150-disk-0', 32 * G),
    leftover(150, 'vm-150-disk-1', 8 * G),
    leftover(151, 'vm-151-disk-0', 4 * G, { reason: 'not-referenced' }),
    leftover(152, 'vm-152-disk-0', 4 * G, { pending: true }),
    leftover(153, 'vm-153-disk-0', 4 * G, { active: true, kind: 'dm' }),
  ];
  const reuse = (next: number | null) => ({
    nextVmid: next,
    upcoming: [],
    collisions: [],
    leftovers: [],
    messages: [],
  });
  const quiet = classifyStorage(snapshot(), emptyDm({ entries, vmidReuse: reuse(160) }), {});
  assert.deepEqual(kinds(quiet), ['leftover-lvs:info']);
  const f = quiet[0];
  assert.equal(f.title, '3 inactive leftover LVs hold 44.0 GiB on storage local-lvm');
  assert.equal(f.detail, 'VMID 150: 2 LVs, 40.0 GiB; VMID 151: 1 LV, 4.0 GiB.');
  assert.deepEqual(f.values, { totalBytes: 44 * G, lvs: 3 });
  // Advice over its commands, each command alone and quoted; the irreversible one marked.
  assert.deepEqual(f.fix, [
    '# keep: attach them to their guest as unused disks',
    'qm disk rescan --vmid 151',
    '# set them aside reversibly (quarantine, re-checked and journaled; pve-health restore brings them back):',
    'pve-health reclaim --name local-lvm:vm-150-disk-0 --name local-lvm:vm-150-disk-1',
    '# or drop (irreversible: deletes the data), once nothing needs it:',
    'pvesm free local-lvm:vm-150-disk-0',
    'pvesm free local-lvm:vm-150-disk-1',
  ]);
  const inherit = classifyStorage(snapshot(), emptyDm({ entries, vmidReuse: reuse(150) }), {});
  assert.deepEqual(kinds(inherit), ['leftover-lvs:warning']);
  assert.match(inherit[0].detail, /new guest created as VMID 150 \(the next VMID PVE hands out\) inherits/);
});

test('shared LVM autoactivation in a cluster (lvs -o autoactivation as lvm2 2.03.16 prints it)', () => {
  assert.deepEqual(
    [...parseAutoactivation(testbed.lvs_autoactivation)].flatMap(([vg, lvs]) =>
      [...lvs].map(([lv, on]) => [`${vg}/${lv}`, on]),
    ),
    [
      ['pve/data', true],
      ['pve/vm-100-disk-0', true],
      ['pve/vm-102-disk-0', true],
      ['pve/vm-103-disk-0', false],
    ],
  );
  const files = {
    '/etc/pve/.members': CLUSTER_MEMBERS,
    '/etc/pve/storage.cfg': 'lvm: san\n\tvgname pve\n\tshared 1\n\tcontent images\n',
  };
  const commands = { lvs: testbed.lvs_full, 'lvs.autoactivation': testbed.lvs_autoactivation };
  const auto = (fs: StorageFinding[]) => fs.filter((f) => f.kind.includes('autoactivation'));
  const fs = auto(classifyStorage(snapshot({ files, commands }), emptyDm(), {}));
  assert.deepEqual(kinds(fs), ['shared-lvm-autoactivation:warning']);
  // vm-100 and vm-102 are on (vm-103 was created with --setautoactivation n); both active, no guest runs.
  assert.deepEqual(fs[0].values, { autoactivated: 2, guestLvs: 3, activeWithoutGuest: 2 });
  assert.equal(fs[0].fix[0], '/usr/share/pve-manager/migrations/pve-lvm-disable-autoactivation');
  // Per LV: one copyable command each for the LVs that have it on, no placeholder to edit.
  assert.deepEqual(fs[0].fix.slice(2), [
    'lvchange --setautoactivation n pve/vm-100-disk-0',
    'lvchange --setautoactivation n pve/vm-102-disk-0',
  ]);
  assert.ok(!fs[0].fix.some((l) => l.includes('<lv>')));
  // Standalone node, or local storage: no finding. Unknown setting: an info.
  assert.deepEqual(
    kinds(
      auto(
        classifyStorage(
          snapshot({ files: { '/etc/pve/storage.cfg': files['/etc/pve/storage.cfg'] }, commands }),
          emptyDm(),
          {},
        ),
      ),
    ),
    [],
  );
  assert.deepEqual(
    kinds(
      auto(
        classifyStorage(
          snapshot({ files, commands: { lvs: testbed.lvs_full, 'lvs.autoactivation': { code: 3, error: 'failed' } } }),
          emptyDm(),
          {},
        ),
      ),
    ),
    // A failed read is no answer: the check is UNKNOWN for the part (analyze-node.ts), never silently passed.
    ['autoactivation-unchecked:info'],
  );
  // lvm2 older than 2.03.12 refuses the field: that is an answer (every LV autoactivates), said as a note.
  const old = snapshot({
    files,
    commands: { lvs: testbed.lvs_full, 'lvs.autoactivation': { code: 5, error: 'failed' } },
  });
  old.commands['lvs.autoactivation'].stderr = '  Unrecognised field: autoactivation\n';
  assert.deepEqual(kinds(auto(classifyStorage(old, emptyDm(), {}))), ['autoactivation-unknown:info']);
  // Exit 0 with a report that lacks a guest LV lvs lists: not the whole report.
  assert.deepEqual(
    kinds(
      auto(
        classifyStorage(
          snapshot({ files, commands: { lvs: testbed.lvs_full, 'lvs.autoactivation': '{"report": [{"lv": []}]}' } }),
          emptyDm(),
          {},
        ),
      ),
    ),
    ['autoactivation-unchecked:info'],
  );
});

test('host use of guest disks: the testbed host activated a VG inside pve/vm-102-disk-0', () => {
  const base = {
    'dmsetup.info': testbed.info_guestvg,
    'dmsetup.deps': testbed.deps_guestvg,
    'dmsetup.status': testbed.status_guestvg,
    'dmsetup.table': tableFor(testbed.info_guestvg),
    lvs: lvsJson([]),
    vgs: testbed.vgs_scan_lvs_1,
  };
  const vm102 = { [QEMU('pve1', 102)]: 'name: app\nscsi0: local-lvm:vm-102-disk-0,size=32M\n' };
  const kvm = { pid: 4242, comm: 'kvm', cmdline: ['/usr/bin/kvm', '-id', '102'] };
  const run = (files: Record<string, string>, running: boolean) =>
    classifyStorage(
      snapshot({
        commands: base,
        files: { ...vm102, ...files, ...(running ? { '/run/qemu-server/102.pid': '4242\n' } : {}) },
        processes: running ? [kvm] : [],
      }),
      emptyDm(),
      {},
    );
  assert.deepEqual(kinds(run({}, false)), ['host-lvm:warning']);
  const crit = run({}, true);
  assert.deepEqual(kinds(crit), ['host-lvm:critical']);
  assert.match(crit[0].title, /activated VG guestvg from inside disk pve\/vm-102-disk-0 of VM 102/);
  assert.equal(crit[0].fix[1], 'vgchange -an guestvg');
  assert.ok(crit[0].fix.some((l) => l.includes('r|/dev/mapper/pve-vm--.*|')));
  assert.match(crit[0].fix[2], /vgchange -an --config devices\/scan_lvs=1 guestvg/);
  // The guest's LV mounted on the host: a second finding.
  const mi = '25 1 253:6 / /mnt/inspect rw,relatime shared:1 - ext4 /dev/mapper/guestvg-root rw\n';
  assert.deepEqual(kinds(run({ '/proc/self/mountinfo': mi }, true)), ['host-lvm:critical', 'host-mount:critical']);
  // A container's own rootfs under /var/lib/lxc/<vmid>/ is PVE's doing, not a finding.
  const ct = { [LXC('pve1', 102)]: 'hostname: ct\nrootfs: local-lvm:vm-102-disk-0,size=32M\n' };
  const own = '25 1 253:5 / /var/lib/lxc/102/rootfs rw - ext4 /dev/mapper/pve-vm--102--disk--0 rw\n';
  const noGuestVg = (text: string) =>
    text
      .split('\n')
      .filter((l) => !l.startsWith('guestvg'))
      .join('\n');
  const ctCommands = {
    ...base,
    'dmsetup.info': noGuestVg(base['dmsetup.info']),
    'dmsetup.deps': noGuestVg(base['dmsetup.deps']),
    'dmsetup.table': noGuestVg(base['dmsetup.table']),
    vgs: '',
  };
  assert.deepEqual(
    kinds(
      classifyStorage(snapshot({ commands: ctCommands, files: { ...ct, '/proc/self/mountinfo': own } }), emptyDm(), {}),
    ),
    [],
  );
  const elsewhere = own.replace('/var/lib/lxc/102/rootfs', '/mnt/copy');
  assert.deepEqual(
    kinds(
      classifyStorage(
        snapshot({ commands: ctCommands, files: { ...ct, '/proc/self/mountinfo': elsewhere } }),
        emptyDm(),
        {},
      ),
    ),
    ['host-mount:warning'],
  );
});

test('host use: guest VG seen but inactive, kpartx partition map, dm-crypt', () => {
  const info = [
    'pve-vm--100--disk--0\tLVM-Pm2XdlF2abhG3Zbydbu27XEdWOwIeu8X6f1MXztIT8LVvm2QKrjrnFTl2tJ28J6A\tdm-4\t253\t4\tL--w\t2\t1\t0',
    'pve-vm--100--disk--0p1\tpart1-LVM-Pm2XdlF2abhG3Zbydbu27XEdWOwIeu8X6f1MXztIT8LVvm2QKrjrnFTl2tJ28J6A\tdm-7\t253\t7\tL--w\t0\t1\t0',
    'pve-vm--100--disk--0p2\tpart2-LVM-Pm2XdlF2abhG3Zbydbu27XEdWOwIeu8X6f1MXztIT8LVvm2QKrjrnFTl2tJ28J6A\tdm-8\t253\t8\tL--w\t1\t1\t0',
    'secret\tCRYPT-LUKS2-1c0b5d7f6a3e4c2b9d8e7f6a5b4c3d2e-secret\tdm-9\t253\t9\tL--w\t0\t1\t0',
  ].join('\n');
  const deps = [
    'pve-vm--100--disk--0: 1 dependencies\t: (253, 2)',
    'pve-vm--100--disk--0p1: 1 dependencies\t: (253, 4)',
    'pve-vm--100--disk--0p2: 1 dependencies\t: (253, 4)',
    'secret: 1 dependencies\t: (253, 8)',
  ].join('\n');
  const table = tableFor(info).replace(
    /^secret: .*$/m,
    'secret: 0 2093056 crypt aes-xts-plain64 :64:logon:cryptsetup:1c0b5d7f-d0 0 253:8 32768',
  );
  const vgs = JSON.stringify({
    report: [
      {
        vg: [{ vg_name: 'ubuntu-vg', vg_uuid: 'x', vg_attr: 'wz--n-', pv_name: '/dev/mapper/pve-vm--100--disk--0p1' }],
      },
    ],
  });
  const fs = classifyStorage(
    snapshot({
      commands: { 'dmsetup.info': info, 'dmsetup.deps': deps, 'dmsetup.table': table, vgs },
      files: { [QEMU('pve1', 100)]: 'scsi0: local-lvm:vm-100-disk-0,size=8G\n' },
    }),
    emptyDm(),
    {},
  );
  // p1 carries the guest VG (seen, not active) and is unopened; p2 is opened by dm-crypt.
  assert.deepEqual(kinds(fs), ['host-crypt:warning', 'host-partition-map:info', 'host-sees-guest-vg:warning']);
  assert.deepEqual(fs.find((f) => f.kind === 'host-crypt')!.fix, [
    '# unmount whatever is mounted from it first',
    'cryptsetup close secret',
  ]);
  assert.deepEqual(fs.find((f) => f.kind === 'host-partition-map')!.fix, ['kpartx -d /dev/pve/vm-100-disk-0']);
});
