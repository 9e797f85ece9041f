// One Ceph RBD storage listed (volume-rbd.ts listRbd, watchVerdict): what `rbd ls -l`, `rbd trash ls` and
// `rbd status` say of each image, read as pve-storage RBDPlugin.pm rbd_ls reads the listing (a linked
// clone's parent is `<pool>/<base>@__base__`: its volname `<base>/<image>`) and ceph's rbd tools print it
// (List.cc, Trash.cc, Status.cc). Each rule beside its neighbour.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRbdStatus } from '../../src/core/parse/rbd-depth';
import { parseStorageConfig } from '../../src/core/parse/storage-config';
import type { CommandOutput } from '../../src/core/vocab/snapshot';
import type { VolumeEntry, VolumesRaw } from '../../src/core/vocab/volume-types';
import { listRbd, watchVerdict } from '../../src/core/volumes/volume-rbd';

const [ST] = parseStorageConfig('rbd: ceph-vm\n\tpool vm-pool\n\tcontent images\n');
const ok = (stdout: string): CommandOutput => ({ argv: [], code: 0, stdout, stderr: '' });
const failed = (stderr: string, code = 1): CommandOutput => ({ argv: ['rbd'], code, stdout: '', stderr });
const img = (image: string, extra: Record<string, unknown> = {}) => ({
  image,
  id: `id${image}`,
  size: 1024,
  format: 2,
  ...extra,
});
const trashEntry = (name: string, source: string, id = `t-${name}`) => ({
  id,
  name,
  source,
  deleted_at: 'Mon Nov 23 17:00:01 2026',
  status: 'expired at Mon Nov 23 17:00:01 2026',
});
const raw = (rows: unknown[], more: Partial<VolumesRaw> = {}): VolumesRaw =>
  ({
    rbd: { 'ceph-vm': ok(JSON.stringify(rows)) },
    rbdTrash: { 'ceph-vm': ok('[]') },
    files: {},
    ...more,
  }) as VolumesRaw;

test('listRbd: linked clones by their __base__ parent in this pool, the snapshots clones were made from', () => {
  const rows = [
    img('base-900-disk-0'),
    img('base-900-disk-0', { snapshot: '__base__', snapshot_id: 4, protected: 'true' }),
    img('vm-901-disk-0', { parent: { pool: 'vm-pool', image: 'base-900-disk-0', snapshot: '__base__' } }),
    // a clone of another pool's base, and a clone of an ordinary snapshot (rbd clone by hand): not PVE's linked clone
    img('vm-902-disk-0', { parent: { pool: 'other-pool', image: 'base-900-disk-0', snapshot: '__base__' } }),
    img('vm-100-disk-0'),
    img('vm-100-disk-0', { snapshot: 'before', snapshot_id: 5, protected: 'true' }),
    img('vm-100-disk-0', { snapshot: 'after', snapshot_id: 6, protected: 'false' }),
    img('vm-903-disk-0', { parent: { pool: 'vm-pool', image: 'vm-100-disk-0', snapshot: 'before' } }),
    // a snapshot of the same name on another pool's image of the same name was cloned: not this one's origin
    img('vm-104-disk-0'),
    img('vm-104-disk-0', { snapshot: 'before', snapshot_id: 7 }),
    img('vm-904-disk-0', { parent: { pool: 'other-pool', image: 'vm-104-disk-0', snapshot: 'before' } }),
  ];
  const { volumes } = listRbd(ST, raw(rows));
  const got = volumes.map((v) => [v.volname, v.snapshot ?? null, v.format, v.baseOf ?? null, v.cloneOrigin ?? false]);
  // no name here is reclaim's quarantine: nothing is marked
  assert.deepEqual(
    volumes.filter((v) => v.quarantine),
    [],
    'no quarantine',
  );
  assert.deepEqual(
    got,
    [
      ['base-900-disk-0', null, 'raw', null, false],
      ['base-900-disk-0/vm-901-disk-0', null, 'raw', 'base-900-disk-0', false],
      ['vm-902-disk-0', null, 'raw', null, false],
      ['vm-100-disk-0', null, 'raw', null, false],
      ['vm-100-disk-0', 'before', null, null, true],
      ['vm-100-disk-0', 'after', null, null, false],
      ['vm-903-disk-0', null, 'raw', null, false],
      ['vm-104-disk-0', null, 'raw', null, false],
      ['vm-104-disk-0', 'before', null, null, false],
      ['vm-904-disk-0', null, 'raw', null, false],
    ],
    JSON.stringify(got),
  );
});

