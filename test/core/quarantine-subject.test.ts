// One name for a quarantined Ceph trash entry (issue 60): a trash entry reclaim adopted is named as it was,
// `VOLID#trash:<id>`, in every quarantine list, in the purge plan and by `--name`, as the reclaim plan,
// check and the acks name it. Only the reclaim journal tells it from an image reclaim moved to the trash
// itself (both are USER entries under a quarantine name): its record holds the entry's trash id.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planPurge } from '../../src/core/reclaim/plan-purge';
import { recordSubject, withAdoptedNames } from '../../src/core/reclaim/quarantined';
import type { QuarantinedVolume, QuarantineRecord } from '../../src/core/reclaim/reclaim-types';
import { input, vol, volumes } from '../helpers/reclaim-input';

const VOLID = 'ceph-vm:vm-195-disk-0';
const ID = '112c40186d30';
const SUBJECT = `${VOLID}#trash:${ID}`;
const Q = 'pve-health-q.20261120T002148Z.vm-195-disk-0';
const SINCE = '2026-11-20T00:21:48.000Z';

/** The journal record of the quarantine's first step: an adoption (trash restore) or reclaim's own rename. */
function record(p: Partial<QuarantineRecord> & { adopted: boolean }): QuarantineRecord {
  const { adopted, ...over } = p;
  return {
    kind: 'reclaim',
    result: 'done',
    volid: VOLID,
    storageType: 'rbd',
    op: adopted ? 'rbd-trash-restore' : 'rbd-rename',
    original: 'vm-195-disk-0',
    quarantine: Q,
    since: SINCE,
    purgeAfter: '2026-11-27T00:21:48.000Z',
    location: adopted ? { pool: 'vm-pool', trashId: ID } : { pool: 'vm-pool' },
    ...over,
  };
}

const listed = (over: Partial<QuarantinedVolume> = {}): QuarantinedVolume => ({
  volid: VOLID,
  storage: 'ceph-vm',
  storageType: 'rbd',
  vmid: 195,
  name: `vm-pool trash ${ID} (${Q})`,
  onStorage: Q,
  since: SINCE,
  purgeAfter: '2026-11-27T00:21:48.000Z',
  due: false,
  sizeBytes: null,
  usedBytes: null,
  // Every image in the trash has a trash id now, adopted or not: the listing cannot tell them apart.
  location: { pool: 'vm-pool', trashId: ID },
  ...over,
});

describe('recordSubject: what a reclaim journal record names', () => {
  it('an adoption (its record holds the trash id) by VOLID#trash:<id>', () =>
    assert.equal(recordSubject(record({ adopted: true })), SUBJECT));
  it("reclaim's own move of a live image (no trash id recorded) by its volume ID", () =>
    assert.equal(recordSubject(record({ adopted: false })), VOLID));
});

describe('withAdoptedNames: the lists name an adopted entry as it was named', () => {
  it('an adopted entry gets its subject', () => {
    assert.equal(withAdoptedNames([listed()], [record({ adopted: true })])[0].subject, SUBJECT);
  });
  const rows: { name: string; q: QuarantinedVolume; records: QuarantineRecord[] }[] = [
    { name: 'an image reclaim moved to the trash itself', q: listed(), records: [record({ adopted: false })] },
    { name: 'no journal read (--demo, --from)', q: listed(), records: [] },
    {
      name: 'an adoption of another quarantine of that volume ID',
      q: listed(),
      records: [record({ adopted: true, quarantine: 'pve-health-q.20261101T000000Z.vm-195-disk-0' })],
    },
    {
      name: 'an adoption on another storage under the same name',
      q: listed(),
      records: [record({ adopted: true, volid: 'ceph-b:vm-195-disk-0' })],
    },
    {
      name: 'a restore that undid an adoption (not a quarantine step)',
      q: listed(),
      records: [record({ adopted: true, kind: 'unquarantine' })],
    },
    {
      name: 'a snapshot quarantined on its own',
      q: listed({ volid: `${VOLID}@vzdump`, snapshot: true }),
      records: [record({ adopted: true, volid: `${VOLID}@vzdump` })],
    },
  ];
  for (const r of rows)
    it(`keeps the volume ID: ${r.name}`, () => assert.equal(withAdoptedNames([r.q], r.records)[0].subject, undefined));
});

describe('planPurge: an adopted entry by the name the lists print', () => {
  const quarantined = vol({
    volid: VOLID,
    vmid: 195,
    status: 'ignored',
    reason: 'quarantined',
    quarantine: {
      since: SINCE,
      name: `vm-pool trash ${ID} (${Q})`,
      onStorage: Q,
      location: { pool: 'vm-pool', trashId: ID },
      trashDeferment: 'expired at Thu Nov 27 00:21:48 2026',
    },
  });
  const purge = (o: { adopted: boolean; retentionDays: number; names: string[] }) =>
    planPurge(
      input({
        retentionDays: o.retentionDays,
        volumes: volumes([quarantined]),
        recorded: [record({ adopted: o.adopted })],
      }),
      { names: o.names },
    );

  it('past its retention: the action is named by its subject, --name SUBJECT and --name VOLID take it', () => {
    for (const name of [SUBJECT, VOLID]) {
      const p = purge({ adopted: true, retentionDays: 0, names: [name] });
      assert.deepEqual(p.refused, []);
      assert.deepEqual(
        p.actions.map((a) => [a.subject, a.volid, a.steps[0].command]),
        [[SUBJECT, VOLID, ['rbd', '-p', 'vm-pool', 'trash', 'rm', ID]]],
      );
      assert.equal(p.quarantined[0].subject, SUBJECT);
    }
  });
  it('not due: the refusal names its subject', () => {
    const p = purge({ adopted: true, retentionDays: 7, names: [SUBJECT] });
    assert.deepEqual(
      p.refused.map((r) => [r.subject, r.code]),
      [[SUBJECT, 'not-due']],
    );
  });
  it('an image reclaim moved itself: its volume ID only; the trash subject names nothing (refused as not listed)', () => {
    const p = purge({ adopted: false, retentionDays: 0, names: [VOLID] });
    assert.deepEqual(
      p.actions.map((a) => [a.subject, a.volid]),
      [[undefined, VOLID]],
    );
    // Nothing is purged by it, and the name is said, not passed over (names-unlisted.ts: exit 3).
    const none = purge({ adopted: false, retentionDays: 0, names: [SUBJECT] });
    assert.deepEqual(
      [none.actions, none.refused.map((r) => [r.volid, r.reason, r.status])],
      [[], [[SUBJECT, 'not-listed', 'unknown']]],
    );
  });
});
