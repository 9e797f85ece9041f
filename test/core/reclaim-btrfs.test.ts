// btrfs volumes in reclaim (issue: reclaim): a raw disk is the subvolume `<vmid>/vm-<vmid>-disk-N/` holding
// disk.raw, a container's volume the subvolume `<vmid>/subvol-<vmid>-disk-N.subvol`, a snapshot the
// read-only sibling `<name>@<snap>` (BTRFSPlugin.pm alloc_image, filesystem_path, volume_snapshot). Each
// is quarantined by one rename(2) of the subvolume into the storage's quarantine directory, restored by
// the rename back under its name, purged by `btrfs subvolume delete` (free_image); one with a sibling
// snapshot, or mounted anywhere (a container runs from it, `pct mount`), is refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMountInfo } from '../../src/core/parse/mountinfo';
import { parseStorageConfig } from '../../src/core/parse/storage-config';
import { planPurge } from '../../src/core/reclaim/plan-purge';
import { planReclaim } from '../../src/core/reclaim/plan-reclaim';
import { planUnquarantine, type RestoreRecord } from '../../src/core/reclaim/plan-unquarantine';
import type { FileVolume } from '../../src/core/vocab/volume-types';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { directoryMounts } from '../../src/core/volumes/volume-host-facts';
import { input, vol, volumes } from '../helpers/reclaim-input';
import { entry, volumeInput } from '../helpers/volume-node';

// mountinfo lines as a 6.1 kernel prints them for a loop-backed btrfs (read on a real one): every mount
// of the filesystem shows its major:minor (0:38), though stat(2) gives each subvolume a device of its own;
// `root` is the mounted subvolume's path from the top-level subvolume.
const ROOT_FS = '22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/mapper/pve-root rw';
const BTRFS =
  '63 22 0:38 / /mnt/btrfs rw,relatime shared:40 - btrfs /dev/loop0 rw,discard=async,space_cache=v2,subvolid=5,subvol=/';
const SUBVOL = '/mnt/btrfs/images/150/subvol-150-disk-0.subvol';
const RAW_DIR = '/mnt/btrfs/images/151/vm-151-disk-0';
const mounts = (...lines: string[]) => parseMountInfo(`${lines.join('\n')}\n`).mounts;

describe('directoryMounts on btrfs: a subvolume mounted anywhere', () => {
  const rows: { name: string; lines: string[]; path?: string; want: string[] }[] = [
    { name: 'nothing mounted from it', lines: [ROOT_FS, BTRFS], want: [] },
    {
      name: 'bind-mounted as a running container rootfs (LXC.pm mountpoint_mount)',
      lines: [
        ROOT_FS,
        BTRFS,
        '62 22 0:38 /images/150/subvol-150-disk-0.subvol /var/lib/lxc/150/rootfs rw,relatime - btrfs /dev/loop0 rw,discard=async,space_cache=v2,subvolid=256,subvol=/images/150/subvol-150-disk-0.subvol',
      ],
      want: ['/var/lib/lxc/150/rootfs'],
    },
    {
      name: 'mounted by `mount -o subvol=` from the device',
      lines: [
        ROOT_FS,
        BTRFS,
        '70 22 0:38 /images/151/vm-151-disk-0 /mnt/x rw,relatime - btrfs /dev/loop0 rw,space_cache=v2,subvolid=257,subvol=/images/151/vm-151-disk-0',
      ],
      path: RAW_DIR,
      want: ['/mnt/x'],
    },
    {
      name: 'the storage mounted from a subvolume of its own (subvol=/@pve): root is the path from the top level',
      lines: [
        ROOT_FS,
        '63 22 0:38 /@pve /mnt/btrfs rw,relatime - btrfs /dev/loop0 rw,subvolid=256,subvol=/@pve',
        '64 22 0:38 /@pve/images/150/subvol-150-disk-0.subvol /var/lib/lxc/150/rootfs rw - btrfs /dev/loop0 rw,subvolid=300,subvol=/@pve/images/150/subvol-150-disk-0.subvol',
      ],
      want: ['/var/lib/lxc/150/rootfs'],
    },
    {
      name: 'the same path in another btrfs filesystem is not it',
      lines: [
        ROOT_FS,
        BTRFS,
        '65 22 0:52 /images/150/subvol-150-disk-0.subvol /mnt/y rw - btrfs /dev/loop1 rw,subvolid=256,subvol=/images/150/subvol-150-disk-0.subvol',
      ],
      want: [],
    },
    {
      name: 'a snapshot sibling mounted is not the volume',
      lines: [
        ROOT_FS,
        BTRFS,
        '66 22 0:38 /images/150/subvol-150-disk-0.subvol@s1 /mnt/z ro - btrfs /dev/loop0 rw,subvolid=258,subvol=/images/150/subvol-150-disk-0.subvol@s1',
      ],
      want: [],
    },
  ];
  for (const r of rows)
    it(r.name, () => assert.deepEqual(directoryMounts(mounts(...r.lines), r.path ?? SUBVOL), r.want));
});

