// The findings decisions (src/core/findings): which entries are findings, their severity, key, subject,
// order, whether they count and can be acknowledged, the two summary sentences, and reading a key back.
// Table-driven from the fixture documents (test/fixtures/docs); every expected value is written out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entrySeverity, statusOf } from '../../src/core/dm/dm-summary';
import { acknowledgeDocument, isAckable } from '../../src/core/findings/acks';
import { describeKey, FINDING_KEY } from '../../src/core/findings/finding-keys';
import { findingTag, findingWord } from '../../src/core/findings/finding-words';
import { documentPartOf, type Finding, isCounted, listFindings, partErrors } from '../../src/core/findings/findings';
import { findingsPhrase } from '../../src/core/findings/problems';
import { summaryLine } from '../../src/core/findings/summary';
import { SEVERITY_RANK, STATUS_WORD, worstStatus } from '../../src/core/vocab/status';
import type { CheckDocument, DmEntry, Status } from '../../src/core/vocab/types';
import { healthyDoc, QUOTE_DM, storageDoc, troubledDoc } from '../fixtures/docs/check-documents';
import { volumesPart } from '../fixtures/docs/volumes-part';
import { dmEntry } from '../helpers/dm-entry';

const NOW = new Date('2026-03-14T10:00:00.000Z');

/** The troubled node with two findings acknowledged (an orphaned LV and the full mount). */
function acknowledgedDoc(): CheckDocument {
  const doc = troubledDoc();
  const keys = ['dm:orphan:guest-missing:pve-vm--105--disk--0', 'mount:full:host::/mnt/pve/iso'];
  const acks = keys.map((key) => ({
    key,
    reason: 'seen',
    until: '2026-03-21T10:00:00.000Z',
    at: NOW.toISOString(),
    severity: 1 as Status,
  }));
  return acknowledgeDocument(doc, listFindings(doc), acks, NOW);
}

/** Guest volumes with the orphan of deleted guest 105 acknowledged (`pve-health ack volume:…`). */
function acknowledgedVolumeDoc(): CheckDocument {
  const doc: CheckDocument = { ...healthyDoc(), volumes: volumesPart(), status: 1 };
  const key = 'volume:orphan:guest-missing:local-zfs:vm-105-disk-0';
  const acks = [
    {
      key,
      reason: 'kept for the audit',
      until: '2026-03-21T10:00:00.000Z',
      at: NOW.toISOString(),
      severity: 1 as Status,
    },
  ];
  return acknowledgeDocument(doc, listFindings(doc), acks, NOW);
}

/** A `cluster --notify` document: findings across nodes, one explained by a migration (info). */
function clusterDoc(): CheckDocument {
  const f = (id: string, severity: string, nodes: string[]) => ({
    id,
    kind: id.split(':')[0],
    severity,
    title: id,
    detail: '',
    nodes,
  });
  return {
    schemaVersion: 1,
    generatedAt: NOW.toISOString(),
    node: 'lab (cluster)',
    status: 2,
    cluster: {
      findings: [
        f('shared-lv-mapped:san/u2', 'warning', ['pve1', 'pve3']),
        f('migration:san/u3', 'info', ['pve1', 'pve2']),
        f('node-offline:pve4', 'unknown', ['pve4']),
        f('shared-lv-open:san/u1', 'critical', ['pve1', 'pve2']),
      ],
    },
  };
}

type Row = [key: string, severity: Status, subject: string, counted: boolean];

