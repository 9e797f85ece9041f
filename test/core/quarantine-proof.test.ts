// The purge takes only what pve-health itself quarantined (core/reclaim/quarantine-proof.ts): a volume
// named like a quarantine is purged only when a reclaim journal recorded its rename — same storage, same
// quarantine name, same original volume, same time — no restore undid it since, and the storage's mark is
// the recorded one (LV UUID and tag, ZFS guid, RBD image/trash id, file dev:ino). Each forgery on every
// storage type that has it, and beside it the legitimate state that must not be refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LvRow } from '../../src/core/parse/parse-lvm';
import { planPurge } from '../../src/core/reclaim/plan-purge';
import { planReclaim } from '../../src/core/reclaim/plan-reclaim';
import { withQuarantineProof } from '../../src/core/reclaim/quarantine-proof';
import type { QuarantineRecord } from '../../src/core/reclaim/reclaim-types';
import { input, NOW, vol, volumes } from '../helpers/reclaim-input';
import { classify, entry } from '../helpers/volume-node';

const STAMP = '20261101T000000Z';
const LATER = '20261120T000000Z';
const LVID = 'Abcdef0123456789Abcdef0123456789';

type Kind = 'lvm' | 'zfs' | 'zfs-snap' | 'rbd' | 'file';

/** One quarantined volume of each kind, as the listing shows it (`stamp`: its name's time; `id`: its mark now). */
function listed(kind: Kind, o: { stamp?: string; id?: string | null; tagged?: boolean } = {}) {
  const stamp = o.stamp ?? STAMP;
  const since = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T00:00:00.000Z`;
  const id = o.id === undefined ? 'ID1' : o.id;
  if (kind === 'lvm') {
    const lv: LvRow = {
      name: `pve-health-q.${stamp}.vm-100-disk-0`,
      vg: 'pve',
      pool: 'data',
      origin: '',
      tags: o.tagged === false ? [] : ['pve-health-quarantine'],
      sizeBytes: 4096,
      uuid: id === 'ID1' ? LVID : (id ?? ''),
    } as LvRow;
    return { lvs: [lv], volumes: volumes([]) };
  }
  const q = `pve-health-q.${stamp}.`;
  const base = { status: 'ignored' as const, reason: 'quarantined' as const, ...(id ? { identity: id } : {}) };
  const e = {
    zfs: vol({
      ...base,
      volid: 'local-zfs:vm-100-disk-0',
      quarantine: {
        since,
        name: `rpool/data/pve-health-quarantine/${q}vm-100-disk-0`,
        onStorage: `rpool/data/pve-health-quarantine/${q}vm-100-disk-0`,
        location: { pool: 'rpool/data' },
      },
    }),
    'zfs-snap': vol({
      ...base,
      volid: 'local-zfs:vm-100-disk-0',
      snapshot: `${q}__migration__`,
      quarantine: {
        since,
        snapshot: '__migration__',
        name: `rpool/data/vm-100-disk-0@${q}__migration__`,
        onStorage: `rpool/data/vm-100-disk-0@${q}__migration__`,
        location: { pool: 'rpool/data', snapshotOf: 'rpool/data/vm-100-disk-0' },
      },
    }),
    rbd: vol({
      ...base,
      volid: 'ceph-vm:vm-100-disk-0',
      quarantine: {
        since,
        name: `vm-pool trash 112c40186d30 (${q}vm-100-disk-0)`,
        onStorage: `${q}vm-100-disk-0`,
        location: { pool: 'vm-pool', trashId: '112c40186d30' },
        trashDeferment: 'expired at Sun Nov  8 00:00:00 2026',
      },
    }),
    file: vol({
      ...base,
      volid: 'local:100/vm-100-disk-0.qcow2',
      quarantine: {
        since,
        name: `/var/lib/vz/images/pve-health-quarantine/${q}100.vm-100-disk-0.qcow2`,
        onStorage: `/var/lib/vz/images/pve-health-quarantine/${q}100.vm-100-disk-0.qcow2`,
        location: { path: '/var/lib/vz' },
      },
    }),
  }[kind];
  return { lvs: [], volumes: volumes([e]) };
}

/** What reclaim journaled for the rename of each kind (`stamp`: the run's time; `id`: the mark it recorded). */
function record(
  kind: Kind,
  o: Partial<QuarantineRecord> & { stamp?: string; id?: string | null } = {},
): QuarantineRecord {
  const stamp = o.stamp ?? STAMP;
  const since = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T00:00:00.123Z`;
  const id = o.id === undefined ? 'ID1' : o.id;
  const mark = id === null ? {} : { identity: id };
  const r = {
    lvm: {
      volid: 'local-lvm:vm-100-disk-0',
      storageType: 'lvmthin',
      op: 'lv-rename' as const,
      original: 'vm-100-disk-0',
      quarantine: `pve-health-q.${stamp}.vm-100-disk-0`,
      location: { vg: 'pve', lvUuid: id === 'ID1' ? LVID : (id ?? undefined) },
    },
    zfs: {
      volid: 'local-zfs:vm-100-disk-0',
      storageType: 'zfspool',
      op: 'zfs-rename' as const,
      original: 'vm-100-disk-0',
      quarantine: `pve-health-q.${stamp}.vm-100-disk-0`,
      location: { pool: 'rpool/data', ...mark },
    },
    'zfs-snap': {
      volid: 'local-zfs:vm-100-disk-0@__migration__',
      storageType: 'zfspool',
      op: 'zfs-snapshot-rename' as const,
      original: '__migration__',
      quarantine: `pve-health-q.${stamp}.__migration__`,
      location: { pool: 'rpool/data', snapshotOf: 'rpool/data/vm-100-disk-0', ...mark },
    },
    rbd: {
      volid: 'ceph-vm:vm-100-disk-0',
      storageType: 'rbd',
      op: 'rbd-rename' as const,
      original: 'vm-100-disk-0',
      quarantine: `pve-health-q.${stamp}.vm-100-disk-0`,
      location: { pool: 'vm-pool', ...mark },
    },
    file: {
      volid: 'local:100/vm-100-disk-0.qcow2',
      storageType: 'dir',
      op: 'file-move' as const,
      original: '100/vm-100-disk-0.qcow2',
      quarantine: `pve-health-q.${stamp}.100.vm-100-disk-0.qcow2`,
      location: { path: '/var/lib/vz', ...mark },
    },
  }[kind];
  const { stamp: _s, id: _i, ...rest } = o;
  return { ...r, since, purgeAfter: '', kind: 'reclaim', result: 'done', ...rest } as QuarantineRecord;
}

