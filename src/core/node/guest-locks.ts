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
  /** Running tasks of this node with a live worker (`id` is the VMID, or '' for a node-wide task). */
  tasks: readonly { id: string; type: string }[];
  /** Running lines of tasks/active whose worker is gone (pve-state deadTasks). */
  deadTasks?: readonly { id: string; type: string }[];
  /** Why tasks/active cannot be believed, or null. */
  tasksUnread?: string | null;
  ha: readonly { vmid: number; state: string }[];
}

export type LockState = 'under-way' | 'persistent' | 'stale' | 'unknown';

/**
 * Tasks that create a guest whose own VMID is not the task's id: a clone runs as the source's
 * qmclone/vzclone (qemu-server clone_vm, pve-container clone_vm) while the target's config carries
 * `lock: create`/`clone`. Any such task running here may explain such a lock.
 */
const CREATING_TASKS = new Set(['qmclone', 'vzclone']);
const CREATE_LOCKS = new Set(['create', 'clone']);

/**
 * `under-way`: a task of the guest (its id is the VMID; a task with an empty id, such as aptupdate,
 * explains no guest's lock — but a vzdump of several guests explains `lock: backup`, the one it takes)
 * runs here with a live worker, HA is moving it, or the config lives on another node (its tasks are
 * not visible here). `persistent`: a state such as `suspended`. `unknown`: tasks/active cannot be
 * read, or the guest's task line stands while its worker is gone. `stale`: a guest of this node locked
 * with nothing running.
 */
export function lockState(f: LockFacts): LockState {
  if (PERSISTENT_LOCKS.has(f.lock)) return 'persistent';
  if (f.guestNode !== f.node) return 'under-way';
  if (f.tasks.some((t) => t.id === String(f.vmid) && !CONSOLE_TASKS.has(t.type))) return 'under-way';
  // By its type: a vzdump of several guests (empty id) takes exactly `lock: backup` on the guest it backs up.
  if (f.lock === 'backup' && f.tasks.some((t) => t.type === 'vzdump' && t.id === '')) return 'under-way';
  if (CREATE_LOCKS.has(f.lock) && f.tasks.some((t) => CREATING_TASKS.has(t.type))) return 'under-way';
  if (f.ha.some((h) => h.vmid === f.vmid && HA_BUSY.has(h.state))) return 'under-way';
  if (f.tasksUnread || f.deadTasks?.some((t) => t.id === String(f.vmid) && !CONSOLE_TASKS.has(t.type)))
    return 'unknown';
  return 'stale';
}