// The troubled node's findings (test/fixtures/docs/check-documents.ts), one row each.
// DM findings are keyed and named by their volume ID (the DM-name key stays an alias for acks.json).
const DUPLICATE: Row = ['dm:duplicate:stale-map:local-lvm:vm-103-disk-0', 2, 'local-lvm:vm-103-disk-0', true];
const STALE: Row = ['mount:stale:host::/mnt/pve/nfs-backup', 2, '/mnt/pve/nfs-backup', true];
const ORPHAN_105: Row = ['dm:orphan:guest-missing:local-lvm:vm-105-disk-0', 1, 'local-lvm:vm-105-disk-0', true];
const ORPHAN_102: Row = ['dm:orphan:not-referenced:local-lvm:vm-102-disk-1', 1, 'local-lvm:vm-102-disk-1', true];
const ORPHAN_107: Row = [`dm:orphan:lv-missing:${QUOTE_DM}`, 1, QUOTE_DM, true];
const FULL: Row = ['mount:full:host::/mnt/pve/iso', 1, '/mnt/pve/iso', true];
const READONLY: Row = ['mount:readonly:host::/mnt/pve/archive', 1, '/mnt/pve/archive', true];
const PENDING_110: Row = ['dm:orphan:guest-missing:local-lvm:vm-110-disk-0', 0, 'local-lvm:vm-110-disk-0', false];
const uncounted = ([key, severity, subject]: Row): Row => [key, severity, subject, false];
const TROUBLED_SUMMARY =
  'device-mapper part grade F (score 55): 1 duplicate, 4 orphans, 1 pending, 2 valid of 10; mounts: 1 stale, 1 readonly, 1 full';

const CASES: { name: string; doc: () => CheckDocument; findings: Row[]; phrase: string; summary: string }[] = [
  {
    name: 'healthy node',
    doc: healthyDoc,
    findings: [],
    phrase: 'no issues',
    summary: 'device-mapper part grade A+ (score 100): no issues, 2 valid of 5; mounts: 4 ok',
  },
  {
    name: 'troubled node: worst first (CRITICAL, then WARNING), the pending restore last and not counted',
    doc: troubledDoc,
    findings: [DUPLICATE, STALE, ORPHAN_105, ORPHAN_102, ORPHAN_107, FULL, READONLY, PENDING_110],
    phrase: '1 duplicate, 3 orphans, 1 stale mount, 1 readonly mount, 1 full mount, 1 pending',
    // The JSON summary reads each part's own counts (the fixture's DM summary says 4 orphans).
    summary: TROUBLED_SUMMARY,
  },
  {
    name: 'storage findings: critical and warning ones are findings, an info one is not; a missing mount is critical',
    doc: storageDoc,
    findings: [
      DUPLICATE,
      ['storage:thin-data:pve/data', 2, 'pve/data', true],
      STALE,
      ['mount:missing:host::/mnt/pve/nfs-vz', 2, '/mnt/pve/nfs-vz', true],
      ORPHAN_105,
      ORPHAN_102,
      ORPHAN_107,
      ['storage:stale-lock:105', 1, 'guest 105', true],
      FULL,
      READONLY,
      PENDING_110,
    ],
    phrase:
      '1 duplicate, 3 orphans, 2 storage issues, 1 stale mount, 1 missing mount, 1 readonly mount, 1 full mount, 1 pending',
    summary: TROUBLED_SUMMARY,
  },
  {
    name: 'acknowledged findings sort after those that count and are counted apart',
    doc: acknowledgedDoc,
    findings: [DUPLICATE, STALE, ORPHAN_102, ORPHAN_107, READONLY, PENDING_110, uncounted(ORPHAN_105), uncounted(FULL)],
    phrase: '1 duplicate, 2 orphans, 1 stale mount, 1 readonly mount, 1 pending, 2 acknowledged',
    summary: TROUBLED_SUMMARY,
  },
  {
    name: 'guest volumes: an orphan warns, a pending one is explained; a storage that did not answer is said',
    doc: () => ({ ...healthyDoc(), volumes: volumesPart({ rbdDown: true }), status: 3 }),
    findings: [
      ['volume:orphan:guest-missing:local-zfs:vm-105-disk-0', 1, 'local-zfs:vm-105-disk-0', true],
      ['volume:orphan:not-referenced:local-zfs:vm-120-disk-0', 0, 'local-zfs:vm-120-disk-0', false],
    ],
    phrase: '1 orphan, 1 pending, volumes not fully checked',
    summary:
      'device-mapper part grade A+ (score 100): no issues, 2 valid of 5; mounts: 4 ok; volumes: 2 orphans, 1 storage not checked, 1 pending of 3',
  },
  {
    name: 'an acknowledged orphaned volume is counted with the acknowledged findings, not as an orphaned volume',
    doc: acknowledgedVolumeDoc,
    findings: [
      ['volume:orphan:not-referenced:local-zfs:vm-120-disk-0', 0, 'local-zfs:vm-120-disk-0', false],
      ['volume:orphan:guest-missing:local-zfs:vm-105-disk-0', 1, 'local-zfs:vm-105-disk-0', false],
    ],
    // The pending orphan (restore in flight) is in the part's orphan count, as without acks.
    phrase: '1 pending, 1 acknowledged',
    summary:
      'device-mapper part grade A+ (score 100): no issues, 2 valid of 5; mounts: 4 ok; volumes: 2 orphans, 1 pending of 3',
  },
  {
    name: 'cluster findings: UNKNOWN (a node offline) between CRITICAL and WARNING; one a migration explains is left out',
    doc: clusterDoc,
    findings: [
      ['cluster:shared-lv-open:san/u1', 2, 'on pve1, pve2', true],
      ['cluster:node-offline:pve4', 3, 'on pve4', true],
      ['cluster:shared-lv-mapped:san/u2', 1, 'on pve1, pve3', true],
    ],
    phrase: '3 cluster findings',
    summary: '',
  },
];

