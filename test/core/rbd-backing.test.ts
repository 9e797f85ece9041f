// A qcow2 overlay whose backing file names an RBD image holds that image, mapped on this node or not
// (core/volumes/rbd-backing.ts, read by the one usage index volume-usage.ts): ceph's udev link
// /dev/rbd/<pool>/<image>, pve-storage's /dev/rbd-pve/<fsid>/<pool>/<image> (RBDPlugin.pm `path` with
// krbd), a partition's `-partN` link, and qemu's rbd:<pool>/<image>[@snap][:opts] (RBDPlugin.pm `path`
// without krbd). Neighbours that stay orphans: another pool, another image, another namespace, a plain
// file's backing; a mapped /dev/rbdN backing file keeps working. Once quarantined (renamed, or in the
// trash), the overlay naming the original name holds the image from the purge.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRbdBacking, rbdUseKey } from '../../src/core/volumes/rbd-backing';
import { classify, entry, type Node, STORAGE_CFG } from '../helpers/volume-node';

const FSID = '0a1b2c3d-aaaa-bbbb-cccc-0123456789ab';
const IMG = 'ceph-vm:vm-200-disk-0';
const OPTS = ':conf=/etc/pve/ceph.conf:id=admin:keyring=/etc/pve/priv/ceph/ceph-vm.keyring';

describe('parseRbdBacking: the RBD image a backing file names', () => {
  const rows: [string, string[]][] = [
    ['/dev/rbd/vm-pool/vm-200-disk-0', ['rbd:vm-pool/vm-200-disk-0']],
    ['/dev/rbd//vm-pool/./vm-200-disk-0', ['rbd:vm-pool/vm-200-disk-0']],
    ['/dev/rbd/vm-pool/ns1/vm-200-disk-0', ['rbd:vm-pool/ns1/vm-200-disk-0']],
    [`/dev/rbd-pve/${FSID}/vm-pool/vm-200-disk-0`, ['rbd:vm-pool/vm-200-disk-0']],
    [
      `/dev/rbd-pve/${FSID}/vm-pool/vm-200-disk-0@snap1`,
      ['rbd:vm-pool/vm-200-disk-0', 'rbd:vm-pool/vm-200-disk-0@snap1'],
    ],
    // A partition's link, or an image named so: both held; a name that only has `-part` inside is itself.
    ['/dev/rbd/vm-pool/vm-200-disk-0-part1', ['rbd:vm-pool/vm-200-disk-0-part1', 'rbd:vm-pool/vm-200-disk-0']],
    ['/dev/rbd/vm-pool/vm-200-disk-0-part12', ['rbd:vm-pool/vm-200-disk-0-part12', 'rbd:vm-pool/vm-200-disk-0']],
    ['/dev/rbd/vm-pool/vm-200-disk-0-part1x', ['rbd:vm-pool/vm-200-disk-0-part1x']],
    // A line break ends no name (the partition rule reads the whole name, from its start).
    ['/dev/rbd/vm-pool/x\nvm-200-disk-0-part1', ['rbd:vm-pool/x\nvm-200-disk-0-part1']],
    ['/dev/rbd/vm-pool/vm-200-disk-0@a@b', ['rbd:vm-pool/vm-200-disk-0', 'rbd:vm-pool/vm-200-disk-0@a@b']],
    ['rbd:vm-pool/vm-200-disk-0', ['rbd:vm-pool/vm-200-disk-0']],
    [`rbd:vm-pool/vm-200-disk-0${OPTS}`, ['rbd:vm-pool/vm-200-disk-0']],
    [`rbd:vm-pool/vm-200-disk-0@snap1${OPTS}`, ['rbd:vm-pool/vm-200-disk-0', 'rbd:vm-pool/vm-200-disk-0@snap1']],
    ['rbd:vm-pool/ns1/vm-200-disk-0:id=admin', ['rbd:vm-pool/ns1/vm-200-disk-0']],
    // qemu's escapes: a backslash takes the next character literally (no split there).
    ['rbd:vm\\/pool/vm-200\\:disk:id=admin', ['rbd:vm/pool/vm-200:disk']],
    ['rbd:vm-pool/vm-200\\@x@s\\:1:id=a', ['rbd:vm-pool/vm-200@x', 'rbd:vm-pool/vm-200@x@s:1']],
    // As qemu reads them: an empty pool, image or snapshot is what the text says (no listed image is named so).
    ['rbd:/vm-200-disk-0', ['rbd:/vm-200-disk-0']],
    ['rbd:vm-pool/@s:id=a', ['rbd:vm-pool/', 'rbd:vm-pool/@s']],
    ['rbd:vm-pool/vm-200-disk-0@:id=a', ['rbd:vm-pool/vm-200-disk-0']],
    ['rbd:vm-pool/vm-200-disk-0@s\\', ['rbd:vm-pool/vm-200-disk-0', 'rbd:vm-pool/vm-200-disk-0@s\\']],
    // As qemu reads it: an `@` in an option still ends the image name there.
    ['rbd:vm-pool/vm-200-disk-0:id=a@b', ['rbd:vm-pool/vm-200-disk-0:id=a', 'rbd:vm-pool/vm-200-disk-0:id=a@b']],
    // Names no RBD image: a file, a pool alone, a device that is no krbd link.
    ['/var/lib/vz/images/200/vm-200-disk-0.raw', []],
    ['rbd:vm-200-disk-0', []],
    ['/dev/rbd/vm-pool', []],
    ['/dev/rbd/a/b/c/d', []],
    ['/dev/rbd0', []],
    ['../200/vm-200-disk-0.raw', []],
  ];
  // Named by position: a test name with a backslash is not one TAP (and so Stryker's runner) keeps whole.
  for (const [i, [backing, keys]] of rows.entries())
    it(`row ${i}: ${backing.replace(/\\/g, '(bs)')}`, () =>
      assert.deepEqual([...parseRbdBacking(backing)].sort(), [...keys].sort()));
  it('the key of an image in a namespace, and of a snapshot', () => {
    assert.equal(rbdUseKey('p', 'ns', 'i', 's'), 'rbd:p/ns/i@s');
    assert.equal(rbdUseKey('p', undefined, 'i'), 'rbd:p/i');
  });
});

