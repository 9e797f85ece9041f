// Every guest a check document knows, by VMID: the DM part's guest table, then the volumes part's (both are
// built from the same PveState: core/node/guest-identity.ts). Labels, guest rows, GUI links and metric
// labels look guests up here, so a document with only one of the parts still names its guests. Pure.
import type { CheckDocument, GuestIdentity } from '../vocab/types';

/** The guests of one document by VMID (knownGuests). */
export type KnownGuests = ReadonlyMap<number, GuestIdentity>;

/**
 * A new index on each call: the caller that holds the document (the output step, a renderer) builds it
 * once and passes it to every function that looks guests up in that document.
 */
export function knownGuests(doc: Pick<CheckDocument, 'dm' | 'volumes'>): KnownGuests {
  const out = new Map<number, GuestIdentity>();
  const dm = doc.dm?.guests ?? [];
  for (let i = 0; i < dm.length; i++) out.set(dm[i].vmid, dm[i]);
  const volumes = doc.volumes?.guests ?? [];
  for (let i = 0; i < volumes.length; i++) if (!out.has(volumes[i].vmid)) out.set(volumes[i].vmid, volumes[i]);
  return out;
}

/** qemu or lxc by VMID, over the documents of several nodes (guestTypesOf). */
export type GuestTypes = ReadonlyMap<number, 'qemu' | 'lxc'>;

/**
 * Each guest's type from the first document that knows it (in the order given): its guest tables,
 * else its first DM entry of that VMID with a guest type. Built once by the cluster merge for every
 * finding across nodes.
 */
export function guestTypesOf(docs: Pick<CheckDocument, 'dm' | 'volumes'>[]): GuestTypes {
  const out = new Map<number, 'qemu' | 'lxc'>();
  for (const d of docs) {
    const mine = new Map<number, 'qemu' | 'lxc'>();
    for (const e of d.dm?.entries ?? [])
      if (e.vmid !== null && e.guestType && !mine.has(e.vmid)) mine.set(e.vmid, e.guestType);
    knownGuests(d).forEach((g, vmid) => {
      if (g.type !== null && g.type !== undefined) mine.set(vmid, g.type);
    });
    mine.forEach((type, vmid) => {
      if (type && !out.has(vmid)) out.set(vmid, type);
    });
  }
  return out;
}
