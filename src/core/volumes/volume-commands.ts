// The commands of volume hints, as argvs (shellQuote quotes them where they are printed). Pure.
import type { StorageConfig } from '../parse/storage-config';
import type { VolumeEntry } from '../vocab/volume-types';
import { rbdArgs } from './volume-rbd';
import { btrfsRawDir, filePath } from './volume-storages';

/**
 * The command that removes one storage snapshot (never its volume): what PVE's volume_snapshot_delete
 * runs for it. null where removing it is not one command (a dir volume chain's snap- file is merged, not
 * deleted).
 */
export function snapshotFree(e: VolumeEntry, st: StorageConfig): string[] | null {
  const volname = e.volid.slice(e.volid.indexOf(':') + 1);
  const own = volname.split('/').pop() as string;
  const snap = e.snapshot as string;
  if (st.type === 'zfspool') return ['zfs', 'destroy', `${st.props.pool}/${own}@${snap}`];
  if (st.type === 'rbd')
    return own.startsWith('-')
      ? [...rbdArgs(st), 'snap', 'rm', '--image', own, '--snap', snap]
      : [...rbdArgs(st), 'snap', 'rm', `${own}@${snap}`];
  if (st.type !== 'btrfs') return null;
  // btrfs: the snapshot is a read-only subvolume beside the volume's (BTRFSPlugin filesystem_path).
  const dir = btrfsRawDir(own, st.type) ?? own;
  return ['btrfs', 'subvolume', 'delete', `${filePath(st)}/images/${e.vmid}/${dir}@${snap}`];
}
