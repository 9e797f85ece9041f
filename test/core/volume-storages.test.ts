// One storage's volumes from its raw listing (volume-storages.ts listStorageVolumes), read as PVE's
// plugins read them: ZFSPoolPlugin.pm zfs_parse_zvol_list (direct children of the pool, `__base__`
// origins of linked clones), Plugin.pm list_images / parse_name_dir (`<vmid>/<name>.raw|qcow2|vmdk|subvol`,
// a qcow2 backing file `../<vmid>/<name>`) with PVE 9 volume-chain files (get_snap_name
// `snap-<snap>-<volname>`), BTRFSPlugin.pm filesystem_path (a raw disk is `<name>/disk.raw`, a snapshot
// `<name>@<snap>`), and the storage paths of Storage.pm (NFSPlugin/CIFSPlugin check_config: /mnt/pve/<id>).
// Each row with its neighbour: what is a volume, what is none, and when the listing cannot be used.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStorageConfig } from '../../src/core/parse/storage-config';
import type { CommandOutput } from '../../src/core/vocab/snapshot';
import type { FileVolume, VolumesRaw } from '../../src/core/vocab/volume-types';
import {
  filePath,
  type ListedVolume,
  listStorageVolumes,
  parseZfsListing,
} from '../../src/core/volumes/volume-storages';

const [ZFS, DOTTED, NO_POOL, DIR, BTRFS, NFS, ROOT] = parseStorageConfig(
  [
    'zfspool: local-zfs\n\tpool rpool/data\n\tcontent images,rootdir\n',
    'zfspool: tank-pve\n\tpool tank/pve.vms\n\tcontent images\n',
    'zfspool: no-pool\n\tcontent images\n',
    'dir: local\n\tpath /var/lib/vz//\n\tcontent images\n',
    'btrfs: local-btrfs\n\tpath /mnt/btrfs\n\tcontent images,rootdir\n',
    'nfs: nas\n\tserver 192.0.2.10\n\texport /vz\n\tcontent images\n',
    'dir: slash\n\tpath /\n\tcontent images\n',
  ].join('\n'),
);

const Q = 'pve-health-q.20261123T101500Z';
const SINCE = '2026-11-23T10:15:00.000Z';
const POOL_LINE = 'rpool/data\tfilesystem\t-\t1\t1\t0\t-\t/rpool/data';
/** A `zfs list -H -p -o name,type,volsize,used,refer,refquota,origin,mountpoint` line. */
const zl = (name: string, type: string, volsize = '-', refquota = '-', origin = '-', mountpoint = '-') =>
  `${name}\t${type}\t${volsize}\t4096\t4096\t${refquota}\t${origin}\t${mountpoint}`;
const ran = (stdout: string, more: Partial<CommandOutput> = {}): CommandOutput => ({
  argv: ['zfs', 'list'],
  code: 0,
  stdout,
  stderr: '',
  ...more,
});
const zfsRaw = (lines: string[], more: Partial<VolumesRaw> = {}, out: Partial<CommandOutput> = {}): VolumesRaw => ({
  zfs: ran(`${lines.join('\n')}\n`, out),
  rbd: {},
  files: {},
  ...more,
});
const listZfs = (st: typeof ZFS, raw: VolumesRaw) => listStorageVolumes(st, raw, parseZfsListing(raw));

test('filePath: the configured path without its trailing slashes; a network storage at /mnt/pve/<id>', () => {
  assert.deepEqual(
    [DIR, NFS, ROOT, BTRFS].map((s) => filePath(s)),
    ['/var/lib/vz', '/mnt/pve/nas', '/', '/mnt/btrfs'],
  );
});

test('parseZfsListing: no zfs run lists nothing; a line it cannot read is the error, not an empty pool', () => {
  assert.deepEqual(parseZfsListing({ rbd: {}, files: {} }), []);
  const bad = parseZfsListing({ zfs: ran('rpool/data\tfilesystem\n'), rbd: {}, files: {} });
  assert.ok(bad instanceof Error);
  assert.equal(bad.message, 'zfs list: unexpected line: rpool/data\tfilesystem');
});

