import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNode } from '../../src/core/node/node-view';
import {
  buildStorageContext,
  classifyStorage as classifyStorageOfView,
  parseAutoactivation,
  storageStatus,
} from '../../src/core/storage/classify-storage';
import type { Config } from '../../src/core/vocab/config';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import type { DmResult, StorageFinding } from '../../src/core/vocab/types';
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

// Each thin-pool finding whole, as every output shows it: what the kernel reported, why it matters, the
// fix in the order to run it, and the values monitoring graphs (docs/storage-health.md).
const POOL_ONLY = () =>
  lvsJson(
    JSON.parse(testbed.lvs_full).report[0].lv.filter((r: Record<string, string>) => r.lv_name !== 'vm-100-disk-0'),
  );
const vgsFree = (free: number) =>
  JSON.stringify({
    report: [
      { vg: [{ vg_name: 'pve', vg_uuid: 'x', vg_attr: 'wz--n-', vg_size: '1069547520', vg_free: String(free) }] },
    ],
  });
const POOL = 'Thin pool pve/data (storage local-lvm)';
const SUBJECT = { vg: 'pve', pool: 'data', storage: 'local-lvm' };
const STOP = '# stop (or move away) every guest on pve/data first';
const size = { sizeBytes: 67108864 };
const rw = (meta: number, data: number, flags = 'queue_if_no_space', check = '-') =>
  `1 ${meta}/1024 ${data}/1024 - rw discard_passdown ${flags} ${check} 256`;

