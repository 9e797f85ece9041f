import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Config } from '../../src/core/config';
import { parseNode } from '../../src/core/node/node-view';
import type { HostSnapshot } from '../../src/core/snapshot';
import { classifyStorage as classifyStorageOfView, storageStatus } from '../../src/core/storage/classify-storage';
import type { DmResult, StorageFinding } from '../../src/core/types';
import { emptyDm, lvsJson, snapshot, testbed } from '../helpers/storage-snapshot';

/** The storage rules on a raw snapshot, parsed as the product does (parseNode). */
const classifyStorage = (snap: HostSnapshot, dm: DmResult, config: Config) =>
  classifyStorageOfView(parseNode(snap), dm, config);

const kinds = (fs: StorageFinding[]) => fs.map((f) => `${f.kind}:${f.severity}`).sort();

/** The testbed's pool pve/data with its status line replaced by `poolStatus` (the rest as recorded). */
function poolSnap(poolStatus: string, extra: { vgs?: string; lvs?: string } = {}) {
  return snapshot({
    commands: {
      'dmsetup.status': `pve-data-tpool: 0 131072 thin-pool ${poolStatus}\npve-vm--100--disk--0: 0 524288 thin 0 -\n`,
      'dmsetup.table': testbed.table_initial,
      lvs: extra.lvs ?? testbed.lvs_full,
      ...(extra.vgs ? { vgs: extra.vgs } : {}),
    },
  });
}

test('thin pool states recorded on a real kernel', () => {
  const cases: { name: string; status: string; lvs: string; want: string[]; detail?: RegExp }[] = [
    {
      // 256 MiB thin volume on a 64 MiB pool: overcommit 400 % (> 200 % default) → warning
      name: 'fresh pool',
      status: testbed.status_initial,
      lvs: testbed.lvs_full,
      want: ['thin-pool-overcommit:warning'],
    },
    {
      name: 'full, writes queued',
      status: testbed.status_full_queue,
      lvs: testbed.lvs_full,
      want: ['thin-pool-out-of-space:critical', 'thin-pool-overcommit:warning'],
      detail: /freeze.*no_space_timeout/,
    },
    {
      name: 'full, error_if_no_space',
      status: testbed.status_full_queue.replace('queue_if_no_space', 'error_if_no_space'),
      lvs: testbed.lvs_full,
      want: ['thin-pool-out-of-space:critical', 'thin-pool-overcommit:warning'],
      detail: /fail at once/,
    },
  ];
  for (const c of cases) {
    const snap = snapshot({
      commands: { 'dmsetup.status': c.status, 'dmsetup.table': testbed.table_initial, lvs: c.lvs },
    });
    const fs = classifyStorage(snap, emptyDm(), {});
    assert.deepEqual(kinds(fs), c.want, c.name);
    if (c.detail) assert.match(fs.find((f) => f.kind === 'thin-pool-out-of-space')!.detail, c.detail, c.name);
    assert.ok(
      fs.every((f) => f.subject.storage === 'local-lvm' || f.kind.startsWith('multipath')),
      c.name,
    );
  }
  // After lvextend the pool is rw again: only the error_if_no_space setting is left to mention.
  const grown = snapshot({
    commands: { 'dmsetup.status': `pve-data-tpool: ${testbed.status_grown}`, lvs: testbed.lvs_full },
  });
  assert.ok(kinds(classifyStorage(grown, emptyDm(), {})).includes('thin-pool-error-if-no-space:info'));
});

test('thin pool usage against thresholds; metadata is tighter', () => {
  const cfg = (dm: Config['dm']): Config => ({ dm });
  const cases: { name: string; status: string; config?: Config; want: string[] }[] = [
    { name: 'data 79 %', status: '1 112/1024 809/1024 - rw discard_passdown queue_if_no_space - 256', want: [] },
    {
      name: 'data 80 %',
      status: '1 112/1024 820/1024 - rw discard_passdown queue_if_no_space - 256',
      want: ['thin-pool-data:warning'],
    },
    {
      name: 'data 91 %',
      status: '1 112/1024 932/1024 - rw discard_passdown queue_if_no_space - 256',
      want: ['thin-pool-data:critical'],
    },
    {
      name: 'data 85 %, critical lowered to 84',
      status: '1 112/1024 871/1024 - rw discard_passdown queue_if_no_space - 256',
      config: cfg({ thin_data_critical: 84 }),
      want: ['thin-pool-data:critical'],
    },
    {
      name: 'data 85 %, warning raised to 95',
      status: '1 112/1024 871/1024 - rw discard_passdown queue_if_no_space - 256',
      config: cfg({ thin_data_warning: 95, thin_data_critical: 98 }),
      want: [],
    },
    {
      name: 'meta 72 % (data-style 80 % would be quiet)',
      status: '1 738/1024 10/1024 - rw discard_passdown queue_if_no_space - 256',
      want: ['thin-pool-metadata:warning'],
    },
    {
      name: 'meta 88 %',
      status: '1 902/1024 10/1024 - rw discard_passdown queue_if_no_space - 256',
      want: ['thin-pool-metadata:critical'],
    },
    {
      name: 'read-only with full metadata',
      status: '1 1024/1024 10/1024 - ro discard_passdown queue_if_no_space - 256',
      want: ['thin-pool-read-only:critical'],
    },
    {
      name: 'needs_check',
      status: '1 112/1024 10/1024 - rw discard_passdown queue_if_no_space needs_check 256',
      want: ['thin-pool-needs-check:critical'],
    },
    { name: 'failed pool', status: 'Fail', want: ['thin-pool-failed:critical'] },
  ];
  // An lvs without the thin volume: no overcommit in these cases.
  const poolOnly = lvsJson(
    JSON.parse(testbed.lvs_full).report[0].lv.filter((r: Record<string, string>) => r.lv_name !== 'vm-100-disk-0'),
  );
  for (const c of cases) {
    const fs = classifyStorage(poolSnap(c.status, { lvs: poolOnly }), emptyDm(), c.config ?? {});
    assert.deepEqual(kinds(fs), c.want, c.name);
  }
  const ro = classifyStorage(
    poolSnap('1 1024/1024 10/1024 - ro discard_passdown queue_if_no_space - 256', { lvs: poolOnly }),
    emptyDm(),
    {},
  );
  assert.equal(ro[0].fix[0], 'lvextend --poolmetadatasize +1G pve/data');
  assert.match(ro[0].detail, /metadata is full/);
});