const KINDS: Kind[] = ['lvm', 'zfs', 'zfs-snap', 'rbd', 'file'];

function purge(kind: Kind, records: QuarantineRecord[], l = listed(kind)) {
  return planPurge(input({ ...l, recorded: records }), { all: true });
}

function assertPurged(p: ReturnType<typeof purge>) {
  assert.deepEqual(p.refused, [], JSON.stringify(p.refused));
  assert.equal(p.actions.length, 1);
  assert.equal(p.quarantined[0].notOurs, undefined);
  assert.equal(p.quarantined[0].due, true);
}

function assertNotOurs(p: ReturnType<typeof purge>, why: RegExp) {
  assert.deepEqual(p.actions, []);
  assert.equal(p.refused.length, 1, JSON.stringify(p.refused));
  assert.equal(p.refused[0].code, 'not-quarantined');
  assert.match(p.refused[0].why, /^not quarantined by pve-health: /);
  assert.match(p.refused[0].why, why);
  // Shown in the listing with its reason, never due (nor counted as such).
  assert.equal(p.quarantined.length, 1);
  assert.equal(p.quarantined[0].due, false);
  assert.match(p.quarantined[0].notOurs ?? '', why);
}

for (const kind of KINDS)
  describe(`purge on ${kind}: only what the journal records pve-health quarantined`, () => {
    it('a real quarantine of an earlier run: purged', () => assertPurged(purge(kind, [record(kind)])));

    it('planted (no journal records it): never purged', () =>
      assertNotOurs(purge(kind, []), /no reclaim journal of this node records renaming/));

    it('another volume renamed into the quarantine name (the journal names another original): never purged', () =>
      assertNotOurs(
        purge(kind, [record(kind, { volid: record(kind).volid.replace('vm-100', 'vm-101') })]),
        /no reclaim journal/,
      ));

    it('the timestamp renamed to look due: never purged; its real name still is', () => {
      // The journal recorded the run of LATER (not due yet); someone renamed the stamp back to STAMP.
      assertNotOurs(purge(kind, [record(kind, { stamp: LATER })]), /no reclaim journal/);
      const p = purge(kind, [record(kind, { stamp: LATER })], listed(kind, { stamp: LATER }));
      assert.deepEqual(p.actions, []);
      assert.equal(p.refused[0].code, 'not-due');
    });

    it('a record whose time is not the one its name says (not what reclaim writes): never purged', () => {
      assertNotOurs(purge(kind, [record(kind, { since: '2026-10-01T00:00:00.000Z' })]), /no reclaim journal/);
      assertNotOurs(purge(kind, [record(kind, { since: 'yesterday' })]), /no reclaim journal/);
    });

    it('the rename journaled but failed or never finished: never purged', () => {
      assertNotOurs(purge(kind, [record(kind, { result: 'failed' })]), /no reclaim journal/);
      assertNotOurs(purge(kind, [record(kind, { result: 'started' })]), /no reclaim journal/);
    });

    it('restored since (a restore journal undid it): never purged; quarantined again later: purged', () => {
      const undone = record(kind, { kind: 'unquarantine' });
      assertNotOurs(purge(kind, [record(kind), undone]), /a restore journal records/);
      const again = purge(kind, [record(kind), undone, record(kind, { stamp: '20261102T000000Z' })], {
        ...listed(kind, { stamp: '20261102T000000Z' }),
      });
      assertPurged(again);
    });

    it('the mark is not the recorded one (something else under its name): never purged', () =>
      assertNotOurs(
        purge(kind, [record(kind)], listed(kind, { id: 'ID2' })),
        kind === 'lvm' ? /not the LV pve-health quarantined/ : /not the volume pve-health quarantined/,
      ));

    if (kind !== 'lvm') {
      it('a journal of an older version that recorded no mark: purged on its record', () =>
        assertPurged(purge(kind, [record(kind, { id: null })])));

      it('the mark recorded, the listing gives none: never purged', () =>
        assertNotOurs(purge(kind, [record(kind)], listed(kind, { id: null })), /could not be read/));
    }
  });

