// Ceph RBD at depth: the pool's images as `rbd ls -l` lists them (RBDPlugin.pm rbd_ls), plus what that
// listing does not show — images in the RBD trash, images the pool's directory still names but that
// cannot be opened (an `rbd rm` that did not finish), and the watchers of an image that would otherwise
// be an orphan. Pure. Sources: pve-storage RBDPlugin.pm (rbd_ls, free_image), ceph src/tools/rbd/action
// List.cc, Trash.cc, Status.cc; src/librbd/api/Image.cc (remove moves the image to the trash as
// REMOVING, then removes it; list_images lists such "partially removed" images by name, so `rbd ls -l`
// names them on stderr when it cannot open them; remove by name finishes them) and librbd.cc
// RBD::trash_list (hides REMOVING entries from `rbd trash ls`).
import { parseRbdListErrors, parseRbdStatus, parseRbdTrashList, type RbdTrashEntry } from '../parse/rbd-depth';
import type { StorageConfig } from '../parse/storage-config';
import { parseRbdList } from '../parse/volume-listing';
import type { VolumeEntry, VolumesRaw } from '../volume-types';
import { commandError, isUnsupportedSubcommand, type ListedVolume } from './listed-volume';

const RBD_NAME = /^(?:vm|base)-(\d+)-\S+$/;

const vmidOf = (image: string): number | null => {
  const m = RBD_NAME.exec(image);
  return m ? Number(m[1]) : null;
};

const poolOf = (st: StorageConfig): string => st.props.pool ?? 'rbd';

/** `rbd -p POOL [--namespace NS]`: the start of every rbd command named in a hint. */
function rbdCmd(st: StorageConfig): string {
  return `rbd -p ${poolOf(st)}${st.props.namespace ? ` --namespace ${st.props.namespace}` : ''}`;
}

/** The key of one image's `rbd status` in VolumesRaw.rbdStatus. */
export const rbdStatusKey = (storage: string, image: string): string => `${storage}/${image}`;

function imageEntry(st: StorageConfig, raw: VolumesRaw, r: ReturnType<typeof parseRbdList>[number]): ListedVolume {
  const pool = poolOf(st);
  const vmid = vmidOf(r.image);
  if (r.snapshot !== null)
    return {
      volname: r.image,
      own: r.image,
      vmid,
      format: null,
      snapshot: r.snapshot,
      sizeBytes: r.size,
      usedBytes: null,
      devices: [],
    };
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
    lockType: r.lockType,
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
  if (err) return { error: err, volumes: [] };
  // `__base__` is the base's own clone anchor (create_base): part of the base volume, never listed alone.
  const volumes = parseRbdList(out.stdout)
    .filter((r) => r.snapshot !== '__base__')
    .map((r) => imageEntry(st, raw, r));
  const live = new Set<string>();
  for (const v of volumes) {
    if (v.snapshot) continue;
    if (live.has(v.own)) throw new Error(`rbd ls printed ${v.own} twice: the output cannot be trusted`);
    live.add(v.own);
  }
  for (const o of parseRbdListErrors(out.stderr)) {
    if (live.has(o.image)) continue;
    volumes.push({
      volname: o.image,
      own: o.image,
      vmid: vmidOf(o.image),
      format: 'raw',
      sizeBytes: null,
      usedBytes: null,
      devices: [],
      openError: o,
    });
  }
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
      trash: { ...t, nameInUse: live.has(t.name) },
    });
  }
  return incomplete ? { incomplete, volumes } : { volumes };
}

/** What an RBD verdict adds to the entry's flags. */
export interface RbdFlags {
  protect: string[];
  pending: string[];
}

/** The configs' words for a volume that configs name: "VM 100 scsi1". */
type Referenced = string | null;

/**
 * An image in the trash or one the pool's directory names without an image (v.trash / v.openError):
 * PVE lists neither (rbd_ls reads `rbd ls -l`'s JSON only, errfunc ignores its stderr).
 */
export function rbdRemnantVerdict(e: VolumeEntry, v: ListedVolume, st: StorageConfig, ref: Referenced): RbdFlags {
  if (v.trash) return trashVerdict(e, v.trash, st, ref);
  const o = v.openError;
  if (!o) return { protect: [], pending: [] };
  e.sizeBytes = null;
  if (o.errno !== 2) {
    e.status = 'unknown';
    e.reason = 'storage-unreadable';
    e.detail = `in pool ${poolOf(st)}'s directory, but rbd ls -l could not open it: (${o.errno}) ${o.message}`;
    return { protect: [], pending: [] };
  }
  e.reason = 'interrupted-removal';
  e.detail =
    `in pool ${poolOf(st)}'s directory but its image is gone (rbd ls -l: No such file or directory): an rbd rm ` +
    `that did not finish (librbd removes the directory entry last); pvesm free cannot remove it (its rbd snap ls fails)`;
  if (ref) {
    e.status = 'unknown';
    e.detail += `, and ${ref} still names it: that guest cannot start with it`;
    return { protect: ['referenced'], pending: [] };
  }
  e.status = 'orphan';
  // librbd's remove finishes a removal whose header is already gone (it then drops the directory entry).
  e.hint = `${rbdCmd(st)} rm ${v.own}`;
  return { protect: [], pending: [] };
}

