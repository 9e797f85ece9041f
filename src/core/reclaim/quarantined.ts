// Volumes in quarantine, recognised by the tool's own marker (quarantine-name.ts) and nothing else:
// an LV of a PVE LVM storage whose name has the quarantine grammar; a ZFS dataset in the pool's
// quarantine dataset, an RBD image or trash entry, or a file in the quarantine directory, each so named
// (the volumes part lists them with `quarantine`). Pure.
import type { LvRow } from '../parse/parse-lvm';
import type { StorageConfig } from '../parse/storage-config';
import { sizeFigures } from '../text/size-figures';
import type { NamedElsewhere } from '../vocab/only-copy';
import { parseQuarantineName, purgeAfter, QUARANTINE_TAG } from '../vocab/quarantine-name';
import type { DmEntry } from '../vocab/types';
import { volumeSubject } from '../vocab/volume-subject';
import type { VolumeEntry } from '../vocab/volume-types';
import type { QuarantinedVolume } from './reclaim-types';

/** The LVM storage an LV lies on (lvmthin: its VG and pool; lvm: its VG, outside any thin pool). */
export function lvmStorageOf(l: Pick<LvRow, 'vg' | 'pool'>, storages: StorageConfig[]): StorageConfig | undefined {
  const inVg = storages.filter((s) => (s.type === 'lvm' || s.type === 'lvmthin') && s.props.vgname === l.vg);
  return (
    inVg.find((s) => s.type === 'lvmthin' && l.pool !== '' && s.props.thinpool === l.pool) ??
    inVg.find((s) => s.type === 'lvm' && l.pool === '')
  );
}

export function quarantinedLvs(
  lvs: LvRow[],
  storages: StorageConfig[],
  o: { now: Date; retentionDays: number },
): QuarantinedVolume[] {
  const out: QuarantinedVolume[] = [];
  for (const l of lvs) {
    const m = parseQuarantineName(l.name);
    if (!m) continue;
    const st = lvmStorageOf(l, storages);
    if (!st) continue;
    const until = purgeAfter(m.since, o.retentionDays);
    out.push({
      volid: `${st.id}:${m.original}`,
      storage: st.id,
      storageType: st.type,
      vmid: vmidOf(m.original),
      name: `${l.vg}/${l.name}${l.tags.includes(QUARANTINE_TAG) ? '' : ' (without its tag)'}`,
      onStorage: l.name,
      active: l.active,
      tagged: l.tags.includes(QUARANTINE_TAG),
      since: m.since,
      purgeAfter: until,
      due: Date.parse(until) <= o.now.getTime(),
      sizeBytes: l.sizeBytes,
      usedBytes: null,
      location: { vg: l.vg, lvUuid: l.uuid },
    });
  }
  return out;
}

export function quarantinedVolumes(
  entries: VolumeEntry[],
  o: { now: Date; retentionDays: number },
): QuarantinedVolume[] {
  const out: QuarantinedVolume[] = [];
  for (const e of entries) {
    if (e.reason !== 'quarantined' || !e.quarantine) continue;
    // A snapshot of a quarantined volume moved in with it (ZFS lists it inside the quarantine dataset):
    // only a snapshot quarantined on its own carries its original name.
    if (e.snapshot !== undefined && e.quarantine.snapshot === undefined) continue;
    const until = purgeAfter(e.quarantine.since, o.retentionDays);
    // A snapshot's entry carries its volume's size: only its used space is its own (size-figures.ts).
    const size = sizeFigures(e);
    out.push({
      volid: e.snapshot === undefined ? e.volid : `${e.volid}@${e.quarantine.snapshot}`,
      ...(e.snapshot === undefined ? {} : { snapshot: true }),
      storage: e.storage,
      storageType: e.type,
      vmid: e.vmid,
      name: e.quarantine.name,
      onStorage: e.quarantine.onStorage,
      since: e.quarantine.since,
      purgeAfter: until,
      due: Date.parse(until) <= o.now.getTime(),
      sizeBytes: size.provisionedBytes,
      usedBytes: size.usedBytes,
      location: { ...e.quarantine.location, ...(e.identity ? { identity: e.identity } : {}) },
      ...(e.quarantine.heldBy?.length ? { heldBy: e.quarantine.heldBy } : {}),
      ...(e.quarantine.namedOn ? { namedOn: e.quarantine.namedOn } : {}),
      ...(e.quarantine.trashDeferment?.startsWith(PROTECTED_UNTIL)
        ? { trashProtectedUntil: e.quarantine.trashDeferment.slice(PROTECTED_UNTIL.length) }
        : {}),
    });
  }
  return out;
}

/**
 * Quarantined LVs as the DM part lists them (ignored, `quarantined`: the name carries the original and
 * since when, quarantine-name.ts), for the outputs of a check document.
 */
export function quarantinedDmEntries(entries: DmEntry[], o: { now: Date; retentionDays: number }): QuarantinedVolume[] {
  const out: QuarantinedVolume[] = [];
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k];
    if (e.reason !== 'quarantined' || !e.vg || !e.lv || !e.storage) continue;
    const m = parseQuarantineName(e.lv);
    if (!m) continue;
    const until = purgeAfter(m.since, o.retentionDays);
    out.push({
      volid: `${e.storage}:${m.original}`,
      storage: e.storage,
      storageType: 'lvm',
      vmid: vmidOf(m.original),
      name: `${e.vg}/${e.lv}`,
      onStorage: e.lv,
      active: e.active,
      since: m.since,
      purgeAfter: until,
      due: Date.parse(until) <= o.now.getTime(),
      sizeBytes: e.sizeBytes,
      usedBytes: null,
      location: { vg: e.vg, ...(e.lvUuid ? { lvUuid: e.lvUuid } : {}) },
      ...(e.quarantineNamedOn ? { namedOn: e.quarantineNamedOn } : {}),
    });
  }
  return out;
}

