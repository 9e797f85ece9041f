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
import { withQuarantineProof } from '../core/reclaim/quarantine-proof';
import {
  isRecordOf,
  quarantinedDmEntries,
  quarantinedLvs,
  quarantinedVolumes,
  withAdoptedNames,
  withRecordedSizes,
} from '../core/reclaim/quarantined';
import type { QuarantinedVolume, QuarantineRecord } from '../core/reclaim/reclaim-types';
import type { Config } from '../core/vocab/config';
import { DEFAULT_RETENTION_DAYS } from '../core/vocab/quarantine-name';
import { COMMAND_KEYS, type HostSnapshot } from '../core/vocab/snapshot';
import type { CheckDocument } from '../core/vocab/types';
import type { Host } from '../host/host';
import { listJournals } from '../host/read-journals';

export interface QuarantineSources {
  /** Quarantined LVs read without the DM part (`volumes` lists every storage, LVM included). */
  lvs?: QuarantinedVolume[];
  /**
   * The reclaim and restore journals' records (a live node's): the proof that pve-health quarantined each
   * (core/reclaim/quarantine-proof.ts), the sizes a listing no longer gives, and the journal that names
   * each volume's own restore command.
   */
  recorded?: () => QuarantineRecord[];
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
  const { found, records } =
    sources.recorded && listed.length ? proven(listed, sources.recorded, o) : { found: listed, records: [] };
  if (found.length)
    doc.quarantine = {
      retentionDays: o.retentionDays,
      ...(doc.volumes ? {} : { scope: 'lvm' as const }),
      volumes: found.map((q) => ({
        volid: q.volid,
        ...(q.subject ? { subject: q.subject } : {}),
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
        ...journalOf(q, records),
        ...(q.notOurs ? { notOurs: q.notOurs } : {}),
        ...(q.namedOn ? { namedOn: q.namedOn } : {}),
      })),
    };
  return doc;
}

/** The listing with the journals' proof; journals that cannot be listed prove nothing (and say why). */
function proven(
  listed: QuarantinedVolume[],
  read: () => QuarantineRecord[],
  o: { now: Date; retentionDays: number },
): { found: QuarantinedVolume[]; records: QuarantineRecord[] } {
  let records: QuarantineRecord[];
  try {
    records = read();
  } catch (e) {
    const why = `the journals could not be read: ${(e as Error).message}`;
    return { found: listed.map((q) => ({ ...q, due: false, notOurs: why })), records: [] };
  }
  const named = withAdoptedNames(withRecordedSizes(listed, records), records);
  return { found: withQuarantineProof(named, records, o), records };
}

/** `{ journal }` of the reclaim run that put it there, when its journal is read (a live node). */
function journalOf(q: QuarantinedVolume, records: QuarantineRecord[]): { journal?: string } {
  const journal = records.find((x) => x.kind === 'reclaim' && x.journal && isRecordOf(q, x))?.journal;
  return journal ? { journal } : {};
}

/**
 * Every quarantine step (`reclaim`) and every undo of one (`unquarantine`, by `restore`) the journals of
 * this node recorded, with its result: the proof that pve-health put a volume where it is
 * (core/reclaim/quarantine-proof.ts). A journal that cannot be used (not ours, not private) proves nothing.
 */
export function recordedQuarantines(host: Pick<Host, 'root'>): QuarantineRecord[] {
  return listJournals(host).journals.flatMap((j) =>
    (j.doc?.actions ?? []).flatMap((a) =>
      (a.kind === 'reclaim' || a.kind === 'unquarantine') && a.reclaim
        ? [{ ...a.reclaim, kind: a.kind, result: a.result, journal: j.path }]
        : [],
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
