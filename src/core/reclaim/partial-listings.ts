// The storages reclaim cannot see whole (issue 59: a cut, empty or hanging `lvs`/`zfs list`/`rbd ls`, an
// NFS storage not mounted). What such a listing leaves out is neither planned nor refused by name — it
// is not seen — so "0 volume(s)" would read as "nothing to reclaim". Each is named with why, and makes
// the exit code 3 (could not check), as `clean` on the same node. Pure.
import type { ReclaimInput } from './plan-reclaim';

export interface PartialListing {
  /** The storage ID, or the part (`device-mapper`, `volumes`) when no storage can be named. */
  storage: string;
  why: string;
}

export function partialListings(input: Pick<ReclaimInput, 'dm' | 'lvs' | 'volumes'>): PartialListing[] {
  const out = new Map<string, string>();
  const add = (storage: string, why: string) => {
    if (!out.has(storage)) out.set(storage, why);
  };
  if (!input.dm) add('device-mapper', 'the device-mapper part could not be checked: no LV is planned');
  else if (!input.lvs) add('device-mapper', 'lvs could not be read: no LV is planned');
  // An LV the DM part could not decide (lvs cut or disagreeing with vgs, a partial VG): its storage's
  // listing cannot be believed whole.
  for (const e of input.dm ?? []) if (e.status === 'unknown') add(e.storage ?? e.vg ?? 'device-mapper', e.detail);
  if (!input.volumes) add('volumes', 'the volumes part was not read');
  else if (input.volumes.error) add('volumes', input.volumes.error);
  for (const s of input.volumes?.storages ?? [])
    if (s.status === 'unknown') add(s.storage, s.error ?? 'its listing could not be read whole');
  return [...out].map(([storage, why]) => ({ storage, why }));
}
