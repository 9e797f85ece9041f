// The Proxmox state the node view believes (core/node/pve-state.ts parsePveState): the node's name
// (pmxcfs .members `nodename`, else the short hostname), every guest config of the cluster as pmxcfs shows
// it under /etc/pve/nodes/<node>/{qemu-server,lxc}/<vmid>.conf, the guests .vmlist lists without a
// readable config, HA's service states, and which guests run here (qemu-server's pid file
// /var/run/qemu-server/<vmid>.pid behind a live kvm; lxc-start or its monitor). Every file it could not
// believe is said in `warnings`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kvmIdOfProcess, nodeNameFromFiles, nodeNameOf, parsePveState } from '../../src/core/node/pve-state';
import type { ProcessInfo } from '../../src/core/vocab/snapshot';
import { bareSnapshot } from '../helpers/bare-snapshot';

const snap = bareSnapshot;
const MEMBERS = JSON.stringify({
  nodename: 'pve1',
  version: 5,
  cluster: { name: 'prod', version: 3, nodes: 2, quorate: 1 },
  nodelist: { pve1: { id: 1, online: 1, ip: '10.0.0.1' }, pve2: { id: 2, online: 1, ip: '10.0.0.2' } },
});
const VM = 'scsi0: local-lvm:vm-100-disk-0,size=4G\n';
const conf = (node: string, kind: 'qemu-server' | 'lxc', vmid: number) => `/etc/pve/nodes/${node}/${kind}/${vmid}.conf`;

test('nodeNameOf / nodeNameFromFiles: pmxcfs says which node this is, else the short hostname', () => {
  const cases: [string, string | null | undefined, string, string][] = [
    ['.members names the node', MEMBERS, 'host.example.com', 'pve1'],
    ['no .members (a standalone node)', undefined, 'pve7.example.com\n', 'pve7'],
    ['.members empty', '', ' pve7 ', 'pve7'],
    ['.members null', null, 'pve7', 'pve7'],
    ['.members garbled (pmxcfs restarting)', '{"nodename": "pv', 'pve7.lan', 'pve7'],
    ['.members without a nodename', '{"version": 5}', 'pve7', 'pve7'],
  ];
  for (const [what, text, host, want] of cases) assert.equal(nodeNameFromFiles(text, host), want, what);
  assert.equal(nodeNameOf({ nodename: '' }, 'pve8.lan'), 'pve8');
  assert.equal(nodeNameOf(null, 'pve8'), 'pve8');
  assert.equal(nodeNameOf({ nodename: 'pve1' }, 'pve8'), 'pve1');
});

test('parsePveState: a garbled .members, .vmlist or HA status is a warning, never a crash', () => {
  const s = parsePveState(
    snap({
      '/etc/pve/.members': '{"nodename": "pv',
      '/etc/pve/.vmlist': '{"ids": {"100": ',
      '/etc/pve/ha/manager_status': '{"service_status": ',
      [conf('pve1', 'qemu-server', 100)]: VM,
    }),
  );
  assert.equal(s.members, null);
  assert.equal(s.node, 'pve1');
  assert.deepEqual(s.ha, []);
  assert.deepEqual(s.vmlist, []);
  const w = s.warnings.join('\n');
  assert.match(w, /^\/etc\/pve\/\.members: \.members is not valid JSON/m);
  assert.match(w, /^\/etc\/pve\/\.vmlist: \.vmlist is not valid JSON/m);
  assert.match(w, /^ha\/manager_status: ha\/manager_status is not valid JSON/m);
  assert.match(w, /: no volume is called an orphan on the guest list alone$/m);
  assert.ok(s.guestListGap);
});

test('parsePveState: whole files give members, HA and the guest list without warnings', () => {
  const s = parsePveState(
    snap(
      {
        '/etc/pve/.members': MEMBERS,
        '/etc/pve/.vmlist': JSON.stringify({ version: 1, ids: { 100: { node: 'pve1', type: 'qemu', version: 1 } } }),
        '/etc/pve/ha/manager_status': JSON.stringify({
          service_status: { 'vm:100': { node: 'pve1', state: 'migrate', target: 'pve2' } },
        }),
        [conf('pve1', 'qemu-server', 100)]: VM,
      },
      { hostname: 'other' },
    ),
  );
  assert.equal(s.node, 'pve1');
  assert.equal(s.members?.cluster?.quorate, true);
  assert.deepEqual(
    s.ha.map((h) => [h.vmid, h.state]),
    [[100, 'migrate']],
  );
  assert.deepEqual(s.warnings, []);
  assert.equal(s.guestListGap, null);
  assert.equal(s.configCount, 1);
});

