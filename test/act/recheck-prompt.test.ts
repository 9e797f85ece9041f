import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { type Analysis, recheck } from '../../src/act/apply-cleanup';
import { createPrompter, parseAnswer } from '../../src/act/prompt';
import { planCleanup } from '../../src/core/cleanup/plan-cleanup';
import { parseNode } from '../../src/core/node/node-view';
import type { DmEntry, DmResult } from '../../src/core/vocab/types';
import { bareSnapshot } from '../helpers/bare-snapshot';
import { dmEntry } from '../helpers/dm-entry';

const snap = bareSnapshot({});

function e(p: Partial<DmEntry>): DmEntry {
  return dmEntry({
    name: 'pve-vm--103--disk--2',
    uuid: 'LVM-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
    lv: 'vm-103-disk-2',
    vmid: 103,
    volume: 'local-lvm:vm-103-disk-2',
    status: 'orphan',
    reason: 'lv-missing',
    sizeBytes: 1,
    table: ['0 65536 thin 252:3 9'],
    majorMinor: '252:30',
    ...p,
  });
}

const analysis = (entries: DmEntry[]): Analysis => ({
  view: parseNode(snap),
  result: { entries, guests: [] } as unknown as DmResult,
});

describe('recheck (fresh data under the locks)', () => {
  const planned = planCleanup([e({})]).actions[0];
  const cases: [string, DmEntry[], RegExp | null][] = [
    ['unchanged', [e({})], null],
    ['gone', [], /no longer exists/],
    ['renamed', [e({ name: 'pve-vm--104--disk--0' })], /now named pve-vm--104--disk--0/],
    ['table changed', [e({ table: ['0 65536 thin 252:3 10'] })], /table changed/],
    ['opened', [e({ open: true, openCount: 1, processes: [{ pid: 7, command: 'dd' }] })], /open now \(dd\[7\]\)/],
    [
      'became pending',
      [e({ pending: true, protected: true, protectedBy: ['task:qmrestore'] })],
      /pending now: task:qmrestore/,
    ],
    ['now valid', [e({ status: 'valid', reason: 'referenced' })], /now valid\/referenced/],
    ['VG now unknown', [e({ status: 'unknown', reason: 'vg-partial' })], /now unknown\/vg-partial/],
    [
      'a config on this node names it now (its lock is not held)',
      [
        e({
          guests: [
            { vmid: 103, type: 'qemu', node: 'pve1' },
            { vmid: 210, type: 'lxc', node: 'pve1' },
          ],
        }),
      ],
      /now named in the config of CT 210/,
    ],
    ['named by its own guest only', [e({ guests: [{ vmid: 103, type: 'qemu', node: 'pve1' }] })], null],
  ];
  for (const [what, fresh, want] of cases) {
    it(what, () => {
      const why = recheck(planned, analysis(fresh));
      if (want === null) assert.equal(why, null);
      else assert.match(why ?? '', want);
    });
  }
});

// kpartx: the parent is open by its own partition map, so it is protected and carries a hint; the partition
// carries the action. Its re-check must ask whether its own fix still stands, not whether the parent
// carries an action (the real-kernel suite saw every partition skipped when it did).
describe('recheck of a kpartx partition', () => {
  const UUID = 'LVM-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
  const parent = (p: Partial<DmEntry> = {}) =>
    e({ open: true, openCount: 1, holders: ['pve-vm--103--disk--2p1'], protected: true, protectedBy: ['open'], ...p });
  const part = (p: Partial<DmEntry> = {}) =>
    e({
      name: 'pve-vm--103--disk--2p1',
      uuid: `part1-${UUID}`,
      parent: 'pve-vm--103--disk--2',
      majorMinor: '252:31',
      table: ['0 2048 linear 252:30 2048'],
      ...p,
    });
  const planned = planCleanup([parent(), part()]).actions.find((a) => a.name === 'pve-vm--103--disk--2p1');
  it('is planned (the partition carries the action)', () => assert.ok(planned));
  const cases: [string, DmEntry[], RegExp | null][] = [
    ['unchanged: the partition still goes first', [parent(), part()], null],
    [
      'the parent is valid now',
      [parent({ status: 'valid', reason: 'referenced' }), part()],
      /no longer a finding that gets a fix/,
    ],
    ['the parent is gone', [part()], /parent pve-vm--103--disk--2 is gone/],
    ['the partition is open now', [parent(), part({ open: true, openCount: 1 })], /open now/],
  ];
  for (const [what, fresh, want] of cases) {
    it(what, () => {
      const why = recheck(planned!, analysis(fresh));
      if (want === null) assert.equal(why, null);
      else assert.match(why ?? '', want);
    });
  }
});

describe('prompt', () => {
  it('parses y/n/a/q, Enter is no, anything else asks again', () => {
    assert.equal(parseAnswer(''), 'n');
    assert.equal(parseAnswer(' Y '), 'y');
    assert.equal(parseAnswer('all'), 'a');
    assert.equal(parseAnswer('q'), 'q');
    assert.equal(parseAnswer('maybe'), null);
  });
  it('asks again on nonsense; end of input quits', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (b) => (shown += b));
    const p = createPrompter(input, output);
    input.write('maybe\n\ny\n');
    assert.equal(await p.ask('remove x?'), 'n');
    assert.match(shown, /please answer y/);
    assert.equal(await p.ask('remove y?'), 'y');
    input.end();
    assert.equal(await p.ask('remove z?'), 'q');
    p.close();
  });
});
