// Every guest a check document knows, by VMID: the DM part's guest table, then the volumes part's (both are
// built from the same PveState: core/node/guest-identity.ts). Labels, guest rows, GUI links and metric
// labels look guests up here, so a document with only one of the parts still names its guests. Pure.
import type { CheckDocument, GuestIdentity } from '../types';

const known = new WeakMap<object, Map<number, GuestIdentity>>();

export function knownGuests(doc: Pick<CheckDocument, 'dm' | 'volumes'>): Map<number, GuestIdentity> {
  const cached = known.get(doc);
  if (cached) return cached;
  const out = new Map<number, GuestIdentity>();
  const dm = doc.dm?.guests ?? [];
  for (let i = 0; i < dm.length; i++) out.set(dm[i].vmid, dm[i]);
  const volumes = doc.volumes?.guests ?? [];
  for (let i = 0; i < volumes.length; i++) if (!out.has(volumes[i].vmid)) out.set(volumes[i].vmid, volumes[i]);
  known.set(doc, out);
  return out;
}
