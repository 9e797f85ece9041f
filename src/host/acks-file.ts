// The acknowledgements file in the state dir (<root>/var/lib/pve-health/acks.json, mode 0600): read on
// every check, written by `pve-health ack` through writeFileSafely (exclusive temporary file, then
// rename), so a reader never sees half a file and a planted symlink is replaced, never followed.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type AckFile, emptyAckFile, parseAckFile, serializeAckFile } from '../core/acks';
import { type Host, hostPath } from './host';
import { writeFileSafely } from './write-file';

export const ACKS_PATH = '/var/lib/pve-health/acks.json';

export function acksFile(host: Pick<Host, 'root'>): string {
  return hostPath(host, ACKS_PATH);
}

/** The acks, or none with the reason when the file cannot be read (the findings then count: safe). */
export function readAckFile(host: Pick<Host, 'root'>): { file: AckFile; error: string | null } {
  const path = acksFile(host);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? { file: emptyAckFile(), error: null }
      : { file: emptyAckFile(), error: `cannot read ${path}: ${code}` };
  }
  try {
    return { file: parseAckFile(text), error: null };
  } catch (e) {
    return { file: emptyAckFile(), error: `${path}: ${(e as Error).message}` };
  }
}

export function writeAckFile(host: Pick<Host, 'root'>, file: AckFile): string {
  const path = acksFile(host);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSafely(path, serializeAckFile(file), 0o600);
  return path;
}
