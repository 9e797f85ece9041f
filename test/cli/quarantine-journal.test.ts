// Each quarantined volume names the reclaim journal that put it there (issue 60: the report's and the
// dashboard's restore command per volume), matched by its original volume ID and its quarantine name —
// never the journal of an earlier quarantine of the same volume, restored since. An unreadable journal
// directory costs only that command, unless a size is needed from it (then it fails, as before).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withQuarantine } from '../../src/cli/quarantine-listing';
import type { RecordedSize } from '../../src/core/reclaim/quarantined';
import type { QuarantinedVolume } from '../../src/core/reclaim/reclaim-types';
import type { CheckDocument } from '../../src/core/vocab/types';
import { healthyDoc } from '../fixtures/docs/check-documents';
import { volumesPart } from '../fixtures/docs/volumes-part';

const NOW = new Date('2026-11-28T00:00:00Z');
const VOLID = 'local-lvm:vm-151-disk-0';
const NAME = 'pve-health-q.20261120T080000Z.vm-151-disk-0';

function lv(over: Partial<QuarantinedVolume> = {}): QuarantinedVolume {
  return {
    volid: VOLID,
    storage: 'local-lvm',
    storageType: 'lvmthin',
    vmid: 151,
    name: `pve/${NAME}`,
    onStorage: NAME,
    since: '2026-11-20T08:00:00.000Z',
    purgeAfter: '2026-11-27T08:00:00.000Z',
    due: true,
    sizeBytes: 8 * 1024 ** 3,
    usedBytes: null,
    location: { vg: 'pve' },
    ...over,
  };
}

const docOf = (): CheckDocument => ({ ...healthyDoc(), dm: undefined, volumes: volumesPart({ entries: [] }) });

const RECORDS: RecordedSize[] = [
  // The same volume, quarantined before and restored since: another quarantine name.
  { volid: VOLID, quarantine: 'pve-health-q.20261001T080000Z.vm-151-disk-0', journal: '/j/reclaim-old.json' },
  // Another volume under the same time.
  { volid: 'local-lvm:vm-152-disk-0', quarantine: NAME, journal: '/j/reclaim-other.json' },
  { volid: VOLID, quarantine: NAME, journal: '/j/reclaim-this.json' },
];

test('a quarantined volume names the journal that recorded its quarantine name', () => {
  const doc = withQuarantine(docOf(), NOW, undefined, { lvs: [lv()], recorded: () => RECORDS });
  assert.equal(doc.quarantine?.volumes[0].journal, '/j/reclaim-this.json');
  // A snapshot renamed on its own dataset: the journal records the snapshot's quarantine name.
  const snap = lv({
    volid: 'local-zfs:vm-100-disk-2@__migration__',
    onStorage: 'rpool/data/vm-100-disk-2@pve-health-q.20261120T080000Z.__migration__',
    snapshot: true,
    sizeBytes: null,
  });
  const snapRecord = {
    volid: snap.volid,
    quarantine: 'pve-health-q.20261120T080000Z.__migration__',
    journal: '/j/reclaim-snap.json',
  };
  const withSnap = withQuarantine(docOf(), NOW, undefined, { lvs: [snap], recorded: () => [snapRecord] });
  assert.equal(withSnap.quarantine?.volumes[0].journal, '/j/reclaim-snap.json');
  // No such record (another node's run, a journal removed): no journal, the restore command lists them.
  const none = withQuarantine(docOf(), NOW, undefined, { lvs: [lv()], recorded: () => RECORDS.slice(0, 2) });
  assert.equal(none.quarantine?.volumes[0].journal, undefined);
  // --demo/--from: no journals are read.
  assert.equal(withQuarantine(docOf(), NOW, undefined, { lvs: [lv()] }).quarantine?.volumes[0].journal, undefined);
});

test('an unreadable journal directory: no journal named; a size needed from it still fails', () => {
  const broken = () => {
    throw new Error('cannot list /var/lib/pve-health/journal: EACCES');
  };
  const doc = withQuarantine(docOf(), NOW, undefined, { lvs: [lv()], recorded: broken });
  assert.equal(doc.quarantine?.volumes.length, 1);
  assert.equal(doc.quarantine?.volumes[0].journal, undefined);
  assert.throws(
    () => withQuarantine(docOf(), NOW, undefined, { lvs: [lv({ sizeBytes: null })], recorded: broken }),
    /EACCES/,
  );
  // Nothing in quarantine: the journals are not read at all.
  let read = 0;
  withQuarantine(docOf(), NOW, undefined, {
    lvs: [],
    recorded: () => {
      read++;
      return [];
    },
  });
  assert.equal(read, 0);
});
