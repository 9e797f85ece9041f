// A quarantined LV as the DM part judges it: ignored (in the tool's quarantine, core/vocab/quarantine-name.ts),
// unless a guest config names its original name again. Pure.

import { namedElsewhereIn, onlyCopyWords } from '../vocab/only-copy';
import type { ClassifyContext } from './dm-context';
import { describeRef, refsOf } from './dm-references';
import { ignored, type Verdict } from './dm-verdict';

/**
 * `<vg>/<quarantine name>` of storage `storage`, once `<original>`. A config naming `<vg>/<original>`
 * while no LV of that name exists means this LV: PVE finds an LVM volume by its name
 * (LVMPlugin.pm path: `/dev/<vg>/<name>`), so the guest has lost its disk and the purge (`lvremove`)
 * would destroy the disk it means. Local storage: this node's configs; shared: the cluster's (facts §2).
 * On local storage a config of another node naming it (an LV of the name here or not: the purge's rule,
 * core/reclaim/plan-purge.ts) makes it maybe that guest's only disk after an HA recovery (only-copy.ts):
 * recorded on the entry, so every quarantine listing holds its purge behind the look at that node.
 */
export function quarantinedLvVerdict(
  ctx: Pick<ClassifyContext, 'refs' | 'node' | 'lvm'>,
  q: { vg: string; name: string; storage: { id: string; shared: boolean } },
  mark: { since: string; original: string },
): Verdict {
  const volume = `${q.storage.id}:${mark.original}`;
  const all = refsOf(ctx.refs, q.vg, mark.original) ?? [];
  const on = namedElsewhereIn(all, { node: ctx.node, shared: q.storage.shared });
  const namedOn = on ? { quarantineNamedOn: on } : {};
  const elsewhere = on ? `; ${onlyCopyWords(on, volume)}` : '';
  const detail = `LV ${q.vg}/${q.name} is in pve-health's quarantine since ${mark.since} (was ${volume}); 'pve-health restore JOURNAL' brings it back, 'pve-health reclaim --purge' destroys it after the retention${elsewhere}`;
  const live = ctx.lvm.namesByVg.get(q.vg)?.has(mark.original) ?? false;
  const hits = live ? [] : all;
  const named = (q.storage.shared ? hits : hits.filter((x) => x.node === ctx.node)).map(describeRef);
  if (!named.length) return ignored('quarantined', detail, { storage: q.storage.id, ...namedOn });
  return ignored(
    'quarantined',
    `${named[0]} names ${volume}, which is in pve-health's quarantine since ${mark.since} as LV ${q.vg}/${q.name}: the guest's disk is not where PVE looks; never purged so. Restore it from its reclaim journal`,
    { storage: q.storage.id, volume, quarantineNamedBy: named, ...namedOn },
  );
}