test('parsePveState: a guest .vmlist lists without a config here exists; its disks are never orphans', () => {
  const vmlist = {
    version: 9,
    ids: {
      100: { node: 'pve1', type: 'qemu', version: 1 },
      101: { node: 'pve2', type: 'qemu', version: 1 },
      200: { node: 'pve2', type: 'lxc', version: 1 },
      // An old openvz entry names no storage this tool reads.
      300: { node: 'pve2', type: 'openvz', version: 1 },
    },
  };
  const s = parsePveState(
    snap({
      '/etc/pve/.members': MEMBERS,
      '/etc/pve/.vmlist': JSON.stringify(vmlist),
      [conf('pve1', 'qemu-server', 100)]: VM,
    }),
  );
  const g = (id: number) => {
    const r = s.guests.get(id);
    return r && [r.type, r.node, r.config === null, r.configError ?? null];
  };
  assert.deepEqual(g(100), ['qemu', 'pve1', false, null]);
  assert.deepEqual(g(101), ['qemu', 'pve2', true, 'listed in .vmlist but its config file was not found']);
  assert.deepEqual(g(200), ['lxc', 'pve2', true, 'listed in .vmlist but its config file was not found']);
  assert.equal(s.guests.has(300), false);
  assert.equal(s.vmlist.length, 4);
});

test('parsePveState: guest configs of the cluster, the ones it cannot believe, and duplicates', () => {
  const files = {
    '/etc/pve/.members': MEMBERS,
    // A duplicate VMID (a config copied by hand): the one on this node wins, whichever comes first.
    [conf('pve2', 'qemu-server', 100)]: 'name: there\n',
    [conf('pve1', 'qemu-server', 100)]: 'name: here\n',
    [conf('pve1', 'qemu-server', 101)]: 'name: first\n',
    [conf('pve2', 'qemu-server', 101)]: 'name: second\n',
    [conf('pve2', 'qemu-server', 102)]: 'name: a\n',
    [conf('pve3', 'lxc', 102)]: 'hostname: b\n',
    // Cut off mid-line (pmxcfs read while written): as unreadable as a missing config.
    [conf('pve1', 'lxc', 200)]: 'hostname: ct\nrootfs: local-lvm:vm-200-di',
    // A line PVE writes but this parser warns about: said with the path.
    [conf('pve1', 'qemu-server', 103)]: 'name: w\n[snap]\nsnaptime: 1\n[snap]\nsnaptime: 2\n',
    // Not a guest config: no VMID, a template of another file, nodes' other files.
    '/etc/pve/nodes/pve1/qemu-server/100.conf.tmp': 'name: tmp\n',
    '/etc/pve/nodes/pve1/qemu-server/abc.conf': 'name: abc\n',
    '/etc/pve/nodes/pve1/openvz/104.conf': 'name: ovz\n',
    '/etc/pve/qemu-server/105.conf': 'name: link\n',
    '/etc/pve/nodes/pve1/lrm_status': '{}',
  };
  const s = parsePveState(snap(files));
  const name = (id: number) => [s.guests.get(id)?.node, s.guests.get(id)?.config?.name];
  assert.deepEqual(name(100), ['pve1', 'here']);
  assert.deepEqual(name(101), ['pve1', 'first']);
  // Neither on this node: the first one read stays.
  assert.deepEqual(name(102), ['pve2', 'a']);
  assert.equal(s.guests.get(102)?.type, 'qemu');
  for (const id of [104, 105]) assert.equal(s.guests.has(id), false, `VMID ${id}`);
  assert.equal(s.configCount, 8);
  const ct = s.guests.get(200);
  assert.equal(ct?.config, null);
  assert.equal(ct?.type, 'lxc');
  assert.equal(
    ct?.configError,
    `${conf('pve1', 'lxc', 200)} cannot be believed: it ends in the middle of a line (cut off)`,
  );
  assert.deepEqual(
    s.warnings.filter((w) => w.includes('duplicate VMID')),
    [
      'VMID 100 has configs on pve2 and pve1 (duplicate VMID)',
      'VMID 101 has configs on pve1 and pve2 (duplicate VMID)',
      'VMID 102 has configs on pve2 and pve3 (duplicate VMID)',
    ],
  );
  assert.ok(s.warnings.includes(ct?.configError ?? ''));
  assert.ok(
    s.warnings.includes(`${conf('pve1', 'qemu-server', 103)}: duplicate section [snap]: the later one wins`),
    s.warnings.join('\n'),
  );
  assert.equal(s.guests.get(103)?.config?.name, 'w');
});