const img = (image: string, extra: Record<string, unknown> = {}) => ({
  image,
  id: `id-${image}`,
  size: 1,
  format: 2,
  ...extra,
});
const idle = { 'vm-200-disk-0': '{"watchers":[]}', 'vm-201-disk-0': '{"watchers":[]}' };

function node(backing: string | null, extra: Partial<Node> = {}): Node {
  return {
    rbd: JSON.stringify([img('vm-200-disk-0'), img('vm-200-disk-0', { snapshot: 'snap1' }), img('vm-201-disk-0')]),
    rbdStatus: idle,
    local: [
      { name: '200/vm-200-disk-0.raw' },
      ...(backing === null ? [] : [{ name: '101/vm-101-disk-9.qcow2', backing }]),
    ],
    ...extra,
  };
}

const held = { status: 'orphan', protectedBy: ['has-clones'] };
const free = { status: 'orphan', protectedBy: [] };

describe('an overlay whose backing file names an RBD image holds it', () => {
  type Want = typeof held;
  const rows: { name: string; n: Node; image?: Want; snapshot?: Want; file?: Want; other?: Want }[] = [
    { name: 'neighbour: nothing names it: an orphan', n: node(null), image: free, snapshot: free },
    { name: 'the udev link, not mapped here', n: node('/dev/rbd/vm-pool/vm-200-disk-0'), image: held, snapshot: free },
    {
      name: "PVE's rbd-pve link (a krbd storage's path)",
      n: node(`/dev/rbd-pve/${FSID}/vm-pool/vm-200-disk-0`),
      image: held,
    },
    { name: 'a partition of it', n: node(`/dev/rbd-pve/${FSID}/vm-pool/vm-200-disk-0-part1`), image: held },
    {
      name: "qemu's rbd: string with options",
      n: node(`rbd:vm-pool/vm-200-disk-0${OPTS}`),
      image: held,
      snapshot: free,
    },
    {
      name: 'a snapshot of it: the snapshot and its image',
      n: node('rbd:vm-pool/vm-200-disk-0@snap1'),
      image: held,
      snapshot: held,
    },
    {
      name: 'mapped: the device link the kernel resolves, and /dev/rbdN itself',
      n: node('/dev/rbd0', { rbdDevices: { 'vm-pool/vm-200-disk-0': 'rbd0' } }),
      image: { status: 'orphan', protectedBy: ['has-clones', 'krbd-mapped'] },
    },
    { name: 'neighbour: another pool', n: node('rbd:other-pool/vm-200-disk-0'), image: free },
    { name: 'neighbour: another image', n: node('/dev/rbd/vm-pool/vm-201-disk-0'), image: free, other: held },
    { name: 'neighbour: the same name in a namespace', n: node('rbd:vm-pool/ns1/vm-200-disk-0'), image: free },
    {
      name: "neighbour: a plain file's path: the file is the base, the image is not",
      n: node('/var/lib/vz/images/200/vm-200-disk-0.raw'),
      image: free,
      file: { status: 'orphan', protectedBy: ['has-clones'] },
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const es = classify(r.n);
      const pick = (e: ReturnType<typeof entry>) => ({ status: e.status, protectedBy: e.protectedBy });
      if (r.image) assert.deepEqual(pick(entry(es, IMG)), r.image, entry(es, IMG).detail);
      if (r.snapshot) assert.deepEqual(pick(entry(es, IMG, 'snap1')), r.snapshot);
      if (r.file) assert.deepEqual(pick(entry(es, 'local:200/vm-200-disk-0.raw')), r.file);
      // The other image is the base only where the overlay names it.
      assert.deepEqual(pick(entry(es, 'ceph-vm:vm-201-disk-0')), r.other ?? free);
    });

  it('in a namespace: the storage namespace is part of the name', () => {
    const cfg = `${STORAGE_CFG}\nrbd: ceph-vm\n\tpool vm-pool\n\tnamespace ns1\n\tcontent images\n`;
    const n = (b: string) => ({ ...node(b), files: { '/etc/pve/storage.cfg': cfg } });
    assert.deepEqual(entry(classify(n('rbd:vm-pool/ns1/vm-200-disk-0')), IMG).protectedBy, ['has-clones']);
    assert.deepEqual(entry(classify(n('/dev/rbd/vm-pool/ns1/vm-200-disk-0')), IMG).protectedBy, ['has-clones']);
    assert.deepEqual(entry(classify(n('rbd:vm-pool/vm-200-disk-0')), IMG).protectedBy, []);
  });

  it("an image someone moved to the trash (rbd trash mv): held by the overlay naming it; another image's: not", () => {
    const trash = JSON.stringify([
      {
        id: 't200',
        name: 'vm-200-disk-0',
        source: 'USER',
        deleted_at: 'Mon Nov 23 17:00:01 2026',
        status: 'expired at Mon Nov 23 17:00:01 2026',
      },
    ]);
    const n = (b: string) => ({ ...node(b), rbd: JSON.stringify([img('vm-201-disk-0')]), rbdTrash: trash });
    const inTrash = (b: string) => entry(classify(n(b)), IMG).protectedBy.includes('has-clones');
    assert.equal(inTrash('rbd:vm-pool/vm-200-disk-0'), true);
    assert.equal(inTrash('rbd:vm-pool/vm-201-disk-0'), false);
  });

  it('the detail names the overlay', () => {
    const e = entry(classify(node('rbd:vm-pool/vm-200-disk-0')), IMG);
    assert.match(e.detail, /the backing file of local:101\/vm-101-disk-9\.qcow2 \(its qcow2 header names it\)/);
  });
});

