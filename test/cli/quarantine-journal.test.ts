// Each quarantined volume names the reclaim journal that put it there (issue 60: the report's and the
// dashboard's restore command per volume), matched by its original volume ID and its quarantine name —
// never the journal of an earlier quarantine of the same volume, restored since. An unreadable journal
// directory proves nothing: no journal is named and nothing is due (core/reclaim/quarantine-proof.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withQuarantine } from '../../src/cli/quarantine-listing';
import type { QuarantinedVolume, QuarantineRecord } from '../../src/core/reclaim/reclaim-types';
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

/** A finished quarantine step of `volid` as `quarantine`, recorded by `journal`. */
const rec = (volid: string, quarantine: string, journal: string): QuarantineRecord => ({
  kind: 'reclaim',
  result: 'done',
  volid,
  storageType: 'lvmthin',
  op: 'lv-rename',
  original: volid.slice(volid.indexOf(':') + 1),
  quarantine,
  since: '2026-11-20T08:00:00.000Z',
  purgeAfter: '2026-11-27T08:00:00.000Z',
  location: { vg: 'pve' },
  journal,
});

const RECORDS: QuarantineRecord[] = [
  // The same volume, quarantined before and restored since: another quarantine name.
  rec(VOLID, 'pve-health-q.20261001T080000Z.vm-151-disk-0', '/j/reclaim-old.json'),
  // Another volume under the same time.
  rec('local-lvm:vm-152-disk-0', NAME, '/j/reclaim-other.json'),
  rec(VOLID, NAME, '/j/reclaim-this.json'),
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
  const snapRecord = rec(snap.volid, 'pve-health-q.20261120T080000Z.__migration__', '/j/reclaim-snap.json');
  const withSnap = withQuarantine(docOf(), NOW, undefined, { lvs: [snap], recorded: () => [snapRecord] });
  assert.equal(withSnap.quarantine?.volumes[0].journal, '/j/reclaim-snap.json');
  // No such record (another node's run, a journal removed): no journal, the restore command lists them.
  const none = withQuarantine(docOf(), NOW, undefined, { lvs: [lv()], recorded: () => RECORDS.slice(0, 2) });
  assert.equal(none.quarantine?.volumes[0].journal, undefined);
  // --demo/--from: no journals are read.
  assert.equal(withQuarantine(docOf(), NOW, undefined, { lvs: [lv()] }).quarantine?.volumes[0].journal, undefined);
});

test('an unreadable journal directory: no journal named, nothing due, and the reason says why', () => {
  const broken = () => {
    throw new Error('cannot list /var/lib/pve-health/journal: EACCES');
  };
  const doc = withQuarantine(docOf(), NOW, undefined, { lvs: [lv()], recorded: broken });
  assert.equal(doc.quarantine?.volumes.length, 1);
  assert.equal(doc.quarantine?.volumes[0].journal, undefined);
  assert.equal(doc.quarantine?.volumes[0].due, false);
  assert.match(doc.quarantine?.volumes[0].notOurs ?? '', /the journals could not be read: .*EACCES/);
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
