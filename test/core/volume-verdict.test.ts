// One listed volume's verdict (volume-verdict.ts classifyVolume): its words, what keeps it (a lock by the
// state of its operation: node/guest-locks.ts lockState, after pve-guest-common AbstractConfig.pm lock_config
// and qemu-server/pve-container's locks; HA moving the guest: pve-ha-manager's migrate/relocate/recovery;
// a replication job that still names a gone guest: pvesr delete first) and the next steps of an orphan.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { classify, entry, type Node, volumeInput, zsnap, zvol } from '../helpers/volume-node';

const upid = (type: string, id: string) => `UPID:pve1:000B7C1A:0A1B2C3D:67A1B2C3:${type}:${id}:root@pam: 1`;
const qm = (node: string, vmid: number, text: string) => ({
  [`/etc/pve/nodes/${node}/qemu-server/${vmid}.conf`]: text,
});
const DISK = 'scsi0: local-zfs:vm-100-disk-0,size=8G\n';
const ha = (sid: string, state: string) => ({
  '/etc/pve/ha/manager_status': JSON.stringify({ service_status: { [sid]: { node: 'pve1', state } } }),
});

test("what keeps a guest's volume: its lock by the state of its operation, HA moving it", () => {
  const rows: { name: string; files: Record<string, string>; tasks?: string[]; pending: boolean; by: string[] }[] = [
    { name: 'nothing', files: qm('pve1', 100, DISK), pending: false, by: [] },
    {
      name: 'lock backup, its vzdump runs',
      files: qm('pve1', 100, `${DISK}lock: backup\n`),
      tasks: [upid('vzdump', '100')],
      pending: true,
      by: ['lock', 'task:vzdump'],
    },
    {
      name: 'lock backup, nothing runs',
      files: qm('pve1', 100, `${DISK}lock: backup\n`),
      pending: false,
      by: ['stale-lock:backup'],
    },
    {
      name: 'lock suspended',
      files: qm('pve1', 100, `${DISK}lock: suspended\n`),
      pending: false,
      by: ['lock:suspended'],
    },
    ...['migrate', 'relocate', 'recovery'].map((s) => ({
      name: `HA ${s} of it`,
      files: { ...qm('pve1', 100, DISK), ...ha('vm:100', s) },
      pending: true,
      by: [`ha:${s}`],
    })),
    { name: 'HA started', files: { ...qm('pve1', 100, DISK), ...ha('vm:100', 'started') }, pending: false, by: [] },
    {
      name: 'HA migrate of another VM',
      files: { ...qm('pve1', 100, DISK), ...ha('vm:101', 'migrate') },
      pending: false,
      by: [],
    },
  ];
  for (const r of rows) {
    const e = entry(
      classify({ files: r.files, zfs: [zvol('vm-100-disk-0')], tasks: r.tasks?.join('\n') }),
      'local-zfs:vm-100-disk-0',
    );
    assert.deepEqual(
      [e.status, e.pending, e.protectedBy],
      ['valid', r.pending, r.by],
      `${r.name}: ${JSON.stringify(e)}`,
    );
  }
});

