// The node's one verdict (core/findings/overall.ts; docs/reports.md "Grade, score and status"), table-driven
// over what counts: the grade bands of the seed (B 1–5 warnings, C 6–20, D 21–50, F over 50 or any
// critical), pending findings that never count, and the grade never reading better than the status a
// producer set (a WARNING node is never A+, a CRITICAL one always F), nor a part that could not be checked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { overallLine, overallOf } from '../../src/core/findings/overall';
import type { CheckDocument, DmEntry, Status } from '../../src/core/vocab/types';
import { dmEntry } from '../helpers/dm-entry';
import { dmResult } from '../serve/sample';

const orphan = (i: number, over: Partial<DmEntry> = {}) =>
  dmEntry({
    name: `pve-vm--${200 + i}--disk--0`,
    lv: `vm-${200 + i}-disk-0`,
    vmid: 200 + i,
    volume: `local-lvm:vm-${200 + i}-disk-0`,
    status: 'orphan',
    reason: 'guest-missing',
    ...over,
  });
const duplicate = (i: number) =>
  dmEntry({ name: `pve-vm--${300 + i}--disk--0`, vmid: 300 + i, status: 'duplicate', reason: 'stale-map' });

function doc(entries: DmEntry[], status: Status, over: Partial<CheckDocument> = {}): CheckDocument {
  return {
    schemaVersion: 1,
    generatedAt: '2026-01-01T00:00:00.000Z',
    node: 'pve1',
    dm: dmResult(entries, status),
    status,
    ...over,
  };
}

const many = (n: number, f: (i: number) => DmEntry) => Array.from({ length: n }, (_, i) => f(i));

// [what, entries, the document's status, grade, score, critical, warning]
const CASES: [string, DmEntry[], Status, string | null, number | null, number, number][] = [
  ['nothing', [], 0, 'A+', 100, 0, 0],
  ['one orphan', [orphan(0)], 1, 'B', 95, 0, 1],
  ['five orphans', many(5, orphan), 1, 'B', 75, 0, 5],
  ['six orphans', many(6, orphan), 1, 'C', 70, 0, 6],
  ['twenty orphans', many(20, orphan), 1, 'C', 60, 0, 20],
  ['twenty-one orphans', many(21, orphan), 1, 'D', 60, 0, 21],
  ['fifty orphans', many(50, orphan), 1, 'D', 60, 0, 50],
  ['fifty-one orphans', many(51, orphan), 1, 'F', 60, 0, 51],
  ['one duplicate', [duplicate(0)], 2, 'F', 80, 1, 0],
  ['three duplicates and an orphan', [...many(3, duplicate), orphan(0)], 2, 'F', 35, 3, 1],
  ['four duplicates (the duplicate penalty stops at 60)', many(4, duplicate), 2, 'F', 40, 4, 0],
  // Pending findings are shown but never count (a backup must not page anyone).
  ['a pending orphan', [orphan(0, { pending: true, protected: true })], 0, 'A+', 100, 0, 0],
  // A producer's status is authoritative: the grade never reads better than it.
  ['a WARNING with nothing counted', [], 1, 'B', 100, 0, 0],
  ['a CRITICAL with nothing counted', [], 2, 'F', 100, 0, 0],
  ['a CRITICAL with one orphan counted', [orphan(0)], 2, 'F', 95, 0, 1],
];

for (const [what, entries, status, grade, score, critical, warning] of CASES) {
  test(`overall: ${what} -> grade ${grade}, score ${score}`, () => {
    const o = overallOf(doc(entries, status));
    assert.deepEqual(
      { status: o.status, grade: o.grade, score: o.score, critical: o.critical, warning: o.warning },
      { status, grade, score, critical, warning },
    );
    assert.equal(o.headline.startsWith(`grade ${grade}:`), true, o.headline);
    if (grade !== 'A+') assert.notEqual(o.gradeReason, 'A+: nothing counts against the node');
  });
}

