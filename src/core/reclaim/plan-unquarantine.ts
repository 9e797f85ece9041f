// `restore JOURNAL` of a reclaim run: each quarantined volume back under its original name, decided
// from the journal and a fresh look (pure). Only what the journal says was done is undone; the volume
// is found by identity where the storage has one (an LV by its LV UUID, an RBD trash entry by its id,
// a dataset or file by its quarantine name, which has the run's time in it); a volume whose original
// name is taken now is never renamed over it. Steps in reverse order of the quarantine; a CT's dataset
// is mounted again after its rename back (zfs does not mount it: it leaves a `mountpoint=none` parent).
import type { LvRow } from '../parse/parse-lvm';
import type { StorageConfig } from '../parse/storage-config';
import { QUARANTINE_DIR, QUARANTINE_TAG } from '../vocab/quarantine-name';
import type { VolumeEntry } from '../vocab/volume-types';
import { btrfsRawDir } from '../volumes/volume-storages';
import { type HostCommands, lvUuidForm } from './reclaim-steps';
import type { ReclaimAction, ReclaimRecord, ReclaimStep } from './reclaim-types';
import { snapshotUndo } from './unquarantine-snapshot';

/** The journal's record of one quarantine step as restore reads it: the record, the entry's volume and its result. */
export interface RestoreRecord extends ReclaimRecord {
  storage: string;
  vmid: number | null;
  guestType: 'qemu' | 'lxc' | null;
  result: string;
}

export interface UnquarantineFacts {
  storages: StorageConfig[];
  lvs: LvRow[] | null;
  volumes: VolumeEntry[];
  commands: HostCommands;
  /** ZFS: the datasets of the pools (zfs list) and whether each is mounted at its mountpoint (mountinfo). */
  datasets?: DatasetState[];
  /** The storages this look did not list whole (partial-listings.ts), with why. */
  unlisted?: ReadonlyMap<string, string>;
}

/** A ZFS dataset as restore needs it: `zfs list` type and mountpoint, and mounted there now. */
export interface DatasetState {
  name: string;
  type: string;
  /** The mountpoint property's value (`/rpool/data/subvol-…`, `none`, `legacy`); null for a zvol. */
  mountpoint: string | null;
  /** The host's mount table has the dataset (fstype zfs) at its mountpoint. */
  mounted: boolean;
}

/** The datasets of a `zfs list` with their mount state from the host's mount table (source → targets). */
export function datasetStates(
  listing: readonly { name: string; type: string; mountpoint: string | null }[],
  zfsMounts: ReadonlyMap<string, readonly string[]>,
): DatasetState[] {
  return listing
    .filter((d) => d.type === 'filesystem' || d.type === 'volume')
    .map((d) => ({
      name: d.name,
      type: d.type,
      mountpoint: d.mountpoint,
      mounted: d.mountpoint !== null && (zfsMounts.get(d.name) ?? []).includes(d.mountpoint),
    }));
}

/** `unchecked`: not judged because its storage could not be listed whole (restore exits 3). */
export type Undo = { ok: true; action: ReclaimAction } | { ok: false; volid: string; why: string; unchecked?: true };

const plain = (id: string) => id.replace(/-/g, '');

/** The journal's done quarantine steps, one group per volume, in the order the volumes were quarantined. */
export function groupRecords(records: RestoreRecord[]): RestoreRecord[][] {
  const by = new Map<string, RestoreRecord[]>();
  for (const r of records) {
    if (r.result !== 'done') continue;
    by.set(r.volid, [...(by.get(r.volid) ?? []), r]);
  }
  return [...by.values()];
}