test('zfs: zvols and subvols, linked clones by their __base__ origin, snapshots, the devices that hold them', () => {
  const lines = [
    POOL_LINE,
    zl('rpool/data/vm-100-disk-0', 'volume', '8589934592'),
    zl('rpool/data/vm-100-disk-0@before', 'snapshot', '8589934592'),
    zl(`rpool/data/vm-100-disk-0@${Q}.after`, 'snapshot', '8589934592'),
    zl('rpool/data/vm-101-disk-0', 'volume', '1073741824'),
    zl('rpool/data/vm-102-disk-0', 'volume', '1073741824'),
    // a cut-off resumable zfs recv leaves a volume of volsize 0
    zl('rpool/data/vm-103-disk-0', 'volume', '0'),
    zl('rpool/data/subvol-200-disk-0', 'filesystem', '-', '8589934592', '-', '/rpool/data/subvol-200-disk-0'),
    zl('rpool/data/subvol-201-disk-0', 'filesystem', '-', '0', '-', '/rpool/data/subvol-201-disk-0'),
    // a volsize of 0 on a filesystem (zfs prints `-`): a partial receive is a zvol's state only
    zl('rpool/data/subvol-202-disk-0', 'filesystem', '0', '4096', '-', '/rpool/data/subvol-202-disk-0'),
    zl('rpool/data/base-900-disk-0', 'volume', '1073741824'),
    zl('rpool/data/base-900-disk-0@__base__', 'snapshot', '1073741824'),
    zl('rpool/data/vm-901-disk-0', 'volume', '1073741824', '-', 'rpool/data/base-900-disk-0@__base__'),
    // a clone of an ordinary snapshot: that snapshot is a clone origin, the clone is no linked clone
    zl('rpool/data/vm-902-disk-0', 'volume', '1073741824', '-', 'rpool/data/vm-100-disk-0@before'),
    // names PVE's grammar (`^(vm|base|subvol|basevol)-(\d+)-\S+$`) does not give a VMID
    zl('rpool/data/myvm-104-disk-0', 'volume', '1073741824'),
    zl('rpool/data/vm-105-disk 0', 'volume', '1073741824'),
  ];
  const raw = zfsRaw(lines, {
    zvolDevices: { 'rpool/data/vm-100-disk-0': 'zd0', 'rpool/data/vm-101-disk-0': 'zd16' },
    zvolUse: { zd0: { parts: ['zd0p1'], holders: ['dm-3 (on zd0p1)'] } },
  });
  const zvol = (own: string, size: number | null, more: Partial<ListedVolume> = {}): ListedVolume => ({
    volname: own,
    own,
    vmid: Number(/-(\d+)-/.exec(own)?.[1]),
    format: 'raw',
    sizeBytes: size,
    usedBytes: 4096,
    devices: [],
    ...more,
  });
  const snap = (own: string, s: string, more: Partial<ListedVolume> = {}): ListedVolume => ({
    volname: own,
    own,
    vmid: 100,
    format: null,
    snapshot: s,
    sizeBytes: 8589934592,
    usedBytes: 4096,
    devices: [],
    ...more,
  });
  assert.deepEqual(listZfs(ZFS, raw), {
    volumes: [
      zvol('vm-100-disk-0', 8589934592, {
        devices: ['/dev/zd0', '/dev/zd0p1'],
        sysHolders: ['dm-3 (on zd0p1)'],
      }),
      snap('vm-100-disk-0', 'before', { cloneOrigin: true }),
      snap('vm-100-disk-0', `${Q}.after`, {
        quarantine: {
          since: SINCE,
          original: 'after',
          name: `rpool/data/vm-100-disk-0@${Q}.after`,
          onStorage: `rpool/data/vm-100-disk-0@${Q}.after`,
          location: { pool: 'rpool/data', snapshotOf: 'rpool/data/vm-100-disk-0' },
        },
      }),
      // its zvol has no partitions nor holders in /sys: the zvol alone
      zvol('vm-101-disk-0', 1073741824, { devices: ['/dev/zd16'] }),
      zvol('vm-102-disk-0', 1073741824),
      zvol('vm-103-disk-0', 0, { partialReceive: true }),
      zvol('subvol-200-disk-0', 8589934592, {
        format: 'subvol',
        dataset: { name: 'rpool/data/subvol-200-disk-0', mountpoint: '/rpool/data/subvol-200-disk-0' },
      }),
      // refquota 0 is no quota: no size
      zvol('subvol-201-disk-0', null, {
        format: 'subvol',
        dataset: { name: 'rpool/data/subvol-201-disk-0', mountpoint: '/rpool/data/subvol-201-disk-0' },
      }),
      zvol('subvol-202-disk-0', 4096, {
        format: 'subvol',
        dataset: { name: 'rpool/data/subvol-202-disk-0', mountpoint: '/rpool/data/subvol-202-disk-0' },
      }),
      zvol('base-900-disk-0', 1073741824),
      zvol('vm-901-disk-0', 1073741824, { volname: 'base-900-disk-0/vm-901-disk-0', baseOf: 'base-900-disk-0' }),
      zvol('vm-902-disk-0', 1073741824),
      zvol('myvm-104-disk-0', 1073741824, { vmid: null }),
      zvol('vm-105-disk 0', 1073741824, { vmid: null }),
    ],
  });
});

test('zfs: a pool name with regex characters finds its linked clones by the literal name', () => {
  const raw = zfsRaw([
    'tank/pve.vms\tfilesystem\t-\t1\t1\t0\t-\t/tank/pve.vms',
    zl('tank/pve.vms/base-900-disk-0', 'volume', '1024'),
    zl('tank/pve.vms/base-900-disk-0@__base__', 'snapshot', '1024'),
    zl('tank/pve.vms/vm-901-disk-0', 'volume', '1024', '-', 'tank/pve.vms/base-900-disk-0@__base__'),
    // `.` is no wildcard: another pool's base is not this clone's
    zl('tank/pve.vms/vm-902-disk-0', 'volume', '1024', '-', 'tank/pveXvms/base-900-disk-0@__base__'),
  ]);
  assert.deepEqual(
    listZfs(DOTTED, raw).volumes.map((v) => [v.volname, v.baseOf ?? null]),
    [
      ['base-900-disk-0', null],
      ['base-900-disk-0/vm-901-disk-0', 'base-900-disk-0'],
      ['vm-902-disk-0', null],
    ],
  );
});

