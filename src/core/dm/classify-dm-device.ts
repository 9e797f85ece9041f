// Verdicts of DM devices by their identity (design "Identity"): maps of LVs, renamed maps, maps whose
// LV is gone, and maps that are not LVM's at all. The LV-level decision is classifyVolume's.

import type { DmDevice, Identity } from '../node/dm-devices';
import { getTwo } from '../node/two-keys';
import { vmidOfLvName } from '../parse/volume-name';
import { classifyVolume } from './classify-dm';
import type { ClassifyContext } from './dm-context';
import { ignored, type Verdict } from './dm-verdict';

/** Verdict for a DM device from its identity (layers and partitions are resolved by the caller). */
export function classifyDevice(ctx: ClassifyContext, d: DmDevice): Verdict {
  const id = d.identity;
  switch (id.kind) {
    case 'other':
      return otherMapVerdict(d, id);
    case 'lv':
      return classifyVolume(ctx, { vg: id.lv.vg, name: id.lv.name, lv: id.lv, mapped: true });
    case 'renamed':
      return renamedVerdict(ctx, id);
    case 'no-lv':
      return noLvVerdict(ctx, d, id);
    default:
      throw new Error(`classifyDevice: ${id.kind} is resolved by the caller`);
  }
}

type IdentityOf<K extends Identity['kind']> = Extract<Identity, { kind: K }>;

/** multipath, dm-crypt, hand-made maps: not LVM's, never a guest volume. */
function otherMapVerdict(d: DmDevice, id: IdentityOf<'other'>): Verdict {
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

/** A map with a current LV's UUID under another name (the LV was renamed). */
function renamedVerdict(ctx: ClassifyContext, id: IdentityOf<'renamed'>): Verdict {
  const inner = classifyVolume(ctx, { vg: id.vg, name: id.lv.name, lv: id.lv, mapped: true });
  if (inner.status === 'ignored') return inner;
  // The map holds the old DM name too: an LV that has that name now cannot be activated either.
  const heir = getTwo(ctx.lvm.byName, id.vg, id.nameLv);
  return {
    ...inner,
    status: 'duplicate',
    reason: 'renamed',
    detail: `map named ${id.vg}/${id.nameLv} carries the UUID of LV ${id.vg}/${id.lv.name} (renamed, e.g. by qm disk reassign): it blocks activating the LV under its new name${heir ? `, and LV ${id.vg}/${id.nameLv}, which has the old name now, cannot be activated either (its DM name is taken)` : ''}`,
  };
}

/** An LVM map whose LV is not in the metadata: unknown VG, partial VG, old incarnation, or a leftover. */
function noLvVerdict(ctx: ClassifyContext, d: DmDevice, id: IdentityOf<'no-lv'>): Verdict {
  if (ctx.lvsError)
    return lvmUnknown(ctx, d, `lvs failed (${ctx.lvsError}): cannot tell whether ${d.info.name} has an LV`);
  const inner = classifyVolume(ctx, {
    vg: id.vg,
    name: id.lv,
    lv: id.sameName,
    mapped: true,
    thinHint: d.segments[0]?.target === 'thin',
  });
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
        : `a map named like LV ${id.vg}/${id.lv} that belongs to an earlier LV of that name (another UUID): it points at old extents and blocks activating the current LV${id.sameName.active ? '' : ' (the LV is inactive)'}`,
    };
  }
  return {
    ...inner,
    status: 'orphan',
    reason: 'lv-missing',
    detail: `DM map whose ${id.uuidLess ? 'name' : 'UUID'} is not in LVM metadata (no LV ${id.vg}/${id.lv})`,
  };
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