describe('a quarantined RBD image is held from the purge by an overlay naming its original name', () => {
  const Q = 'pve-health-q.20261120T101010Z.vm-200-disk-0';
  const trash = (name: string) =>
    JSON.stringify([
      {
        id: 'tq1',
        name,
        source: 'USER',
        deleted_at: 'Mon Nov 23 17:00:01 2026',
        status: 'protected until Mon Nov 30 17:00:01 2026',
      },
    ]);
  const cases: { name: string; n: (b: string) => Node; volid: string }[] = [
    {
      name: 'renamed (not yet in the trash)',
      n: (b) => ({ ...node(b), rbd: JSON.stringify([img(Q), img('vm-201-disk-0')]) }),
      volid: IMG,
    },
    {
      name: 'in the trash',
      n: (b) => ({ ...node(b), rbd: JSON.stringify([img('vm-201-disk-0')]), rbdTrash: trash(Q) }),
      volid: IMG,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: held`, () => {
      const e = entry(classify(c.n(`rbd:vm-pool/vm-200-disk-0${OPTS}`)), c.volid);
      assert.equal(`${e.status}/${e.reason}`, 'ignored/quarantined');
      assert.deepEqual(e.quarantine?.heldBy, ['backing-of:local:101/vm-101-disk-9.qcow2']);
    });
    it(`${c.name}, neighbour: an overlay on another image: not held`, () => {
      const e = entry(classify(c.n('rbd:vm-pool/vm-201-disk-0')), c.volid);
      assert.equal(`${e.status}/${e.reason}`, 'ignored/quarantined');
      assert.equal(e.quarantine?.heldBy, undefined);
    });
  }

  it('a quarantined snapshot: held by an overlay on its original name', () => {
    const n = (b: string) => ({
      ...node(b),
      rbd: JSON.stringify([
        img('vm-200-disk-0'),
        img('vm-200-disk-0', { snapshot: 'pve-health-q.20261120T101010Z.snap1' }),
      ]),
    });
    const snap = (b: string) =>
      classify(n(b)).find((e) => e.volid === IMG && e.snapshot !== undefined && e.reason === 'quarantined');
    assert.deepEqual(snap('rbd:vm-pool/vm-200-disk-0@snap1')?.quarantine?.heldBy, [
      'backing-of:local:101/vm-101-disk-9.qcow2',
    ]);
    assert.equal(snap('rbd:vm-pool/vm-200-disk-0@snap2')?.quarantine?.heldBy, undefined);
  });
});