test('the words of a verdict and the next steps of an orphan', () => {
  const check = 'check it holds nothing you need (e.g. back it up), then';
  // reclaim's reversible step first, then the irreversible drop (volume-verdict.ts hint).
  const RECLAIM: [string, string, string[]] = [
    'reclaim',
    'to set it aside reversibly (quarantine; pve-health restore brings it back)',
    ['pve-health', 'reclaim', '--name', 'local-zfs:vm-100-disk-0'],
  ];
  const DROP_OR: [string, string, string[]] = [
    'drop',
    `or to drop it now (irreversible: deletes the data), ${check}`,
    ['pvesm', 'free', 'local-zfs:vm-100-disk-0'],
  ];
  const rows: {
    name: string;
    files: Record<string, string>;
    status: string;
    reason: string;
    detail: string;
    /** Default: local-zfs:vm-100-disk-0. */
    volid?: string;
    by?: string[];
    job?: string;
    /** The steps' kinds, texts and commands. */
    steps?: [string, string, string[]][];
  }[] = [
    {
      name: 'two configs name it',
      files: { ...qm('pve1', 100, DISK), ...qm('pve1', 101, 'scsi1: local-zfs:vm-100-disk-0,size=8G\n') },
      status: 'valid',
      reason: 'referenced',
      detail: 'referenced by VM 100 scsi0 (+1 more)',
    },
    {
      // The source side of a job (Replication.pm): the jobs of this node's guest that target another node.
      name: 'a source volume of two jobs',
      files: {
        ...qm('pve1', 100, DISK),
        '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve2\n\nlocal: 100-1\n\ttarget pve3\n\tdisable\n',
      },
      status: 'valid',
      reason: 'referenced',
      detail: 'referenced by VM 100 scsi0; replicated to pve2 (job 100-0), pve3 (job 100-1, disabled)',
      job: '100-0',
    },
    {
      // The jobs are the guest's whose config names it: VM 101 here names VM 100's zvol, VM 100 lives on pve2.
      name: 'named here by another guest, its VMID a guest of another node with a job',
      files: {
        ...qm('pve2', 100, 'scsi0: local-zfs:vm-100-disk-1,size=8G\n'),
        ...qm('pve1', 101, 'scsi1: local-zfs:vm-100-disk-0,size=8G\n'),
        '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve3\n',
      },
      status: 'valid',
      reason: 'referenced',
      detail: 'referenced by VM 101 scsi1',
    },
    {
      name: 'named here by another guest, its VMID no guest',
      files: qm('pve1', 101, 'scsi1: local-zfs:vm-100-disk-0,size=8G\n'),
      status: 'valid',
      reason: 'referenced',
      detail: 'referenced by VM 101 scsi1',
    },
    {
      // A job syncs to another node (pve-guest-common ReplicationState.pm job_status: never to the local node):
      // one that names this node, or none, replicates nothing from here.
      name: 'a job of it that targets this node itself, one without a target',
      files: {
        ...qm('pve1', 100, DISK),
        '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve1\n\nlocal: 100-1\n\tschedule */15\n',
      },
      status: 'valid',
      reason: 'referenced',
      detail: 'referenced by VM 100 scsi0',
    },
    {
      // Replication.pm replicates zfspool volumes only; a disk elsewhere is left out with replicate=0.
      name: 'a dir disk of a replicated guest',
      files: {
        ...qm('pve1', 100, `${DISK}scsi1: local:100/vm-100-disk-1.raw,size=8G,replicate=0\n`),
        '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve2\n',
      },
      volid: 'local:100/vm-100-disk-1.raw',
      status: 'valid',
      reason: 'referenced',
      detail: 'referenced by VM 100 scsi1',
    },
    {
      name: 'guest gone, two replication jobs still name it',
      files: { '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve2\n\nlocal: 100-1\n\ttarget pve3\n' },
      status: 'orphan',
      reason: 'guest-missing',
      detail: 'no guest 100 exists in the cluster, but replication job 100-0, 100-1 still names it',
      by: ['replication-job:100-0', 'replication-job:100-1'],
    },
    {
      name: 'guest gone',
      files: {},
      status: 'orphan',
      reason: 'guest-missing',
      detail: 'no guest 100 exists in the cluster',
      by: [],
      steps: [
        // PVE's rescan adopts it once guest 100 exists again (the LVM twin's step).
        [
          'keep',
          'data kept; to keep it, create guest 100 again and attach it',
          ['qm', 'disk', 'rescan', '--vmid', '100'],
        ],
        RECLAIM,
        [
          'drop',
          `to drop it now (irreversible: deletes the data), ${check}`,
          ['pvesm', 'free', 'local-zfs:vm-100-disk-0'],
        ],
      ],
    },
    {
      name: 'its config could not be read',
      files: {
        '/etc/pve/.vmlist':
          '{\n"version": 1,\n"ids": {\n"100": { "node": "pve1", "type": "qemu", "version": 1 }}\n\n}\n',
      },
      status: 'unknown',
      reason: 'config-unreadable',
      detail: 'the config of guest 100 could not be read (listed in .vmlist but its config file was not found)',
    },
    {
      // qm disk rescan / pct rescan attach an unreferenced volume as unusedN (QemuServer rescan, LXC rescan).
      name: 'a VM that does not name it',
      files: qm('pve1', 100, 'scsi0: local-zfs:vm-100-disk-1,size=8G\n'),
      status: 'orphan',
      reason: 'not-referenced',
      detail: 'guest 100 exists (on pve1) but no line of its config names vm-100-disk-0',
      steps: [
        ['keep', 'to keep it, attach it to VM 100 as unusedN (on pve1)', ['qm', 'disk', 'rescan', '--vmid', '100']],
        RECLAIM,
        DROP_OR,
      ],
    },
    {
      name: 'a container that does not name it',
      files: { '/etc/pve/nodes/pve1/lxc/100.conf': 'rootfs: local-zfs:subvol-100-disk-1,size=8G\n' },
      status: 'orphan',
      reason: 'not-referenced',
      detail: 'guest 100 exists (on pve1) but no line of its config names vm-100-disk-0',
      steps: [
        ['keep', 'to keep it, attach it to CT 100 as unusedN (on pve1)', ['pct', 'rescan', '--vmid', '100']],
        RECLAIM,
        DROP_OR,
      ],
    },
    {
      // pve2's config names this very volume ID: pve2's own copy, or — HA recovery moved only the config
      // (pve-ha-manager steal_service) — VM 100's only disk. Reclaim stays; the drop waits for a look at pve2.
      name: 'a guest of another node on local storage whose config names this very volume ID, no job',
      files: qm('pve2', 100, DISK),
      status: 'orphan',
      reason: 'guest-on-other-node',
      detail:
        "guest 100 lives on pve2; local-zfs is local to each node, and no replication job of VM 100 targets pve1; VM 100's config on pve2 names this very volume ID local-zfs:vm-100-disk-0: if pve2 has its own local-zfs:vm-100-disk-0, this is a leftover of a migration or restore; if not, this is VM 100's only disk (an HA recovery moves only the config, local disks stay: pve-ha-manager steal_service). Only pve2 can tell (pve-health cluster asks it)",
      steps: [
        RECLAIM,
        [
          'step',
          "before anything irreversible, check that pve2 has local-zfs:vm-100-disk-0 (if it lists none, this is the guest's only disk: never drop it; bring the guest back to it, then qm migrate --with-local-disks it where it should run)",
          ['ssh', 'pve2', 'pvesm', 'list', 'local-zfs', '--vmid', '100'],
        ],
        [
          'drop',
          'only if pve2 has its own copy: drop this leftover (irreversible)',
          ['pvesm', 'free', 'local-zfs:vm-100-disk-0'],
        ],
      ],
    },
    {
      name: 'a copy of a guest of another node on local storage whose config names another disk, no job',
      files: qm('pve2', 100, 'scsi0: local-zfs:vm-100-disk-1,size=8G\n'),
      status: 'orphan',
      reason: 'guest-on-other-node',
      detail:
        'guest 100 lives on pve2; local-zfs is local to each node, so no config references this copy, and no replication job of VM 100 targets pve1',
      steps: [
        RECLAIM,
        [
          'drop',
          `a leftover copy (e.g. of a migration): to drop it now (irreversible), ${check}`,
          ['pvesm', 'free', 'local-zfs:vm-100-disk-0'],
        ],
      ],
    },
  ];
  for (const r of rows) {
    const local = r.volid ? [{ name: r.volid.slice('local:'.length) }] : [];
    const e = entry(
      classify({ files: r.files, zfs: [zvol('vm-100-disk-0')], local }),
      r.volid ?? 'local-zfs:vm-100-disk-0',
    );
    const got = JSON.stringify(e);
    assert.deepEqual([e.status, e.reason, e.detail], [r.status, r.reason, r.detail], `${r.name}: ${got}`);
    if (r.by) assert.deepEqual(e.protectedBy, r.by, r.name);
    assert.equal(e.job, r.job, r.name);
    if (r.steps)
      assert.deepEqual(
        e.steps?.map((s) => [s.kind, s.text, s.command]),
        r.steps,
        `${r.name}: ${got}`,
      );
  }
});

