// "Only proven orphans" (issue: reclaim): one guest volume, from the verdicts the DM and volumes parts
// already made, either may be quarantined or is refused with the reason. Pure. The verdicts carry the
// evidence (references, tasks, locks, HA, holders, watchers, replication jobs, clones); these rules only
// add what a reversible rename needs on top: the storage is enabled and readable here, nothing on the
// storage depends on the volume (clones, snapshots), and the rename stays where PVE's tools reach it.
import type { StorageConfig } from '../parse/storage-config';
import {
  FILE_TYPES,
  RECLAIMABLE,
  SNAPSHOT_RECLAIMABLE,
  SNAPSHOT_TYPES,
  snapshotsStayBehind,
  trashOffered,
  volumeOffered,
} from '../vocab/reclaim-scope';
import type { ReclaimRefusalCode } from './reclaim-types';

/** A volume as both parts describe it (a DM entry of an LV, or a volume entry). */
export interface Candidate {
  volid: string;
  storage: string | null;
  /** Storage type (lvmthin, lvm, zfspool, rbd, dir, nfs, cifs, cephfs, btrfs). */
  type: string | null;
  vmid: number | null;
  status: string;
  reason: string;
  detail: string;
  pending: boolean;
  protected: boolean;
  protectedBy: string[];
  replica?: boolean;
  references?: string[];
  snapshot?: string;
  sizeBytes: number | null;
  usedBytes: number | null;
  guestType: 'qemu' | 'lxc' | null;
  format: string | null;
  /** LVM: the LV (its map is active when `active`). */
  lvm?: { vg: string; lv: string; lvUuid: string | null; active: boolean };
  /** RBD: a Ceph trash entry (someone's `rbd trash mv`, or an interrupted `rbd rm`). */
  trash?: { id: string; source: string; deferment: string | null; nameTaken?: boolean };
  /** A leftover snapshot a config section still names (PVE's own command removes both). */
  namedBySection?: string;
  /** Names the selection (--name) matches besides the volume ID (DM name, VG/LV). */
  aliases: string[];
  /** The entry's step that keeps the data (PVE's rescan), shown beside a refusal: the way on that is open. */
  keep?: { text: string; command: string[] };
  /** The storage's identity of it (VolumeEntry `identity`): the quarantine records it for the purge. */
  identity?: string;
}

export interface RuleContext {
  node: string;
  /** Node-level refusals (pmxcfs, quorum, node name, ...): every volume is refused with them. */
  nodeRefusals: string[];
  /** Every storage of storage.cfg by ID. */
  storages: Map<string, StorageConfig>;
  /** Storages the volumes part could not list: id → why. */
  unavailable: Map<string, string>;
  /** The volume entries (never a snapshot) by volume ID. */
  volumes: Map<string, Candidate>;
  /** Snapshot entries of each volume ID (ZFS, RBD, btrfs). */
  snapshotsOf: Map<string, Candidate[]>;
  /** LVM: LVs whose origin is `VG/LV` (thin or thick snapshots, linked clones of a base). */
  lvChildren: Map<string, string[]>;
  /** LVM: the origin of each `VG/LV` that has one (lvs origin). */
  lvOrigin: Map<string, string>;
}

export interface Refusal {
  code: ReclaimRefusalCode;
  why: string;
}

/** LVMPlugin.pm / LvmThinPlugin.pm list_images: the only LV names PVE lists as guest volumes. */
const PVE_LV_NAME = /^(vm|base)-\d+-/;
/** A reference from a snapshot section: `qemu/100 [before] scsi0` (dm-references.ts describeRef). */
const SNAPSHOT_SECTION = /\[[^\]]+\]/;

const refuse = (code: ReclaimRefusalCode, why: string): Refusal => ({ code, why });

/** Why `c` must not be quarantined, or null when it is a proven orphan that can be. Checked in this order. */
export function refusalOf(c: Candidate, ctx: RuleContext): Refusal | null {
  if (ctx.nodeRefusals.length) return refuse('node', `this node cannot act: ${ctx.nodeRefusals.join('; ')}`);
  const st = c.storage ? ctx.storages.get(c.storage) : undefined;
  if (!c.storage || !st) return refuse('not-a-volume', 'not on a PVE storage');
  const storage = storageRefusal(st, ctx);
  if (storage) return storage;
  return verdictRefusal(c, ctx) ?? dependencyRefusal(c, ctx) ?? typeRefusal(c, st);
}

