// Volumes on ZFS / Ceph RBD / file storages: parsers on the exact formats (OpenZFS `zfs list -H -p`, ceph
// List.cc JSON, qcow2/vmdk headers) and the classifier's rules, table-driven.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePveState } from '../../src/core/node/pve-state';
import { parseQcow2Header, parseRbdList, parseVmdkCapacity, parseZfsList } from '../../src/core/parse/volume-listing';
import type { HostSnapshot, ProcessInfo } from '../../src/core/vocab/snapshot';
import type { VolumeEntry, VolumesRaw } from '../../src/core/vocab/volume-types';
import { classifyVolumes, parseReplicationJobs, splitVolname } from '../../src/core/volumes/classify-volumes';
import { withVmlist } from '../helpers/vmlist';
import { rbdTimedOut } from '../helpers/volume-node';

const STORAGE_CFG = `dir: local
\tpath /var/lib/vz
\tcontent iso,vztmpl,backup,images

zfspool: local-zfs
\tpool rpool/data
\tsparse 1
\tcontent images,rootdir

rbd: ceph-vm
\tpool vm-pool
\tcontent images
\tkrbd 1

nfs: nfs-store
\texport /srv/pve
\tpath /mnt/pve/nfs-store
\tserver 192.0.2.60
\tcontent images

zfspool: other-zfs
\tpool tank/other
\tcontent images
\tnodes pve2
`;

const MEMBERS = `{
"nodename": "pve1",
"version": 4,
"cluster": { "name": "lab", "version": 2, "nodes": 2, "quorate": 1 },
"nodelist": {
  "pve1": { "id": 1, "online": 1, "ip": "192.0.2.1"},
  "pve2": { "id": 2, "online": 1, "ip": "192.0.2.2"}
  }
}
`;

function node(configs: Record<string, string>, extra: Partial<HostSnapshot> = {}): HostSnapshot {
  const files: Record<string, string> = {
    '/etc/pve/storage.cfg': STORAGE_CFG,
    '/etc/pve/.members': MEMBERS,
    ...configs,
  };
  return {
    kind: 'pve-health-snapshot',
    version: 1,
    capturedAt: '2026-01-01T00:00:00Z',
    hostname: 'pve1',
    toolVersion: 'test',
    redacted: false,
    files: withVmlist(files),
    commands: {},
    processes: [],
    sysDm: [],
    ...extra,
  };
}

const ok = (stdout: string, argv: string[] = []) => ({ argv, code: 0, stdout, stderr: '' });

// zfs list -H -p -r -t volume,filesystem,snapshot -o name,type,volsize,used,refer,refquota,origin,mountpoint rpool/data
const ZFS = [
  'rpool/data\tfilesystem\t-\t60129542144\t98304\t0\t-\t/rpool/data',
  'rpool/data/base-900-disk-0\tvolume\t17179869184\t2147483648\t2147483648\t-\t-\t-',
  'rpool/data/base-900-disk-0@__base__\tsnapshot\t17179869184\t0\t2147483648\t-\t-\t-',
  'rpool/data/subvol-200-disk-0\tfilesystem\t-\t858996736\t858996736\t8589934592\t-\t/rpool/data/subvol-200-disk-0',
  'rpool/data/vm-100-disk-0\tvolume\t34359738368\t15926165504\t15000000000\t-\t-\t-',
  'rpool/data/vm-100-disk-0@clean\tsnapshot\t34359738368\t548388864\t14000000000\t-\t-\t-',
  'rpool/data/vm-100-disk-0@old\tsnapshot\t34359738368\t946683904\t13000000000\t-\t-\t-',
  'rpool/data/vm-100-disk-0@__replicate_100-0_1712650000__\tsnapshot\t34359738368\t0\t15000000000\t-\t-\t-',
  'rpool/data/vm-100-disk-0@__replicate_100-7_1712650000__\tsnapshot\t34359738368\t0\t15000000000\t-\t-\t-',
  'rpool/data/vm-100-disk-1\tvolume\t17179869184\t6356557824\t6356557824\t-\t-\t-',
  'rpool/data/vm-101-disk-0\tvolume\t17179869184\t57344\t2147483648\t-\trpool/data/base-900-disk-0@__base__\t-',
  'rpool/data/vm-150-disk-0\tvolume\t34359738368\t18210668544\t18210668544\t-\t-\t-',
  'rpool/data/vm-300-disk-0\tvolume\t8589934592\t57344\t57344\t-\t-\t-',
  'rpool/data/vm-400-disk-0\tvolume\t8589934592\t57344\t57344\t-\t-\t-',
  'rpool/data/scratch\tfilesystem\t-\t98304\t98304\t0\t-\t/rpool/data/scratch',
  'rpool/data/vm-100-disk-0-copy/inner\tvolume\t1\t1\t1\t-\t-\t-',
].join('\n');