test('parsePveState: a config pmxcfs lists but could not be read is a guest whose disks are unknown', () => {
  const s = parsePveState(
    snap(
      {
        '/etc/pve/.members': MEMBERS,
        [conf('pve2', 'qemu-server', 100)]: 'name: there\n',
        [conf('pve2', 'qemu-server', 101)]: 'name: there\n',
      },
      {
        unreadable: {
          // On this node: it wins over another node's copy.
          [conf('pve1', 'qemu-server', 100)]: 'EIO',
          // On another node, while a config of that VMID was read: the read one stays.
          [conf('pve3', 'qemu-server', 101)]: 'EIO',
          [conf('pve2', 'lxc', 200)]: 'EACCES',
          // Not a path of pmxcfs's config tree (a copy under another root): no guest.
          [`/root/backup${conf('pve1', 'qemu-server', 150)}`]: 'EACCES',
          '/var/log/pve/tasks/active': 'EIO',
        },
      },
    ),
  );
  const g = (id: number) => {
    const r = s.guests.get(id);
    return r && [r.type, r.node, r.config?.name ?? null, r.configError ?? null];
  };
  assert.deepEqual(g(100), ['qemu', 'pve1', null, `${conf('pve1', 'qemu-server', 100)} could not be read (EIO)`]);
  assert.deepEqual(g(101), ['qemu', 'pve2', 'there', null]);
  assert.deepEqual(g(200), ['lxc', 'pve2', null, `${conf('pve2', 'lxc', 200)} could not be read (EACCES)`]);
  assert.equal(s.guests.size, 3);
  assert.ok(s.warnings.includes(`${conf('pve2', 'lxc', 200)} could not be read (EACCES)`));
  assert.ok(!s.warnings.some((w) => w.includes('/pve3/')));
});

test('parsePveState: /etc/pve is there when any of its files is', () => {
  const cases: [string, Record<string, string>, boolean][] = [
    ['nothing', {}, false],
    ['storage.cfg only', { '/etc/pve/storage.cfg': '' }, true],
    ['.members only', { '/etc/pve/.members': MEMBERS }, true],
    ['a garbled .members only', { '/etc/pve/.members': 'x' }, false],
    ['one guest config only', { [conf('pve1', 'qemu-server', 100)]: VM }, true],
  ];
  for (const [what, files, want] of cases) assert.equal(parsePveState(snap(files)).pvePresent, want, what);
  // No /etc/pve at all (not a PVE node): nothing to warn about, nothing unbelievable.
  const none = parsePveState(snap({}));
  assert.deepEqual([none.warnings, none.membersGap, none.guestListGap, none.members], [[], null, null, null]);
  assert.deepEqual([none.ha, none.storageConfig, none.vmlist, none.tasks], [[], [], [], []]);
});

test('parsePveState: a .members pmxcfs serves but that cannot be parsed makes the node unknown', () => {
  const s = parsePveState(snap({ '/etc/pve/.members': '{"nodename": "pv', '/etc/pve/.vmlist': '{"ids": {}}' }));
  assert.match(
    s.membersGap ?? '',
    /^\/etc\/pve\/\.members cannot be parsed \(\.members is not valid JSON: .*\): this node's name and cluster are not known$/,
  );
  assert.equal(
    parsePveState(snap({ '/etc/pve/.members': MEMBERS, '/etc/pve/.vmlist': '{"ids": {}}' })).membersGap,
    null,
  );
});

