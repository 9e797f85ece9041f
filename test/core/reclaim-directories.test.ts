// Directory volumes and file snapshots in reclaim (issue: reclaim): a container's subvol directory on a
// dir/NFS/CIFS/CephFS storage (Plugin.pm: `<vmid>/subvol-<vmid>-disk-N.subvol`) is quarantined by one
// rename(2) of the directory, restored by the rename back and purged with `rm -r --one-file-system`; one
// bind-mounted anywhere (a container runs from it: LXC.pm mountpoint_mount, or `pct mount`) is in use —
// no hint, no quarantine, no purge. File volumes with snapshot files of their own (a volume chain's snap-
// files) are refused, and their hints never name reclaim (btrfs subvolumes: reclaim-btrfs.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMountInfo } from '../../src/core/parse/mountinfo';
import { planPurge } from '../../src/core/reclaim/plan-purge';
import { planReclaim } from '../../src/core/reclaim/plan-reclaim';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { directoryMounts, volumeDirectories } from '../../src/core/volumes/volume-host-facts';
import { input, vol, volumes } from '../helpers/reclaim-input';
import { entry, volumeInput } from '../helpers/volume-node';

const SUBVOL = '/var/lib/vz/images/150/subvol-150-disk-0.subvol';
// mountinfo lines: id parent major:minor root target options - fstype source superoptions
const ROOT_FS = '22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/mapper/pve-root rw';
const VZ_FS = '30 22 253:7 / /var/lib/vz rw,relatime shared:9 - ext4 /dev/mapper/pve-vz rw';
const mounts = (...lines: string[]) => parseMountInfo(`${lines.join('\n')}\n`).mounts;

describe('directoryMounts: where a directory volume is mounted on this host', () => {
  const rows: { name: string; lines: string[]; want: string[] }[] = [
    { name: 'nothing mounted from it', lines: [ROOT_FS], want: [] },
    {
      name: 'bind-mounted as a running container rootfs (the storage on the root filesystem)',
      lines: [
        ROOT_FS,
        `40 22 253:1 ${SUBVOL} /var/lib/lxc/150/rootfs rw,relatime shared:1 - ext4 /dev/mapper/pve-root rw`,
      ],
      want: ['/var/lib/lxc/150/rootfs'],
    },
    {
      name: 'the storage a filesystem of its own: the mount root is relative to it',
      lines: [
        ROOT_FS,
        VZ_FS,
        '41 22 253:7 /images/150/subvol-150-disk-0.subvol /var/lib/lxc/150/rootfs rw - ext4 /dev/mapper/pve-vz rw',
      ],
      want: ['/var/lib/lxc/150/rootfs'],
    },
    {
      name: 'a directory below it bind-mounted (a mount point of the container)',
      lines: [
        ROOT_FS,
        VZ_FS,
        '42 22 253:7 /images/150/subvol-150-disk-0.subvol/data /mnt/x rw - ext4 /dev/mapper/pve-vz rw',
      ],
      want: ['/mnt/x'],
    },
    {
      name: 'the same path on another filesystem is not it',
      lines: [ROOT_FS, VZ_FS, '43 22 253:1 /images/150/subvol-150-disk-0.subvol /mnt/y rw - ext4 /dev/sdb1 rw'],
      want: [],
    },
    {
      name: 'a sibling with a longer name is not it',
      lines: [ROOT_FS, VZ_FS, '44 22 253:7 /images/150/subvol-150-disk-0.subvol2 /mnt/z rw - ext4 /dev/x rw'],
      want: [],
    },
    {
      name: 'a filesystem mounted inside it',
      lines: [ROOT_FS, VZ_FS, `45 30 0:50 / ${SUBVOL}/proc rw - proc proc rw`],
      want: [`${SUBVOL}/proc`],
    },
  ];
  for (const r of rows) it(r.name, () => assert.deepEqual(directoryMounts(mounts(...r.lines), SUBVOL), r.want));
});

