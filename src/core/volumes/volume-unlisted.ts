// Volumes a config names that a ZFS or RBD listing read whole does not show. The listing exited 0, parsed
// line by line and showed the pool (volume-storages.ts: a failed, timed-out or cut listing is the storage's
// UNKNOWN before this runs), so a named volume it lacks is gone: `pvesm free` run by hand, or a destroy cut
// between vdisk_free and destroy_config (qemu-server QemuServer.pm destroy_vm frees each drive, then
// removes the config). That is a state PVE leaves: an entry for the guest's missing disk, critical when a
// drive the guest starts with names it (PVE::Storage::path → the plugin's path dies on a volume that is
// not there: the guest will not start), a warning for a line the start does not use (unusedN, a snapshot
// section); the rest of the storage is graded. Pure.
import { blocksStart, countedMissing, missingStep } from '../dm/dm-missing';
import { describeRef } from '../dm/dm-references';
import type { StorageConfig } from '../parse/storage-config';
import { setSteps } from '../vocab/next-step';
import type { VolumeEntry } from '../vocab/volume-types';
import type { VolumeContext } from './volume-context';
import { splitVolname } from './volume-references';
import type { ListedVolume } from './volume-storages';

export { blocksStart };

/**
 * One entry per volume this node's configs (a shared storage: the cluster's) name on `st` that the
 * listing lacks; [PENDING] lines are not counted, nor the volumes of a guest whose operation is freeing
 * them (`freeing`). A volume the trash holds or an unopenable directory entry counts as listed (it has its
 * own verdict), and so does a quarantined one (volume-quarantined.ts's critical finding).
 */
export function namedMissing(
  st: StorageConfig,
  loc: string,
  volumes: ListedVolume[],
  c: Pick<VolumeContext, 'pve' | 'refs'>,
): VolumeEntry[] {
  if (st.type !== 'zfspool' && st.type !== 'rbd') return [];
  const have = new Set(
    volumes.filter((v) => !v.snapshot).map((v) => (v.quarantine ? splitVolname(st.type, v.volname).own : v.own)),
  );
  const out: VolumeEntry[] = [];
  const prefix = `${loc}|`;
  const what = st.type === 'zfspool' ? 'zfs list' : 'rbd ls -l';
  for (const [k, hits] of c.refs) {
    const own = k.slice(prefix.length);
    if (!k.startsWith(prefix) || have.has(own)) continue;
    const counted = countedMissing(hits, {
      shared: st.shared,
      node: c.pve.node,
      guests: c.pve.guests,
      tasks: c.pve.tasks,
    });
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
      detail: `${describeRef(first)}${counted.length > 1 ? ` (+${counted.length - 1} more)` : ''} names ${volid}, which storage ${st.id} does not have (${what} exited 0 and was read whole)${start.length > 0 ? ': the guest will not start' : ''}`,
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
