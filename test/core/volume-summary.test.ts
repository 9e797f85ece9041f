// The volumes part's counts, its exit status and a storage's row (volume-summary.ts): what the console
// headline, the JSON summary, `pve_health_volumes{storage,status}` and the exit code are built from.
// UNKNOWN wins over an orphan (a storage or a volume not decided is never "fine"); a snapshot counts in
// its storage's row but adds no size (its size is its volume's).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storageCounts, volumesStatus, volumesSummary } from '../../src/core/volumes/volume-summary';
import { vol } from '../helpers/reclaim-input';

const G = 1 << 30;
const ENTRIES = [
  vol({ volid: 'local:100/vm-100-disk-0.raw', status: 'valid', reason: 'referenced', sizeBytes: 4 * G, usedBytes: G }),
  vol({ volid: 'local:101/vm-101-disk-0.raw', sizeBytes: 8 * G, usedBytes: 2 * G, open: true, protected: true }),
  vol({ volid: 'local:101/vm-101-disk-0.raw', snapshot: 's1', sizeBytes: 8 * G, usedBytes: G }),
  vol({
    volid: 'local-zfs:vm-102-disk-0',
    status: 'unknown',
    reason: 'mounts-unread',
    sizeBytes: null,
    usedBytes: null,
  }),
  vol({ volid: 'local-zfs:vm-103-disk-0', status: 'ignored', reason: 'quarantined', pending: true, sizeBytes: G }),
  vol({ volid: 'local-zfs:vm-104-disk-0', sizeBytes: 2 * G, usedBytes: null }),
];
const row = (storage: string, status: 'ok' | 'unknown' = 'ok') =>
  storageCounts({ storage, type: storage === 'local' ? 'dir' : 'zfspool', status, error: undefined }, ENTRIES);

test("storageCounts: a storage's own entries, snapshots counted but not sized", () => {
  assert.deepEqual(row('local'), {
    storage: 'local',
    type: 'dir',
    status: 'ok',
    error: undefined,
    total: 3,
    valid: 1,
    orphan: 2,
    unknown: 0,
    ignored: 0,
    sizeBytes: 12 * G,
    usedBytes: 3 * G,
    orphanSizeBytes: 8 * G,
  });
  const z = row('local-zfs', 'unknown');
  assert.deepEqual(
    [z.total, z.valid, z.orphan, z.unknown, z.ignored, z.sizeBytes, z.usedBytes, z.orphanSizeBytes],
    [3, 0, 1, 1, 1, 3 * G, G / 2, 2 * G],
  );
  // A duplicate (the DM part's word) adds to the total, to no status column.
  const dup = storageCounts({ storage: 'local', type: 'dir', status: 'ok' }, [
    vol({ volid: 'local:105/vm-105-disk-0.raw', status: 'duplicate' as never }),
  ]);
  assert.deepEqual([dup.total, dup.valid, dup.orphan, dup.unknown, dup.ignored], [1, 0, 0, 0, 0]);
  assert.equal((dup as unknown as Record<string, unknown>).duplicate, undefined);
});

test('volumesSummary: every count of the headline and the JSON summary', () => {
  const storages = [row('local'), row('local-zfs', 'unknown'), row('empty')];
  assert.deepEqual(volumesSummary(ENTRIES, storages), {
    total: 6,
    valid: 1,
    orphan: 3,
    unknown: 1,
    ignored: 1,
    protected: 1,
    pending: 1,
    open: 1,
    orphanSizeBytes: 10 * G,
    storages: 3,
    unknownStorages: 1,
  });
});

test('volumesStatus: UNKNOWN (3) over WARNING (1) over OK (0)', () => {
  const ok = [row('local')];
  const valid = ENTRIES.slice(0, 1);
  const rows: { name: string; entries: typeof ENTRIES; storages: typeof ok; want: number }[] = [
    { name: 'all valid', entries: valid, storages: ok, want: 0 },
    { name: 'nothing at all', entries: [], storages: [], want: 0 },
    { name: 'an orphan', entries: ENTRIES.slice(0, 2), storages: ok, want: 1 },
    { name: 'an unknown volume beside an orphan', entries: ENTRIES, storages: ok, want: 3 },
    { name: 'a storage not read, its volumes valid', entries: valid, storages: [row('local-zfs', 'unknown')], want: 3 },
    { name: 'an ignored (quarantined) volume alone', entries: [ENTRIES[4]], storages: ok, want: 0 },
  ];
  for (const r of rows) assert.equal(volumesStatus(r.entries, r.storages), r.want, r.name);
});
