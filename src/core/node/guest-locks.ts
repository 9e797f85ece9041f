// When a guest's `lock:` means an operation is under way, and when it is what an interrupted one left.
// One rule for the DM flags (pending vs. protected) and the storage finding "locked but no task runs".
//
// lock: create        (AbstractConfig create_and_lock_config; qmrestore writes "memory: 128\nlock: create"
//                      before it allocates any disk, and an interrupted restore leaves it behind)
// Operations that set a lock run on the node that holds the config, and tasks/active is node-local:
// only for a guest of this node can "no task runs" be seen. Pure.

/** Locks that are a state, not an operation in progress: a hibernated VM keeps `lock: suspended`. */
export const PERSISTENT_LOCKS: ReadonlySet<string> = new Set(['suspended']);

/**
 * Interactive sessions: they read no volume and write none, so they never explain a lock or an entry
 * (qemu-server API2/Qemu.pm vncproxy and termproxy both fork 'vncproxy'; pve-manager API2/Nodes.pm
 * 'vncshell'; API2Tools.pm 'spiceproxy'/'spiceshell').
 */
export const CONSOLE_TASKS: ReadonlySet<string> = new Set([
  'vncproxy',
  'termproxy',
  'spiceproxy',
  'vncshell',
  'spiceshell',
]);

/** HA states in which the HA stack itself moves the guest (the lock is expected). */
export const HA_BUSY: ReadonlySet<string> = new Set(['migrate', 'relocate', 'recovery', 'fence', 'freeze']);

export interface LockFacts {
  vmid: number;
  lock: string;
  /** Node that holds the guest's config. */
  guestNode: string;
  /** This node. */
  node: string;
  /** Running tasks of this node (`id` is the VMID, or '' for a task over several guests). */
  tasks: readonly { id: string; type: string }[];
  ha: readonly { vmid: number; state: string }[];
}

export type LockState = 'under-way' | 'persistent' | 'stale';

/**
 * Tasks that create a guest whose own VMID is not the task's id: a clone runs as the source's
 * qmclone/vzclone (qemu-server clone_vm, pve-container clone_vm) while the target's config carries
 * `lock: create`/`clone`. Any such task running here may explain such a lock.
 */
const CREATING_TASKS = new Set(['qmclone', 'vzclone']);
const CREATE_LOCKS = new Set(['create', 'clone']);

/**
 * `under-way`: a task for the guest (or one over several guests, like a vzdump of all) runs here, HA
 * is moving it, or the config lives on another node (its tasks are not visible here).
 * `persistent`: a state such as `suspended`. `stale`: a guest of this node locked with nothing running.
 */
export function lockState(f: LockFacts): LockState {
  if (PERSISTENT_LOCKS.has(f.lock)) return 'persistent';
  if (f.guestNode !== f.node) return 'under-way';
  if (f.tasks.some((t) => (t.id === String(f.vmid) || t.id === '') && !CONSOLE_TASKS.has(t.type))) return 'under-way';
  if (CREATE_LOCKS.has(f.lock) && f.tasks.some((t) => CREATING_TASKS.has(t.type))) return 'under-way';
  if (f.ha.some((h) => h.vmid === f.vmid && HA_BUSY.has(h.state))) return 'under-way';
  return 'stale';
}