test('thin pool findings in full: the kernel state, why it matters, the fix in order, the values', () => {
  const rows: [string, string, { vgs?: string; lvs?: string }, StorageFinding[]][] = [
    [
      'failed: one finding says everything',
      'Fail',
      {},
      [
        {
          id: 'thin-failed:pve/data',
          kind: 'thin-pool-failed',
          severity: 'critical',
          title: `${POOL} has failed`,
          detail:
            'The kernel reports "Fail" for the pool: it stopped all I/O after a metadata or device error. Every guest disk on it returns errors until the pool is repaired.',
          fix: [
            STOP,
            'lvchange -an pve/data',
            'lvconvert --repair pve/data',
            'lvchange -ay pve/data',
            '# then read dmesg for the error that failed the pool',
          ],
          subject: SUBJECT,
        },
      ],
    ],
    [
      'read-only with full metadata: grow the metadata first, repair if it stays read-only',
      '1 1024/1024 10/1024 - ro discard_passdown queue_if_no_space - 256',
      {},
      [
        {
          id: 'thin-ro:pve/data',
          kind: 'thin-pool-read-only',
          severity: 'critical',
          title: `${POOL} is read-only`,
          detail: 'The pool metadata is full, so the kernel switched the pool to read-only: no guest on it can write.',
          fix: [
            'lvextend --poolmetadatasize +1G pve/data',
            '# if the pool stays read-only:',
            STOP,
            'lvchange -an pve/data',
            'lvconvert --repair pve/data',
          ],
          subject: SUBJECT,
          values: { ...size, dataPercent: 0.98, metadataPercent: 100 },
        },
      ],
    ],
    [
      'read-only after a metadata error (metadata 98.9 %, not full): repair',
      '1 1013/1024 10/1024 - ro discard_passdown queue_if_no_space - 256',
      {},
      [
        {
          id: 'thin-ro:pve/data',
          kind: 'thin-pool-read-only',
          severity: 'critical',
          title: `${POOL} is read-only`,
          detail: 'The kernel switched the pool to read-only after a metadata error: no guest on it can write.',
          fix: [STOP, 'lvchange -an pve/data', 'lvconvert --repair pve/data', 'lvchange -ay pve/data'],
          subject: SUBJECT,
          values: { ...size, dataPercent: 0.98, metadataPercent: 98.93 },
        },
      ],
    ],
    [
      'out of space, error_if_no_space, no room in the VG (no separate error_if_no_space note)',
      '1 112/1024 1024/1024 - out_of_data_space discard_passdown error_if_no_space - 256',
      {},
      [
        {
          id: 'thin-full:pve/data',
          kind: 'thin-pool-out-of-space',
          severity: 'critical',
          title: `${POOL} is out of data space`,
          detail:
            'Every block is used. The pool is set to error_if_no_space: writes to blocks not yet allocated fail at once, and guests see I/O errors (file systems remount read-only, databases stop).',
          fix: [
            '# VG pve has only 0 B free: add a disk (pvcreate /dev/sdX; vgextend pve /dev/sdX) or free space',
            '# free blocks the guests no longer use: enable discard on VM disks and run fstrim inside them; pct fstrim <ctid> for containers',
            '# remove snapshots that are no longer needed (qm delsnapshot / pct delsnapshot); lvs -o lv_name,origin,data_percent pve',
          ],
          subject: SUBJECT,
          values: { ...size, dataPercent: 100, metadataPercent: 10.94 },
        },
      ],
    ],
    [
      'metadata over the warning threshold, less than 1 GiB free in the VG',
      rw(738, 10),
      { vgs: vgsFree(2 ** 29) },
      [
        {
          id: 'thin-meta:pve/data',
          kind: 'thin-pool-metadata',
          severity: 'warning',
          title: `${POOL} metadata is 72.1 % full`,
          detail:
            'Metadata usage is above the warning threshold of 70 %. Full metadata switches the pool read-only (every guest on it stops writing) and can damage the metadata; trimming guests does not free it.',
          fix: [
            '# VG pve has only 512 MiB free: add a disk (vgextend), then',
            'lvextend --poolmetadatasize +1G pve/data',
          ],
          subject: SUBJECT,
          values: { ...size, dataPercent: 0.98, metadataPercent: 72.07 },
        },
      ],
    ],
    [
      'metadata over the critical threshold, 1 GiB free: grow it',
      rw(902, 10),
      { vgs: vgsFree(2 ** 30) },
      [
        {
          id: 'thin-meta:pve/data',
          kind: 'thin-pool-metadata',
          severity: 'critical',
          title: `${POOL} metadata is 88.1 % full`,
          detail:
            'Metadata usage is above the critical threshold of 85 %. Full metadata switches the pool read-only (every guest on it stops writing) and can damage the metadata; trimming guests does not free it.',
          fix: ['lvextend --poolmetadatasize +1G pve/data'],
          subject: SUBJECT,
          values: { ...size, dataPercent: 0.98, metadataPercent: 88.09 },
        },
      ],
    ],
    [
      'data over the warning threshold, room in the VG',
      rw(112, 820),
      { vgs: vgsFree(2 ** 31) },
      [
        {
          id: 'thin-data:pve/data',
          kind: 'thin-pool-data',
          severity: 'warning',
          title: `${POOL} data is 80.1 % full`,
          detail:
            'Data usage is above the warning threshold of 80 %. When the pool is full, every guest on it freezes or gets write errors at the same time (the classic LVM-thin outage).',
          fix: [
            'lvextend -L +1M pve/data',
            '# free blocks the guests no longer use: enable discard on VM disks and run fstrim inside them; pct fstrim <ctid> for containers',
            '# remove snapshots that are no longer needed (qm delsnapshot / pct delsnapshot); lvs -o lv_name,origin,data_percent pve',
          ],
          subject: SUBJECT,
          values: { ...size, dataPercent: 80.08, metadataPercent: 10.94 },
        },
      ],
    ],
    [
      'needs_check',
      rw(112, 10, 'queue_if_no_space', 'needs_check'),
      {},
      [
        {
          id: 'thin-check:pve/data',
          kind: 'thin-pool-needs-check',
          severity: 'critical',
          title: `${POOL} needs a metadata check`,
          detail:
            'The kernel flagged the pool metadata as needing a check (needs_check) after an error. The pool may refuse new thin volumes and snapshots; the check only runs while the pool is inactive.',
          fix: [
            STOP,
            'lvchange -an pve/data',
            'lvchange -ay pve/data',
            '# activation runs thin_check; if it fails: lvconvert --repair pve/data',
          ],
          subject: SUBJECT,
        },
      ],
    ],
    [
      'error_if_no_space on a pool with room',
      rw(112, 10, 'error_if_no_space'),
      {},
      [
        {
          id: 'thin-error-if-no-space:pve/data',
          kind: 'thin-pool-error-if-no-space',
          severity: 'info',
          title: `${POOL} fails writes at once when full`,
          detail:
            "The pool is set to error_if_no_space: when it fills, guests get write errors immediately instead of the kernel's grace period in which growing the pool resumes them.",
          fix: ['lvchange --errorwhenfull n pve/data'],
          subject: SUBJECT,
        },
      ],
    ],
    [
      'overcommitted over the configured 200 %: move disks or grow',
      rw(112, 10),
      { lvs: testbed.lvs_full },
      [
        {
          id: 'thin-overcommit:pve/data',
          kind: 'thin-pool-overcommit',
          severity: 'warning',
          title: `${POOL} is overcommitted to 400 %`,
          detail:
            '1 thin volume of 256 MiB in total sits on a 64.0 MiB pool. It fills before the guests fill their disks; above the configured 200 % a few busy guests are enough. Watch data usage and keep free space in the VG to grow the pool.',
          fix: [
            '# move disks to another storage (qm disk move / pct move-volume) or grow the pool',
            'lvextend -L +<size> pve/data',
          ],
          subject: SUBJECT,
          values: {
            ...size,
            dataPercent: 0.98,
            metadataPercent: 10.94,
            virtualBytes: 268435456,
            overcommitPercent: 400,
            thinVolumes: 1,
          },
        },
      ],
    ],
  ];
  for (const [name, status, o, want] of rows) {
    const fs = classifyStorage(poolSnap(status, { lvs: o.lvs ?? POOL_ONLY(), vgs: o.vgs }), emptyDm(), {});
    assert.deepEqual(fs, want, name);
  }
});

