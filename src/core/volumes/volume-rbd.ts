// Ceph RBD at depth: the pool's images as `rbd ls -l` lists them (RBDPlugin.pm rbd_ls), plus what that
// listing does not show — images in the RBD trash, images the pool's directory still names but that
// cannot be opened (an `rbd rm` that did not finish), and the watchers of an image that would otherwise
// be an orphan. Pure. Sources: pve-storage RBDPlugin.pm (rbd_ls, free_image), ceph src/tools/rbd/action
// List.cc, Trash.cc, Status.cc; src/librbd/api/Image.cc (remove moves the image to the trash as
// REMOVING, then removes it; list_images lists such "partially removed" images by name, so `rbd ls -l`
// names them on stderr when it cannot open them; remove by name finishes them) and librbd.cc
// RBD::trash_list (hides REMOVING entries from `rbd trash ls`).

import { parseRbdStatus, parseRbdTrashList, type RbdTrashEntry } from '../parse/rbd-depth';
import type { StorageConfig } from '../parse/storage-config';
import { parseRbdList } from '../parse/volume-listing';
import { parseQuarantineName } from '../vocab/quarantine-name';
import type { VolumeEntry, VolumesRaw } from '../vocab/volume-types';
import { commandError, isUnsupportedSubcommand, type ListedVolume } from './listed-volume';
import { rbdUseKey } from './rbd-backing';
import { rbdRemnantVerdict, rbdVmidOf, unopened, unopenedVolumes } from './volume-rbd-removal';
import { poolOf, type RbdFlags, rbdArgs, rbdOperand } from './volume-rbd-trash';

export type { RbdFlags };
export { rbdArgs, rbdOperand, rbdRemnantVerdict };

const vmidOf = rbdVmidOf;

/** The key of one image's `rbd status` in VolumesRaw.rbdStatus. */
export const rbdStatusKey = (storage: string, image: string): string => `${storage}/${image}`;

function imageEntry(st: StorageConfig, raw: VolumesRaw, r: ReturnType<typeof parseRbdList>[number]): ListedVolume {
  const pool = poolOf(st);
  const vmid = vmidOf(r.image);
  if (r.snapshot !== null) {
    const snapMap = raw.rbdDevices?.[`${pool}/${r.image}@${r.snapshot}`];
    return {
      volname: r.image,
      own: r.image,
      vmid,
      format: null,
      snapshot: r.snapshot,
      sizeBytes: r.size,
      usedBytes: null,
      devices: snapMap ? [`/dev/${snapMap}`] : [],
      useKeys: [rbdUseKey(pool, st.props.namespace, r.image, r.snapshot)],
      ...(snapMap ? { mapped: true } : {}),
    };
  }
  const clone = r.parent && r.parent.snapshot === '__base__' && r.parent.pool === pool ? r.parent.image : null;
  const kname = raw.rbdDevices?.[`${pool}/${r.image}`];
  const status = raw.rbdStatus?.[rbdStatusKey(st.id, r.image)];
  return {
    volname: clone ? `${clone}/${r.image}` : r.image,
    own: r.image,
    vmid,
    format: 'raw',
    sizeBytes: r.size,
    usedBytes: null,
    ...(clone ? { baseOf: clone } : {}),
    devices: kname ? [`/dev/${kname}`] : [],
    useKeys: [rbdUseKey(pool, st.props.namespace, r.image)],
    lockType: r.lockType,
    ...(r.id ? { identity: r.id } : {}),
    ...(kname ? { mapped: true } : {}),
    ...(status ? { watch: readWatch(status) } : {}),
  };
}

