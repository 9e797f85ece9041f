// A --name that named nothing the plan could plan or refuse (issue 59: `reclaim --dry-run --name X` on a
// listing cut at a line boundary, or a name mistyped, said "0 volume(s)" and exit 0). The admin asked for
// exactly that volume: one this look does not list is refused as not seen (`unknown`: exit 3, whatever
// left it out — a mistyped name and a listing that lost it read the same here), one that is where the
// other mode finds it is refused with the command that takes it there. Pure.
import type { QuarantinedVolume, ReclaimRefusal } from './reclaim-types';

/** What the mode's own plan made of a name, and where the other mode would find it. */
export interface NameLookup {
  /** The plan planned or refused something by this name. */
  taken: (name: string) => boolean;
  /** reclaim: the quarantined volume of this name (already in quarantine). */
  quarantined?: (name: string) => QuarantinedVolume | undefined;
  /** purge: the name is a live volume this look lists (not in quarantine). */
  live?: (name: string) => boolean;
}

/** The quarantined volume a name gives (its volume ID, its name on the storage, its name for people). */
export function quarantinedNamed(list: readonly QuarantinedVolume[], n: string): QuarantinedVolume | undefined {
  return list.find((q) => n === q.volid || n === q.onStorage || n === q.name);
}

const storageOf = (n: string): string | null => /^[a-z][a-z0-9._-]*:/i.exec(n)?.[0].slice(0, -1) ?? null;

export function namesUnlisted(names: readonly string[], look: NameLookup): ReclaimRefusal[] {
  const out: ReclaimRefusal[] = [];
  for (const n of new Set(names)) {
    if (look.taken(n)) continue;
    const q = look.quarantined?.(n);
    if (q) {
      out.push({
        volid: q.volid,
        storage: q.storage,
        vmid: q.vmid,
        status: 'ignored',
        reason: 'quarantined',
        code: 'unsupported',
        why: `already in quarantine as ${q.name}: 'reclaim --purge --name' destroys it once due, 'pve-health restore --list' shows how to bring it back`,
      });
      continue;
    }
    const live = look.live?.(n) === true;
    out.push({
      volid: n,
      storage: storageOf(n),
      vmid: null,
      status: live ? 'ignored' : 'unknown',
      reason: live ? 'not-quarantined' : 'not-listed',
      code: live ? 'not-quarantined' : 'unknown',
      why: live
        ? 'not in quarantine: the purge destroys only what a reclaim quarantined (reclaim --name quarantines it first)'
        : 'no volume of this name is listed on this node: the name is not one pve-health sees, or a listing left it out; nothing is done by it',
    });
  }
  return out;
}