const OWNED_SOURCES: Record<string, { what: string; pending: string | null }> = {
  MIGRATION: {
    what: 'the source of an RBD live migration (rbd migration prepare moves it there, migration commit removes it)',
    pending: 'rbd-migration',
  },
  MIRRORING: { what: 'moved there by rbd-mirror, which removes it itself', pending: 'rbd-mirror' },
};

function trashVerdict(
  e: VolumeEntry,
  t: NonNullable<ListedVolume['trash']>,
  st: StorageConfig,
  ref: Referenced,
): RbdFlags {
  const since = t.deletedAt ? ` since ${t.deletedAt}` : '';
  const cmd = rbdCmd(st);
  const restore = `${cmd} trash restore ${t.id}`;
  const owned = OWNED_SOURCES[t.source];
  if (owned || (t.source !== 'USER' && t.source !== 'REMOVING')) {
    e.status = 'valid';
    e.reason = 'in-trash';
    e.detail = `in the Ceph trash${since}: ${owned?.what ?? `source ${t.source ? `"${t.source}"` : 'this rbd does not name'} (Ceph's own, e.g. the parent of clones)`}`;
    return { protect: [`rbd-trash:${t.source || 'unknown'}`], pending: owned?.pending ? [owned.pending] : [] };
  }
  e.status = 'orphan';
  const named = ref && !t.nameInUse ? ref : null;
  if (t.source === 'REMOVING') {
    e.reason = 'interrupted-removal';
    e.detail = `in the Ceph trash as REMOVING${since}: an rbd rm (pvesm free: RBDPlugin.pm free_image) moved it there and did not finish; PVE lists it nowhere, it still takes its space`;
  } else {
    e.reason = 'in-trash';
    e.detail = `moved to the Ceph trash (rbd trash mv)${since}, ${t.deferment ?? 'no deferment'}; PVE lists it nowhere, it still takes its space`;
  }
  if (named) {
    // A config still names it and no image of that name exists: restoring it is the only repair.
    e.detail += `; ${named} still names it: that guest cannot start until it is restored`;
    e.hint = restore;
    return { protect: [], pending: [] };
  }
  const rm = `${cmd} trash rm ${t.id}${t.protectedUntil ? ' --force' : ''}`;
  e.hint =
    t.source === 'REMOVING'
      ? `${rm} (what the interrupted rbd rm would have done; it refuses an image that still has watchers)`
      : `to keep it: ${restore}; to drop it: check it holds nothing you need, then ${rm}`;
  return { protect: [], pending: [] };
}

/**
 * Watchers of an image that would otherwise be an orphan (`rbd status`): a watcher is a client that has
 * it open — a kvm on another node through librbd, a krbd map anywhere — so it is never one to free. An
 * image nobody asked about, or whose status failed, is UNKNOWN, never an orphan. A lock or a krbd map on
 * this node already says it is open: no question is asked for it.
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
    return { protect: [], pending: [] };
  }
  if (w && 'unsupported' in w && w.unsupported) {
    // This rbd cannot say who watches (no `status`): the verdict stands on the configs, and the hint asks
    // first. Ceph itself refuses to remove a watched image (librbd Image::remove: "image still has
    // watchers"), so the hint cannot destroy an image a guest elsewhere has open.
    e.detail += `; its watchers could not be read (this rbd has no 'status'): rbd rm refuses an image a client still watches`;
    return { protect: [], pending: [] };
  }
  e.status = 'unknown';
  e.reason = 'watchers-unread';
  e.detail += `; whether a client has it open could not be read (${w && 'error' in w ? w.error : 'rbd status was not asked'})`;
  delete e.hint;
  return { protect: [], pending: [] };
}

/** The hint of an orphan whose watchers this rbd could not tell: look first (rbd status), then the hint. */
export function askWatchersFirst(e: VolumeEntry, v: ListedVolume, st: StorageConfig): void {
  const w = v.watch;
  if (e.hint && w && 'unsupported' in w && w.unsupported)
    e.hint = `first check that '${rbdCmd(st)} status ${v.own}' lists no watchers; then ${e.hint}`;
}

/** An RBD image the verdict would call an orphan, with nothing yet saying it is open: rbd status decides. */
export function needsWatchers(e: VolumeEntry, v: ListedVolume): boolean {
  return (
    e.type === 'rbd' &&
    e.status === 'orphan' &&
    !v.snapshot &&
    !v.trash &&
    !v.openError &&
    !v.lockType &&
    !v.mapped &&
    e.holders.length === 0
  );
}