test('overall: a part that could not be checked leaves the node without a grade, whatever it found', () => {
  for (const entries of [[], [orphan(0)], [duplicate(0)]]) {
    const d = doc(entries, 3, { mounts: { error: 'mountinfo unreadable' } as unknown as CheckDocument['mounts'] });
    const o = overallOf(d);
    assert.equal(o.grade, null, JSON.stringify(o));
    assert.equal(o.score, null);
    assert.match(o.headline, /^not graded — could not check/);
    assert.ok(o.unchecked.length > 0);
  }
});

test('overall: the grade reason in words, per band', () => {
  const reason = (entries: DmEntry[], status: Status) => overallOf(doc(entries, status)).gradeReason;
  assert.equal(reason([], 0), 'A+: nothing counts against the node');
  assert.equal(reason([orphan(0)], 1), 'B: 1 warning (B is 1–5)');
  assert.equal(reason(many(3, orphan), 1), 'B: 3 warnings (B is 1–5)');
  assert.equal(reason(many(6, orphan), 1), 'C: 6 warnings (C is 6–20)');
  assert.equal(reason(many(21, orphan), 1), 'D: 21 warnings (D is 21–50)');
  assert.equal(reason(many(51, orphan), 1), 'F: more than 50 problems (51 warnings)');
  assert.equal(reason([duplicate(0)], 2), 'F: any critical problem is F (1 critical problem)');
  assert.equal(reason(many(2, duplicate), 2), 'F: any critical problem is F (2 critical problems)');
  assert.equal(reason([], 2), 'F: more than 50 problems (0 warnings)');
});

test('overall: one count per guest volume (its worst finding), none for a layer of its LV', () => {
  const vol = 'local-lvm:vm-150-disk-0';
  const lvOrphan = orphan(0, { name: 'pve/vm-150-disk-0', kind: 'lv', volume: vol, vmid: 150 });
  const mapDup = dmEntry({
    name: 'pve-vm--150--disk--0',
    volume: vol,
    vmid: 150,
    status: 'duplicate',
    reason: 'stale-map',
  });
  const layer = orphan(1, { name: 'pve-vm--150--disk--0-real', parent: 'pve-vm--150--disk--0', layer: 'real' });
  const o = overallOf(doc([lvOrphan, mapDup, layer], 2));
  assert.deepEqual([o.critical, o.warning, o.volumeProblems], [1, 0, 1]);
  // Two orphans of two volumes are two problems; the same volume twice is one.
  const two = overallOf(doc([orphan(0), orphan(1), orphan(1, { name: 'pve-vm--201--disk--0-x' })], 1));
  assert.deepEqual([two.warning, two.volumeProblems], [2, 2]);
});

test('overall: which parts could not be checked, and why (first line of the reason)', () => {
  const base = doc([], 3);
  const dmError = overallOf({ ...base, dm: { ...dmResult([], 3), error: 'dmsetup: command not found\nmore' } });
  assert.deepEqual(dmError.unchecked, [{ part: 'dm', label: 'device-mapper', why: 'dmsetup: command not found' }]);
  assert.match(
    dmError.headline,
    /^not graded — could not check device-mapper \(dmsetup: command not found\); no issues in what was checked$/,
  );
  assert.equal(dmError.gradeReason, 'no grade: device-mapper could not be checked');
  const partly = overallOf({ ...base, dm: { ...dmResult([], 3), unchecked: ['dmsetup status failed: exit 1'] } });
  assert.deepEqual(
    partly.unchecked.map((u) => u.why),
    ['dmsetup status failed: exit 1'],
  );
  const warned = overallOf({ ...base, dm: { ...dmResult([], 3), warnings: ['lvs timed out'] } });
  assert.deepEqual(
    warned.unchecked.map((u) => u.why),
    ['lvs timed out'],
  );
  const silent = overallOf({ ...base, dm: { ...dmResult([], 3), warnings: [] } });
  assert.deepEqual(
    silent.unchecked.map((u) => u.why),
    ['could not be checked'],
  );
  const vols = overallOf({
    ...doc([], 0),
    status: 3,
    volumes: {
      status: 3,
      error: 'rbd: timed out',
      warnings: [],
      entries: [],
      storages: [],
      summary: { pending: 0 },
    } as unknown as CheckDocument['volumes'],
  });
  assert.deepEqual(vols.unchecked, [{ part: 'volumes', label: 'volumes', why: 'rbd: timed out' }]);
  const mounts = overallOf({
    ...doc([], 0),
    status: 3,
    mounts: { status: 3, error: 'mountinfo unreadable', entries: [] } as unknown as CheckDocument['mounts'],
  });
  assert.deepEqual(mounts.unchecked, [{ part: 'mounts', label: 'mounts', why: 'mountinfo unreadable' }]);
  // Every part that could not be checked, in order, each with its reason.
  const both = overallOf({
    ...(mounts.unchecked.length ? doc([], 3) : base),
    dm: { ...dmResult([], 3), error: 'x' },
    mounts: { status: 3, error: 'y', entries: [] } as unknown as CheckDocument['mounts'],
  });
  assert.deepEqual(
    both.unchecked.map((u) => `${u.part}:${u.why}`),
    ['dm:x', 'mounts:y'],
  );
  assert.equal(both.gradeReason, 'no grade: device-mapper, mounts could not be checked');
  // A checked node names no part.
  assert.deepEqual(overallOf(doc([orphan(0)], 1)).unchecked, []);
});

