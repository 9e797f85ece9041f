// The DM part's counts, grade and per-guest health (core/dm/dm-summary.ts), rule by rule: one rule for
// every count (an entry a running PVE operation explains is counted as pending only), the grade from
// top-level duplicates and orphans, and each guest's worst volume.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dmSummary, guestHealth } from '../../src/core/dm/dm-summary';
import type { DmEntry, DmResult } from '../../src/core/vocab/types';
import { dmEntry } from '../helpers/dm-entry';
import { nodeView } from '../helpers/node-view';

type Summary = DmResult['summary'];
const ZERO: Summary = {
  total: 0,
  valid: 0,
  duplicate: 0,
  orphan: 0,
  unknown: 0,
  ignored: 0,
  protected: 0,
  pending: 0,
  pendingFindings: 0,
  open: 0,
  score: 100,
  grade: 'A+',
};
const top = (status: DmEntry['status'], over: Partial<DmEntry> = {}) => dmEntry({ status, ...over });
const partition = (status: DmEntry['status']) =>
  dmEntry({ status, parent: 'pve-vm--100--disk--0', name: 'pve-vm--100--disk--0p1' });
const times = (n: number, e: () => DmEntry) => Array.from({ length: n }, e);

test('dmSummary: each status counted once, pending findings apart, the grade from top-level findings', () => {
  const rows: [string, DmEntry[], Partial<Summary>][] = [
    ['no entries', [], {}],
    ['a valid map', [top('valid')], { total: 1, valid: 1 }],
    ['an ignored map', [top('ignored')], { total: 1, ignored: 1 }],
    ['a duplicate: score 80, grade F', [top('duplicate')], { total: 1, duplicate: 1, score: 80, grade: 'F' }],
    ['an orphan: score 95, grade B', [top('orphan')], { total: 1, orphan: 1, score: 95, grade: 'B' }],
    ['an unknown map: no grade change', [top('unknown')], { total: 1, unknown: 1 }],
    [
      'one of each',
      [top('valid'), top('ignored'), top('duplicate'), top('orphan'), top('unknown')],
      { total: 5, valid: 1, ignored: 1, duplicate: 1, orphan: 1, unknown: 1, score: 75, grade: 'F' },
    ],
    // A partition or layer follows its LV: counted, but the grade counts the LV once.
    ['a duplicate partition', [partition('duplicate')], { total: 1, duplicate: 1 }],
    ['an orphan partition', [partition('orphan')], { total: 1, orphan: 1 }],
    [
      'six top-level orphans and a partition: grade C',
      [...times(6, () => top('orphan')), partition('orphan')],
      { total: 7, orphan: 7, score: 70, grade: 'C' },
    ],
    // What a running operation explains is pending, and a finding it explains is counted only there.
    ['a pending orphan', [top('orphan', { pending: true })], { total: 1, pending: 1, pendingFindings: 1 }],
    ['a pending duplicate', [top('duplicate', { pending: true })], { total: 1, pending: 1, pendingFindings: 1 }],
    ['a pending unknown map', [top('unknown', { pending: true })], { total: 1, pending: 1, pendingFindings: 1 }],
    ['a pending valid map stays valid', [top('valid', { pending: true })], { total: 1, valid: 1, pending: 1 }],
    ['a pending ignored map stays ignored', [top('ignored', { pending: true })], { total: 1, ignored: 1, pending: 1 }],
    // Protected and open are counted whatever the status, pending or not.
    [
      'protected and open, on a valid map and a pending orphan',
      [top('valid', { protected: true, open: true }), top('orphan', { pending: true, protected: true, open: true })],
      { total: 2, valid: 1, protected: 2, open: 2, pending: 1, pendingFindings: 1 },
    ],
    ['open alone', [top('orphan', { open: true })], { total: 1, orphan: 1, open: 1, score: 95, grade: 'B' }],
  ];
  for (const [name, entries, want] of rows) {
    const got = dmSummary(entries);
    assert.deepEqual(got, { ...ZERO, ...want }, name);
    // The identity every view relies on: the statuses and the explained findings add up to the total.
    assert.equal(
      got.valid + got.duplicate + got.orphan + got.unknown + got.ignored + (got.pendingFindings ?? 0),
      got.total,
      name,
    );
  }
});

const pve = () =>
  nodeView({
    guests: [
      { vmid: 100, text: 'name: web\n' },
      { vmid: 101, type: 'lxc', text: 'hostname: ct\n' },
      { vmid: 102, text: 'name: idle\n' },
      { vmid: 300, node: 'pve2', text: 'name: far\n' },
    ],
    running: [100],
  }).pve;

