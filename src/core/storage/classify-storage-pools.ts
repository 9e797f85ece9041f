// Thin pools (usage, overcommit, kernel flags from `dmsetup status`): the storage health rules that read
// the kernel's own thin-pool status line. One function per check; classifyThinPools runs them per pool
// in the order their findings have always come out.

import type { DmFailedStatus } from '../parse/parse-dm-status';
import { formatBytes } from '../text/format-bytes';
import { shellQuote, shellWord } from '../text/shell-quote';
import type { StorageFinding } from '../vocab/types';
import type { StorageContext } from './storage-context';
import { type PoolUsage, poolUsage, type ThinPool, type ThinThresholds, thinPool, thinThresholds } from './thin-pool';

const pct = (n: number) => `${n.toFixed(1)} %`;

function thinFailed(p: ThinPool, failed: DmFailedStatus): StorageFinding {
  const { ref } = p;
  return {
    id: `thin-failed:${ref}`,
    kind: 'thin-pool-failed',
    severity: 'critical',
    title: `${p.what} has failed`,
    detail: `The kernel reports "${failed.text}" for the pool: it stopped all I/O after a metadata or device error. Every guest disk on it returns errors until the pool is repaired.`,
    fix: [
      p.stopAll,
      shellQuote(['lvchange', '-an', ref]),
      shellQuote(['lvconvert', '--repair', ref]),
      shellQuote(['lvchange', '-ay', ref]),
      '# then read dmesg for the error that failed the pool',
    ],
    subject: p.subject,
  };
}

/** Growth that brings data usage back under the warning threshold (whole GiB, or MiB for small pools), or why not. */
function extendDataFix(p: PoolUsage, dataWarning: number): string[] {
  const { lv, ref, size } = p;
  const used = ((p.dataPct ?? 0) / 100) * size;
  const need = Math.max(1, used / (dataWarning / 100) - size);
  const grow = need >= 2 ** 30 ? `${Math.ceil(need / 2 ** 30)}G` : `${Math.ceil(need / 2 ** 20)}M`;
  const growBytes = need >= 2 ** 30 ? Math.ceil(need / 2 ** 30) * 2 ** 30 : Math.ceil(need / 2 ** 20) * 2 ** 20;
  const free: string[] =
    p.vgFree >= growBytes
      ? [shellQuote(['lvextend', '-L', `+${grow}`, ref])]
      : [
          `# VG ${shellWord(lv.vg)} has only ${formatBytes(p.vgFree)} free: add a disk (pvcreate /dev/sdX; vgextend ${shellWord(lv.vg)} /dev/sdX) or free space`,
        ];
  return [
    ...free,
    '# free blocks the guests no longer use: enable discard on VM disks and run fstrim inside them; pct fstrim <ctid> for containers',
    `# remove snapshots that are no longer needed (qm delsnapshot / pct delsnapshot); ${shellQuote(['lvs', '-o', 'lv_name,origin,data_percent', lv.vg])}`,
  ];
}

const extendMetaFix = (p: ThinPool) => [shellQuote(['lvextend', '--poolmetadatasize', '+1G', p.ref])];

function thinOutOfSpace(p: PoolUsage, t: ThinThresholds): StorageFinding | null {
  const { st } = p;
  if (st?.mode !== 'out_of_data_space') return null;
  return {
    id: `thin-full:${p.ref}`,
    kind: 'thin-pool-out-of-space',
    severity: 'critical',
    title: `${p.what} is out of data space`,
    detail: st.errorIfNoSpace
      ? 'Every block is used. The pool is set to error_if_no_space: writes to blocks not yet allocated fail at once, and guests see I/O errors (file systems remount read-only, databases stop).'
      : "Every block is used. The pool queues writes to blocks not yet allocated (queue_if_no_space): guests on it freeze, and after the kernel's no_space_timeout (60 s by default) the writes fail. Growing the pool within that time resumes them.",
    fix: extendDataFix(p, t.dataWarning),
    subject: p.subject,
    values: p.values,
  };
}

function thinReadOnly(p: PoolUsage): StorageFinding | null {
  if (p.st?.mode !== 'ro') return null;
  const { ref, stopAll } = p;
  const metaFull = p.metaPct !== null && p.metaPct >= 99;
  return {
    id: `thin-ro:${ref}`,
    kind: 'thin-pool-read-only',
    severity: 'critical',
    title: `${p.what} is read-only`,
    detail: metaFull
      ? 'The pool metadata is full, so the kernel switched the pool to read-only: no guest on it can write.'
      : 'The kernel switched the pool to read-only after a metadata error: no guest on it can write.',
    fix: metaFull
      ? [
          ...extendMetaFix(p),
          '# if the pool stays read-only:',
          stopAll,
          shellQuote(['lvchange', '-an', ref]),
          shellQuote(['lvconvert', '--repair', ref]),
        ]
      : [
          stopAll,
          shellQuote(['lvchange', '-an', ref]),
          shellQuote(['lvconvert', '--repair', ref]),
          shellQuote(['lvchange', '-ay', ref]),
        ],
    subject: p.subject,
    values: p.values,
  };
}

/** Data usage over a threshold; the caller asks only when the pool is neither out of space nor read-only. */
function thinDataUsage(p: PoolUsage, t: ThinThresholds): StorageFinding | null {
  const { dataPct } = p;
  if (dataPct === null || dataPct < t.dataWarning) return null;
  const crit = dataPct >= t.dataCritical;
  return {
    id: `thin-data:${p.ref}`,
    kind: 'thin-pool-data',
    severity: crit ? 'critical' : 'warning',
    title: `${p.what} data is ${pct(dataPct)} full`,
    detail: `Data usage is above the ${crit ? 'critical' : 'warning'} threshold of ${crit ? t.dataCritical : t.dataWarning} %. When the pool is full, every guest on it freezes or gets write errors at the same time (the classic LVM-thin outage).`,
    fix: extendDataFix(p, t.dataWarning),
    subject: p.subject,
    values: p.values,
  };
}

