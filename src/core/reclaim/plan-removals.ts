// `reclaim --purge` of an interrupted RBD removal (reclaim-scope.ts removalOffered): finish what `pvesm
// free` started, under the same locks, re-check and journal as every purge. Pure. No quarantine comes
// first: librbd restores no such image (api/Trash.cc restore: ALLOWED_RESTORE_SOURCES is USER, MIRRORING
// and USER_PARENT, never REMOVING) and its removal may have trimmed its data already. The step is what
// finishes it in librbd: `rbd trash rm <id>` for a REMOVING trash entry rbd listed, `rbd rm <name>` for
// an image rbd ls -l could not open (api/Image.cc remove finds the REMOVING entry by name; a directory
// entry whose header is gone is dropped).
//
// The storage may be UNKNOWN for this very entry: ceph 16.2's `rbd ls -l` fails for the whole pool
// while an interrupted removal is in it (volume-rbd.ts unopened). Its verdict does not rest on the rest
// of the listing — ENOENT opening it by name, no config of the cluster naming it, no task, lock or HA
// move of its VMID — so that is no refusal; a storage disabled or not on this node is.

import type { PlanFilter } from '../cleanup/plan-cleanup';
import type { StorageConfig } from '../parse/storage-config';
import { removalOffered } from '../vocab/reclaim-scope';
import { volumeSubject } from '../vocab/volume-subject';
import type { VolumeEntry } from '../vocab/volume-types';
import { poolOf, rbdOperand } from '../volumes/volume-rbd-trash';
import { matchesReclaimFilter, type ReclaimInput } from './plan-reclaim';
import { placeRefusal } from './reclaim-rules';
import type { ReclaimAction, ReclaimRefusal, ReclaimStep } from './reclaim-types';
import { trashNamedByVolid } from './trash-names';

/** An entry `--purge` considers as an interrupted removal (refused or planned). */
export const isInterruptedRemoval = (e: VolumeEntry): boolean =>
  e.type === 'rbd' && e.snapshot === undefined && e.reason === 'interrupted-removal';

export function planRemovals(
  input: ReclaimInput,
  filter: PlanFilter,
): { actions: ReclaimAction[]; refused: ReclaimRefusal[] } {
  const storages = new Map(input.storages.map((s) => [s.id, s]));
  const actions: ReclaimAction[] = [];
  const refused: ReclaimRefusal[] = [];
  const removals = (input.volumes?.entries ?? []).filter(isInterruptedRemoval);
  const matched = new Set<string>();
  for (const e of removals) {
    if (!matchesReclaimFilter({ ...e, aliases: [] }, filter)) continue;
    matched.add(volumeSubject(e));
    const st = storages.get(e.storage);
    const why = removalRefusal(e, st, input);
    // A REMOVING entry `rbd trash ls` listed is named by its trash ID (vocab/volume-subject.ts).
    const named = e.trash ? { subject: volumeSubject(e) } : {};
    if (why)
      refused.push({
        ...named,
        volid: e.volid,
        storage: e.storage,
        vmid: e.vmid,
        status: e.status,
        reason: e.reason,
        ...why,
      });
    else actions.push({ ...named, ...removalAction(e, st!, input) });
  }
  refused.push(...trashNamedByVolid(removals, filter.names ?? [], matched));
  return { actions, refused };
}

function removalRefusal(
  e: VolumeEntry,
  st: StorageConfig | undefined,
  input: ReclaimInput,
): Pick<ReclaimRefusal, 'code' | 'why'> | null {
  if (input.nodeRefusals.length) return { code: 'node', why: `this node cannot act: ${input.nodeRefusals.join('; ')}` };
  if (!st) return { code: 'not-a-volume', why: `storage ${e.storage} is not in storage.cfg` };
  const place = placeRefusal(st, input.node);
  if (place) return place;
  if (e.status === 'unknown') return { code: 'unknown', why: `unknown: ${e.detail}` };
  if (e.pending) return { code: 'pending', why: `an operation is under way: ${e.protectedBy.join(', ')}` };
  if (e.protected) return { code: 'protected', why: `protected: ${e.protectedBy.join(', ')}` };
  if (e.references?.length) return { code: 'valid', why: `${e.references[0]} still names it` };
  if (e.trash?.nameTaken)
    return {
      code: 'unsupported',
      why: `trash entry ${e.trash.id}: a live image or another trash entry has its name: remove it by its id (see its hint)`,
    };
  if (!removalOffered(e)) return { code: 'not-a-volume', why: `${e.status}: ${e.detail}` };
  return null;
}

function removalAction(e: VolumeEntry, st: StorageConfig, input: ReclaimInput): ReclaimAction {
  const name = e.volid.slice(e.volid.indexOf(':') + 1);
  const id = e.trash?.id;
  return {
    volid: e.volid,
    storage: st.id,
    storageType: st.type,
    shared: st.shared,
    vmid: e.vmid,
    guestType: null,
    status: e.status,
    reason: e.reason,
    why: e.detail,
    evidence: [
      `${e.status} (${e.reason}): ${e.detail}`,
      'no guest config of the cluster names it (every config was read and is whole)',
      'no running task, lock or HA move is recorded for its guest',
      'librbd restores no such image (api/Trash.cc restore): finishing the removal PVE started is the only way on',
    ],
    sizeBytes: e.sizeBytes,
    usedBytes: e.usedBytes,
    original: name,
    // Nothing is quarantined and Ceph does not say when the removal began.
    quarantine: '',
    since: '',
    purgeAfter: '',
    location: { pool: poolOf(st), ...(id ? { trashId: id } : {}) },
    steps: [removalStep(name, id, st, input)],
    guestLocks: e.vmid !== null ? [{ vmid: e.vmid, type: null }] : [],
  };
}

function removalStep(name: string, id: string | undefined, st: StorageConfig, input: ReclaimInput): ReclaimStep {
  const rbd = input.commands.rbd(st);
  if (id)
    return {
      op: 'rbd-trash-remove',
      effect: `finish the interrupted removal of ${name}: remove trash entry ${id} (irreversible; librbd refuses an image a client still watches)`,
      command: [...rbd, 'trash', 'rm', id],
    };
  return {
    op: 'rbd-remove',
    effect: `finish the interrupted removal of ${name} (irreversible; librbd refuses an image a client still watches)`,
    command: [...rbd, 'rm', ...rbdOperand('--image', name)],
  };
}