describe('the volumes part: a subvol directory of a gone container', () => {
  const node = (mountinfo: string) => ({
    ...volumeInput({ local: [{ name: '150/subvol-150-disk-0.subvol' }] }),
    hostMountinfo: mountinfo,
  });
  it('not mounted: an orphan whose hint names reclaim before the irreversible pvesm free', () => {
    const e = entry(classifyVolumes(node(`${ROOT_FS}\n`)).entries, 'local:150/subvol-150-disk-0.subvol');
    assert.deepEqual([e.status, e.reason, e.protected], ['orphan', 'guest-missing', false]);
    assert.deepEqual(
      e.steps?.map((s) => [s.kind, s.command?.slice(0, 3)]),
      [
        ['reclaim', ['pve-health', 'reclaim', '--name']],
        ['drop', ['pvesm', 'free', 'local:150/subvol-150-disk-0.subvol']],
      ],
    );
  });
  it('bind-mounted (a container runs from it): open, protected, no hint', () => {
    const mi = `${ROOT_FS}\n40 22 253:1 ${SUBVOL} /var/lib/lxc/150/rootfs rw - ext4 /dev/mapper/pve-root rw\n`;
    const e = entry(classifyVolumes(node(mi)).entries, 'local:150/subvol-150-disk-0.subvol');
    assert.deepEqual([e.status, e.open, e.protectedBy, e.steps], ['orphan', true, ['mounted'], undefined]);
    assert.match(e.detail, /mounted at \/var\/lib\/lxc\/150\/rootfs/);
    const p = planReclaim(input({ volumes: classifyVolumes(node(mi)) }), { names: [e.volid] });
    assert.deepEqual([p.actions.length, p.refused[0]?.code], [0, 'protected']);
  });
  it('the host mount table missing or cut short: unknown (mounts-unread), no hint, reclaim refuses it', () => {
    for (const mi of ['', `${ROOT_FS}\n22 1 253:1 / /cut`]) {
      const r = classifyVolumes(node(mi));
      const e = entry(r.entries, 'local:150/subvol-150-disk-0.subvol');
      assert.deepEqual([e.status, e.reason, e.steps], ['unknown', 'mounts-unread', undefined]);
      assert.match(e.detail, /could not be read: the host mount table/);
      const p = planReclaim(input({ volumes: r }), { names: [e.volid] });
      assert.deepEqual([p.actions.length, p.refused[0]?.code], [0, 'unknown']);
    }
    // A file volume beside it keeps its verdict: its use is read from holders, not from mounts.
    const files = classifyVolumes({
      ...volumeInput({ local: [{ name: '150/vm-150-disk-0.raw' }] }),
      hostMountinfo: '',
    });
    assert.equal(entry(files.entries, 'local:150/vm-150-disk-0.raw').status, 'orphan');
  });
  it("a volume chain's snapshot file beside a qcow2: neither the volume's hint nor reclaim takes it", () => {
    const r = classifyVolumes(
      volumeInput({
        local: [{ name: '150/vm-150-disk-0.qcow2' }, { name: '150/snap-s1-vm-150-disk-0.qcow2' }],
      }),
    );
    const e = entry(r.entries, 'local:150/vm-150-disk-0.qcow2');
    assert.equal(e.status, 'orphan');
    assert.equal(
      e.steps?.some((s) => s.kind === 'reclaim'),
      false,
      JSON.stringify(e.steps),
    );
    const p = planReclaim(input({ volumes: r }), { all: true });
    assert.deepEqual(p.actions, []);
    assert.equal(p.refused.find((x) => x.volid === e.volid)?.code, 'has-snapshots');
  });
});

