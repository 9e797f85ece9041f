// tasks/active as PVE counts it (core/node/running-tasks.ts): a line without an end is a running task only
// while its worker lives (pve-common RPCEnvironment active_workers -> ProcFSTools check_process_running:
// the UPID's pid and start time against /proc/<pid>/stat field 22); a line that is no task line, or an
// unreadable file, makes the list unbelievable, with the reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runningTasks } from '../../src/core/node/running-tasks';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import { bareSnapshot } from '../helpers/bare-snapshot';

const ACTIVE = '/var/log/pve/tasks/active';
// `UPID saved [ENDTIME STATUS]` (pve-common INotify.pm read_active_workers / write_active_workers).
const RESTORE = 'UPID:pve1:0000A000:00001000:67A1B2C3:qmrestore:150:root@pam:';
const CLONE = 'UPID:pve1:0000A001:00002000:67A1B2C3:qmclone:151:root@pam:';
const BACKUP = 'UPID:pve1:0000A002:00003000:67A1B2C3:vzdump::root@pam:';
const ENDED = 'UPID:pve1:0000A003:00004000:67A1B2C3:qmstart:153:root@pam: 1 67A1B2D0 OK';

function snap(active: string | undefined, extra: Partial<HostSnapshot> = {}): HostSnapshot {
  return bareSnapshot(active === undefined ? {} : { [ACTIVE]: active }, extra);
}
const ids = (ts: { type: string; id: string }[]) => ts.map((t) => `${t.type}:${t.id}`);

test('runningTasks: a running line counts while its worker lives, as check_process_running decides', () => {
  const text = `${RESTORE} 0\n${CLONE} 0\n${BACKUP} 0\n${ENDED}\n`;
  const cases: [string, HostSnapshot['taskWorkers'], string[], string[]][] = [
    // Older snapshots have no worker table: every running line counts.
    ['no worker table', undefined, ['qmrestore:150', 'qmclone:151', 'vzdump:'], []],
    [
      'each worker with the UPID start time',
      { [RESTORE]: 0x1000, [CLONE]: 0x2000, [BACKUP]: 0x3000 },
      ['qmrestore:150', 'qmclone:151', 'vzdump:'],
      [],
    ],
    // The pid is reused by another process (another start time), or the process is gone (null).
    [
      'a reused pid and a gone worker',
      { [RESTORE]: 0x1000, [CLONE]: 0x9999, [BACKUP]: null },
      ['qmrestore:150'],
      ['qmclone:151', 'vzdump:'],
    ],
    // A UPID the gatherer did not look up (it appeared after the look): believed running, as before.
    ['a line not in the worker table', { [RESTORE]: 0x1000 }, ['qmrestore:150', 'qmclone:151', 'vzdump:'], []],
    [
      'a worker whose start time reads 0 is another process',
      { [RESTORE]: 0 },
      ['qmclone:151', 'vzdump:'],
      ['qmrestore:150'],
    ],
  ];
  for (const [what, workers, live, dead] of cases) {
    const r = runningTasks(snap(text, workers === undefined ? {} : { taskWorkers: workers }));
    assert.deepEqual(ids(r.tasks), live, what);
    assert.deepEqual(ids(r.deadTasks), dead, what);
    assert.equal(r.tasksUnread, null, what);
  }
});

test('runningTasks: an ended line is neither running nor dead', () => {
  const r = runningTasks(snap(`${ENDED}\n`, { taskWorkers: { [ENDED.split(' ')[0]]: null } }));
  assert.deepEqual(r, { tasks: [], deadTasks: [], tasksUnread: null });
});

test('runningTasks: why tasks/active cannot be believed', () => {
  const cases: [string, HostSnapshot, string | null][] = [
    ['absent (a node without tasks yet)', snap(undefined), null],
    ['empty', snap(''), null],
    ['blank and whitespace-only lines', snap(`\n   \n${RESTORE} 0\n\t\n`), null],
    [
      'a line cut short (a write in progress)',
      snap(`${RESTORE} 0\nUPID:pve1:0000A0`),
      `${ACTIVE} has a line that is no task line ("UPID:pve1:0000A0")`,
    ],
    [
      'a long garbled line is quoted to 60 characters',
      snap(`${'x'.repeat(59)}"yz tail\n`),
      `${ACTIVE} has a line that is no task line (${JSON.stringify(`${'x'.repeat(59)}"`)})`,
    ],
    ['unreadable', snap(undefined, { unreadable: { [ACTIVE]: 'EACCES' } }), `${ACTIVE} could not be read (EACCES)`],
    [
      'unreadable wins over what was read of it',
      snap('garbage', { unreadable: { [ACTIVE]: 'EIO' } }),
      `${ACTIVE} could not be read (EIO)`,
    ],
    ['another file unreadable', snap('', { unreadable: { '/etc/pve/.vmlist': 'EIO' } }), null],
  ];
  for (const [what, s, want] of cases) assert.equal(runningTasks(s).tasksUnread, want, what);
  // What it could read still counts: the live restore before the cut line.
  assert.deepEqual(ids(runningTasks(snap(`${RESTORE} 0\nUPID:pve1:0000A0`)).tasks), ['qmrestore:150']);
});
