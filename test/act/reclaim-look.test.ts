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
import { hostCommands, nodeRefusals, readVolumesLook, reclaimInput, retentionDaysOf } from '../../src/act/reclaim-look';
import type { Refusal } from '../../src/core/cleanup/check-safety';
import type { DmResult } from '../../src/core/types';
import type { VolumesResult } from '../../src/core/volume-types';
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
    assert.equal(input.storages, a.view.pve.storageConfig);
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

// What the volumes part is classified with: this look's replication.cfg (a replica of a guest on another
// node is the job's copy, not an orphan), whether that file could be read, and the host mount table (a CT
// subvol's uses are read from it: without it, UNKNOWN).
describe('readVolumesLook: the replication jobs and the mount table of the same look', () => {
  const sub = (name: string) => `rpool/data/${name}\tfilesystem\t-\t98304\t98304\t67108864\t-\t/rpool/data/${name}`;
  const ROOT = '22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/mapper/pve-root rw,errors=remount-ro';
  const own = (id: number, name: string) =>
    `${id} 30 0:${id} / /rpool/data/${name} rw,relatime shared:${id} - zfs rpool/data/${name} rw,xattr,posixacl,casesensitive`;
  const ZFS_LIST = [
    'rpool/data\tfilesystem\t-\t98304\t98304\t-\t-\t/rpool/data',
    sub('subvol-105-disk-0'),
    sub('subvol-106-disk-0'),
  ];
  async function look(o: { replication?: boolean; replicationUnreadable?: boolean; mounts?: boolean }) {
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
      exec: async (argv) => ({
        argv,
        code: 0,
        stdout: argv[0] === 'zfs' ? `${ZFS_LIST.join('\n')}\n` : '',
        stderr: '',
        ms: 1,
      }),
    });
    const r = await readVolumesLook(host, {
      view,
      result: { entries: [], guests: [] } as unknown as DmResult,
      snapshot,
    });
    return r.volumes.entries.map((e) => `${e.volid} ${e.status}/${e.reason}`);
  }
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