function thinMetadata(p: PoolUsage, t: ThinThresholds): StorageFinding | null {
  const { metaPct } = p;
  if (p.st?.mode === 'ro' || metaPct === null || metaPct < t.metaWarning) return null;
  const crit = metaPct >= t.metaCritical;
  return {
    id: `thin-meta:${p.ref}`,
    kind: 'thin-pool-metadata',
    severity: crit ? 'critical' : 'warning',
    title: `${p.what} metadata is ${pct(metaPct)} full`,
    detail: `Metadata usage is above the ${crit ? 'critical' : 'warning'} threshold of ${crit ? t.metaCritical : t.metaWarning} %. Full metadata switches the pool read-only (every guest on it stops writing) and can damage the metadata; trimming guests does not free it.`,
    fix:
      p.vgFree >= 2 ** 30
        ? extendMetaFix(p)
        : [
            `# VG ${shellWord(p.lv.vg)} has only ${formatBytes(p.vgFree)} free: add a disk (vgextend), then`,
            ...extendMetaFix(p),
          ],
    subject: p.subject,
    values: p.values,
  };
}

function thinNeedsCheck(p: PoolUsage): StorageFinding | null {
  if (!p.st?.needsCheck) return null;
  const { ref } = p;
  return {
    id: `thin-check:${ref}`,
    kind: 'thin-pool-needs-check',
    severity: 'critical',
    title: `${p.what} needs a metadata check`,
    detail:
      'The kernel flagged the pool metadata as needing a check (needs_check) after an error. The pool may refuse new thin volumes and snapshots; the check only runs while the pool is inactive.',
    fix: [
      p.stopAll,
      shellQuote(['lvchange', '-an', ref]),
      shellQuote(['lvchange', '-ay', ref]),
      `# activation runs thin_check; if it fails: ${shellQuote(['lvconvert', '--repair', ref])}`,
    ],
    subject: p.subject,
  };
}

function thinErrorIfNoSpace(p: PoolUsage): StorageFinding | null {
  if (!p.st?.errorIfNoSpace || p.st.mode === 'out_of_data_space') return null;
  return {
    id: `thin-error-if-no-space:${p.ref}`,
    kind: 'thin-pool-error-if-no-space',
    severity: 'info',
    title: `${p.what} fails writes at once when full`,
    detail:
      "The pool is set to error_if_no_space: when it fills, guests get write errors immediately instead of the kernel's grace period in which growing the pool resumes them.",
    fix: [shellQuote(['lvchange', '--errorwhenfull', 'n', p.ref])],
    subject: p.subject,
  };
}

/** Overcommit: thin volumes (not snapshots, which only hold their changes) against the pool size. */
function thinOvercommit(ctx: StorageContext, p: PoolUsage, t: ThinThresholds): StorageFinding | null {
  const { lv, size } = p;
  if (size <= 0) return null;
  const thins = ctx.lvs.filter((x) => x.vg === lv.vg && x.pool === lv.name && x.segtype === 'thin' && !x.origin);
  const virtual = thins.reduce((s, x) => s + (x.sizeBytes ?? 0), 0);
  const ratio = (100 * virtual) / size;
  if (ratio <= 100) return null;
  const warn = ratio > t.overcommit;
  return {
    id: `thin-overcommit:${p.ref}`,
    kind: 'thin-pool-overcommit',
    severity: warn ? 'warning' : 'info',
    title: `${p.what} is overcommitted to ${ratio.toFixed(0)} %`,
    detail: `${thins.length === 1 ? '1 thin volume' : `${thins.length} thin volumes`} of ${formatBytes(virtual)} in total sit${thins.length === 1 ? 's' : ''} on a ${formatBytes(size)} pool. It fills before the guests fill their disks${warn ? `; above the configured ${t.overcommit} % a few busy guests are enough` : ''}. Watch data usage and keep free space in the VG to grow the pool.`,
    fix: warn
      ? [
          '# move disks to another storage (qm disk move / pct move-volume) or grow the pool',
          `lvextend -L +<size> ${shellWord(p.ref)}`,
        ]
      : [],
    subject: p.subject,
    values: {
      ...p.values,
      virtualBytes: virtual,
      overcommitPercent: Number(ratio.toFixed(1)),
      thinVolumes: thins.length,
    },
  };
}

/** Thin pools: usage against thresholds, the kernel's pool flags, overcommit. */
export function classifyThinPools(ctx: StorageContext): StorageFinding[] {
  const t = thinThresholds(ctx.config);
  const res: StorageFinding[] = [];
  for (let i = 0; i < ctx.lvs.length; i++) {
    const lv = ctx.lvs[i];
    if (lv.segtype !== 'thin-pool' && !lv.attr.startsWith('t')) continue;
    const pool = thinPool(ctx, lv);
    // A failed pool reports no fields: that one finding says everything.
    if (pool.status?.failed) {
      res.push(thinFailed(pool, pool.status));
      continue;
    }
    const p = poolUsage(pool, pool.status);
    // Out of space, read-only and high data usage exclude each other: the first that applies.
    const space = thinOutOfSpace(p, t) ?? thinReadOnly(p) ?? thinDataUsage(p, t);
    for (const f of [space, thinMetadata(p, t), thinNeedsCheck(p), thinErrorIfNoSpace(p), thinOvercommit(ctx, p, t)])
      if (f) res.push(f);
  }
  return res;
}
