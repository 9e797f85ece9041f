// Images `rbd ls -l` could not open (List.cc do_list names each on stderr): an interrupted removal — an
// `rbd rm` (pvesm free: RBDPlugin.pm free_image) that left a REMOVING trash entry (librbd api/Image.cc
// remove) or a directory entry whose header is gone — and the trash entries beside them. Pure.

import { parseRbdListErrors } from '../parse/rbd-depth';
import type { StorageConfig } from '../parse/storage-config';
import { shellQuote } from '../text/shell-quote';
import { dropStep, finishRemovalStep, setSteps } from '../vocab/next-step';
import type { VolumeEntry } from '../vocab/volume-types';
import type { ListedVolume } from './listed-volume';
import { poolOf, type RbdFlags, type Referenced, rbdArgs, rbdOperand, trashVerdict } from './volume-rbd-trash';

const RBD_NAME = /^(?:vm|base)-(\d+)-\S+$/;

export const rbdVmidOf = (image: string): number | null => {
  const m = RBD_NAME.exec(image);
  return m ? Number(m[1]) : null;
};

/** The images `rbd ls -l` named on stderr as not opened (and did not list): each its own entry. */
export function unopenedVolumes(stderr: string, live: Set<string>): ListedVolume[] {
  return parseRbdListErrors(stderr)
    .filter((o) => !live.has(o.image))
    .map((o) => ({
      volname: o.image,
      own: o.image,
      vmid: rbdVmidOf(o.image),
      format: 'raw',
      sizeBytes: null,
      usedBytes: null,
      devices: [],
      openError: o,
    }));
}

/**
 * Why `rbd ls -l` failed for the whole pool, when its stderr names images it could not open: ceph 16.2
 * (List.cc do_list) fails the listing with ENOENT when an image is a REMOVING trash entry — an `rbd rm`
 * (pvesm free) that was interrupted; the name `rbd ls` still lists finishes it (librbd Image.cc remove
 * finds the entry in the trash). What the listing did print is not used: the pool stays UNKNOWN; the
 * images it could not open are entries of their own (unopenedVolumes), so `reclaim --purge` can finish
 * the removal that blinds the listing, with its checks.
 */
export function unopened(st: StorageConfig, stderr: string): string {
  const errs = parseRbdListErrors(stderr).filter((o) => o.errno === 2);
  if (errs.length === 0) return '';
  const names = errs.map((o) => o.image);
  return (
    `; it could not open ${names.join(', ')}: an interrupted rbd rm (pvesm free) leaves such an image in the ` +
    `trash as REMOVING, which makes rbd ls -l fail for the whole pool (ceph PR 71683); ` +
    (names.length > 1 ? 'these finish those removals' : 'this finishes that removal') +
    ` with pve-health's checks: ${shellQuote(['pve-health', 'reclaim', '--purge', ...names.flatMap((n) => ['--name', `${st.id}:${n}`])])}` +
    ` (by hand, without them, irreversible: ${names.map((n) => shellQuote([...rbdArgs(st), 'rm', ...rbdOperand('--image', n)])).join('; ')})`
  );
}

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
    `rbd ls names it in pool ${poolOf(st)} but rbd ls -l cannot open it (No such file or directory): an rbd rm ` +
    `(pvesm free) that did not finish — librbd moved it to the trash as REMOVING (a librbd before Nautilus removed ` +
    `the header before the directory entry) — or a lost header object; pvesm free cannot remove it (its rbd snap ls fails)`;
  if (ref) {
    e.status = 'unknown';
    e.detail += `, and ${ref} still names it: that guest cannot start with it`;
    return { protect: ['referenced'], pending: [] };
  }
  e.status = 'orphan';
  // librbd's remove finishes a removal whose header is already gone (it then drops the directory entry)
  // and one that left a REMOVING trash entry (api/Image.cc remove finds it by name).
  setSteps(e, [
    finishRemovalStep(e.volid),
    dropStep('or by hand, without those checks (irreversible; librbd drops the directory entry)', [
      ...rbdArgs(st),
      'rm',
      ...rbdOperand('--image', v.own),
    ]),
  ]);
  return { protect: [], pending: [] };
}
