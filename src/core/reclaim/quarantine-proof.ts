// Is a volume named like a quarantine one that pve-health itself quarantined? The name is a grammar anyone
// can write (a planted file, a foreign dataset or trash entry, a renamed timestamp to look due), so the
// name alone proves nothing: the reclaim journal of this node must have recorded the rename that made it
// — the same original volume (storage and volname), the same quarantine name on the same place (VG, pool,
// storage path, snapshot's volume), at the same time (the name's stamp is the recorded time) — and no
// restore since undone it; and where the storage carries a mark that survives a rename, the mark must be
// the recorded one: an LV's LV UUID and its tag, a ZFS dataset's or snapshot's guid, an RBD image's id
// (its trash entry's id: librbd keeps the image id in the trash), a file's `<st_dev>:<st_ino>`. Anything
// else named so is "not quarantined by pve-health": listed with the reason, never due, never purged.
// Retention runs from the recorded time. Pure.
import { purgeAfter, quarantineStamp } from '../vocab/quarantine-name';
import { quarantineLeaf } from './quarantined';
import { lvUuidForm } from './reclaim-steps';
import type { QuarantinedVolume, QuarantineRecord, ReclaimRecord, ReclaimStep } from './reclaim-types';

/**
 * The steps that give a volume its quarantine name (and, undone by restore, its own name back): the
 * record of one of these, done, is the proof that pve-health renamed it (reclaim-steps.ts).
 */
const RENAMES: ReadonlySet<ReclaimStep['op']> = new Set([
  'lv-rename',
  'zfs-rename',
  'rbd-rename',
  'rbd-trash-restore',
  'file-move',
  'zfs-snapshot-rename',
  'rbd-snapshot-rename',
]);

/** The journal record that proves `q` quarantined by pve-health, or why there is none. */
export function quarantineProof(
  q: QuarantinedVolume,
  records: readonly QuarantineRecord[],
): { record: ReclaimRecord } | { doubt: string } {
  const same = records.filter((r) => r.result === 'done' && RENAMES.has(r.op) && sameQuarantine(q, r));
  const made = same.filter((r) => r.kind === 'reclaim');
  if (!made.length)
    return {
      doubt: `no reclaim journal of this node records renaming ${q.volid} to ${q.name} at ${q.since} (a name anyone can write proves nothing)`,
    };
  if (same.some((r) => r.kind === 'unquarantine'))
    return {
      doubt: `a restore journal records ${q.name} brought back as ${q.volid} since: what has this name now was not put there by pve-health`,
    };
  const record = made[made.length - 1];
  const doubt = markDoubt(q, record);
  return doubt ? { doubt } : { record };
}

/** The same original volume, quarantine name, place and time as the record. */
function sameQuarantine(q: QuarantinedVolume, r: ReclaimRecord): boolean {
  if (r.volid !== q.volid || quarantineLeaf(q.onStorage) !== r.quarantine) return false;
  // The name's stamp is the time the record says the rename ran (to the second): a record whose own time
  // disagrees with the name it gave is not one reclaim wrote, and a renamed stamp matches no record.
  const t = Date.parse(r.since);
  if (!Number.isFinite(t) || quarantineStamp(new Date(t)) !== quarantineStamp(new Date(q.since))) return false;
  const a = r.location;
  const b = q.location;
  return a.vg === b.vg && a.pool === b.pool && a.path === b.path && a.snapshotOf === b.snapshotOf;
}

/** The storage's own mark against the recorded one; a record without one (an older journal): the name's proof. */
function markDoubt(q: QuarantinedVolume, r: ReclaimRecord): string | null {
  if (r.location.vg !== undefined) {
    if (q.tagged === false) return `LV ${q.name} does not carry the tag pve-health gives what it quarantines`;
    if (lvUuidForm(r.location.lvUuid ?? '') !== lvUuidForm(q.location.lvUuid ?? ''))
      return `LV ${q.name} is not the LV pve-health quarantined (LV UUID ${q.location.lvUuid ?? 'unknown'}, recorded ${r.location.lvUuid ?? 'none'})`;
    return null;
  }
  const want = r.location.identity;
  if (want === undefined) return null;
  if (q.location.identity === undefined)
    return `the identity of ${q.name} could not be read, so it cannot be told from the one pve-health quarantined (${want})`;
  if (q.location.identity !== want)
    return `${q.name} is not the volume pve-health quarantined (identity ${q.location.identity}, recorded ${want}): something else has its name now`;
  return null;
}

/**
 * The listing with the journals' verdict: a volume they do not prove quarantined by pve-health keeps its
 * line, with why (`notOurs`), and is never due; a proven one's retention runs from the recorded time.
 */
export function withQuarantineProof(
  list: QuarantinedVolume[],
  records: readonly QuarantineRecord[],
  o: { now: Date; retentionDays: number },
): QuarantinedVolume[] {
  return list.map((q) => {
    const p = quarantineProof(q, records);
    if ('doubt' in p) return { ...q, due: false, notOurs: p.doubt };
    const until = purgeAfter(p.record.since, o.retentionDays);
    return { ...q, since: p.record.since, purgeAfter: until, due: Date.parse(until) <= o.now.getTime() };
  });
}
