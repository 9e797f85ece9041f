import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  parseDmStatus,
  parseMultipathFeatures,
  parseMultipathStatus,
  parseThinPoolStatus,
  parseThinStatus,
} from '../../src/core/parse/parse-dm-status';

// Raw outputs recorded in the testbed (kernel 6.1, lvm2 2.03.16); see the fixture's _about.
const tb = JSON.parse(readFileSync(join('test', 'fixtures', 'storage', 'testbed-thin.json'), 'utf8')) as Record<
  string,
  string
>;

function params(line: string, target: string): string {
  const i = line.indexOf(` ${target} `);
  assert.ok(i >= 0, `no ${target} in ${line}`);
  return line.slice(i + target.length + 2);
}

test('thin-pool status lines from a real kernel', () => {
  const cases: { name: string; line: string; want: Record<string, unknown> }[] = [
    {
      name: 'fresh pool',
      line: tb.status_initial.split('\n').find((l) => l.includes('thin-pool'))!,
      want: {
        transactionId: 1,
        metaUsed: 112,
        metaTotal: 1024,
        dataUsed: 0,
        dataTotal: 1024,
        mode: 'rw',
        errorIfNoSpace: false,
        needsCheck: false,
        heldRoot: null,
        metaLowWatermark: 256,
        discard: 'discard_passdown',
      },
    },
    {
      name: 'full pool, writes queued',
      line: tb.status_full_queue.split('\n').find((l) => l.includes('thin-pool'))!,
      want: { dataUsed: 1024, dataTotal: 1024, metaUsed: 117, mode: 'out_of_data_space', errorIfNoSpace: false },
    },
    {
      name: 'full pool after lvchange --errorwhenfull y',
      line: tb.status_full_error.trim(),
      want: { mode: 'out_of_data_space', errorIfNoSpace: true },
    },
    {
      name: 'pool grown by lvextend: rw again',
      line: tb.status_grown.trim(),
      want: { dataUsed: 1024, dataTotal: 3072, mode: 'rw', errorIfNoSpace: true },
    },
  ];
  for (const c of cases) {
    const st = parseThinPoolStatus(params(c.line, 'thin-pool'));
    assert.equal(st.failed, false, c.name);
    for (const [k, v] of Object.entries(c.want))
      assert.deepEqual((st as unknown as Record<string, unknown>)[k], v, `${c.name}: ${k}`);
  }
});

test('thin-pool status: flags by value, old kernels without the watermark, Fail', () => {
  // The fakenode format and a kernel before 4.19 (no metadata low watermark), with needs_check and a held root.
  const ro = parseThinPoolStatus('7 4000/4096 900/1000 3 ro no_discard_passdown queue_if_no_space needs_check');
  assert.equal(ro.failed, false);
  if (!ro.failed) {
    assert.equal(ro.mode, 'ro');
    assert.equal(ro.needsCheck, true);
    assert.equal(ro.heldRoot, 3);
    assert.equal(ro.metaLowWatermark, null);
    assert.equal(ro.discard, 'no_discard_passdown');
  }
  assert.deepEqual(parseThinPoolStatus('Fail'), { failed: true, text: 'Fail' });
  assert.deepEqual(parseThinPoolStatus('Error'), { failed: true, text: 'Error' });
  assert.equal(parseThinPoolStatus('x 1/2 3/4 - rw a b c d').failed, true);
});

test('thin status lines', () => {
  const lines = tb.status_initial.split('\n').filter((l) => / thin \d/.test(l));
  assert.deepEqual(parseThinStatus(params(lines[0], 'thin')), { failed: false, mappedSectors: 0, highestMapped: null });
  const full = tb.status_full_queue.split('\n').find((l) => / thin \d/.test(l))!;
  assert.deepEqual(parseThinStatus(params(full, 'thin')), {
    failed: false,
    mappedSectors: 131072,
    highestMapped: 131071,
  });
  assert.deepEqual(parseThinStatus('Fail'), { failed: true, text: 'Fail' });
});

test('parseDmStatus groups all devices, multi-segment devices keep every segment', () => {
  const m = parseDmStatus(tb.status_guestvg);
  assert.deepEqual([...m.keys()].sort(), [
    'guestvg-root',
    'pve-data',
    'pve-data-tpool',
    'pve-data_tdata',
    'pve-data_tmeta',
    'pve-vm--100--disk--0',
    'pve-vm--102--disk--0',
    'pve-vm--104--disk--0',
  ]);
  assert.equal(m.get('pve-data_tdata')!.length, 2, 'the extended tdata has two linear segments');
  assert.equal(m.get('pve-data-tpool')![0].target, 'thin-pool');
  assert.equal(parseDmStatus('No devices found\n').size, 0);
});

