// The heart: every LV of every PVE LVM storage gets a status, a reason code and a sentence (design
// "Classification"; facts §1-§3, §7, §10); maps reach it through classify-dm-device.ts. Pure.

import type { GuestRecord } from '../node/guest-record';
import type { LvRow } from '../parse/parse-lvm';
import type { LvmStorage } from '../parse/storage-config';
import { parseDeletedLv, parseLvmVolname, vmidOfLvName } from '../parse/volume-name';
import { onlyCopyWords } from '../vocab/only-copy';
import { parseQuarantineName } from '../vocab/quarantine-name';
import type { DmReason, DmStatus } from '../vocab/types';
import { classifySnapshot } from './classify-dm-snapshot';
import type { ClassifyContext, StorageChoice } from './dm-context';
import { quarantinedLvVerdict } from './dm-quarantined';
import { describeRef, type RefHit, refsOf } from './dm-references';
import { storageFor } from './dm-storage-choice';
import { ignored, type Verdict, who } from './dm-verdict';
import { imgdelExplains } from './pending-rule';

export type { ClassifyContext } from './dm-context';

/** One top-level LV to decide, by name (`lv` is its lvs row when it exists). */
export interface VolumeQuery {
  vg: string;
  name: string;
  lv: LvRow | null;
  /** A DM map exists for it here. */
  mapped: boolean;
  /** No lvs row: the map's own target says whether it is a thin volume. */
  thinHint?: boolean;
}

const NO_HITS: RefHit[] = [];

type MakeVerdict = (status: DmStatus, reason: DmReason, detail: string, extra?: Partial<Verdict>) => Verdict;

/** Verdict for one top-level LV. Used for active LVs, inactive LVs and maps without an LV alike. */
export function classifyVolume(ctx: ClassifyContext, q: VolumeQuery): Verdict {
  const { vg, name } = q;
  if (ctx.storageConfigError) {
    // Without storage.cfg nothing says which VG is a PVE storage: every guest disk would look ignored.
    return {
      status: 'unknown',
      reason: 'lvm-incomplete',
      detail: `${ctx.storageConfigError}: cannot tell whether LV ${vg}/${name} is a PVE volume`,
      storage: null,
      vmid: vmidOfLvName(name),
      volume: null,
      guestNode: null,
      guestType: null,
    };
  }
  const choice = storageFor(ctx, { vg, lv: q.lv, thinHint: q.thinHint ?? false });
  const storage = choice.storage;
  if (!storage) return notOnStorage(ctx, q, choice);
  const vmid = vmidOfLvName(name);
  const owner = vmid !== null ? ctx.guests.get(vmid) : undefined;
  const guestNode = owner ? owner.node : null;
  const guestType = owner ? owner.type : null;
  // One literal per verdict, no spreads: this runs for every LV of a node with thousands.
  const v: MakeVerdict = (status, reason, detail, extra) => {
    const r: Verdict = {
      status,
      reason,
      detail,
      storage: storage.id,
      vmid,
      volume: `${storage.id}:${name}`,
      guestNode,
      guestType,
    };
    return extra ? Object.assign(r, extra) : r;
  };

  if (parseDeletedLv(name)) return deletedVerdict(ctx, q, storage, v);
  if (name.startsWith('snap_')) return unseenGuard(ctx, storage, classifySnapshot(ctx, q, v, storage));
  const vol = parseLvmVolname(name);
  const mark = vol ? null : parseQuarantineName(name);
  if (mark) return quarantinedLvVerdict(ctx, { vg, name, storage }, mark);
  if (!vol)
    return ignored('not-guest-volume', `LV ${vg}/${name} is not named like a PVE volume (vm-<id>-..., base-<id>-...)`, {
      storage: storage.id,
    });
  return unseenGuard(
    ctx,
    storage,
    referencedVerdict(ctx, q, storage, vol.vmid, v) ??
      unreferencedVerdict(ctx, q, storage, { vmid: vol.vmid, owner, v }),
  );
}

/**
 * Orphan verdicts that rest on "no config names it" (snapshot-missing reads only the owner's own config,
 * unknown already when unread; lv-missing and saferemove leftovers are facts of LVM and the kernel).
 */
