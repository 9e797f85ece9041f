// A guest of this node whose config names a storage storage.cfg does not define: a storage removed with
// `pvesm remove` (or by hand) while a guest still had a volume on it. That is a state PVE leaves, not a
// read that failed: a finding on the guest, never UNKNOWN for the node (storage-gaps.ts keeps UNKNOWN for a
// storage.cfg that defines nothing at all). PVE resolves every drive it starts with through
// PVE::Storage::path → storage_config, which dies "storage '<id>' does not exist" (pve-storage Storage.pm;
// qemu-server config_to_command, a CD-ROM's ISO through get_iso_path; pve-container mountpoint_mount):
// a drive of the main section on such a storage keeps the guest from starting (critical). An `unusedN`,
// a snapshot section or a pending change is not used at start: a warning.
import { undefinedStorageRefs } from '../node/storage-gaps';
import { shellQuote } from '../text/shell-quote';
import type { StorageFinding } from '../vocab/types';
import type { StorageContext } from './storage-context';

/** A main-section drive PVE opens to start the guest (unusedN is not attached). */
const startsWith = (r: { section: string; key: string }) => r.section === 'main' && !/^unused\d+$/.test(r.key);

export function classifyUndefinedStorages(ctx: StorageContext): StorageFinding[] {
  const res: StorageFinding[] = [];
  for (let i = 0; i < ctx.guests.length; i++) {
    const g = ctx.guests[i];
    if (g.node !== ctx.node) continue;
    const refs = undefinedStorageRefs(g.config.refs, ctx.storageIds);
    if (refs.length === 0) continue;
    const stores = [...new Set(refs.map((r) => r.volid?.storage ?? ''))].sort();
    const blocking = refs.filter(startsWith);
    const label = `${g.type === 'qemu' ? 'VM' : 'CT'} ${g.vmid}${g.config.name ? ` (${g.config.name})` : ''}`;
    const lines = refs.map((r) => `${r.key}${r.section === 'main' ? '' : ` [${r.section}]`}: ${r.file}`);
    const cli = g.type === 'qemu' ? 'qm' : 'pct';
    res.push({
      id: `storage-undefined:${g.vmid}`,
      kind: 'guest-storage-undefined',
      severity: blocking.length > 0 ? 'critical' : 'warning',
      title: `${label} names storage${stores.length > 1 ? 's' : ''} ${stores.map((s) => `'${s}'`).join(', ')} that storage.cfg does not define`,
      detail: `${lines.join('; ')}. ${
        blocking.length > 0
          ? `PVE resolves every drive it starts with through its storage ("storage '${stores[0]}' does not exist"): the guest will not start`
          : 'No drive the guest starts with is on it, but the lines cannot be used (a rollback or the pending change fails)'
      }. The storage was removed from /etc/pve/storage.cfg while the guest still had volumes on it; its volumes are kept and protected wherever they could be reached through it.`,
      fix: [
        `# if the storage still exists, add it back with the settings it had (pvesm add <type> ${stores[0]} …); else detach the line${refs.length > 1 ? 's' : ''}`,
        shellQuote([cli, 'config', String(g.vmid)]),
        shellQuote(['pvesm', 'status']),
      ],
      subject: { vmid: g.vmid, storage: stores[0] },
    });
  }
  return res;
}
