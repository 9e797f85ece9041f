// What the configs say about volumes on ZFS, RBD and file storages (src/core/volumes/volume-references.ts),
// rule by rule: which storages hold guest volumes (Storage.pm vdisk_list), where a storage keeps them (so
// aliases share one volume), a linked clone's own volume and base (parse_volname), and every reference,
// by volume ID or by device path, keyed so that no volume a config names is ever called unreferenced.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNode } from '../../src/core/node/node-view';
import { parseStorageConfig, type StorageConfig } from '../../src/core/parse/storage-config';
import {
  holdsGuestVolumes,
  isFileType,
  parseReplicationJobs,
  referenceIndex,
  splitVolname,
  storageLocation,
  type VolumePathResolver,
} from '../../src/core/volumes/volume-references';
import { snapshot } from '../helpers/storage-snapshot';

const one = (text: string) => parseStorageConfig(text)[0];

// What each plugin's storage holds for every `content` line (pve-storage <Type>Plugin.pm plugindata
// `content => [supported, default]`, Plugin.pm decode_value and parse_config): one character per content
// line of CONTENTS, 'y' when the storage holds guest volumes (images or rootdir) and is listed.
const CONTENTS = [
  '',
  'images',
  'rootdir',
  'vztmpl',
  'iso',
  'backup',
  'snippets',
  'import',
  'none',
  'bogus',
  'backup,bogus',
  'images,backup',
  'rootdir,backup',
];
const HOLDS: Record<string, string> = {
  // no line: images,rootdir; only unsupported types: that default again (no `none` to fall to)
  zfspool: 'yyyyyyyyyyyyy',
  rbd: 'yyyyyyyyyyyyy',
  // `none` supported: unsupported types alone leave an empty content, nothing held
  dir: 'yyy--------yy',
  btrfs: 'yyy--------yy',
  // default images; `none` unsupported: only unsupported types fall back to it
  nfs: 'yyy-----yy-yy',
  cifs: 'yyy-----yy-yy',
  // CephFSPlugin supports neither images nor rootdir: never
  cephfs: '-------------',
  lvmthin: '-------------',
  // a type name that is a property of every object: no plugin, never a crash
  constructor: '-------------',
  toString: '-------------',
};

test('which storages hold guest volumes, for every plugin and content line', () => {
  for (const [type, want] of Object.entries(HOLDS)) {
    const got = CONTENTS.map((c) => {
      const st = { id: 's', type, props: c === '' ? {} : { content: c } } as StorageConfig;
      return holdsGuestVolumes(st) ? 'y' : '-';
    }).join('');
    assert.equal(got, want, type);
  }
});