const BTRFS_CFG = 'btrfs: local-btrfs\n\tpath /mnt/btrfs\n\tcontent images,rootdir\n';

/** A node with one btrfs storage listing `files` (what list-volumes-child.ts reports) and this mountinfo. */
function btrfsNode(files: FileVolume[], mountinfo = `${ROOT_FS}\n${BTRFS}\n`) {
  const n = volumeInput({
    files: { '/etc/pve/storage.cfg': `dir: local\n\tpath /var/lib/vz\n\tcontent images\n\n${BTRFS_CFG}` },
  });
  n.raw.files['local-btrfs'] = { ok: true, volumes: files };
  return { ...n, hostMountinfo: mountinfo };
}
const RAW: FileVolume = { name: '151/vm-151-disk-0.raw', sizeBytes: 4096, usedBytes: 4096, rawDir: true };
const SUB: FileVolume = { name: '150/subvol-150-disk-0.subvol', sizeBytes: null, usedBytes: null, isDir: true };

describe('the volumes part: btrfs subvolumes of gone guests', () => {
  it('orphans whose hints name reclaim first, pvesm free after it (irreversible)', () => {
    const r = classifyVolumes(btrfsNode([RAW, SUB]));
    for (const volid of ['local-btrfs:151/vm-151-disk-0.raw', 'local-btrfs:150/subvol-150-disk-0.subvol']) {
      const e = entry(r.entries, volid);
      assert.deepEqual([e.status, e.reason], ['orphan', 'guest-missing']);
      assert.deepEqual(
        e.steps?.map((s) => [s.kind, s.command?.slice(0, 3)]),
        [
          // PVE's rescan adopts it once the guest is created again (a subvol is a container's).
          ['keep', volid.endsWith('.subvol') ? ['pct', 'rescan', '--vmid'] : ['qm', 'disk', 'rescan']],
          ['reclaim', ['pve-health', 'reclaim', '--name']],
          ['drop', ['pvesm', 'free', volid]],
        ],
      );
    }
  });
  it('a subvol mounted as a container rootfs, a raw disk subvolume mounted: open, protected, no hint, refused', () => {
    const mi = [
      ROOT_FS,
      BTRFS,
      '62 22 0:38 /images/150/subvol-150-disk-0.subvol /var/lib/lxc/150/rootfs rw - btrfs /dev/loop0 rw,subvolid=256,subvol=/images/150/subvol-150-disk-0.subvol',
      '70 22 0:38 /images/151/vm-151-disk-0 /mnt/x rw - btrfs /dev/loop0 rw,subvolid=257,subvol=/images/151/vm-151-disk-0',
    ].join('\n');
    const r = classifyVolumes(btrfsNode([RAW, SUB], `${mi}\n`));
    for (const [volid, at] of [
      ['local-btrfs:150/subvol-150-disk-0.subvol', '/var/lib/lxc/150/rootfs'],
      ['local-btrfs:151/vm-151-disk-0.raw', '/mnt/x'],
    ]) {
      const e = entry(r.entries, volid);
      assert.deepEqual([e.open, e.protectedBy, e.steps], [true, ['mounted'], undefined], volid);
      assert.ok(e.detail.includes(`mounted at ${at}`), e.detail);
      const p = planReclaim(input({ volumes: r }), { names: [volid] });
      assert.deepEqual([p.actions.length, p.refused[0]?.code], [0, 'protected']);
    }
  });
  it('a raw disk with a sibling snapshot subvolume `<name>@<snap>`: no reclaim hint, refused has-snapshots', () => {
    const r = classifyVolumes(btrfsNode([RAW, { ...RAW, snapshot: 'before' }]));
    const e = entry(r.entries, 'local-btrfs:151/vm-151-disk-0.raw');
    assert.equal(e.steps?.some((s) => s.kind === 'reclaim') ?? false, false, JSON.stringify(e.steps));
    const p = planReclaim(input({ volumes: r }), { names: [e.volid] });
    assert.deepEqual([p.actions.length, p.refused[0]?.code], [0, 'has-snapshots']);
  });
});