describe('planReclaim and planPurge of a subvol directory', () => {
  const dirVol = vol({ volid: 'local:150/subvol-150-disk-0.subvol', vmid: 150, format: 'subvol', sizeBytes: null });
  it('quarantine: one rename(2) of the directory into the quarantine directory of the same storage', () => {
    const p = planReclaim(input({ volumes: volumes([dirVol]) }));
    assert.deepEqual(p.refused, []);
    assert.deepEqual(
      p.actions[0].steps.map((s) => [s.op, s.command]),
      [
        [
          'file-move',
          [
            'mover',
            '/var/lib/vz/images/150/subvol-150-disk-0.subvol',
            '/var/lib/vz/images/pve-health-quarantine/pve-health-q.20261123T101500Z.150.subvol-150-disk-0.subvol',
          ],
        ],
      ],
    );
  });
  const q = (heldBy?: string[]) =>
    vol({
      volid: 'local:150/subvol-150-disk-0.subvol',
      vmid: 150,
      format: 'subvol',
      status: 'ignored',
      reason: 'quarantined',
      quarantine: {
        since: '2026-11-01T00:00:00.000Z',
        name: '/var/lib/vz/images/pve-health-quarantine/pve-health-q.20261101T000000Z.150.subvol-150-disk-0.subvol',
        onStorage:
          '/var/lib/vz/images/pve-health-quarantine/pve-health-q.20261101T000000Z.150.subvol-150-disk-0.subvol',
        location: { path: '/var/lib/vz' },
        ...(heldBy ? { heldBy } : {}),
      },
    });
  it('purge: the directory and all in it, never into a filesystem mounted below it', () => {
    const p = planPurge(input({ volumes: volumes([q()]) }), { all: true });
    assert.deepEqual(
      p.actions.map((a) => a.steps[0].command),
      [
        [
          'rm',
          '-r',
          '--one-file-system',
          '--',
          '/var/lib/vz/images/pve-health-quarantine/pve-health-q.20261101T000000Z.150.subvol-150-disk-0.subvol',
        ],
      ],
    );
  });
  it('purge refused while something has it mounted since', () => {
    const p = planPurge(input({ volumes: volumes([q(['mounted:/mnt/x'])]) }), { all: true });
    assert.deepEqual([p.actions.length, p.refused[0]?.code], [0, 'protected']);
    assert.match(p.refused[0].why, /mounted:\/mnt\/x/);
  });
});

// A storage path that is a symlink (`path /var/lib/vz` → /srv/vz): PVE opens and bind-mounts through the
// configured path, and the kernel shows the resolved one — in a holder's /proc/<pid>/fd link and in
// mountinfo's root alike (d_path). Either path marks the volume in use.
describe('a storage path that leads elsewhere through a symlink', () => {
  const SRV = '/srv/vz/images/150';
  const node = (mountinfo: string, fds: string[] = []) => {
    const n = volumeInput({ local: [{ name: '150/subvol-150-disk-0.subvol' }, { name: '150/vm-150-disk-1.raw' }] });
    n.raw.files.local.realPath = '/srv/vz';
    n.hostMountinfo = mountinfo;
    n.processes = fds.length ? [{ pid: 4242, comm: 'qemu-img', cmdline: ['qemu-img', 'convert'], fds }] : [];
    return classifyVolumes(n).entries;
  };
  it('a bind mount of the resolved path: the directory is mounted, no hint', () => {
    const es = node(
      `${ROOT_FS}\n40 22 253:1 ${SRV}/subvol-150-disk-0.subvol /var/lib/lxc/150/rootfs rw - ext4 /dev/mapper/pve-root rw\n`,
    );
    const e = entry(es, 'local:150/subvol-150-disk-0.subvol');
    assert.deepEqual([e.open, e.protectedBy, e.steps], [true, ['mounted'], undefined]);
  });
  it('a process holding the file by its resolved path: open, protected, no hint', () => {
    const e = entry(node(`${ROOT_FS}\n`, [`${SRV}/vm-150-disk-1.raw`]), 'local:150/vm-150-disk-1.raw');
    assert.deepEqual(
      [e.open, e.protectedBy, e.steps, e.holders.map((h) => h.pid)],
      [true, ['open'], undefined, [4242]],
    );
  });
  it('nothing holds either path: orphans with hints naming the configured path', () => {
    const es = node(`${ROOT_FS}\n`);
    for (const id of ['local:150/subvol-150-disk-0.subvol', 'local:150/vm-150-disk-1.raw']) {
      const e = entry(es, id);
      assert.deepEqual([e.status, e.open, e.protected], ['orphan', false, false], id);
      // The first step after the keep (PVE's rescan of a guest created again) is the reclaim.
      assert.equal(e.steps?.find((x) => x.kind !== 'keep')?.kind, 'reclaim');
    }
  });
});