// A part that is UNKNOWN says why with its own first UNKNOWN finding (subject: explanation), else the
// part's first reason; never another part's finding, nor a finding that is not UNKNOWN.
const unknownEntry = (vmid: number) =>
  dmEntry({
    name: `pve-vm--${vmid}--disk--0`,
    lv: `vm-${vmid}-disk-0`,
    vmid,
    volume: `local-lvm:vm-${vmid}-disk-0`,
    status: 'unknown',
    reason: 'lvm-incomplete',
  });
const volume = (volid: string, status: 'orphan' | 'unknown', over: Record<string, unknown> = {}) => ({
  volid,
  storage: volid.split(':')[0],
  vmid: 170,
  status,
  reason: status === 'unknown' ? 'storage-unreadable' : 'guest-missing',
  detail: '',
  pending: false,
  ...over,
});
const volumesPart = (status: Status, entries: ReturnType<typeof volume>[], warnings: string[] = []) =>
  ({ status, entries, warnings, storages: [], summary: { pending: 0 } }) as unknown as CheckDocument['volumes'];

test('overall: an UNKNOWN part names its own UNKNOWN finding, not an orphan or another part’s finding', () => {
  const d = doc([unknownEntry(160), orphan(0)], 3, {
    volumes: volumesPart(3, [volume('rpool:vm-170-disk-0', 'orphan'), volume('rpool:vm-171-disk-0', 'unknown')]),
  });
  const o = overallOf(d);
  assert.deepEqual(o.unchecked, [
    {
      part: 'dm',
      label: 'device-mapper',
      why: 'local-lvm:vm-160-disk-0: LVM could not be read completely, so this cannot be decided safely',
    },
    { part: 'volumes', label: 'volumes', why: 'rpool:vm-171-disk-0: storage unreadable' },
  ]);
  assert.equal(
    o.headline,
    'not graded — could not check device-mapper (local-lvm:vm-160-disk-0: LVM could not be read completely, so this cannot be decided safely); volumes (rpool:vm-171-disk-0: storage unreadable); 2 orphans, 2 unknown',
  );
  assert.equal(overallLine(o), `UNKNOWN — ${o.headline}`);
  // An UNKNOWN part with orphans only (its reason is not a finding): the part's first warning.
  const dmOnlyOrphan = overallOf(
    doc([orphan(0)], 3, { dm: { ...dmResult([orphan(0)], 3), warnings: ['lvs timed out'] } }),
  );
  assert.deepEqual(dmOnlyOrphan.unchecked, [{ part: 'dm', label: 'device-mapper', why: 'lvs timed out' }]);
  const volOnlyOrphan = overallOf(
    doc([], 0, {
      status: 3,
      volumes: volumesPart(3, [volume('rpool:vm-170-disk-0', 'orphan')], ['zfs list timed out']),
    }),
  );
  assert.deepEqual(volOnlyOrphan.unchecked, [{ part: 'volumes', label: 'volumes', why: 'zfs list timed out' }]);
  // A part that is not UNKNOWN is not named, whatever it holds.
  assert.deepEqual(
    overallOf(doc([orphan(0)], 1, { volumes: volumesPart(1, [volume('rpool:vm-170-disk-0', 'orphan')]) })).unchecked,
    [],
  );
});