test('parsePveState: storages of the cluster, the ones this node uses, the shared ones; the VMID range', () => {
  const cfg = [
    'lvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tcontent images,rootdir\n',
    'lvm: san\n\tvgname san\n\tshared 1\n\tcontent images\n',
    'lvm: elsewhere\n\tvgname other\n\tnodes pve2\n\tcontent images\n',
    'dir: local\n\tpath /var/lib/vz\n\tcontent iso\n',
  ].join('\n');
  const s = parsePveState(
    snap({ '/etc/pve/storage.cfg': cfg, '/etc/pve/datacenter.cfg': 'next-id: lower=5000,upper=6000\n' }),
  );
  assert.deepEqual(
    s.lvmStorages.map((x) => x.id),
    ['local-lvm', 'san', 'elsewhere'],
  );
  assert.deepEqual(
    s.lvmStoragesHere.map((x) => x.id),
    ['local-lvm', 'san'],
  );
  assert.deepEqual([...s.sharedStorages], ['san']);
  assert.deepEqual(s.nextIdRange, { lower: 5000, upper: 6000 });
  assert.equal(s.storageConfigError, null);
  assert.equal(s.storageConfig.length, 4);
});

const proc = (pid: number, comm: string, cmdline: string[]): ProcessInfo => ({ pid, comm, cmdline, fds: [] });

test('parsePveState: which guests run here, by a live kvm behind the pid file or an lxc process (files that are no pid files name none)', () => {
  const s = parsePveState(
    snap(
      {
        '/var/run/qemu-server/100.pid': '4100\n',
        '/run/qemu-server/101.pid': '4101\n',
        // The pid file outlived a crashed kvm: the pid is now another process.
        '/run/qemu-server/102.pid': '4102\n',
        // No process at all behind it.
        '/run/qemu-server/103.pid': '4999\n',
        // A renamed kvm binary still names its VMID on its command line.
        '/run/qemu-server/104.pid': '4104\n',
        // The incoming side of a live migration (qemu-server start with -incoming).
        '/run/qemu-server/105.pid': '4105\n',
        // qemu-server's other files of the same directory are no pid files.
        '/run/qemu-server/106.qmp': '4106\n',
        '/run/qemu-server/107.pid.tmp': '4107\n',
        '/run/other/108.pid': '4108\n',
        '/srv/run/qemu-server/109.pid': '4109\n',
        // A kvm whose command line could not be read: its name says what it is.
        '/run/qemu-server/110.pid': '4110\n',
      },
      {
        processes: [
          proc(4100, 'kvm', ['/usr/bin/kvm', '-id', '100']),
          proc(4101, 'qemu-system-x86', ['/usr/bin/qemu-system-x86_64', '-id', '101']),
          proc(4102, 'bash', ['-bash']),
          proc(4104, 'vm-104', ['/opt/q', '-id', '104', '-name', 'x']),
          proc(4105, 'kvm', ['/usr/bin/kvm', '-id', '105', '-incoming', 'unix:/run/qemu-server/105.migrate']),
          proc(4106, 'kvm', ['/usr/bin/kvm', '-name', 'vm106']),
          proc(4107, 'kvm', ['/usr/bin/kvm', '-name', 'vm107']),
          proc(4108, 'kvm', ['/usr/bin/kvm', '-name', 'vm108']),
          proc(4109, 'kvm', ['/usr/bin/kvm', '-name', 'vm109']),
          proc(4110, 'kvm', []),
          proc(4200, 'lxc-start', ['/usr/bin/lxc-start', '-F', '-n', '200']),
          proc(4201, 'lxc-start', ['[lxc monitor] /var/lib/lxc 201']),
          proc(4202, 'bash', ['/bin/bash', '-n', '202']),
        ],
      },
    ),
  );
  const sorted = (x: Set<number>) => [...x].sort((a, b) => a - b);
  assert.deepEqual(sorted(s.kvmAlive), [100, 101, 104, 105, 110]);
  assert.deepEqual(sorted(s.kvmIncoming), [105]);
  assert.deepEqual(sorted(s.running), [100, 101, 104, 105, 110, 200, 201]);
});

