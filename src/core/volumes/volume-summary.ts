// The volumes part's counts and status, from its entries and storages. Pure.
import type { Status } from '../vocab/types';
import type { VolumeEntry, VolumeStorageStatus, VolumesSummary } from '../vocab/volume-types';

export function volumesSummary(entries: VolumeEntry[], storages: VolumeStorageStatus[]): VolumesSummary {
  const n = (s: string) => entries.filter((e) => e.status === s).length;
  return {
    total: entries.length,
    valid: n('valid'),
    orphan: n('orphan'),
    unknown: n('unknown'),
    ignored: n('ignored'),
    protected: entries.filter((e) => e.protected).length,
    pending: entries.filter((e) => e.pending).length,
    open: entries.filter((e) => e.open).length,
    orphanSizeBytes: storages.reduce((a, s) => a + s.orphanSizeBytes, 0),
    storages: storages.length,
    unknownStorages: storages.filter((s) => s.status === 'unknown').length,
  };
}

/**
 * A guest's own disk that it cannot use: in the Ceph trash while its config names it, under a volume-chain
 * snapshot's name (volume-chain-current.ts), or gone from a listing read whole while a drive the guest
 * starts with names it (volume-unlisted.ts): critical.
 */
export const brokenDisk = (e: Pick<VolumeEntry, 'reason' | 'missing'>): boolean =>
  e.reason === 'in-trash-referenced' ||
  e.reason === 'chain-current' ||
  (e.reason === 'missing-referenced' && e.missing?.blocksStart === true);

/**
 * CRITICAL when a guest's disk is unusable (in the Ceph trash, or in pve-health's quarantine while its config
 * names it), UNKNOWN when a storage or a volume could not be decided, WARNING for an orphan, else OK.
 */
export function volumesStatus(entries: VolumeEntry[], storages: VolumeStorageStatus[]): Status {
  if (entries.some((e) => brokenDisk(e) && !e.pending)) return 2;
  if (entries.some(isNamedInQuarantine)) return 2;
  if (storages.some((s) => s.status === 'unknown') || entries.some((e) => e.status === 'unknown')) return 3;
  return entries.some((e) => e.status === 'orphan' || e.reason === 'missing-referenced') ? 1 : 0;
}

/**
 * A storage's row counted over its entries: snapshots in the counts (`pve_health_volumes{storage,status}`
 * and the storage table add up to the summary, and a leftover snapshot raises its storage's orphan
 * count), not in the sizes (a snapshot's size is its volume's). Entries of other storages are skipped.
 */
export function storageCounts(
  row: Pick<VolumeStorageStatus, 'storage' | 'type' | 'status' | 'error'>,
  entries: VolumeEntry[],
): VolumeStorageStatus {
  const out: VolumeStorageStatus = {
    ...row,
    total: 0,
    valid: 0,
    orphan: 0,
    unknown: 0,
    ignored: 0,
    sizeBytes: 0,
    usedBytes: 0,
    orphanSizeBytes: 0,
  };
  for (const e of entries) {
    if (e.storage !== row.storage) continue;
    out.total++;
    if (e.status !== 'duplicate') out[e.status] = (out[e.status] ?? 0) + 1;
    if (e.snapshot) continue;
    out.sizeBytes += e.sizeBytes ?? 0;
    out.usedBytes += e.usedBytes ?? 0;
    if (e.status === 'orphan') out.orphanSizeBytes += e.sizeBytes ?? 0;
  }
  return out;
}

/** A quarantined volume a guest config names again (volume-quarantined.ts): a critical finding. */
export function isNamedInQuarantine(e: Pick<VolumeEntry, 'reason' | 'quarantine'>): boolean {
  return e.reason === 'quarantined' && Boolean(e.quarantine?.namedBy?.length);
}

/** Is this guest volume (ZFS, RBD, file storages) a finding? */
export function isVolumeFinding(e: Pick<VolumeEntry, 'status' | 'reason' | 'quarantine' | 'missing'>): boolean {
  return (
    e.status === 'orphan' ||
    e.status === 'unknown' ||
    e.reason === 'missing-referenced' ||
    brokenDisk(e) ||
    isNamedInQuarantine(e)
  );
}

/**
 * A volume finding's severity: a quarantined volume a guest names, a guest's disk in the Ceph trash or
 * missing from its storage, are critical; an orphan (and a missing volume only an unused line or a
 * snapshot names) warns, an undecided volume is UNKNOWN, a pending one is explained.
 */
export function volumeSeverity(
  e: Pick<VolumeEntry, 'status' | 'pending' | 'reason' | 'quarantine' | 'missing'>,
): Status {
  if (isNamedInQuarantine(e)) return 2;
  return e.pending ? 0 : brokenDisk(e) ? 2 : e.status === 'unknown' ? 3 : 1;
}
