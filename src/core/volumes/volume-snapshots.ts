// The snapshots PVE itself creates on ZFS/RBD/btrfs/dir volumes, and the operation that owns each: a
// snapshot is pending only while that operation runs for THAT guest (its task with the guest's VMID, the
// guest's `lock:`, HA moving it); otherwise it is what an interrupted operation left, with what it breaks.
// Sources: pve-storage Storage.pm storage_migrate (`__migration__`, storage_migrate_snapshot: zfspool, and
// btrfs with snapshots); pve-container VZDump/LXC.pm prepare/snapshot (`vzdump`); pve-guest-common
// AbstractConfig.pm snapshot_create/snapshot_delete (guest snapshots, lock snapshot/snapshot-delete). Pure.
import { SNAPSHOT } from '../dm/pending-rule';
import type { GuestRecord } from '../node/guest-record';
import type { PveState } from '../node/pve-state';
import { dropStep, type NextStep } from '../vocab/next-step';

/** Who a snapshot's operation is, and the words for its leftover. */
export interface SnapshotOwner {
  /** The operation, for protectedBy/pendingBy (`task:qmigrate`, `lock:migrate`, `ha:migrate`). */
  runningBy: string[];
  /** The operation's name in words. */
  what: string;
}

const MIGRATE_TASKS = new Set(['qmigrate', 'vzmigrate']);
// The snapshot operations of the pending rule (dm/pending-rule.ts): its task types and its locks.
const SNAPSHOT_TASKS = new Set(SNAPSHOT.filter((op) => !op.startsWith('lock:')));
const SNAPSHOT_LOCKS = new Set(SNAPSHOT.filter((op) => op.startsWith('lock:')).map((op) => op.slice(5)));

type Guest = GuestRecord | undefined;

/** What runs for guest `vmid` that owns a snapshot of kind `kind` (empty: nothing). */
export function ownerRunning(
  pve: Pick<PveState, 'tasks' | 'ha'>,
  vmid: number,
  guest: Guest,
  kind: 'migration' | 'vzdump' | 'guest',
): string[] {
  const id = String(vmid);
  const by: string[] = [];
  const lock = guest?.config?.lock ?? null;
  for (const t of pve.tasks) {
    if (t.id !== id) continue;
    if (kind === 'migration' && MIGRATE_TASKS.has(t.type)) by.push(`task:${t.type}`);
    if (kind === 'vzdump' && t.type === 'vzdump') by.push('task:vzdump');
    if (kind === 'guest' && SNAPSHOT_TASKS.has(t.type)) by.push(`task:${t.type}`);
  }
  // A lock is visible cluster-wide (the config is in pmxcfs): it also explains the target node's copy.
  if (kind === 'migration' && lock === 'migrate') by.push('lock:migrate');
  if (kind === 'vzdump' && lock === 'backup') by.push('lock:backup'); // vzdump locks each guest while it is backed up
  if (kind === 'guest' && lock && SNAPSHOT_LOCKS.has(lock)) by.push(`lock:${lock}`);
  if (kind === 'migration')
    for (const h of pve.ha)
      if (h.vmid === vmid && (h.state === 'migrate' || h.state === 'relocate')) by.push(`ha:${h.state}`);
  return [...new Set(by)];
}

export interface PveSnapshotVerdict {
  /** valid while its operation runs; a leftover otherwise. */
  leftover: boolean;
  detail: string;
  pendingBy: string[];
  /** PVE's own way to remove the leftover, when PVE has one (else the storage command applies). */
  pveSteps?: NextStep[];
}

const guestWord = (g: Guest, vmid: number) => `${g?.type === 'lxc' ? 'CT' : g ? 'VM' : 'guest'} ${vmid}`;

/**
 * `__migration__` and (on a container) `vzdump`. null for any other name (guest snapshots, replication
 * snapshots and `__base__` have their own rules).
 */
export function pveSnapshot(
  pve: Pick<PveState, 'tasks' | 'ha'>,
  snapshot: string,
  vmid: number,
  guest: Guest,
): PveSnapshotVerdict | null {
  const who = guestWord(guest, vmid);
  if (snapshot === '__migration__') {
    const by = ownerRunning(pve, vmid, guest, 'migration');
    if (by.length > 0)
      return {
        leftover: false,
        pendingBy: by,
        detail: `storage migration snapshot of ${who}, migration running (${by.join(', ')})`,
      };
    return {
      leftover: true,
      pendingBy: [],
      detail: `storage migration snapshot left by an interrupted migration of ${who} (storage_migrate only warns "could not remove source snapshot"): the next migration of ${who} fails, snapshot __migration__ exists`,
    };
  }
  // qemu-server backs VMs up without volume snapshots: only a container's `vzdump` is vzdump's own.
  if (snapshot === 'vzdump' && guest?.type === 'lxc') {
    const by = ownerRunning(pve, vmid, guest, 'vzdump');
    if (by.length > 0)
      return { leftover: false, pendingBy: by, detail: `snapshot-mode backup of ${who} running (${by.join(', ')})` };
    if (guest.config?.snapshots.includes('vzdump'))
      return {
        leftover: true,
        pendingBy: [],
        detail: `snapshot of an interrupted snapshot-mode backup of ${who}; its config still has [vzdump], so the next snapshot-mode backup of ${who} force-removes it first (VZDump/LXC.pm "found old vzdump snapshot")`,
        pveSteps: [
          dropStep('remove the snapshot and its [vzdump] section (what the next backup would do; irreversible)', [
            'pct',
            'delsnapshot',
            String(vmid),
            'vzdump',
            '--force',
          ]),
        ],
      };
    return {
      leftover: true,
      pendingBy: [],
      detail: `snapshot of an interrupted snapshot-mode backup of ${who} whose config no longer has [vzdump]: the next snapshot-mode backup of ${who} fails, the storage snapshot vzdump exists`,
    };
  }
  return null;
}
