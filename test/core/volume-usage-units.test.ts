// The pieces of core/volumes/volume-usage.ts one by one (the index, its lookups and the flags it sets),
// each with the exact words and the neighbour it must leave alone: the rows of volume-usage.test.ts go
// through the whole classifier, these pin what each line decides.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VolumeEntry } from '../../src/core/vocab/volume-types';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import type { Flags, PathUsage } from '../../src/core/volumes/volume-context';
import { describeUse, pathUsage, pathUses, usesOf } from '../../src/core/volumes/volume-usage';
import { volumeInput } from '../helpers/volume-node';

const DIR = { id: 'local', type: 'dir', shared: false, props: { path: '/var/lib/vz' } } as never;
const ZFS = { id: 'local-zfs', type: 'zfspool', shared: false, props: { pool: 'rpool/data' } } as never;

function raw(files: { name: string; backing?: string | null; snapshot?: string; id?: string }[], more: object = {}) {
  return {
    zfs: { argv: [], code: 0, stdout: '', stderr: '' },
    rbd: {},
    files: { local: { ok: true, volumes: files.map((f) => ({ sizeBytes: 1, usedBytes: 1, ...f })) } },
    ...more,
  } as never;
}

test('pathUsage: loops and backing files, absolute and relative to the overlay; zvol and krbd links as their kernel devices', () => {
  const u = pathUsage(
    [DIR, ZFS],
    raw(
      [
        { name: '101/a.qcow2', backing: '/var/lib/vz/images/102//./b.raw' },
        { name: '101/c.qcow2', backing: '/dev/zvol/rpool/data/vm-150-disk-0' },
        { name: '101/d.qcow2', backing: '/dev/rbd/vm-pool/vm-151-disk-0' },
        { name: '101/e.qcow2', backing: '../102/base.raw' },
        { name: '101/f.qcow2', backing: '/dev/zvol/rpool/data/unmapped' },
        { name: '101/g.qcow2', backing: '/var/lib/vz/images/102//./b.raw' },
      ],
      {
        zvolDevices: { 'rpool/data/vm-150-disk-0': 'zd64' },
        rbdDevices: { 'vm-pool/vm-151-disk-0': 'rbd0' },
        loops: { backing: { loop0: '/var/lib/vz/images/103/x.raw', loop1: '/var/lib/vz/images/103/x.raw' } },
      },
    ),
  );
  assert.deepEqual(Object.fromEntries(u.byPath), {
    '/var/lib/vz/images/103/x.raw': [
      { kind: 'loop', device: '/dev/loop0' },
      { kind: 'loop', device: '/dev/loop1' },
    ],
    '/var/lib/vz/images/102/b.raw': [
      { kind: 'backing', overlay: 'local:101/a.qcow2' },
      { kind: 'backing', overlay: 'local:101/g.qcow2' },
    ],
    '/dev/zd64': [{ kind: 'backing', overlay: 'local:101/c.qcow2' }],
    '/dev/rbd0': [{ kind: 'backing', overlay: 'local:101/d.qcow2' }],
    // The image by its name too (rbd-backing.ts): mapped or not, the same key.
    'rbd:vm-pool/vm-151-disk-0': [{ kind: 'backing', overlay: 'local:101/d.qcow2' }],
    // PVE's linked clone form, against the overlay's directory (volume-storages.ts reads it as baseOf too).
    '/var/lib/vz/images/102/base.raw': [{ kind: 'backing', overlay: 'local:101/e.qcow2' }],
    '/dev/zvol/rpool/data/unmapped': [{ kind: 'backing', overlay: 'local:101/f.qcow2' }],
  });
  assert.equal(u.gap, null);
  // A link name that only contains /dev/zvol/ or /dev/rbd/ further in is a file path, kept as written.
  const inner = pathUsage(
    [DIR],
    raw([{ name: '101/h.qcow2', backing: '/srv/dev/zvol/rpool/data/vm-150-disk-0' }], {
      zvolDevices: { 'rpool/data/vm-150-disk-0': 'zd64', 'srv/x': 'zd1' },
    }),
  );
  assert.deepEqual([...inner.byPath.keys()], ['/srv/dev/zvol/rpool/data/vm-150-disk-0']);
  const innerRbd = pathUsage(
    [DIR],
    raw([{ name: '101/h.qcow2', backing: '/srv/dev/rbd/vm-pool/vm-151-disk-0' }], {
      rbdDevices: { 'vm-pool/vm-151-disk-0': 'rbd0' },
    }),
  );
  assert.deepEqual([...innerRbd.byPath.keys()], ['/srv/dev/rbd/vm-pool/vm-151-disk-0']);
  // No map tables at all (no zvol, no krbd on the node): the links are their own names.
  assert.deepEqual(
    [
      ...pathUsage(
        [DIR],
        raw([
          { name: '101/i.qcow2', backing: '/dev/rbd/vm-pool/img' },
          { name: '101/j.qcow2', backing: '/dev/zvol/rpool/data/vm-150-disk-0' },
        ]),
      ).byPath.keys(),
    ],
    ['rbd:vm-pool/img', '/dev/rbd/vm-pool/img', '/dev/zvol/rpool/data/vm-150-disk-0'],
  );
  // A header's name with a line break after a link's name is no such link (the name is the whole text).
  const broken = pathUsage(
    [DIR],
    raw(
      [
        { name: '101/k.qcow2', backing: '/dev/zvol/rpool/data/vm-150-disk-0\nx' },
        { name: '101/l.qcow2', backing: '/dev/rbd/vm-pool/vm-151-disk-0\nx' },
      ],
      { zvolDevices: { 'rpool/data/vm-150-disk-0': 'zd64' }, rbdDevices: { 'vm-pool/vm-151-disk-0': 'rbd0' } },
    ),
  );
  assert.deepEqual(
    [...broken.byPath.keys()],
    ['/dev/zvol/rpool/data/vm-150-disk-0\nx', 'rbd:vm-pool/vm-151-disk-0\nx', '/dev/rbd/vm-pool/vm-151-disk-0\nx'],
  );
  // A storage not read whole adds nothing; a missing loop table is no gap, a failed one is.
  const unread = { ...(raw([]) as object), files: { local: { ok: false, volumes: [{ name: 'x', backing: '/a' }] } } };
  assert.equal(pathUsage([DIR], unread as never).byPath.size, 0);
  assert.equal(pathUsage([DIR], raw([], { loops: { backing: {}, error: 'EIO' } })).gap, 'the loop devices EIO');
});