// A snapshot's name is any text rbd accepts (PVE's snapshot names too: pve-guest-common snapname
// format), "undefined" included: only the snapshot a clone names is its origin, never the image itself.
test('listRbd: a clone of a snapshot named "undefined" marks that snapshot, not its image', () => {
  const rows = [
    img('vm-100-disk-0'),
    img('vm-100-disk-0', { snapshot: 'undefined', snapshot_id: 5 }),
    img('vm-903-disk-0', { parent: { pool: 'vm-pool', image: 'vm-100-disk-0', snapshot: 'undefined' } }),
  ];
  const { volumes } = listRbd(ST, raw(rows));
  assert.deepEqual(
    volumes.map((v) => [v.own, v.snapshot ?? null, v.cloneOrigin ?? false]),
    [
      ['vm-100-disk-0', null, false],
      ['vm-100-disk-0', 'undefined', true],
      ['vm-903-disk-0', null, false],
    ],
  );
});

// A record that says both "exit 0" and an error (a snapshot file edited or damaged: the exec helper gives
// an error only with a failed exit, host/read-dm.ts runCaptured) is not a listing: its stderr names no
// image to judge (an interrupted removal's drop step must never rest on it), the storage is UNKNOWN.
test('listRbd: an rbd ls record with exit 0 and an error: UNKNOWN, its stderr not read for images', () => {
  const stderr = 'rbd: error opening vm-150-disk-0: (2) No such file or directory\n';
  const rec = (code: number): VolumesRaw =>
    ({
      rbd: { 'ceph-vm': { argv: ['rbd'], code, stdout: '', stderr, error: 'failed', message: 'failed' } },
      files: {},
    }) as VolumesRaw;
  const zero = listRbd(ST, rec(0));
  assert.deepEqual([zero.volumes, zero.incomplete], [[], undefined], JSON.stringify(zero));
  assert.match(zero.error ?? '', /^rbd ls failed \(exit 0\)/);
  // the same stderr with a failed exit: ceph 16.2's failed listing, whose unopened images are facts
  const one = listRbd(ST, rec(1));
  assert.deepEqual([one.volumes.map((v) => v.own), one.error], [['vm-150-disk-0'], undefined], JSON.stringify(one));
});

