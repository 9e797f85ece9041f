// Storage findings about guests (src/core/storage/classify-storage-guests.ts), rule by rule: a stale
// `lock:` and what each kind tells the admin to do, a lock whose task's worker is gone, and a VM whose kvm
// runs on a node that does not hold its config (split brain).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNode } from '../../src/core/node/node-view';
import { buildStorageContext } from '../../src/core/storage/classify-storage';
import { classifyLocks, classifySplitBrain } from '../../src/core/storage/classify-storage-guests';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import { emptyDm, snapshot } from '../helpers/storage-snapshot';

const QEMU = (node: string, vmid: number) => `/etc/pve/nodes/${node}/qemu-server/${vmid}.conf`;
const LXC = (node: string, vmid: number) => `/etc/pve/nodes/${node}/lxc/${vmid}.conf`;
const ACTIVE_TASKS = '/var/log/pve/tasks/active';
const UPID = (type: string, id: string) => `UPID:pve1:000B7C1A:0A1B2C3D:67A1B2C3:${type}:${id}:root@pam:`;

const ctxOf = (snap: HostSnapshot) => buildStorageContext(parseNode(snap), emptyDm(), {});
const locks = (files: Record<string, string>, edit?: (s: HostSnapshot) => void) => {
  const snap = snapshot({ files });
  edit?.(snap);
  return classifyLocks(ctxOf(snap));
};

test('a stale lock says what was interrupted and lists the commands for that kind of lock', () => {
  const cases: { lock: string; why: string; fix: string[] }[] = [
    {
      lock: 'backup',
      why: 'a backup was interrupted',
      fix: ['# make sure no vzdump process for it is left: ps -ef | grep vzdump', 'qm unlock 100'],
    },
    { lock: 'migrate', why: 'a migration was interrupted', fix: ['qm unlock 100'] },
    {
      lock: 'snapshot',
      why: 'taking a snapshot was interrupted; the snapshot may be half made',
      fix: ['qm listsnapshot 100', 'qm unlock 100'],
    },
    {
      lock: 'snapshot-delete',
      why: 'deleting a snapshot was interrupted; the snapshot may be half deleted',
      fix: ['qm listsnapshot 100', 'qm unlock 100'],
    },
    { lock: 'rollback', why: 'a rollback was interrupted', fix: ['qm listsnapshot 100', 'qm unlock 100'] },
    { lock: 'clone', why: 'a clone was interrupted', fix: ['qm unlock 100'] },
    {
      lock: 'create',
      why: 'creating or restoring the guest was interrupted; its disks may be incomplete',
      fix: ['qm unlock 100'],
    },
    { lock: 'disk', why: 'moving a disk was interrupted', fix: ['qm unlock 100'] },
    { lock: 'destroyed', why: 'destroying the guest was interrupted', fix: ['qm unlock 100'] },
    // A lock this version does not know: still a lock with nothing behind it.
    { lock: 'fstrim', why: 'an operation was interrupted', fix: ['qm unlock 100'] },
  ];
  for (const c of cases) {
    const fs = locks({ [QEMU('pve1', 100)]: `name: web\nlock: ${c.lock}\n` });
    assert.equal(fs.length, 1, c.lock);
    const [f] = fs;
    assert.deepEqual(
      [f.id, f.kind, f.severity, f.title, f.fix, f.subject],
      [
        'lock:100',
        'stale-lock',
        'warning',
        `VM 100 (web) is locked (${c.lock}) but no task for it runs`,
        c.fix,
        { vmid: 100 },
      ],
      c.lock,
    );
    const tail =
      c.lock === 'migrate'
        ? ' A migration is driven by the source node: check there first (pvesh get /cluster/tasks).'
        : '';
    assert.equal(
      f.detail,
      `Its config has \`lock: ${c.lock}\` and no task for it runs on pve1: ${c.why}. Until it is unlocked the guest cannot be started, changed, migrated or backed up (backups skip it).${tail}`,
      c.lock,
    );
  }
  // A container: pct, and its label; a VM without a name: no parentheses.
  const [ct] = locks({ [LXC('pve1', 200)]: 'hostname: ct1\nlock: rollback\n' });
  assert.deepEqual(
    [ct.title, ct.fix],
    ['CT 200 (ct1) is locked (rollback) but no task for it runs', ['pct listsnapshot 200', 'pct unlock 200']],
  );
  const [bare] = locks({ [QEMU('pve1', 101)]: 'lock: clone\n' });
  assert.equal(bare.title, 'VM 101 is locked (clone) but no task for it runs');
  // No lock, or a guest whose config another node holds: nothing here.
  assert.deepEqual(locks({ [QEMU('pve1', 102)]: 'name: x\n', [QEMU('pve2', 103)]: 'lock: backup\n' }), []);
});