test('thin pool fix: grow by what brings usage under the warning threshold, if the VG has room', () => {
  const vgs = (free: number) =>
    JSON.stringify({
      report: [
        { vg: [{ vg_name: 'pve', vg_uuid: 'x', vg_attr: 'wz--n-', vg_size: '1069547520', vg_free: String(free) }] },
      ],
    });
  // 64 MiB pool, 95 % used: 60.8 MiB used needs a 76.02 MiB pool for 80 % → +13M (MiB below 1 GiB, rounded up).
  const status = '1 112/1024 973/1024 - rw discard_passdown queue_if_no_space - 256';
  const roomy = classifyStorage(poolSnap(status, { vgs: vgs(2 * 2 ** 30) }), emptyDm(), {});
  const data = roomy.find((f) => f.kind === 'thin-pool-data')!;
  assert.equal(data.fix[0], 'lvextend -L +13M pve/data');
  assert.equal(data.values?.dataPercent, 95.02);
  const full = classifyStorage(poolSnap(status, { vgs: vgs(0) }), emptyDm(), {});
  assert.match(full.find((f) => f.kind === 'thin-pool-data')!.fix[0], /^# VG pve has only 0 B free/);
});

test('thin pool usage falls back to lvs when dmsetup status has no line for it', () => {
  const snap = snapshot({ commands: { lvs: testbed.lvs_full_queue } });
  // lvs_full_queue has no lv_size/segtype: the pool is recognised by its attr (t...) and its Data% 100.
  assert.deepEqual(kinds(classifyStorage(snap, emptyDm(), {})), ['thin-pool-data:critical']);
});

test('multipath maps: no path (queueing), degraded, healthy', () => {
  const table = [
    'mpatha: 0 209715200 multipath 1 queue_if_no_path 1 alua 1 1 round-robin 0 2 1 8:16 1 8:32 1',
    'mpathb: 0 209715200 multipath 0 1 alua 2 1 service-time 0 1 2 8:48 1 1 service-time 0 1 2 8:64 1 1',
    'mpathc: 0 209715200 multipath 1 queue_if_no_path 0 1 1 service-time 0 2 2 8:80 1 1 8:96 1 1',
  ].join('\n');
  const status = [
    'mpatha: 0 209715200 multipath 2 1 0 0 1 1 E 0 2 0 8:16 F 12 8:32 F 12',
    'mpathb: 0 209715200 multipath 2 0 0 0 2 1 A 0 1 2 8:48 F 3 0 1 E 0 1 2 8:64 A 0 0 1',
    'mpathc: 0 209715200 multipath 2 0 0 0 1 1 A 0 2 2 8:80 A 0 0 1 8:96 A 0 0 1',
  ].join('\n');
  const run = (lvs: 'ok' | 'timeout') =>
    classifyStorage(
      snapshot({
        commands: {
          'dmsetup.table': table,
          'dmsetup.status': status,
          lvs: lvs === 'ok' ? lvsJson([]) : { error: 'timeout', code: null },
        },
      }),
      emptyDm(),
      {},
    );
  const fs = run('ok');
  assert.deepEqual(kinds(fs), ['multipath-degraded:warning', 'multipath-no-path:critical', 'multipath-paths:info']);
  const down = fs.find((f) => f.subject.device === 'mpatha')!;
  assert.match(down.detail, /queue_if_no_path is set: every I\/O to it waits/);
  assert.ok(down.fix.some((l) => l.includes('dmsetup message mpatha 0 fail_if_no_path')));
  assert.doesNotMatch(down.detail, /lvs timed out/);
  assert.match(run('timeout').find((f) => f.subject.device === 'mpatha')!.detail, /likely why lvs timed out/);
  assert.deepEqual(fs.find((f) => f.subject.device === 'mpathb')!.values, { activePaths: 1, failedPaths: 1 });
  assert.equal(storageStatus(fs), 2);
  assert.equal(storageStatus(fs.filter((f) => f.severity !== 'critical')), 1);
  assert.equal(storageStatus([]), 0);
});

test('findings are sorted worst first and ids are stable', () => {
  const snap = snapshot({ commands: { 'dmsetup.status': testbed.status_full_queue, lvs: testbed.lvs_full } });
  const a = classifyStorage(snap, emptyDm(), {});
  const b = classifyStorage(snap, emptyDm(), {});
  assert.deepEqual(a, b);
  assert.deepEqual(
    a.map((f) => f.id),
    ['thin-full:pve/data', 'thin-overcommit:pve/data'],
  );
});
