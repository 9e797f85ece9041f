// The PVs of every VG down to their disks, as the kernel shows them in sysfs: the partition's disk, an md
// array's or a device-mapper map's slaves, and where each disk hangs (/sys/class/block/<name> leads into
// /sys/devices: `.../ata1/host0/...` a SATA port, `.../host3/session1/...` an iSCSI session, `.../rport-5:0-2/...` a
// Fibre Channel port, `/sys/devices/virtual/block/drbd0` a DRBD device). Only files under sysfs are read
// (never a device, never a network mount); core/node/vg-reach.ts decides what they mean.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { parseVgs } from '../core/parse/parse-lvm';
import type { PvDevicesRead, ReadFailure, SysBlockDevice, SysDmEntry } from '../core/vocab/snapshot';
import { type Host, hostPath } from './host';
import { readLinkTarget } from './read-links';

/** Stacking deeper than this is no real node's (a partition of a crypt map on an md array of partitions is 4). */
const MAX_DEPTH = 8;

const isFailure = (v: string | null | ReadFailure): v is ReadFailure => v !== null && typeof v === 'object';
const why = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** Every PV `vgs` listed (its text, as gathered) and every device below each. */
export function readPvDevices(host: Host, vgsText: string, sysDm: SysDmEntry[]): PvDevicesRead {
  const out: PvDevicesRead = { pvs: {}, devices: {} };
  let names: string[];
  try {
    names = parseVgs(vgsText).flatMap((v) => v.pvs);
  } catch {
    return out; // vgs itself is unreadable: the LVM view says so, and no VG is judged by its disks
  }
  for (const pv of names) {
    if (pv in out.pvs) continue;
    const kname = knameOf(host, pv, sysDm);
    out.pvs[pv] = typeof kname === 'string' ? { kname } : kname;
    if (typeof kname === 'string') visit(host, kname, out.devices, 0);
  }
  return out;
}

/**
 * The kernel name of a PV path: `/dev/sda3`, `/dev/mapper/mpatha` (a link to `../dm-0` on a node; the
 * kernel's own list of maps where /dev has no links, as in a replayed capture), `/dev/md/data` -> md127.
 */
function knameOf(host: Host, pv: string, sysDm: SysDmEntry[]): string | ReadFailure {
  const target = readLinkTarget(host, pv) ?? pv;
  const plain = /^\/dev\/([^/]+)$/.exec(target);
  if (plain) return plain[1];
  const mapper = /^\/dev\/mapper\/([^/]+)$/.exec(target);
  const dm = mapper ? sysDm.find((d) => d.name === mapper[1]) : undefined;
  if (dm) return dm.kname;
  return { error: `${pv} leads to no kernel block device name (${target})` };
}

function visit(host: Host, kname: string, devices: PvDevicesRead['devices'], depth: number): void {
  if (kname in devices || depth > MAX_DEPTH) return;
  const dev = readBlockDevice(host, kname);
  devices[kname] = dev;
  if ('error' in dev) return;
  if (dev.partition) visit(host, posix.basename(posix.dirname(dev.path)), devices, depth + 1);
  for (const s of dev.slaves ?? []) visit(host, s, devices, depth + 1);
}

/** /sys/class/block/<kname> (every block device and partition; /sys/block lists whole disks only). */
function readBlockDevice(host: Host, kname: string): SysBlockDevice | ReadFailure {
  let path: string | null = null;
  for (const link of [`/sys/class/block/${kname}`, `/sys/block/${kname}`]) {
    path = readLinkTarget(host, link);
    if (path) break;
  }
  if (!path) return { error: `/sys/class/block/${kname} cannot be read` };
  const dev: SysBlockDevice = { path };
  if (existsSync(hostPath(host, `${path}/partition`))) dev.partition = true;
  try {
    const slaves = readdirSync(hostPath(host, `${path}/slaves`));
    if (slaves.length) dev.slaves = slaves.sort();
  } catch (e) {
    if (why(e) !== 'ENOENT') return { error: `${path}/slaves: ${why(e)}` };
  }
  const uuid = readOptional(host, `${path}/dm/uuid`);
  if (isFailure(uuid)) return uuid;
  if (uuid) dev.dmUuid = uuid;
  const transport = nvmeTransport(host, path);
  if (isFailure(transport)) return transport;
  if (transport) dev.transport = transport;
  return dev;
}

/**
 * An NVMe namespace's transport (linux drivers/nvme/host/core.c nvme_sysfs_show_transport): of its
 * controller (`device/transport`), or, for a native-multipath head under /sys/devices/virtual/
 * nvme-subsystem/, of every controller of the subsystem (its nvmeN siblings).
 */
function nvmeTransport(host: Host, path: string): string | ReadFailure | null {
  if (!/\/nvme\d+n\d+$/.test(path)) return null;
  if (!path.includes('/nvme-subsystem/')) return readOptional(host, `${path}/device/transport`);
  const dir = posix.dirname(path);
  let ctrls: string[];
  try {
    ctrls = readdirSync(hostPath(host, dir)).filter((n) => /^nvme\d+$/.test(n));
  } catch (e) {
    return { error: `${dir}: ${why(e)}` };
  }
  const seen = new Set<string>();
  for (const c of ctrls.sort()) {
    const t = readOptional(host, `${dir}/${c}/transport`);
    if (isFailure(t)) return t;
    if (t) seen.add(t);
  }
  return seen.size ? [...seen].join(',') : null;
}

/** A sysfs attribute's text, null when the file is not there (the attribute does not apply). */
function readOptional(host: Host, path: string): string | null | ReadFailure {
  try {
    return readFileSync(hostPath(host, path), 'utf8').trim() || null;
  } catch (e) {
    return why(e) === 'ENOENT' ? null : { error: `${path}: ${why(e)}` };
  }
}