test('thin pool overcommit: the pool’s own thin volumes, snapshots left out, against its size', () => {
  const rows0 = JSON.parse(testbed.lvs_full).report[0].lv as Record<string, string>[];
  const pool = rows0.filter((r) => r.lv_name !== 'vm-100-disk-0');
  const thinRow = rows0.find((r) => r.lv_name === 'vm-100-disk-0')!;
  const MiB = 2 ** 20;
  const thin = (lv: string, mib: number, o: Record<string, string> = {}) => ({
    ...thinRow,
    lv_name: lv,
    lv_uuid: `${lv}-uuid`,
    lv_size: String(mib * MiB),
    ...o,
  });
  const overcommit = (lvs: Record<string, string>[], config: Config = {}) =>
    classifyStorage(poolSnap(rw(112, 10), { lvs: lvsJson([...pool, ...lvs]) }), emptyDm(), config).find(
      (f) => f.kind === 'thin-pool-overcommit',
    );
  const rows: [string, Record<string, string>[], Config, [string, string, number, number] | null][] = [
    ['exactly the pool size: not overcommitted', [thin('vm-100-disk-0', 64)], {}, null],
    [
      'two volumes, 150 %: a note, nothing to do',
      [thin('vm-100-disk-0', 48), thin('vm-101-disk-0', 48)],
      {},
      [
        'info',
        '2 thin volumes of 96.0 MiB in total sit on a 64.0 MiB pool. It fills before the guests fill their disks. Watch data usage and keep free space in the VG to grow the pool.',
        150,
        2,
      ],
    ],
    [
      'snapshots hold only their changes: not counted',
      [thin('vm-100-disk-0', 48), thin('snap_vm-100-disk-0_before', 48, { origin: 'vm-100-disk-0' })],
      {},
      null,
    ],
    [
      'a thin volume of another pool or VG: not counted',
      [
        thin('vm-100-disk-0', 48),
        thin('vm-101-disk-0', 480, { pool_lv: 'other' }),
        thin('vm-102-disk-0', 480, { vg_name: 'vg2' }),
      ],
      {},
      null,
    ],
    [
      'over the configured threshold: a warning',
      [thin('vm-100-disk-0', 48), thin('vm-101-disk-0', 48)],
      { dm: { thin_overcommit_warning: 140 } },
      [
        'warning',
        '2 thin volumes of 96.0 MiB in total sit on a 64.0 MiB pool. It fills before the guests fill their disks; above the configured 140 % a few busy guests are enough. Watch data usage and keep free space in the VG to grow the pool.',
        150,
        2,
      ],
    ],
    [
      'at the configured threshold: still a note',
      [thin('vm-100-disk-0', 48), thin('vm-101-disk-0', 48)],
      { dm: { thin_overcommit_warning: 150 } },
      [
        'info',
        '2 thin volumes of 96.0 MiB in total sit on a 64.0 MiB pool. It fills before the guests fill their disks. Watch data usage and keep free space in the VG to grow the pool.',
        150,
        2,
      ],
    ],
  ];
  for (const [name, lvs, config, want] of rows) {
    const f = overcommit(lvs, config);
    assert.deepEqual(f ? [f.severity, f.detail, f.values?.overcommitPercent, f.values?.thinVolumes] : null, want, name);
    if (f) assert.deepEqual(f.fix.length, f.severity === 'warning' ? 2 : 0, name);
  }
});

