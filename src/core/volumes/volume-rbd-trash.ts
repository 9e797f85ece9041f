// An image in the Ceph trash (`rbd trash ls --all --long`): by its source, whose it is and what may be
// done with it. Pure. Sources: ceph src/tools/rbd/action/Trash.cc (do_list), include/rbd/librbd.h
// rbd_trash_image_source_t; pve-storage RBDPlugin.pm free_image (rbd rm moves the image there first).

import type { StorageConfig } from '../parse/storage-config';
import { dropStep, finishRemovalStep, keepStep, reclaimStep, setSteps } from '../vocab/next-step';
import { trashOffered } from '../vocab/reclaim-scope';
import { volumeSubject } from '../vocab/volume-subject';
import type { VolumeEntry } from '../vocab/volume-types';
import type { ListedVolume } from './listed-volume';

export const poolOf = (st: StorageConfig): string => st.props.pool ?? 'rbd';

/** `rbd -p POOL [--namespace NS]`: the start of every rbd command named in a hint. */
export function rbdArgs(st: StorageConfig): string[] {
  return ['rbd', '-p', poolOf(st), ...(st.props.namespace ? ['--namespace', st.props.namespace] : [])];
}

/**
 * A name as rbd's positional argument, or as its option where it starts with `-` (rbd would read it as
 * an option: `rbd rm -- -x` is not what its parser takes, `--image -x` is).
 */
export function rbdOperand(option: string, name: string): string[] {
  return name.startsWith('-') ? [option, name] : [name];
}

/** What an RBD verdict adds to the entry's flags. */
export interface RbdFlags {
  protect: string[];
  pending: string[];
}

/** The configs' words for a volume that configs name: "VM 100 scsi1". */
export type Referenced = string | null;

const OWNED_SOURCES: Record<string, { what: string; pending: string | null }> = {
  MIGRATION: {
    what: 'the source of an RBD live migration (rbd migration prepare moves it there, migration commit removes it)',
    pending: 'rbd-migration',
  },
  MIRRORING: { what: 'moved there by rbd-mirror, which removes it itself', pending: 'rbd-mirror' },
};

export function trashVerdict(
  e: VolumeEntry,
  t: NonNullable<ListedVolume['trash']>,
  st: StorageConfig,
  ref: Referenced,
): RbdFlags {
  const since = t.deletedAt ? ` since ${t.deletedAt}` : '';
  const cmd = rbdArgs(st);
  const restore = [...cmd, 'trash', 'restore', ...rbdOperand('--image-id', t.id)];
  const owned = OWNED_SOURCES[t.source];
  if (owned || (t.source !== 'USER' && t.source !== 'REMOVING')) {
    e.status = 'valid';
    e.reason = 'in-trash';
    e.detail = `in the Ceph trash${since}: ${owned?.what ?? `source ${t.source ? `"${t.source}"` : 'this rbd does not name'} (Ceph's own, e.g. the parent of clones)`}`;
    return { protect: [`rbd-trash:${t.source || 'unknown'}`], pending: owned?.pending ? [owned.pending] : [] };
  }
  const named = ref && !t.nameInUse ? ref : null;
  // A config still names it and no live image has its name: it is that guest's disk, moved to the trash
  // by `pvesm free` run by mistake (RBDPlugin.pm free_image: `rbd rm`, which moves it there when the pool
  // has rbd_move_to_trash_on_remove, librbd api/Image.cc remove) or by a hand `rbd trash mv`. The guest
  // cannot start (RBDPlugin.pm map_volume/path name the image, which is gone from the pool's directory):
  // never a leftover, never reclaim's or a purge's; the repair is restoring it.
  if (named) return referencedInTrash(e, t, named, restore, since);
  e.status = 'orphan';
  if (t.source === 'REMOVING') {
    e.reason = 'interrupted-removal';
    e.detail = `in the Ceph trash as REMOVING${since}: an rbd rm (pvesm free: RBDPlugin.pm free_image) moved it there and did not finish; PVE lists it nowhere, it still takes its space`;
  } else {
    e.reason = 'in-trash';
    e.detail = `moved to the Ceph trash (rbd trash mv)${since}, ${t.deferment ?? 'no deferment'}; PVE lists it nowhere, it still takes its space`;
  }
  const rm = [...cmd, 'trash', 'rm', ...rbdOperand('--image-id', t.id), ...(t.protectedUntil ? ['--force'] : [])];
  setSteps(
    e,
    t.source === 'REMOVING'
      ? [
          // Named by its subject (`VOLID#trash:<id>`), which reclaim --name takes; reclaim still refuses
          // an entry whose name a live image or another entry has (plan-removals.ts), so none is offered.
          ...(t.nameInUse || t.nameShared ? [] : [finishRemovalStep(volumeSubject(e))]),
          dropStep(
            'or by hand, without those checks: finish what the interrupted rbd rm would have done (irreversible; it refuses an image that still has watchers)',
            rm,
          ),
        ]
      : [
          keepStep('to keep it, restore it from the trash', restore),
          // The entry's own name (never the volume ID alone, which names the live image of that name).
          ...(trashOffered(e) ? [reclaimStep(volumeSubject(e))] : []),
          dropStep('to drop it (irreversible: deletes the data), check it holds nothing you need, then', rm),
        ],
  );
  return { protect: [], pending: [] };
}

/** A guest's disk in the trash that its config names: valid (the guest's), critical, restore it. */
function referencedInTrash(
  e: VolumeEntry,
  t: NonNullable<ListedVolume['trash']>,
  named: string,
  restore: string[],
  since: string,
): RbdFlags {
  e.status = 'valid';
  e.reason = 'in-trash-referenced';
  if (t.source === 'REMOVING') {
    // librbd restores no REMOVING entry (api/Trash.cc restore: ALLOWED_RESTORE_SOURCES) and its removal
    // may have trimmed the data already: neither a repair nor a removal is this tool's to name.
    e.detail = `${named}'s disk is in the Ceph trash as REMOVING${since}: an rbd rm (pvesm free: RBDPlugin.pm free_image) removed it while ${named} still names it, and did not finish; that guest cannot start with it, and librbd restores no REMOVING entry: restore the guest from a backup`;
    return { protect: ['referenced'], pending: [] };
  }
  e.detail = `${named}'s disk is in the Ceph trash${since} (pvesm free run by mistake, or rbd trash mv), ${t.deferment ?? 'no deferment'}: that guest cannot start until it is restored`;
  setSteps(e, [keepStep(`restore it (${named} needs it)`, restore)]);
  return { protect: [], pending: [] };
}
