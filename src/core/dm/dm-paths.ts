// Which LV a device path in a guest config names (design "References"; facts §11: qemu-server and
// pve-container activate nothing for a path, so the LV must stay active while a guest may start from it).
// A path is read through the node's own links to the device it ends at — by device number, else by
// its final name — and never by its text alone while the links say where it leads: a site's udev rule
// (`SYMLINK+="vmdisks/db01"`) or /dev/block/<major>:<minor> looks like /dev/<vg>/<lv> and is not.
// A path that leads nowhere this check can name is unresolved: "no config names it" cannot be
// believed for the LVs it could name (dm-references.ts collects them, classify-dm.ts says unknown).

import { splitDmName } from '../parse/dm-name';
import type { DevicePathState } from '../vocab/snapshot';

export type LvName = { vg: string; lv: string };

/** What a path names: an LV, no LV at all (null), or it cannot be told (`unresolved`: why, said of the path). */
export type PathReading = LvName | { unresolved: string } | null;

/** (vg, lv) or the reading of a device path in a config of `node`. */
export type PathResolver = (path: string, node: string) => PathReading;

/** (vg, lv) the text of a path spells: /dev/<vg>/<lv>, /dev/mapper/<dm name>, /dev/disk/by-id/dm-name-<dm name>. */
export function lvOfPath(path: string): LvName | null {
  let m = /^\/dev\/mapper\/([^/]+)$/.exec(path) ?? /^\/dev\/disk\/by-id\/dm-name-([^/]+)$/.exec(path);
  if (m) {
    const s = splitDmName(m[1]);
    return s && !s.layer ? { vg: s.vg, lv: s.lv } : null;
  }
  m = /^\/dev\/([^/]+)\/([^/]+)$/.exec(path);
  if (m && !['disk', 'mapper', 'pts', 'shm', 'net', 'bus', 'input', 'snd', 'dri', 'zvol', 'rbd-pve'].includes(m[1])) {
    return { vg: m[1], lv: m[2] };
  }
  return null;
}

