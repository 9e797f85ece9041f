// Which storage of storage.cfg an LV belongs to on this node (design "Identity": VG and thin pool to
// storage ID, `nodes=` honoured, thin LVs to the lvmthin storage where lvm and lvmthin share a VG).

import type { LvRow } from '../parse/parse-lvm';
import type { ClassifyContext, StorageChoice } from './dm-context';

export type { StorageChoice };

/** The storages of this node that use a VG, and the one an LV belongs to (thin LVs → lvmthin). */
export function storageFor(
  ctx: ClassifyContext,
  q: { vg: string; lv: LvRow | null; thinHint: boolean },
): StorageChoice {
  const { vg, lv, thinHint } = q;
  const thin = lv ? lv.segtype === 'thin' || lv.attr[0] === 'V' : thinHint;
  const pool = lv?.pool ?? null;
  // Decided once per (VG, kind, pool): a node has thousands of LVs but a handful of storages
  // (nested maps: no key string built per LV).
  ctx.storageChoices ??= new Map();
  let byVg = ctx.storageChoices.get(vg);
  if (!byVg) {
    byVg = [new Map(), new Map()];
    ctx.storageChoices.set(vg, byVg);
  }
  const cache = byVg[thin ? 0 : 1];
  const hit = cache.get(pool);
  if (hit) return hit;
  // A disabled storage (`disable 1`) still owns its VG: PVE skips it for activation and listing, but
  // the guests' configs keep naming its volumes (facts §11). Enabled storages are preferred.
  const onVg = ctx.storages
    .filter((s) => s.vg === vg)
    .sort((a, b) => Number(Boolean(a.disabled)) - Number(Boolean(b.disabled)));
  const here = onVg.filter((s) => s.nodes === null || s.nodes.includes(ctx.node));
  const pick =
    (thin
      ? here.find((s) => s.type === 'lvmthin' && (pool === null || s.thinpool === pool))
      : here.find((s) => s.type === 'lvm')) ??
    // A thick LV in a VG only an lvmthin storage uses is not one of its volumes (root, swap, ...).
    (thin ? here.find((s) => s.type === 'lvm') : undefined) ??
    null;
  const choice = { storage: pick, offNode: here.length === 0 ? (onVg[0] ?? null) : null, here };
  cache.set(pool, choice);
  return choice;
}
