// What the cluster's configs say about volumes on ZFS, Ceph RBD and file storages: which storage
// types are listed, where a storage keeps its volumes (aliases share it), a volname's own volume and
// linked-clone base, every config reference keyed by both, and the replication jobs.
import type { RefHit } from '../dm/dm-references';
import type { PveState } from '../node/pve-state';
import { parseReplicationConfig } from '../parse/replication';
import type { StorageConfig } from '../parse/storage-config';
import { filePath } from './volume-storages';

export const VOLUME_STORAGE_TYPES = ['zfspool', 'rbd', 'dir', 'nfs', 'cifs', 'cephfs', 'btrfs'];

/**
 * A storage whose guest volumes are listed: a volume storage type whose `content` (when set) includes
 * images or rootdir — Storage.pm vdisk_list skips any other (`next if !($content->{rootdir} ||
 * $content->{images})`), so a backup-only dir storage holds no guest volumes, mounted or not.
 */
export function holdsGuestVolumes(s: StorageConfig): boolean {
  if (!VOLUME_STORAGE_TYPES.includes(s.type)) return false;
  const content = s.props.content;
  if (content === undefined) return true;
  const kinds = content.split(/[,\s]+/);
  return kinds.includes('images') || kinds.includes('rootdir');
}

/** Where a storage keeps its volumes: two storage IDs on the same pool/path alias each other. */
export function storageLocation(s: StorageConfig): string {
  if (s.type === 'zfspool') return `zfs:${s.props.pool ?? ''}`;
  if (s.type === 'rbd') return `rbd:${s.props.monhost ?? ''}:${s.props.pool ?? 'rbd'}:${s.props.namespace ?? ''}`;
  return `file:${filePath(s)}`;
}

/**
 * A volname's own volume and, for a linked clone, its base. Files: `900/base-900-disk-0.qcow2/902/vm-902-disk-0.qcow2`
 * (Plugin.pm parse_volname `^(\d+)/(\S+)/(\d+)/(\S+)$`); ZFS/RBD: `base-900-disk-0/vm-902-disk-0`.
 */
export function splitVolname(type: string, volname: string): { own: string; base?: string } {
  if (isFileType(type)) {
    const m = /^(\d+\/[^/]+)\/(\d+\/[^/]+)$/.exec(volname);
    return m ? { own: m[2], base: m[1] } : { own: volname };
  }
  const m = /^((?:base|basevol)-\d+-[^/]+)\/([^/]+)$/.exec(volname);
  return m ? { own: m[2], base: m[1] } : { own: volname };
}

export const isFileType = (t: string) => t === 'dir' || t === 'nfs' || t === 'cifs' || t === 'cephfs' || t === 'btrfs';

/** Every volume reference of the cluster's configs keyed by `<location>|<own volume name>`. */
export function referenceIndex(pve: PveState): Map<string, RefHit[]> {
  const byId = new Map(pve.storageConfig.map((s) => [s.id, s]));
  const index = new Map<string, RefHit[]>();
  const add = (k: string, hit: RefHit) => {
    const l = index.get(k);
    if (l) l.push(hit);
    else index.set(k, [hit]);
  };
  for (const g of pve.guests.values()) {
    for (const ref of g.config?.refs ?? []) {
      const st = ref.volid ? byId.get(ref.volid.storage) : undefined;
      if (!st || !ref.volid || !VOLUME_STORAGE_TYPES.includes(st.type)) continue;
      const loc = storageLocation(st);
      const { own, base } = splitVolname(st.type, ref.volid.volname);
      const hit = { vmid: g.vmid, type: g.type, node: g.node, ref, storage: st.id };
      add(`${loc}|${own}`, { ...hit, asBase: false });
      if (base) add(`${loc}|${base}`, { ...hit, asBase: true });
    }
  }
  return index;
}

/** `local: 100-0` headers of /etc/pve/replication.cfg → job ids (parse/replication.ts has the whole job). */
export function parseReplicationJobs(text: string): Set<string> {
  return new Set(parseReplicationConfig(text).jobs.map((j) => j.id));
}
