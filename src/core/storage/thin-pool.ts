// One thin pool as the thin-pool checks read it: names, sizes, the kernel's status line and the usage
// taken from it (or from lvs when the kernel has none), and the thresholds the checks compare against.

import { buildDmName } from '../parse/dm-name';
import { type DmFailedStatus, parseThinPoolStatus, type ThinPoolStatus } from '../parse/parse-dm-status';
import type { DmSegment } from '../parse/parse-dmsetup';
import type { LvRow } from '../parse/parse-lvm';
import { shellWord } from '../text/shell-quote';
import type { Config } from '../vocab/config';
import type { StorageSubject } from '../vocab/types';
import { type StorageContext, THIN_DEFAULTS } from './storage-context';

export interface ThinThresholds {
  dataWarning: number;
  dataCritical: number;
  metaWarning: number;
  metaCritical: number;
  overcommit: number;
}

/** One thin pool as every check reads it: names, sizes and the kernel's status line (null: none found). */
export interface ThinPool {
  lv: LvRow;
  ref: string;
  what: string;
  subject: StorageSubject;
  size: number;
  vgFree: number;
  status: ThinPoolStatus | DmFailedStatus | null;
  /** The first fix line of every repair: the pool must be idle. */
  stopAll: string;
}

/** A pool the kernel still reports fields for, with usage from them (else from lvs). */
export interface PoolUsage extends ThinPool {
  st: ThinPoolStatus | null;
  dataPct: number | null;
  metaPct: number | null;
  /** One object shared by the pool's findings. */
  values: Record<string, number>;
}

export function thinThresholds(config: Config): ThinThresholds {
  const dmc = config.dm ?? {};
  return {
    dataWarning: dmc.thin_data_warning ?? THIN_DEFAULTS.dataWarning,
    dataCritical: dmc.thin_data_critical ?? THIN_DEFAULTS.dataCritical,
    metaWarning: dmc.thin_meta_warning ?? THIN_DEFAULTS.metaWarning,
    metaCritical: dmc.thin_meta_critical ?? THIN_DEFAULTS.metaCritical,
    overcommit: dmc.thin_overcommit_warning ?? THIN_DEFAULTS.overcommitWarning,
  };
}

function storageOf(ctx: StorageContext, vg: string, pool: string): string | undefined {
  return ctx.storages.find((s) => s.vg === vg && s.type === 'lvmthin' && s.thinpool === pool)?.id;
}

/** The status segment of a pool's thin-pool target: `-tpool` UUID, else the plain name of an unused pool. */
function poolStatus(ctx: StorageContext, lv: LvRow): DmSegment | null {
  const uuid = `LVM-${lv.vgUuid}${lv.uuid}-tpool`;
  const byUuid = ctx.devices.find((d) => d.info.uuid === uuid)?.info.name;
  for (const name of [byUuid, buildDmName(lv.vg, lv.name, 'tpool'), buildDmName(lv.vg, lv.name)]) {
    const seg = name ? ctx.status.get(name)?.find((s) => s.target === 'thin-pool') : undefined;
    if (seg) return seg;
  }
  return null;
}

export function thinPool(ctx: StorageContext, lv: LvRow): ThinPool {
  const ref = `${lv.vg}/${lv.name}`;
  const storage = storageOf(ctx, lv.vg, lv.name);
  const seg = poolStatus(ctx, lv);
  return {
    lv,
    ref,
    what: `Thin pool ${ref}${storage ? ` (storage ${storage})` : ''}`,
    subject: { vg: lv.vg, pool: lv.name, ...(storage ? { storage } : {}) },
    size: lv.sizeBytes ?? 0,
    vgFree: ctx.vgs.find((v) => v.name === lv.vg)?.freeBytes ?? 0,
    status: seg ? parseThinPoolStatus(seg.params) : null,
    stopAll: `# stop (or move away) every guest on ${shellWord(ref)} first`,
  };
}

export function poolUsage(pool: ThinPool, st: ThinPoolStatus | null): PoolUsage {
  const { lv } = pool;
  const dataPct = st ? (100 * st.dataUsed) / Math.max(1, st.dataTotal) : lv.dataPercent;
  const metaPct = st ? (100 * st.metaUsed) / Math.max(1, st.metaTotal) : lv.metadataPercent;
  const values: Record<string, number> = { sizeBytes: pool.size };
  if (dataPct !== null) values.dataPercent = Number(dataPct.toFixed(2));
  if (metaPct !== null) values.metadataPercent = Number(metaPct.toFixed(2));
  return { ...pool, st, dataPct, metaPct, values };
}
