// The fix of a storage's leftover LVs (classify-storage-guests.ts classifyLeftoverLvs): shell lines an
// admin runs, each command shell-quoted, the reversible way before any irreversible one.

import { shellQuote } from '../text/shell-quote';
import { RECLAIMABLE } from '../vocab/reclaim-scope';

export type LeftoverLv = {
  vg: string | null;
  lv: string | null;
  vmid: number | null;
  reason: string;
  volume: string | null;
};

/**
 * The fix of leftover LVs: advice ("# …") over the commands it is about, each command on its own line
 * and shell-quoted — first how to keep them (attach to their guest), then how to set a local storage's
 * aside reversibly (`pve-health reclaim`: checked, journaled, `restore` undoes it), then how to drop them,
 * marked irreversible: `pvesm free` on a local storage, `lvremove` on a shared one only after checking
 * that no node uses it (another node's config or map may, which this node cannot see whole; reclaim
 * refuses shared LVM for that reason).
 */
export function leftoverFix(entries: LeftoverLv[], o: { local: boolean }): string[] {
  const shown = entries.slice(0, 30);
  const keep = new Set<number>();
  const free: string[] = [];
  const remove: string[] = [];
  const reclaim: string[] = [];
  for (const e of shown) {
    const guestExists = e.reason === 'not-referenced' || e.reason === 'guest-on-other-node';
    if (guestExists && e.vmid !== null) keep.add(e.vmid);
    else if (o.local && e.volume) {
      free.push(shellQuote(['pvesm', 'free', e.volume]));
      if (RECLAIMABLE.has(e.reason) && e.vmid !== null) reclaim.push('--name', e.volume);
    } else if (e.vg && e.lv) remove.push(shellQuote(['lvremove', `${e.vg}/${e.lv}`]));
  }
  const fix: string[] = [];
  if (keep.size)
    fix.push(
      '# keep: attach them to their guest as unused disks',
      ...[...keep].map((v) => shellQuote(['qm', 'disk', 'rescan', '--vmid', String(v)])),
    );
  if (reclaim.length)
    fix.push(
      '# set them aside reversibly (quarantine, re-checked and journaled; pve-health restore brings them back):',
      shellQuote(['pve-health', 'reclaim', ...reclaim]),
    );
  if (free.length)
    fix.push(`# ${reclaim.length ? 'or ' : ''}drop (irreversible: deletes the data), once nothing needs it:`, ...free);
  if (remove.length)
    fix.push(
      `# drop (irreversible: deletes the data), after checking that no node and no config uses ${remove.length === 1 ? 'it' : 'them'} (pve-health cluster shows every node's maps):`,
      ...remove,
    );
  if (entries.length > 30) fix.push(`# ... and ${entries.length - 30} more (pve-health dm lists them)`);
  return fix;
}
