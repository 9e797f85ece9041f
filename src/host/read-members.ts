// What `cluster` reads of the cluster filesystem before it starts: the node list (.members) and the
// shared LVM storages (storage.cfg) whose maps only the whole cluster can judge.
import { readFileSync } from 'node:fs';
import { type Members, parseMembers } from '../core/parse/pmxcfs';
import { lvmStorages, parseStorageConfig } from '../core/parse/storage-config';
import { CheckError } from '../core/vocab/errors';
import { type Host, hostPath } from './host';

/** /etc/pve/.members: the node list, who is online, and their cluster addresses. */
export function readMembers(host: Pick<Host, 'root'>): Members {
  const path = hostPath(host, '/etc/pve/.members');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CheckError(
      `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): is this a Proxmox VE node with pve-cluster running?`,
    );
  }
  try {
    return parseMembers(text);
  } catch (e) {
    throw new CheckError(`${path}: ${(e as Error).message}`);
  }
}

/** IDs of the shared LVM storages in /etc/pve/storage.cfg, or null when it cannot be read. */
export function readSharedLvmStorages(host: Pick<Host, 'root'>): string[] | null {
  try {
    const text = readFileSync(hostPath(host, '/etc/pve/storage.cfg'), 'utf8');
    return lvmStorages(parseStorageConfig(text))
      .filter((s) => s.shared)
      .map((s) => s.id);
  } catch {
    return null;
  }
}