const DM_UUID_LINK = /^\/dev\/disk\/by-id\/dm-uuid-LVM-([0-9A-Za-z!#]{32})([0-9A-Za-z!#]{32})$/;

/**
 * Names the kernel and udev give to devices that are never an LV (a device-mapper map is dm-<minor>,
 * and udev's links to a map are dm-name-/dm-uuid-/by-uuid/by-label, never these): disks and their
 * partitions, zvols, krbd images, loop/nbd/md devices, and the character devices containers are given.
 */
const NOT_AN_LV =
  /^\/dev\/(?:(?:sd|vd|hd|xvd)[a-z]+\d*|nvme\d+n\d+(?:p\d+)?|(?:zd|rbd|loop|nbd|md|nvme|sr|ttyS|ttyUSB|ttyACM|tty|hidraw|video|nvidia|vhost-|dxg)\d*(?:p\d+)?|cdrom|kvm|fuse|null|zero|full|u?random|ppp|mem|console|ptmx|net\/tun|(?:zvol|rbd|rbd-pve|dri|snd|input|bus|pts|shm|net|nvidia-caps|dma_heap|accel|vfio|hugepages|mqueue|serial)(?:\/.*)?|disk\/by-id\/(?:ata|scsi|wwn|nvme|usb|virtio|mmc|ieee1394|memstick)-[^/]+|disk\/by-path\/[^/]+)$/;

export interface PathIndex {
  localNode: string;
  /** The gathered path table (HostSnapshot devicePaths); null in snapshots of older versions. */
  paths: Record<string, DevicePathState | null> | null;
  /** Older snapshots: symlink → final path (HostSnapshot links). */
  links: Record<string, string>;
  byUuid: (vgId: string, lvId: string) => LvName | null;
  /** The LV (or none) behind the map of this node with that kernel name / map name / device number; undefined: no such map. */
  lvOfKname: (kname: string) => LvName | null | undefined;
  lvOfDmName: (name: string) => LvName | null | undefined;
  lvOfDevno: (devno: string) => LvName | null | undefined;
  /** Majors of device-mapper on this node (a device number of that major with no map is a gap in the view). */
  dmMajors: ReadonlySet<string>;
  /** The LV exists in lvs' report. */
  lvExists: (vg: string, lv: string) => boolean;
}

/** A name in /dev that spells an LV this node has (the UUID link, /dev/<vg>/<lv>, the map's names). */
function spelled(ix: PathIndex, path: string): LvName | null {
  const u = DM_UUID_LINK.exec(path);
  if (u) return ix.byUuid(u[1], u[2]);
  const t = lvOfPath(path);
  return t && ix.lvExists(t.vg, t.lv) ? t : null;
}

/**
 * Where a path of this node's config leads, by its final name when no device number says it; undefined
 * when the name is no map of this node and spells no LV it has (the caller decides what such a name is).
 */
function byFinalName(ix: PathIndex, final: string): PathReading | undefined {
  const k = /^\/dev\/(dm-\d+)$/.exec(final);
  if (k) {
    const lv = ix.lvOfKname(k[1]);
    return lv !== undefined ? lv : { unresolved: `leads to /dev/${k[1]}, which no map of this node is` };
  }
  const n = /^\/dev\/(?:mapper\/|disk\/by-id\/dm-name-)([^/]+)$/.exec(final);
  if (n) {
    const lv = ix.lvOfDmName(n[1]);
    if (lv !== undefined) return lv;
  }
  return spelled(ix, final) ?? undefined;
}

/** A path in a config of this node, read through the gathered table. */
function hereByTable(ix: PathIndex, path: string, paths: Record<string, DevicePathState | null>): PathReading {
  const st = paths[path];
  if (!st) {
    // Not there now (an inactive LV has no /dev/<vg>/<lv>, an unplugged disk no node): its text only.
    const lv = spelled(ix, path);
    if (lv || NOT_AN_LV.test(path)) return lv;
    // Outside /dev, a path that does not exist is no device (a bind mount's source not made yet, a disk
    // image deleted): what names an LV is a node under /dev or a link to one, which the lookup follows.
    if (st === null && !path.startsWith('/dev/')) return null;
    return { unresolved: st === null ? 'does not exist on this node' : 'was not looked up on this node' };
  }
  if (st.loop) return { unresolved: 'its links go round in a loop on this node' };
  if (st.network)
    return { unresolved: `lies on ${st.network}, which is not entered (a dead server would hang the check)` };
  if (st.devno) {
    const lv = ix.lvOfDevno(st.devno);
    if (lv !== undefined) return lv;
    if (ix.dmMajors.has(st.devno.split(':')[0]))
      return { unresolved: `is device ${st.devno}, a device-mapper device dmsetup did not list` };
    return null; // a block device that is no map: a disk, a zvol, a partition
  }
  const named = byFinalName(ix, st.path);
  if (named) return named;
  // Exists and is no block device (a directory, a regular file, a character device): no LV. A final
  // name that spells nothing but a known non-LV device is the same.
  return null;
}

/**
 * Every way a config can name an LV by path: udev's dm-uuid-LVM-<vg id><lv id> (the same LV on every
 * node), and — for a config of this node only, since the same minor or link is another device on
 * another node — whatever the node's links lead to. Another node's config is read by its text: an
 * LV this node has by that name (a shared VG), else no LV when the name is a disk's or a device's,
 * else unresolved.
 */
export function makePathResolver(ix: PathIndex): PathResolver {
  return (path, node) => {
    if (node !== ix.localNode) {
      const lv = spelled(ix, path);
      if (lv || NOT_AN_LV.test(path)) return lv;
      // Outside /dev PVE itself calls a container's path a bind mount (PVE::LXC::Config
      // classify_mountpoint: `device` only under /dev/) and a VM's a file: no LV of a shared VG.
      if (!path.startsWith('/dev/')) return null;
      return { unresolved: `is a name among ${node}'s own devices` };
    }
    if (ix.paths) return hereByTable(ix, path, ix.paths);
    // An older snapshot: its links (a path that is none is its own final name), then the text. A map of
    // this node that is no LV (a multipath LUN) names no LV, as with the table (hereByTable). It looked up
    // nothing outside /dev: such a path is what PVE calls it (a bind mount's directory, a disk image).
    if (!path.startsWith('/dev/') && !(path in ix.links)) return null;
    const final = ix.links[path] ?? path;
    const lv = byFinalName(ix, final);
    if (lv !== undefined || NOT_AN_LV.test(final)) return lv ?? null;
    return { unresolved: `${final !== path ? `leads to ${final}, which ` : ''}names no device this check knows` };
  };
}
