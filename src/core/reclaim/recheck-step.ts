// The re-check right before each step of one volume after its first (the first has the full re-check
// under the locks: apply-reclaim.ts). Pure: from a fresh look, whether the steps still to run are still
// the plan. While the volume has its original name, the plan made again must be the same action with the
// steps left (the steps already done may show again in front: `lvchange --addtag` of a tagged LV, `zfs
// create -p` of an existing parent — both change nothing). Once it is renamed into quarantine (ZFS: then
// read-only; RBD: then the trash), it must still be there under its quarantine name, no new volume may
// have taken the original name, and no guest config may name the original volume (a config written
// meanwhile: that guest would look for the volume this run is taking away).
import type { PveState } from '../node/pve-state';
import { subjectOf } from '../vocab/volume-subject';
import { referenceIndex, storageLocation } from '../volumes/volume-references';
import type { ReclaimAction, ReclaimPlan, ReclaimStep } from './reclaim-types';

/** Steps that give the volume its quarantine name (or its original name back). */
const RENAMES = new Set<ReclaimStep['op']>([
  'lv-rename',
  'zfs-rename',
  'rbd-rename',
  'file-move',
  'zfs-snapshot-rename',
  'rbd-snapshot-rename',
  // A trash entry reclaim adopts is restored under its quarantine name: its rename.
  'rbd-trash-restore',
]);

/** True once one of the first `done` steps renamed the volume. */
export function renamedWithin(steps: ReclaimStep[], done: number): boolean {
  return steps.slice(0, done).some((s) => RENAMES.has(s.op));
}

/**
 * The action as it stands before step `done` (0-based), or why the run stops there. `plan`: the plan made
 * again (selection: this volume) from the fresh look; `pve`: that look's cluster files.
 */
export function recheckStep(
  a: ReclaimAction,
  done: number,
  fresh: { plan: ReclaimPlan; pve: PveState },
): { action: ReclaimAction } | { why: string } {
  // The same subject, not only the same volume ID: a trash entry and the live image of its name share it.
  const name = subjectOf(a);
  const again = fresh.plan.actions.find((x) => subjectOf(x) === name);
  const refused = fresh.plan.refused.find((x) => subjectOf(x) === name);
  if (!renamedWithin(a.steps, done)) {
    if (again) return { action: again };
    return { why: refused ? `${refused.code}: ${refused.why}` : `${name} is no longer found` };
  }
  if (again) return { why: `a volume named ${a.original} is on ${a.storage} again: not touched further` };
  const st = fresh.pve.storageConfig.find((s) => s.id === a.storage);
  if (!st) return { why: `storage ${a.storage} is no longer in storage.cfg` };
  const named = referenceIndex(fresh.pve).get(`${storageLocation(st)}|${a.original}`) ?? [];
  if (named.length)
    return {
      why: `a config names ${a.volid} now: ${named.map((h) => `${h.type === 'lxc' ? 'CT' : 'VM'} ${h.vmid} ${h.ref.key}`).join(', ')}`,
    };
  const here = fresh.plan.quarantined.some(
    (q) =>
      q.volid === a.volid &&
      (q.onStorage === a.quarantine ||
        q.onStorage.endsWith(`/${a.quarantine}`) ||
        q.onStorage.endsWith(`@${a.quarantine}`)),
  );
  if (!here) return { why: `${a.quarantine} is no longer found in quarantine` };
  return { action: { ...a, steps: a.steps.slice(done) } };
}