test('multipath findings in full: the paths, what no path does to I/O (the table’s feature first), the fix', () => {
  // Six maps as dmsetup lists them; whether I/O queues with no path is the table's feature (the status
  // line of mpathd counts queued I/O, its table has no queue_if_no_path: the table decides).
  const maps: [string, string, string, string][] = [
    [
      'mpatha',
      '1 queue_if_no_path 1 alua 1 1 round-robin 0 2 1 8:16 1 8:32 1',
      '2 1 0 0 1 1 E 0 2 0 8:16 F 12 8:32 F 12',
      '(8, 32) (8, 16)',
    ],
    [
      'mpathb',
      '0 1 alua 2 1 service-time 0 1 2 8:48 1 1 service-time 0 1 2 8:64 1 1',
      '2 0 0 0 2 1 A 0 1 2 8:48 F 3 0 1 E 0 1 2 8:64 A 0 0 1',
      '(8, 64) (8, 48)',
    ],
    [
      'mpathc',
      '1 queue_if_no_path 0 1 1 service-time 0 2 2 8:80 1 1 8:96 1 1',
      '2 0 0 0 1 1 A 0 2 2 8:80 A 0 0 1 8:96 A 0 0 1',
      '(8, 96) (8, 80)',
    ],
    [
      'mpathd',
      '0 0 1 1 round-robin 0 2 1 8:112 1 8:128 1',
      '2 1 0 0 1 1 E 0 2 0 8:112 F 1 8:128 F 1',
      '(8, 128) (8, 112)',
    ],
    [
      'mpathe',
      '1 queue_if_no_path 0 1 1 round-robin 0 2 1 8:144 1 8:160 1',
      '2 0 0 0 1 1 A 0 2 0 8:144 A 0 8:160 F 1',
      '(8, 160) (8, 144)',
    ],
    ['mpathf', '1 queue_if_no_path 0 0 0', '2 0 0 0 0 0', ''],
    ['mpathg', '0 0 1 1 round-robin 0 1 1 8:176 1', '2 0 0 0 1 1 A 0 1 0 8:176 A 0', '(8, 176)'],
    // A status line cut short says nothing of the paths: no finding, no guess.
    ['mpathh', '0 0 1 1 round-robin 0 1 1 8:192 1', '2 0 0', '(8, 192)'],
  ];
  const info = maps.map(([n], i) => `${n}\tmpath-3600a098038303${i}\tdm-${i}\t252\t${i}\tL--w\t0\t1\t0`).join('\n');
  const deps = maps.map(([n, , , d]) => `${n}: ${d.split(') (').length * (d ? 1 : 0)} dependencies\t: ${d}`).join('\n');
  const table = maps.map(([n, t]) => `${n}: 0 209715200 multipath ${t}`).join('\n');
  const status = maps.map(([n, , st]) => `${n}: 0 209715200 multipath ${st}`).join('\n');
  const run = (lvs: 'ok' | 'timeout') =>
    classifyStorage(
      snapshot({
        commands: {
          'dmsetup.info': info,
          'dmsetup.deps': deps,
          'dmsetup.table': table,
          'dmsetup.status': status,
          lvs: lvs === 'ok' ? lvsJson([]) : { error: 'timeout', code: null },
        },
      }),
      emptyDm(),
      {},
    );
  const check = (name: string) => [
    `multipath -ll ${name}`,
    '# check the transport: iscsiadm -m session -P 1, or the FC/SAS links (dmesg)',
  ];
  const hang = (paths: string, timedOut = '') =>
    `${paths}. queue_if_no_path is set: every I/O to it waits, so guests on it hang, and so does any lvs/vgs that scans it${timedOut}. pve-health reports the map from dmsetup and does not probe it.`;
  const stop = (name: string) =>
    `# to stop the hang (queued writes then fail): dmsetup message ${name} 0 fail_if_no_path`;
  const v = (activePaths: number, failedPaths: number) => ({ activePaths, failedPaths });
  const want: StorageFinding[] = [
    {
      id: 'mpath-down:mpatha',
      kind: 'multipath-no-path',
      severity: 'critical',
      title: 'Multipath map mpatha has no active path',
      detail: hang('All 2 paths failed (8:16 failed, 8:32 failed)'),
      fix: [...check('mpatha'), stop('mpatha')],
      subject: { device: 'mpatha' },
      values: v(0, 2),
    },
    {
      id: 'mpath-down:mpathd',
      kind: 'multipath-no-path',
      severity: 'critical',
      title: 'Multipath map mpathd has no active path',
      detail: 'All 2 paths failed (8:112 failed, 8:128 failed). I/O to it fails with errors.',
      fix: check('mpathd'),
      subject: { device: 'mpathd' },
      values: v(0, 2),
    },
    {
      id: 'mpath-down:mpathf',
      kind: 'multipath-no-path',
      severity: 'critical',
      title: 'Multipath map mpathf has no active path',
      detail: hang('No paths'),
      fix: [...check('mpathf'), stop('mpathf')],
      subject: { device: 'mpathf' },
      values: v(0, 0),
    },
    {
      id: 'mpath-degraded:mpathb',
      kind: 'multipath-degraded',
      severity: 'warning',
      title: 'Multipath map mpathb: 1 of 2 paths failed',
      detail:
        'Paths: 8:48 failed, 8:64 active. The map still works, but one more failure breaks every guest and VG on it.',
      fix: check('mpathb'),
      subject: { device: 'mpathb' },
      values: v(1, 1),
    },
    {
      id: 'mpath-degraded:mpathe',
      kind: 'multipath-degraded',
      severity: 'warning',
      title: 'Multipath map mpathe: 1 of 2 paths failed',
      detail:
        'Paths: 8:144 active, 8:160 failed. The map still works, but one more failure freezes every guest and VG on it.',
      fix: check('mpathe'),
      subject: { device: 'mpathe' },
      values: v(1, 1),
    },
    {
      id: 'mpath-ok:mpathc',
      kind: 'multipath-paths',
      severity: 'info',
      title: 'Multipath map mpathc: 2 of 2 paths active',
      detail: 'Paths: 8:80 active, 8:96 active. queue_if_no_path is set.',
      fix: [],
      subject: { device: 'mpathc' },
      values: v(2, 0),
    },
    {
      id: 'mpath-ok:mpathg',
      kind: 'multipath-paths',
      severity: 'info',
      title: 'Multipath map mpathg: 1 of 1 paths active',
      detail: 'Paths: 8:176 active.',
      fix: [],
      subject: { device: 'mpathg' },
      values: v(1, 0),
    },
  ];
  assert.deepEqual(run('ok'), want);
  const slow = run('timeout');
  assert.equal(
    slow[0].detail,
    hang('All 2 paths failed (8:16 failed, 8:32 failed)', ' (this is likely why lvs timed out here)'),
  );
});

