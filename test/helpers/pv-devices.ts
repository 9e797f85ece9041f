// sysfs as host/read-pv-disks.ts gathers it, for the disks a PV can lie on: the places are those of a real
// kernel (/sys/class/block/<name> → /sys/devices/…), one per transport.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { PvDevicesRead, ReadFailure, SysBlockDevice } from '../../src/core/vocab/snapshot';

const PCI = '/sys/devices/pci0000:00';

/** Where each kind of whole disk hangs in /sys/devices (its kernel name last). */
export const DISK_PLACE = {
  sata: (k: string) => `${PCI}/0000:00:1f.2/ata2/host1/target1:0:0/1:0:0:0/block/${k}`,
  nvme: (k: string) => `${PCI}/0000:00:01.1/0000:01:00.0/nvme/nvme0/${k}`,
  virtio: (k: string) => `${PCI}/0000:00:0a.0/virtio3/block/${k}`,
  scsi: (k: string) => `${PCI}/0000:00:02.0/0000:03:00.0/host0/target0:2:0/0:2:0:0/block/${k}`,
  sas: (k: string) => `${PCI}/0000:00:01.0/0000:02:00.0/host0/port-0:0/end_device-0:0/target0:0:0/0:0:0:0/block/${k}`,
  iscsi: (k: string) => `/sys/devices/platform/host3/session1/target3:0:0/3:0:0:0/block/${k}`,
  fc: (k: string) => `${PCI}/0000:00:03.0/0000:05:00.0/host5/rport-5:0-0/target5:0:0/5:0:0:1/block/${k}`,
  virtual: (k: string) => `/sys/devices/virtual/block/${k}`,
} as const;

/** One PV on one whole disk of the given place (`/dev/<kname>`). */
export function pvOnDisk(
  kname: string,
  place: keyof typeof DISK_PLACE,
  extra: Partial<SysBlockDevice> = {},
): PvDevicesRead {
  return { pvs: { [`/dev/${kname}`]: { kname } }, devices: { [kname]: { path: DISK_PLACE[place](kname), ...extra } } };
}

/** A read of the given PVs and devices as they are. */
export function pvRead(
  pvs: Record<string, string | ReadFailure>,
  devices: Record<string, SysBlockDevice | ReadFailure>,
): PvDevicesRead {
  return {
    pvs: Object.fromEntries(Object.entries(pvs).map(([p, k]) => [p, typeof k === 'string' ? { kname: k } : k])),
    devices,
  };
}

/**
 * One block device in a node root's sysfs as the kernel lays it out: its directory at `dev.path`, the
 * /sys/class/block/<kname> link to it (relative, as sysfs has it), `partition`, `slaves/`, `dm/uuid`, and an
 * NVMe controller's `device/transport`.
 */
export function writeSysBlock(root: string, kname: string, dev: SysBlockDevice): void {
  const dir = join(root, dev.path);
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(root, 'sys/class/block'), { recursive: true });
  symlinkSync(relative(join(root, 'sys/class/block'), dir), join(root, 'sys/class/block', kname));
  if (dev.partition) writeFileSync(join(dir, 'partition'), '3\n');
  if (dev.slaves) {
    mkdirSync(join(dir, 'slaves'));
    for (const s of dev.slaves) writeFileSync(join(dir, 'slaves', s), '');
  }
  if (dev.dmUuid) {
    mkdirSync(join(dir, 'dm'));
    writeFileSync(join(dir, 'dm/uuid'), `${dev.dmUuid}\n`);
  }
  if (dev.transport) {
    mkdirSync(join(dir, 'device'));
    writeFileSync(join(dir, 'device/transport'), `${dev.transport}\n`);
  }
}