test('zfs: only direct children of the pool are listed, quarantined datasets by their grammar', () => {
  const QD = 'rpool/data/pve-health-quarantine';
  const lines = [
    POOL_LINE,
    zl('rpool/data@daily', 'snapshot'),
    zl('rpool/database/vm-106-disk-0', 'volume', '1024'),
    zl('rpool/data/nested', 'filesystem', '-', '0', '-', '/rpool/data/nested'),
    zl('rpool/data/nested/vm-107-disk-0', 'volume', '1024'),
    // not of the types asked for (-t volume,filesystem,snapshot): a bookmark
    zl('rpool/data/vm-108-disk-0#bm', 'bookmark'),
    // a damaged line: a snapshot of no dataset
    zl('rpool/data/@lost', 'snapshot'),
    // reclaim's quarantine dataset itself, and what is in it
    zl(QD, 'filesystem', '-', '0', '-', `/${QD}`),
    zl(`${QD}/${Q}.vm-110-disk-0`, 'volume', '2048'),
    zl(`${QD}/${Q}.vm-110-disk-0@before`, 'snapshot', '2048'),
    zl(`${QD}/${Q}.subvol-210-disk-0`, 'filesystem', '-', '4096', '-', `/${QD}/${Q}.subvol-210-disk-0`),
    zl(`${QD}/${Q}.subvol-211-disk-0`, 'filesystem', '-', '0', '-', `/${QD}/${Q}.subvol-211-disk-0`),
    zl(`${QD}/${Q}.not-a-guest-volume`, 'volume', '2048'),
    zl(`${QD}/someone-elses`, 'volume', '2048'),
    zl(`${QD}/${Q}.vm-112-disk-0/child`, 'volume', '2048'),
    // damaged: a name with @ that is not a snapshot, and a type not asked for, both in the quarantine
    zl(`${QD}/${Q}.vm-113-disk-0@s`, 'volume', '2048'),
    zl(`${QD}/${Q}.vm-114-disk-0`, 'bookmark'),
  ];
  const quarantined = (own: string, more: Partial<ListedVolume>): ListedVolume => ({
    volname: own.slice(`pve-health-quarantine/${Q}.`.length),
    own,
    vmid: null,
    format: 'raw',
    sizeBytes: 2048,
    usedBytes: 4096,
    devices: [],
    quarantine: {
      since: SINCE,
      original: own.slice(`pve-health-quarantine/${Q}.`.length),
      name: `rpool/data/${own}`,
      onStorage: `rpool/data/${own}`,
      location: { pool: 'rpool/data' },
    },
    ...more,
  });
  assert.deepEqual(listZfs(ZFS, zfsRaw(lines)), {
    volumes: [
      // a direct child under no guest's name is listed, with no VMID (its verdict: no guest volume)
      {
        volname: 'nested',
        own: 'nested',
        vmid: null,
        format: 'subvol',
        sizeBytes: null,
        usedBytes: 4096,
        dataset: { name: 'rpool/data/nested', mountpoint: '/rpool/data/nested' },
        devices: [],
        // what `zfs destroy -r` of it would take too (issue 59)
        childDatasets: ['rpool/data/nested/vm-107-disk-0'],
      },
      quarantined(`pve-health-quarantine/${Q}.vm-110-disk-0`, { vmid: 110 }),
      quarantined(`pve-health-quarantine/${Q}.subvol-210-disk-0`, { vmid: 210, format: 'subvol', sizeBytes: 4096 }),
      quarantined(`pve-health-quarantine/${Q}.subvol-211-disk-0`, { vmid: 211, format: 'subvol', sizeBytes: null }),
      quarantined(`pve-health-quarantine/${Q}.not-a-guest-volume`, {}),
    ],
  });
});