test('parseDmStatus with targets keeps only those segments (the storage rules read thin-pool and multipath)', () => {
  const all = parseDmStatus(tb.status_guestvg);
  const some = parseDmStatus(tb.status_guestvg, [...all.keys()], ['thin-pool', 'multipath']);
  assert.deepEqual([...some.keys()], ['pve-data-tpool']);
  assert.deepEqual(some.get('pve-data-tpool'), all.get('pve-data-tpool'));
  // A map with odd spacing is still judged by its target word.
  const odd = parseDmStatus(
    'mp:  0 100  multipath 2 0 0 0 1 1 A 0 1 0 8:16 A 0\nx: 0 8 linear 8:0 0',
    ['mp', 'x'],
    ['multipath'],
  );
  assert.deepEqual([...odd.keys()], ['mp']);
  assert.equal(odd.get('mp')![0].target, 'multipath');
});

// Multipath lines follow dm-mpath.c multipath_status (INFO) exactly; no multipath device can be made
// in the testbed (no dm-multipath module), so they are written from that format:
// features "2 <queue_io> <pg_init_count>", "0" hw handler args, groups, per group state, selector
// status args, path count, per-path info arg count (service-time: 2, round-robin: 0), paths.
test('multipath status: paths per group, failed paths, queueing', () => {
  const cases = [
    {
      name: 'service-time, two healthy paths',
      params: '2 0 0 0 1 1 A 0 2 2 8:16 A 0 0 1 8:32 A 0 0 1',
      want: { activePaths: 2, failedPaths: 0, queueing: false, groups: 1 },
    },
    {
      name: 'two groups (alua), one failed path in the active group',
      params: '2 0 1 0 2 1 A 0 2 2 8:16 F 3 0 1 8:32 A 0 0 1 E 0 2 2 65:16 A 0 0 1 65:32 A 0 0 1',
      want: { activePaths: 3, failedPaths: 1, queueing: false, groups: 2 },
    },
    {
      name: 'all paths down, I/O queued (round-robin)',
      params: '2 1 0 0 1 1 E 0 2 0 8:16 F 12 8:32 F 12',
      want: { activePaths: 0, failedPaths: 2, queueing: true, groups: 1 },
    },
    {
      name: 'fakenode format',
      params: '2 0 0 0 1 1 A 0 1 0 8:16 A 0',
      want: { activePaths: 1, failedPaths: 0, queueing: false, groups: 1 },
    },
    {
      name: 'no path groups at all',
      params: '2 1 0 0 0 0',
      want: { activePaths: 0, failedPaths: 0, queueing: true, groups: 0 },
    },
  ];
  for (const c of cases) {
    const mp = parseMultipathStatus(c.params);
    assert.ok(mp, c.name);
    assert.equal(mp.activePaths, c.want.activePaths, c.name);
    assert.equal(mp.failedPaths, c.want.failedPaths, c.name);
    assert.equal(mp.queueing, c.want.queueing, c.name);
    assert.equal(mp.groups.length, c.want.groups, c.name);
  }
  const two = parseMultipathStatus(
    '2 0 1 0 2 1 A 0 2 2 8:16 F 3 0 1 8:32 A 0 0 1 E 0 2 2 65:16 A 0 0 1 65:32 A 0 0 1',
  )!;
  assert.deepEqual(two.groups[0].paths[0], { dev: '8:16', active: false, failCount: 3 });
  assert.equal(two.groups[1].state, 'E');
  assert.equal(parseMultipathStatus('2 0 0 0 1 1 A 0 2 2 8:16 A'), null, 'truncated');
  assert.equal(parseMultipathStatus('garbage'), null);
});

test('multipath table features', () => {
  assert.deepEqual(parseMultipathFeatures('1 queue_if_no_path 1 alua 1 1 service-time 0 2 1 8:16 1 8:32 1'), {
    features: ['queue_if_no_path'],
    queueIfNoPath: true,
  });
  assert.deepEqual(
    parseMultipathFeatures('3 queue_if_no_path queue_mode bio 0 1 1 round-robin 0 1 1 8:16 1').queueIfNoPath,
    true,
  );
  assert.deepEqual(parseMultipathFeatures('0 1 alua 1 1 service-time 0 1 1 8:16 1'), {
    features: [],
    queueIfNoPath: false,
  });
});