test('a container left mounted (lock: mounted): pct unmount, never unlock', () => {
  const [f] = locks({ [LXC('pve1', 200)]: 'hostname: ct1\nlock: mounted\n' });
  assert.deepEqual(
    [f.id, f.kind, f.severity, f.title, f.fix, f.subject],
    [
      'lock:200',
      'guest-mounted',
      'warning',
      'CT 200 (ct1) is still mounted on the host (lock: mounted)',
      ['pct unmount 200'],
      { vmid: 200 },
    ],
  );
  assert.match(f.detail, /^`pct mount` mounted its volumes under \/var\/lib\/lxc/);
});

test('a lock whose task line stands while its worker is gone: say which task, never unlock', () => {
  const files = {
    [QEMU('pve1', 100)]: 'name: web\nlock: backup\n',
    [QEMU('pve1', 101)]: 'lock: disk\n',
    '/var/log/pve/tasks/active': `${UPID('vzdump', '100')} 0\n${UPID('qmmove', '102')} 0\n`,
  };
  // The worker's start time no longer matches the UPID's (pid gone or reused).
  const fs = locks(files, (s) => {
    s.taskWorkers = { [UPID('vzdump', '100')]: null, [UPID('qmmove', '102')]: null };
  });
  const upid = UPID('vzdump', '100');
  assert.deepEqual(
    fs.map((f) => [f.id, f.kind, f.severity, f.title, f.fix, f.subject]),
    [
      [
        'lock:100',
        'guest-lock-dead-task',
        'warning',
        'VM 100 (web) is locked (lock: backup) by a vzdump task whose worker is gone',
        [`pvenode task status ${upid}`, `pvenode task log ${upid}`],
        { vmid: 100 },
      ],
      // 101's lock is not explained by 102's dead task: nothing running, a stale lock.
      [
        'lock:101',
        'stale-lock',
        'warning',
        'VM 101 is locked (disk) but no task for it runs',
        ['qm unlock 101'],
        { vmid: 101 },
      ],
    ],
  );
  assert.equal(
    fs[0].detail,
    // 752666 is the UPID's pid (000B7C1A).
    `tasks/active still lists ${upid} as running, but process 752666 is gone or is another process: the operation ended without finishing its task entry. Unlock only once the task's log shows how it ended.`,
  );
  // tasks/active unreadable: no lock is called stale, and no dead task is named.
  const unread = locks(files, (s) => {
    s.unreadable = { '/var/log/pve/tasks/active': 'EIO' };
  });
  assert.deepEqual(unread, []);
  // tasks/active has a line that is no task line (so no lock is called stale) and a dead task of another
  // guest: that task is not named for this guest's lock.
  const odd = locks(
    { [QEMU('pve1', 100)]: 'lock: backup\n', [ACTIVE_TASKS]: `garbage\n${UPID('qmmove', '102')} 0\n` },
    (s) => {
      s.taskWorkers = { [UPID('qmmove', '102')]: null };
    },
  );
  assert.deepEqual(odd, []);
});