test('which storages hold guest volumes: a volume type whose content, when set, has images or rootdir', () => {
  const cases: { cfg: string; holds: boolean }[] = [
    { cfg: 'zfspool: tank\n\tpool tank/vm\n', holds: true },
    { cfg: 'rbd: ceph\n\tpool vms\n\tcontent images\n', holds: true },
    { cfg: 'dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n', holds: false },
    { cfg: 'dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup,rootdir\n', holds: true },
    { cfg: 'nfs: nas\n\tserver 192.0.2.5\n\texport /x\n\tcontent images, backup\n', holds: true },
    { cfg: 'cifs: smb\n\tserver 192.0.2.5\n\tshare x\n\tcontent backup\n', holds: false },
    { cfg: 'cifs: smb\n\tserver 192.0.2.5\n\tshare x\n\tcontent images\n', holds: true },
    // CephFSPlugin supports neither images nor rootdir: decode_value drops them, the default is backup.
    { cfg: 'cephfs: cfs\n\tcontent rootdir\n', holds: false },
    { cfg: 'cephfs: cfs\n\tcontent images,backup\n', holds: false },
    { cfg: 'cephfs: cfs\n', holds: false },
    { cfg: 'cephfs: cfs\n\tcontent vztmpl\n', holds: false },
    // No content line: the plugin's default (nfs/cifs images, rbd images, dir/btrfs/zfspool images,rootdir).
    { cfg: 'nfs: nas\n\tserver 192.0.2.5\n\texport /x\n', holds: true },
    { cfg: 'dir: d\n\tpath /d\n', holds: true },
    // Only types the plugin does not support: dropped; where `none` is no choice the property is lost
    // and the default holds (nfs: images), else the content is empty (dir: nothing).
    { cfg: 'nfs: nas\n\tserver 192.0.2.5\n\texport /x\n\tcontent bogus\n', holds: true },
    { cfg: 'dir: d\n\tpath /d\n\tcontent bogus\n', holds: false },
    { cfg: 'dir: d\n\tpath /d\n\tcontent none\n', holds: false },
    // A supported type beside an unsupported one keeps the supported one alone.
    { cfg: 'zfspool: z\n\tpool tank\n\tcontent backup\n', holds: true },
    { cfg: 'zfspool: z\n\tpool tank\n\tcontent backup,rootdir\n', holds: true },
    { cfg: 'rbd: r\n\tpool p\n\tcontent iso,images\n', holds: true },
    { cfg: 'btrfs: b\n\tpath /mnt/b\n', holds: true },
    // LVM is the DM part's (and iSCSI, PBS hold no volumes this part lists).
    { cfg: 'lvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tcontent images\n', holds: false },
    { cfg: 'pbs: backup\n\tdatastore d\n\tcontent backup\n', holds: false },
  ];
  for (const c of cases) assert.equal(holdsGuestVolumes(one(c.cfg)), c.holds, c.cfg);
});

test('where a storage keeps its volumes: aliases on one pool or path share a location', () => {
  const cases: { cfg: string; loc: string }[] = [
    { cfg: 'zfspool: tank\n\tpool tank/vm\n', loc: 'zfs:tank/vm' },
    { cfg: 'zfspool: bad\n', loc: 'zfs:' },
    { cfg: 'rbd: ceph\n\tpool vms\n', loc: 'rbd::vms:' },
    // RBDPlugin's default pool is `rbd`; an external cluster is another place, a namespace another one.
    { cfg: 'rbd: ceph\n', loc: 'rbd::rbd:' },
    { cfg: 'rbd: ext\n\tmonhost 192.0.2.1\n\tpool vms\n\tnamespace tenant\n', loc: 'rbd:192.0.2.1:vms:tenant' },
    { cfg: 'dir: local\n\tpath /var/lib/vz/\n', loc: 'file:/var/lib/vz' },
    { cfg: 'nfs: nas\n\tserver 192.0.2.5\n\texport /x\n', loc: 'file:/mnt/pve/nas' },
  ];
  for (const c of cases) assert.equal(storageLocation(one(c.cfg)), c.loc, c.cfg);
});