// rbd -p vm-pool ls -l --format json (List.cc: compact, image then its snapshots)
const RBD = `[{"image":"base-900-disk-1","id":"1a2b","size":10737418240,"format":2},{"image":"base-900-disk-1","id":"1a2b","snapshot":"__base__","snapshot_id":4,"size":10737418240,"format":2,"protected":"true"},{"image":"csi-vol-0b6e","id":"1a2c","size":10737418240,"format":2},{"image":"vm-100-disk-1","id":"1a2d","size":107374182400,"format":2,"lock_type":"exclusive"},{"image":"vm-100-disk-1","id":"1a2d","snapshot":"gone","snapshot_id":7,"size":107374182400,"format":2,"protected":"false"},{"image":"vm-151-disk-0","id":"1a2e","size":21474836480,"format":2},{"image":"vm-902-disk-0","id":"1a2f","size":10737418240,"parent":{"pool":"vm-pool","pool_namespace":"","image":"base-900-disk-1","snapshot":"__base__"},"format":2}]
`;

const CONFIGS = {
  '/etc/pve/nodes/pve1/qemu-server/100.conf': `name: app01
parent: clean
scsi0: local-zfs:vm-100-disk-0,size=32G
scsi1: ceph-vm:vm-100-disk-1,size=100G

[clean]
scsi0: local-zfs:vm-100-disk-0,size=32G
snaptime: 1712000000
`,
  '/etc/pve/nodes/pve1/qemu-server/900.conf': 'template: 1\nscsi0: local-zfs:base-900-disk-0,size=16G\n',
  '/etc/pve/nodes/pve1/qemu-server/101.conf': 'scsi0: local-zfs:base-900-disk-0/vm-101-disk-0,size=16G\n',
  '/etc/pve/nodes/pve2/qemu-server/902.conf': 'scsi0: ceph-vm:base-900-disk-1/vm-902-disk-0,size=10G\n',
  '/etc/pve/nodes/pve2/qemu-server/300.conf': 'scsi0: local-zfs:vm-300-disk-0,size=8G\n',
  '/etc/pve/nodes/pve1/lxc/200.conf': 'rootfs: local-zfs:subvol-200-disk-0,size=8G\nlock: backup\n',
  '/etc/pve/nodes/pve1/qemu-server/400.conf': 'scsi0: nfs-store:400/vm-400-disk-0.qcow2,size=8G\n',
  '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve2\n\tschedule */15\n',
};

/** ceph-vm as the host reads it: the listing, an empty trash, and `rbd status` of the one orphan candidate. */
const CEPH: Pick<VolumesRaw, 'rbd' | 'rbdTrash' | 'rbdStatus'> = {
  rbd: { 'ceph-vm': ok(RBD) },
  rbdTrash: { 'ceph-vm': ok('[]') },
  rbdStatus: { 'ceph-vm/vm-151-disk-0': ok('{"watchers":[]}') },
};

function run(
  extra: Partial<HostSnapshot> = {},
  rawOver: Partial<VolumesRaw> = {},
  configs: Record<string, string> = CONFIGS,
) {
  const snap = node(configs, extra);
  const raw: VolumesRaw = {
    zfs: ok(ZFS),
    ...CEPH,
    files: {
      local: {
        ok: true,
        volumes: [
          { name: '102/vm-102-disk-0.raw', sizeBytes: 8589934592, usedBytes: 0 },
          { name: '102/notes.txt', sizeBytes: 10, usedBytes: 4096 },
        ],
      },
      'nfs-store': {
        ok: true,
        volumes: [
          { name: '400/vm-400-disk-0.qcow2', sizeBytes: 8589934592, usedBytes: 262144 },
          {
            name: '400/vm-400-disk-1.qcow2',
            sizeBytes: 8589934592,
            usedBytes: 262144,
            backing: '../900/base-900-disk-2.qcow2',
          },
        ],
      },
    },
    zvolDevices: { 'rpool/data/vm-150-disk-0': 'zd64' },
    ...rawOver,
  };
  return classifyVolumes({
    pve: parsePveState(snap),
    raw,
    processes: snap.processes,
    replicationCfg: snap.files['/etc/pve/replication.cfg'],
  });
}

