// A task explains an entry only by its type, its id and a live worker (pve-common
// check_process_running: the UPID's pid and start time against /proc/<pid>/stat); an unreadable task
// list is UNKNOWN for what it could explain, never silent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imgdelExplains } from '../../src/core/dm/pending-rule';
import { lockState } from '../../src/core/node/guest-locks';
import { parsePveState } from '../../src/core/node/pve-state';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import { bareSnapshot } from '../helpers/bare-snapshot';

const task = (type: string, id: string) => ({ type, id });
const base = { vmid: 150, lock: 'create', guestNode: 'pve1', node: 'pve1', ha: [] };

test('lockState: only the guest’s own task with a live worker puts its lock under way', () => {
  assert.equal(lockState({ ...base, tasks: [task('qmrestore', '150')] }), 'under-way');
  // The nightly backup of all guests and aptupdate have an empty id: they explain no guest's lock.
  assert.equal(lockState({ ...base, tasks: [task('vzdump', ''), task('aptupdate', '')] }), 'stale');
  // …but by its type, a vzdump of several guests explains the one lock it takes: `lock: backup`.
  assert.equal(lockState({ ...base, lock: 'backup', tasks: [task('vzdump', '')] }), 'under-way');
  assert.equal(lockState({ ...base, lock: 'backup', tasks: [task('aptupdate', '')] }), 'stale');
  assert.equal(lockState({ ...base, tasks: [task('qmrestore', '151')] }), 'stale');
  // The task line stands, its worker is gone: not under way, and not "stale" either (no qm unlock offered).
  assert.equal(lockState({ ...base, tasks: [], deadTasks: [task('qmrestore', '150')] }), 'unknown');
  // tasks/active could not be read: a restore in progress must not get `qm unlock`.
  assert.equal(lockState({ ...base, tasks: [], tasksUnread: 'EIO' }), 'unknown');
  assert.equal(lockState({ ...base, lock: 'suspended', tasks: [], tasksUnread: 'EIO' }), 'persistent');
});

test('imgdel explains only its own volume’s del- LV (Content.pm id `<vmid>@<storage>`; the saferemove worker has none)', () => {
  const del = { vmid: 106, storage: 'nvme', open: false };
  assert.equal(imgdelExplains(task('imgdel', '106@nvme'), del), true);
  assert.equal(imgdelExplains(task('imgdel', '107@nvme'), del), false);
  assert.equal(imgdelExplains(task('imgdel', '106@other'), del), false);
  assert.equal(imgdelExplains(task('imgdel', 'nvme'), del), true);
  // The empty-id worker zeroes the LV it holds open: only that one.
  assert.equal(imgdelExplains(task('imgdel', ''), del), false);
  assert.equal(imgdelExplains(task('imgdel', ''), { ...del, open: true }), true);
  assert.equal(imgdelExplains(task('vzdump', '106@nvme'), del), false);
});

function snap(active: string, extra: Partial<HostSnapshot> = {}): HostSnapshot {
  return bareSnapshot({ '/var/log/pve/tasks/active': active }, extra);
}

const LIVE = 'UPID:pve1:0000A000:00001000:67A1B2C3:qmrestore:150:root@pam:';
const REUSED = 'UPID:pve1:0000A001:00002000:67A1B2C3:qmclone:151:root@pam:';
const GONE = 'UPID:pve1:0000A002:00003000:67A1B2C3:vzdump:152:root@pam:';

test('parsePveState: running lines split by their worker; an odd line or an unreadable file is said', () => {
  const text = `${LIVE} 0\n${REUSED} 0\n${GONE} 0\n`;
  const pve = parsePveState(snap(text, { taskWorkers: { [LIVE]: 0x1000, [REUSED]: 0x9999, [GONE]: null } }));
  assert.deepEqual(
    pve.tasks.map((t) => t.id),
    ['150'],
  );
  assert.deepEqual(
    pve.deadTasks.map((t) => t.id),
    ['151', '152'],
  );
  assert.equal(pve.tasksUnread, null);
  // Older snapshots (no worker table): every running line counts, as before.
  assert.equal(parsePveState(snap(text)).tasks.length, 3);
  const cut = parsePveState(snap(`${LIVE} 0\nUPID:pve1:0000A0`));
  assert.match(cut.tasksUnread ?? '', /no task line/);
  assert.match(cut.unseen.local ?? '', /restore or clone in progress/);
  const unread = parsePveState(snap('', { unreadable: { '/var/log/pve/tasks/active': 'EACCES' } }));
  assert.match(unread.tasksUnread ?? '', /could not be read \(EACCES\)/);
  assert.match(unread.unseen.shared ?? '', /EACCES/);
});