// PVE's own snapshot left behind: removing it is what its operation would have done, and the step says
// whose (an interrupted storage_migrate's `__migration__`; a `__replicate_` of a job pvesr delete --force removed).
test('the drop step of an operation leftover and of a removed job names whose work it finishes', () => {
  for (const [snap, who] of [
    ['__migration__', 'the interrupted operation'],
    ['__replicate_100-9_1700000000__', 'the removed replication job'],
  ]) {
    const e = entry(
      classify({ files: qm('pve1', 100, DISK), zfs: [zvol('vm-100-disk-0'), zsnap(`vm-100-disk-0@${snap}`)] }),
      'local-zfs:vm-100-disk-0',
      snap,
    );
    const drop = e.steps?.find((s) => s.kind === 'drop');
    assert.equal(drop?.text, `remove the snapshot now (what ${who} would have done; irreversible)`, JSON.stringify(e));
  }
});

// storage.cfg calls `local` local (no `shared 1`; DirPlugin.pm's `shared` is only what storage.cfg says) while
// its path is an NFS mount: the mount is the evidence, a share every node may mount names the same files on
// every node, so the storage is treated as shared. A config of another node that names this very file names
// the disk that guest runs from, whoever owns the VMID: referenced, never a leftover. The neighbours: a truly
// local path (the other node's config names its own copy: a leftover), a file nobody names on the share (a
// leftover still), and a volume this node's guest names.
test('a file of a local storage on a network mount that a config of another node names is that guest disk', () => {
  const NFS =
    '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n40 22 0:53 / /var/lib/vz rw,relatime shared:2 - nfs4 10.0.0.5:/export/vz rw,vers=4.2\n';
  const EXT4 = '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n';
  const named = qm('pve3', 101, 'scsi1: local:100/vm-100-disk-0.raw,size=8G\n');
  const rows: { name: string; files: Record<string, string>; mounts: string; status: string; reason: string }[] = [
    { name: 'its VMID has no guest', files: named, mounts: NFS, status: 'valid', reason: 'referenced' },
    {
      name: 'its guest (here) does not name it',
      files: { ...named, ...qm('pve1', 100, 'scsi0: local:100/vm-100-disk-1.raw,size=8G\n') },
      mounts: NFS,
      status: 'valid',
      reason: 'referenced',
    },
    {
      name: 'its guest lives on a second node, a third names it',
      files: { ...named, ...qm('pve2', 100, 'scsi0: local:100/vm-100-disk-1.raw,size=8G\n') },
      mounts: NFS,
      status: 'valid',
      reason: 'referenced',
    },
    { name: 'the path is truly local', files: named, mounts: EXT4, status: 'orphan', reason: 'guest-missing' },
    { name: 'on the share, no config names it', files: {}, mounts: NFS, status: 'orphan', reason: 'guest-missing' },
    {
      name: 'on the share, its guest on another node does not name it',
      files: qm('pve2', 100, 'scsi0: local:100/vm-100-disk-1.raw,size=8G\n'),
      mounts: NFS,
      status: 'orphan',
      reason: 'not-referenced',
    },
    {
      name: 'a guest of this node names it too',
      files: { ...named, ...qm('pve1', 100, 'scsi0: local:100/vm-100-disk-0.raw,size=8G\n') },
      mounts: NFS,
      status: 'valid',
      reason: 'referenced',
    },
  ];
  for (const r of rows) {
    const input = volumeInput({ files: r.files, local: [{ name: '100/vm-100-disk-0.raw' }] } satisfies Node);
    const e = entry(classifyVolumes({ ...input, hostMountinfo: r.mounts }).entries, 'local:100/vm-100-disk-0.raw');
    assert.deepEqual([e.status, e.reason], [r.status, r.reason], `${r.name}: ${JSON.stringify(e)}`);
    // A share is shared storage: an unreferenced disk of a guest that lives on another node is held there
    // (guest-elsewhere: a `qm disk move` of it may be under way on that node).
    const elsewhere = r.name === 'on the share, its guest on another node does not name it';
    assert.equal(e.protected, elsewhere, r.name);
    if (elsewhere) assert.ok(e.protectedBy?.includes('guest-elsewhere'), JSON.stringify(e.protectedBy));
    if (r.status === 'valid' && r.name !== 'a guest of this node names it too')
      assert.equal(e.detail, 'referenced by VM 101 scsi1', r.name);
  }
});

