// What `reclaim` looks at (src/act/reclaim-look.ts), in-process: the commands whose argv this host decides
// (under --root every path is the root's, every removal ends its options with `--` so a name starting
// with `-` is never an option), the retention, the planner's input from one look, the volumes part when
// the guest list cannot be believed (UNKNOWN with the reason, never a listing to act on), and the node's
// preconditions read from the mount table under the root.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Analysis } from '../../src/act/analyze-host';
import {
  hostCommands,
  nodeRefusals,
  readVolumesFor,
  readVolumesLook,
  reclaimInput,
  retentionDaysOf,
} from '../../src/act/reclaim-look';
import type { Refusal } from '../../src/core/cleanup/check-safety';
import type { DmResult } from '../../src/core/vocab/types';
import type { VolumesResult } from '../../src/core/vocab/volume-types';
import { unknownVolumes } from '../../src/core/volumes/classify-volumes';
import { createHost } from '../../src/host/host';
import { lv, nodeView } from '../helpers/node-view';
import { tempDir } from '../helpers/temp-dir';

const STORAGE_CFG = 'lvmthin: local-lvm\n\tvgname pve\n\tthinpool data\n\tcontent images\n';

function analysis(): Analysis {
  const view = nodeView({ storageCfg: STORAGE_CFG, lvs: [lv('pve', 'vm-105-disk-0')] });
  view.files['/etc/pve/.members'] = '{"nodename":"pve1","version":1}';
  return { view, result: { entries: [], guests: [] } as unknown as DmResult };
}

describe('hostCommands: argv under the root', () => {
  const host = createHost({ root: '/srv/fake', exec: async () => assert.fail('nothing runs') });
  const c = hostCommands(host);
  const cases: [string, string[], string[]][] = [
    [
      'a file removed',
      c.removeFile('/var/lib/vz/images/105/vm-105-disk-0.qcow2'),
      ['rm', '--', '/srv/fake/var/lib/vz/images/105/vm-105-disk-0.qcow2'],
    ],
    // A container's subvol directory: never across into a filesystem mounted inside it.
    [
      'a directory tree removed',
      c.removeTree('/var/lib/vz/images/105/subvol-105-disk-0'),
      ['rm', '-r', '--one-file-system', '--', '/srv/fake/var/lib/vz/images/105/subvol-105-disk-0'],
    ],
    [
      'a btrfs subvolume deleted',
      c.removeSubvolume('/mnt/btrfs/images/105/vm-105-disk-0'),
      ['btrfs', 'subvolume', 'delete', '--', '/srv/fake/mnt/btrfs/images/105/vm-105-disk-0'],
    ],
  ];
  for (const [name, got, want] of cases) it(name, () => assert.deepEqual(got, want));

  it('a file moved by the no-copy mover, both paths under the root', () => {
    const argv = c.moveFile('/var/lib/vz/images/105/a.raw', '/var/lib/vz/images/pve-health-quarantine/a.raw');
    assert.deepEqual(argv.slice(-2), [
      '/srv/fake/var/lib/vz/images/105/a.raw',
      '/srv/fake/var/lib/vz/images/pve-health-quarantine/a.raw',
    ]);
  });

  it("rbd with the storage's connection options (PVE's own: the pool, the cluster's ceph.conf)", () => {
    const argv = c.rbd({ id: 'ceph', type: 'rbd', props: { pool: 'vms' } } as never);
    // The connection options alone: the planner appends the subcommand.
    assert.deepEqual(argv, [
      'rbd',
      '-p',
      'vms',
      '-c',
      '/srv/fake/etc/pve/ceph.conf',
      '--auth_supported',
      'none',
      '-n',
      'client.admin',
    ]);
  });
});