test('listRbd: the trash beside the listing (REMOVING seen twice is one entry, names taken, failures said)', () => {
  const stderr = 'rbd: error opening vm-152-disk-0: (2) No such file or directory\n';
  const trash = [
    trashEntry('vm-152-disk-0', 'REMOVING'),
    trashEntry('vm-153-disk-0', 'REMOVING'),
    trashEntry('vm-152-disk-0', 'USER', 't-user-152'),
    trashEntry('vm-100-disk-0', 'USER'),
    trashEntry('vm-160-disk-0', 'USER', 't-a'),
    trashEntry('vm-160-disk-0', 'USER', 't-b'),
    trashEntry('vm-161-disk-0', 'USER'),
  ];
  const r = listRbd(
    ST,
    raw([], {
      rbd: { 'ceph-vm': { ...ok(JSON.stringify([img('vm-100-disk-0')])), stderr } },
      rbdTrash: { 'ceph-vm': ok(JSON.stringify(trash)) },
    }),
  );
  assert.equal(r.incomplete, undefined, JSON.stringify(r));
  const got = r.volumes.map((v) => [
    v.own,
    v.format,
    v.openError ? 'open-error' : (v.trash?.source ?? 'image'),
    v.trash?.id ?? null,
    v.trash?.nameInUse ?? null,
    v.trash?.nameShared ?? false,
  ]);
  assert.deepEqual(
    got,
    [
      ['vm-100-disk-0', 'raw', 'image', null, null, false],
      ['vm-152-disk-0', 'raw', 'open-error', null, null, false],
      // vm-152's REMOVING entry is the directory entry above (api/Image.cc remove); vm-153's is the only trace
      ['vm-153-disk-0', 'raw', 'REMOVING', 't-vm-153-disk-0', false, false],
      // a USER entry of a half-removed name is an image of its own
      ['vm-152-disk-0', 'raw', 'USER', 't-user-152', false, true],
      ['vm-100-disk-0', 'raw', 'USER', 't-vm-100-disk-0', true, false],
      ['vm-160-disk-0', 'raw', 'USER', 't-a', false, true],
      ['vm-160-disk-0', 'raw', 'USER', 't-b', false, true],
      ['vm-161-disk-0', 'raw', 'USER', 't-vm-161-disk-0', false, false],
    ],
    JSON.stringify(got),
  );
});

test('listRbd: a listing never run, a trash unread or without the subcommand: said as it is, never "no images"', () => {
  const listed = [img('vm-100-disk-0')];
  const rows: { name: string; raw: VolumesRaw; error?: string; incomplete?: string; notes?: string[]; n: number }[] = [
    { name: 'rbd ls never run', raw: { rbd: {}, files: {} } as VolumesRaw, error: 'rbd ls was not run', n: 0 },
    {
      name: 'rbd trash ls never run',
      raw: raw(listed, { rbdTrash: undefined }),
      incomplete: 'rbd trash ls was not run',
      n: 1,
    },
    {
      name: 'rbd trash ls failed',
      raw: raw(listed, { rbdTrash: { 'ceph-vm': failed('rbd: error listing trash: (13) Permission denied\n') } }),
      incomplete: 'rbd trash ls failed (exit 1): rbd: error listing trash: (13) Permission denied',
      n: 1,
    },
    {
      name: 'rbd trash ls printed junk',
      raw: raw(listed, { rbdTrash: { 'ceph-vm': ok('<html>') } }),
      incomplete: 'PARSE',
      n: 1,
    },
    {
      name: 'this rbd has no trash subcommand',
      raw: raw(listed, {
        rbdTrash: { 'ceph-vm': failed("rbd: error parsing command 'trash'; -h or --help for usage\nmore\n") },
      }),
      notes: [
        "ceph-vm: images in the Ceph trash are not checked: this rbd has no 'trash ls' (rbd: error parsing command 'trash'; -h or --help for usage)",
      ],
      n: 1,
    },
    {
      // rbd's message after a blank line and indented: the note quotes its first line of text
      name: 'no trash subcommand, its message not on the first column',
      raw: raw(listed, {
        rbdTrash: { 'ceph-vm': failed("\n  rbd: unknown command 'trash'\nmore\n") },
      }),
      notes: [
        "ceph-vm: images in the Ceph trash are not checked: this rbd has no 'trash ls' (rbd: unknown command 'trash')",
      ],
      n: 1,
    },
  ];
  for (const r of rows) {
    const got = listRbd(ST, r.raw);
    assert.equal(got.error, r.error, `${r.name}: ${JSON.stringify(got)}`);
    if (r.incomplete === 'PARSE') assert.match(got.incomplete ?? '', /rbd trash ls/, r.name);
    else assert.equal(got.incomplete, r.incomplete, `${r.name}: ${JSON.stringify(got)}`);
    assert.deepEqual(got.notes, r.notes, r.name);
    // the images listed keep their entries; nothing stands for the trash that was not read
    assert.deepEqual(
      got.volumes.map((v) => v.own),
      listed.slice(0, r.n).map((x) => x.image),
      r.name,
    );
  }
});