test('zfs: when the listing cannot be used the storage says why (never an empty pool)', () => {
  const listed = [POOL_LINE, zl('rpool/data/vm-100-disk-0', 'volume', '1024')];
  const rows: { name: string; st?: typeof ZFS; raw: VolumesRaw; error: string | null }[] = [
    { name: 'no pool property', st: NO_POOL, raw: zfsRaw(listed), error: 'zfspool storage without a pool property' },
    { name: 'zfs list was not run', raw: { rbd: {}, files: {} }, error: 'zfs list was not run' },
    {
      name: 'exit 1 for another pool only (one call lists every pool): the listing stands',
      raw: zfsRaw(listed, {}, { code: 1, stderr: "cannot open 'tank': dataset does not exist\n" }),
      error: null,
    },
    {
      name: 'exit 1 for this pool',
      raw: zfsRaw(listed, {}, { code: 1, stderr: "cannot open 'rpool/data': dataset does not exist\n" }),
      error: "zfs list failed (exit 1): cannot open 'rpool/data': dataset does not exist",
    },
    {
      name: 'exit 1 for another pool and something else',
      raw: zfsRaw(listed, {}, { code: 1, stderr: "cannot open 'tank': dataset does not exist\nI/O error\n" }),
      error: "zfs list failed (exit 1): cannot open 'tank': dataset does not exist I/O error",
    },
    {
      name: 'exit 1 with a line that only contains the words',
      raw: zfsRaw(listed, {}, { code: 1, stderr: "warning: cannot open 'tank/x': permission denied\n" }),
      error: "zfs list failed (exit 1): warning: cannot open 'tank/x': permission denied",
    },
    {
      name: 'timed out, although its stderr names another pool only: what it printed may be cut off',
      raw: zfsRaw(
        listed,
        {},
        { code: null, error: 'timeout', message: 'no answer within 10000 ms', stderr: "cannot open 'tank': x\n" },
      ),
      error: 'zfs list timed out (no answer within 10000 ms)',
    },
    {
      name: 'a line it cannot read',
      raw: zfsRaw([POOL_LINE, 'rpool/data/vm-100-disk-0\tvolume']),
      error: 'zfs list: unexpected line: rpool/data/vm-100-disk-0\tvolume',
    },
    {
      name: 'a dataset printed twice',
      raw: zfsRaw([...listed, zl('rpool/data/vm-100-disk-0', 'volume', '1024')]),
      error: 'zfs list printed rpool/data/vm-100-disk-0 twice: the output cannot be trusted',
    },
    {
      name: 'no line of the pool itself (zfs list -r prints it first)',
      raw: zfsRaw([zl('rpool/data/vm-100-disk-0', 'volume', '1024')]),
      error: 'zfs list does not show the pool rpool/data itself: the listing is incomplete',
    },
  ];
  for (const r of rows) {
    const got = listZfs(r.st ?? ZFS, r.raw);
    assert.equal(got.error ?? null, r.error, r.name);
    assert.deepEqual(
      got.volumes.map((v) => v.volname),
      r.error ? [] : ['vm-100-disk-0'],
      r.name,
    );
  }
});

const fileRaw = (id: string, volumes: FileVolume[], realPath?: string): VolumesRaw => ({
  rbd: {},
  files: { [id]: { ok: true, volumes, ...(realPath ? { realPath } : {}) } },
});
/** A file storage's volume as listed: named as its file, of the VMID its directory names. */
const fileVol = (name: string, format: string | null, devices: string[], more: Partial<ListedVolume> = {}) => ({
  volname: name,
  own: name,
  vmid: Number(name.split('/')[0]),
  format,
  sizeBytes: 1024,
  usedBytes: 512,
  devices,
  ...more,
});
const f = (name: string, more: Partial<FileVolume> = {}): FileVolume => ({
  name,
  sizeBytes: 1024,
  usedBytes: 512,
  ...more,
});
const NOT_LISTED = 'not an image PVE lists (Plugin.pm list_images: <vmid>/<name>.raw|qcow2|vmdk|subvol)';
const CHAIN_ALONE =
  'a volume-chain snapshot file (snap-<snap>-<volume>) whose volume is not in its directory: no volume of its own (Plugin.pm parse_name_dir refuses it)';

