// Which running operation explains which entry (docs/cleanup.md "Pending: an operation explains that
// entry"). `pending` hides a finding from the grade, so an operation may only make an entry pending
// when it is the reason the entry exists: a migration for a map away from the guest's home, a
// create/restore/clone/move/import for a volume being written, vzdump for its own snapshot. Any other
// operation of the guest only protects the entry (no action while it runs); a console never counts.
// Task types are the names the API forks workers under (pve-manager/qemu-server/pve-container
// `fork_worker(...)`, see the doc for file:line). Pure.

import { CONSOLE_TASKS } from '../node/guest-locks';
import type { DmEntry } from '../vocab/types';

export { CONSOLE_TASKS };

/** Moves a guest between nodes; on the target it creates the volumes, on the source it removes them. */
const MIGRATION = [
  'qmigrate', // qemu-server API2/Qemu.pm migrate_vm
  'vzmigrate', // pve-container API2/LXC.pm migrate_vm
  'hamigrate', // both, when HA manages the guest
  'migrateall', // pve-manager API2/Nodes.pm migrateall (empty id)
  'bulk-migrate', // pve-manager API2/Cluster/BulkAction/Guest.pm (empty id)
  'qmtunnel', // remote migration: the target node's side (API2/Qemu.pm mtunnel)
  'vzmtunnel',
  'lock:migrate',
  'ha:migrate',
  'ha:relocate',
  'ha:recovery',
  'kvm-incoming', // the target's `kvm ... -incoming` (QemuServer/StateFile.pm) while lock: migrate stands
];

/** Allocate and write volumes that no config names yet (or names under a lock). */
const WRITING = [
  'qmcreate', // API2/Qemu.pm create_vm
  'qmrestore',
  'vzcreate', // API2/LXC.pm create_vm
  'vzrestore',
  'qmclone', // clone_vm: the task id is the source; the target's config has lock: create/clone
  'vzclone',
  'qmmove', // move_vm_disk / reassign (id "<vmid>-<disk>><target>-<disk>")
  'move_volume', // pve-container move_volume (lock: disk)
  'qmconfig', // update_vm: `scsiN: STORAGE:SIZE` or import-from allocates under this worker
  'imgcopy', // pve-storage API2/Storage/Content.pm copy
  'lock:create',
  'lock:clone',
  'lock:disk',
  ...MIGRATION,
];

/** Snapshot operations: the snapshot LVs and vmstate volumes they create or remove (tasks and locks). */
export const SNAPSHOT = [
  'qmsnapshot',
  'vzsnapshot',
  'qmdelsnapshot',
  'vzdelsnapshot',
  'qmrollback',
  'vzrollback',
  'lock:snapshot',
  'lock:snapshot-delete',
  'lock:rollback',
];

/** vzdump: only its own `vzdump` snapshot and its fleecing images (VZDump.pm, QemuServer.pm fleecing). */
const BACKUP = ['vzdump', 'lock:backup'];
/** `qm suspend --todisk` writes the vm-N-state-suspend-* volume under lock: suspending. */
const SUSPEND = ['qmsuspend', 'lock:suspending'];

export type EntryClass = 'away' | 'written' | 'snapshot' | 'duplicate' | 'other';

/** What kind of finding an entry is, for the question "which operation explains it". */
export function entryClass(e: Pick<DmEntry, 'status' | 'reason'>): EntryClass {
  if (e.status === 'duplicate') return 'duplicate';
  if (e.reason === 'snapshot-missing') return 'snapshot';
  if (e.reason === 'guest-on-other-node') return 'away';
  if (e.reason === 'not-referenced' || e.reason === 'guest-missing' || e.reason === 'inactive-leftover')
    return 'written';
  return 'other';
}

// snap_vm-100-disk-0_vzdump, snap_vm-100-disk-0_before.qcow2 (LvmThinPlugin/LVMPlugin snapshot names)
function snapshotName(lv: string | null): string | null {
  const m = lv ? /^snap_(?:vm|base)-\d+-[^_]+_(.+?)(?:\.qcow2)?$/.exec(lv) : null;
  return m ? m[1] : null;
}

/**
 * True when `op` (a task type, `lock:<name>`, `ha:<state>` or `kvm-incoming`) is the operation that
 * made this entry: the entry is pending while it runs. False: the operation at most protects it.
 */
export function explains(op: string, e: Pick<DmEntry, 'status' | 'reason' | 'lv'>): boolean {
  if (CONSOLE_TASKS.has(op)) return false;
  switch (entryClass(e)) {
    case 'away':
      return MIGRATION.includes(op);
    case 'written': {
      if (WRITING.includes(op)) return true;
      const lv = e.lv ?? '';
      if (/^vm-\d+-fleece-/.test(lv)) return BACKUP.includes(op);
      if (/^vm-\d+-state-suspend-/.test(lv)) return SUSPEND.includes(op);
      if (/^vm-\d+-state-/.test(lv)) return SNAPSHOT.includes(op);
      return false;
    }
    case 'snapshot':
      return SNAPSHOT.includes(op) || (BACKUP.includes(op) && snapshotName(e.lv) === 'vzdump');
    default:
      // Two maps of one LV, or a map without its LV: no PVE operation makes one.
      return false;
  }
}

/** The guests a task is about: its id is the VMID, or `<vmid>-<disk>><target>-<disk>` for a reassign. */
/**
 * Whether a running `imgdel` is the worker of this `del-` LV. Its id says whose volume it frees:
 * `<vmid>@<storage>` from the API's content delete (pve-storage API2/Storage/Content.pm: `$ownervm@$storeid`),
 * empty for the saferemove worker that zeroes and removes a renamed LV (Storage.pm vdisk_free,
 * LVMPlugin.pm fork_cleanup_worker: fork_worker('imgdel', undef, ...)); that one explains only the LV it
 * holds open while it zeroes it.
 */
export function imgdelExplains(
  t: { type: string; id: string },
  lv: { vmid: number | null; storage: string | null; open: boolean },
): boolean {
  if (t.type !== 'imgdel') return false;
  if (t.id === '') return lv.open;
  const m = /^(?:(\d+)@)?(.+)$/.exec(t.id);
  return m !== null && m[2] === lv.storage && (m[1] === undefined || Number(m[1]) === lv.vmid);
}

export function taskVmids(id: string): number[] {
  const out: number[] = [];
  for (const m of id.matchAll(/(?:^|>)(\d+)(?=-|$)/g)) out.push(Number(m[1]));
  return out;
}
