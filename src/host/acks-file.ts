// The acknowledgements file in the state dir (<root>/var/lib/pve-health/acks.json, mode 0600): read on
// every check, written by `pve-health ack` through writeFileSafely (exclusive temporary file, then
// rename), so a reader never sees half a file and a planted symlink is replaced, never followed.
import { type AckFile, emptyAckFile, parseAckFile, serializeAckFile } from '../core/findings/acks';
import type { Host } from './host';
import { readStateFile, statePath, writeStateFile } from './state-file';

export const ACKS_PATH = '/var/lib/pve-health/acks.json';

export function acksFile(host: Pick<Host, 'root'>): string {
  return statePath(host, 'acks.json');
}

/** The acks, or none with the reason when the file cannot be read (the findings then count: safe). */
export function readAckFile(host: Pick<Host, 'root'>): { file: AckFile; error: string | null } {
  const r = readStateFile(acksFile(host), parseAckFile, emptyAckFile);
  return { file: r.value, error: r.error };
}

export function writeAckFile(host: Pick<Host, 'root'>, file: AckFile): string {
  const path = acksFile(host);
  writeStateFile(path, serializeAckFile(file));
  return path;
}