// What holds a zvol below PVE: a process on it or on a partition of it (one holder however many of its
// devices it has open), a host mount of a partition, a map stacked on it (/sys holders), and what a
// volsize of 0 means (a resumable `zfs recv -s` cut off; qemu-server/pve-storage volume_import never passes -s).
test('a zvol held below PVE: one holder per process, the mount and the /sys holders said, a partial receive named', () => {
  const ZVOL0 = 'rpool/data/vm-150-disk-0\tvolume\t0\t57344\t57344\t-\t-\t-';
  const dd = {
    pid: 77,
    comm: 'dd',
    cmdline: ['dd', 'if=/dev/zd64', 'of=/backup/x.img'],
    fds: ['/dev/zd64', '/dev/zd64p1'],
  };
  const cat = { pid: 78, comm: 'cat', cmdline: ['cat', '/dev/zd64'], fds: ['/dev/zd64'] };
  const input = volumeInput({ zfs: [ZVOL0], processes: [dd, cat] });
  input.raw.zvolDevices = { 'rpool/data/vm-150-disk-0': 'zd64' };
  input.raw.zvolUse = { zd64: { parts: ['zd64p1'], holders: ['dm-7 (on zd64p1)', 'dm-8'] } };
  const mounts = '22 1 8:1 / / rw - ext4 /dev/sda1 rw\n90 22 230:65 / /mnt/restore rw - ext4 /dev/zd64p1 rw\n';
  const e = entry(classifyVolumes({ ...input, hostMountinfo: mounts }).entries, 'local-zfs:vm-150-disk-0');
  assert.deepEqual(
    e.holders,
    [
      { pid: 77, command: 'dd', cmdline: 'dd if=/dev/zd64 of=/backup/x.img' },
      { pid: 78, command: 'cat', cmdline: 'cat /dev/zd64' },
    ],
    JSON.stringify(e.holders),
  );
  assert.equal(
    e.detail,
    'no guest 150 exists in the cluster; /dev/zd64p1 is mounted on this node; held by dm-7 (on zd64p1), dm-8 (/sys holders); volsize 0: a partially received zvol (a resumable zfs recv -s cut off; no PVE operation resumes one: volume_import never passes -s)',
    e.detail,
  );
  assert.deepEqual([e.status, e.open, e.protectedBy], ['orphan', true, ['mounted', 'open']], JSON.stringify(e));
  // its neighbour: nothing holds it, a whole zvol — the orphan with nothing added
  const free = entry(classify({ zfs: [zvol('vm-150-disk-0')] }), 'local-zfs:vm-150-disk-0');
  assert.deepEqual([free.detail, free.open, free.protectedBy], ['no guest 150 exists in the cluster', false, []]);
});

