// The heart: every DM device and every LV of every PVE LVM storage gets a status, a reason code and a
// sentence (design "Classification"; facts §1-§3, §7, §10). Pure: plain data in, entries out.

import type { ClassifyContext } from './dm-context';
import type { DmDevice } from './dm-devices';
import { describeRef, type GuestRecord, lvKey, type RefHit } from './dm-references';
import { storageFor } from './dm-storage-choice';
import type { LvRow } from '../parse/parse-lvm';
import { classifySnapshot } from './classify-dm-snapshot';
import { ignored, type Verdict, who } from './dm-verdict';
import type { DmReason, DmStatus } from '../types';
import { parseDeletedLv, parseLvmVolname, vmidOfLvName } from '../parse/volume-name';

export type { ClassifyContext } from './dm-context';

/**
 * Verdict for one top-level LV (by name; `lv` is its lvs row when it exists). `mapped`: a DM map
 * exists for it here. Used for active LVs, inactive LVs and maps without an LV alike.
 */
export function classifyVolume(
  ctx: ClassifyContext,
  vg: string,
  name: string,
  lv: LvRow | null,
  mapped: boolean,
  thinHint = false,
): Verdict {
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
  const { storage, offNode, here } = storageFor(ctx, vg, lv, thinHint);
  if (!storage) {
    if (here.length > 0) {
      const pools = here.map((s) => `'${s.id}' (pool ${s.thinpool})`).join(', ');
      return ignored(
        'not-guest-volume',
        `LV ${vg}/${name} is outside the thin pool of ${pools}, the only storage on VG ${vg}: not a PVE volume`,
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
  const base: Omit<Verdict, 'status' | 'reason' | 'detail'> = {
    storage: storage.id,
    vmid: vmidOfLvName(name),
    volume: `${storage.id}:${name}`,
    guestNode: null,
    guestType: null,
  };
  const owner = base.vmid !== null ? ctx.guests.get(base.vmid) : undefined;
  if (owner) {
    base.guestNode = owner.node;
    base.guestType = owner.type;
  }
  const v = (status: DmStatus, reason: DmReason, detail: string, extra: Partial<Verdict> = {}): Verdict => ({
    status,
    reason,
    detail,
    ...base,
    ...extra,
  });

  const deleted = parseDeletedLv(name);
  if (deleted) {
    const worker = ctx.tasks.find((t) => t.running && t.type === 'imgdel');
    if (worker) {
      return v(
        'ignored',
        'saferemove-in-progress',
        `LV renamed del-<name> by pve-storage saferemove; an imgdel task (${worker.upid}) is zeroing it and will remove it`,
        { deleted: true },
      );
    }
    return v(
      'orphan',
      'saferemove-leftover',
      storage.shared
        ? `LV ${vg}/${name} was renamed for removal (saferemove) and no imgdel task runs on ${ctx.node}; on shared storage the node that freed it zeroes it (check that node's tasks), else an interrupted removal left it behind`
        : `LV ${vg}/${name} was renamed for removal (saferemove) but no imgdel task runs: an interrupted removal left it behind`,
      { deleted: true },
    );
  }

  if (name.startsWith('snap_')) return classifySnapshot(ctx, vg, name, lv, mapped, v, storage);

  const vol = parseLvmVolname(name);
  if (!vol)
    return ignored('not-guest-volume', `LV ${vg}/${name} is not named like a PVE volume (vm-<id>-..., base-<id>-...)`, {
      storage: storage.id,
    });
  const hits = ctx.refs.get(lvKey(vg, name)) ?? [];
  const local = hits.filter((h) => h.node === ctx.node);
  const counting = storage.shared ? hits : local;
  // tagged_only only filters what PVE lists (LVMPlugin list_images, $check_tags: any `pve-vm-\d+` tag,
  // not necessarily this VMID's — a renumbered LV may keep its old tag); a volume named in a config is
  // activated and used whatever its tags. So only an unreferenced LV without such a tag is not PVE's.
  if (storage.taggedOnly && lv && counting.length === 0 && !lv.tags.some((t) => /^pve-vm-\d+$/.test(t))) {
    return ignored(
      'not-tagged',
      `storage '${storage.id}' has tagged_only and LV ${vg}/${name} carries no pve-vm-<id> tag: PVE does not list it as a volume`,
      { storage: storage.id, vmid: vol.vmid },
    );
  }
  if (local.length > 0)
    return v('valid', 'referenced', refDetail(local), { volume: volumeOf(local[0], storage.id, name) });
  if (storage.shared && counting.length > 0) {
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
  const vmid = vol.vmid;
  const dangling = danglingStorages(ctx, owner);
  if (dangling)
    return v(
      'unknown',
      'lvm-incomplete',
      `${who(owner, vmid)}'s config names storage${dangling.includes(',') ? 's' : ''} ${dangling} that storage.cfg does not define: it may use ${vg}/${name} through ${dangling.includes(',') ? 'them' : 'it'}, never guess`,
    );
  let reason: DmReason;
  let detail: string;
  if (!owner) {
    reason = 'guest-missing';
    detail = `LV ${vg}/${name} exists${mapped ? ' and is active' : ''}, ${who(owner, vmid)} has no config anywhere in the cluster`;
  } else if (owner.node !== ctx.node && !storage.shared) {
    // Local storage: the guest's config elsewhere names that node's LV of the same name, not this one.
    reason = 'not-referenced';
    detail = `${who(owner, vmid)} lives on ${owner.node}; this LV on local storage '${storage.id}' of ${ctx.node} is not its disk (a leftover of a migration or restore)`;
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

/** Storage IDs the owner's config names that storage.cfg does not define ("a, b"), or null. */
function danglingStorages(ctx: ClassifyContext, owner: GuestRecord | undefined): string | null {
  if (!owner?.config || !ctx.storageIds) return null;
  const missing = new Set<string>();
  for (const r of owner.config.refs) {
    const id = r.volid?.storage;
    if (id && !ctx.storageIds.has(id) && !r.cloudinit && r.media !== 'cdrom') missing.add(id);
  }
  return missing.size ? [...missing].sort().map((m) => `'${m}'`).join(', ') : null;
}

function volumeOf(hit: RefHit, storage: string, name: string): string {
  return hit.ref.volid ? `${hit.ref.volid.storage}:${hit.ref.volid.volname}` : `${storage}:${name}`;
}

function refDetail(hits: RefHit[]): string {
  const first = describeRef(hits[0]);
  return hits.length > 1 ? `${first} (+${hits.length - 1} more)` : first;
}

/** Verdict for a DM device from its identity (layers and partitions are resolved by the caller). */
export function classifyDevice(ctx: ClassifyContext, d: DmDevice): Verdict {
  const id = d.identity;
  switch (id.kind) {
    case 'other': {
      const what =
        id.what === 'mpath'
          ? 'multipath map'
          : id.what === 'crypt'
            ? 'dm-crypt map'
            : id.what === 'no-uuid'
              ? 'map without UUID'
              : `${id.what} map`;
      if (id.namedLike)
        return ignored(
          'not-lvm',
          `map without UUID named like LV ${id.namedLike}, which does not exist: lvm2 always sets an LVM- UUID, so this map was made by hand (dmsetup create) and is not LVM's; while it exists, creating an LV of that name fails with "Device or resource busy"`,
        );
      return ignored(
        'not-lvm',
        `${what} (UUID ${d.info.uuid ? `${d.info.uuid.split('-')[0]}-...` : 'empty'}), not an LVM volume`,
      );
    }
    case 'lv':
      return classifyVolume(ctx, id.lv.vg, id.lv.name, id.lv, true);
    case 'renamed': {
      const inner = classifyVolume(ctx, id.vg, id.lv.name, id.lv, true);
      if (inner.status === 'ignored') return inner;
      // The map holds the old DM name too: an LV that has that name now cannot be activated either.
      const heir = ctx.lvm.byName.get(`${id.vg}/${id.nameLv}`);
      return {
        ...inner,
        status: 'duplicate',
        reason: 'renamed',
        detail: `map named ${id.vg}/${id.nameLv} carries the UUID of LV ${id.vg}/${id.lv.name} (renamed, e.g. by qm disk reassign): it blocks activating the LV under its new name${heir ? `, and LV ${id.vg}/${id.nameLv}, which has the old name now, cannot be activated either (its DM name is taken)` : ''}`,
      };
    }
    case 'no-lv': {
      if (ctx.lvsError)
        return lvmUnknown(ctx, d, `lvs failed (${ctx.lvsError}): cannot tell whether ${d.info.name} has an LV`);
      const inner = classifyVolume(ctx, id.vg, id.lv, id.sameName, true, d.segments[0]?.target === 'thin');
      if (inner.status === 'ignored') return inner;
      const vg = ctx.lvm.vgByName.get(id.vg);
      if (!id.vgKnown)
        return {
          ...inner,
          status: 'unknown',
          reason: 'vg-unknown',
          detail: `the VG of ${d.info.name} (UUID ${d.info.uuid.slice(0, 36)}...) is not known to LVM (missing PV, recreated VG, or hidden by an lvm.conf filter): never guess`,
        };
      if (vg?.partial)
        return {
          ...inner,
          status: 'unknown',
          reason: 'vg-partial',
          detail: `VG ${id.vg} is partial (a PV is missing): its LV list is incomplete`,
        };
      if (id.sameName) {
        return {
          ...inner,
          status: 'duplicate',
          reason: 'stale-map',
          detail: id.uuidLess
            ? `map without UUID (made by hand, not by lvm2) holding the DM name of LV ${id.vg}/${id.lv}: whatever it maps, it blocks activating the real LV${id.sameName.active ? '' : ' (the LV is inactive)'}`
            : `DM name of LV ${id.vg}/${id.lv} but its UUID carries another LV id (old incarnation): the map points at old extents and blocks activating the real LV${id.sameName.active ? '' : ' (the LV is inactive)'}`,
        };
      }
      return {
        ...inner,
        status: 'orphan',
        reason: 'lv-missing',
        detail: `DM map whose ${id.uuidLess ? 'name' : 'UUID'} is not in LVM metadata (no LV ${id.vg}/${id.lv})`,
      };
    }
    default:
      throw new Error(`classifyDevice: ${id.kind} is resolved by the caller`);
  }
}

function lvmUnknown(ctx: ClassifyContext, d: DmDevice, detail: string): Verdict {
  const vmid = d.split ? vmidOfLvName(d.split.lv) : null;
  return {
    status: 'unknown',
    reason: 'lvm-incomplete',
    detail,
    storage: null,
    vmid,
    volume: null,
    guestNode: vmid !== null ? (ctx.guests.get(vmid)?.node ?? null) : null,
    guestType: null,
  };
}