/** A storage PVE itself would not touch here: disabled, or its `nodes` leave this node out. */
export function placeRefusal(st: StorageConfig, node: string): Refusal | null {
  if (st.disabled) return refuse('storage-disabled', `storage ${st.id} is disabled (storage.cfg disable 1)`);
  if (st.nodes !== null && !st.nodes.includes(node))
    return refuse('storage-unavailable', `storage ${st.id} is not available on ${node} (nodes=${st.nodes.join(',')})`);
  return null;
}

function storageRefusal(st: StorageConfig, ctx: RuleContext): Refusal | null {
  const place = placeRefusal(st, ctx.node);
  if (place) return place;
  const why = ctx.unavailable.get(st.id);
  if (why) return refuse('storage-unavailable', `storage ${st.id} could not be read: ${why}`);
  return null;
}

/** The verdict itself: only an unprotected orphan of a reason that means "no config names it". */
function verdictRefusal(c: Candidate, ctx: RuleContext): Refusal | null {
  if (c.status === 'unknown') return refuse('unknown', `unknown: ${c.detail}`);
  if (c.pending) return refuse('pending', `an operation is under way: ${c.protectedBy.join(', ')}`);
  if (c.replica) return refuse('replica', `a replica: ${c.detail}`);
  if (c.protectedBy.includes('has-clones'))
    return refuse(
      'template-base',
      c.snapshot === undefined
        ? 'a base volume that linked clones still use (has-clones)'
        : `a snapshot a clone was made from (@${c.snapshot}, has-clones): renaming or removing it alone is not the storage's to do`,
    );
  if (c.protected) return refuse('protected', `protected: ${c.protectedBy.join(', ')}`);
  if (c.status === 'valid') {
    // `valid` when the guest's current config names it (its disk now), whatever its snapshot sections
    // also say; `snapshot-named` only when nothing but snapshot sections (`qemu/100 [before] scsi0`)
    // name it: the volume a rollback would bring back.
    const refs = c.references ?? [];
    const current = refs.find((r) => !SNAPSHOT_SECTION.test(r));
    if (current || refs.length === 0) return refuse('valid', `in use: ${current ?? c.detail}`);
    return refuse('snapshot-named', `only a snapshot section names it: ${refs[0]}`);
  }
  if (c.status === 'duplicate')
    return refuse('duplicate', `a duplicate map: 'pve-health clean' removes it (${c.reason})`);
  if (c.status !== 'orphan') return refuse('not-a-volume', `${c.status}: ${c.detail}`);
  if (c.snapshot !== undefined) return snapshotRefusal(c, ctx);
  if (c.reason === 'interrupted-removal')
    return refuse(
      'unsupported',
      `an interrupted removal: nothing restores it (librbd), so nothing is quarantined; 'pve-health reclaim --purge --name ${c.volid}' finishes it with the checks`,
    );
  if (c.trash) return trashRefusal(c);
  if (!RECLAIMABLE.has(c.reason))
    return refuse('unsupported', `orphan (${c.reason}) is not a volume without references: see its hint`);
  return null;
}

/**
 * A storage snapshot is quarantined by renaming it on its own volume (it cannot leave it): only on ZFS and
 * RBD, only for the reasons of reclaim-scope.ts SNAPSHOT_RECLAIMABLE. The verdict already refused what a
 * config section names (`valid`), what an operation still makes (`pending`) and what a live replication
 * job, a clone or a map holds (`protected`, `template-base`).
 */
function snapshotRefusal(c: Candidate, ctx: RuleContext): Refusal | null {
  const at = `@${c.snapshot}`;
  if (c.namedBySection)
    return refuse(
      'snapshot-named',
      `a config section names the snapshot (${c.namedBySection}): PVE's own command in its hint removes both`,
    );
  const whole = ctx.volumes.get(c.volid);
  if (whole?.type && volumeOffered({ ...whole, type: whole.type }))
    return refuse('snapshot', `its volume ${c.volid} is an orphan reclaim takes whole: the snapshot moves with it`);
  if (!c.type || !SNAPSHOT_TYPES.has(c.type))
    return refuse(
      'snapshot',
      `a snapshot (${at}) on ${c.type ?? 'this'} storage: reclaim renames snapshots on ZFS and Ceph RBD only, see its hint`,
    );
  if (!SNAPSHOT_RECLAIMABLE.has(c.reason))
    return refuse(
      'unsupported',
      `a snapshot (${at}) whose orphan reason (${c.reason}) reclaim does not take: see its hint`,
    );
  // The image's own name: the last part of the volname (a linked clone's is `base-…/vm-…`).
  const image =
    c.volid
      .slice(c.volid.indexOf(':') + 1)
      .split('/')
      .pop() ?? '';
  if (c.type === 'rbd' && image.startsWith('-'))
    return refuse(
      'unsupported',
      `a snapshot (${at}) of an image whose name starts with '-': rbd reads it as an option`,
    );
  return null;
}

