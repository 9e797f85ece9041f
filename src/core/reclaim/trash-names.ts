// A --name that is the volume ID of Ceph trash entries it cannot name alone (a live image or another
// entry has the name: nameTaken, volume-rbd.ts) and that named nothing else: each such entry is refused
// with its own name, `VOLID#trash:<id>` (vocab/volume-subject.ts), so the admin who typed the volume ID
// learns what it did not take (exit 1, as any refusal by name) instead of reading an empty plan. Where
// the volume ID named a live image, that image is what was asked for and the entries are not mentioned.
import { volumeSubject } from '../vocab/volume-subject';
import type { ReclaimRefusal } from './reclaim-types';

interface TrashNamed {
  volid: string;
  storage: string | null;
  vmid: number | null;
  status: string;
  reason: string;
  snapshot?: string;
  trash?: { id: string };
}

/** `matched`: the subjects the names took (the volume ID of a live image among them). */
export function trashNamedByVolid(
  entries: readonly TrashNamed[],
  names: readonly string[],
  matched: ReadonlySet<string>,
): ReclaimRefusal[] {
  const out: ReclaimRefusal[] = [];
  for (const n of names) {
    if (matched.has(n)) continue;
    for (const e of entries) {
      if (!e.trash || e.volid !== n || e.snapshot !== undefined) continue;
      const subject = volumeSubject(e);
      if (matched.has(subject)) continue;
      out.push({
        subject,
        volid: e.volid,
        storage: e.storage,
        vmid: e.vmid,
        status: e.status,
        reason: e.reason,
        code: 'unsupported',
        why: `trash entry ${e.trash.id}: another trash entry or a live image has its name, so ${n} does not name it alone: name it by its id, ${subject}`,
      });
    }
  }
  return out;
}
