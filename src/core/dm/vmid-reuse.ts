// VMID reuse, the symptom users hit (design "VMID reuse, precisely"; facts §2, §8): the next VMID
// PVE hands out, the name its first disk would get on each LVM storage, and whether a stale map
// already carries that name (creation fails: "Device or resource busy") or a leftover LV of that
// VMID exists (silently inherited by the new guest).

import { buildDmName } from '../parse/dm-name';
import type { LvmStorage } from '../parse/storage-config';
import { nextDiskName } from '../parse/volume-name';
import { formatBytes } from '../text/format-bytes';
import type { DmEntry, VmidLeftover, VmidReuse, VmidReuseCollision } from '../vocab/types';
import type { VolumesResult } from '../vocab/volume-types';

const BLOCKING = new Set(['lv-missing', 'stale-map', 'renamed']);
const BLOCKING_WORDS: Record<string, string> = {
  'lv-missing': 'DM map without LV',
  'stale-map': 'stale map',
  renamed: 'renamed map',
  'not-lvm': 'hand-made map without UUID',
};

type DisksByVg = ReadonlyMap<string, ReadonlyMap<number, string[]>>;

export interface ReuseInput {
  entries: DmEntry[];
  /** LVM storages usable on this node. */
  storages: LvmStorage[];
  /** VG → VMID → its disk LV names (what PVE looks at when it picks a disk name; LvmView.disksByVg). */
  disksByVg: DisksByVg;
  /** VMIDs in use anywhere in the cluster. */
  usedVmids: Set<number>;
  nextIds: number[];
}

/** The first disk name a guest `vmid` would get on `storage`, and the DM name its map would have. */
export function firstDiskOf(vmid: number, storage: LvmStorage, disksByVg: DisksByVg) {
  const volname = nextDiskName(vmid, disksByVg.get(storage.vg)?.get(vmid) ?? []);
  return volname ? { volname, dmName: buildDmName(storage.vg, volname) } : null;
}

export function computeVmidReuse(input: ReuseInput): VmidReuse {
  const [nextVmid = null, ...upcoming] = input.nextIds;
  const byName = new Map<string, DmEntry>();
  const entries = input.entries;
  for (let i = 0; i < entries.length; i++) if (entries[i].kind === 'dm') byName.set(entries[i].name, entries[i]);
  const imageStorages = input.storages;

  const collisions: VmidReuseCollision[] = [];
  const messages: string[] = [];
  for (const vmid of input.nextIds) {
    for (const st of imageStorages) {
      const first = firstDiskOf(vmid, st, input.disksByVg);
      const hit = first && byName.get(first.dmName);
      // The name is free in LVM (nextDiskName skipped every LV name), so any map that holds it — stale,
      // renamed, without LV, or made by hand without a UUID — makes activating the new LV fail.
      if (first && hit) {
        collisions.push({ vmid, storage: st.id, volname: first.volname, dmName: hit.name, reason: hit.reason });
      }
    }
  }

  // Leftovers of VMIDs no guest uses: the next guest with that VMID inherits them.
  const byVmid = new Map<number, VmidLeftover>();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.vmid === null || input.usedVmids.has(e.vmid) || e.layer || e.parent) continue;
    if (e.status !== 'orphan' && e.status !== 'duplicate') continue;
    if (!e.lv || !e.vg) continue;
    const lo = byVmid.get(e.vmid) ?? { vmid: e.vmid, volumes: [], count: 0, totalBytes: 0 };
    lo.volumes.push({ name: e.name, vg: e.vg, lv: e.lv, storage: e.storage, sizeBytes: e.sizeBytes, reason: e.reason });
    lo.count++;
    lo.totalBytes += e.sizeBytes ?? 0;
    byVmid.set(e.vmid, lo);
  }
  const leftovers = [...byVmid.values()].sort((a, b) => a.vmid - b.vmid);

  for (const c of collisions) {
    const when = c.vmid === nextVmid ? 'the next VM created will get' : 'a later VM will get';
    messages.push(
      `${when} ${c.vmid} and its first disk on ${c.storage} will fail: a ${BLOCKING_WORDS[c.reason] ?? 'map'} ${c.dmName} exists ("Device or resource busy")`,
    );
  }
  for (const lo of leftovers) {
    const m = input.nextIds.includes(lo.vmid) ? leftoverMessage(lo, nextVmid) : null;
    if (m) messages.push(m);
  }
  if (messages.length === 0 && nextVmid !== null) messages.push(nothingCollides(nextVmid));
  return { nextVmid, upcoming, collisions, leftovers, messages };
}