export function planUnquarantine(group: RestoreRecord[], f: UnquarantineFacts): Undo {
  const r = group[0];
  const st = f.storages.find((s) => s.id === r.storage);
  if (!st) return { ok: false, volid: r.volid, why: `storage ${r.storage} is no longer in storage.cfg` };
  // A listing that is not whole proves neither that the quarantined volume is gone ("purged") nor that its
  // original name is free (an unmounted NFS share lists nothing): not judged, said so, nothing done.
  const gap = f.unlisted?.get(st.id);
  if (gap !== undefined)
    return {
      ok: false,
      volid: r.volid,
      unchecked: true,
      why: `storage ${st.id} could not be listed whole (${gap}): not judged, nothing done; run the restore again once it lists`,
    };
  const done = new Set(group.map((g) => g.op));
  const steps =
    r.location.snapshotOf !== undefined
      ? snapshotUndo(r, st, f)
      : r.location.vg !== undefined
        ? lvmUndo(r, done, f)
        : st.type === 'zfspool'
          ? zfsUndo(r, done, f)
          : st.type === 'rbd'
            ? rbdUndo(r, st, f)
            : fileUndo(r, f);
  if ('why' in steps) return { ok: false, volid: r.volid, why: steps.why };
  if (steps.steps.length === 0)
    return { ok: false, volid: r.volid, why: 'already under its original name: nothing to undo' };
  return {
    ok: true,
    action: {
      volid: r.volid,
      storage: st.id,
      storageType: st.type,
      shared: st.shared,
      vmid: r.vmid,
      guestType: r.guestType,
      status: 'ignored',
      reason: 'quarantined',
      why: `quarantined by pve-health since ${r.since}`,
      evidence: [],
      sizeBytes: null,
      usedBytes: null,
      original: r.original,
      quarantine: r.quarantine,
      since: r.since,
      purgeAfter: r.purgeAfter,
      location: r.location,
      steps: steps.steps,
      guestLocks: r.vmid !== null ? [{ vmid: r.vmid, type: r.guestType }] : [],
    },
  };
}

type Steps = { steps: ReclaimStep[] } | { why: string };

function lvmUndo(r: RestoreRecord, done: Set<string>, f: UnquarantineFacts): Steps {
  if (!f.lvs) return { why: 'the LV list could not be read' };
  const vg = r.location.vg as string;
  const id = plain(r.location.lvUuid ?? '');
  const lv = f.lvs.find((l) => plain(l.uuid) === id);
  if (!lv) return { why: `LV UUID ${r.location.lvUuid} no longer exists (purged or removed)` };
  if (lv.vg !== vg || (lv.name !== r.quarantine && lv.name !== r.original))
    return { why: `the LV is now ${lv.vg}/${lv.name}` };
  const sel = ['--select', `lv_uuid=${lvUuidForm(id)}`];
  const steps: ReclaimStep[] = [];
  if (lv.name === r.quarantine) {
    const taken = f.lvs.find((l) => l.vg === vg && l.name === r.original);
    if (taken)
      return { why: `an LV named ${vg}/${r.original} exists now (LV UUID ${taken.uuid}): never renamed over it` };
    steps.push({
      op: 'lv-rename',
      effect: `rename LV ${vg}/${r.quarantine} back to ${r.original}`,
      command: ['lvrename', vg, r.quarantine, r.original],
    });
  }
  // Only while the tag is there: a second restore then finds nothing to undo (the real LVM run showed
  // a second `lvchange --deltag` planned for ever).
  if (lv.tags.includes(QUARANTINE_TAG))
    steps.push({
      op: 'lv-deltag',
      effect: `remove the tag ${QUARANTINE_TAG}`,
      command: ['lvchange', '--deltag', QUARANTINE_TAG, ...sel, `${vg}/${r.original}`],
    });
  if (done.has('lv-deactivate') && !lv.active)
    steps.push({
      op: 'lv-activate',
      effect: `activate LV ${vg}/${r.original} again (it was active)`,
      command: ['lvchange', '-ay', ...sel, `${vg}/${r.original}`],
    });
  return { steps };
}

/** A volume entry (not quarantined) that already has the original name on the storage. */
function originalTaken(r: RestoreRecord, f: UnquarantineFacts): VolumeEntry | undefined {
  return f.volumes.find(
    (e) =>
      e.storage === r.storage &&
      !e.quarantine &&
      !e.snapshot &&
      (e.volid === `${r.storage}:${r.original}` || e.volid.endsWith(`/${r.original}`)),
  );
}

function quarantinedEntry(r: RestoreRecord, f: UnquarantineFacts, onStorage: string): VolumeEntry | undefined {
  return f.volumes.find((e) => e.storage === r.storage && e.quarantine?.onStorage === onStorage && !e.snapshot);
}