/** A Ceph trash entry: adopted only as reclaim-scope.ts trashOffered says; each other case with its reason. */
function trashRefusal(c: Candidate): Refusal | null {
  const t = c.trash!;
  if (c.type && trashOffered({ ...c, type: c.type })) return null;
  const entry = `trash entry ${t.id}`;
  if (t.source !== 'USER')
    return refuse(
      'unsupported',
      `${entry} (${t.source}): only what PVE's interrupted rbd rm would finish removes it, see its hint`,
    );
  if (c.references?.length) return refuse('valid', `${entry}: ${c.references[0]} still names it: restore it`);
  if (t.deferment?.startsWith('protected until'))
    return refuse('protected', `${entry} is ${t.deferment} (someone's rbd trash mv --expires-at): left to that`);
  if (t.nameTaken)
    return refuse(
      'unsupported',
      `${entry}: a live image or another trash entry has its name: restore or remove it by its id`,
    );
  return refuse('unsupported', `${entry} (${c.reason}): see its hint`);
}

/** Nothing on the storage may depend on the volume: a snapshot named by a config, a clone, an LV snapshot. */
function dependencyRefusal(c: Candidate, ctx: RuleContext): Refusal | null {
  if (c.snapshot !== undefined) return null; // its own flags say what holds it (clones, maps, jobs)
  for (const s of ctx.snapshotsOf.get(c.volid) ?? []) {
    if (s.status === 'orphan' && !s.pending && !s.protected) continue;
    const named = (s.references ?? [])[0];
    if (s.status === 'valid')
      return refuse(
        'snapshot-named',
        `its snapshot @${s.snapshot} is in use${named ? ` (${named})` : ''}: ${s.detail}`,
      );
    return refuse(
      'has-snapshots',
      `its snapshot @${s.snapshot} is ${s.status}${s.pending ? ', pending' : ''}${s.protected ? `, protected (${s.protectedBy.join(', ')})` : ''}`,
    );
  }
  const stay = ctx.snapshotsOf.get(c.volid) ?? [];
  if (c.type && snapshotsStayBehind(c.type) && stay.length)
    return refuse(
      'has-snapshots',
      `its snapshot @${stay[0].snapshot} is a file or subvolume of its own (a volume chain's snap- file, a btrfs snapshot): a rename would leave it behind, its chain cut`,
    );
  if (c.lvm) {
    // An LV with an origin is a linked clone (`vm-N-…` made by clone_image from a base) or a snapshot
    // (LvmThinPlugin.pm volume_snapshot: `lvcreate -n snap_<volname>_<snap> -s`; LVMPlugin.pm thick
    // snapshots alike): a snapshot LV is outside list_images' `^(vm|base)-(\d+)-` names and belongs
    // with its origin, never renamed alone (a rollback or the origin's restore would miss it).
    const origin = ctx.lvOrigin.get(`${c.lvm.vg}/${c.lvm.lv}`);
    if (origin && !PVE_LV_NAME.test(c.lvm.lv))
      return refuse(
        'snapshot',
        `an LV snapshot of ${c.lvm.vg}/${origin} (lvs origin), not a volume: it belongs with its origin`,
      );
    const kids = ctx.lvChildren.get(`${c.lvm.vg}/${c.lvm.lv}`) ?? [];
    if (kids.length)
      return refuse(
        c.lvm.lv.startsWith('base-') ? 'template-base' : 'has-snapshots',
        `LV(s) ${kids.join(', ')} have it as origin (snapshots or linked clones)`,
      );
  }
  return null;
}

/** What the storage type offers for a reversible rename. */
function typeRefusal(c: Candidate, st: StorageConfig): Refusal | null {
  if (st.type === 'lvm' || st.type === 'lvmthin') {
    if (!c.lvm?.lvUuid) return refuse('unsupported', 'LV identity (VG, LV, LV UUID) unknown');
    // A shared VG's LV may be active on another node: a rename here cannot deactivate it there.
    if (st.shared) return refuse('shared-lvm', `storage ${st.id} is shared LVM: other nodes may have the LV active`);
    return null;
  }
  if (st.type === 'zfspool' || st.type === 'rbd') return null;
  if (FILE_TYPES.has(st.type)) return null;
  return refuse('unsupported', `storage type ${st.type} is not supported by reclaim`);
}