/** What a reclaim journal recorded of a volume as it went into quarantine (act/journal.ts ReclaimRecord). */
export interface RecordedSize {
  volid: string;
  quarantine: string;
  /** A journal's step: only a quarantine's (`reclaim`) recorded the figures as it went in. */
  kind?: string;
  sizeBytes?: number | null;
  usedBytes?: number | null;
  /** The journal that recorded it: `restore JOURNAL --name VOLID` brings the volume back. */
  journal?: string;
  /** Where it was: a Ceph trash entry reclaim adopted has the entry's trash id here (reclaim-steps.ts). */
  location?: { trashId?: string };
}

/**
 * The record of this quarantined volume: its original volume ID and its quarantine name (which carries
 * the time it went in) — the whole name on the storage, its last path part (a dataset, a file), or the
 * snapshot name after `@` (a snapshot renamed on its own dataset or image: reclaim-steps.ts).
 */
export function isRecordOf(q: Pick<QuarantinedVolume, 'volid' | 'onStorage'>, x: RecordedSize): boolean {
  return x.volid === q.volid && Boolean(x.quarantine) && quarantineLeaf(q.onStorage) === x.quarantine;
}

/** The quarantine name itself: the last component of an LV, dataset, snapshot, image or file name. */
export function quarantineLeaf(onStorage: string): string {
  return onStorage.slice(Math.max(onStorage.lastIndexOf('/'), onStorage.lastIndexOf('@')) + 1);
}

/**
 * A quarantined volume whose listing no longer gives its size keeps the figures its reclaim journal
 * recorded when it went in: an RBD image in the trash (`rbd trash ls --long` has no size, ceph
 * src/tools/rbd/action/Trash.cc do_list; `rbd info` of a trashed image fails). Matched by its original
 * volume ID and its quarantine name, which carries the time it went in (quarantine-name.ts).
 */
export function withRecordedSizes(list: QuarantinedVolume[], recorded: RecordedSize[]): QuarantinedVolume[] {
  return list.map((q) => {
    if (q.sizeBytes !== null || q.snapshot) return q;
    const r = recorded.find(
      (x) => (x.kind === undefined || x.kind === 'reclaim') && typeof x.sizeBytes === 'number' && isRecordOf(q, x),
    );
    return r
      ? { ...q, sizeBytes: r.sizeBytes ?? null, usedBytes: q.usedBytes ?? r.usedBytes ?? null, sizeRecorded: true }
      : q;
  });
}

/**
 * What a reclaim journal's record names: a Ceph trash entry reclaim adopted (reclaim-steps.ts
 * trashAdoption records the entry's trash id; an image reclaim moved to the trash itself has none in its
 * record) by the name it had, `VOLID#trash:<id>` (vocab/volume-subject.ts), else its volume ID.
 */
export function recordSubject(r: Pick<RecordedSize, 'volid' | 'location'>): string {
  const id = r.location?.trashId;
  return id ? volumeSubject({ volid: r.volid, trash: { id } }) : r.volid;
}

/**
 * A quarantined Ceph trash entry reclaim adopted keeps the name it had in every list (`subject`), so the
 * list, `restore JOURNAL --name` and `reclaim --purge --name` name it alike. Only its journal tells it
 * from an image reclaim moved to the trash (both are USER entries under a quarantine name now), so
 * without the journals (--demo, --from) it is listed by its volume ID. The image keeps its id in the
 * trash (librbd api/Trash.cc), so the recorded id is the one `rbd trash ls` shows now.
 */
export function withAdoptedNames(list: QuarantinedVolume[], recorded: RecordedSize[]): QuarantinedVolume[] {
  return list.map((q) => {
    if (q.snapshot) return q;
    const r = recorded.find(
      (x) => (x.kind === undefined || x.kind === 'reclaim') && x.location?.trashId && isRecordOf(q, x),
    );
    return r ? { ...q, subject: recordSubject(r) } : q;
  });
}

/** ceph src/tools/rbd/action/Trash.cc delete_status: the deferment of an entry not yet expired. */
const PROTECTED_UNTIL = 'protected until ';

function vmidOf(name: string): number | null {
  const m = /^(?:vm|base|subvol|basevol)-(\d+)-/.exec(name) ?? /^(\d+)[./]/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Each quarantined volume of a local storage whose volume ID a guest config of another node names
 * (only-copy.ts): `namedOn`, as the volumes part records it on its entries, the DM part on a quarantined
 * LV's (`quarantineNamedOn`: reclaim lists LVs from `lvs` rows), or reclaim's own read of the configs says,
 * so the plan's listing holds its purge behind the look at that node and `reclaim --purge` refuses it.
 */
export function withNamedElsewhere(
  quarantined: QuarantinedVolume[],
  input: { storages: StorageConfig[]; namedElsewhere: ReadonlyMap<string, NamedElsewhere>; dm?: DmEntry[] | null },
): QuarantinedVolume[] {
  const shared = new Set(input.storages.filter((s) => s.shared).map((s) => s.id));
  const byLv = new Map<string, NamedElsewhere>();
  for (const e of input.dm ?? []) if (e.quarantineNamedOn) byLv.set(`${e.vg}/${e.lv}`, e.quarantineNamedOn);
  return quarantined.map((q) => {
    if (q.namedOn) return q;
    const on =
      byLv.get(`${q.location.vg}/${q.onStorage}`) ??
      (shared.has(q.storage) ? undefined : input.namedElsewhere.get(q.volid));
    return on ? { ...q, namedOn: on } : q;
  });
}