// A running guest (its kvm alive behind /run/qemu-server/<vmid>.pid) protects what it may use; a task line
// whose worker is gone (pve-common check_process_running) explains nothing but protects what it names.
test('a running guest of this node and a task whose worker is gone protect its volumes', () => {
  const kvm = { pid: 4242, comm: 'kvm', cmdline: ['/usr/bin/kvm', '-id', '100'], fds: [] };
  const files = {
    ...qm('pve1', 100, 'scsi0: local-zfs:vm-100-disk-1,size=8G\n'),
    '/run/qemu-server/100.pid': '4242\n',
  };
  const running = entry(classify({ files, zfs: [zvol('vm-100-disk-0')], processes: [kvm] }), 'local-zfs:vm-100-disk-0');
  assert.deepEqual(
    [running.reason, running.protectedBy],
    ['not-referenced', ['guest-running']],
    JSON.stringify(running),
  );
  const task = upid('qmigrate', '100');
  const other = upid('vzdump', '101');
  const dead = entry(
    classify({
      files: qm('pve1', 100, DISK),
      zfs: [zvol('vm-100-disk-0')],
      tasks: `${task}\n${other}\n`,
      taskWorkers: { [task.split(' ')[0]]: null, [other.split(' ')[0]]: null },
    }),
    'local-zfs:vm-100-disk-0',
  );
  assert.deepEqual([dead.pending, dead.protectedBy], [false, ['task:qmigrate']], JSON.stringify(dead));
});