for (const c of CASES) {
  test(`findings: ${c.name}`, () => {
    const doc = c.doc();
    const got = listFindings(doc);
    assert.deepEqual(
      got.map((f): Row => [f.key, f.severity, f.subject, isCounted(f)]),
      c.findings,
    );
    assert.equal(findingsPhrase(doc), c.phrase);
    assert.equal(summaryLine(doc), c.summary);
    for (const f of got) {
      // Every key is one `pve-health ack` accepts, and reads back to words naming its subject.
      assert.match(f.key, FINDING_KEY);
      assert.ok(
        describeKey(f.key).includes(f.part === 'cluster' || f.part === 'storage' ? f.reason : f.subject),
        f.key,
      );
    }
  });
}

// One rule for a DM entry's severity (dm-summary's entrySeverity): the finding, the part status and the
// dashboard all read it. Rows: the entry, then the finding's severity (null: not a finding).
const DM_SEVERITY: [string, Partial<DmEntry>, Status | null][] = [
  ['a duplicate map', { status: 'duplicate', reason: 'stale-map' }, 2],
  ['an orphan', { status: 'orphan', reason: 'guest-missing' }, 1],
  ['a shared LV of a guest elsewhere, not open here', { status: 'orphan', reason: 'guest-on-other-node' }, 1],
  [
    'a shared LV of a guest elsewhere, open here (two writers)',
    { status: 'orphan', reason: 'guest-on-other-node', open: true },
    2,
  ],
  // Open alone raises only the two-writers case: a leftover of a missing guest held open here stays a warning.
  ['an orphan of a missing guest, open here', { status: 'orphan', reason: 'guest-missing', open: true }, 1],
  ['undecidable (lvs failed)', { status: 'unknown', reason: 'lvm-incomplete' }, 3],
  ['a duplicate explained by a running task', { status: 'duplicate', reason: 'stale-map', pending: true }, 0],
  ['an unknown entry explained by a running task', { status: 'unknown', reason: 'vg-partial', pending: true }, 0],
  ['a valid volume', { status: 'valid', reason: 'referenced' }, null],
  ['the root LV', { status: 'ignored', reason: 'not-guest-volume' }, null],
];

for (const [what, over, want] of DM_SEVERITY) {
  test(`findings: DM severity of ${what}: ${want === null ? 'no finding' : want === 0 ? 'shown, not counted' : STATUS_WORD[want]}`, () => {
    const e = dmEntry({ name: 'san-vm--300--disk--0', ...over });
    const doc: CheckDocument = { ...healthyDoc(), mounts: undefined };
    doc.dm!.entries = [e];
    const found = listFindings(doc);
    assert.deepEqual(
      found.map((f) => f.severity),
      want === null ? [] : [want],
    );
    // The part's status is the same rule's worst.
    assert.equal(statusOf([e]), want ?? 0);
    assert.equal(entrySeverity(e), want ?? 0);
  });
}