test('pathUsage: a backing file as the node resolves it (a directory link, a device link, its identity), once', () => {
  const BTRFS = { id: 'bt', type: 'btrfs', shared: false, props: { path: '/mnt/bt' } } as never;
  const r = {
    ...(raw(
      [
        { name: '101/a.qcow2', backing: '/srv/link/images/102/b.raw' },
        { name: '101/c.qcow2', backing: '/srv/hard.raw' },
        { name: '101/d.qcow2', backing: '/dev/disk/by-label/x' },
        { name: '101/e.qcow2', backing: '/srv/bt.raw' },
        { name: '101/g.qcow2', backing: '/srv/bt-plain.raw' },
        { name: '101/f.qcow2', backing: '/var/lib/vz/images/102/b.raw' },
        { name: '102/b.raw', id: '9:1' },
        { name: '102/snap.raw', id: '9:3', snapshot: 's' },
      ],
      {
        zvolDevices: { 'rpool/data/vm-150-disk-0': 'zd64' },
        backingPaths: {
          '/srv/link/images/102/b.raw': { path: '/var/lib/vz/images/102/b.raw', file: '9:1' },
          '/srv/hard.raw': { path: '/srv/hard.raw', file: '9:1' },
          '/dev/disk/by-label/x': { path: '/dev/zd64' },
          '/srv/bt.raw': { path: '/srv/bt.raw', file: '7:257' },
          '/srv/bt-plain.raw': { path: '/srv/bt-plain.raw', file: '7:300' },
          // Resolved where it already points: one use, not two.
          '/var/lib/vz/images/102/b.raw': { path: '/var/lib/vz/images/102/b.raw', file: '9:1' },
        },
      },
    ) as object),
  };
  (r as { files: object }).files = {
    ...(r as { files: object }).files,
    bt: {
      ok: true,
      volumes: [
        { name: '112/vm-112-disk-0.raw', rawDir: true, id: '7:257', sizeBytes: 1, usedBytes: 1 },
        // A plain file named .raw on a btrfs storage is that file, no subvolume.
        { name: '113/vm-113-disk-0.raw', id: '7:300', sizeBytes: 1, usedBytes: 1 },
      ],
    },
  };
  const u = pathUsage([DIR, BTRFS], r as never);
  assert.deepEqual(Object.fromEntries(u.byPath), {
    '/srv/link/images/102/b.raw': [{ kind: 'backing', overlay: 'local:101/a.qcow2' }],
    '/var/lib/vz/images/102/b.raw': [
      { kind: 'backing', overlay: 'local:101/a.qcow2' },
      { kind: 'backing', overlay: 'local:101/c.qcow2' },
      { kind: 'backing', overlay: 'local:101/f.qcow2' },
    ],
    '/srv/hard.raw': [{ kind: 'backing', overlay: 'local:101/c.qcow2' }],
    '/dev/disk/by-label/x': [{ kind: 'backing', overlay: 'local:101/d.qcow2' }],
    '/dev/zd64': [{ kind: 'backing', overlay: 'local:101/d.qcow2' }],
    '/srv/bt.raw': [{ kind: 'backing', overlay: 'local:101/e.qcow2' }],
    '/mnt/bt/images/112/vm-112-disk-0/disk.raw': [{ kind: 'backing', overlay: 'local:101/e.qcow2' }],
    '/srv/bt-plain.raw': [{ kind: 'backing', overlay: 'local:101/g.qcow2' }],
    '/mnt/bt/images/113/vm-113-disk-0.raw': [{ kind: 'backing', overlay: 'local:101/g.qcow2' }],
  });
  // A snapshot's identity names no volume path; a lookup that found nothing adds only the text.
  const none = pathUsage(
    [DIR],
    raw(
      [
        { name: '101/a.qcow2', backing: '/srv/x.raw' },
        { name: '102/s.raw', id: '9:3', snapshot: 's' },
      ],
      {
        backingPaths: { '/srv/x.raw': { path: '/srv/x.raw', file: '9:3' }, '/srv/y.raw': null },
      },
    ),
  );
  assert.deepEqual([...none.byPath.keys()], ['/srv/x.raw']);
});