const get2 = (es: VolumeEntry[], volid: string) => find(es, volid);
const find = (es: VolumeEntry[], volid: string, snapshot?: string) => {
  const e = es.find((x) => x.volid === volid && x.snapshot === snapshot);
  assert.ok(e, `no entry ${volid}${snapshot ? `@${snapshot}` : ''}: ${es.map((x) => x.volid).join(' ')}`);
  return e;
};

test('zfs list -H -p: TAB fields, - for a property that does not apply, exact integers', () => {
  const ds = parseZfsList(ZFS);
  assert.equal(ds.length, 16);
  assert.deepEqual(ds[1], {
    name: 'rpool/data/base-900-disk-0',
    type: 'volume',
    volsize: 17179869184,
    used: 2147483648,
    refer: 2147483648,
    refquota: null,
    origin: null,
    mountpoint: null,
    // A listing without the guid column (an older capture) still parses; the guid is then unknown.
    guid: null,
  });
  assert.equal(ds[3].refquota, 8589934592);
  assert.equal(
    parseZfsList('rpool/data/vm-1-disk-0\tvolume\t1\t1\t1\t-\t-\t-\t9264519283417482321\n')[0].guid,
    '9264519283417482321',
  );
  assert.equal(parseZfsList('rpool/data/vm-1-disk-0\tvolume\t1\t1\t1\t-\t-\t-\t-\n')[0].guid, null);
  assert.equal(ds[10].origin, 'rpool/data/base-900-disk-0@__base__');
  assert.throws(() => parseZfsList('NAME  USED  AVAIL'), /unexpected line/);
});

test('rbd ls -l --format json: images, snapshot rows, parents, protected as a string', () => {
  const rows = parseRbdList(RBD);
  assert.equal(rows.length, 7);
  assert.equal(rows[1].snapshot, '__base__');
  assert.equal(rows[1].protected, true);
  assert.equal(rows[3].lockType, 'exclusive');
  assert.deepEqual(rows[6].parent, { pool: 'vm-pool', image: 'base-900-disk-1', snapshot: '__base__' });
  assert.deepEqual(parseRbdList('[]\n'), []);
  assert.throws(() => parseRbdList('{"x":1}'));
});

test('qcow2 header: virtual size and backing file as PVE writes a linked clone; vmdk capacity', () => {
  const backing = '../900/base-900-disk-0.qcow2';
  const buf = new Uint8Array(512);
  const v = new DataView(buf.buffer);
  v.setUint32(0, 0x514649fb);
  v.setUint32(4, 3);
  v.setBigUint64(8, 200n);
  v.setUint32(16, backing.length);
  v.setUint32(20, 17); // cluster_bits 17 = 128k, as pve-storage's clone_image uses
  v.setBigUint64(24, 17179869184n);
  buf.set(new TextEncoder().encode(backing), 200);
  assert.deepEqual(parseQcow2Header(buf), { version: 3, virtualSize: 17179869184, backingFile: backing });
  assert.equal(parseQcow2Header(new Uint8Array(64)), null);
  const vm = new Uint8Array(64);
  const w = new DataView(vm.buffer);
  w.setUint32(0, 0x564d444b, true);
  w.setBigUint64(12, 8388608n, true);
  assert.equal(parseVmdkCapacity(vm), 4294967296);
});

test('volnames: linked clones split into base and own volume per storage type', () => {
  assert.deepEqual(splitVolname('zfspool', 'base-900-disk-0/vm-101-disk-0'), {
    own: 'vm-101-disk-0',
    base: 'base-900-disk-0',
  });
  assert.deepEqual(splitVolname('nfs', '900/base-900-disk-0.qcow2/902/vm-902-disk-0.qcow2'), {
    own: '902/vm-902-disk-0.qcow2',
    base: '900/base-900-disk-0.qcow2',
  });
  assert.deepEqual(splitVolname('dir', '101/vm-101-disk-0.raw'), { own: '101/vm-101-disk-0.raw' });
  assert.deepEqual([...parseReplicationJobs('local: 100-0\n\ttarget pve2\n\nlocal: 101-1\n')], ['100-0', '101-1']);
});

