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
 * marked irreversible: `pvesm free` on a local storage, `lvremove` on a shared one only after the look
 * that no node uses it (`pve-health cluster`: another node's config or map may, which this node cannot
 * see whole; reclaim refuses shared LVM for that reason). A `del-` LV of an interrupted saferemove
 * (LVMPlugin.pm free_image renames it and zeroes it in an `imgdel` worker on the node that freed it)
 * comes last, after the look at that task, as its own finding says: it is no PVE volume (`pvesm free`
 * cannot name it), and on shared storage another node may still be zeroing it. Every irreversible
 * command stands after a step that changes nothing (issue 60: `-q` showed `lvremove` as the fix).
 */
export function leftoverFix(entries: LeftoverLv[], o: { local: boolean }): string[] {
  const shown = entries.slice(0, 30);
  const keep = new Set<number>();
  const free: string[] = [];
  const remove: string[] = [];
  const reclaim: string[] = [];
  const zeroing: string[] = [];
  for (const e of shown) {
    const guestExists = e.reason === 'not-referenced' || e.reason === 'guest-on-other-node';
    if (guestExists && e.vmid !== null) keep.add(e.vmid);
    else if (e.reason === 'saferemove-leftover') zeroing.push(shellQuote(['lvremove', `${e.vg}/${e.lv}`]));
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
  if (remove.length) {
    const them = remove.length === 1 ? 'it' : 'them';
    fix.push(
      `# first check that no node and no config uses ${them} (every node's maps and configs):`,
      'pve-health cluster',
      `# then drop ${them} (irreversible: deletes the data):`,
      ...remove,
    );
  }
  if (zeroing.length) {
    const them = zeroing.length === 1 ? 'it' : 'them';
    fix.push(
      `# del- ${zeroing.length === 1 ? 'LV' : 'LVs'} of an interrupted saferemove: the node that freed ${them} may still be zeroing ${them} (its imgdel task): check the cluster's tasks first:`,
      'pvesh get /cluster/tasks',
      `# then, once no imgdel task runs for ${them}, drop ${them} (irreversible: deletes the data):`,
      ...zeroing,
    );
  }
  if (entries.length > 30) fix.push(`# ... and ${entries.length - 30} more (pve-health dm lists them)`);
  return fix;
}
