// Tasks on a simulated node: a restore in progress (VM 150: `lock: create`, its disk written) must never
// get `qm unlock` — not when tasks/active cannot be read, not when a node-wide task runs beside it.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, dmNames, HAVE_FAKENODE, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'needs ../shared/fakenode (not in a public clone)';
const DISK = 'pve-vm--150--disk--0';
const UPID = (pid: string, type: string, id: string) => `UPID:pve1:${pid}:00001000:67A1B2C3:${type}:${id}:root@pam:`;

function restoring(): string {
  const out = buildNode('default-lvmthin');
  const root = join(out, 'root');
  // qmrestore writes `<vmid>.conf` with lock: create before it allocates any disk (facts §11).
  writeFileSync(join(root, 'etc/pve/nodes/pve1/qemu-server/150.conf'), 'memory: 128\nlock: create\n');
  const vmlist = JSON.stringify({ version: 9, ids: { 150: { node: 'pve1', type: 'qemu', version: 1 } } });
  const list = JSON.parse(vmlist);
  const cur = JSON.parse(readFileSync(join(root, 'etc/pve/.vmlist'), 'utf8'));
  writeFileSync(join(root, 'etc/pve/.vmlist'), JSON.stringify({ ...cur, ids: { ...cur.ids, ...list.ids } }));
  return out;
}

function tasks(out: string, text: string | null): void {
  const p = join(out, 'root/var/log/pve/tasks/active');
  rmSync(p, { recursive: true, force: true });
  if (text === null)
    mkdirSync(p); // there, but cannot be read as a file (EISDIR)
  else writeFileSync(p, text);
}

describe('tasks on a simulated node', { skip }, () => {
  it('tasks/active unreadable: UNKNOWN with the reason, no qm unlock, the restore’s disk untouched', () => {
    const out = restoring();
    tasks(out, null);
    const r = runCli(out, ['check', '--json']);
    assert.equal(r.code, 3, r.stderr);
    assert.doesNotMatch(r.stdout, /qm unlock 150/);
    assert.match(r.stdout, /tasks\/active could not be read/);
    runCli(out, ['clean', '--yes', '--all']);
    assert.ok(dmNames(out).has(DISK));
    const text = runCli(out, ['check']);
    assert.doesNotMatch(text.stdout, /qm unlock 150/);
    assert.match(text.stdout + text.stderr, /tasks\/active could not be read/);
  });

  it('a node-wide task (aptupdate, empty id) does not hide a stale lock: create', () => {
    const out = restoring();
    tasks(out, `${UPID('0000A000', 'aptupdate', '')} 0\n`);
    const r = runCli(out, ['check', '--json']);
    // No worker lives under that pid on the simulated node, and the id names no guest: stale either way.
    assert.match(r.stdout, /qm unlock 150/);
  });

  it('a task line whose worker is gone explains nothing but still keeps the disk from clean', () => {
    const out = restoring();
    tasks(out, `${UPID('0000A000', 'qmrestore', '150')} 0\n`);
    const doc = JSON.parse(runCli(out, ['dm', '--json']).stdout);
    const e = doc.dm.entries.find((x: { name: string }) => x.name === DISK);
    assert.equal(e.pending, false, 'a dead worker explains nothing');
    assert.ok(e.protectedBy.includes('task:qmrestore'), e.protectedBy.join(','));
    assert.equal(e.action ?? null, null);
    assert.doesNotMatch(runCli(out, ['check', '--json']).stdout, /qm unlock 150/);
    runCli(out, ['clean', '--yes', '--all']);
    assert.ok(dmNames(out).has(DISK));
  });

  it('the same task with a live worker (pid and start time as /proc says): pending', () => {
    const out = restoring();
    tasks(out, `${UPID('0000A000', 'qmrestore', '150')} 0\n`);
    const proc = join(out, 'root/proc/40960');
    mkdirSync(proc, { recursive: true });
    const fields = ['S', '1', ...Array.from({ length: 17 }, () => '0'), String(0x1000), '0'];
    writeFileSync(join(proc, 'stat'), `40960 (task UPID:pve1) ${fields.join(' ')}\n`);
    const doc = JSON.parse(runCli(out, ['dm', '--json']).stdout);
    const e = doc.dm.entries.find((x: { name: string }) => x.name === DISK);
    assert.equal(e.pending, true, JSON.stringify(e.protectedBy));
  });
});
