// Which LVs the guest configs of the cluster reference (design "References").
// Compared by (VG, LV), never by volume-id string: two storage IDs may alias one VG.

import type { GuestRecord } from '../node/guest-record';
import type { GuestType, VolumeRef } from '../parse/guest-config';
import type { LvmStorage } from '../parse/storage-config';
import { lvNamesOfVolname } from '../parse/volume-name';
import { lvOfPath, type PathResolver } from './dm-paths';

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

/** A config path that leads nowhere this check can name: "no config names it" is unknown for what it could name. */
export interface UnresolvedPath {
  vmid: number;
  type: GuestType;
  node: string;
  ref: VolumeRef;
  why: string;
}

/**
 * `unresolved` collects the path references that cannot be read (dm-paths.ts): a guest of this node
 * could use any LV through one, a guest of another node any LV of a shared VG.
 */
export function buildReferenceIndex(
  guests: GuestRecord[],
  storages: LvmStorage[],
  resolvePath: PathResolver = (p) => lvOfPath(p),
  unresolved: UnresolvedPath[] = [],
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
        if (t && 'unresolved' in t)
          unresolved.push({ vmid: g.vmid, type: g.type, node: g.node, ref, why: t.unresolved });
        else if (t) add(t.vg, t.lv, { vmid: g.vmid, type: g.type, node: g.node, ref, asBase: false, storage: null });
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
  else {
    // A linked clone names its base first: `base-100-disk-0/vm-101-disk-0` (LVM-thin, ZFS, RBD) or
    // `100/base-100-disk-0.qcow2/101/vm-101-disk-0.qcow2` (files); a plain file volume is `101/vm-101-….qcow2`.
    const base = /^(?:\d+\/)?(base-[^/]+)\/./.exec(hit.ref.volid?.volname ?? '')?.[1];
    if (base) what += ` (linked clone of ${base})`;
  }
  if (hit.ref.path) what += ` by path ${hit.ref.path}`;
  return `${who}${where} ${what}`;
}