const CASES: [string, string | undefined, string, string][] = [
  ['local-zfs:vm-100-disk-0', undefined, 'valid', 'referenced'],
  ['local-zfs:vm-100-disk-0', 'clean', 'valid', 'referenced'],
  ['local-zfs:vm-100-disk-0', 'old', 'orphan', 'snapshot-missing'],
  ['local-zfs:vm-100-disk-0', '__replicate_100-0_1712650000__', 'valid', 'referenced'],
  ['local-zfs:vm-100-disk-0', '__replicate_100-7_1712650000__', 'orphan', 'snapshot-missing'],
  ['local-zfs:vm-100-disk-1', undefined, 'orphan', 'not-referenced'],
  ['local-zfs:base-900-disk-0', undefined, 'valid', 'referenced'],
  ['local-zfs:base-900-disk-0/vm-101-disk-0', undefined, 'valid', 'referenced'],
  ['local-zfs:subvol-200-disk-0', undefined, 'valid', 'referenced'],
  ['local-zfs:vm-150-disk-0', undefined, 'orphan', 'guest-missing'],
  // local storage: the config on pve2 names a copy on pve2's pool, not this one
  ['local-zfs:vm-300-disk-0', undefined, 'orphan', 'guest-on-other-node'],
  ['local-zfs:vm-400-disk-0', undefined, 'orphan', 'not-referenced'],
  ['local-zfs:scratch', undefined, 'ignored', 'not-guest-volume'],
  ['ceph-vm:base-900-disk-1', undefined, 'valid', 'referenced'],
  // shared storage: the config on pve2 counts
  ['ceph-vm:base-900-disk-1/vm-902-disk-0', undefined, 'valid', 'referenced'],
  ['ceph-vm:vm-100-disk-1', undefined, 'valid', 'referenced'],
  ['ceph-vm:vm-100-disk-1', 'gone', 'orphan', 'snapshot-missing'],
  ['ceph-vm:vm-151-disk-0', undefined, 'orphan', 'guest-missing'],
  ['ceph-vm:csi-vol-0b6e', undefined, 'ignored', 'not-guest-volume'],
  ['local:102/vm-102-disk-0.raw', undefined, 'orphan', 'guest-missing'],
  ['local:102/notes.txt', undefined, 'ignored', 'not-guest-volume'],
  ['nfs-store:400/vm-400-disk-0.qcow2', undefined, 'valid', 'referenced'],
  ['nfs-store:900/base-900-disk-2.qcow2/400/vm-400-disk-1.qcow2', undefined, 'orphan', 'not-referenced'],
];

test('classification: every rule on ZFS, RBD and file storages', () => {
  const r = run();
  for (const [volid, snap, status, reason] of CASES) {
    const e = find(r.entries, volid, snap);
    assert.equal(`${e.status}/${e.reason}`, `${status}/${reason}`, `${volid}@${snap}: ${e.detail}`);
  }
  // __base__ snapshots are part of the base volume; pool root, nested datasets and other nodes' storages are not listed
  assert.ok(!r.entries.some((e) => e.snapshot === '__base__'));
  assert.ok(!r.entries.some((e) => e.volid.includes('inner') || e.volid === 'local-zfs:' || e.storage === 'other-zfs'));
  assert.equal(r.entries.length, CASES.length);
  assert.equal(r.status, 1);
  assert.equal(r.summary.orphan, CASES.filter((c) => c[2] === 'orphan').length);
  // leftovers of deleted guests per VMID (a new guest with that VMID would inherit them)
  assert.deepEqual(
    r.vmidLeftovers.map((l) => [l.vmid, l.volids, l.sizeBytes]),
    [
      [102, ['local:102/vm-102-disk-0.raw'], 8589934592],
      [150, ['local-zfs:vm-150-disk-0'], 34359738368],
      [151, ['ceph-vm:vm-151-disk-0'], 21474836480],
    ],
  );
});