test("a volname's own volume and its linked-clone base (parse_volname)", () => {
  const cases: { type: string; volname: string; want: { own: string; base?: string } }[] = [
    { type: 'dir', volname: '902/vm-902-disk-0.qcow2', want: { own: '902/vm-902-disk-0.qcow2' } },
    {
      type: 'nfs',
      volname: '900/base-900-disk-0.qcow2/902/vm-902-disk-0.qcow2',
      want: { own: '902/vm-902-disk-0.qcow2', base: '900/base-900-disk-0.qcow2' },
    },
    {
      type: 'dir',
      volname: 'x/900/base-900-disk-0.qcow2/902/vm-902-disk-0.qcow2',
      want: { own: 'x/900/base-900-disk-0.qcow2/902/vm-902-disk-0.qcow2' },
    },
    {
      type: 'dir',
      volname: '900/base-900-disk-0.qcow2/902/vm-902-disk-0.qcow2/x',
      want: { own: '900/base-900-disk-0.qcow2/902/vm-902-disk-0.qcow2/x' },
    },
    { type: 'zfspool', volname: 'vm-100-disk-0', want: { own: 'vm-100-disk-0' } },
    {
      type: 'zfspool',
      volname: 'base-900-disk-0/vm-902-disk-0',
      want: { own: 'vm-902-disk-0', base: 'base-900-disk-0' },
    },
    {
      type: 'zfspool',
      volname: 'basevol-900-disk-0/subvol-902-disk-0',
      want: { own: 'subvol-902-disk-0', base: 'basevol-900-disk-0' },
    },
    { type: 'rbd', volname: 'base-900-disk-0/vm-902-disk-0', want: { own: 'vm-902-disk-0', base: 'base-900-disk-0' } },
    // Only a base volume is a base: any other `a/b` is one name.
    { type: 'rbd', volname: 'vm-900-disk-0/vm-902-disk-0', want: { own: 'vm-900-disk-0/vm-902-disk-0' } },
    { type: 'rbd', volname: 'xbase-900-disk-0/vm-902-disk-0', want: { own: 'xbase-900-disk-0/vm-902-disk-0' } },
    { type: 'zfspool', volname: 'base-900-disk-0/a/b', want: { own: 'base-900-disk-0/a/b' } },
  ];
  for (const c of cases) assert.deepEqual(splitVolname(c.type, c.volname), c.want, `${c.type} ${c.volname}`);
  assert.deepEqual(['dir', 'nfs', 'cifs', 'cephfs', 'btrfs', 'zfspool', 'rbd', 'lvm'].map(isFileType), [
    true,
    true,
    true,
    true,
    true,
    false,
    false,
    false,
  ]);
});

const STORAGES = `zfspool: tank
\tpool tank/vm
\tcontent images,rootdir

zfspool: tank-alias
\tpool tank/vm
\tcontent images

rbd: ceph
\tpool vms
\tnamespace t1
\tcontent images

dir: local
\tpath /var/lib/vz
\tcontent images,rootdir

btrfs: bt
\tpath /mnt/bt
\tcontent images,rootdir

lvmthin: local-lvm
\tthinpool data
\tvgname pve
\tcontent images
`;

function index(confs: Record<string, string>, resolve?: VolumePathResolver) {
  const files: Record<string, string> = { '/etc/pve/storage.cfg': STORAGES };
  for (const [vmid, text] of Object.entries(confs)) files[`/etc/pve/nodes/pve1/qemu-server/${vmid}.conf`] = text;
  const unresolved: string[] = [];
  const idx = referenceIndex(parseNode(snapshot({ files })).pve, resolve, unresolved);
  const flat = [...idx].map(([k, hits]) => [
    k,
    hits.map((h) => `${h.vmid}:${h.ref.key}:${h.storage}${h.asBase ? ':base' : ''}`),
  ]);
  return { flat, unresolved };
}

test('every reference by volume ID is keyed by where the volume lives, a linked clone under its base too', () => {
  const { flat } = index({
    100: 'scsi0: tank:vm-100-disk-0,size=8G\nscsi1: tank-alias:vm-100-disk-1,size=8G\n',
    902: 'scsi0: ceph:base-900-disk-0/vm-902-disk-0,size=8G\nscsi1: local:900/base-900-disk-0.qcow2/902/vm-902-disk-0.qcow2\n',
    // Not this part's: LVM (the DM part's), and a storage storage.cfg does not list.
    903: 'scsi0: local-lvm:vm-903-disk-0\nscsi1: gone:vm-903-disk-1\n',
  });
  assert.deepEqual(flat, [
    ['zfs:tank/vm|vm-100-disk-0', ['100:scsi0:tank']],
    ['zfs:tank/vm|vm-100-disk-1', ['100:scsi1:tank-alias']],
    ['rbd::vms:t1|vm-902-disk-0', ['902:scsi0:ceph']],
    ['rbd::vms:t1|base-900-disk-0', ['902:scsi0:ceph:base']],
    ['file:/var/lib/vz|902/vm-902-disk-0.qcow2', ['902:scsi1:local']],
    ['file:/var/lib/vz|900/base-900-disk-0.qcow2', ['902:scsi1:local:base']],
  ]);
});