test("listRbd: reclaim's quarantine names, on an image, in the USER trash, on a snapshot; never a removal's remnant", () => {
  const q = 'pve-health-q.20261123T101500Z.vm-100-disk-0';
  const rows = [
    img(q),
    img('vm-101-disk-0'),
    img('vm-101-disk-0', { snapshot: 'pve-health-q.20261123T101500Z.before' }),
  ];
  const trash = [
    {
      ...trashEntry('pve-health-q.20261123T101500Z.vm-102-disk-0', 'USER'),
      status: 'protected until Tue Dec  1 00:00:00 2026',
    },
    trashEntry('pve-health-q.20261123T101500Z.vm-103-disk-0', 'REMOVING'),
  ];
  const stderr = 'rbd: error opening pve-health-q.20261123T101500Z.vm-104-disk-0: (2) No such file or directory\n';
  const { volumes } = listRbd(
    ST,
    raw([], {
      rbd: { 'ceph-vm': { ...ok(JSON.stringify(rows)), stderr } },
      rbdTrash: { 'ceph-vm': ok(JSON.stringify(trash)) },
    }),
  );
  const got = volumes.map((v) => [v.own, v.snapshot ?? null, v.vmid, v.volname, v.quarantine ?? null]);
  assert.deepEqual(
    got,
    [
      [
        q,
        null,
        100,
        'vm-100-disk-0',
        {
          since: '2026-11-23T10:15:00.000Z',
          original: 'vm-100-disk-0',
          name: `vm-pool/${q}`,
          onStorage: q,
          location: { pool: 'vm-pool' },
        },
      ],
      ['vm-101-disk-0', null, 101, 'vm-101-disk-0', null],
      [
        'vm-101-disk-0',
        'pve-health-q.20261123T101500Z.before',
        101,
        'vm-101-disk-0',
        {
          since: '2026-11-23T10:15:00.000Z',
          original: 'before',
          name: 'vm-pool/vm-101-disk-0@pve-health-q.20261123T101500Z.before',
          onStorage: 'vm-101-disk-0@pve-health-q.20261123T101500Z.before',
          location: { pool: 'vm-pool', snapshotOf: 'vm-101-disk-0' },
        },
      ],
      ['pve-health-q.20261123T101500Z.vm-104-disk-0', null, null, 'pve-health-q.20261123T101500Z.vm-104-disk-0', null],
      [
        'pve-health-q.20261123T101500Z.vm-102-disk-0',
        null,
        102,
        'vm-102-disk-0',
        {
          since: '2026-11-23T10:15:00.000Z',
          original: 'vm-102-disk-0',
          name: 'vm-pool trash t-pve-health-q.20261123T101500Z.vm-102-disk-0 (pve-health-q.20261123T101500Z.vm-102-disk-0)',
          onStorage: 'pve-health-q.20261123T101500Z.vm-102-disk-0',
          location: { pool: 'vm-pool', trashId: 't-pve-health-q.20261123T101500Z.vm-102-disk-0' },
          trashDeferment: 'protected until 2026-12-01T00:00:00.000Z',
        },
      ],
      ['pve-health-q.20261123T101500Z.vm-103-disk-0', null, null, 'pve-health-q.20261123T101500Z.vm-103-disk-0', null],
    ],
    JSON.stringify(got),
  );
});