/** A VM whose config `node` holds, with a kvm of it alive on pve1 (started with -incoming or not). */
function splitBrain(o: {
  node?: string;
  type?: 'qemu' | 'lxc';
  lock?: string;
  incoming?: boolean;
  ha?: string;
  alive?: boolean;
}) {
  const node = o.node ?? 'pve2';
  const conf = `${o.lock ? `lock: ${o.lock}\n` : ''}name: db\nscsi0: san:vm-300-disk-0,size=8G\n`;
  const files: Record<string, string> = { [(o.type === 'lxc' ? LXC : QEMU)(node, 300)]: conf };
  if (o.ha) files['/etc/pve/ha/manager_status'] = `{"service_status":{${o.ha}}}`;
  const processes: HostSnapshot['processes'] = [];
  if (o.alive !== false) {
    files['/run/qemu-server/300.pid'] = '7300\n';
    processes.push({
      pid: 7300,
      comm: 'kvm',
      cmdline: [
        '/usr/bin/kvm',
        '-id',
        '300',
        ...(o.incoming ? ['-incoming', 'unix:/run/qemu-server/300.migrate'] : []),
      ],
    });
  }
  return classifySplitBrain(ctxOf(snapshot({ files, processes })));
}

test('split brain: a kvm here of a VM whose config another node holds, unless it is a migration target', () => {
  const HA = (vmid: number, state: string) => `"vm:${vmid}":{"node":"pve2","state":"${state}","target":"pve1"}`;
  const cases: { name: string; o: Parameters<typeof splitBrain>[0]; split: boolean; migrating?: boolean }[] = [
    { name: 'kvm alive here, config on pve2, no migration', o: {}, split: true },
    { name: 'the config is on this node', o: { node: 'pve1' }, split: false },
    { name: 'no live kvm', o: { alive: false }, split: false },
    // Only a VM runs a kvm; a container's config elsewhere says nothing about a kvm pid file here.
    { name: 'a container', o: { type: 'lxc' }, split: false },
    { name: 'migration target: lock migrate and -incoming', o: { lock: 'migrate', incoming: true }, split: false },
    { name: 'HA migrates it to here (-incoming)', o: { ha: HA(300, 'migrate'), incoming: true }, split: false },
    { name: 'HA relocates it to here (-incoming)', o: { ha: HA(300, 'relocate'), incoming: true }, split: false },
    // HA moving another guest explains nothing about this one.
    { name: 'HA migrates another VM', o: { ha: HA(301, 'migrate'), incoming: true }, split: true },
    { name: 'HA has it started, -incoming', o: { ha: HA(300, 'started'), incoming: true }, split: true },
    { name: '-incoming without lock: a resume, not a migration', o: { incoming: true }, split: true },
    { name: 'lock migrate, no -incoming', o: { lock: 'migrate' }, split: true, migrating: true },
    { name: 'HA migrating, no -incoming', o: { ha: HA(300, 'migrate') }, split: true, migrating: true },
  ];
  for (const c of cases) {
    const fs = splitBrain(c.o);
    assert.equal(fs.length, c.split ? 1 : 0, c.name);
    if (!c.split) continue;
    const [f] = fs;
    assert.deepEqual(
      [f.id, f.kind, f.severity, f.subject],
      ['split-brain:300', 'guest-split-brain', 'critical', { vmid: 300 }],
      c.name,
    );
    assert.equal(f.title, 'VM 300 (db) runs on pve1 but its config lives on pve2', c.name);
    assert.equal(
      f.detail,
      `A kvm process of VM 300 is alive on pve1 (/run/qemu-server/300.pid) while /etc/pve/nodes/pve2 holds its config${c.migrating ? ' and it is no migration target (no -incoming)' : ' and no migration is under way'}: if it runs on pve2 as well, two systems write the same disks.`,
      c.name,
    );
    assert.deepEqual(f.fix, [
      'qm status 300   # on pve2',
      '# then stop the copy that must not run (on pve1: kill the kvm of /run/qemu-server/300.pid)',
    ]);
  }
});