test('flags: running guest, lock, open zvol, RBD lock, clones protect; hints only on unprotected orphans', () => {
  const kvm: ProcessInfo = { pid: 4242, comm: 'dd', cmdline: ['dd', 'if=/dev/zd64'], fds: ['/dev/zd64'] };
  const procs: ProcessInfo[] = [
    kvm,
    { pid: 2700, comm: 'kvm', cmdline: ['/usr/bin/kvm', '-id', '100'], fds: ['/dev/rbd0'] },
    {
      pid: 5100,
      comm: 'qemu-img',
      cmdline: ['qemu-img', 'convert'],
      fds: ['/mnt/pve/nfs-store/images/400/vm-400-disk-1.qcow2'],
    },
  ];
  const r = run({ processes: procs }, { rbdDevices: { 'vm-pool/vm-151-disk-0': 'rbd0' } });
  // a krbd-mapped image and an image file held by a process: open, protected, no hint
  for (const v of ['ceph-vm:vm-151-disk-0', 'nfs-store:900/base-900-disk-2.qcow2/400/vm-400-disk-1.qcow2']) {
    const held = get2(r.entries, v);
    assert.equal(held.open, true, v);
    assert.ok(held.protectedBy.includes('open'), v);
    assert.equal(held.hint, undefined, v);
  }
  const get = (v: string, s?: string) => find(r.entries, v, s);
  assert.equal(r.status, 1);
  // vm-150: guest missing but a process holds its zvol: open + protected, no hint
  const z150 = get('local-zfs:vm-150-disk-0');
  assert.equal(z150.open, true);
  assert.deepEqual(
    z150.holders.map((h) => h.pid),
    [4242],
  );
  assert.ok(z150.protectedBy.includes('open'));
  assert.equal(z150.hint, undefined);
  // CT 200 has lock: backup and no backup runs: the lock an interrupted vzdump left protects its volume
  // (stale-lock, as the DM part says), and nothing claims an operation is pending.
  const ct = get('local-zfs:subvol-200-disk-0');
  assert.deepEqual([ct.pending, ct.protected], [false, true]);
  assert.ok(ct.protectedBy.includes('stale-lock:backup'), ct.protectedBy.join());
  // RBD exclusive lock: open somewhere in the cluster
  assert.ok(get('ceph-vm:vm-100-disk-1').protectedBy.includes('rbd-lock'));
  // a base with clones on the storage
  assert.ok(get('local-zfs:base-900-disk-0').protectedBy.includes('has-clones'));
  // unprotected orphans get the exact PVE command
  assert.match(get('local:102/vm-102-disk-0.raw').hint ?? '', /pvesm free local:102\/vm-102-disk-0\.raw$/);
  assert.match(
    get('local-zfs:vm-400-disk-0').hint ?? '',
    /^to keep it, attach it to VM 400 as unusedN \(on pve1\): qm disk rescan --vmid 400; to set it aside reversibly \(quarantine; pve-health restore brings it back\): pve-health reclaim --name local-zfs:vm-400-disk-0; or to drop it now \(irreversible: deletes the data\), .*: pvesm free local-zfs:vm-400-disk-0$/,
  );
  assert.deepEqual(
    get('local-zfs:vm-400-disk-0').steps?.map((x) => [x.kind, x.irreversible, x.command]),
    [
      ['keep', false, ['qm', 'disk', 'rescan', '--vmid', '400']],
      ['reclaim', false, ['pve-health', 'reclaim', '--name', 'local-zfs:vm-400-disk-0']],
      ['drop', true, ['pvesm', 'free', 'local-zfs:vm-400-disk-0']],
    ],
  );
  // A protected entry keeps no step but, while only its guest's running protects it, PVE's rescan
  // (volume-rescan.ts: the LVM twin's step).
  for (const e of r.entries)
    if (e.protected || e.pending || e.status !== 'orphan') {
      const rescanOnly = e.reason === 'not-referenced' && e.protectedBy.join() === 'guest-running';
      assert.deepEqual(
        e.steps?.map((x) => x.command?.join(' ')),
        rescanOnly ? [`qm disk rescan --vmid ${e.vmid}`] : undefined,
        e.volid,
      );
    }
  assert.equal(
    get('local-zfs:vm-100-disk-1').hint,
    'to keep it, attach it to VM 100 as unusedN (on pve1): qm disk rescan --vmid 100',
  );
});

test('an unprotected orphan on RBD gets pvesm free with its volid', () => {
  const e = find(run().entries, 'ceph-vm:vm-151-disk-0');
  assert.match(e.hint ?? '', /pvesm free ceph-vm:vm-151-disk-0$/);
});