// Liveness from the process table (issue 59): qemu-server's check_running reads the pid file, but the kvm
// holds the disks whatever that file says. A garbled, empty, two-line or stale pid file beside a live
// `kvm -id N` is still a running VM; a VM with no kvm is stopped whatever its pid file says.
test('parsePveState: a kvm with -id N runs VM N whatever its pid file says; without such a process it does not', () => {
  const s = parsePveState(
    snap(
      {
        '/run/qemu-server/100.pid': '41x00\n',
        '/run/qemu-server/101.pid': '',
        '/run/qemu-server/102.pid': '4102\n4102\n',
        '/run/qemu-server/103.pid': '9999\n',
        // A stopped VM: its pid file names a process that is gone, no kvm says -id 120.
        '/run/qemu-server/120.pid': '9998\n',
      },
      {
        processes: [
          proc(4100, 'kvm', ['/usr/bin/kvm', '-id', '100', '-name', 'vm100']),
          proc(4101, 'kvm', ['/usr/bin/kvm', '-id', '101']),
          proc(4102, 'qemu-system-x86', ['/usr/bin/qemu-system-x86_64', '-id', '102']),
          // No pid file at all (a start still writing it, or removed by hand).
          proc(4103, 'kvm', ['/usr/bin/kvm', '-id', '104', '-incoming', 'unix:/run/qemu-server/104.migrate']),
          // Not kvm: another program's -id, a kvm whose -id is no VMID, a kvm without -id.
          proc(4130, 'bash', ['/bin/bash', '-id', '130']),
          proc(4131, 'kvm', ['/usr/bin/kvm', '-id', 'x131']),
          proc(4132, 'kvm', ['/usr/bin/kvm', '-name', 'vm132']),
          proc(4133, 'python3', ['/usr/bin/kvm', '-id']),
        ],
      },
    ),
  );
  const sorted = (x: Set<number>) => [...x].sort((a, b) => a - b);
  assert.deepEqual(sorted(s.running), [100, 101, 102, 104]);
  assert.deepEqual(sorted(s.kvmAlive), [100, 101, 102, 104]);
  assert.deepEqual(sorted(s.kvmIncoming), [104]);
});

test('kvmIdOfProcess: the kvm binary by name or path, its -id', () => {
  assert.equal(kvmIdOfProcess(proc(1, 'kvm', ['/usr/bin/kvm', '-id', '100'])), 100);
  assert.equal(kvmIdOfProcess(proc(1, 'CPU 0/KVM', ['/usr/bin/kvm', '-id', '101'])), 101);
  assert.equal(kvmIdOfProcess(proc(1, 'x', ['qemu-system-x86_64', '-id', '102'])), 102);
  assert.equal(kvmIdOfProcess(proc(1, 'x', ['/opt/kvmtools/run', '-id', '103'])), null);
  assert.equal(kvmIdOfProcess(proc(1, 'kvm', ['/usr/bin/kvm', '-name', '104'])), null);
  // A program whose name only contains kvm is none; a kvm whose -id is no whole number names no VM.
  assert.equal(kvmIdOfProcess(proc(1, 'xkvm', ['/opt/x', '-id', '105'])), null);
  assert.equal(kvmIdOfProcess(proc(1, 'kvm', ['/usr/bin/kvm', '-id', '106x'])), null);
  // The -id anywhere on the line, also first (a rewritten argv[0]); none: no VM, whatever argv[0] says.
  assert.equal(kvmIdOfProcess(proc(1, 'kvm', ['-id', '107'])), 107);
  assert.equal(kvmIdOfProcess(proc(1, 'kvm', ['108'])), null);
});

test("parsePveState: a container's process is never read as a kvm; a file named like two pid files is none", () => {
  const s = parsePveState(
    snap(
      { '/run/qemu-server/111.pid.pid': '4111\n' },
      {
        processes: [
          proc(4200, 'kvm', ['/usr/bin/lxc-start', '-F', '-n', '200', '-id', '201']),
          proc(4111, 'kvm', ['/usr/bin/kvm', '-name', 'vm111']),
        ],
      },
    ),
  );
  assert.deepEqual([[...s.running], [...s.kvmAlive]], [[200], []]);
});