const nothingCollides = (vmid: number) => `the next VMID is ${vmid}; nothing on this node collides with it`;

/** "the next guest created as 105 silently inherits leftover LV pve/vm-105-disk-0 (32 GiB): ..." */
function leftoverMessage(lo: VmidLeftover, nextVmid: number | null): string | null {
  const lvs = lo.volumes.filter((v) => v.reason !== 'lv-missing');
  const others = lo.otherVolumes ?? [];
  if (lvs.length === 0 && others.length === 0) return null;
  const what = [
    lvs.length ? `LV${lvs.length > 1 ? 's' : ''} ${lvs.map((v) => `${v.vg}/${v.lv}`).join(', ')}` : '',
    others.length ? `volume${others.length > 1 ? 's' : ''} ${others.map((v) => v.volid).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  const n = lvs.length + others.length;
  const size = others.length
    ? `${n} volume${n > 1 ? 's' : ''}, ${formatBytes(lo.totalBytes)}`
    : formatBytes(lo.totalBytes);
  return `${lo.vmid === nextVmid ? 'the next' : 'a later'} guest created as ${lo.vmid} silently inherits leftover ${what} (${size}): 'qm disk rescan' attaches them, destroying that guest deletes them`;
}

/**
 * The VMID-reuse part with the volumes part's leftovers added (ZFS/RBD/file volumes of VMIDs no guest
 * has): per VMID the count and bytes of everything a new guest with that VMID would inherit. Pure; the
 * inputs are left as they are (serve renders the same results many times).
 */
export function withVolumeLeftovers(reuse: VmidReuse, volumes: VolumesResult): VmidReuse {
  if (!volumes.vmidLeftovers?.length) return reuse;
  const entries = new Map(volumes.entries.filter((e) => !e.snapshot).map((e) => [e.volid, e]));
  const byVmid = new Map(reuse.leftovers.map((lo) => [lo.vmid, lo]));
  const nextIds = reuse.nextVmid === null ? reuse.upcoming : [reuse.nextVmid, ...reuse.upcoming];
  let messages = [...reuse.messages];
  for (const vl of volumes.vmidLeftovers) {
    const before = byVmid.get(vl.vmid);
    const lo: VmidLeftover = before
      ? { ...before, otherVolumes: [...(before.otherVolumes ?? [])] }
      : { vmid: vl.vmid, volumes: [], count: 0, totalBytes: 0, otherVolumes: [] };
    for (const volid of vl.volids) {
      const e = entries.get(volid);
      lo.otherVolumes!.push({
        volid,
        storage: e?.storage ?? volid.split(':')[0],
        sizeBytes: e?.sizeBytes ?? null,
        usedBytes: e?.usedBytes ?? null,
      });
      lo.count++;
      lo.totalBytes += e?.sizeBytes ?? 0;
    }
    byVmid.set(vl.vmid, lo);
    if (!nextIds.includes(vl.vmid)) continue;
    const old = before ? leftoverMessage(before, reuse.nextVmid) : null;
    const now = leftoverMessage(lo, reuse.nextVmid)!;
    const at = old ? messages.indexOf(old) : -1;
    if (at >= 0) messages[at] = now;
    else messages.push(now);
    if (reuse.nextVmid !== null) messages = messages.filter((m) => m !== nothingCollides(reuse.nextVmid!));
  }
  const leftovers = [...byVmid.values()].sort((a, b) => a.vmid - b.vmid);
  return { ...reuse, leftovers, messages };
}

/**
 * For a blocking map of an EXISTING guest: is it the name that guest's next disk would get?
 * ("the next disk of VM 103 would be vm-103-disk-2 and lvcreate would fail")
 */
export function nextDiskCollision(
  entry: DmEntry,
  storage: LvmStorage | undefined,
  disksByVg: DisksByVg,
): string | null {
  // Only for guests that exist: a free VMID is covered by computeVmidReuse.
  if (!storage || entry.vmid === null || !entry.guestNode || !BLOCKING.has(entry.reason)) return null;
  const first = firstDiskOf(entry.vmid, storage, disksByVg);
  if (!first || first.dmName !== entry.name) return null;
  return `the next disk of ${entry.guestType === 'lxc' ? 'CT' : 'VM'} ${entry.vmid} would be ${first.volname} and lvcreate would fail with 'Device or resource busy'`;
}