test('pending operations: a running task of the guest marks its volumes pending, never hinted', () => {
  const tasks = 'UPID:pve1:00001234:00005678:65F0A1B2:qmigrate:400:root@pam: 1\n';
  const snap = node(CONFIGS);
  snap.files['/var/log/pve/tasks/active'] = tasks;
  const r = classifyVolumes({
    pve: parsePveState(snap),
    raw: {
      zfs: ok(ZFS),
      ...CEPH,
      files: { local: { ok: true, volumes: [] }, 'nfs-store': { ok: true, volumes: [] } },
    },
    processes: [],
  });
  const e = find(r.entries, 'local-zfs:vm-400-disk-0');
  assert.equal(e.pending, true, JSON.stringify(e));
  assert.ok(e.protectedBy.includes('task:qmigrate'));
  assert.equal(e.hint, undefined);
});

test('a storage that could not be listed is unknown with its reason; the part is UNKNOWN (3)', () => {
  const r = run(
    {},
    {
      rbd: {
        'ceph-vm': rbdTimedOut,
      },
      files: {
        local: { ok: true, volumes: [] },
        'nfs-store': { ok: false, error: '/mnt/pve/nfs-store is not mounted', volumes: [] },
      },
    },
  );
  assert.equal(r.status, 3);
  assert.match(r.error ?? '', /ceph-vm.*timed out/);
  assert.match(r.error ?? '', /nfs-store.*not mounted/);
  assert.equal(r.storages.find((s) => s.storage === 'ceph-vm')?.status, 'unknown');
  assert.ok(!r.entries.some((e) => e.storage === 'ceph-vm'));
  // zfs still classified
  assert.equal(find(r.entries, 'local-zfs:vm-150-disk-0').status, 'orphan');
});

test('zfs list: a missing pool fails that storage only; a failing zfs fails all zfs storages', () => {
  const missing = run(
    {},
    { zfs: { argv: ['zfs'], code: 1, stdout: ZFS, stderr: "cannot open 'tank/gone': dataset does not exist\n" } },
  );
  assert.equal(missing.storages.find((s) => s.storage === 'local-zfs')?.status, 'ok');
  const broken = run(
    {},
    {
      zfs: { argv: ['zfs'], code: 1, stdout: '', stderr: 'The ZFS modules cannot be auto-loaded.\n' },
    },
  );
  const st = broken.storages.find((s) => s.storage === 'local-zfs');
  assert.equal(st?.status, 'unknown');
  assert.match(st?.error ?? '', /ZFS modules/);
  assert.equal(broken.status, 3);
});

test('zfs list: a dataset printed twice, or no line for the pool itself, is a listing that cannot be trusted: UNKNOWN', () => {
  // The host passes the outermost pools only, so a real `zfs list -r` never prints a dataset twice; and
  // `-r POOL` always prints POOL first.
  const cases: [string, string, RegExp][] = [
    ['duplicated', `${ZFS}\n${ZFS}`, /printed rpool\/data\/\S+ twice/],
    ['pool line gone', ZFS.split('\n').slice(1).join('\n'), /does not show the pool rpool\/data itself/],
    ['empty', '', /does not show the pool rpool\/data itself/],
  ];
  for (const [name, text, why] of cases) {
    const r = run({}, { zfs: ok(text) });
    const st = r.storages.find((s) => s.storage === 'local-zfs');
    assert.equal(st?.status, 'unknown', name);
    assert.match(st?.error ?? '', why, name);
    assert.equal(r.status, 3, name);
    assert.ok(!r.entries.some((e) => e.storage === 'local-zfs' && e.hint && e.status === 'orphan'), name);
  }
  // A listing read whole (exit 0, the pool shown) without the zvol VM 100 names: that disk is gone (a
  // pvesm free by hand, a destroy cut short), the guest's critical entry; the storage is graded.
  const gone = run(
    {},
    {
      zfs: ok(
        ZFS.split('\n')
          .filter((l) => !l.includes('vm-100-disk-0'))
          .join('\n'),
      ),
    },
  );
  assert.equal(gone.storages.find((s) => s.storage === 'local-zfs')?.status, 'ok');
  const missing = gone.entries.find((e) => e.volid === 'local-zfs:vm-100-disk-0');
  assert.deepEqual(
    [missing?.status, missing?.reason, missing?.references],
    ['valid', 'missing-referenced', ['VM 100 scsi0', 'VM 100 snapshot [clean] scsi0']],
  );
  assert.equal(gone.status, 2);
  // Neighbour: a node whose pool simply has fewer volumes, none of them named by a config, is OK.
  const fewer = run(
    {},
    {
      zfs: ok(
        ZFS.split('\n')
          .filter((l) => !l.includes('scratch'))
          .join('\n'),
      ),
    },
  );
  assert.equal(fewer.storages.find((s) => s.storage === 'local-zfs')?.status, 'ok');
});