export const CONFIG_BASED: ReadonlySet<DmReason> = new Set([
  'guest-missing',
  'guest-on-other-node',
  'not-referenced',
  'inactive-leftover',
]);

/** Such an orphan is unknown while a config that could name it was not seen (.vmlist or the config unreadable). */
function unseenGuard(ctx: ClassifyContext, storage: LvmStorage, verdict: Verdict): Verdict {
  if (verdict.status !== 'orphan' || !CONFIG_BASED.has(verdict.reason)) return verdict;
  const why = storage.shared || ctx.vgTransport?.has(storage.vg) ? ctx.unseen?.shared : ctx.unseen?.local;
  if (!why) return verdict;
  return { ...verdict, status: 'unknown', reason: 'lvm-incomplete', detail: `${verdict.detail}; but ${why}` };
}

/** A VG no storage of this node owns: outside the thin pool, another node's storage, or no PVE storage. */
function notOnStorage(ctx: ClassifyContext, { vg, name }: VolumeQuery, { offNode, here }: StorageChoice): Verdict {
  if (here.length > 0) {
    const pools = here.map((s) => `'${s.id}' (pool ${s.thinpool})`).join(', ');
    return ignored(
      'not-guest-volume',
      `LV ${vg}/${name} is outside the thin pool of ${pools}, the only storage${here.length > 1 ? 's' : ''} on VG ${vg}: not a PVE volume`,
    );
  }
  if (offNode)
    return ignored(
      'storage-not-on-node',
      `VG ${vg} belongs to storage '${offNode.id}', which is not used on ${ctx.node} (nodes=${offNode.nodes?.join(',')})`,
    );
  const vmid = vmidOfLvName(name);
  return ignored(
    'not-pve-storage',
    `VG ${vg} is not an LVM storage in storage.cfg${vmid !== null ? ' (an LV named like a guest disk)' : ''}`,
  );
}

/** `del-<name>`: pve-storage's saferemove renamed it; an imgdel task zeroes and removes it. */
function deletedVerdict(
  ctx: ClassifyContext,
  { vg, name, lv }: VolumeQuery,
  storage: LvmStorage,
  v: MakeVerdict,
): Verdict {
  const of = { vmid: vmidOfLvName(name), storage: storage.id, open: lv?.attr[5] === 'o' };
  const worker = ctx.tasks.find((t) => imgdelExplains(t, of));
  if (worker) {
    return v(
      'ignored',
      'saferemove-in-progress',
      `LV renamed del-<name> by pve-storage saferemove; an imgdel task (${worker.upid}) is zeroing it and will remove it`,
    );
  }
  if (ctx.tasksUnread)
    return v(
      'unknown',
      'lvm-incomplete',
      `LV ${vg}/${name} was renamed for removal (saferemove); ${ctx.tasksUnread}: an imgdel worker may be zeroing it`,
    );
  return v(
    'orphan',
    'saferemove-leftover',
    storage.shared
      ? `LV ${vg}/${name} was renamed for removal (saferemove) and no imgdel task runs on ${ctx.node}; on shared storage the node that freed it zeroes it (check that node's tasks), else an interrupted removal left it behind`
      : `LV ${vg}/${name} was renamed for removal (saferemove) but no imgdel task runs: an interrupted removal left it behind`,
  );
}

