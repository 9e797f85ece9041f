// Volumes a config names that a ZFS, RBD or file storage's listing read whole does not show. The listing
// exited 0, parsed line by line and showed the pool (volume-storages.ts: a failed, timed-out or cut listing
// is the storage's UNKNOWN before this runs; an NFS/CIFS share or an `is_mountpoint` dir not mounted here,
// or one whose mount probed stale, is never listed: host/read-volumes.ts), and the storage is one of this
// node (enabled, `nodes` naming it: storagesOnNode), so a named volume it lacks is gone: `pvesm free` run by
// hand, or a destroy cut between vdisk_free and destroy_config (qemu-server QemuServer.pm destroy_vm frees
// each drive, then removes the config). That is a state PVE leaves: an entry for the guest's missing disk,
// critical when a drive the guest starts with names it (PVE::Storage::path → the plugin's path dies on a
// volume that is not there, or qemu/lxc cannot open the file: the guest will not start), a warning for a
// line the start does not use (unusedN, a snapshot section); the rest of the storage is graded. Pure.
import { blocksStart, countedMissing, missingStep } from '../dm/dm-missing';
import { describeRef } from '../dm/dm-references';
import type { StorageConfig } from '../parse/storage-config';
import { setSteps } from '../vocab/next-step';
import type { VolumeEntry } from '../vocab/volume-types';
import { chainCurrentOf } from './volume-chain-current';
import type { VolumeContext } from './volume-context';
import { isFileType, splitVolname } from './volume-references';
import { FILE_NAME, filePath, type StorageListing } from './volume-storages';

export { blocksStart };

/**
 * One entry per volume this node's configs (a shared storage: the cluster's) name on `st` that the
 * listing lacks; [PENDING] lines are not counted, nor the volumes of a guest whose operation is freeing
 * them (`freeing`), nor a line naming another storage ID on the same pool or path (that storage's own, and
 * not of this node when it is not listed). A volume the trash holds or an unopenable directory entry counts
 * as listed (it has its own verdict), and so does a quarantined one (volume-quarantined.ts's critical
 * finding), a file-storage name the lister read as no volume (a symlink PVE's path opens through), and a
 * volume whose current image a volume-chain file holds (volume-chain-current.ts). On a file storage only
 * a volname PVE parses as an image (Plugin.pm parse_volname/parse_name_dir: `<vmid>/[base-]<name>.<fmt>`)
 * is a volume its listing would show: an ISO, a template or an import file is not looked for.
 */
export function namedMissing(
  st: StorageConfig,
  loc: string,
  listed: StorageListing,
  c: Pick<VolumeContext, 'pve' | 'refs'>,
): VolumeEntry[] {
  // ZFS, RBD or a file storage (dir, NFS, CIFS, btrfs): every type volume-references.ts lists.
  const file = isFileType(st.type);
  const { volumes } = listed;
  const have = new Set(
    volumes.filter((v) => !v.snapshot).map((v) => (v.quarantine ? splitVolname(st.type, v.volname).own : v.own)),
  );
  for (const p of listed.present ?? []) have.add(p);
  for (const v of volumes) {
    const cur = chainCurrentOf(st, loc, v, c);
    if (cur) have.add(cur.volume);
  }
  const out: VolumeEntry[] = [];
  const prefix = `${loc}|`;
  const what = file
    ? `${filePath(st)}/images ${listed.noImagesDir ? 'does not exist on this node (the storage was never activated here, or what should be mounted at its path is not)' : 'was listed whole'}`
    : `${st.type === 'zfspool' ? 'zfs list' : 'rbd ls -l'} exited 0 and was read whole`;
  for (const [k, hits] of c.refs) {
    const own = k.slice(prefix.length);
    if (!k.startsWith(prefix) || have.has(own) || (file && !FILE_NAME.test(own))) continue;
    const counted = countedMissing(
      hits.filter((h) => h.storage === st.id),
      {
        shared: st.shared,
        node: c.pve.node,
        guests: c.pve.guests,
        tasks: c.pve.tasks,
      },
    );
    if (counted.length === 0) continue;
    const start = counted.filter(blocksStart);
    const first = start[0] ?? counted[0];
    const volid = `${st.id}:${own}`;
    const e: VolumeEntry = {
      volid,
      storage: st.id,
      type: st.type,
      vmid: first.vmid,
      format: null,
      status: 'valid',
      reason: 'missing-referenced',
      detail: `${describeRef(first)}${counted.length > 1 ? ` (+${counted.length - 1} more)` : ''} names ${volid}, which storage ${st.id} does not have (${what})${start.length > 0 ? ': the guest will not start' : ''}`,
      sizeBytes: null,
      usedBytes: null,
      open: false,
      holders: [],
      pending: false,
      protected: false,
      protectedBy: [],
      references: counted.map(describeRef),
      missing: { blocksStart: start.length > 0 },
      guestNode: first.node,
    };
    setSteps(e, [missingStep(first)]);
    out.push(e);
  }
  return out;
}