// A kvm alive here of a guest whose home is another node (the target of a live migration, or two nodes
// running it: the storage finding 'guest-split-brain') is never one whose disks are touched, as the DM
// part's rule (dm-flags.ts: kvm-process); 'guest-running' (shut it down here) is only this node's guest's.
// A kvm of a VMID no config names holds what that VMID names too.
test('a kvm here of a guest of another node, or of no guest, protects that VMID’s volumes', () => {
  const kvm = { pid: 4242, comm: 'kvm', cmdline: ['/usr/bin/kvm', '-id', '100'], fds: [] };
  const pid = { '/run/qemu-server/100.pid': '4242\n' };
  const rows: {
    name: string;
    files: Record<string, string>;
    processes: (typeof kvm)[];
    verdict: string;
    by: string[];
  }[] = [
    {
      name: 'guest on pve2, its kvm here',
      files: { ...qm('pve2', 100, DISK), ...pid },
      processes: [kvm],
      verdict: 'orphan/guest-on-other-node',
      by: ['kvm-process'],
    },
    {
      name: 'guest on pve2, no kvm here',
      files: qm('pve2', 100, DISK),
      processes: [],
      verdict: 'orphan/guest-on-other-node',
      by: [],
    },
    {
      name: 'no guest 100, a kvm of it here',
      files: pid,
      processes: [kvm],
      verdict: 'orphan/guest-missing',
      by: ['kvm-process'],
    },
    {
      name: 'guest here, its kvm here',
      files: { ...qm('pve1', 100, 'scsi0: local-zfs:vm-100-disk-1,size=8G\n'), ...pid },
      processes: [kvm],
      verdict: 'orphan/not-referenced',
      by: ['guest-running'],
    },
  ];
  for (const r of rows) {
    const e = entry(
      classify({ files: r.files, zfs: [zvol('vm-100-disk-0')], processes: r.processes }),
      'local-zfs:vm-100-disk-0',
    );
    // Protected: no step, but a running guest's own volume keeps PVE's rescan (volume-rescan.ts).
    const rescanOnly = r.by.join() === 'guest-running';
    assert.deepEqual(
      [`${e.status}/${e.reason}`, e.protectedBy, e.steps === undefined || (rescanOnly && e.steps.length === 1)],
      [r.verdict, r.by, r.by.length > 0],
      `${r.name}: ${JSON.stringify(e)}`,
    );
  }
});

