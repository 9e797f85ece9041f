// Which guest disk a device is, or sits on: the DM devices indexed by device number and kernel name,
// the guest disks among them, and a walk down `dmsetup deps`. The host-use rules ask this of mounts,
// stacked maps and the PVs of VGs the host found.

import type { DeviceIndex } from '../node/dm-devices';
import { buildDmName } from '../parse/dm-name';
import { guestLvRest, guestLvVmid } from '../parse/volume-name';
import type { StorageContext } from './storage-context';

/** A guest disk's LV name: vm-<vmid>-… or base-<vmid>-…. */
export const GUEST_LV = /^(vm|base)-(\d+)-/;

export interface GuestDisk {
  name: string;
  vg: string;
  lv: string;
  vmid: number;
}

export interface DiskGraph {
  /** The node's devices by number and kernel name (the node view's index). */
  index: DeviceIndex;
  guest: Map<string, GuestDisk>;
}

/** The name of the map with this major:minor, if it is one. */
export function mapAt(g: DiskGraph, devno: string): string | undefined {
  return g.index.byDevno.get(devno)?.info.name;
}

export function buildDiskGraph(ctx: StorageContext): DiskGraph {
  const vgs = new Set(ctx.storages.map((s) => s.vg));
  const guest = new Map<string, GuestDisk>();
  for (let i = 0; i < ctx.devices.length; i++) {
    const { info: d, uuid: u, split: n } = ctx.devices[i];
    // A guest disk: a top-level LV (no UUID suffix) of a PVE LVM storage VG named vm-/base-<vmid>-.
    if (u.kind === 'lvm' && !u.suffix && n && !n.layer && vgs.has(n.vg)) {
      // GUEST_LV's vmid, read by hand (guestLvRest): one per map of the node.
      const at = guestLvRest(n.lv);
      if (at > 0)
        guest.set(d.name, {
          name: d.name,
          vg: n.vg,
          lv: n.lv,
          vmid: guestLvVmid(n.lv, at),
        });
    }
  }
  return { index: ctx.index, guest };
}

/** The guest disk a device is, or sits on (walking `dmsetup deps` down, depth-limited). */
export function guestBelow(ctx: StorageContext, g: DiskGraph, name: string): GuestDisk | null {
  const seen = new Set<string>();
  let level = [name];
  for (let depth = 0; depth < 8 && level.length > 0; depth++) {
    const nextLevel: string[] = [];
    for (const n of level) {
      if (seen.has(n)) continue;
      seen.add(n);
      const hit = g.guest.get(n);
      if (hit) return hit;
      for (const dev of ctx.index.byName.get(n)?.deps ?? []) {
        const below = mapAt(g, dev);
        if (below) nextLevel.push(below);
      }
    }
    level = nextLevel;
  }
  return null;
}

/** PV path as lvm prints it → DM name (`/dev/mapper/X`, `/dev/dm-N`, `/dev/VG/LV`). */
export function pvToDm(g: DiskGraph, pv: string): string | null {
  let m = /^\/dev\/mapper\/(.+)$/.exec(pv);
  if (m) return m[1];
  m = /^\/dev\/(dm-\d+)$/.exec(pv);
  if (m) return g.index.byKname.get(m[1])?.info.name ?? null;
  m = /^\/dev\/([^/]+)\/([^/]+)$/.exec(pv);
  if (m) return buildDmName(m[1], m[2]);
  return null;
}