function zfsUndo(r: RestoreRecord, done: Set<string>, f: UnquarantineFacts): Steps {
  const pool = r.location.pool ?? '';
  const q = `${pool}/${QUARANTINE_DIR}/${r.quarantine}`;
  const back = `${pool}/${r.original}`;
  const here = quarantinedEntry(r, f, q);
  if (!here) {
    if (!originalTaken(r, f)) return { why: `${q} is not in the listing (purged or moved)` };
    // Back under its name (the rename of this restore, or of an earlier one): a filesystem the
    // quarantine unmounted and zfs did not mount again is mounted, as PVE would on activation.
    const ds = f.datasets?.find((d) => d.name === back);
    const unmounted = done.has('zfs-rename') && ds?.type === 'filesystem' && isPath(ds.mountpoint) && !ds.mounted;
    return { steps: unmounted ? [mountStep(back, ds.mountpoint as string)] : [] };
  }
  if (originalTaken(r, f)) return { why: `${back} exists now: never renamed over it` };
  const steps: ReclaimStep[] = [];
  if (done.has('zfs-readonly'))
    steps.push({
      op: 'zfs-inherit-readonly',
      effect: `make ${q} writable again (readonly inherited, as PVE leaves it)`,
      command: ['zfs', 'inherit', 'readonly', q],
    });
  steps.push({
    op: 'zfs-rename',
    effect: `rename ${q} back to ${back}`,
    command: ['zfs', 'rename', q, back],
  });
  const mp = mountpointAfterRename(f.datasets ?? [], { q, pool, original: r.original });
  if (mp) steps.push(mountStep(back, mp));
  return { steps };
}

const isPath = (mp: string | null | undefined): mp is string => typeof mp === 'string' && mp.startsWith('/');

/**
 * Where a quarantined filesystem will be mounted once renamed back (null: a zvol, or no mountpoint). In
 * quarantine it shows `none`, inherited from the quarantine dataset (`mountpoint=none`); back in the pool
 * it inherits the pool's mountpoint plus its name (zfsprops(7) mountpoint), as PVE's subvols do
 * (ZFSPoolPlugin.pm alloc_image sets no mountpoint). A mountpoint set on the dataset itself stays.
 */
function mountpointAfterRename(
  datasets: DatasetState[],
  o: { q: string; pool: string; original: string },
): string | null {
  const ds = datasets.find((d) => d.name === o.q);
  if (ds?.type !== 'filesystem') return null;
  if (isPath(ds.mountpoint)) return ds.mountpoint;
  if (ds.mountpoint !== 'none') return null;
  const parent = datasets.find((d) => d.name === o.pool)?.mountpoint;
  return isPath(parent) ? `${parent.replace(/\/$/, '')}/${o.original}` : null;
}

/** ZFSPoolPlugin.pm activate_volume: a subvol not mounted is mounted (`zfs mount`) before PVE uses it. */
function mountStep(dataset: string, at: string): ReclaimStep {
  return {
    op: 'zfs-mount',
    effect: `mount ${dataset} at ${at} (zfs does not mount it when it leaves the unmounted quarantine; PVE's activate_volume mounts a subvol the same way)`,
    command: ['zfs', 'mount', dataset],
  };
}

function rbdUndo(r: RestoreRecord, st: StorageConfig, f: UnquarantineFacts): Steps {
  const here = quarantinedEntry(r, f, r.quarantine);
  if (!here)
    return originalTaken(r, f)
      ? { steps: [] }
      : { why: `${r.quarantine} is neither an image nor in the trash (purged?)` };
  if (originalTaken(r, f)) return { why: `an image ${r.original} exists now: never restored over it` };
  const rbd = f.commands.rbd(st);
  const trashId = here.quarantine?.location.trashId;
  if (trashId)
    return {
      steps: [
        {
          op: 'rbd-trash-restore',
          effect: `restore trash entry ${trashId} as ${r.original}`,
          command: [...rbd, 'trash', 'restore', '--image', r.original, trashId],
        },
      ],
    };
  return {
    steps: [
      {
        op: 'rbd-rename',
        effect: `rename image ${r.quarantine} back to ${r.original}`,
        command: [...rbd, 'rename', r.quarantine, r.original],
      },
    ],
  };
}

function fileUndo(r: RestoreRecord, f: UnquarantineFacts): Steps {
  const path = r.location.path ?? '';
  const q = `${path}/images/${QUARANTINE_DIR}/${r.quarantine}`;
  const here = quarantinedEntry(r, f, q);
  if (!here) return originalTaken(r, f) ? { steps: [] } : { why: `${q} is not there (purged or moved)` };
  // A btrfs raw disk goes back as its subvolume `<vmid>/<name>/` (volume-storages.ts btrfsRawDir).
  const back = `${path}/images/${btrfsRawDir(r.original, r.storageType) ?? r.original}`;
  if (originalTaken(r, f)) return { why: `${back} exists now: never replaced` };
  return {
    steps: [{ op: 'file-move', effect: `rename ${q} back to ${back}`, command: f.commands.moveFile(q, back) }],
  };
}
