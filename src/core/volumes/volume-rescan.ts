// The keep step of a volume no config line names: `qm disk rescan --vmid N` / `pct rescan --vmid N`, offered
// only where PVE's rescan adopts that volume, and kept while the guest runs (the DM part's rule for its LVM
// twin, cleanup-hints.ts adviceFor). Pure.
//
// qemu-server QemuServer.pm `rescan`: scan_volids lists the guest's volumes with Storage.pm
// vdisk_list($cfg, undef, $vmid, undef, 'images') — a storage whose content lacks `images` is skipped — and
// keeps an item only `if $item->{size} || $item->{'approximate-size'}` (a zvol of volsize 0 is not adopted);
// then, under the config lock, `check_lock` dies on a config `lock`, and update_disk_config adds each listed
// volume no line names as unusedN, except `vm-$vmid-state-` (vmstate). pve-container LXC.pm `rescan`: the
// same with content `rootdir` and `defined($item->{size})`. Neither reads snapshots or the RBD trash.
import type { StorageConfig } from '../parse/storage-config';
import { keepStep, type NextStep, rescanCommand, rescanSkipsName } from '../vocab/next-step';
import type { VolumeEntry } from '../vocab/volume-types';
import { storageContent } from './volume-references';

/**
 * What may protect the volume while rescan still only writes an unusedN line into its running guest's
 * config under the config lock: the guest runs, clones hang off the volume. A process, mount or map
 * holding it may be an import or a copy under way (qm disk import adds its volume itself), and anything
 * else (an operation, a config lock, a task, a config that names nothing) would race rescan or make it die
 * on check_lock: no rescan then.
 */
const RESCAN_TOLERATES = new Set(['guest-running', 'has-clones']);

export interface RescanGuest {
  type: string;
  vmid: number;
  node: string;
}

/** True where PVE's rescan for a guest of `type` lists and adopts this volume (the rules above). */
export function rescanAdopts(e: VolumeEntry, st: StorageConfig, type: string, o: { partial?: boolean } = {}): boolean {
  if (e.vmid === null || e.snapshot !== undefined || e.trash) return false;
  const lxc = type === 'lxc';
  if (!storageContent(st).includes(lxc ? 'rootdir' : 'images')) return false;
  if (lxc) return true;
  if (rescanSkipsName(type, e.vmid, e.volid.slice(e.volid.indexOf(':') + 1))) return false;
  return !o.partial && e.sizeBytes !== 0;
}

/** The keep step of an unreferenced volume of an existing guest, where rescan adopts it (run on its node). */
export function attachSteps(
  e: VolumeEntry,
  st: StorageConfig,
  guest: RescanGuest,
  o: { partial?: boolean } = {},
): NextStep[] {
  if (!rescanAdopts(e, st, guest.type, o)) return [];
  const word = guest.type === 'lxc' ? 'CT' : 'VM';
  return [
    keepStep(
      `to keep it, attach it to ${word} ${guest.vmid} as unusedN (on ${guest.node})`,
      rescanCommand(guest.type, guest.vmid),
    ),
  ];
}

/** The keep step of a volume whose guest exists nowhere (created again, rescan adopts it): a subvol is a CT's. */
export function recreateSteps(e: VolumeEntry, st: StorageConfig, o: { partial?: boolean } = {}): NextStep[] {
  const type = e.format === 'subvol' ? 'lxc' : 'qemu';
  if (e.vmid === null || !rescanAdopts(e, st, type, o)) return [];
  return [keepStep(`data kept; to keep it, create guest ${e.vmid} again and attach it`, rescanCommand(type, e.vmid))];
}

/**
 * The steps a protected entry keeps: its rescan, when nothing but what rescan tolerates protects it and no
 * operation is under way, for a guest that exists (a running VM's unreferenced zvol keeps `qm disk rescan` like its LVM twin).
 */
export function stepsWhileProtected(e: Pick<VolumeEntry, 'reason' | 'steps' | 'pending' | 'protectedBy'>): NextStep[] {
  // A volume of no guest that something holds is someone else's use: no "create the guest again" then.
  if (e.reason !== 'not-referenced' || e.pending || !e.protectedBy.every((p) => RESCAN_TOLERATES.has(p))) return [];
  return (e.steps ?? []).filter((s) => s.kind === 'keep' && s.command?.includes('rescan'));
}
