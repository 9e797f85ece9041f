// When a guest's `lock:` is an operation under way, a state, what an interrupted one left, or unknown
// (core/node/guest-locks.ts lockState), one row per way a real node shows it. The locks are the ones
// pve-guest-common AbstractConfig writes (lock_config / create_and_lock_config: backup, clone, create,
// migrate, snapshot, rollback, suspended, ...); the task types are the worker types of qemu-server,
// pve-container and pve-manager (qmrestore, qmclone, vzclone, vzdump, vncproxy, ...); the HA states are
// pve-ha-manager's service states (manager_status).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type LockFacts, type LockState, lockState } from '../../src/core/node/guest-locks';

const task = (type: string, id: string) => ({ type, id });
const base: LockFacts = { vmid: 150, lock: 'create', guestNode: 'pve1', node: 'pve1', tasks: [], ha: [] };

const CASES: [string, Partial<LockFacts>, LockState][] = [
  // A state, not an operation: a hibernated VM keeps `lock: suspended` with nothing running.
  ['a hibernated VM (lock: suspended), nothing runs', { lock: 'suspended' }, 'persistent'],
  ['lock: suspended even while tasks/active is unreadable', { lock: 'suspended', tasksUnread: 'EIO' }, 'persistent'],
  ['lock: suspending with nothing running is what a failed hibernation left', { lock: 'suspending' }, 'stale'],
  // The config lives on another node: its tasks run there, tasks/active here cannot say.
  ['a guest of another node', { guestNode: 'pve2' }, 'under-way'],
  ['a guest of another node, lock: migrate', { guestNode: 'pve2', lock: 'migrate' }, 'under-way'],
  ['a guest of this node, nothing runs', {}, 'stale'],
  ['its own qmrestore runs', { tasks: [task('qmrestore', '150')] }, 'under-way'],
  ['another guest’s qmrestore runs', { tasks: [task('qmrestore', '151')] }, 'stale'],
  ['its own snapshot task, lock: snapshot', { lock: 'snapshot', tasks: [task('qmsnapshot', '150')] }, 'under-way'],
  // A console reads and writes no volume: it never explains a lock (qemu-server vncproxy/termproxy,
  // pve-manager vncshell, spiceproxy/spiceshell).
  ...['vncproxy', 'termproxy', 'spiceproxy', 'vncshell', 'spiceshell'].map(
    (t): [string, Partial<LockFacts>, LockState] => [
      `only a ${t} of the guest runs`,
      { tasks: [task(t, '150')] },
      'stale',
    ],
  ),
  ['a console and its own restore run', { tasks: [task('vncproxy', '150'), task('qmrestore', '150')] }, 'under-way'],
  // vzdump of several guests runs with an empty id and takes exactly `lock: backup` on the guest it backs up.
  ['lock: backup, vzdump of all guests runs', { lock: 'backup', tasks: [task('vzdump', '')] }, 'under-way'],
  ['lock: backup, a vzdump of another guest runs', { lock: 'backup', tasks: [task('vzdump', '151')] }, 'stale'],
  ['lock: backup, aptupdate (empty id) runs', { lock: 'backup', tasks: [task('aptupdate', '')] }, 'stale'],
  [
    'lock: backup, vzdump of all guests and aptupdate run',
    { lock: 'backup', tasks: [task('aptupdate', ''), task('vzdump', '')] },
    'under-way',
  ],
  ['lock: backup, nothing runs', { lock: 'backup', tasks: [] }, 'stale'],
  ['lock: create, vzdump of all guests runs', { lock: 'create', tasks: [task('vzdump', '')] }, 'stale'],
  // A clone runs as the source's task; the target carries lock: create or clone.
  ['lock: clone, a qmclone of another VM runs', { lock: 'clone', tasks: [task('qmclone', '100')] }, 'under-way'],
  ['lock: create, a vzclone of another CT runs', { lock: 'create', tasks: [task('vzclone', '200')] }, 'under-way'],
  ['lock: migrate, a qmclone of another VM runs', { lock: 'migrate', tasks: [task('qmclone', '100')] }, 'stale'],
  ['lock: create, a qmrestore of another VM runs', { lock: 'create', tasks: [task('qmrestore', '100')] }, 'stale'],
  // HA moves the guest itself in these states.
  ...['migrate', 'relocate', 'recovery', 'fence', 'freeze'].map((s): [string, Partial<LockFacts>, LockState] => [
    `HA state ${s} of this guest`,
    { lock: 'migrate', ha: [{ vmid: 150, state: s }] },
    'under-way',
  ]),
  ['HA state started of this guest', { lock: 'migrate', ha: [{ vmid: 150, state: 'started' }] }, 'stale'],
  ['HA migrating another guest', { lock: 'migrate', ha: [{ vmid: 151, state: 'migrate' }] }, 'stale'],
  // Nothing explains it, and the task list cannot be believed: never "stale" (no `qm unlock` offered).
  ['tasks/active unreadable', { tasksUnread: '/var/log/pve/tasks/active could not be read (EIO)' }, 'unknown'],
  ['tasks/active readable', { tasksUnread: null }, 'stale'],
  ['its own task line stands, its worker is gone', { deadTasks: [task('qmrestore', '150')] }, 'unknown'],
  ['a dead task line of another guest', { deadTasks: [task('qmrestore', '151')] }, 'stale'],
  ['a dead console line of the guest', { deadTasks: [task('vncproxy', '150')] }, 'stale'],
  ['an older snapshot: no dead-task list at all', { deadTasks: undefined }, 'stale'],
  ['an empty dead-task list', { deadTasks: [] }, 'stale'],
  ['its own dead line among others', { deadTasks: [task('qmrestore', '151'), task('qmrestore', '150')] }, 'unknown'],
];

test('lockState: every way a lock is under way, a state, stale or unknown', () => {
  for (const [what, facts, want] of CASES) assert.equal(lockState({ ...base, ...facts }), want, what);
});