test("rbd ls -l: no output or an image printed twice is UNKNOWN; an image the configs name missing is the guest's; [] is an empty pool", () => {
  const cases: [string, string, RegExp][] = [
    ['empty', '', /no output/],
    [
      'duplicated',
      RBD.replace('[', '[{"image":"csi-vol-0b6e","id":"1a2c","size":1,"format":2},'),
      /printed csi-vol-0b6e twice/,
    ],
  ];
  for (const [name, text, why] of cases) {
    const r = run({}, { ...CEPH, rbd: { 'ceph-vm': ok(text) } });
    const st = r.storages.find((s) => s.storage === 'ceph-vm');
    assert.equal(st?.status, 'unknown', name);
    assert.match(st?.error ?? '', why, name);
  }
  // An image VM 100 names that a whole listing lacks: the guest's missing disk (critical), not UNKNOWN.
  const gone = run({}, { ...CEPH, rbd: { 'ceph-vm': ok(RBD.replace(/\{"image":"vm-100-disk-1"[^}]*\},/, '')) } });
  assert.equal(gone.storages.find((s) => s.storage === 'ceph-vm')?.status, 'ok');
  assert.deepEqual(
    gone.entries.filter((e) => e.reason === 'missing-referenced').map((e) => [e.volid, e.status]),
    [['ceph-vm:vm-100-disk-1', 'valid']],
  );
  // Neighbour: `[]` with no config naming an image there is an empty pool.
  const empty = run({}, { ...CEPH, rbd: { 'ceph-vm': ok('[]') } }, {});
  assert.equal(empty.storages.find((s) => s.storage === 'ceph-vm')?.status, 'ok');
});

test('a guest whose config is unreadable makes its volumes unknown, never orphan', () => {
  const snap = node({ ...CONFIGS });
  snap.files['/etc/pve/.vmlist'] =
    '{\n"version": 1,\n"ids": {\n"150": { "node": "pve1", "type": "qemu", "version": 3 }}\n}\n';
  const r = classifyVolumes({
    pve: parsePveState(snap),
    raw: {
      zfs: ok(ZFS),
      ...CEPH,
      files: {
        local: { ok: true, volumes: [] },
        // VM 400's disk is there: a missing one would be critical, above the unknown (volume-summary.ts)
        'nfs-store': { ok: true, volumes: [{ name: '400/vm-400-disk-0.qcow2', sizeBytes: 1, usedBytes: 1 }] },
      },
    },
    processes: [],
  });
  const e = find(r.entries, 'local-zfs:vm-150-disk-0');
  assert.equal(e.status, 'unknown');
  assert.equal(r.status, 3);
});

test('a zvol held below its own device: a process on a partition, a host mount, a /sys holder → open, no pvesm free', () => {
  const use = { zvolUse: { zd64: { parts: ['zd64p1'], holders: [] } } };
  const byFd = run({ processes: [{ pid: 77, comm: 'dd', cmdline: ['dd'], fds: ['/dev/zd64p1'] }] }, use);
  const cases: [string, VolumeEntry, string][] = [
    ['a process on /dev/zd64p1', find(byFd.entries, 'local-zfs:vm-150-disk-0'), 'open'],
  ];
  const mountinfo = (src: string) =>
    `21 1 0:20 / / rw - ext4 /dev/sda1 rw\n90 21 230:65 / /mnt/restore rw,relatime - ext4 ${src} rw\n`;
  for (const src of ['/dev/zd64p1', '/dev/zvol/rpool/data/vm-150-disk-0-part1', '/dev/zd64']) {
    const snap = node(CONFIGS);
    const r = classifyVolumes({
      pve: parsePveState(snap),
      raw: { zfs: ok(ZFS), ...CEPH, files: {}, zvolDevices: { 'rpool/data/vm-150-disk-0': 'zd64' }, ...use },
      processes: [],
      hostMountinfo: mountinfo(src),
    });
    cases.push([`mounted as ${src}`, find(r.entries, 'local-zfs:vm-150-disk-0'), 'mounted']);
  }
  const stacked = run({}, { zvolUse: { zd64: { parts: ['zd64p1'], holders: ['dm-7 (on zd64p1)'] } } });
  cases.push(['a map on its partition (/sys holders)', find(stacked.entries, 'local-zfs:vm-150-disk-0'), 'open']);
  for (const [what, e, flag] of cases) {
    assert.equal(e.open, true, what);
    assert.ok(e.protectedBy.includes(flag), `${what}: ${e.protectedBy.join(',')}`);
    assert.equal(e.hint, undefined, what);
  }
  // Its neighbour: nothing below it is in use — still the orphan it is, with its hint.
  const free = find(run({}, use).entries, 'local-zfs:vm-150-disk-0');
  assert.deepEqual([free.status, free.open], ['orphan', false]);
  assert.match(free.hint ?? '', /pvesm free/);
});

