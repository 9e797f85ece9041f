// The worker of each running task, read as pve-common check_process_running reads it: field 22 of
// /proc/<pid>/stat (after the command name, which may hold spaces and parentheses).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createHost } from '../../src/host/host';
import { readTaskWorkers } from '../../src/host/read-node';

test('readTaskWorkers: the start time of each running task’s pid, null when the process is gone', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-tasks-'));
  const stat = (pid: number, comm: string, start: number) => {
    mkdirSync(join(root, `proc/${pid}`), { recursive: true });
    const fields = ['S', '1', ...Array.from({ length: 17 }, () => '0'), String(start), '0'];
    writeFileSync(join(root, `proc/${pid}/stat`), `${pid} (${comm}) ${fields.join(' ')}\n`);
  };
  stat(0xa000, 'task UPID:pve1:0000A000', 4096);
  stat(0xa001, 'a) b (c', 77);
  const live = 'UPID:pve1:0000A000:00001000:67A1B2C3:qmrestore:150:root@pam:';
  const odd = 'UPID:pve1:0000A001:00001000:67A1B2C3:qmclone:151:root@pam:';
  const gone = 'UPID:pve1:0000A002:00001000:67A1B2C3:vzdump::root@pam:';
  const ended = 'UPID:pve1:0000A003:00001000:67A1B2C3:vzdump::root@pam:';
  const text = `${live} 0\n${odd} 0\n${gone} 0\n${ended} 1 67A1B2D0 OK\n`;
  assert.deepEqual(readTaskWorkers(createHost({ root }), text), { [live]: 4096, [odd]: 77, [gone]: null });
});
