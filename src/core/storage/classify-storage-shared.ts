// storage.cfg calls a storage local (no `shared 1`) while this node's disks or mounts show one other nodes
// see (docs/storage-health.md): thick LVM on a VG whose PVs lie on a LUN (node/vg-reach.ts), a dir/btrfs
// storage on a network filesystem (mounts/network-storages.ts). The rules already treat it as shared; PVE
// does not: it takes a node-local lock for it, and a migration copies its disks onto the very disk they
// are on. The fix is the line storage.cfg lacks.
import { shellQuote } from '../text/shell-quote';
import type { StorageFinding } from '../vocab/types';
import type { StorageContext } from './storage-context';

const fixOf = (id: string) => [shellQuote(['pvesm', 'set', id, '--shared', '1'])];

export function classifySharedness(ctx: StorageContext): StorageFinding[] {
  const out: StorageFinding[] = [];
  for (const st of ctx.storages) {
    const reach = st.type === 'lvm' && !st.shared ? ctx.vgReach.get(st.vg) : undefined;
    if (reach?.kind !== 'shared') continue;
    out.push({
      id: `shared-missing:${st.id}`,
      kind: 'shared-missing',
      severity: 'warning',
      title: `storage ${st.id}'s VG ${st.vg} lies on ${reach.via} (seen by other nodes) but storage.cfg lacks shared 1`,
      detail: `Every node that sees the LUN sees VG ${st.vg}: this check treats ${st.id} as shared (a guest of another node naming one of its LVs uses that very LV), but PVE takes only a node-local lock for it and copies its disks on migration. If other nodes use this VG, mark the storage shared.`,
      fix: fixOf(st.id),
      subject: { storage: st.id, vg: st.vg },
    });
  }
  for (const [id, on] of ctx.networkFs) {
    out.push({
      id: `shared-missing:${id}`,
      kind: 'shared-missing',
      severity: 'warning',
      title: `storage ${id} is on ${on} but storage.cfg lacks shared 1`,
      detail: `A share every node may mount holds the same files on every node: this check treats ${id} as shared (a guest of another node naming one of its files uses that very file), but PVE does not. If every node mounts this share here, mark the storage shared.`,
      fix: fixOf(id),
      subject: { storage: id },
    });
  }
  return out;
}
