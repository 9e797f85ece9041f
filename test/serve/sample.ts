// Small results for the service and route tests, built in a line or two each (the browser and load
// tests use the real CLI on the demo node instead).
import type { CheckDocument, DmEntry, DmResult, MountEntry, MountsResult, Status } from '../../src/core/vocab/types';
import { dmEntry as baseEntry } from '../helpers/dm-entry';

export function dmEntry(over: Partial<DmEntry> = {}): DmEntry {
  return baseEntry({ uuid: 'LVM-aaaa', lv: 'vm-100-disk-0', vmid: 100, volume: 'local-lvm:vm-100-disk-0', ...over });
}

export function dmResult(entries: DmEntry[], status: Status = 0): DmResult {
  const count = (s: string) => entries.filter((e) => e.status === s).length;
  return {
    summary: {
      total: entries.length,
      valid: count('valid'),
      duplicate: count('duplicate'),
      orphan: count('orphan'),
      unknown: count('unknown'),
      ignored: count('ignored'),
      protected: 0,
      pending: 0,
      open: 0,
      score: 100 - 5 * count('orphan'),
      grade: count('orphan') ? 'B' : 'A+',
    },
    entries,
    guests: [
      {
        vmid: 100,
        type: 'qemu',
        name: 'web<b>01',
        node: 'pve1',
        status: 'running',
        health: 'ok',
        issues: 0,
        volumes: 1,
      },
    ],
    vmidReuse: { nextVmid: 101, upcoming: [], collisions: [], leftovers: [], messages: [] },
    warnings: [],
    status,
  };
}

export function mountEntry(over: Partial<MountEntry> = {}): MountEntry {
  return {
    scope: 'host',
    ctid: null,
    source: 'nas:/export/backup',
    target: '/mnt/pve/backup',
    fstype: 'nfs4',
    options: 'rw,relatime',
    status: 'ok',
    reachable: true,
    error: null,
    proxmoxManaged: true,
    storage: 'backup',
    totalBytes: 1000,
    usedBytes: 600,
    availableBytes: 400,
    usagePercent: 60,
    ...over,
  };
}

export function mountsResult(entries: MountEntry[], status: Status = 0): MountsResult {
  return { summary: { total: entries.length }, entries, status };
}

/** A minimal document builder (the command uses the real one from src/core). */
export function buildDoc(parts: {
  dm: DmResult | null;
  mounts: MountsResult | null;
  scannedAt: Date | null;
}): CheckDocument {
  const statuses = [parts.dm?.status, parts.mounts?.status].filter((s) => s !== undefined);
  if (statuses.length === 0) statuses.push(3);
  return {
    schemaVersion: 1,
    generatedAt: (parts.scannedAt ?? new Date(0)).toISOString(),
    node: 'pve1',
    ...(parts.dm ? { dm: parts.dm } : {}),
    ...(parts.mounts ? { mounts: parts.mounts } : {}),
    status: Math.max(...statuses) as Status,
  };
}