test("zfs: an output cut inside its last field (no final newline) is the storage's error; a whole last line without it is read", () => {
  // OpenZFS ends every line of zfs list with a newline (zfs_main.c print_dataset): without it the read was
  // cut, unless only that newline was dropped: then the last field must be what it can only be.
  const SUB = 'rpool/data/subvol-200-disk-0';
  const unterminated = (last: string) => ({ zfs: ran([POOL_LINE, last].join('\n')), rbd: {}, files: {} });
  const cutWhy = (name: string, shown: string) =>
    `zfs list: its output ends inside its last line (${name} ends with ${JSON.stringify(shown)}): the listing was cut short`;
  const rows: { name: string; last: string; error: string | null }[] = [
    {
      name: 'a subvol cut inside its inherited mountpoint',
      last: zl(SUB, 'filesystem', '-', '8589934592', '-', '/rpool/data/subvol-200-di'),
      error: cutWhy(SUB, '/rpool/data/subvol-200-di'),
    },
    {
      name: 'a subvol cut right after the TAB before its mountpoint',
      last: zl(SUB, 'filesystem', '-', '8589934592', '-', ''),
      error: cutWhy(SUB, ''),
    },
    {
      name: "a zvol cut inside its '-' mountpoint (nothing of it left)",
      last: zl('rpool/data/vm-100-disk-0', 'volume', '1024', '-', '-', ''),
      error: cutWhy('rpool/data/vm-100-disk-0', ''),
    },
    {
      name: 'a snapshot cut the same way',
      last: zl('rpool/data/vm-100-disk-0@s1', 'snapshot', '1024', '-', '-', ''),
      error: cutWhy('rpool/data/vm-100-disk-0@s1', ''),
    },
    {
      name: 'a mountpoint set by hand cannot be told from a cut one',
      last: zl(SUB, 'filesystem', '-', '8589934592', '-', '/srv/ct200'),
      error: cutWhy(SUB, '/srv/ct200'),
    },
    {
      name: 'a type zfs list was not asked for cannot be judged',
      last: zl('rpool/data/x#b', 'bookmark', '-', '-', '-', '-'),
      error: cutWhy('rpool/data/x#b', '-'),
    },
    { name: 'a whole zvol line', last: zl('rpool/data/vm-100-disk-0', 'volume', '1024'), error: null },
    { name: 'a whole snapshot line', last: zl('rpool/data/vm-100-disk-0@s1', 'snapshot', '1024'), error: null },
    {
      name: 'a whole subvol at its inherited mountpoint',
      last: zl(SUB, 'filesystem', '-', '8589934592', '-', `/${SUB}`),
      error: null,
    },
    { name: 'a legacy mountpoint', last: zl(SUB, 'filesystem', '-', '8589934592', '-', 'legacy'), error: null },
    { name: 'mountpoint none', last: zl(SUB, 'filesystem', '-', '8589934592', '-', 'none'), error: null },
  ];
  for (const r of rows) {
    const got = parseZfsListing(unterminated(r.last));
    assert.equal(got instanceof Error ? got.message : null, r.error, r.name);
    // The same line with its newline is whole whatever it shows.
    assert.ok(!(parseZfsListing(zfsRaw([POOL_LINE, r.last])) instanceof Error), r.name);
  }
  // The storage is UNKNOWN with that read named, never an empty pool.
  const cut = unterminated(rows[0].last);
  assert.deepEqual(listZfs(ZFS, cut), { volumes: [], error: rows[0].error });
});

test("zfs: the inherited mountpoint of the last line is its listed parent's (set anywhere, none, legacy) or the pool default", () => {
  const parent = (mp: string) => `rpool/data\tfilesystem\t-\t1\t1\t0\t-\t${mp}`;
  const child = (mp: string) => zl('rpool/data/subvol-200-disk-0', 'filesystem', '-', '0', '-', mp);
  const whole = (lines: string[]) =>
    !(parseZfsListing({ zfs: ran(lines.join('\n')), rbd: {}, files: {} }) instanceof Error);
  assert.ok(whole([parent('/tank'), child('/tank/subvol-200-disk-0')]));
  assert.ok(whole([parent('/tank/'), child('/tank/subvol-200-disk-0')]));
  assert.ok(whole([parent('none'), child('none')]));
  assert.ok(whole([parent('legacy'), child('legacy')]));
  assert.ok(!whole([parent('none'), child('/rpool/data/subvol-200-disk-0')]));
  assert.ok(!whole([parent('/tank'), child('/rpool/data/subvol-200-disk-0')]));
  assert.ok(!whole([parent('/tank'), child('/tank/subvol-200-disk')]));
  // The pool's own line alone: its default mountpoint is /<name>.
  assert.ok(whole([parent('/rpool/data')]));
  assert.ok(!whole([parent('/rpool/dat')]));
  assert.ok(whole(['rpool\tfilesystem\t-\t1\t1\t0\t-\t/rpool']));
  assert.ok(!whole(['rpool\tfilesystem\t-\t1\t1\t0\t-\t/rpoo']));
  // An empty output is no line at all (the missing pool line says the rest).
  assert.ok(whole(['']));
});

test('files: a storage not read or not readable says why', () => {
  assert.deepEqual(listStorageVolumes(DIR, { rbd: {}, files: {} }, []), {
    error: 'the storage was not read',
    volumes: [],
  });
  assert.deepEqual(listStorageVolumes(DIR, { rbd: {}, files: { local: { ok: false, volumes: [] } } }, []), {
    error: 'the storage could not be read',
    volumes: [],
  });
  assert.deepEqual(
    listStorageVolumes(
      DIR,
      { rbd: {}, files: { local: { ok: false, error: '/var/lib/vz is not mounted', volumes: [] } } },
      [],
    ),
    { error: '/var/lib/vz is not mounted', volumes: [] },
  );
});