test('findings: counting, acknowledging and the tag, one rule each', () => {
  const rows: [Pick<Finding, 'severity' | 'pending' | 'acknowledged'>, boolean, boolean, string, string][] = [
    // finding                                                        counts ackable word        tag
    [{ severity: 2, pending: false, acknowledged: null }, true, true, 'CRITICAL', 'CRITICAL'],
    [{ severity: 1, pending: false, acknowledged: null }, true, true, 'WARNING', 'WARNING'],
    [{ severity: 3, pending: false, acknowledged: null }, true, false, 'UNKNOWN', 'UNKNOWN'],
    [{ severity: 0, pending: true, acknowledged: null }, false, false, 'PENDING', 'PENDING'],
    [{ severity: 1, pending: false, acknowledged: { reason: 'r', until: 'u' } }, false, true, 'WARNING', 'ACK WARNING'],
  ];
  for (const [f, counts, ackable, word, tag] of rows) {
    assert.equal(isCounted(f), counts, JSON.stringify(f));
    assert.equal(isAckable(f), ackable, JSON.stringify(f));
    assert.equal(findingWord(f), word);
    assert.equal(findingTag(f), tag);
  }
});

test('findings: the part whose status a finding raises', () => {
  const parts: [Finding['part'], ReturnType<typeof documentPartOf>][] = [
    ['dm', 'dm'],
    ['storage', 'dm'],
    ['mounts', 'mounts'],
    ['volumes', 'volumes'],
    ['cluster', null],
  ];
  for (const [part, want] of parts) assert.equal(documentPartOf(part), want, part);
});

test('findings: parts that could not be checked, with the reason (never fail open)', () => {
  const rows: [string, (d: CheckDocument) => void, string[]][] = [
    ['none', () => {}, []],
    ['device-mapper', (d) => (d.dm!.error = 'dmsetup: timed out'), ['dm device-mapper: dmsetup: timed out']],
    ['mounts', (d) => (d.mounts!.error = 'no /proc'), ['mounts mounts: no /proc']],
    // A mounts part whose `error` is no string (an older document's flag) is no failure.
    ['mounts, error not a string', (d) => (d.mounts!.error = true), []],
    [
      'volumes and device-mapper',
      (d) => {
        d.dm!.error = 'x';
        d.volumes = volumesPart({ error: 'zfs list failed' });
      },
      ['dm device-mapper: x', 'volumes volumes: zfs list failed'],
    ],
  ];
  for (const [what, change, want] of rows) {
    const doc = troubledDoc();
    change(doc);
    assert.deepEqual(
      partErrors(doc).map((p) => `${p.part} ${p.label}: ${p.error}`),
      want,
      what,
    );
  }
});

test('findings: keys read back to words; a mount target or volume ID may hold ":"', () => {
  const rows: [string, string][] = [
    ['dm:orphan:guest-missing:pve-vm--105--disk--0', 'orphan pve-vm--105--disk--0 (guest-missing)'],
    ['volume:orphan:guest-missing:local-zfs:vm-150-disk-0', 'orphan volume local-zfs:vm-150-disk-0 (guest-missing)'],
    ['mount:stale:ct:102:/mnt/a:b', 'stale mount CT 102:/mnt/a:b'],
    ['mount:full:host::/mnt/pve/iso', 'full mount /mnt/pve/iso'],
    ['storage:thin-data:pve/data', 'storage thin-data:pve/data'],
    ['cluster:shared-lv-open:san/u1', 'cluster shared-lv-open:san/u1'],
    ['something-else', 'something-else'],
  ];
  for (const [key, words] of rows) assert.equal(describeKey(key), words);
  for (const bad of ['', 'dm', 'dm:', 'orphan:x', 'dm:orphan x', 'volumes:orphan:x'])
    assert.doesNotMatch(bad, FINDING_KEY, bad);
});

test('status: monitoring order is OK < WARNING < UNKNOWN < CRITICAL', () => {
  const worstFirst = ([0, 1, 2, 3] as Status[]).sort((a, b) => SEVERITY_RANK[b] - SEVERITY_RANK[a]);
  assert.deepEqual(
    worstFirst.map((s) => STATUS_WORD[s]),
    ['CRITICAL', 'UNKNOWN', 'WARNING', 'OK'],
  );
  const rows: [Status[], Status][] = [
    [[], 0],
    [[0, 1], 1],
    [[1, 3], 3],
    [[3, 2], 2],
    [[2, 3, 1, 0], 2],
  ];
  for (const [s, want] of rows) assert.equal(worstStatus(...s), want, JSON.stringify(s));
});
