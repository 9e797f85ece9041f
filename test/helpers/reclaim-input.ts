// The inputs of the reclaim planner's table tests (plan-reclaim, reclaim-snapshots): a storage.cfg with one
// storage of each kind reclaim knows, volume entries as the volumes part makes them, and the host commands.
import type { LvRow } from '../../src/core/parse/parse-lvm';
import { parseStorageConfig } from '../../src/core/parse/storage-config';
import type { ReclaimInput } from '../../src/core/reclaim/plan-reclaim';
import type { VolumeEntry, VolumesResult } from '../../src/core/vocab/volume-types';
import { unknownVolumes } from '../../src/core/volumes/classify-volumes';
import { volumesSummary } from '../../src/core/volumes/volume-summary';

export const NOW = new Date('2026-11-23T10:15:00.000Z');

export const STORAGE_CFG = `lvmthin: local-lvm
	vgname pve
	thinpool data
	content images,rootdir

lvm: san-lvm
	vgname san
	shared 1
	content images

zfspool: local-zfs
	pool rpool/data
	content images,rootdir

rbd: ceph-vm
	pool vm-pool
	content images

dir: local
	path /var/lib/vz
	content images,iso

dir: old
	path /mnt/old
	content images
	disable 1

dir: other
	path /mnt/other
	content images
	nodes pve2

btrfs: local-btrfs
	path /mnt/btrfs
	content images,rootdir
`;

export function vol(over: Partial<VolumeEntry> & { volid: string }): VolumeEntry {
  const storage = over.volid.split(':')[0];
  const type = { 'local-zfs': 'zfspool', 'ceph-vm': 'rbd', 'local-btrfs': 'btrfs' }[storage] ?? 'dir';
  return {
    storage,
    type,
    vmid: 100,
    format: 'raw',
    status: 'orphan',
    reason: 'guest-missing',
    detail: 'no guest 100 exists in the cluster',
    sizeBytes: 1 << 30,
    usedBytes: 1 << 29,
    open: false,
    holders: [],
    pending: false,
    protected: false,
    protectedBy: [],
    ...over,
  };
}

export function volumes(entries: VolumeEntry[], storages: VolumesResult['storages'] = []): VolumesResult {
  return {
    ...unknownVolumes(''),
    summary: volumesSummary(entries, storages),
    entries,
    storages,
    status: 1,
    warnings: [],
  };
}

export function input(over: Partial<ReclaimInput> = {}): ReclaimInput {
  return {
    node: 'pve1',
    now: NOW,
    retentionDays: 7,
    storages: parseStorageConfig(STORAGE_CFG),
    dm: [],
    lvs: [],
    volumes: volumes([]),
    nodeRefusals: [],
    namedElsewhere: new Map(),
    commands: {
      rbd: (st) => ['rbd', '-p', st.props.pool ?? 'rbd'],
      moveFile: (from, to) => ['mover', from, to],
      removeFile: (path) => ['rm', '--', path],
      removeTree: (path) => ['rm', '-r', '--one-file-system', '--', path],
      removeSubvolume: (path) => ['btrfs', 'subvolume', 'delete', '--', path],
    },
    ...over,
  };
}

/** A thin LV pve-health quarantined on 1 November (its name, tag and uuid), for the purge's tables. */
export const QUARANTINED_LV_NAME = 'pve-health-q.20261101T000000Z.vm-100-disk-0';
export const QUARANTINED_LV: LvRow = {
  name: QUARANTINED_LV_NAME,
  vg: 'pve',
  pool: 'data',
  origin: '',
  tags: ['pve-health-quarantine'],
  sizeBytes: 4096,
  uuid: 'Lvid01xxxxxxxxxxxxxxxxxxxxxxxxxx',
} as LvRow;