/** The verdict when a guest config names the LV (or tagged_only hides it from PVE); null when none does. */
function referencedVerdict(
  ctx: ClassifyContext,
  { vg, name, lv, mapped }: VolumeQuery,
  storage: LvmStorage,
  vmid: number,
  v: MakeVerdict,
): Verdict | null {
  const hits = refsOf(ctx.refs, vg, name) ?? NO_HITS;
  // Most LVs are named by one config of this node: no filtered copy for them.
  const local = hits.length === 1 && hits[0].node === ctx.node ? hits : hits.filter((h) => h.node === ctx.node);
  const counting = storage.shared ? hits : local;
  // tagged_only only filters what PVE lists (LVMPlugin list_images, $check_tags: any `pve-vm-\d+` tag,
  // not necessarily this VMID's — a renumbered LV may keep its old tag); a volume named in a config is
  // activated and used whatever its tags. So only an unreferenced LV without such a tag is not PVE's.
  if (storage.taggedOnly && lv && counting.length === 0 && !lv.tags.some((t) => /^pve-vm-\d+$/.test(t))) {
    return ignored(
      'not-tagged',
      `storage '${storage.id}' has tagged_only and LV ${vg}/${name} carries no pve-vm-<id> tag: PVE does not list it as a volume`,
      { storage: storage.id, vmid },
    );
  }
  if (local.length > 0)
    return v('valid', 'referenced', refDetail(local), { volume: volumeOf(local[0], storage.id, name) });
  if (!storage.shared || counting.length === 0) return null;
  const h = counting[0];
  if (!mapped)
    return v('valid', 'referenced', `${refDetail(counting)} on ${h.node}; inactive here, as it should be`, {
      volume: volumeOf(h, storage.id, name),
    });
  return v(
    'orphan',
    'guest-on-other-node',
    `${h.type === 'lxc' ? 'CT' : 'VM'} ${h.vmid} lives on ${h.node} (${describeRef(h)}); its shared LV should not be active on ${ctx.node}`,
    {
      volume: volumeOf(h, storage.id, name),
      guestNode: h.node,
      referencedBy: `${describeRef(h)} on ${h.node}`,
    },
  );
}

/** No config names the LV: whose leftover it is, or unknown when the owner's config cannot be read. */
function unreferencedVerdict(
  ctx: ClassifyContext,
  { vg, name, mapped }: VolumeQuery,
  storage: LvmStorage,
  o: { vmid: number; owner: GuestRecord | undefined; v: MakeVerdict },
): Verdict {
  const { vmid, owner, v } = o;
  let reason: DmReason;
  let detail: string;
  if (!owner) {
    reason = 'guest-missing';
    detail = `LV ${vg}/${name} exists${mapped ? ' and is active' : ''}, ${who(owner, vmid)} has no config anywhere in the cluster`;
  } else if (owner.node !== ctx.node && !storage.shared) {
    // Local storage: the guest's config elsewhere names that node's LV of the same name, not this one —
    // unless that node has none (HA recovery moves only the config): only-copy.ts.
    reason = 'not-referenced';
    // Every hit here is another node's: one of this node on local storage makes the LV valid (above).
    const named = (refsOf(ctx.refs, vg, name) ?? NO_HITS)[0];
    detail = `${who(owner, vmid)} lives on ${owner.node}; ${named ? `LV on local storage '${storage.id}' of ${ctx.node}: ${onlyCopyWords(named, volumeOf(named, storage.id, name))}` : `this LV on local storage '${storage.id}' of ${ctx.node} is not its disk (a leftover of a migration or restore)`}`;
  } else if (owner.node !== ctx.node) {
    reason = mapped ? 'guest-on-other-node' : 'not-referenced';
    detail = `${who(owner, vmid)} lives on ${owner.node} and its config does not reference ${storage.id}:${name}`;
  } else if (!owner.config) {
    return v(
      'unknown',
      'lvm-incomplete',
      `${who(owner, vmid)}'s config could not be read (${owner.configError ?? 'unreadable'}): cannot tell whether ${storage.id}:${name} is referenced`,
    );
  } else {
    reason = 'not-referenced';
    detail = `${who(owner, vmid)} exists on this node but no config line (main, pending, snapshots, unused) references ${storage.id}:${name}`;
  }
  if (storage.disabled) detail += ` (storage '${storage.id}' is disabled: PVE neither lists nor activates its volumes)`;
  if (!mapped) return v('orphan', 'inactive-leftover', `inactive LV, ${detail.replace(/^LV \S+ exists, /, '')}`);
  return v('orphan', reason, detail);
}

function volumeOf(hit: RefHit, storage: string, name: string): string {
  return hit.ref.volid ? `${hit.ref.volid.storage}:${hit.ref.volid.volname}` : `${storage}:${name}`;
}

function refDetail(hits: RefHit[]): string {
  const first = describeRef(hits[0]);
  return hits.length > 1 ? `${first} (+${hits.length - 1} more)` : first;
}
