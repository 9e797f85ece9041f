// Which LVs the guest configs of the cluster reference (design "References").
// Compared by (VG, LV), never by volume-id string: two storage IDs may alias one VG.

import type { GuestRecord } from '../node/guest-record';
import { splitDmName } from '../parse/dm-name';
import type { GuestType, VolumeRef } from '../parse/guest-config';
import type { LvmStorage } from '../parse/storage-config';
import { lvNamesOfVolname } from '../parse/volume-name';

export interface RefHit {
  vmid: number;
  type: GuestType;
  node: string;
  ref: VolumeRef;
  /** Referenced as the base of a linked clone, not as the guest's own volume. */
  asBase: boolean;
  /** The storage the reference named (null for a path reference). */
  storage: string | null;
}

/** VG → LV → who references it. Keyed in two steps: a node has thousands of LVs in a handful of VGs,
 * and looking up two names it already has costs less than building a "vg/lv" string per lookup. */
export type ReferenceIndex = Map<string, Map<string, RefHit[]>>;

/** The references to LV `vg/lv`, or undefined when no config names it. */
export function refsOf(index: ReferenceIndex, vg: string, lv: string): RefHit[] | undefined {
  return index.get(vg)?.get(lv);
}

/** (vg, lv) an absolute path names: /dev/<vg>/<lv>, /dev/mapper/<dm name>, /dev/disk/by-id/dm-name-<dm name>. */
export function lvOfPath(path: string): { vg: string; lv: string } | null {
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

/** (vg, lv) that a device path in a config of `node` names, or null. */
export type PathResolver = (path: string, node: string) => { vg: string; lv: string } | null;

const DM_UUID_LINK = /^\/dev\/disk\/by-id\/dm-uuid-LVM-([0-9A-Za-z!#]{32})([0-9A-Za-z!#]{32})$/;

/**
 * Every way a config can name an LV by path (facts §11: qemu-server activates nothing for a path
 * drive, so the LV must stay active): /dev/<vg>/<lv>, /dev/mapper/<dm name>, udev's
 * /dev/disk/by-id/dm-name-<dm name> and dm-uuid-LVM-<vg id><lv id>, /dev/dm-N, and any other link
 * (by-path, by-uuid, by-partuuid...) whose target on the node is one of these.
 * `byUuid`: plain VG id + LV id → LV; `lvOfKname`: dm-N → the LV that map belongs to.
 * Node-local names (/dev/dm-N, udev links) are resolved only for configs of `localNode`: the same
 * minor number is another device on another node. /dev/<vg>/<lv> and the UUID name the same LV
 * everywhere (a shared VG).
 */
export function makePathResolver(opts: {
  localNode: string;
  links: Record<string, string>;
  byUuid: (vgId: string, lvId: string) => { vg: string; lv: string } | null;
  lvOfKname: (kname: string) => { vg: string; lv: string } | null;
  /** The LV a map of this node belongs to, by map name (kpartx partitions → their disk). */
  lvOfDmName: (name: string) => { vg: string; lv: string } | null;
}): PathResolver {
  // `here`: the path is named by a guest of this node, so this node's kernel names (dm-N, mapper) apply.
  const direct = (path: string, where: { here: boolean }) => {
    const u = DM_UUID_LINK.exec(path);
    if (u) return opts.byUuid(u[1], u[2]);
    const k = /^\/dev\/(dm-\d+)$/.exec(path);
    if (k) return where.here ? opts.lvOfKname(k[1]) : null;
    const n = /^\/dev\/(?:mapper\/|disk\/by-id\/dm-name-)([^/]+)$/.exec(path);
    return (n && where.here ? opts.lvOfDmName(n[1]) : null) ?? lvOfPath(path);
  };
  return (path, node) => {
    const here = node === opts.localNode;
    const hit = direct(path, { here });
    if (hit || !here) return hit;
    const target = opts.links[path];
    return target ? direct(target, { here: true }) : null;
  };
}

export function buildReferenceIndex(
  guests: GuestRecord[],
  storages: LvmStorage[],
  resolvePath: PathResolver = (p) => lvOfPath(p),
): ReferenceIndex {
  const byId = new Map(storages.map((s) => [s.id, s]));
  const index: ReferenceIndex = new Map();
  const add = (vg: string, lv: string, hit: RefHit) => {
    let byLv = index.get(vg);
    if (!byLv) {
      byLv = new Map();
      index.set(vg, byLv);
    }
    const list = byLv.get(lv);
    if (list) list.push(hit);
    else byLv.set(lv, [hit]);
  };
  for (let i = 0; i < guests.length; i++) {
    const g = guests[i];
    if (!g.config) continue;
    const refs = g.config.refs;
    for (let j = 0; j < refs.length; j++) {
      const ref = refs[j];
      // Literals, not spreads of a shared base: one hit per volume reference of thousands of configs.
      if (ref.volid) {
        const st = byId.get(ref.volid.storage);
        if (!st) continue;
        const { own, base: baseLv } = lvNamesOfVolname(ref.volid.volname);
        add(st.vg, own, { vmid: g.vmid, type: g.type, node: g.node, ref, asBase: false, storage: st.id });
        if (baseLv) add(st.vg, baseLv, { vmid: g.vmid, type: g.type, node: g.node, ref, asBase: true, storage: st.id });
      } else if (ref.path) {
        const t = resolvePath(ref.path, g.node);
        if (t) add(t.vg, t.lv, { vmid: g.vmid, type: g.type, node: g.node, ref, asBase: false, storage: null });
      }
    }
  }
  return index;
}

/** "VM 100 scsi0", "CT 200 [pve:pending] mp0", "VM 102 snapshot [before] vmstate". */
export function describeRef(hit: RefHit): string {
  const who = `${hit.type === 'lxc' ? 'CT' : 'VM'} ${hit.vmid}`;
  const s = hit.ref.section;
  const where =
    s === 'main'
      ? ''
      : s === 'pending'
        ? hit.type === 'lxc'
          ? ' [pve:pending]'
          : ' [PENDING]'
        : s.startsWith('snapshot:')
          ? ` snapshot [${s.slice(9)}]`
          : s.startsWith('special:')
            ? ` [${s}]`
            : ` [${s.replace(/^shadowed:/, '')}] (duplicate section)`;
  let what = hit.ref.key;
  if (hit.ref.cloudinit) what += ' cloud-init drive';
  if (hit.asBase) what += ` (base of linked clone ${hit.ref.volid?.volname ?? ''})`;
  else if (hit.ref.volid?.volname.includes('/')) what += ` (linked clone of ${hit.ref.volid.volname.split('/')[0]})`;
  if (hit.ref.path) what += ` by path ${hit.ref.path}`;
  return `${who}${where} ${what}`;
}
