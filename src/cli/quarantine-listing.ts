// What is in pve-health's quarantine, listed on the check document so every output shows it (what,
// where it is now, since when, when it may be purged, its space) and none counts it as an orphan: the
// DM part lists quarantined LVs and the volumes part quarantined datasets, images, trash entries and
// files as ignored (`quarantined`); the purge date needs the clock and `[reclaim] retention_days`,
// which the core does not read, so the listing is made here. Its size figures are the ones every
// output shows (core/text/size-figures.ts); a volume whose listing gives none any more (an RBD image in
// the trash) keeps what its reclaim journal recorded when it went in; on a live node each volume names
// that journal, for its own `restore JOURNAL --name VOLID`.

import { parseLvs } from '../core/parse/parse-lvm';
import type { StorageConfig } from '../core/parse/storage-config';
import {
  isRecordOf,
  quarantinedDmEntries,
  quarantinedLvs,
  quarantinedVolumes,
  type RecordedSize,
  withRecordedSizes,
} from '../core/reclaim/quarantined';
import type { QuarantinedVolume } from '../core/reclaim/reclaim-types';
import type { Config } from '../core/vocab/config';
import { DEFAULT_RETENTION_DAYS } from '../core/vocab/quarantine-name';
import { COMMAND_KEYS, type HostSnapshot } from '../core/vocab/snapshot';
import type { CheckDocument } from '../core/vocab/types';
import type { Host } from '../host/host';
import { listJournals } from '../host/read-journals';

export interface QuarantineSources {
  /** Quarantined LVs read without the DM part (`volumes` lists every storage, LVM included). */
  lvs?: QuarantinedVolume[];
  /** The reclaim journals' records (a live node's), read only when something is in quarantine. */
  recorded?: () => RecordedSize[];
}

export function withQuarantine(
  doc: CheckDocument,
  now: Date,
  config?: Config,
  sources: QuarantineSources = {},
): CheckDocument {
  const o = { now, retentionDays: config?.reclaim?.retention_days ?? DEFAULT_RETENTION_DAYS };
  const listed = [
    ...(doc.dm ? quarantinedDmEntries(doc.dm.entries, o) : doc.volumes ? (sources.lvs ?? []) : []),
    ...quarantinedVolumes(doc.volumes?.entries ?? [], o),
  ];
  // The journals hold the sizes a listing no longer gives, and name each volume's restore command.
  const recorded =
    listed.length && sources.recorded ? readRecorded(sources.recorded, { sizeNeeded: listed.some(lacksSize) }) : [];
  const found = listed.some(lacksSize) ? withRecordedSizes(listed, recorded) : listed;
  if (found.length)
    doc.quarantine = {
      retentionDays: o.retentionDays,
      ...(doc.volumes ? {} : { scope: 'lvm' as const }),
      volumes: found.map((q) => ({
        volid: q.volid,
        storage: q.storage,
        vmid: q.vmid,
        name: q.name,
        since: q.since,
        purgeAfter: q.purgeAfter,
        due: q.due,
        sizeBytes: q.sizeBytes,
        usedBytes: q.usedBytes,
        ...(q.snapshot ? { snapshot: q.snapshot } : {}),
        ...(q.sizeRecorded ? { sizeRecorded: q.sizeRecorded } : {}),
        ...journalOf(q, recorded),
      })),
    };
  return doc;
}

const lacksSize = (q: QuarantinedVolume) => q.sizeBytes === null && !q.snapshot;

/**
 * The journals' records. A size needed from them fails as it always did when they cannot be read; without
 * that need, an unreadable journal directory costs only the per-volume restore command: each row offers
 * `restore --list` instead, which says what is wrong with the directory.
 */
function readRecorded(read: () => RecordedSize[], o: { sizeNeeded: boolean }): RecordedSize[] {
  try {
    return read();
  } catch (e) {
    if (o.sizeNeeded) throw e;
    return [];
  }
}

/** `{ journal }` of the reclaim run that put it there, when its journal is read (a live node). */
function journalOf(q: QuarantinedVolume, recorded: RecordedSize[]): { journal?: string } {
  const journal = recorded.find((x) => x.journal && isRecordOf(q, x))?.journal;
  return journal ? { journal } : {};
}

/** What every reclaim journal of this node recorded of each volume it quarantined, and which journal (unreadable ones: nothing). */
export function recordedSizes(host: Pick<Host, 'root'>): RecordedSize[] {
  return listJournals(host).journals.flatMap((j) =>
    (j.doc?.command === 'reclaim' ? j.doc.actions : []).flatMap((a) =>
      a.kind === 'reclaim' && a.reclaim ? [{ ...a.reclaim, journal: j.path }] : [],
    ),
  );
}

/** The quarantined LVs of the snapshot's `lvs` rows (none when lvs failed: `check`'s DM part says why). */
export function snapshotLvs(
  snap: HostSnapshot,
  storages: StorageConfig[],
  o: { now: Date; retentionDays: number; vmids?: number[] },
): QuarantinedVolume[] {
  const lvs = snap.commands[COMMAND_KEYS.lvs];
  if (lvs?.code !== 0 || lvs.error) return [];
  let rows: ReturnType<typeof parseLvs>;
  try {
    rows = parseLvs(lvs.stdout);
  } catch {
    return [];
  }
  const all = quarantinedLvs(rows, storages, o);
  return o.vmids?.length ? all.filter((q) => q.vmid !== null && o.vmids?.includes(q.vmid)) : all;
}
