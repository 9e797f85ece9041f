// Extra raw input for the storage health rules (src/core/classify-storage.ts), one subprocess for
// the whole node. Kept apart from read-dm.ts so it can be merged there: `autoactivation` is not in
// the main `lvs` call because lvm2 older than 2.03.12 (PVE 7) rejects the field and would fail it.
import { AUTOACTIVATION_KEY } from '../core/classify-storage';
import type { CommandOutput } from '../core/snapshot';
import type { Host } from './host';
import { runCaptured } from './read-dm';

export const STORAGE_COMMANDS: Record<string, string[]> = {
  [AUTOACTIVATION_KEY]: ['lvs', '--reportformat', 'json', '-o', 'vg_name,lv_name,autoactivation'],
};

/** Run the storage commands (after `lvs`, like the other LVM calls); outputs go into snapshot.commands. */
export async function readStorageCommands(host: Host, timeoutMs: number): Promise<Record<string, CommandOutput>> {
  const out: Record<string, CommandOutput> = {};
  for (const [k, argv] of Object.entries(STORAGE_COMMANDS)) out[k] = await runCaptured(host, argv, timeoutMs);
  return out;
}