// What a verdict names: the configs that reference the volume itself (never its snapshot's or a trashed
// image's whose name a live image took), a volume that is no guest's, and the trash entry's name taken.
test('references, names that are no guest volume, and a trashed name taken by a live image', () => {
  const es = classify({
    files: { ...qm('pve1', 100, DISK), ...qm('pve1', 101, 'scsi1: local-zfs:vm-100-disk-0,size=8G\n') },
    zfs: [
      zvol('vm-100-disk-0'),
      zsnap('vm-100-disk-0@before'),
      zvol('vm-200-disk-0'),
      zvol('mydata'),
      zsnap('mydata@s1'),
    ],
  });
  assert.deepEqual(entry(es, 'local-zfs:vm-100-disk-0').references, ['VM 100 scsi0', 'VM 101 scsi1']);
  assert.equal(entry(es, 'local-zfs:vm-100-disk-0', 'before').references, undefined);
  assert.equal(entry(es, 'local-zfs:vm-200-disk-0').references, undefined);
  const other = entry(es, 'local-zfs:mydata');
  assert.deepEqual([other.status, other.detail], ['ignored', 'no guest volume name (vm-/base-/subvol-<vmid>-…)']);
  const otherSnap = entry(es, 'local-zfs:mydata', 's1');
  assert.deepEqual([otherSnap.status, otherSnap.detail], ['ignored', 'snapshot of a volume that is no guest volume']);
  const trashed = (name: string, id: string) => ({
    id,
    name,
    source: 'USER',
    deleted_at: 'Mon Nov 23 17:00:01 2026',
    status: 'expired at Mon Nov 23 17:00:01 2026',
  });
  const rbd = classify({
    files: { '/etc/pve/nodes/pve1/qemu-server/100.conf': 'scsi0: ceph-vm:vm-100-disk-0,size=1G\n' },
    rbd: JSON.stringify([{ image: 'vm-100-disk-0', id: 'i1', size: 1024, format: 2 }]),
    rbdTrash: JSON.stringify([
      trashed('vm-100-disk-0', 't1'),
      trashed('vm-160-disk-0', 't2'),
      trashed('vm-160-disk-0', 't3'),
      trashed('vm-161-disk-0', 't4'),
    ]),
  });
  const inTrash = (id: string) => rbd.find((x) => x.trash?.id === id);
  assert.deepEqual(entry(rbd, 'ceph-vm:vm-100-disk-0').references, ['VM 100 scsi0']);
  assert.deepEqual(
    ['t1', 't2', 't3', 't4'].map((id) => [inTrash(id)?.references, inTrash(id)?.trash?.nameTaken]),
    [
      [undefined, true],
      [undefined, true],
      [undefined, true],
      [undefined, undefined],
    ],
  );
});

// In reclaim's quarantine (volume-quarantined.ts): ignored, and nothing keeps it but what holds it since
// (quarantine.heldBy): not pending, not protected, no flags of a guest's volume.
test("a volume in reclaim's quarantine is ignored, neither pending nor protected", () => {
  const q = 'pve-health-q.20261123T101500Z.vm-100-disk-0';
  const e = classify({ rbd: JSON.stringify([{ image: q, id: 'i1', size: 1024, format: 2 }]) }).find(
    (x) => x.reason === 'quarantined',
  );
  assert.ok(e, 'the quarantined image is listed');
  assert.deepEqual(
    [e.volid, e.status, e.pending, e.protected, e.protectedBy],
    ['ceph-vm:vm-100-disk-0', 'ignored', false, false, []],
    JSON.stringify(e),
  );
});

// pve-container's vzdump maps its `vzdump` snapshot with krbd: the map holds it open (snapshotHolds).
test('an RBD snapshot krbd maps is open and protected', () => {
  const rows = [
    { image: 'vm-100-disk-0', id: 'i1', size: 1024, format: 2 },
    { image: 'vm-100-disk-0', id: 'i1', snapshot: 'vzdump', snapshot_id: 3, size: 1024, format: 2 },
  ];
  const e = entry(
    classify({ rbd: JSON.stringify(rows), rbdDevices: { 'vm-pool/vm-100-disk-0@vzdump': 'rbd1' } }),
    'ceph-vm:vm-100-disk-0',
    'vzdump',
  );
  assert.deepEqual([e.open, e.protectedBy.includes('krbd-mapped')], [true, true], JSON.stringify(e));
});