describe('a quarantined subvol directory while the host mount table is not read whole', () => {
  const QNAME = 'pve-health-quarantine/pve-health-q.20261101T000000Z.150.subvol-150-disk-0.subvol';
  const classifyQ = (mountinfo: string) =>
    classifyVolumes({ ...volumeInput({ local: [{ name: QNAME }] }), hostMountinfo: mountinfo });
  it('read whole and nothing mounted: the purge takes it', () => {
    const r = classifyQ(`${ROOT_FS}\n`);
    assert.deepEqual([r.entries[0].reason, r.entries[0].quarantine?.heldBy], ['quarantined', undefined]);
    const p = planPurge(input({ volumes: r }), { all: true });
    assert.deepEqual([p.actions.length, p.refused], [1, []]);
  });
  it('missing or cut short: held (mounts-unread), the purge refuses it', () => {
    for (const mi of ['', `${ROOT_FS}\n22 1 253:1 / /cut`]) {
      const r = classifyQ(mi);
      assert.match(String(r.entries[0].quarantine?.heldBy), /^mounts-unread: the host mount table/, JSON.stringify(mi));
      const p = planPurge(input({ volumes: r }), { all: true });
      assert.deepEqual([p.actions.length, p.refused[0]?.code], [0, 'protected']);
    }
  });
  it("a quarantined file is no directory: its use is read from holders, the mount table's gap does not hold it", () => {
    const file = 'pve-health-quarantine/pve-health-q.20261101T000000Z.150.vm-150-disk-0.raw';
    const r = classifyVolumes({ ...volumeInput({ local: [{ name: file }] }), hostMountinfo: '' });
    assert.deepEqual([r.entries[0].reason, r.entries[0].quarantine?.heldBy], ['quarantined', undefined]);
  });
});

// Only a btrfs raw disk is a directory (its subvolume holds disk.raw: BTRFSPlugin.pm filesystem_path);
// a raw file named disk.raw on a dir storage is a file, and a bind mount of its <vmid> directory is no
// mount of the volume.
describe('volumeDirectories: which volumes are directories whose mounts are uses', () => {
  const rows: { type: string; format: string; devices: string[]; want: string[] }[] = [
    {
      type: 'btrfs',
      format: 'raw',
      devices: ['/b/images/100/vm-100-disk-0/disk.raw'],
      want: ['/b/images/100/vm-100-disk-0'],
    },
    { type: 'dir', format: 'raw', devices: ['/var/lib/vz/images/100/disk.raw'], want: [] },
    {
      type: 'dir',
      format: 'subvol',
      devices: ['/v/images/100/subvol-100-disk-0.subvol', '/s/images/100/subvol-100-disk-0.subvol'],
      want: ['/v/images/100/subvol-100-disk-0.subvol', '/s/images/100/subvol-100-disk-0.subvol'],
    },
    { type: 'dir', format: 'qcow2', devices: ['/var/lib/vz/images/100/vm-100-disk-0.qcow2'], want: [] },
  ];
  for (const r of rows)
    it(`${r.type} ${r.format} ${r.devices[0]}`, () =>
      assert.deepEqual(volumeDirectories(r.type, { format: r.format, devices: r.devices }), r.want));
});