test('usesOf: each use once over all of a volume’s paths; none without an index', () => {
  const use = { kind: 'loop', device: '/dev/loop0' } as const;
  const u: PathUsage = {
    byPath: new Map([
      ['/a', [use]],
      ['/b', [use]],
    ]),
    gap: null,
  };
  assert.deepEqual(usesOf(u, ['/a', '/b', '/c']), [use]);
  assert.deepEqual(usesOf(undefined, ['/a']), []);
  assert.equal(describeUse(use), 'loop:/dev/loop0');
  assert.equal(describeUse({ kind: 'backing', overlay: 'local:101/a.qcow2' }), 'backing-of:local:101/a.qcow2');
});

function entry(status: string, type = 'dir'): VolumeEntry {
  return { status, reason: 'guest-missing', type, detail: 'x', open: false } as never;
}
const flags = (): Flags => ({ pendingBy: new Set(), protectedBy: new Set() });

test('pathUses: the words, the flags, and the loop gap only on a file orphan', () => {
  const u: PathUsage = {
    byPath: new Map([
      [
        '/f',
        [
          { kind: 'loop', device: '/dev/loop0' },
          { kind: 'loop', device: '/dev/loop1' },
          { kind: 'backing', overlay: 'local:1/a.qcow2' },
          { kind: 'backing', overlay: 'local:1/b.qcow2' },
        ],
      ],
    ]),
    gap: null,
  };
  const e = entry('orphan');
  const f = flags();
  pathUses(e, ['/f'], u, f);
  assert.equal(
    e.detail,
    'x; bound to loop device /dev/loop0, /dev/loop1 (losetup: the file is open through it); the backing file of local:1/a.qcow2, local:1/b.qcow2 (its qcow2 header names it)',
  );
  assert.deepEqual([...f.protectedBy], ['loop-device', 'has-clones']);
  assert.equal(e.open, true);
  // The loops could not be read: a file orphan is unknown with the read named; a valid file, a zvol, and a
  // file a loop is known to hold are not.
  const gap: PathUsage = { byPath: new Map(), gap: 'the loop devices EIO' };
  const o = entry('orphan');
  pathUses(o, ['/g'], gap, flags());
  assert.deepEqual(
    [o.status, o.reason, o.detail],
    ['unknown', 'loops-unread', 'x; whether a loop device is bound to it could not be read: the loop devices EIO'],
  );
  const v = entry('valid');
  pathUses(v, ['/g'], gap, flags());
  assert.equal(v.status, 'valid');
  const z = entry('orphan', 'zfspool');
  pathUses(z, ['/g'], gap, flags());
  assert.equal(z.status, 'orphan');
  const held = entry('orphan');
  pathUses(held, ['/f'], { ...u, gap: 'the loop devices EIO' }, flags());
  assert.equal(held.status, 'orphan');
  const none = entry('orphan');
  pathUses(none, ['/g'], undefined, flags());
  assert.deepEqual([none.status, none.detail], ['orphan', 'x']);
});

test('a quarantined zvol: the loop devices unread hold only file volumes (a loop is bound to a file)', () => {
  const input = volumeInput({
    zfs: [
      'rpool/data/pve-health-quarantine/pve-health-q.20261120T101010Z.vm-150-disk-0\tvolume\t8589934592\t57344\t57344\t-\t-\t-',
    ],
    local: [{ name: 'pve-health-quarantine/pve-health-q.20261120T101010Z.102.vm-102-disk-0.raw' }],
  });
  input.raw.loops = { backing: {}, error: 'could not be read: EIO' };
  const es = classifyVolumes(input).entries;
  const zv = es.find((e) => e.volid === 'local-zfs:vm-150-disk-0');
  const file = es.find((e) => e.volid === 'local:102/vm-102-disk-0.raw');
  assert.equal(zv?.reason, 'quarantined', JSON.stringify(es.map((e) => e.volid)));
  assert.equal(zv?.quarantine?.heldBy, undefined);
  assert.deepEqual(file?.quarantine?.heldBy, ['loops-unread: the loop devices could not be read: EIO']);
});