// Status.cc prints the image's watchers: a client that has it open (a kvm through librbd on any node, a krbd
// map anywhere). An exclusive lock outlives its owner (librbd breaks it when the next client takes it).
/** What the status parser says of output that is no JSON. */
function junkError(): string {
  try {
    parseRbdStatus('<html>502</html>');
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail('rbd status junk parsed');
}

test('watchVerdict: the watchers of a would-be orphan decide it; a status not read is UNKNOWN', () => {
  const W =
    '{"watchers":[{"address":"10.0.0.12:0/371","client":4211,"cookie":1},{"address":"10.0.0.13:0/9","client":9,"cookie":2}]}';
  const rows: {
    name: string;
    status?: CommandOutput;
    lock?: string;
    mapped?: boolean;
    verdict: string;
    detail: string;
    protect: string[];
    watchers?: string[];
  }[] = [
    {
      name: 'two watchers',
      status: ok(W),
      verdict: 'orphan',
      detail:
        '; watched by 10.0.0.12:0/371, 10.0.0.13:0/9 (a client has it open, e.g. a guest on another node through librbd)',
      protect: ['rbd-watcher'],
      watchers: ['10.0.0.12:0/371', '10.0.0.13:0/9'],
    },
    {
      name: 'no watcher',
      status: ok('{"watchers":[]}'),
      verdict: 'orphan',
      detail: '; no client watches it (rbd status)',
      protect: [],
      watchers: [],
    },
    {
      name: 'no watcher, an exclusive lock',
      status: ok('{"watchers":[]}'),
      lock: 'exclusive',
      verdict: 'orphan',
      detail:
        '; no client watches it (rbd status); its exclusive lock is stale: its owner no longer watches the image (librbd breaks such a lock when the next client takes it)',
      protect: [],
      watchers: [],
    },
    {
      name: 'status failed',
      status: failed('rbd: error opening image: (13) Permission denied\n'),
      verdict: 'unknown',
      detail:
        '; whether a client has it open could not be read (rbd status failed (exit 1): rbd: error opening image: (13) Permission denied)',
      protect: [],
    },
    {
      name: 'this rbd has no status',
      status: failed("rbd: error parsing command 'status'\n"),
      verdict: 'unknown',
      detail:
        "; whether a client has it open could not be read (rbd status failed (exit 1): rbd: error parsing command 'status', this rbd has no 'status')",
      protect: [],
    },
    {
      name: 'status never asked',
      verdict: 'unknown',
      detail: '; whether a client has it open could not be read (rbd status was not asked)',
      protect: [],
    },
    {
      name: 'status printed junk',
      status: ok('<html>502</html>'),
      verdict: 'unknown',
      detail: `; whether a client has it open could not be read (${junkError()})`,
      protect: [],
    },
    // a lock says a client has it open (flags: rbd-lock) while its watchers could not be read
    {
      name: 'status failed, a lock',
      status: failed('x\n'),
      lock: 'exclusive',
      verdict: 'orphan',
      detail: '',
      protect: [],
    },
    // a krbd map on this node says it is open already (flags: krbd-mapped): nothing asked
    { name: 'mapped here, status never asked', mapped: true, verdict: 'orphan', detail: '', protect: [] },
  ];
  for (const r of rows) {
    const image = img('vm-151-disk-0', r.lock ? { lock_type: r.lock } : {});
    const { volumes } = listRbd(
      ST,
      raw([image], {
        ...(r.status ? { rbdStatus: { 'ceph-vm/vm-151-disk-0': r.status } } : {}),
        ...(r.mapped ? { rbdDevices: { 'vm-pool/vm-151-disk-0': 'rbd0' } } : {}),
      }),
    );
    const e = {
      volid: 'ceph-vm:vm-151-disk-0',
      type: 'rbd',
      status: 'orphan',
      reason: 'guest-missing',
      detail: '',
      holders: [],
      open: false,
      hint: 'h',
      steps: [],
    } as unknown as VolumeEntry;
    const f = watchVerdict(e, volumes[0], ST);
    assert.deepEqual([e.status, e.detail], [r.verdict, r.detail], r.name);
    assert.deepEqual(f, { protect: r.protect, pending: [] }, r.name);
    assert.deepEqual(e.watchers, r.watchers, r.name);
    assert.equal(e.open, r.protect.length > 0, r.name);
    if (r.verdict === 'unknown') {
      assert.equal(e.reason, 'watchers-unread', r.name);
      assert.deepEqual([e.hint, e.steps], [undefined, undefined], r.name);
    }
  }
});
