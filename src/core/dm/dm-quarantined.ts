// A quarantined LV as the DM part judges it: ignored (in the tool's quarantine, core/vocab/quarantine-name.ts),
// unless a guest config names its original name again. Pure.

import type { ClassifyContext } from './dm-context';
import { describeRef, refsOf } from './dm-references';
import { ignored, type Verdict } from './dm-verdict';

/**
 * `<vg>/<quarantine name>` of storage `storage`, once `<original>`. A config naming `<vg>/<original>`
 * while no LV of that name exists means this LV: PVE finds an LVM volume by its name
 * (LVMPlugin.pm path: `/dev/<vg>/<name>`), so the guest has lost its disk and the purge (`lvremove`)
 * would destroy the disk it means. Local storage: this node's configs; shared: the cluster's (facts §2).
 */
export function quarantinedLvVerdict(
  ctx: Pick<ClassifyContext, 'refs' | 'node' | 'lvm'>,
  q: { vg: string; name: string; storage: { id: string; shared: boolean } },
  mark: { since: string; original: string },
): Verdict {
  const detail = `LV ${q.vg}/${q.name} is in pve-health's quarantine since ${mark.since} (was ${q.storage.id}:${mark.original}); 'pve-health restore JOURNAL' brings it back, 'pve-health reclaim --purge' destroys it after the retention`;
  const live = ctx.lvm.namesByVg.get(q.vg)?.has(mark.original) ?? false;
  const hits = live ? [] : (refsOf(ctx.refs, q.vg, mark.original) ?? []);
  const named = (q.storage.shared ? hits : hits.filter((h) => h.node === ctx.node)).map(describeRef);
  if (!named.length) return ignored('quarantined', detail, { storage: q.storage.id });
  return ignored(
    'quarantined',
    `${named[0]} names ${q.storage.id}:${mark.original}, which is in pve-health's quarantine since ${mark.since} as LV ${q.vg}/${q.name}: the guest's disk is not where PVE looks; never purged so. Restore it from its reclaim journal`,
    { storage: q.storage.id, volume: `${q.storage.id}:${mark.original}`, quarantineNamedBy: named },
  );
}