test('files: images by parse_name_dir, their qcow2 bases, volume-chain snapshot files, what is no volume', () => {
  const at = (rel: string) => [`/var/lib/vz/images/${rel}`, `/srv/vz/images/${rel}`];
  const vol = (name: string, format: string | null, more: Partial<ListedVolume> = {}): ListedVolume =>
    fileVol(name, format, at(name), more);
  const none = (name: string, note = NOT_LISTED): ListedVolume =>
    vol(name, null, { vmid: null, note, devices: at(name) });
  const rows: { name: string; files: FileVolume[]; want: ListedVolume[] }[] = [
    {
      name: 'raw, qcow2, vmdk and a subvol directory',
      files: [
        f('100/vm-100-disk-0.raw'),
        f('100/vm-100-disk-1.qcow2'),
        f('100/vm-100-disk-2.vmdk'),
        f('200/subvol-200-disk-0.subvol', { isDir: true }),
      ],
      want: [
        vol('100/vm-100-disk-0.raw', 'raw'),
        vol('100/vm-100-disk-1.qcow2', 'qcow2'),
        vol('100/vm-100-disk-2.vmdk', 'vmdk'),
        vol('200/subvol-200-disk-0.subvol', 'subvol'),
      ],
    },
    {
      name: 'a name that only starts like an image, and a file that is none',
      files: [f('100/vm-100-disk-0.raw.bak'), f('100/notes.txt')],
      want: [none('100/vm-100-disk-0.raw.bak'), none('100/notes.txt')],
    },
    {
      name: 'qcow2 backing files: ../<vmid>/<image> is the base it depends on (clone_image writes it so)',
      files: [
        f('101/vm-101-disk-0.qcow2', { backing: '../900/base-900-disk-0.qcow2' }),
        f('104/vm-104-disk-0.qcow2', { backing: '../100/vm-100-disk-0.raw' }),
        f('102/vm-102-disk-0.qcow2', { backing: '/mnt/other/../900/base-900-disk-0.qcow2' }),
        f('103/vm-103-disk-0.qcow2', { backing: '../900/base-900-disk-0.qcow2.old' }),
      ],
      want: [
        vol('101/vm-101-disk-0.qcow2', 'qcow2', {
          volname: '900/base-900-disk-0.qcow2/101/vm-101-disk-0.qcow2',
          baseOf: '900/base-900-disk-0.qcow2',
        }),
        vol('104/vm-104-disk-0.qcow2', 'qcow2', {
          volname: '100/vm-100-disk-0.raw/104/vm-104-disk-0.qcow2',
          baseOf: '100/vm-100-disk-0.raw',
        }),
        vol('102/vm-102-disk-0.qcow2', 'qcow2'),
        vol('103/vm-103-disk-0.qcow2', 'qcow2'),
      ],
    },
    {
      name: 'volume-chain snapshot files of a linked clone: snapshots of the volume, the base stays the volume one',
      files: [
        f('105/vm-105-disk-0.qcow2', { backing: 'snap-s2-vm-105-disk-0.qcow2' }),
        f('105/snap-s1-vm-105-disk-0.qcow2', { backing: '../900/base-900-disk-0.qcow2' }),
        f('105/snap-s2-vm-105-disk-0.qcow2', { backing: 'snap-s1-vm-105-disk-0.qcow2' }),
      ],
      want: [
        vol('105/vm-105-disk-0.qcow2', 'qcow2'),
        vol('105/vm-105-disk-0.qcow2', 'qcow2', { snapshot: 's1', devices: at('105/snap-s1-vm-105-disk-0.qcow2') }),
        vol('105/vm-105-disk-0.qcow2', 'qcow2', { snapshot: 's2', devices: at('105/snap-s2-vm-105-disk-0.qcow2') }),
      ],
    },
    {
      name: 'chain files that belong to no volume: its volume gone, a name after .qcow2, an empty snapshot name',
      files: [
        f('106/snap-s1-vm-106-disk-0.qcow2'),
        f('107/vm-107-disk-0.qcow2'),
        f('107/snap-s1-vm-107-disk-0.qcow2.part'),
        f('108/vm-108-disk-0.qcow2'),
        f('108/snap--vm-108-disk-0.qcow2'),
      ],
      want: [
        none('106/snap-s1-vm-106-disk-0.qcow2', CHAIN_ALONE),
        vol('107/vm-107-disk-0.qcow2', 'qcow2'),
        none('107/snap-s1-vm-107-disk-0.qcow2.part'),
        vol('108/vm-108-disk-0.qcow2', 'qcow2'),
        none('108/snap--vm-108-disk-0.qcow2', CHAIN_ALONE),
      ],
    },
    {
      name: "reclaim's quarantine directory: by the quarantine grammar with a <vmid>.<file> original",
      files: [
        f(`pve-health-quarantine/${Q}.109.vm-109-disk-0.qcow2`),
        f(`pve-health-quarantine/${Q}.111.notes`),
        // not of the grammar's original: no quarantined volume, no volume at all
        f(`pve-health-quarantine/${Q}.vm-110-disk-0.raw`),
        // the grammar outside the quarantine directory (21 digits reach the prefix's length): no quarantine
        f(`100000000000000000000/${Q}.112.vm-112-disk-0.raw`),
      ],
      want: [
        vol('109/vm-109-disk-0.qcow2', 'qcow2', {
          own: `pve-health-quarantine/${Q}.109.vm-109-disk-0.qcow2`,
          devices: at(`pve-health-quarantine/${Q}.109.vm-109-disk-0.qcow2`),
          quarantine: {
            since: SINCE,
            original: '109/vm-109-disk-0.qcow2',
            name: `/var/lib/vz/images/pve-health-quarantine/${Q}.109.vm-109-disk-0.qcow2`,
            onStorage: `/var/lib/vz/images/pve-health-quarantine/${Q}.109.vm-109-disk-0.qcow2`,
            location: { path: '/var/lib/vz' },
          },
        }),
        vol('111/notes', null, {
          own: `pve-health-quarantine/${Q}.111.notes`,
          devices: at(`pve-health-quarantine/${Q}.111.notes`),
          quarantine: {
            since: SINCE,
            original: '111/notes',
            name: `/var/lib/vz/images/pve-health-quarantine/${Q}.111.notes`,
            onStorage: `/var/lib/vz/images/pve-health-quarantine/${Q}.111.notes`,
            location: { path: '/var/lib/vz' },
          },
        }),
        none(`pve-health-quarantine/${Q}.vm-110-disk-0.raw`),
        vol(`100000000000000000000/${Q}.112.vm-112-disk-0.raw`, 'raw'),
      ],
    },
  ];
  for (const r of rows) {
    assert.deepEqual(listStorageVolumes(DIR, fileRaw('local', r.files, '/srv/vz'), []), { volumes: r.want }, r.name);
  }
  // Without a resolved path, each volume is seen by its configured path alone
  assert.deepEqual(listStorageVolumes(DIR, fileRaw('local', [f('100/vm-100-disk-0.raw')]), []).volumes[0].devices, [
    '/var/lib/vz/images/100/vm-100-disk-0.raw',
  ]);
});

