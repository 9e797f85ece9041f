// The volumes part's counts and status, from its entries and storages. Pure.
import type { Status } from '../types';
import type { VolumeEntry, VolumeStorageStatus, VolumesSummary } from '../volume-types';

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

/** UNKNOWN when a storage or a volume could not be decided, WARNING for an orphan, else OK. */
export function volumesStatus(entries: VolumeEntry[], storages: VolumeStorageStatus[]): Status {
  if (storages.some((s) => s.status === 'unknown') || entries.some((e) => e.status === 'unknown')) return 3;
  return entries.some((e) => e.status === 'orphan') ? 1 : 0;
}
