// Finding keys: what identifies a finding across runs. Notify compares sets of them, serve's history
// marks new ones, acks name them (acks.json, `pve-health ack KEY`). Built from names and reasons,
// never from sizes or counters that drift, and read back here only: the format lives in this file.
//   dm:<status>:<reason>:<volid>                 dm:orphan:guest-missing:local-lvm:vm-105-disk-0
//   dm:<status>:<reason>:<DM name>               dm:orphan:lv-missing:pve-vm--105--disk--0 (no volume ID, a
//                                                layer, or two findings of one volume); also the alias of
//                                                every DM finding: acks.json of earlier versions names them so
//   volume:<status>:<reason>:<volid[@snapshot]>  volume:orphan:guest-missing:local-zfs:vm-150-disk-0
//   volume:<status>:<reason>:<volid>#trash:<id>  volume:orphan:in-trash:ceph-vm:vm-160-disk-0#trash:5e4a2d9c1b7f
//                                                (an RBD image in the trash: a name can be there twice, and
//                                                beside a live image of that name; the trash ID is unique)
//   mount:<status>:<scope>:<ctid>:<target>       mount:stale:ct:102:/mnt/a   mount:full:host::/mnt/pve/iso
//   storage:<finding id>                         storage:thin-data:pve/data
//   cluster:<finding id>                         cluster:shared-lv-open:san/<LV UUID>

import type { ClusterFinding } from '../cluster/cluster-types';
import type { DmEntry, MountEntry, StorageFinding } from '../vocab/types';
import { volumeSubject } from '../vocab/volume-subject';
import type { VolumeEntry } from '../vocab/volume-types';

/** A finding key of any part (what `pve-health ack` accepts). */
export const FINDING_KEY = /^(dm|volume|storage|mount|cluster):\S+$/;

export function dmKey(e: Pick<DmEntry, 'status' | 'reason' | 'name'>): string {
  return `dm:${e.status}:${e.reason}:${e.name}`;
}

/** The key by volume ID of a top-level DM entry that has one; null for layers, partitions and foreign maps. */
export function dmVolumeKey(e: Pick<DmEntry, 'status' | 'reason' | 'volume' | 'parent'>): string | null {
  return e.volume && !e.parent ? `dm:${e.status}:${e.reason}:${e.volume}` : null;
}

/**
 * The subject of a device-mapper finding: its volume ID, narrowed for a layer or partition of that volume
 * ("san-lvm:vm-120-disk-0#p1", "local-lvm:vm-100-disk-0#real") so no two findings share one; else the DM name.
 */
export function dmSubject(e: Pick<DmEntry, 'name' | 'volume' | 'parent' | 'layer'>): string {
  if (!e.volume) return e.name;
  if (!e.parent) return e.volume;
  if (e.layer) return `${e.volume}#${e.layer}`;
  // kpartx names a partition map after its parent's name and the number ("<parent>p1", "<parent>-part1").
  const rest = e.name.startsWith(e.parent) ? e.name.slice(e.parent.length).replace(/^-/, '') : e.name;
  return `${e.volume}#${rest}`;
}

/** The subject of a volume finding: the volume ID, and the snapshot or trash ID when it is one (vocab's one form). */
export { volumeSubject };

export function volumeKey(e: Pick<VolumeEntry, 'status' | 'reason' | 'volid' | 'snapshot' | 'trash'>): string {
  return `volume:${e.status}:${e.reason}:${volumeSubject(e)}`;
}

export function mountKey(m: Pick<MountEntry, 'status' | 'scope' | 'ctid' | 'target'>): string {
  return `mount:${m.status}:${m.scope}:${m.ctid ?? ''}:${m.target}`;
}

export function storageKey(f: Pick<StorageFinding, 'id'>): string {
  return `storage:${f.id}`;
}

export function clusterKey(f: Pick<ClusterFinding, 'id'>): string {
  return `cluster:${f.id}`;
}

/** "dm:orphan:guest-missing:pve-vm--105--disk--0" → "orphan pve-vm--105--disk--0 (guest-missing)". */
export function describeKey(key: string): string {
  const [part, status, reason, ...rest] = key.split(':');
  if (part === 'dm') return `${status} ${rest.join(':')} (${reason})`;
  if (part === 'volume') return `${status} volume ${rest.join(':')} (${reason})`;
  if (part === 'storage') return `storage ${key.slice('storage:'.length)}`;
  if (part === 'cluster') return `cluster ${key.slice('cluster:'.length)}`;
  if (part === 'mount') {
    // The third field is the scope, the fourth the CT id (empty on the host); a target may hold ':'.
    const [ctid, ...target] = rest;
    return `${status} mount ${reason === 'ct' ? `CT ${ctid}:` : ''}${target.join(':')}`;
  }
  return key;
}

/** What a storage finding is about: the device, the pool, the LV, the storage, the guest. */
export function storageSubject(f: StorageFinding): string {
  const s = f.subject ?? {};
  if (s.device) return s.device;
  if (s.vg && s.pool) return `${s.vg}/${s.pool}`;
  if (s.vg && s.lv) return `${s.vg}/${s.lv}`;
  return s.storage ?? s.vg ?? (s.vmid !== undefined ? `guest ${s.vmid}` : f.kind);
}
