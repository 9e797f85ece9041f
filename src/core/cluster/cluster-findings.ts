// Findings across nodes from the per-node check documents: one shared LV mapped or open on several
// nodes (by VG + LV id), and a guest's volumes mapped away from its home node. Pure.

import { type GuestTypes, knownGuests } from '../node/guest-index';
import { plainLvmId } from '../parse/dm-name';
import { compareText } from '../text/compare-text';
import type { CheckDocument, DmEntry } from '../vocab/types';
import type { ClusterFinding, ClusterVolume, FindingSeverity } from './cluster-types';

/** Task types and HA states that move a guest between nodes (both nodes map its volumes meanwhile). */
const MIGRATION_PENDING = new Set(['task:qmigrate', 'task:vzmigrate', 'task:migrateall', 'ha:migrate', 'ha:relocate']);

/** The 32-character LV id of an LV or of its top-level DM map (`LVM-<vg id><lv id>`, no layer suffix). */
export function lvIdOf(e: DmEntry): string | null {
  if (e.lvUuid) return plainLvmId(e.lvUuid);
  const m = /^LVM-[0-9A-Za-z!#]{32}([0-9A-Za-z!#]{32})$/.exec(e.uuid);
  return m ? m[1] : null;
}

/**
 * Ignored entries that are still volumes of a PVE storage: a shared LV opened on a node outside the
 * storage's `nodes=` list is a writer all the same. Host LVs (root, swap) stay out: nodes installed
 * from one cloned image share their UUIDs without sharing a disk.
 */
const IGNORED_BUT_VOLUME = new Set(['storage-not-on-node', 'not-tagged']);

/** The 32-character VG id in a map's `LVM-<vg id><lv id>` UUID: one shared VG has it on every node. */
function vgIdOf(e: DmEntry): string | null {
  const m = /^LVM-([0-9A-Za-z!#]{32})/.exec(e.uuid);
  return m ? m[1] : null;
}

/** Top-level maps of guest-volume LVs: layers, partitions and host LVs are not volumes. */
function isVolumeMap(e: DmEntry): boolean {
  return (
    e.kind === 'dm' &&
    e.active &&
    e.layer === null &&
    e.parent === null &&
    e.vg !== null &&
    e.lv !== null &&
    (e.status !== 'ignored' || IGNORED_BUT_VOLUME.has(e.reason))
  );
}

/** Why a guest's volumes may be mapped on two nodes at once: a migration under way. */
export function migrationReasons(docs: [string, CheckDocument][]): Map<number, string[]> {
  const out = new Map<number, Set<string>>();
  const add = (vmid: number, why: string) => {
    const s = out.get(vmid) ?? new Set<string>();
    s.add(why);
    out.set(vmid, s);
  };
  for (const [node, doc] of docs) {
    for (const g of knownGuests(doc).values()) if (g.lock === 'migrate') add(g.vmid, 'lock: migrate');
    for (const e of doc.dm?.entries ?? []) {
      if (e.vmid === null) continue;
      for (const p of e.protectedBy ?? []) if (MIGRATION_PENDING.has(p)) add(e.vmid, `${p} on ${node}`);
    }
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

export function sentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

function listNodes(nodes: string[]): string {
  return nodes.length <= 1 ? nodes.join('') : `${nodes.slice(0, -1).join(', ')} and ${nodes[nodes.length - 1]}`;
}

/** qemu or lxc, from the first node's document that knows the guest (guestTypesOf, built by the merge). */
function guestTypeOf(vmid: number | null, types: GuestTypes): 'qemu' | 'lxc' | null {
  return vmid === null ? null : (types.get(vmid) ?? null);
}

function guestWord(vmid: number | null, types: GuestTypes): string {
  if (vmid === null) return 'no guest';
  const type = guestTypeOf(vmid, types);
  return type ? `${type === 'lxc' ? 'CT' : 'VM'} ${vmid}` : `guest ${vmid}`;
}

/** The finding's guest fields: vmid, and its type when known. */
function guestFields(vmid: number | null, types: GuestTypes): Pick<ClusterFinding, 'vmid' | 'guestType'> {
  if (vmid === null) return {};
  const type = guestTypeOf(vmid, types);
  return type ? { vmid, guestType: type } : { vmid };
}

/** Shared LVs mapped (and opened) on more than one node, by (VG, LV id). */
export function sharedVolumeFindings(
  docs: [string, CheckDocument][],
  migrating: Map<number, string[]>,
  types: GuestTypes,
): ClusterFinding[] {
  const vols = new Map<string, ClusterVolume>();
  for (const [node, doc] of docs) {
    for (const e of doc.dm?.entries ?? []) {
      if (!isVolumeMap(e)) continue;
      const id = lvIdOf(e);
      if (!id) continue;
      const key = `${e.vg}/${id}`;
      let v = vols.get(key);
      if (!v) {
        v = {
          vg: e.vg!,
          lv: e.lv!,
          lvUuid: id,
          storage: e.storage,
          vmid: e.vmid,
          home: e.guestNode ?? null,
          activeOn: [],
          openOn: [],
        };
        vols.set(key, v);
      }
      v.home ??= e.guestNode ?? null;
      v.vmid ??= e.vmid;
      v.storage ??= e.storage;
      if (!v.activeOn.includes(node)) v.activeOn.push(node);
      if (e.open && !v.openOn.includes(node)) v.openOn.push(node);
    }
  }
  const out: ClusterFinding[] = [];
  for (const v of [...vols.values()].sort((a, b) => compareText(`${a.vg}/${a.lv}`, `${b.vg}/${b.lv}`))) {
    if (v.activeOn.length < 2) continue;
    v.activeOn.sort();
    v.openOn.sort();
    const why = v.vmid !== null ? migrating.get(v.vmid) : undefined;
    const who = guestWord(v.vmid, types);
    const home = v.home ? ` (home ${v.home})` : '';
    if (v.openOn.length >= 2) {
      out.push({
        id: `shared-lv-open:${v.vg}/${v.lvUuid}`,
        kind: 'shared-lv-open-on-nodes',
        severity: why ? 'warning' : 'critical',
        title: `${v.vg}/${v.lv} is open on ${listNodes(v.openOn)} at once`,
        detail: why
          ? `LV ${v.vg}/${v.lv} of ${who}${home} is open on ${v.openOn.length} nodes; a migration explains it (${why.join('; ')}). If it stays like this after the migration ended, two nodes write to one disk.`
          : `LV ${v.vg}/${v.lv} (LV UUID ${v.lvUuid}) of ${who}${home} is open on ${listNodes(v.openOn)} and no migration is under way: two writers on one disk corrupt it. Find out which node must not use it (qm/pct status on each; the holders in 'pve-health dm' there) and stop that use before anything else.`,
        nodes: v.openOn,
        ...guestFields(v.vmid, types),
        volumes: [v],
        ...(why ? { explainedBy: why } : {}),
      });
    } else {
      const open = v.openOn.length ? `, open on ${v.openOn[0]}` : '';
      out.push({
        id: `shared-lv-active:${v.vg}/${v.lvUuid}`,
        kind: 'shared-lv-active-on-nodes',
        severity: 'warning',
        title: `${v.vg}/${v.lv} is active on ${listNodes(v.activeOn)}`,
        detail: `LV ${v.vg}/${v.lv} of ${who}${home} has a device-mapper map on ${listNodes(v.activeOn)}${open}. ${
          why
            ? `A migration explains it (${why.join('; ')}).`
            : 'Normal during a live migration, and on PVE 8 where shared VGs are autoactivated at boot; otherwise deactivate it (lvchange -an) on the nodes that do not run the guest, so a later activation elsewhere does not read stale data.'
        }`,
        nodes: v.activeOn,
        ...guestFields(v.vmid, types),
        volumes: [v],
        ...(why ? { explainedBy: why } : {}),
      });
    }
  }
  return out;
}

/**
 * A node that still maps an old incarnation of a shared LV (its map has the LV's name, and the LV id
 * of an LV that was removed) while the LV of that name now, recreated on the shared VG by a restore
 * or a disk move, is active on other nodes. The node's own check reports the stale map; only the
 * cluster sees that the extents it points at may now hold a disk that another node uses.
 */
export function staleIncarnationFindings(
  docs: [string, CheckDocument][],
  shared: Set<string> | null,
  types: GuestTypes,
): ClusterFinding[] {
  // Current (not stale) maps of volumes by VG/LV name, with their node: one pass over every document.
  const byName = new Map<string, [string, DmEntry][]>();
  for (const [node, doc] of docs) {
    for (const x of doc.dm?.entries ?? []) {
      if (!isVolumeMap(x) || x.reason === 'stale-map') continue;
      const k = `${x.vg}/${x.lv}`;
      const list = byName.get(k) ?? [];
      list.push([node, x]);
      byName.set(k, list);
    }
  }
  const out: ClusterFinding[] = [];
  for (const [node, doc] of docs) {
    for (const e of doc.dm?.entries ?? []) {
      if (e.reason !== 'stale-map' || e.kind !== 'dm' || !e.active || e.layer !== null || e.parent !== null) continue;
      if (!e.vg || !e.lv || (shared && (e.storage === null || !shared.has(e.storage)))) continue;
      const oldId = lvIdOf(e);
      let current: ClusterVolume | null = null;
      for (const [other, x] of byName.get(`${e.vg}/${e.lv}`) ?? []) {
        const id = lvIdOf(x);
        // Same VG (by id, not name: every node has a local VG "pve"), another LV id.
        if (other === node || !id || id === oldId || vgIdOf(x) !== vgIdOf(e)) continue;
        current ??= {
          vg: e.vg,
          lv: e.lv,
          lvUuid: id,
          storage: e.storage,
          vmid: e.vmid,
          home: null,
          activeOn: [],
          openOn: [],
        };
        current.home ??= x.guestNode ?? null;
        current.activeOn.push(other);
        if (x.open) current.openOn.push(other);
      }
      if (!current) continue;
      const where = `${listNodes(current.activeOn)}${current.openOn.length ? `, open on ${listNodes(current.openOn)}` : ''}`;
      out.push({
        id: `stale-incarnation:${e.vg}/${oldId ?? e.name}@${node}`,
        kind: 'shared-lv-stale-incarnation',
        severity: 'critical',
        title: `${node} still maps an old incarnation of ${e.vg}/${e.lv} (now active on ${listNodes(current.activeOn)})`,
        detail: `On ${node}, map ${e.name} carries LV id ${oldId ?? '?'}, an LV that no longer exists; ${e.vg}/${e.lv} was recreated (LV id ${current.lvUuid}) and is active on ${where}. The old map points at extents that may now hold that disk: anything writing through it on ${node} corrupts it${e.open ? `, and it is open on ${node}` : ''}. Remove the map on ${node} ('pve-health clean' there removes the map only, no LV).`,
        nodes: [node, ...current.activeOn].sort(),
        ...guestFields(e.vmid, types),
        volumes: [current],
      });
    }
  }
  return out;
}

/** Per guest: its volumes mapped on nodes other than its home (the node-level guest-on-other-node, summed up). */
export function awayFromHomeFindings(
  docs: [string, CheckDocument][],
  migrating: Map<number, string[]>,
  shared: Set<string> | null,
  types: GuestTypes,
): ClusterFinding[] {
  const byGuest = new Map<
    number,
    { home: string; nodes: Set<string>; open: Set<string>; volumes: Set<string>; pending: boolean }
  >();
  for (const [node, doc] of docs) {
    for (const e of doc.dm?.entries ?? []) {
      if (e.reason !== 'guest-on-other-node' || !e.active || e.vmid === null || e.parent !== null || e.layer !== null)
        continue;
      if (shared && (e.storage === null || !shared.has(e.storage))) continue;
      const g = byGuest.get(e.vmid) ?? {
        home: e.guestNode ?? '?',
        nodes: new Set(),
        open: new Set(),
        volumes: new Set(),
        pending: true,
      };
      g.nodes.add(node);
      if (e.open) g.open.add(node);
      g.volumes.add(`${e.vg}/${e.lv}`);
      g.pending &&= e.pending;
      byGuest.set(e.vmid, g);
    }
  }
  const out: ClusterFinding[] = [];
  for (const [vmid, g] of [...byGuest].sort((a, b) => a[0] - b[0])) {
    const why = migrating.get(vmid);
    const nodes = [...g.nodes].sort();
    const open = [...g.open].sort();
    const who = guestWord(vmid, types);
    const explained = Boolean(why) || g.pending;
    const severity: FindingSeverity = explained ? 'info' : open.length ? 'critical' : 'warning';
    out.push({
      id: `guest-away:${vmid}`,
      kind: 'guest-active-away-from-home',
      severity,
      title: `${who} (home ${g.home}) has volumes active on ${listNodes(nodes)}`,
      detail: `${[...g.volumes].sort().join(', ')} ${g.volumes.size === 1 ? 'is' : 'are'} mapped on ${listNodes(nodes)}${open.length ? ` (open on ${listNodes(open)})` : ''} although ${who} lives on ${g.home}. ${
        explained
          ? `Explained by an operation under way${why ? ` (${why.join('; ')})` : ''}.`
          : open.length
            ? 'Something on that node uses the disk of a guest that runs elsewhere: two writers.'
            : `Deactivate ${g.volumes.size === 1 ? 'it' : 'them'} there ('pve-health clean' on that node, or lvchange -an).`
      }`,
      nodes,
      ...guestFields(vmid, types),
      ...(why ? { explainedBy: why } : {}),
    });
  }
  return out;
}