function readWatch(out: NonNullable<VolumesRaw['rbdStatus']>[string]): NonNullable<ListedVolume['watch']> {
  const err = commandError(out, 'rbd status');
  if (err) return isUnsupportedSubcommand(out) ? { error: err, unsupported: true } : { error: err };
  try {
    return { watchers: parseRbdStatus(out.stdout) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * One rbd storage: `rbd ls -l` (failing for the pool: the storage is UNKNOWN, never "no images"), the
 * images it could not open (its stderr), and the trash (`incomplete` when it could not be read: the
 * listed images keep their verdicts, the storage is UNKNOWN).
 */
export function listRbd(
  st: StorageConfig,
  raw: VolumesRaw,
): { error?: string; incomplete?: string; notes?: string[]; volumes: ListedVolume[] } {
  const out = raw.rbd[st.id];
  const err = commandError(out, 'rbd ls');
  if (err) {
    const stderr = out?.code === 0 ? '' : (out?.stderr ?? '');
    const named = unopenedVolumes(stderr, new Set());
    // ceph 16.2 fails the whole listing for an interrupted removal (see unopened): the storage stays
    // UNKNOWN, but the images it could not open are facts of their own, each with its verdict (so the
    // removal that blinds the listing can be finished with reclaim's checks).
    const why = err + unopened(st, stderr);
    return named.length ? { incomplete: why, volumes: named } : { error: why, volumes: [] };
  }
  // `__base__` is the base's own clone anchor (create_base): part of the base volume, never listed alone.
  const rows = parseRbdList(out.stdout);
  // Snapshots a clone in this pool was made from (its parent): never renamed or removed alone.
  const parents = new Set(
    rows.flatMap((r) => (r.parent ? [`${r.parent.pool}/${r.parent.image}@${r.parent.snapshot}`] : [])),
  );
  const volumes = rows.filter((r) => r.snapshot !== '__base__').map((r) => imageEntry(st, raw, r));
  for (const v of volumes)
    if (v.snapshot !== undefined && parents.has(`${poolOf(st)}/${v.own}@${v.snapshot}`)) v.cloneOrigin = true;
  const live = new Set<string>();
  for (const v of volumes) {
    if (v.snapshot) continue;
    if (live.has(v.own)) throw new Error(`rbd ls printed ${v.own} twice: the output cannot be trusted`);
    live.add(v.own);
  }
  volumes.push(...unopenedVolumes(out.stderr, live));
  const trashOut = raw.rbdTrash?.[st.id];
  // An rbd without `trash` (it refused the subcommand, not the cluster): the listing stands, and the
  // output says the trash was not looked at.
  if (isUnsupportedSubcommand(trashOut))
    return {
      volumes,
      notes: [
        `${st.id}: images in the Ceph trash are not checked: this rbd has no 'trash ls' (${(trashOut?.stderr ?? '').trim().split('\n')[0]})`,
      ],
    };
  let incomplete = commandError(trashOut, 'rbd trash ls') ?? undefined;
  let trash: RbdTrashEntry[] = [];
  if (!incomplete && trashOut)
    try {
      trash = parseRbdTrashList(trashOut.stdout);
    } catch (e) {
      incomplete = (e as Error).message;
    }
  const halfRemoved = new Set(volumes.filter((v) => v.openError).map((v) => v.own));
  const names = new Map<string, number>();
  for (const t of trash) names.set(t.name, (names.get(t.name) ?? 0) + 1);
  for (const t of trash) {
    // The same interrupted removal seen twice (rbd ls lists REMOVING trash entries by name): one entry.
    if (t.source === 'REMOVING' && halfRemoved.has(t.name)) continue;
    volumes.push({
      volname: t.name,
      own: t.name,
      vmid: vmidOf(t.name),
      format: 'raw',
      sizeBytes: null,
      usedBytes: null,
      devices: [],
      useKeys: [rbdUseKey(poolOf(st), st.props.namespace, t.name)],
      identity: t.id,
      trash: { ...t, nameInUse: live.has(t.name), ...((names.get(t.name) ?? 0) > 1 ? { nameShared: true } : {}) },
    });
  }
  for (const v of volumes) markQuarantined(v, st);
  return incomplete ? { incomplete, volumes } : { volumes };
}

/**
 * reclaim's quarantine: an image renamed to the quarantine grammar (`rbd rename`), then moved to the
 * trash by the user (`rbd trash mv --expires-at`): either is in quarantine, by its name alone.
 */
function markQuarantined(v: ListedVolume, st: StorageConfig): void {
  if (v.snapshot !== undefined) {
    // A snapshot renamed by reclaim (`rbd snap rename IMG@SNAP IMG@pve-health-q.<time>.SNAP`): still on its image.
    const m = parseQuarantineName(v.snapshot);
    if (!m) return;
    const at = `${v.own}@${v.snapshot}`;
    const ns = st.props.namespace;
    v.useKeys = [rbdUseKey(poolOf(st), ns, v.own, v.snapshot), rbdUseKey(poolOf(st), ns, v.own, m.original)];
    v.quarantine = {
      ...m,
      name: `${poolOf(st)}/${at}`,
      onStorage: at,
      location: { pool: poolOf(st), snapshotOf: v.own },
    };
    return;
  }
  if (v.openError || (v.trash && v.trash.source !== 'USER')) return;
  const m = parseQuarantineName(v.own);
  if (!m) return;
  v.vmid = vmidOf(m.original);
  v.volname = m.original;
  // An overlay written before the quarantine names the image by the name it had.
  v.useKeys = [rbdUseKey(poolOf(st), st.props.namespace, v.own), rbdUseKey(poolOf(st), st.props.namespace, m.original)];
  v.quarantine = {
    ...m,
    name: v.trash ? `${poolOf(st)} trash ${v.trash.id} (${v.own})` : `${poolOf(st)}/${v.own}`,
    onStorage: v.own,
    location: { pool: poolOf(st), ...(v.trash ? { trashId: v.trash.id } : {}) },
    ...(v.trash?.deferment ? { trashDeferment: v.trash.deferment } : {}),
  };
}

/**
 * Watchers of an image that would otherwise be an orphan (`rbd status`): a watcher is a client that has
 * it open — a kvm on another node through librbd, a krbd map anywhere — so it is never one to free. An
 * image nobody asked about, or whose status failed, is UNKNOWN, never an orphan. A krbd map on this node
 * already says it is open; an exclusive lock is asked too (it outlives its owner: staleLock).
 */
export function watchVerdict(e: VolumeEntry, v: ListedVolume, st: StorageConfig): RbdFlags {
  const w = v.watch;
  if (w && 'watchers' in w && w.watchers.length > 0) {
    e.watchers = w.watchers.map((x) => x.address);
    e.open = true;
    e.detail += `; watched by ${e.watchers.join(', ')} (a client has it open, e.g. a guest on another node through librbd)`;
    return { protect: ['rbd-watcher'], pending: [] };
  }
  if (!needsWatchers(e, v)) return { protect: [], pending: [] };
  if (w && 'watchers' in w) {
    e.watchers = [];
    e.detail += '; no client watches it (rbd status)';
    if (v.lockType)
      e.detail += `; its ${v.lockType} lock is stale: its owner no longer watches the image (librbd breaks such a lock when the next client takes it)`;
    return { protect: [], pending: [] };
  }
  // A lock whose watchers could not be read still says a client has it open (flags: rbd-lock).
  if (v.lockType) return { protect: [], pending: [] };
  // Any failure — an rbd without `status` ("unsupported") too — is not "no watchers": a guest on another
  // node may have it open through librbd, and nothing else here can say so.
  const unsupported = w && 'unsupported' in w && w.unsupported ? ", this rbd has no 'status'" : '';
  e.status = 'unknown';
  e.reason = 'watchers-unread';
  e.detail += `; whether a client has it open could not be read (${w && 'error' in w ? w.error : 'rbd status was not asked'}${unsupported})`;
  delete e.hint;
  delete e.steps;
  return { protect: [], pending: [] };
}

/** An RBD image the verdict would call an orphan, with nothing yet saying it is open: rbd status decides. */
export function needsWatchers(e: VolumeEntry, v: ListedVolume): boolean {
  return (
    e.type === 'rbd' &&
    e.status === 'orphan' &&
    !v.snapshot &&
    !v.trash &&
    !v.openError &&
    !v.mapped &&
    e.holders.length === 0
  );
}

/** An exclusive lock whose image `rbd status` read with no watcher at all: its owner is gone. */
export function staleLock(v: ListedVolume): boolean {
  return !!v.lockType && !!v.watch && 'watchers' in v.watch && v.watch.watchers.length === 0;
}

/** What says an RBD image is open (volume-verdict.ts flags, watchVerdict): a process, a lock, a krbd map, a watcher. */
const IMAGE_OPEN = new Set(['open', 'mounted', 'rbd-lock', 'krbd-mapped', 'rbd-watcher']);

/**
 * An orphan RBD snapshot is judged by whether its image is open too (volume-verdict.ts flags, watchVerdict;
 * asked only of images no config names): a client with the image open — a guest of another cluster on the
 * same pool, a krbd map, a lock's owner — may own its snapshots, and removing one breaks that guest's
 * rollback; an image whose watchers could not be read leaves its snapshots as unknown as itself.
 */
export function rbdSnapshotsFollowImage(entries: VolumeEntry[]): void {
  const images = new Map(entries.filter((e) => e.type === 'rbd' && e.snapshot === undefined).map((e) => [e.volid, e]));
  for (const e of entries) {
    const image = e.type === 'rbd' && e.snapshot !== undefined && e.status === 'orphan' ? images.get(e.volid) : null;
    if (!image) continue;
    if (image.open) {
      // Only what says it is open (holders, a mount, a lock, a krbd map, a watcher) passes to the snapshot:
      // the image's other reasons (an HA move of its VMID, say) are judged for the snapshot on its own.
      const openBy = image.protectedBy.filter((p) => IMAGE_OPEN.has(p));
      e.protected = true;
      e.protectedBy = [...new Set([...e.protectedBy, ...openBy])].sort();
      e.detail += image.watchers?.length
        ? `; its image is watched by ${image.watchers.join(', ')} (a client has it open)`
        : `; its image is open (${openBy.join(', ')})`;
    } else if (image.reason === 'watchers-unread') {
      e.status = 'unknown';
      e.reason = 'watchers-unread';
      e.detail += '; whether a client has its image open could not be read';
    } else continue;
    delete e.hint;
    delete e.steps;
  }
}