test('parseAutoactivation: lvm2’s JSON after any warning lines; a row without its names is skipped', () => {
  const rows = (lv: Record<string, string>[]) => JSON.stringify({ report: [{ lv }] });
  const read = (text: string) => [...parseAutoactivation(text)].map(([vg, lvs]) => [vg, [...lvs]]);
  assert.deepEqual(read(''), []);
  assert.deepEqual(read('  WARNING: Not using device /dev/sdc for PV x.\n'), []);
  assert.deepEqual(
    read(
      `  WARNING: Not using device /dev/sdc for PV x.\n${rows([
        { vg_name: 'san', lv_name: 'vm-100-disk-0', lv_autoactivation: 'enabled' },
        { vg_name: 'san', lv_name: 'vm-101-disk-0', lv_autoactivation: '' },
        // lvm2 releases that name the key `autoactivation`
        { vg_name: 'san', lv_name: 'vm-102-disk-0', autoactivation: 'enabled' },
        { vg_name: '', lv_name: 'vm-103-disk-0', lv_autoactivation: 'enabled' },
        { vg_name: 'san', lv_name: '', lv_autoactivation: 'enabled' },
      ])}`,
    ),
    [
      [
        'san',
        [
          ['vm-100-disk-0', true],
          ['vm-101-disk-0', false],
          ['vm-102-disk-0', true],
        ],
      ],
    ],
  );
});