describe('planReclaim, the listing, planUnquarantine and planPurge of btrfs subvolumes', () => {
  const Q = '/mnt/btrfs/images/pve-health-quarantine';
  it('quarantine: one rename(2) of the subvolume (a raw disk: its directory) into the quarantine directory', () => {
    const p = planReclaim(
      input({
        volumes: volumes([
          vol({ volid: 'local-btrfs:151/vm-151-disk-0.raw', vmid: 151, format: 'raw' }),
          vol({ volid: 'local-btrfs:150/subvol-150-disk-0.subvol', vmid: 150, format: 'subvol', sizeBytes: null }),
        ]),
      }),
    );
    assert.deepEqual(p.refused, []);
    assert.deepEqual(
      p.actions.map((a) => [a.original, a.quarantine, a.steps.map((s) => [s.op, s.command])]),
      [
        [
          '150/subvol-150-disk-0.subvol',
          'pve-health-q.20261123T101500Z.150.subvol-150-disk-0.subvol',
          [['file-move', ['mover', SUBVOL, `${Q}/pve-health-q.20261123T101500Z.150.subvol-150-disk-0.subvol`]]],
        ],
        [
          '151/vm-151-disk-0.raw',
          'pve-health-q.20261123T101500Z.151.vm-151-disk-0',
          [['file-move', ['mover', RAW_DIR, `${Q}/pve-health-q.20261123T101500Z.151.vm-151-disk-0`]]],
        ],
      ],
    );
    assert.match(p.actions[1].steps[0].effect, /\(a btrfs subvolume\)/);
  });

  // What the lister reports of the quarantine directory afterwards: the raw disk's subvolume by its disk.raw.
  const listed: FileVolume[] = [
    {
      name: 'pve-health-quarantine/pve-health-q.20261101T000000Z.151.vm-151-disk-0.raw',
      sizeBytes: 4096,
      usedBytes: 4096,
      rawDir: true,
    },
    {
      name: 'pve-health-quarantine/pve-health-q.20261101T000000Z.150.subvol-150-disk-0.subvol',
      sizeBytes: null,
      usedBytes: null,
      isDir: true,
    },
    // A stray plain raw file on the btrfs storage, quarantined as a file: removed as a file.
    { name: 'pve-health-quarantine/pve-health-q.20261101T000000Z.152.vm-152-disk-0.raw', sizeBytes: 1, usedBytes: 1 },
  ];
  it('the listing: quarantined, under the original volume ID, the raw disk at its subvolume directory', () => {
    const r = classifyVolumes(btrfsNode(listed));
    const e = entry(r.entries, 'local-btrfs:151/vm-151-disk-0.raw');
    assert.deepEqual([e.status, e.reason], ['ignored', 'quarantined']);
    assert.equal(e.quarantine?.onStorage, `${Q}/pve-health-q.20261101T000000Z.151.vm-151-disk-0`);
    const f = entry(r.entries, 'local-btrfs:152/vm-152-disk-0.raw');
    assert.equal(f.quarantine?.onStorage, `${Q}/pve-health-q.20261101T000000Z.152.vm-152-disk-0.raw`);
  });
  it('purge: `btrfs subvolume delete --` of each subvolume (BTRFSPlugin.pm free_image), a plain file removed', () => {
    const p = planPurge(input({ volumes: classifyVolumes(btrfsNode(listed)) }), { all: true });
    assert.deepEqual(
      p.actions.map((a) => [a.steps[0].op, a.steps[0].command]).sort(),
      [
        [
          'btrfs-subvolume-delete',
          ['btrfs', 'subvolume', 'delete', '--', `${Q}/pve-health-q.20261101T000000Z.150.subvol-150-disk-0.subvol`],
        ],
        [
          'btrfs-subvolume-delete',
          ['btrfs', 'subvolume', 'delete', '--', `${Q}/pve-health-q.20261101T000000Z.151.vm-151-disk-0`],
        ],
        ['file-remove', ['rm', '--', `${Q}/pve-health-q.20261101T000000Z.152.vm-152-disk-0.raw`]],
      ].sort(),
    );
  });
  it('purge refused while something has mounted a quarantined subvolume since (its raw disk too)', () => {
    const mi = `${ROOT_FS}\n${BTRFS}\n70 22 0:38 /images/pve-health-quarantine/pve-health-q.20261101T000000Z.151.vm-151-disk-0 /mnt/q rw - btrfs /dev/loop0 rw,subvolid=257,subvol=/images/pve-health-quarantine/pve-health-q.20261101T000000Z.151.vm-151-disk-0\n`;
    const p = planPurge(input({ volumes: classifyVolumes(btrfsNode(listed, mi)) }), { all: true });
    const r = p.refused.find((x) => x.volid === 'local-btrfs:151/vm-151-disk-0.raw');
    assert.equal(r?.code, 'protected', JSON.stringify(p.refused));
    assert.match(r?.why ?? '', /mounted:\/mnt\/q/);
    assert.equal(p.actions.length, 2);
  });
  it('restore: the raw disk back as its subvolume directory, under its name', () => {
    const record: RestoreRecord = {
      volid: 'local-btrfs:151/vm-151-disk-0.raw',
      storage: 'local-btrfs',
      vmid: 151,
      guestType: 'qemu',
      storageType: 'btrfs',
      op: 'file-move',
      original: '151/vm-151-disk-0.raw',
      quarantine: 'pve-health-q.20261101T000000Z.151.vm-151-disk-0',
      since: '2026-11-01T00:00:00.000Z',
      purgeAfter: '2026-11-08T00:00:00.000Z',
      location: { path: '/mnt/btrfs' },
      result: 'done',
    };
    const u = planUnquarantine([record], {
      storages: parseStorageConfig(BTRFS_CFG),
      lvs: null,
      volumes: classifyVolumes(btrfsNode(listed)).entries,
      commands: { ...input().commands, moveFile: (from, to) => ['mover', from, to] },
    });
    assert.ok(u.ok, JSON.stringify(u));
    assert.deepEqual(
      u.action.steps.map((s) => s.command),
      [['mover', `${Q}/pve-health-q.20261101T000000Z.151.vm-151-disk-0`, RAW_DIR]],
    );
    // Its name taken again since: never renamed over it.
    const taken = planUnquarantine([record], {
      storages: parseStorageConfig(BTRFS_CFG),
      lvs: null,
      volumes: classifyVolumes(btrfsNode([...listed, RAW])).entries,
      commands: input().commands,
    });
    assert.equal(taken.ok, false);
    assert.match(taken.ok ? '' : taken.why, /vm-151-disk-0 exists now: never replaced/);
  });
});
