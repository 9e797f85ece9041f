// What is in pve-health's quarantine, listed on the check document so every output shows it (what,
// where it is now, since when, when it may be purged, its space) and none counts it as an orphan: the
// DM part lists quarantined LVs and the volumes part quarantined datasets, images, trash entries and
// files as ignored (`quarantined`); the purge date needs the clock and `[reclaim] retention_days`,
// which the core does not read, so the listing is made here.

import { quarantinedDmEntries, quarantinedVolumes } from '../core/reclaim/quarantined';
import type { Config } from '../core/vocab/config';
import { DEFAULT_RETENTION_DAYS } from '../core/vocab/quarantine-name';
import type { CheckDocument } from '../core/vocab/types';

export function withQuarantine(doc: CheckDocument, now: Date, config?: Config): CheckDocument {
  const o = { now, retentionDays: config?.reclaim?.retention_days ?? DEFAULT_RETENTION_DAYS };
  const found = [
    ...quarantinedDmEntries(doc.dm?.entries ?? [], o),
    ...quarantinedVolumes(doc.volumes?.entries ?? [], o),
  ];
  if (found.length)
    doc.quarantine = {
      retentionDays: o.retentionDays,
      volumes: found.map((q) => ({
        volid: q.volid,
        storage: q.storage,
        vmid: q.vmid,
        name: q.name,
        since: q.since,
        purgeAfter: q.purgeAfter,
        due: q.due,
        sizeBytes: q.sizeBytes,
        usedBytes: q.usedBytes,
      })),
    };
  return doc;
}
