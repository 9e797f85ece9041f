// Guest volumes on ZFS, Ceph RBD and file storages against the guest configs (design "Classification",
// same vocabulary as DM entries). Pure: listings and PVE state in, entries out. Report only: the hint
// names the PVE command, nothing here deletes. Per volume the verdict is volume-verdict.ts's; here each
// storage of this node is listed, counted, and the part's summary and status folded.
import type { PveState } from '../node/pve-state';
import { parseReplicationSnapshot } from '../parse/replication';
import { type StorageConfig, storagesOnNode } from '../parse/storage-config';
import type { ProcessInfo } from '../snapshot';
import type { Status } from '../types';
import type { VolumeEntry, VolumeStorageStatus, VolumesRaw, VolumesResult, VolumesSummary } from '../volume-types';
import { holdsGuestVolumes, referenceIndex, storageLocation } from './volume-references';
import { replicationView } from './volume-replication';
import { filePath, type ListedVolume, listStorageVolumes, parseZfsListing, type ZfsListing } from './volume-storages';
import { classifyVolume, type VolumeContext } from './volume-verdict';

export {
  isFileType,
  parseReplicationJobs,
  splitVolname,
  storageLocation,
  VOLUME_STORAGE_TYPES,
} from './volume-references';
export { filePath };

export interface ClassifyVolumesInput {
  pve: PveState;
  raw: VolumesRaw;
  processes: ProcessInfo[];
  replicationCfg?: string;
  /** This node's /var/lib/pve-manager/pve-replication-state.json, when it was read. */
  replicationState?: string;
}

/** Processes by the device or file path their fds show: who holds a volume open. */
function holdersByDevice(processes: ProcessInfo[]): Map<string, ProcessInfo[]> {
  const holdersByDev = new Map<string, ProcessInfo[]>();
  for (const p of processes)
    for (const fd of p.fds ?? []) {
      const l = holdersByDev.get(fd);
      if (l) l.push(p);
      else holdersByDev.set(fd, [p]);
    }
  return holdersByDev;
}

/** One storage listed and its volumes classified; its counts leave snapshots out (they are not volumes). */
function classifyStorageVolumes(
  st: StorageConfig,
  input: { raw: VolumesRaw; zfs: ZfsListing },
  c: Omit<VolumeContext, 'hasClones' | 'newestReplicate'>,
): { stat: VolumeStorageStatus; entries: VolumeEntry[] } {
  const listed = listStorageVolumes(st, input.raw, input.zfs);
  const stat: VolumeStorageStatus = {
    storage: st.id,
    type: st.type,
    status: listed.error ? 'unknown' : 'ok',
    total: 0,
    orphan: 0,
    sizeBytes: 0,
    usedBytes: 0,
    orphanSizeBytes: 0,
  };
  if (listed.error) stat.error = listed.error;
  const loc = storageLocation(st);
  // Bases that clones on the storage still depend on (ZFS origin, RBD parent, qcow2 backing file).
  const hasClones = new Set(listed.volumes.map((v) => v.baseOf).filter((b): b is string => !!b));
  const newestReplicate = newestReplicateSnapshots(listed.volumes);
  const entries: VolumeEntry[] = [];
  for (const v of listed.volumes) {
    const e = classifyVolume(st, loc, v, { ...c, hasClones, newestReplicate });
    entries.push(e);
    if (e.snapshot) continue;
    stat.total++;
    stat.sizeBytes += e.sizeBytes ?? 0;
    stat.usedBytes += e.usedBytes ?? 0;
    if (e.status === 'orphan') {
      stat.orphan++;
      stat.orphanSizeBytes += e.sizeBytes ?? 0;
    }
  }
  return { stat, entries };
}

/** The newest `__replicate_<job>_<ts>__` per volume and job: the job's base when no state file says. */
function newestReplicateSnapshots(volumes: ListedVolume[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of volumes) {
    const r = v.snapshot ? parseReplicationSnapshot(v.snapshot) : null;
    if (!r) continue;
    const k = `${v.own}|${r.jobId}`;
    if ((out.get(k) ?? -1) < r.time) out.set(k, r.time);
  }
  return out;
}

function volumesSummary(entries: VolumeEntry[], storages: VolumeStorageStatus[]): VolumesSummary {
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
function volumesStatus(entries: VolumeEntry[], storages: VolumeStorageStatus[]): Status {
  if (storages.some((s) => s.status === 'unknown') || entries.some((e) => e.status === 'unknown')) return 3;
  return entries.some((e) => e.status === 'orphan') ? 1 : 0;
}

export function classifyVolumes(input: ClassifyVolumesInput): VolumesResult {
  const { pve, raw } = input;
  const c = {
    pve,
    refs: referenceIndex(pve),
    replication: replicationView(input.replicationCfg, input.replicationState),
    holdersByDev: holdersByDevice(input.processes),
  };
  const listings = { raw, zfs: parseZfsListing(raw) };
  const entries: VolumeEntry[] = [];
  const storages: VolumeStorageStatus[] = [];
  for (const st of storagesOnNode(pve.storageConfig, pve.node)) {
    if (!holdsGuestVolumes(st)) continue;
    const one = classifyStorageVolumes(st, listings, c);
    storages.push(one.stat);
    // One push per entry: a spread of a big storage's entries would exceed the argument limit.
    for (const e of one.entries) entries.push(e);
  }
  const unknownStorages = storages.filter((s) => s.status === 'unknown');
  // Entries unknown because a config could not be seen (.vmlist or a guest config): the part says why.
  const unseen = pve.unseen.shared && entries.some((e) => e.reason === 'config-unreadable') ? pve.unseen.shared : null;
  const errors = [
    ...unknownStorages.map((s) => `storage ${s.storage} could not be checked: ${s.error}`),
    ...(unseen ? [unseen] : []),
  ];
  return {
    summary: volumesSummary(entries, storages),
    entries,
    storages,
    vmidLeftovers: vmidLeftovers(entries),
    status: volumesStatus(entries, storages),
    ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
    warnings: [
      ...unknownStorages.map((s) => `${s.storage}: ${s.error}`),
      ...(unseen ? [unseen] : []),
      ...c.replication.warnings,
    ],
  };
}

function vmidLeftovers(entries: VolumeEntry[]): VolumesResult['vmidLeftovers'] {
  const by = new Map<number, VolumesResult['vmidLeftovers'][number]>();
  for (const e of entries) {
    if (e.snapshot || e.status !== 'orphan' || e.reason !== 'guest-missing' || e.vmid === null) continue;
    let l = by.get(e.vmid);
    if (!l) {
      l = { vmid: e.vmid, volids: [], sizeBytes: 0, usedBytes: 0 };
      by.set(e.vmid, l);
    }
    l.volids.push(e.volid);
    l.sizeBytes += e.sizeBytes ?? 0;
    l.usedBytes += e.usedBytes ?? 0;
  }
  return [...by.values()].sort((a, b) => a.vmid - b.vmid);
}

/** The volumes part when nothing could be listed: UNKNOWN with the reason (never an empty OK). */
export function unknownVolumes(error: string): VolumesResult {
  return {
    summary: {
      total: 0,
      valid: 0,
      orphan: 0,
      unknown: 0,
      ignored: 0,
      protected: 0,
      pending: 0,
      open: 0,
      orphanSizeBytes: 0,
      storages: 0,
      unknownStorages: 0,
    },
    entries: [],
    storages: [],
    vmidLeftovers: [],
    status: 3,
    error,
    warnings: [],
  };
}