test('guestHealth: a guest is its worst top-level volume; every guest of this node is listed', () => {
  const e = (vmid: number | null, status: DmEntry['status'], over: Partial<DmEntry> = {}) =>
    dmEntry({ vmid, status, ...over });
  const rows: [string, DmEntry[], Record<number, [string, number, number]>][] = [
    // Guests of this node with no entry are listed as ok; another node's guest only when an entry names it.
    ['no entries', [], { 100: ['ok', 0, 0], 101: ['ok', 0, 0], 102: ['ok', 0, 0] }],
    ['valid volumes count, ignored ones do not', [e(100, 'valid'), e(100, 'ignored')], { 100: ['ok', 0, 1] }],
    ['an orphan', [e(100, 'orphan'), e(100, 'valid')], { 100: ['orphans', 1, 2] }],
    ['an unknown volume', [e(100, 'unknown')], { 100: ['unknown', 1, 1] }],
    ['duplicates over orphans', [e(100, 'orphan'), e(100, 'duplicate')], { 100: ['duplicates', 2, 2] }],
    ['duplicates over unknown', [e(100, 'unknown'), e(100, 'duplicate')], { 100: ['duplicates', 2, 2] }],
    ['orphans over unknown', [e(100, 'unknown'), e(100, 'orphan')], { 100: ['orphans', 2, 2] }],
    // A disk its config names that lvs lacks (dm-missing.ts, issue 58): the guest's issue, never "ok";
    // beside it, the guest's disk that is there is just a volume.
    [
      'a missing disk',
      [e(100, 'valid', { reason: 'missing-referenced', missing: { blocksStart: true } }), e(100, 'valid')],
      { 100: ['missing', 1, 2] },
    ],
    [
      'a missing unusedN disk is one too',
      [e(100, 'valid', { reason: 'missing-referenced', missing: { blocksStart: false } })],
      { 100: ['missing', 1, 1] },
    ],
    [
      'missing over orphans, duplicates over missing',
      [
        e(100, 'orphan'),
        e(100, 'valid', { reason: 'missing-referenced' }),
        e(101, 'duplicate'),
        e(101, 'valid', { reason: 'missing-referenced' }),
      ],
      { 100: ['missing', 2, 2], 101: ['duplicates', 2, 2] },
    ],
    [
      'a partition follows its LV: neither an issue nor a volume',
      [e(101, 'orphan'), e(101, 'duplicate', { parent: 'pve-vm--101--disk--0', name: 'pve-vm--101--disk--0p1' })],
      { 101: ['orphans', 1, 1] },
    ],
    ['a map of no VMID is no guest', [e(null, 'duplicate')], { 100: ['ok', 0, 0] }],
    ['another node’s guest, named by an entry', [e(300, 'orphan')], { 300: ['orphans', 1, 1] }],
    ['a VMID no config names', [e(555, 'duplicate')], { 555: ['duplicates', 1, 1] }],
  ];
  for (const [name, entries, want] of rows) {
    const got = guestHealth(pve(), entries);
    const vmids = new Set([100, 101, 102, ...Object.keys(want).map(Number)]);
    assert.deepEqual(
      got.map((g) => g.vmid),
      [...vmids].sort((a, b) => a - b),
      name,
    );
    for (const [vmid, [health, issues, volumes]] of Object.entries(want)) {
      const g = got.find((x) => x.vmid === Number(vmid));
      assert.deepEqual([g?.health, g?.issues, g?.volumes], [health, issues, volumes], `${name}: ${vmid}`);
    }
  }
});

test('guestHealth: who the guest is, in the key order every document has', () => {
  const got = guestHealth(pve(), [dmEntry({ vmid: 300, status: 'orphan' }), dmEntry({ vmid: 555, status: 'orphan' })]);
  assert.deepEqual(
    got.map((g) => Object.keys(g)),
    got.map(() => ['vmid', 'type', 'name', 'node', 'status', 'health', 'issues', 'volumes', 'lock', 'template']),
  );
  const by = (vmid: number) => got.find((g) => g.vmid === vmid);
  assert.deepEqual(
    [100, 101, 102, 300, 555].map((v) => [by(v)?.type, by(v)?.name, by(v)?.node, by(v)?.status]),
    [
      ['qemu', 'web', 'pve1', 'running'],
      ['lxc', 'ct', 'pve1', 'stopped'],
      ['qemu', 'idle', 'pve1', 'stopped'],
      ['qemu', 'far', 'pve2', 'unknown'],
      ['qemu', '(no config)', '-', 'missing'],
    ],
  );
});