test('the storage context: what each rule reads, from the view', () => {
  const cluster =
    '{\n"nodename": "pve1",\n"version": 3,\n"cluster": { "name": "c1", "version": 2, "nodes": 2, "quorate": 1 }\n}\n';
  const base = (
    o: {
      files?: Record<string, string>;
      commands?: Record<string, string | { code?: number | null; error?: string; stdout?: string }>;
    } = {},
  ) =>
    snapshot({
      files: {
        '/etc/pve/nodes/pve1/qemu-server/102.conf': 'scsi0: local-lvm:vm-102-disk-0\n',
        '/etc/pve/nodes/pve1/lxc/101.conf': 'rootfs: local-lvm:vm-101-disk-0\n',
        // 103 is listed, its config not readable: no config to read rules from.
        '/etc/pve/.vmlist':
          '{\n"version": 1,\n"ids": {\n"102": { "node": "pve1", "type": "qemu", "version": 1 },\n"101": { "node": "pve1", "type": "lxc", "version": 1 },\n"103": { "node": "pve1", "type": "qemu", "version": 1 }}\n\n}\n',
        ...(o.files ?? {}),
      },
      commands: { lvs: testbed.lvs_full, ...(o.commands ?? {}) },
    });
  const ctx = (snap: HostSnapshot) => buildStorageContext(parseNode(snap), emptyDm(), {});
  const plain = ctx(base());
  assert.deepEqual(
    plain.guests.map((g) => [g.vmid, g.type]),
    [
      [101, 'lxc'],
      [102, 'qemu'],
    ],
  );
  assert.equal(plain.clustered, false);
  assert.equal(plain.lvsOk, true);
  assert.equal(plain.lvmConf, null);
  assert.equal(plain.mountinfo, '');
  assert.equal(ctx(base({ files: { '/etc/pve/.members': cluster } })).clustered, true);
  const conf = 'devices {\n  scan_lvs = 1\n}\n';
  const mounts = '36 25 0:32 / /mnt/x rw - nfs srv:/x rw\n';
  const withFiles = ctx(base({ files: { '/etc/lvm/lvm.conf': conf, '/proc/self/mountinfo': mounts } }));
  assert.deepEqual([withFiles.lvmConf, withFiles.mountinfo], [conf, mounts]);
  assert.equal(ctx(base({ commands: { lvs: { code: 5, error: 'failed', stdout: '' } } })).lvsOk, false);
  // Autoactivation: read when asked; a failed or unparsable report is said, an lvm2 without the field is an answer.
  const auto = (out: string | { code?: number | null; error?: string; stdout?: string }, stderr = '') => {
    const s = base({ commands: { 'lvs.autoactivation': out } });
    if (stderr) s.commands['lvs.autoactivation'].stderr = stderr;
    const c = ctx(s);
    return [c.autoactivation === null ? null : [...c.autoactivation.keys()], c.autoactivationFailure];
  };
  assert.deepEqual([plain.autoactivation, plain.autoactivationFailure], [null, 'not run']);
  // .members unreadable: not known to be a cluster.
  const view = parseNode(base());
  view.pve.members = null;
  assert.equal(buildStorageContext(view, emptyDm(), {}).clustered, false);
  assert.deepEqual(auto(testbed.lvs_autoactivation), [['pve'], null]);
  assert.deepEqual(auto('{ not json'), [null, 'its report cannot be parsed']);
  assert.deepEqual(auto({ code: 3, error: 'failed' }), [null, 'lvs.autoactivation exited 3: ']);
  assert.deepEqual(auto({ code: 3, error: 'failed' }, '  Unrecognised field: autoactivation'), [null, null]);
});