test('btrfs: a raw disk is <name>/disk.raw, a snapshot <name>@<snap>; no volume-chain files', () => {
  const B = '/mnt/btrfs/images';
  const QB = `pve-health-quarantine/${Q}.153.vm-153-disk-0`;
  const files = [
    f('150/vm-150-disk-0.raw', { rawDir: true }),
    f('150/vm-150-disk-0.raw', { rawDir: true, snapshot: 'before' }),
    f('151/subvol-151-disk-0.subvol', { isDir: true }),
    f('151/subvol-151-disk-0.subvol', { isDir: true, snapshot: 's1' }),
    // a btrfs storage's snapshots are subvolumes (BTRFSPlugin volume_snapshot), never chain files
    f('152/vm-152-disk-0.qcow2'),
    f('152/snap-s1-vm-152-disk-0.qcow2'),
    // reclaim's quarantine: the raw disk's subvolume by its disk.raw; a snapshot of it is no quarantined volume
    f(`${QB}.raw`, { rawDir: true }),
    f(`${QB}.raw`, { rawDir: true, snapshot: 'before' }),
    f(`pve-health-quarantine/${Q}.154.subvol-154-disk-0.subvol`, { isDir: true }),
  ];
  const v = (name: string, format: string | null, devices: string, more: Partial<ListedVolume> = {}): ListedVolume =>
    fileVol(name, format, [`${B}/${devices}`], more);
  assert.deepEqual(listStorageVolumes(BTRFS, fileRaw('local-btrfs', files), []), {
    volumes: [
      v('150/vm-150-disk-0.raw', 'raw', '150/vm-150-disk-0/disk.raw'),
      v('150/vm-150-disk-0.raw', 'raw', '150/vm-150-disk-0@before/disk.raw', { snapshot: 'before' }),
      v('151/subvol-151-disk-0.subvol', 'subvol', '151/subvol-151-disk-0.subvol'),
      v('151/subvol-151-disk-0.subvol', 'subvol', '151/subvol-151-disk-0.subvol@s1', { snapshot: 's1' }),
      v('152/vm-152-disk-0.qcow2', 'qcow2', '152/vm-152-disk-0.qcow2'),
      v('152/snap-s1-vm-152-disk-0.qcow2', null, '152/snap-s1-vm-152-disk-0.qcow2', { vmid: null, note: CHAIN_ALONE }),
      v('153/vm-153-disk-0.raw', 'raw', `${QB}/disk.raw`, {
        own: `${QB}.raw`,
        quarantine: {
          since: SINCE,
          original: '153/vm-153-disk-0.raw',
          name: `${B}/${QB}`,
          onStorage: `${B}/${QB}`,
          location: { path: '/mnt/btrfs' },
        },
      }),
      v(`${QB}.raw`, null, `${QB}@before/disk.raw`, { vmid: null, snapshot: 'before', note: NOT_LISTED }),
      v('154/subvol-154-disk-0.subvol', 'subvol', `pve-health-quarantine/${Q}.154.subvol-154-disk-0.subvol`, {
        own: `pve-health-quarantine/${Q}.154.subvol-154-disk-0.subvol`,
        quarantine: {
          since: SINCE,
          original: '154/subvol-154-disk-0.subvol',
          name: `${B}/pve-health-quarantine/${Q}.154.subvol-154-disk-0.subvol`,
          onStorage: `${B}/pve-health-quarantine/${Q}.154.subvol-154-disk-0.subvol`,
          location: { path: '/mnt/btrfs' },
        },
      }),
    ],
  });
});