describe('retention and the planner input', () => {
  it('purge after the configured days, seven without', () => {
    assert.equal(retentionDaysOf({}), 7);
    assert.equal(retentionDaysOf({ reclaim: {} } as never), 7);
    assert.equal(retentionDaysOf({ reclaim: { retention_days: 30 } } as never), 30);
    assert.equal(retentionDaysOf({ reclaim: { retention_days: 0 } } as never), 0);
  });

  it('one look: the node, its storages, maps and LVs, the volumes, the refusals as sentences', () => {
    const a = analysis();
    const volumes = unknownVolumes('x') as VolumesResult;
    const now = new Date('2026-11-26T12:00:00Z');
    const refusals: Refusal[] = [
      { code: 'not-quorate', message: "cluster 'lab' is not quorate (/etc/pve/.members)" },
      { code: 'members', message: 'm2' },
    ];
    const commands = hostCommands(createHost({ root: '/' }));
    const input = reclaimInput(a, {
      volumes,
      config: { reclaim: { retention_days: 3 } } as never,
      now,
      refusals,
      commands,
    });
    assert.equal(input.node, 'pve1');
    assert.equal(input.now, now);
    assert.equal(input.retentionDays, 3);
    // storage.cfg as the disks show it (a VG other nodes see is shared whatever its line says): here the
    // same storages, read again.
    assert.deepEqual(input.storages, a.view.pve.storageConfig);
    assert.equal(input.dm, a.result.entries);
    assert.equal(input.lvs, a.view.lvm.lvs);
    assert.equal(input.volumes, volumes);
    assert.deepEqual(input.nodeRefusals, ["cluster 'lab' is not quorate (/etc/pve/.members)", 'm2']);
    assert.equal(input.commands, commands);
  });
});

describe('readVolumesLook', () => {
  it('a guest list that cannot be believed: the volumes part UNKNOWN with that reason, nothing gathered', async () => {
    const a = analysis();
    a.view = { ...a.view, guestGap: '/etc/pve/.vmlist is missing' };
    const host = createHost({ exec: async () => assert.fail('no storage is listed') });
    const look = await readVolumesLook(host, a);
    assert.deepEqual(look, { volumes: unknownVolumes('/etc/pve/.vmlist is missing'), datasets: [] });
  });

  it('a node whose guest list is whole: its volume storages are listed (none here holds a file, zvol or image)', async () => {
    const host = createHost({ root: tempDir('pvh-reclaim-look-'), exec: async () => assert.fail('nothing to list') });
    const look = await readVolumesLook(host, analysis());
    assert.equal(look.volumes.error, undefined);
    assert.notEqual(look.volumes.status, 'unknown');
    assert.deepEqual([look.volumes.summary.total, look.datasets], [0, []]);
  });
});

// A zfspool node with two CT subvols of guests on pve2, listed by a fake `zfs list`.
const sub = (name: string) => `rpool/data/${name}\tfilesystem\t-\t98304\t98304\t67108864\t-\t/rpool/data/${name}`;
const ROOT = '22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/mapper/pve-root rw,errors=remount-ro';
const own = (id: number, name: string) =>
  `${id} 30 0:${id} / /rpool/data/${name} rw,relatime shared:${id} - zfs rpool/data/${name} rw,xattr,posixacl,casesensitive`;
const ZFS_LIST = [
  'rpool/data\tfilesystem\t-\t98304\t98304\t-\t-\t/rpool/data',
  sub('subvol-105-disk-0'),
  sub('subvol-106-disk-0'),
];
async function lookAt(o: {
  replication?: boolean;
  replicationUnreadable?: boolean;
  mounts?: boolean;
  /** `zfs list` fails (exit 1) instead of listing the pool. */
  zfsFails?: boolean;
  /** `zfs list` exits 0 with a line it cannot have printed (a field short). */
  zfsGarbled?: boolean;
}) {
  const view = nodeView({
    storageCfg: 'zfspool: local-zfs\n\tpool rpool/data\n\tcontent images,rootdir\n',
    guests: [105, 106].map((vmid) => ({
      vmid,
      node: 'pve2',
      type: 'lxc' as const,
      text: `rootfs: local-zfs:subvol-${vmid}-disk-0,size=8G\n`,
    })),
  });
  if (o.replication) view.files['/etc/pve/replication.cfg'] = 'local: 105-0\n\ttarget pve1\n\tschedule */15\n';
  if (o.mounts)
    view.files['/proc/self/mountinfo'] =
      `${[ROOT, own(105, 'subvol-105-disk-0'), own(106, 'subvol-106-disk-0')].join('\n')}\n`;
  const snapshot = o.replicationUnreadable
    ? ({ unreadable: { '/etc/pve/replication.cfg': 'EIO' } } as never)
    : ({} as never); // a look whose snapshot lists nothing unreadable: read as whole
  const host = createHost({
    root: tempDir('pvh-reclaim-look-'),
    exec: async (argv) =>
      o.zfsFails
        ? { argv, code: 1, stdout: '', stderr: "cannot open 'rpool/data': dataset does not exist\n", ms: 1 }
        : {
            argv,
            code: 0,
            stdout:
              argv[0] !== 'zfs'
                ? ''
                : `${ZFS_LIST.join('\n')}\n${o.zfsGarbled ? 'rpool/data/subvol-107-disk-0\tfilesystem\t-\n' : ''}`,
            stderr: '',
            ms: 1,
          },
  });
  return readVolumesLook(host, {
    view,
    result: { entries: [], guests: [] } as unknown as DmResult,
    snapshot,
  });
}
const look = async (o: Parameters<typeof lookAt>[0]) =>
  (await lookAt(o)).volumes.entries.map((e) => `${e.volid} ${e.status}/${e.reason}`);