test('a thin pool is named by the lvmthin storage of its VG and pool; its kernel line is the pool map’s', () => {
  const cfg = [
    'lvm: thick\n\tvgname pve\n',
    'lvmthin: other-pool\n\tvgname pve\n\tthinpool other\n',
    'lvmthin: other-vg\n\tvgname vg2\n\tthinpool data\n',
    'lvmthin: local-lvm\n\tvgname pve\n\tthinpool data\n',
  ];
  const failed = (storageCfg: string) =>
    classifyStorage(
      snapshot({
        files: { '/etc/pve/storage.cfg': storageCfg },
        commands: { 'dmsetup.status': 'pve-data-tpool: 0 131072 thin-pool Fail\n', lvs: POOL_ONLY() },
      }),
      emptyDm(),
      {},
    )[0];
  const named = failed(cfg.join('\n'));
  assert.deepEqual([named.title, named.subject], [`${POOL} has failed`, SUBJECT]);
  // No storage names this pool: the pool alone.
  const alone = failed(cfg.slice(0, 3).join('\n'));
  assert.deepEqual([alone.title, alone.subject], ['Thin pool pve/data has failed', { vg: 'pve', pool: 'data' }]);
  // The pool's public map is linear over its -tpool map: without the -tpool line, lvs tells the usage.
  const publicOnly = classifyStorage(
    snapshot({ commands: { 'dmsetup.status': 'pve-data: 0 131072 linear \n', lvs: testbed.lvs_full_queue } }),
    emptyDm(),
    {},
  );
  assert.deepEqual(kinds(publicOnly), ['thin-pool-data:critical']);
  // An unused pool is activated under its own name with the thin-pool target.
  const unused = classifyStorage(
    snapshot({ commands: { 'dmsetup.status': 'pve-data: 0 131072 thin-pool Fail\n', lvs: POOL_ONLY() } }),
    emptyDm(),
    {},
  );
  assert.deepEqual(kinds(unused), ['thin-pool-failed:critical']);
});

