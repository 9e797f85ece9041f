// One size figure per volume everywhere (issue 60): provisioned and used, each labelled, a snapshot's
// own figure only what it uses, totals the sum of their rows with the rows that have no figure counted
// (never taken as 0); and a quarantined volume whose listing has no size any more (an RBD image in the
// trash) keeps the size its reclaim journal recorded — matched by volume ID and quarantine name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RecordedSize, withRecordedSizes } from '../../src/core/reclaim/quarantined';
import type { QuarantinedVolume } from '../../src/core/reclaim/reclaim-types';
import { sizeFigures, sizeText, sumSizes, totalText } from '../../src/core/text/size-figures';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe('sizeFigures / sizeText: one labelled pair per volume', () => {
  const rows: [string, Parameters<typeof sizeFigures>[0], string][] = [
    ['zvol: both figures', { sizeBytes: 12 * GiB, usedBytes: 5 * GiB }, '12.0 GiB provisioned, 5.0 GiB used'],
    ['sparse raw file: 0 B used is a figure', { sizeBytes: 8 * GiB, usedBytes: 0 }, '8.0 GiB provisioned, 0 B used'],
    ['LV / RBD: used not listed', { sizeBytes: 32 * GiB, usedBytes: null }, '32.0 GiB provisioned, used not listed'],
    [
      "snapshot: its volume's size is not its own",
      { sizeBytes: 16 * GiB, usedBytes: 302 * MiB, snapshot: '__migration__' },
      '302 MiB used (snapshot)',
    ],
    [
      'snapshot whose space is not listed',
      { sizeBytes: 16 * GiB, usedBytes: null, snapshot: 's' },
      'snapshot, space not listed',
    ],
    ['nothing listed', { sizeBytes: null, usedBytes: null }, 'size not listed, used not listed'],
    ['no snapshot (null)', { sizeBytes: GiB, usedBytes: null, snapshot: null }, '1.0 GiB provisioned, used not listed'],
  ];
  for (const [name, v, text] of rows) it(name, () => assert.equal(sizeText(sizeFigures(v)), text));
});

describe('totals are the sum of their rows, per figure', () => {
  const rows = [
    sizeFigures({ sizeBytes: 32 * GiB, usedBytes: null }),
    sizeFigures({ sizeBytes: 20 * GiB, usedBytes: 256 * 1024 }),
    sizeFigures({ sizeBytes: 16 * GiB, usedBytes: GiB, snapshot: 'x' }),
    sizeFigures({ sizeBytes: null, usedBytes: 2 * GiB }),
  ];
  it('sums each figure over the rows that have it and counts the rest', () => {
    assert.deepEqual(sumSizes(rows), {
      provisionedBytes: 52 * GiB,
      usedBytes: 3 * GiB + 256 * 1024,
      // The snapshot provisions nothing: it is not a missing figure.
      provisionedUnknown: 1,
      usedUnknown: 1,
    });
  });
  it('says so in words', () => {
    assert.equal(totalText(rows), '52.0 GiB provisioned (1 not listed), 3.0 GiB used (1 not listed)');
    assert.equal(totalText([rows[0]]), '32.0 GiB provisioned, used not listed');
    assert.equal(totalText([rows[2]]), '1.0 GiB used');
    assert.equal(totalText([]), '0 B');
  });
});

describe('withRecordedSizes: the journal keeps what the trash no longer lists', () => {
  const q = (p: Partial<QuarantinedVolume>): QuarantinedVolume => ({
    volid: 'ceph-vm:vm-151-disk-0',
    storage: 'ceph-vm',
    storageType: 'rbd',
    vmid: 151,
    name: 'vm-pool trash f717d93ba528 (pve-health-q.20261127T034424Z.vm-151-disk-0)',
    onStorage: 'pve-health-q.20261127T034424Z.vm-151-disk-0',
    since: '2026-11-27T03:44:24.000Z',
    purgeAfter: '2026-12-04T03:44:24.000Z',
    due: false,
    sizeBytes: null,
    usedBytes: null,
    location: { pool: 'vm-pool', trashId: 'f717d93ba528' },
    ...p,
  });
  const rec = (p: Partial<RecordedSize> = {}): RecordedSize => ({
    volid: 'ceph-vm:vm-151-disk-0',
    quarantine: 'pve-health-q.20261127T034424Z.vm-151-disk-0',
    sizeBytes: 20 * GiB,
    usedBytes: null,
    ...p,
  });
  it('an entry with no size takes the recorded one, said to be recorded', () => {
    const [got] = withRecordedSizes([q({})], [rec({ volid: 'ceph-vm:vm-9-disk-0' }), rec()]);
    assert.equal(got.sizeBytes, 20 * GiB);
    assert.equal(got.usedBytes, null);
    assert.equal(got.sizeRecorded, true);
  });
  it('a file path ending in the quarantine name matches; a recorded used figure fills a missing one', () => {
    const file = q({
      volid: 'local:162/vm-162-disk-0.raw',
      onStorage: '/var/lib/vz/images/pve-health-quarantine/pve-health-q.20261127T034424Z.162.vm-162-disk-0.raw',
    });
    const [got] = withRecordedSizes(
      [file],
      [rec({ volid: file.volid, quarantine: 'pve-health-q.20261127T034424Z.162.vm-162-disk-0.raw', usedBytes: 0 })],
    );
    assert.deepEqual([got.sizeBytes, got.usedBytes], [20 * GiB, 0]);
  });
  it('legitimate states it leaves as listed', () => {
    const listed = q({ sizeBytes: 4 * GiB });
    // A size the listing gives is the truth now.
    assert.equal(withRecordedSizes([listed], [rec()])[0], listed);
    // Another quarantine of the same volume ID (an earlier one, restored and quarantined again) is not it.
    const other = withRecordedSizes([q({})], [rec({ quarantine: 'pve-health-q.20261101T000000Z.vm-151-disk-0' })]);
    assert.equal(other[0].sizeBytes, null);
    assert.equal(other[0].sizeRecorded, undefined);
    // The same quarantine name under another volume ID (another storage) is not it either.
    assert.equal(withRecordedSizes([q({})], [rec({ volid: 'ceph-b:vm-151-disk-0' })])[0].sizeBytes, null);
    // A record without a size says nothing.
    assert.equal(withRecordedSizes([q({})], [rec({ sizeBytes: null })])[0].sizeBytes, null);
    // A snapshot provisions nothing: no size is filled in for it.
    const snap = q({ snapshot: true });
    assert.equal(withRecordedSizes([snap], [rec()])[0], snap);
  });
});
