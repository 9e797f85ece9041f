// A volume in reclaim's quarantine as the volumes part lists it (core/reclaim/quarantine-name.ts marks
// it): ignored, never an orphan again, with when and where, and what holds it since. Pure.
import { describeRef } from '../dm/dm-references';
import type { StorageConfig } from '../parse/storage-config';
import { restoreSteps, setSteps } from '../vocab/next-step';
import { type NamedElsewhere, namedElsewhereIn, onlyCopyWords } from '../vocab/only-copy';
import type { VolumeEntry } from '../vocab/volume-types';
import type { VolumeContext } from './volume-context';
import { directoriesMounted, volumeDirectories } from './volume-host-facts';
import { splitVolname } from './volume-references';
import type { ListedVolume } from './volume-storages';
import { describeUse, usesOf } from './volume-usage';

/**
 * The configs that name a quarantined volume by its original name now (a guest config written after the
 * quarantine, a restore that renamed the config back but not the disk): PVE resolves a volid by its name
 * (Storage.pm path → the plugin's path of the volname), so such a guest has lost its disk, and the
 * quarantined one is the disk it means. Unless a volume of that name is listed again on the storage: then
 * the config names that one. Local storage: this node's configs; shared: the cluster's (facts §2).
 */
export function namedAgain(
  st: StorageConfig,
  loc: string,
  v: ListedVolume,
  c: Pick<VolumeContext, 'refs' | 'pve' | 'liveNames'>,
): string[] {
  if (!v.quarantine || v.snapshot !== undefined) return [];
  const own = splitVolname(st.type, v.volname).own;
  if (c.liveNames?.has(own)) return [];
  const hits = c.refs.get(`${loc}|${own}`) ?? [];
  return (st.shared ? hits : hits.filter((h) => h.node === c.pve.node)).map(describeRef);
}

/**
 * Local storage: the first guest config of another node that names a quarantined volume's volume ID (any
 * section; a volume of the name listed here again or not: the purge's rule, core/reclaim/plan-purge.ts).
 * After an HA recovery that may be the guest's only disk (only-copy.ts): no output offers its purge before
 * the look at that node. A shared storage's configs are all namedAgain's; a snapshot is no volume ID.
 */
export function namedOn(
  st: StorageConfig,
  loc: string,
  v: ListedVolume,
  c: Pick<VolumeContext, 'refs' | 'pve'>,
): NamedElsewhere | undefined {
  if (v.snapshot !== undefined) return undefined;
  const hits = c.refs.get(`${loc}|${splitVolname(st.type, v.volname).own}`) ?? [];
  return namedElsewhereIn(hits, { node: c.pve.node, shared: st.shared });
}

/**
 * In reclaim's quarantine: no volume of any guest to PVE (its name is outside every plugin's grammar),
 * never an orphan again; shown with when and where (core/reclaim/quarantined.ts).
 */
export function quarantined(
  e: VolumeEntry,
  q: NonNullable<ListedVolume['quarantine']>,
  v: ListedVolume,
  c: Pick<VolumeContext, 'mounts' | 'mountsGap' | 'usage'>,
  namedBy: readonly string[] = [],
  namedOn?: NamedElsewhere,
): VolumeEntry {
  // A quarantined snapshot stays on its volume: a clone made from it or a map of it since holds it; a
  // quarantined directory someone mounted since (a bind mount of it or below it) is in use.
  const dirs = volumeDirectories(e.type, v);
  const binds = directoriesMounted(c.mounts ?? [], dirs);
  const heldBy = [
    ...(v.cloneOrigin ? ['has-clones'] : []),
    ...(v.mapped ? ['krbd-mapped'] : []),
    ...binds.map((t) => `mounted:${t}`),
    // Its only evidence of use is the mount table: one not read whole holds the purge (`rm -r`).
    ...(dirs.length && c.mountsGap ? [`mounts-unread: ${c.mountsGap}`] : []),
    // A loop device bound to it since (losetup to look inside), an overlay naming it or its original path
    // (an RBD image: its original name) as backing file: the purge's `rm` would pull the file from under
    // them. Loops not read whole hold it.
    ...usesOf(c.usage, [...v.devices, ...(v.useKeys ?? []), ...originalPaths(v, q)]).map(describeUse),
    ...(c.usage?.gap && q.location.path !== undefined ? [`loops-unread: ${c.usage.gap}`] : []),
    // A dataset made below it since: the purge's `zfs destroy -r` would destroy it too.
    ...(v.childDatasets ?? []).map((d) => `child-dataset:${d}`),
    // A guest config names it again: the guest's disk, never purged (a critical finding, below).
    ...namedBy.map((r) => `named-by:${r}`),
  ];
  e.status = 'ignored';
  e.reason = 'quarantined';
  e.detail = `in pve-health's quarantine since ${q.since} as ${q.name}; 'pve-health restore JOURNAL' brings it back, 'pve-health reclaim --purge' destroys it after the retention`;
  e.quarantine = {
    ...(e.snapshot !== undefined ? { snapshot: q.original } : {}),
    ...(heldBy.length ? { heldBy } : {}),
    since: q.since,
    name: q.name,
    onStorage: q.onStorage,
    location: q.location,
    ...(q.trashDeferment ? { trashDeferment: q.trashDeferment } : {}),
    ...(namedOn ? { namedOn } : {}),
  };
  if (namedOn) e.detail += `; ${onlyCopyWords(namedOn, e.volid)}`;
  delete e.trash;
  if (namedBy.length) namedInQuarantine(e, namedBy);
  return e;
}

/** Where a quarantined file was before (`<path>/images/<original>`, by each path its storage is seen by). */
function originalPaths(v: ListedVolume, q: NonNullable<ListedVolume['quarantine']>): string[] {
  if (q.location.path === undefined) return [];
  return v.devices.map((d) => `${d.slice(0, d.indexOf('/images/') + '/images/'.length)}${q.original}`);
}

/**
 * A guest names a quarantined volume: its disk is gone from where PVE looks (the guest will not start, a
 * backup fails), and the purge would destroy the disk the guest means. Critical; the way on is restore.
 */
function namedInQuarantine(e: VolumeEntry, namedBy: readonly string[]): void {
  e.quarantine = { ...e.quarantine!, namedBy: [...namedBy] };
  e.detail = `${namedBy[0]} names ${e.volid}, which is in pve-health's quarantine since ${e.quarantine.since} as ${e.quarantine.name}: the guest's disk is not where PVE looks; never purged so. Restore it from its reclaim journal`;
  setSteps(e, restoreSteps(e.volid));
}
