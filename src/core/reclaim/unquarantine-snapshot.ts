// `restore JOURNAL` of a snapshot reclaim renamed on its own volume (ZFS, RBD): the rename undone, decided
// from the journal's record and a fresh listing (pure; plan-unquarantine.ts calls it).
import type { StorageConfig } from '../parse/storage-config';
import type { VolumeEntry } from '../vocab/volume-types';
import { type HostCommands, snapshotRenameStep } from './reclaim-steps';
import type { ReclaimStep, VolumeLocation } from './reclaim-types';

/** What of the journal's record and of the fresh look the undo of a snapshot needs. */
type SnapshotRecord = {
  volid: string;
  storage: string;
  original: string;
  quarantine: string;
  location: VolumeLocation;
};
type Facts = { volumes: VolumeEntry[]; commands: HostCommands };

/**
 * A snapshot renamed on its volume (ZFS, RBD): renamed back, unless a snapshot of its original name is on
 * the volume again (a new `__migration__`, `vzdump` or guest snapshot: never renamed over, zfs and rbd
 * would refuse anyway).
 */
export function snapshotUndo(
  r: SnapshotRecord,
  st: StorageConfig,
  f: Facts,
): { steps: ReclaimStep[] } | { why: string } {
  const of = r.location.snapshotOf as string;
  const volid = r.volid.endsWith(`@${r.original}`) ? r.volid.slice(0, -r.original.length - 1) : r.volid;
  const onVolume = f.volumes.filter((e) => e.storage === r.storage && e.volid === volid && e.snapshot !== undefined);
  const here = onVolume.find((e) => e.snapshot === r.quarantine && e.quarantine?.snapshot === r.original);
  const taken = onVolume.find((e) => e.snapshot === r.original && !e.quarantine);
  if (!here)
    return taken
      ? { steps: [] }
      : { why: `snapshot ${of}@${r.quarantine} is not in the listing (purged, or its volume moved)` };
  if (taken) return { why: `${of} has a snapshot ${r.original} again: never renamed over it` };
  const back = snapshotRenameStep(st, f.commands, {
    of,
    from: r.quarantine,
    to: r.original,
    why: 'back to the name it had',
  });
  return { steps: [back] };
}