test('rbd status failing in any way (unsupported, an error) is UNKNOWN for that image, never "no watchers"', () => {
  const failing = (stderr: string, code = 1) => ({ argv: ['rbd'], code, stdout: '', stderr });
  for (const out of [
    failing('rbd: unsupported: status\n'),
    failing('rbd: error: (95) Operation not supported\n', 95),
  ]) {
    const r = run({}, { rbdStatus: { 'ceph-vm/vm-151-disk-0': out } });
    const e = find(r.entries, 'ceph-vm:vm-151-disk-0');
    assert.deepEqual([e.status, e.reason, e.hint], ['unknown', 'watchers-unread', undefined], out.stderr);
  }
});

// HA recovery (pve-ha-manager PVE::HA::Env::PVE2::steal_service) renames a fenced guest's config into
// another node's directory; its disks on local storage stay here. A config of another node naming this
// very volume ID is then either that node's own copy of the name or the guest's only disk: reclaim stays,
// the irreversible drop only behind "check that pve2 has it". Its neighbour, a config naming another
// volume, keeps the plain leftover steps.
test('only copy: a local volume whose volume ID a config on another node names (ZFS and dir)', () => {
  const configs = {
    ...CONFIGS,
    '/etc/pve/nodes/pve2/qemu-server/102.conf': 'scsi0: local:102/vm-102-disk-0.raw,size=8G\n',
  };
  const r = run({}, {}, configs);
  for (const [volid, storage, vmid] of [
    ['local-zfs:vm-300-disk-0', 'local-zfs', '300'],
    ['local:102/vm-102-disk-0.raw', 'local', '102'],
  ]) {
    const e = find(r.entries, volid);
    assert.equal(`${e.status}/${e.reason}`, 'orphan/guest-on-other-node', volid);
    assert.deepEqual(e.namedOn, { node: 'pve2', vmid: Number(vmid), type: 'qemu' }, volid);
    assert.match(e.detail, /config on pve2 names this very volume ID .*: if pve2 has its own .*only disk/, volid);
    assert.deepEqual(
      e.steps?.map((s) => [s.kind, s.command?.join(' ')]),
      [
        ['reclaim', `pve-health reclaim --name ${volid}`],
        ['step', `ssh pve2 pvesm list ${storage} --vmid ${vmid}`],
        ['drop', `pvesm free ${volid}`],
      ],
      volid,
    );
    assert.match(e.steps?.[2].text ?? '', /^only if pve2 has its own copy/);
  }
  // The neighbour: pve2's VM 300 names another disk; this one is a plain leftover copy.
  const other = run(
    {},
    {},
    { ...CONFIGS, '/etc/pve/nodes/pve2/qemu-server/300.conf': 'scsi0: local-zfs:vm-300-disk-1\n' },
  );
  const e = find(other.entries, 'local-zfs:vm-300-disk-0');
  assert.equal(`${e.status}/${e.reason}`, 'orphan/guest-on-other-node');
  assert.equal(e.namedOn, undefined);
  assert.deepEqual(
    e.steps?.map((s) => s.kind),
    ['reclaim', 'drop'],
  );
  assert.match(e.steps?.[1].text ?? '', /^a leftover copy \(e\.g\. of a migration\)/);
});
