// Small JSON files the tool keeps in its state dir (<root>/var/lib/pve-health): acknowledgements,
// serve's scan history. Read: a missing file is the empty value, an unreadable or malformed one the
// empty value with the reason (the callers then fall back to what is safe). Written through
// writeFileSafely (exclusive temporary file, explicit mode, rename), in a directory of mode 0700.
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Host, hostPath } from './host';
import { writeFileSafely, writeFileSafelyAsync } from './write-file';

export const STATE_DIR = '/var/lib/pve-health';

export function statePath(host: Pick<Host, 'root'>, name: string): string {
  return hostPath(host, `${STATE_DIR}/${name}`);
}

export function readStateFile<T>(
  path: string,
  parse: (text: string) => T,
  empty: () => T,
): { value: T; error: string | null } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { value: empty(), error: code === 'ENOENT' ? null : `cannot read ${path}: ${code}` };
  }
  try {
    return { value: parse(text), error: null };
  } catch (e) {
    return { value: empty(), error: `${path}: ${(e as Error).message}` };
  }
}

export function writeStateFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSafely(path, text, 0o600);
}

/** writeStateFile off the event loop, for the service (write-file.ts writeFileSafelyAsync). */
export async function writeStateFileAsync(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileSafelyAsync(path, text, 0o600);
}