// What the volumes part is classified with: this look's replication.cfg (a replica of a guest on another
// node is the job's copy, not an orphan), whether that file could be read, and the host mount table (a CT
// subvol's uses are read from it: without it, UNKNOWN).
describe('readVolumesLook: the replication jobs and the mount table of the same look', () => {
  it("the job names the copy; the other guest's volume is an orphan here", async () => {
    assert.deepEqual(await look({ replication: true, mounts: true }), [
      'local-zfs:subvol-105-disk-0 valid/replica',
      'local-zfs:subvol-106-disk-0 orphan/guest-on-other-node',
    ]);
  });
  it('without the job: both orphans', async () => {
    assert.deepEqual(await look({ mounts: true }), [
      'local-zfs:subvol-105-disk-0 orphan/guest-on-other-node',
      'local-zfs:subvol-106-disk-0 orphan/guest-on-other-node',
    ]);
  });
  it('replication.cfg unreadable: no orphan is believed where a job could name it', async () => {
    const got = await look({ replication: true, replicationUnreadable: true, mounts: true });
    assert.ok(!got.some((l) => / orphan\//.test(l)), got.join(' | '));
  });
  it('no mount table: the subvol without a job is UNKNOWN (its uses cannot be read)', async () => {
    assert.deepEqual(await look({ replication: true }), [
      'local-zfs:subvol-105-disk-0 valid/replica',
      'local-zfs:subvol-106-disk-0 unknown/mounts-unread',
    ]);
  });
});

// restore's datasets come from the same `zfs list` the volumes part classified, their mount state from the
// same look's mount table (a filesystem is mounted when mountinfo has it, fstype zfs, at its mountpoint
// property): restore mounts a subvol renamed back only when it is not (ZFSPoolPlugin.pm activate_volume).
describe('readVolumesLook: the datasets restore reads, with their mount state', () => {
  const ds = (name: string, mountpoint: string, mounted: boolean) => ({
    name,
    type: 'filesystem',
    mountpoint,
    mounted,
  });
  const cases: [string, boolean, ReturnType<typeof ds>[]][] = [
    [
      'the mount table has both subvols at their mountpoints (not the pool dataset)',
      true,
      [
        ds('rpool/data', '/rpool/data', false),
        ds('rpool/data/subvol-105-disk-0', '/rpool/data/subvol-105-disk-0', true),
        ds('rpool/data/subvol-106-disk-0', '/rpool/data/subvol-106-disk-0', true),
      ],
    ],
    [
      'no mount table in the look: nothing reads as mounted',
      false,
      [
        ds('rpool/data', '/rpool/data', false),
        ds('rpool/data/subvol-105-disk-0', '/rpool/data/subvol-105-disk-0', false),
        ds('rpool/data/subvol-106-disk-0', '/rpool/data/subvol-106-disk-0', false),
      ],
    ],
  ];
  for (const [name, mounts, want] of cases)
    it(name, async () => assert.deepEqual((await lookAt({ replication: true, mounts })).datasets, want));
});

describe('readVolumesLook: what the look cannot read', () => {
  it('`zfs list` failed: no dataset for restore, the storage not checked (never an empty pool believed)', async () => {
    const r = await lookAt({ replication: true, mounts: true, zfsFails: true });
    assert.deepEqual(r.datasets, []);
    assert.deepEqual(r.volumes.entries, []);
    const st = r.volumes.storages.find((x) => x.storage === 'local-zfs');
    assert.deepEqual(
      [st?.status, st?.error],
      ['unknown', "zfs list failed (exit 1): cannot open 'rpool/data': dataset does not exist"],
    );
  });

  it('`zfs list` printed a line it cannot have written: no dataset for restore (none of a listing not believed)', async () => {
    const r = await lookAt({ replication: true, mounts: true, zfsGarbled: true });
    assert.deepEqual(r.datasets, []);
    const st = r.volumes.storages.find((x) => x.storage === 'local-zfs');
    assert.equal(st?.status, 'unknown', JSON.stringify(st));
  });

  // Whatever the gather or the classifier throws is the volumes part's UNKNOWN with its message: never a
  // crash, never a listing. (Forced with a mount table that is not text: the adapters read strings, so
  // this tests the guard itself, not a case a node produces.)
  it('a look that throws: the volumes part UNKNOWN with the message, no dataset', async () => {
    const a = analysis();
    a.view.files['/proc/self/mountinfo'] = 42 as never;
    const host = createHost({ root: tempDir('pvh-reclaim-look-'), exec: async () => assert.fail('nothing to list') });
    const r = await readVolumesLook(host, a);
    assert.match(r.volumes.error ?? '', /split is not a function/);
    assert.deepEqual(r, { volumes: unknownVolumes(r.volumes.error as string), datasets: [] });
    assert.equal(r.volumes.status, 3);
  });
});

// Storage replication's state file (/var/lib/pve-manager/pve-replication-state.json, written by
// pve-guest-common ReplicationState.pm): its last_sync names the snapshot the next incremental send starts
// from; without it the newest `__replicate_` snapshot of the job is taken for the base.
describe('readVolumesLook: the replication state file of the same look', () => {
  const snaps = ['__replicate_100-0_1712640000__', '__replicate_100-0_1712650000__'];
  const zvolLine = (name: string) => `rpool/data/${name}\tvolume\t8589934592\t57344\t57344\t-\t-\t-`;
  const snapLine = (name: string) => `rpool/data/${name}\tsnapshot\t8589934592\t0\t57344\t-\t-\t-`;
  async function base(state: string | undefined): Promise<string[]> {
    const view = nodeView({
      storageCfg: 'zfspool: local-zfs\n\tpool rpool/data\n\tcontent images,rootdir\n',
      guests: [{ vmid: 100, node: 'pve1', text: 'scsi0: local-zfs:vm-100-disk-0,size=8G\n' }],
    });
    view.files['/etc/pve/replication.cfg'] = 'local: 100-0\n\ttarget pve2\n';
    if (state !== undefined) view.files['/var/lib/pve-manager/pve-replication-state.json'] = state;
    const list = [
      'rpool/data\tfilesystem\t-\t98304\t98304\t-\t-\t/rpool/data',
      zvolLine('vm-100-disk-0'),
      ...snaps.map((x) => snapLine(`vm-100-disk-0@${x}`)),
    ];
    const host = createHost({
      root: tempDir('pvh-reclaim-look-'),
      exec: async (argv) => ({
        argv,
        code: 0,
        stdout: argv[0] === 'zfs' ? `${list.join('\n')}\n` : '',
        stderr: '',
        ms: 1,
      }),
    });
    const r = await readVolumesLook(host, { view, result: { entries: [], guests: [] } as unknown as DmResult });
    return r.volumes.entries
      .filter((e) => e.snapshot && /the last sync/.test(e.detail))
      .map((e) => e.snapshot as string);
  }
  const cases: [string, string | undefined, string[]][] = [
    ['no state file: the newest sync snapshot is the base', undefined, [snaps[1]]],
    [
      "the state file's last_sync names the older one: that is the base",
      '{"100":{"local/pve2":{"last_sync":1712640000}}}',
      [snaps[0]],
    ],
  ];
  for (const [name, state, want] of cases) it(name, async () => assert.deepEqual(await base(state), want));
});

// The gather asks `rbd status` (who watches an image: a running guest's librbd, a krbd map elsewhere) only
// for the images the classifier names as would-be orphans (rbdWatchCandidates), and every command runs
// within the caller's time budget. Without the watchers such an image is UNKNOWN, never an orphan.
describe('readVolumesLook: the rbd images asked for their watchers, within the time budget', () => {
  const IMAGE = { image: 'vm-150-disk-0', id: 'a1', size: 1073741824, format: 2 };
  async function gather(watchers: string, timeoutMs: number) {
    const calls: { argv: string[]; timeoutMs: number | undefined }[] = [];
    const host = createHost({
      root: tempDir('pvh-reclaim-look-'),
      exec: async (argv, o) => {
        calls.push({ argv, timeoutMs: o?.timeoutMs });
        const sub = argv.slice(argv.indexOf('client.admin') + 1);
        const stdout = sub[0] === 'trash' ? '[]' : sub[0] === 'status' ? watchers : JSON.stringify([IMAGE]);
        return { argv, code: 0, stdout, stderr: '', ms: 1 };
      },
    });
    const view = nodeView({ storageCfg: 'rbd: ceph-vm\n\tpool vm-pool\n\tcontent images\n\tkrbd 0\n' });
    const a = { view, result: { entries: [], guests: [] } as unknown as DmResult };
    const r = await readVolumesLook(host, a, timeoutMs);
    const subs = calls.map((c) => c.argv.slice(c.argv.indexOf('client.admin') + 1).join(' '));
    return {
      r,
      calls,
      subs,
      lines: r.volumes.entries.map((e) => `${e.volid} ${e.status}/${e.reason} [${e.protectedBy.join(',')}]`),
    };
  }
  it('an image no guest has and no client watches: asked, then an orphan with its removal hint', async () => {
    const { r, lines, subs, calls } = await gather('{"watchers":[]}', 4321);
    assert.deepEqual(lines, ['ceph-vm:vm-150-disk-0 orphan/guest-missing []']);
    assert.match(r.volumes.entries[0].hint ?? '', /pvesm free ceph-vm:vm-150-disk-0$/);
    assert.deepEqual(subs.sort(), [
      'ls -l --format json',
      'status vm-150-disk-0 --format json',
      'trash ls --all --long --format json',
    ]);
    for (const c of calls)
      assert.ok(c.timeoutMs !== undefined && c.timeoutMs <= 4321, `${c.argv.join(' ')}: ${c.timeoutMs}`);
  });
  it('an image a client still watches (a kvm elsewhere through librbd): protected, no hint', async () => {
    const { r, lines } = await gather('{"watchers":[{"address":"10.0.0.2:0/1234","client":4242,"cookie":1}]}', 4321);
    assert.deepEqual(lines, ['ceph-vm:vm-150-disk-0 orphan/guest-missing [rbd-watcher]']);
    assert.equal(r.volumes.entries[0].hint, undefined);
  });
  it('readVolumesFor: the same volumes part as the look', async () => {
    const { r } = await gather('{"watchers":[]}', 4321);
    const host = createHost({
      root: tempDir('pvh-reclaim-look-'),
      exec: async (argv) => {
        const sub = argv.slice(argv.indexOf('client.admin') + 1);
        const stdout = sub[0] === 'trash' ? '[]' : sub[0] === 'status' ? '{"watchers":[]}' : JSON.stringify([IMAGE]);
        return { argv, code: 0, stdout, stderr: '', ms: 1 };
      },
    });
    const view = nodeView({ storageCfg: 'rbd: ceph-vm\n\tpool vm-pool\n\tcontent images\n\tkrbd 0\n' });
    const volumes = await readVolumesFor(host, { view, result: { entries: [], guests: [] } as unknown as DmResult });
    assert.deepEqual(
      volumes.entries.map((e) => [e.volid, e.status, e.reason]),
      r.volumes.entries.map((e) => [e.volid, e.status, e.reason]),
    );
  });
});

describe('nodeRefusals: the preconditions read now', () => {
  it('/etc/pve not mounted under the root: refused; mounted as pmxcfs: none', () => {
    const root = tempDir('pvh-reclaim-look-');
    mkdirSync(join(root, 'proc/self'), { recursive: true });
    const host = createHost({ root });
    writeFileSync(join(root, 'proc/self/mountinfo'), '22 1 0:21 / / rw - ext4 /dev/sda1 rw\n');
    assert.deepEqual(
      nodeRefusals(host, analysis()).map((r) => r.code),
      ['pve-not-mounted'],
    );
    writeFileSync(
      join(root, 'proc/self/mountinfo'),
      '22 1 0:21 / / rw - ext4 /dev/sda1 rw\n40 22 0:40 / /etc/pve rw,nosuid,nodev - fuse /dev/fuse rw,user_id=0\n',
    );
    assert.deepEqual(nodeRefusals(host, analysis()), []);
  });
});
