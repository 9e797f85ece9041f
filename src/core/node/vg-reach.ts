// Whether a VG only this node sees or one other nodes see too, from its disks, not from storage.cfg: each
// PV followed down (a partition to its disk, an md array or a device-mapper map to its slaves) to the disks,
// and each disk's place in sysfs names its transport (host/read-pv-disks.ts gathers it). One `shared 1` line
// lost from storage.cfg must not turn a LUN every node sees into a "local" VG whose LVs look like leftovers.
// Pure.

import type { VgRow } from '../parse/parse-lvm';
import type { StorageConfig } from '../parse/storage-config';
import type { PvDevicesRead, SysBlockDevice } from '../vocab/snapshot';
import type { DeviceIndex, DmDevice } from './dm-devices';
import type { NodeView } from './node-view';

/**
 * `local`: every PV lies on a disk of this node (`via` names them); `shared`: a PV lies on a device other
 * nodes can see (a SAN LUN, a network block device); `unsure`: some PV could not be followed to a disk
 * whose transport says which (`why`, with what could not be read).
 */
export type VgReach =
  | { kind: 'local'; via: string }
  | { kind: 'shared'; via: string }
  | { kind: 'unsure'; why: string };

/** Where a disk hangs in /sys/devices that other nodes can reach too (linux drivers/scsi, drivers/block, drivers/nvme). */
const SAN_PATHS: readonly [RegExp, string][] = [
  // scsi_transport_iscsi: host<N>/session<N>/target... (an iSCSI login, open-iscsi or the PVE iSCSI plugin)
  [/\/session\d+\//, 'iSCSI'],
  // scsi_transport_fc: host<N>/rport-<h>:<b>-<n>/target... (a Fibre Channel remote port)
  [/\/rport-[^/]+\//, 'Fibre Channel'],
  [/^\/sys\/devices\/virtual\/block\/nbd\d+$/, 'NBD'],
  [/^\/sys\/devices\/virtual\/block\/drbd\d+$/, 'DRBD'],
  [/^\/sys\/devices\/virtual\/block\/rbd\d+$/, 'Ceph RBD'],
  [/\/nvme-fabrics\//, 'NVMe over Fabrics'],
];

/** Where a disk of this node hangs: a port of its own controller. */
const LOCAL_PATHS: readonly [RegExp, string][] = [
  [/\/virtio\d+\//, 'virtio'],
  [/\/ata\d+\//, 'SATA'],
  [/\/usb\d+\//, 'USB'],
  [/\/mmc_host\//, 'MMC'],
  [/\/nvme\/nvme\d+\/nvme\d+n\d+$/, 'NVMe'],
  // A SCSI target straight on a PCI controller (a RAID controller's logical drive); SAS ports are below.
  [/^\/sys\/devices\/pci[^/]*\/.*\/host\d+\/target\d+:\d+:\d+\//, 'SCSI'],
];

const NVME_FABRICS = new Set(['tcp', 'rdma', 'fc']);

const shared = (via: string): VgReach => ({ kind: 'shared', via });
const unsure = (why: string): VgReach => ({ kind: 'unsure', why });

/** What one disk (no partition, no slaves) is, by its transport. */
export function diskReach(kname: string, dev: SysBlockDevice): VgReach {
  const p = dev.path;
  if (dev.dmUuid?.startsWith('mpath-')) return shared(`multipath map ${kname}`);
  for (const [re, what] of SAN_PATHS) if (re.test(p)) return shared(`${what} disk ${kname}`);
  if (dev.transport) {
    const ts = dev.transport.split(',');
    const fabric = ts.find((t) => NVME_FABRICS.has(t));
    if (fabric) return shared(`NVMe over ${fabric} disk ${kname}`);
    if (ts.every((t) => t === 'pcie')) return { kind: 'local', via: `NVMe disk ${kname}` };
    return unsure(`NVMe disk ${kname} has transport ${dev.transport}`);
  }
  // A SAS disk may sit in an enclosure cabled to several nodes, no multipath needed: not told apart here.
  if (/\/end_device-[^/]+\//.test(p))
    return unsure(`${kname} is a SAS disk, which an enclosure may share between nodes`);
  for (const [re, what] of LOCAL_PATHS) if (re.test(p)) return { kind: 'local', via: `${what} disk ${kname}` };
  return unsure(`the transport of ${kname} is not known from its sysfs place ${p}`);
}

/** A block device down to its disks: a partition's disk, a stacked device's slaves, a multipath map itself. */
function deviceReach(read: PvDevicesRead, kname: string, depth: number): VgReach {
  const dev = read.devices[kname];
  if (!dev || depth > 8) return unsure(`/sys/class/block/${kname} was not read`);
  if ('error' in dev) return unsure(dev.error);
  if (dev.dmUuid?.startsWith('mpath-')) return diskReach(kname, dev);
  if (dev.partition) {
    const parts = dev.path.split('/');
    return deviceReach(read, parts[parts.length - 2], depth + 1);
  }
  if (dev.slaves?.length) return combine(dev.slaves.map((s) => deviceReach(read, s, depth + 1)));
  return diskReach(kname, dev);
}

/** Several devices as one: shared when any is, unsure when any is, else local. */
function combine(parts: VgReach[]): VgReach {
  const one = parts.find((r) => r.kind === 'shared') ?? parts.find((r) => r.kind === 'unsure');
  if (one) return one;
  return { kind: 'local', via: [...new Set(parts.map((r) => (r.kind === 'local' ? r.via : '')))].join(', ') };
}

/** One VG by its PVs (vgs pv_name). */
export function vgReach(vg: VgRow, read: PvDevicesRead | null | undefined): VgReach {
  if (!read) return unsure('the disks under its PVs were not gathered (a snapshot of an older version)');
  if (vg.pvs.length === 0) return unsure(`vgs names no PV of VG ${vg.name}`);
  return combine(
    vg.pvs.map((pv) => {
      const k = read.pvs[pv];
      if (!k) return unsure(`PV ${pv} was not looked up`);
      if ('error' in k) return unsure(k.error);
      const r = deviceReach(read, k.kname, 0);
      return r.kind === 'unsure' ? unsure(`PV ${pv}: ${r.why}`) : { ...r, via: `${r.via} (PV ${pv})` };
    }),
  );
}

/**
 * Every VG `vgs` lists, by its disks; a VG whose maps lie on a multipath map (dmsetup deps, which needs no
 * sysfs) is shared whatever sysfs says.
 */
export function vgReachOf(
  vgs: readonly VgRow[] | null,
  read: PvDevicesRead | null | undefined,
  dm: { devices: DmDevice[]; index: DeviceIndex },
): Map<string, VgReach> {
  const out = new Map<string, VgReach>();
  for (const vg of vgs ?? []) out.set(vg.name, vgReach(vg, read));
  for (const [vg, via] of multipathVgs(dm.devices, dm.index)) out.set(vg, shared(via));
  return out;
}

/**
 * VGs whose LVs map onto a multipath map or a partition of one (dmsetup deps of their maps): a LUN that
 * other nodes see too, whatever storage.cfg says of the storage.
 */
function multipathVgs(devices: DmDevice[], index: DeviceIndex): Map<string, string> {
  const out = new Map<string, string>();
  const mpathOf = (d: DmDevice | undefined): DmDevice | undefined => {
    if (d?.identity.kind === 'partition' && d.identity.parent) return mpathOf(index.byName.get(d.identity.parent));
    return d?.uuid.kind === 'mpath' ? d : undefined;
  };
  // Index loops: every map of a node, and no iterator result for each step.
  for (let i = 0; i < devices.length; i++) {
    const d = devices[i];
    const id = d.identity;
    // A layer, a renamed map (an LV's UUID under another name) and the map of an LV gone from the metadata
    // map extents of their VG's PVs all the same.
    const vg = id.kind === 'lv' ? id.lv.vg : 'vg' in id ? id.vg : null;
    if (vg === null || out.has(vg)) continue;
    for (let j = 0; j < d.deps.length; j++) {
      const m = mpathOf(index.byDevno.get(d.deps[j]));
      if (m) out.set(vg, `multipath map ${m.info.name}`);
    }
  }
  return out;
}

/** VG -> what makes it shared, for the VGs other nodes see (the DM rules' `vgTransport`). */
export function sharedVgs(reach: ReadonlyMap<string, VgReach>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [vg, r] of reach) if (r.kind === 'shared') out.set(vg, r.via);
  return out;
}

/**
 * Storages as their disks show them: a thick LVM storage storage.cfg calls local (no `shared 1`) whose VG
 * lies on a device other nodes see is shared, and every rule that reads `shared` follows that (a guest of
 * another node naming its LV names that very LV; reclaim refuses it like any shared LVM). What PVE itself
 * does still follows storage.cfg: locks are taken from pve-state's `sharedStorages`, never from this.
 */
export function storagesAsSeen<T extends { type: string; shared: boolean }>(
  all: T[],
  reach: ReadonlyMap<string, VgReach>,
  vgOf: (s: T) => string | undefined,
): T[] {
  return all.map((s) => {
    const vg = vgOf(s);
    return s.type === 'lvm' && !s.shared && vg !== undefined && reach.get(vg)?.kind === 'shared'
      ? { ...s, shared: true }
      : s;
  });
}

/** storage.cfg's storages of a node's view as their disks show them (reclaim's look: storagesAsSeen). */
export function storageConfigAsSeen(view: Pick<NodeView, 'lvm' | 'pvDevices' | 'dm' | 'pve'>): StorageConfig[] {
  const reach = vgReachOf(view.lvm.vgs, view.pvDevices, view.dm);
  return storagesAsSeen(view.pve.storageConfig, reach, (s) => s.props.vgname);
}