test('thin pool thresholds at their value exactly, and the growth the fix offers against the VG’s free space', () => {
  const kindsOf = (status: string) => kinds(classifyStorage(poolSnap(status, { lvs: POOL_ONLY() }), emptyDm(), {}));
  const rows: [string, string, string[]][] = [
    [
      'data exactly at the warning threshold (80 %)',
      '1 10/100 80/100 - rw discard_passdown queue_if_no_space - 256',
      ['thin-pool-data:warning'],
    ],
    [
      'data exactly at the critical threshold (90 %)',
      '1 10/100 90/100 - rw discard_passdown queue_if_no_space - 256',
      ['thin-pool-data:critical'],
    ],
    [
      'metadata exactly at the warning threshold (70 %)',
      '1 70/100 1/100 - rw discard_passdown queue_if_no_space - 256',
      ['thin-pool-metadata:warning'],
    ],
    [
      'metadata exactly at the critical threshold (85 %)',
      '1 85/100 1/100 - rw discard_passdown queue_if_no_space - 256',
      ['thin-pool-metadata:critical'],
    ],
  ];
  for (const [name, status, want] of rows) assert.deepEqual(kindsOf(status), want, name);
  const crit = classifyStorage(poolSnap(rw(112, 932), { lvs: POOL_ONLY() }), emptyDm(), {})[0];
  assert.match(crit.detail, /^Data usage is above the critical threshold of 90 %\./);
  // Read-only with metadata at 99 % exactly counts as full.
  const ro = classifyStorage(
    poolSnap('1 99/100 1/100 - ro discard_passdown queue_if_no_space - 256', { lvs: POOL_ONLY() }),
    emptyDm(),
    {},
  )[0];
  assert.equal(ro.fix[0], 'lvextend --poolmetadatasize +1G pve/data');

  // A 10 GiB pool 95 % full needs +1.88 GiB for 80 %: +2G, offered when the VG has 2 GiB free (another VG's
  // free space does not count); a 64 MiB pool needs +13M.
  const GiB = 2 ** 30;
  const rows0 = JSON.parse(testbed.lvs_full).report[0].lv as Record<string, string>[];
  const big = lvsJson(
    rows0
      .filter((r) => r.lv_name !== 'vm-100-disk-0')
      .map((r) => (r.lv_name === 'data' ? { ...r, lv_size: String(10 * GiB) } : r)),
  );
  const vgs = (free: number) =>
    JSON.stringify({
      report: [
        {
          vg: [
            { vg_name: 'vg2', vg_uuid: 'y', vg_attr: 'wz--n-', vg_size: String(100 * GiB), vg_free: String(50 * GiB) },
            { vg_name: 'pve', vg_uuid: 'x', vg_attr: 'wz--n-', vg_size: String(20 * GiB), vg_free: String(free) },
          ],
        },
      ],
    });
  const grow = (lvs: string, free: number) =>
    classifyStorage(poolSnap(rw(112, 973), { lvs, vgs: vgs(free) }), emptyDm(), {}).find(
      (f) => f.kind === 'thin-pool-data',
    )!.fix[0];
  const MiB = 2 ** 20;
  const none = (free: string) =>
    `# VG pve has only ${free} free: add a disk (pvcreate /dev/sdX; vgextend pve /dev/sdX) or free space`;
  const growRows: [string, string, number, string][] = [
    ['a big pool, exactly the growth free', big, 2 * GiB, 'lvextend -L +2G pve/data'],
    ['a big pool, less than the whole GiB free', big, 1.9 * GiB, none('1.9 GiB')],
    ['a small pool, 100 MiB free', POOL_ONLY(), 100 * MiB, 'lvextend -L +13M pve/data'],
    ['a small pool, 4 MiB free', POOL_ONLY(), 4 * MiB, none('4.0 MiB')],
  ];
  for (const [name, lvs, free, want] of growRows) assert.equal(grow(lvs, free), want, name);
});

test('thin pool: a thin volume full of data is no pool; a pool with no usage anywhere has no usage values', () => {
  const rows0 = JSON.parse(testbed.lvs_full).report[0].lv as Record<string, string>[];
  const fullThin = lvsJson(rows0.map((r) => (r.lv_name === 'vm-100-disk-0' ? { ...r, data_percent: '95.00' } : r)));
  assert.deepEqual(kinds(classifyStorage(poolSnap(rw(112, 10), { lvs: fullThin }), emptyDm(), {})), [
    'thin-pool-overcommit:warning',
  ]);
  // No status line for the pool and lvs without Data%/Meta%: the overcommit finding carries no usage.
  const blank = lvsJson(
    rows0.map((r) => (r.lv_name === 'data' ? { ...r, data_percent: '', metadata_percent: '' } : r)),
  );
  // Thresholds of 0 (warn at any usage) still warn of no usage that is not known.
  const fs = classifyStorage(snapshot({ commands: { lvs: blank } }), emptyDm(), {
    dm: { thin_data_warning: 0, thin_meta_warning: 0 },
  });
  assert.deepEqual(
    fs.map((f) => [f.kind, f.values]),
    [
      [
        'thin-pool-overcommit',
        { sizeBytes: 67108864, virtualBytes: 268435456, overcommitPercent: 400, thinVolumes: 1 },
      ],
    ],
  );
});