describe('purge on LVM: the tag reclaim adds is part of the mark', () => {
  it('the LV without its tag: never purged', () =>
    assertNotOurs(purge('lvm', [record('lvm')], listed('lvm', { tagged: false })), /does not carry the tag/));
  it('the LV UUID compared in either spelling (lvs prints it hyphenated)', () => {
    const hyphen = 'Abcdef-0123-4567-89Ab-cdef-0123-456789';
    assertPurged(purge('lvm', [record('lvm', { location: { vg: 'pve', lvUuid: hyphen } })]));
  });
  it('another VG with the same names: never purged', () =>
    assertNotOurs(purge('lvm', [record('lvm', { location: { vg: 'other', lvUuid: LVID } })]), /no reclaim journal/));
});

describe('reclaim records the mark the purge compares', () => {
  const orphans = [
    vol({ volid: 'local-zfs:vm-100-disk-0', identity: '9264519283417482321' }),
    vol({ volid: 'ceph-vm:vm-100-disk-1', identity: '112c40186d30' }),
    vol({ volid: 'local:100/vm-100-disk-2.raw', identity: '2049:131' }),
    vol({ volid: 'local:100/vm-100-disk-3.raw' }),
  ];
  it('the identity of each volume in its action (journaled with it); none where the listing gave none', () => {
    const p = planReclaim(input({ volumes: volumes(orphans) }), { all: true });
    assert.deepEqual(
      p.actions.map((a) => [a.volid, a.location.identity]),
      [
        ['ceph-vm:vm-100-disk-1', '112c40186d30'],
        ['local-zfs:vm-100-disk-0', '9264519283417482321'],
        ['local:100/vm-100-disk-2.raw', '2049:131'],
        ['local:100/vm-100-disk-3.raw', undefined],
      ],
    );
  });
});

describe('the volumes part carries the identity into each entry', () => {
  it('a zvol and its quarantined neighbour keep their guid; a zvol listed without one has none', () => {
    const es = classify({
      zfs: [
        'rpool/data\tfilesystem\t-\t1\t1\t-\t-\t/rpool/data\t1',
        'rpool/data/vm-100-disk-0\tvolume\t1024\t1\t1\t-\t-\t-\t9264519283417482321',
        'rpool/data/vm-101-disk-0\tvolume\t1024\t1\t1\t-\t-\t-',
      ],
    });
    assert.equal(entry(es, 'local-zfs:vm-100-disk-0').identity, '9264519283417482321');
    assert.equal(entry(es, 'local-zfs:vm-101-disk-0').identity, undefined);
  });
});

describe('withQuarantineProof: retention from the recorded time', () => {
  it('proven: due from the record; not proven: never due, whatever the name says', () => {
    const l = planPurge(input(listed('zfs')), { all: true }).quarantined;
    const o = { now: NOW, retentionDays: 7 };
    const [ok] = withQuarantineProof(l, [record('zfs')], o);
    assert.equal(ok.since, '2026-11-01T00:00:00.123Z');
    assert.equal(ok.purgeAfter, '2026-11-08T00:00:00.123Z');
    assert.equal(ok.due, true);
    const [late] = withQuarantineProof(l, [record('zfs')], { ...o, retentionDays: 30 });
    assert.equal(late.due, false);
    assert.equal(late.notOurs, undefined);
  });
});