// The identity a rename keeps (reclaim records it, the purge compares it: core/reclaim/quarantine-proof.ts).
test('identity: a ZFS dataset, snapshot and quarantined dataset by guid; a file by dev:ino; none where not listed', () => {
  const G = (n: number) => `92645192834174823${n}`;
  const z = listZfs(
    ZFS,
    zfsRaw([
      `rpool/data\tfilesystem\t-\t1\t1\t-\t-\t/rpool/data\t${G(10)}`,
      `rpool/data/vm-100-disk-0\tvolume\t1024\t1\t1\t-\t-\t-\t${G(11)}`,
      `rpool/data/vm-100-disk-0@__migration__\tsnapshot\t1024\t1\t1\t-\t-\t-\t${G(12)}`,
      `rpool/data/pve-health-quarantine\tfilesystem\t-\t1\t1\t-\t-\tnone\t${G(13)}`,
      `rpool/data/pve-health-quarantine/pve-health-q.20261101T000000Z.vm-101-disk-0\tvolume\t1024\t1\t1\t-\t-\t-\t${G(14)}`,
      'rpool/data/vm-102-disk-0\tvolume\t1024\t1\t1\t-\t-\t-',
    ]),
  );
  assert.deepEqual(
    z.volumes.map((v) => [v.volname, v.snapshot ?? '', v.identity]),
    [
      ['vm-100-disk-0', '', G(11)],
      ['vm-100-disk-0', '__migration__', G(12)],
      ['vm-101-disk-0', '', G(14)],
      ['vm-102-disk-0', '', undefined],
    ],
  );
  const f = listStorageVolumes(
    DIR,
    fileRaw('local', [
      { name: '100/vm-100-disk-0.raw', sizeBytes: 1, usedBytes: 1, id: '2049:131' },
      {
        name: 'pve-health-quarantine/pve-health-q.20261101T000000Z.101.vm-101-disk-0.raw',
        sizeBytes: 1,
        usedBytes: 1,
        id: '2049:132',
      },
      { name: '102/vm-102-disk-0.raw', sizeBytes: 1, usedBytes: 1 },
    ]),
    [],
  );
  assert.deepEqual(
    f.volumes.map((v) => [v.volname, v.identity]),
    [
      ['100/vm-100-disk-0.raw', '2049:131'],
      ['101/vm-101-disk-0.raw', '2049:132'],
      ['102/vm-102-disk-0.raw', undefined],
    ],
  );
  // A btrfs raw disk, live and quarantined (its subvolume renamed): its disk.raw's identity (the child reads it).
  const BT = { id: 'bt', type: 'btrfs', shared: false, props: { path: '/mnt/bt' } } as never;
  const b = listStorageVolumes(
    BT,
    fileRaw('bt', [
      { name: '100/vm-100-disk-0.raw', sizeBytes: 1, usedBytes: 1, rawDir: true, id: '40:257' },
      {
        name: 'pve-health-quarantine/pve-health-q.20261101T000000Z.101.vm-101-disk-0.raw',
        sizeBytes: 1,
        usedBytes: 1,
        rawDir: true,
        id: '41:257',
      },
      {
        name: 'pve-health-quarantine/pve-health-q.20261101T000000Z.102.vm-102-disk-0.raw',
        sizeBytes: 1,
        usedBytes: 1,
        rawDir: true,
      },
    ]),
    [],
  );
  assert.deepEqual(
    b.volumes.map((v) => [v.volname, v.identity, v.quarantine?.name]),
    [
      ['100/vm-100-disk-0.raw', '40:257', undefined],
      [
        '101/vm-101-disk-0.raw',
        '41:257',
        '/mnt/bt/images/pve-health-quarantine/pve-health-q.20261101T000000Z.101.vm-101-disk-0',
      ],
      [
        '102/vm-102-disk-0.raw',
        undefined,
        '/mnt/bt/images/pve-health-quarantine/pve-health-q.20261101T000000Z.102.vm-102-disk-0',
      ],
    ],
  );
});

test('identity: an RBD image by its id (rows without one: none), a trash entry by its id', () => {
  const [RBD] = parseStorageConfig('rbd: ceph-vm\n\tpool vm-pool\n\tcontent images\n');
  const raw: VolumesRaw = {
    rbd: {
      'ceph-vm': ran(
        JSON.stringify([
          { image: 'vm-100-disk-0', id: '10a2b3c4d5e6', size: 1024, format: 2 },
          { image: 'vm-101-disk-0', size: 1024, format: 2 },
        ]),
      ),
    },
    rbdTrash: {
      'ceph-vm': ran(
        JSON.stringify([
          {
            id: '112c40186d30',
            name: 'pve-health-q.20261101T000000Z.vm-102-disk-0',
            source: 'USER',
            deleted_at: 'Sun Nov  1 00:00:00 2026',
            status: 'expired at Sun Nov  8 00:00:00 2026',
          },
        ]),
      ),
    },
    files: {},
  };
  const got = listStorageVolumes(RBD, raw, []);
  assert.deepEqual(
    got.volumes.map((v) => [v.volname, v.identity]),
    [
      ['vm-100-disk-0', '10a2b3c4d5e6'],
      ['vm-101-disk-0', undefined],
      ['vm-102-disk-0', '112c40186d30'],
    ],
    JSON.stringify(got),
  );
});