test('overall: UNKNOWN findings count apart: not as warnings, and not as a guest volume with a problem', () => {
  const o = overallOf(doc([unknownEntry(160), unknownEntry(161)], 3));
  assert.deepEqual([o.critical, o.warning, o.unknown, o.volumeProblems], [0, 0, 2, 0]);
  const mixed = overallOf(doc([unknownEntry(160), orphan(0)], 3));
  assert.deepEqual([mixed.critical, mixed.warning, mixed.unknown, mixed.volumeProblems], [0, 1, 1, 1]);
});

test('overall: an UNKNOWN mount table is named by its own finding’s detail, else "could not be checked"', () => {
  const stale = { status: 'unknown', severity: 3, target: '/mnt/pve/nfs1', detail: 'statfs timed out' };
  const mounts = (status: Status, entries: object[]) =>
    ({ status, entries, summary: {} }) as unknown as CheckDocument['mounts'];
  const withEntry = overallOf({ ...doc([], 0), status: 3, mounts: mounts(3, [stale]) });
  assert.deepEqual(withEntry.unchecked, [{ part: 'mounts', label: 'mounts', why: 'statfs timed out' }]);
  const bare = overallOf({ ...doc([], 0), status: 3, mounts: mounts(3, []) });
  assert.deepEqual(bare.unchecked, [{ part: 'mounts', label: 'mounts', why: 'could not be checked' }]);
  // Mounts that are fine name nothing.
  assert.deepEqual(overallOf({ ...doc([], 0), mounts: mounts(0, []) }).unchecked, []);
});

test('overall: a document with no device-mapper part (mounts only) is graded from what it has', () => {
  const o = overallOf({ schemaVersion: 1, generatedAt: 'x', node: 'pve1', status: 0 } as unknown as CheckDocument);
  assert.deepEqual([o.grade, o.unchecked], ['A+', []]);
});

test('overall: the reason is the first line of the part’s error, trimmed', () => {
  const o = overallOf({ ...doc([], 3), dm: { ...dmResult([], 3), error: '  dmsetup: command not found  \nmore' } });
  assert.equal(o.unchecked[0].why, 'dmsetup: command not found');
});

test('overall: parts that failed for one reason are named once, together; others each with theirs', () => {
  const same = overallOf({
    ...doc([], 3),
    dm: { ...dmResult([], 3), error: 'no Proxmox VE cluster files' },
    mounts: { status: 3, error: 'no Proxmox VE cluster files', entries: [] } as unknown as CheckDocument['mounts'],
  });
  assert.equal(
    same.headline,
    'not graded — could not check device-mapper, mounts (no Proxmox VE cluster files); no issues in what was checked',
  );
  const three = overallOf({
    ...doc([], 3),
    dm: { ...dmResult([], 3), error: 'a' },
    volumes: { ...volumesPart(3, []), error: 'b' } as CheckDocument['volumes'],
    mounts: { status: 3, error: 'a', entries: [] } as unknown as CheckDocument['mounts'],
  });
  assert.match(three.headline, /^not graded — could not check device-mapper, mounts \(a\); volumes \(b\); /);
});

test('overall: the headline counts what counts, then pending findings apart', () => {
  const pending = orphan(1, { pending: true, protected: true });
  assert.equal(overallOf(doc([pending], 0)).headline, 'grade A+: 1 pending');
  assert.equal(overallOf(doc([orphan(0), pending], 1)).headline, 'grade B: 1 orphan, 1 pending');
  assert.equal(overallOf(doc([orphan(0)], 1)).headline, 'grade B: 1 orphan');
});
