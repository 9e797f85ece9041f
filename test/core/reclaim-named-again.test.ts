// The purge never takes a quarantined LV a guest config names again (the DM part's verdict, plan-purge.ts),
// nor acts without that verdict; partialListings names every storage reclaim cannot see whole. Each rule
// with the legitimate state beside it (issue 59).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partialListings } from '../../src/core/reclaim/partial-listings';
import { planPurge } from '../../src/core/reclaim/plan-purge';
import { dmEntry } from '../helpers/dm-entry';
import { input, QUARANTINED_LV, QUARANTINED_LV_NAME, vol, volumes } from '../helpers/reclaim-input';

const QLV = QUARANTINED_LV_NAME;
const lv = QUARANTINED_LV;
const qEntry = (over = {}) =>
  dmEntry({
    name: 'pve-pve--health--q',
    vg: 'pve',
    lv: QLV,
    status: 'ignored',
    reason: 'quarantined',
    kind: 'lv',
    active: false,
    ...over,
  });

describe('planPurge: a quarantined LV named again', () => {
  const rows: { name: string; dm: ReturnType<typeof qEntry>[] | null; code: string | null }[] = [
    {
      name: 'named by VM 100 scsi0: protected',
      dm: [qEntry({ quarantineNamedBy: ['VM 100 scsi0'] })],
      code: 'protected',
    },
    { name: 'the DM part not checked: unknown', dm: null, code: 'unknown' },
    {
      name: 'another LV is named (legit): purged',
      dm: [qEntry({ lv: 'other', quarantineNamedBy: ['VM 100 scsi0'] })],
      code: null,
    },
    { name: 'named by nobody (legit): purged', dm: [qEntry()], code: null },
    { name: 'an empty list of names (legit): purged', dm: [qEntry({ quarantineNamedBy: [] })], code: null },
  ];
  for (const r of rows)
    it(r.name, () => {
      const p = planPurge(input({ lvs: [lv], dm: r.dm }));
      if (r.code === null) {
        assert.deepEqual(
          p.actions.map((a) => a.volid),
          ['local-lvm:vm-100-disk-0'],
        );
        return;
      }
      assert.deepEqual(p.actions, []);
      assert.equal(p.refused[0].code, r.code);
      if (r.code === 'protected') assert.match(p.refused[0].why, /VM 100 scsi0 names local-lvm:vm-100-disk-0/);
    });
});

describe('partialListings: every storage not seen whole', () => {
  const ok = { storage: 'local-zfs', type: 'zfspool', status: 'ok' } as never;
  const rows: { name: string; over: Parameters<typeof partialListings>[0]; want: string[] }[] = [
    { name: 'all whole (legit)', over: { dm: [], lvs: [], volumes: volumes([], [ok]) }, want: [] },
    { name: 'DM part not checked', over: { dm: null, lvs: [], volumes: volumes([]) }, want: ['device-mapper'] },
    { name: 'lvs not read', over: { dm: [], lvs: null, volumes: volumes([]) }, want: ['device-mapper'] },
    {
      name: 'an undecided LV names its storage',
      over: {
        dm: [dmEntry({ status: 'unknown', storage: 'local-lvm', detail: 'lvs cut' })],
        lvs: [],
        volumes: volumes([]),
      },
      want: ['local-lvm'],
    },
    {
      name: 'a decided orphan LV (legit)',
      over: { dm: [dmEntry({ status: 'orphan', storage: 'local-lvm' })], lvs: [], volumes: volumes([]) },
      want: [],
    },
    { name: 'volumes part not read', over: { dm: [], lvs: [], volumes: null }, want: ['volumes'] },
    {
      name: 'volumes part error',
      over: { dm: [], lvs: [], volumes: { ...volumes([]), error: 'timed out' } },
      want: ['volumes'],
    },
    {
      name: 'an unknown storage',
      over: {
        dm: [],
        lvs: [],
        volumes: volumes(
          [vol({ volid: 'local-zfs:vm-1-disk-0' })],
          [{ storage: 'nfs', type: 'nfs', status: 'unknown', error: 'not mounted' } as never, ok],
        ),
      },
      want: ['nfs'],
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const got = partialListings(r.over);
      assert.deepEqual(
        got.map((x) => x.storage),
        r.want,
      );
      for (const x of got) assert.ok(x.why.length > 0);
    });
  it('the reason is the storage’s own error', () => {
    const got = partialListings({
      dm: [],
      lvs: [],
      volumes: volumes([], [{ storage: 'nfs', type: 'nfs', status: 'unknown', error: 'not mounted' } as never]),
    });
    assert.deepEqual(got, [{ storage: 'nfs', why: 'not mounted' }]);
  });
});