test('a drive given by device path uses the volume that path names, by its text and where it leads', () => {
  const cases: { name: string; path: string; keys: string[] }[] = [
    { name: 'a zvol', path: '/dev/zvol/tank/vm/vm-100-disk-0', keys: ['zfs:tank/vm|vm-100-disk-0'] },
    // A path below a zvol's name, or a zvol of another pool, is no volume of this storage.
    { name: 'a path below a zvol name', path: '/dev/zvol/tank/vm/vm-100-disk-0-part1/x', keys: [] },
    { name: 'a zvol of another pool', path: '/dev/zvol/rpool/vm-100-disk-0', keys: [] },
    { name: 'an rbd map', path: '/dev/rbd/vms/t1/vm-100-disk-0', keys: ['rbd::vms:t1|vm-100-disk-0'] },
    {
      name: 'a PVE rbd link',
      path: '/dev/rbd-pve/6a4c1d2e-0b3f-4c5d-8e9f-0a1b2c3d4e5f/vms/t1/vm-100-disk-0',
      keys: ['rbd::vms:t1|vm-100-disk-0'],
    },
    { name: 'an rbd map outside the namespace', path: '/dev/rbd/vms/vm-100-disk-0', keys: [] },
    { name: 'an rbd map below the image', path: '/dev/rbd/vms/t1/a/b', keys: [] },
    {
      name: 'a file',
      path: '/var/lib/vz/images/100/vm-100-disk-0.raw',
      keys: ['file:/var/lib/vz|100/vm-100-disk-0.raw'],
    },
    { name: 'a file outside images/<vmid>/', path: '/var/lib/vz/images/100/sub/x.raw', keys: [] },
    { name: 'a file of another directory', path: '/srv/images/100/vm-100-disk-0.raw', keys: [] },
    { name: 'a plain disk', path: '/dev/sdb', keys: [] },
    { name: 'an rbd-like path outside /dev', path: '/srv/dev/rbd/vms/t1/vm-100-disk-0', keys: [] },
    { name: 'a file below a subdirectory of images/', path: '/var/lib/vz/images/sub/100/vm-100-disk-0.raw', keys: [] },
    // As long as the storage's images/ prefix, but another directory.
    { name: 'a file of another directory, as long', path: '/opt/elsewhere/img/100/vm-100-disk-0.raw', keys: [] },
    // A btrfs raw disk is the subvolume `<vmid>/<name>/` holding disk.raw (BTRFSPlugin.pm filesystem_path):
    // PVE's own path for it names `<vmid>/<name>.raw`; the same path on a dir storage is no volume of it.
    {
      name: "a btrfs raw disk's disk.raw",
      path: '/mnt/bt/images/100/vm-100-disk-0/disk.raw',
      keys: ['file:/mnt/bt|100/vm-100-disk-0.raw'],
    },
    { name: 'disk.raw under a dir storage', path: '/var/lib/vz/images/100/vm-100-disk-0/disk.raw', keys: [] },
    { name: 'another file in a btrfs raw subvolume', path: '/mnt/bt/images/100/vm-100-disk-0/x.raw', keys: [] },
    { name: 'a disk.raw one level deeper', path: '/mnt/bt/images/sub/100/vm-100-disk-0/disk.raw', keys: [] },
    { name: 'a name that only starts with disk.raw', path: '/mnt/bt/images/100/vm-100-disk-0/disk.raw.old', keys: [] },
    {
      name: 'a btrfs file volume by its own name',
      path: '/mnt/bt/images/100/vm-100-disk-1.qcow2',
      keys: ['file:/mnt/bt|100/vm-100-disk-1.qcow2'],
    },
    // LVM is no file storage: a path under /mnt/pve/<its id> names none of its volumes.
    { name: 'under an LVM storage id', path: '/mnt/pve/local-lvm/images/100/vm-100-disk-0.raw', keys: [] },
  ];
  for (const c of cases) {
    const { flat } = index({ 100: `scsi0: ${c.path}\n` });
    assert.deepEqual(
      flat.map(([k]) => k),
      c.keys,
      c.name,
    );
    for (const [, hits] of flat)
      assert.ok(
        (hits as string[]).every((h) => h.startsWith('100:scsi0:')),
        c.name,
      );
  }
  // Both aliases of a pool hold the zvol: two hits under its one key.
  assert.deepEqual(index({ 100: 'scsi0: /dev/zvol/tank/vm/vm-100-disk-0\n' }).flat, [
    ['zfs:tank/vm|vm-100-disk-0', ['100:scsi0:tank', '100:scsi0:tank-alias']],
  ]);
  // A link of one's own that leads to a volume: keyed by both the link and where it leads.
  const linked = index({ 100: 'scsi0: /dev/disk/by-id/mine\n' }, (p) =>
    p === '/dev/disk/by-id/mine' ? '/dev/rbd/vms/t1/vm-100-disk-0' : null,
  );
  assert.deepEqual(
    linked.flat.map(([k]) => k),
    ['rbd::vms:t1|vm-100-disk-0'],
  );
  assert.deepEqual(linked.unresolved, []);
  // A link that cannot be followed is said, never read as "names nothing".
  const broken = index({ 100: 'scsi0: /dev/disk/by-id/mine\n' }, () => ({ unresolved: 'is a dangling link' }));
  assert.deepEqual(broken.unresolved, ['VM 100 scsi0 names /dev/disk/by-id/mine, which is a dangling link']);
  // A container's unresolved path says CT; a caller that gathers no reasons still gets the index.
  const files = {
    '/etc/pve/storage.cfg': STORAGES,
    '/etc/pve/nodes/pve1/lxc/200.conf': 'rootfs: tank:subvol-200-disk-0\nmp0: /dev/disk/by-id/mine,mp=/x\n',
  };
  const said: string[] = [];
  referenceIndex(parseNode(snapshot({ files })).pve, () => ({ unresolved: 'is a dangling link' }), said);
  assert.deepEqual(said, ['CT 200 mp0 names /dev/disk/by-id/mine, which is a dangling link']);
  assert.deepEqual(
    [...referenceIndex(parseNode(snapshot({ files })).pve, () => ({ unresolved: 'x' })).keys()],
    ['zfs:tank/vm|subvol-200-disk-0'],
  );
  // A guest .vmlist lists whose config could not be read names nothing (its gap is said elsewhere).
  const vmlist =
    '{\n"version": 1,\n"ids": {\n"100": { "node": "pve1", "type": "qemu", "version": 1 },\n"104": { "node": "pve1", "type": "qemu", "version": 1 }}\n}\n';
  const unread = referenceIndex(
    parseNode(
      snapshot({
        files: {
          '/etc/pve/storage.cfg': STORAGES,
          '/etc/pve/.vmlist': vmlist,
          '/etc/pve/nodes/pve1/qemu-server/100.conf': 'scsi0: tank:vm-100-disk-0\n',
        },
      }),
    ).pve,
  );
  assert.deepEqual([...unread.keys()], ['zfs:tank/vm|vm-100-disk-0']);
  // The resolver's answer equal to the path: the path once.
  assert.deepEqual(index({ 100: 'scsi0: /dev/zvol/tank/vm/vm-100-disk-0\n' }, (p) => p).flat[0][1], [
    '100:scsi0:tank',
    '100:scsi0:tank-alias',
  ]);
});

test('replication.cfg job ids', () => {
  assert.deepEqual(
    [...parseReplicationJobs('local: 100-0\n\ttarget pve2\n\tschedule */15\n\nlocal: 101-1\n\ttarget pve3\n')],
    ['100-0', '101-1'],
  );
});
