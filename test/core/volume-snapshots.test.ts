// The snapshots PVE itself makes and the operation that owns each (core/volumes/volume-snapshots.ts),
// operation by operation: `__migration__` is storage_migrate's (pve-storage Storage.pm), a container's
// `vzdump` is the snapshot-mode backup's (pve-container VZDump/LXC.pm), a guest snapshot is
// snapshot_create/snapshot_delete/rollback's (pve-guest-common AbstractConfig.pm). Each is pending only
// while ITS operation runs for THAT guest: its task (by type and VMID), the guest's lock, HA moving it.
// classify-volumes-snapshots.test.ts proves the same through whole nodes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GuestRecord } from '../../src/core/node/guest-record';
import { parseGuestConfig } from '../../src/core/parse/guest-config';
import type { HaService, Task } from '../../src/core/parse/pmxcfs';
import { ownerRunning, pveSnapshot } from '../../src/core/volumes/volume-snapshots';

const task = (type: string, id: string): Task => ({
  upid: `UPID:pve1:0000A000:00001000:67A1B2C3:${type}:${id}:root@pam:`,
  node: 'pve1',
  pid: 40960,
  pstart: 4096,
  starttime: 0x67a1b2c3,
  type,
  id,
  user: 'root@pam',
  running: true,
});
const ha = (vmid: number, state: string): HaService => ({
  sid: `vm:${vmid}`,
  type: 'vm',
  vmid,
  node: 'pve1',
  state,
  target: null,
});
const vm = (vmid: number, lines = ''): GuestRecord => ({
  vmid,
  type: 'qemu',
  node: 'pve1',
  config: parseGuestConfig(`scsi0: local-zfs:vm-${vmid}-disk-0\n${lines}`, 'qemu', vmid),
});
const ct = (vmid: number, lines = ''): GuestRecord => ({
  vmid,
  type: 'lxc',
  node: 'pve1',
  config: parseGuestConfig(`rootfs: local-zfs:subvol-${vmid}-disk-0,size=8G\n${lines}`, 'lxc', vmid),
});
const state = (o: { tasks?: Task[]; ha?: HaService[] }) => ({ tasks: o.tasks ?? [], ha: o.ha ?? [] });

describe('ownerRunning: what runs for this guest that owns the snapshot', () => {
  type Kind = 'migration' | 'vzdump' | 'guest';
  const rows: [string, { tasks?: Task[]; ha?: HaService[]; lock?: string }, Record<Kind, string[]>][] = [
    ['nothing', {}, { migration: [], vzdump: [], guest: [] }],
    ['qm migrate', { tasks: [task('qmigrate', '100')] }, { migration: ['task:qmigrate'], vzdump: [], guest: [] }],
    ['pct migrate', { tasks: [task('vzmigrate', '100')] }, { migration: ['task:vzmigrate'], vzdump: [], guest: [] }],
    [
      'the same migration on two task lines',
      { tasks: [task('qmigrate', '100'), task('qmigrate', '100')] },
      { migration: ['task:qmigrate'], vzdump: [], guest: [] },
    ],
    ['a migration of another guest', { tasks: [task('qmigrate', '101')] }, { migration: [], vzdump: [], guest: [] }],
    ['a backup of it', { tasks: [task('vzdump', '100')] }, { migration: [], vzdump: ['task:vzdump'], guest: [] }],
    [
      'a backup of several guests (empty id)',
      { tasks: [task('vzdump', '')] },
      { migration: [], vzdump: [], guest: [] },
    ],
    ['a start', { tasks: [task('vzstart', '100')] }, { migration: [], vzdump: [], guest: [] }],
    ['a snapshot', { tasks: [task('qmsnapshot', '100')] }, { migration: [], vzdump: [], guest: ['task:qmsnapshot'] }],
    [
      'a snapshot removal (pct)',
      { tasks: [task('vzdelsnapshot', '100')] },
      { migration: [], vzdump: [], guest: ['task:vzdelsnapshot'] },
    ],
    ['a rollback', { tasks: [task('qmrollback', '100')] }, { migration: [], vzdump: [], guest: ['task:qmrollback'] }],
    ['lock: migrate', { lock: 'migrate' }, { migration: ['lock:migrate'], vzdump: [], guest: [] }],
    ['lock: backup', { lock: 'backup' }, { migration: [], vzdump: ['lock:backup'], guest: [] }],
    ['lock: snapshot', { lock: 'snapshot' }, { migration: [], vzdump: [], guest: ['lock:snapshot'] }],
    [
      'lock: snapshot-delete',
      { lock: 'snapshot-delete' },
      { migration: [], vzdump: [], guest: ['lock:snapshot-delete'] },
    ],
    ['lock: rollback', { lock: 'rollback' }, { migration: [], vzdump: [], guest: ['lock:rollback'] }],
    ['lock: create', { lock: 'create' }, { migration: [], vzdump: [], guest: [] }],
    ['lock: suspended', { lock: 'suspended' }, { migration: [], vzdump: [], guest: [] }],
    ['HA migrates it', { ha: [ha(100, 'migrate')] }, { migration: ['ha:migrate'], vzdump: [], guest: [] }],
    ['HA relocates it', { ha: [ha(100, 'relocate')] }, { migration: ['ha:relocate'], vzdump: [], guest: [] }],
    // pve-ha-manager recovery moves the config of a fenced node's guest (no storage_migrate): no __migration__ of its own.
    ['HA recovers it', { ha: [ha(100, 'recovery')] }, { migration: [], vzdump: [], guest: [] }],
    ['HA started', { ha: [ha(100, 'started')] }, { migration: [], vzdump: [], guest: [] }],
    ['HA migrates another guest', { ha: [ha(101, 'migrate')] }, { migration: [], vzdump: [], guest: [] }],
    [
      'task, lock and HA of one migration: each named, in that order',
      { tasks: [task('qmigrate', '100')], lock: 'migrate', ha: [ha(100, 'migrate')] },
      { migration: ['task:qmigrate', 'lock:migrate', 'ha:migrate'], vzdump: [], guest: [] },
    ],
  ];
  for (const [what, o, want] of rows)
    for (const kind of ['migration', 'vzdump', 'guest'] as const)
      test(`${what}: ${kind} -> [${want[kind].join(', ')}]`, () =>
        assert.deepEqual(ownerRunning(state(o), 100, vm(100, o.lock ? `lock: ${o.lock}\n` : ''), kind), want[kind]));

  test('a guest with no config at all (a volume whose guest is gone): its tasks still count, no lock', () =>
    assert.deepEqual(ownerRunning(state({ tasks: [task('qmigrate', '100')] }), 100, undefined, 'migration'), [
      'task:qmigrate',
    ]));
});

test('a guest whose config could not be read: no lock is known, its tasks still count', () =>
  assert.deepEqual(
    ownerRunning(
      state({ tasks: [task('qmsnapshot', '100')] }),
      100,
      { ...vm(100), config: null, configError: 'EIO' },
      'guest',
    ),
    ['task:qmsnapshot'],
  ));

describe('pveSnapshot: __migration__ and a container vzdump', () => {
  test('__migration__ while its migration runs: pending, named by what runs', () =>
    assert.deepEqual(
      pveSnapshot(state({ tasks: [task('qmigrate', '100')], ha: [ha(100, 'migrate')] }), '__migration__', 100, vm(100)),
      {
        leftover: false,
        pendingBy: ['task:qmigrate', 'ha:migrate'],
        detail: 'storage migration snapshot of VM 100, migration running (task:qmigrate, ha:migrate)',
      },
    ));
  test('__migration__ of a guest whose config is gone: a leftover of "guest 100"', () => {
    const v = pveSnapshot(state({}), '__migration__', 100, undefined);
    assert.equal(v?.leftover, true);
    assert.match(v?.detail ?? '', /interrupted migration of guest 100 .*the next migration of guest 100 fails/);
  });
  test('__migration__ of a container: CT', () =>
    assert.match(pveSnapshot(state({}), '__migration__', 105, ct(105))?.detail ?? '', /of CT 105/));

  test("a container's vzdump while its backup runs: pending", () =>
    assert.deepEqual(pveSnapshot(state({ tasks: [task('vzdump', '105')] }), 'vzdump', 105, ct(105, 'lock: backup\n')), {
      leftover: false,
      pendingBy: ['task:vzdump', 'lock:backup'],
      detail: 'snapshot-mode backup of CT 105 running (task:vzdump, lock:backup)',
    }));
  test("a container's vzdump whose [vzdump] section is left: PVE's own removal, the section with it", () => {
    const v = pveSnapshot(
      state({}),
      'vzdump',
      105,
      ct(105, 'parent: vzdump\n\n[vzdump]\nrootfs: local-zfs:subvol-105-disk-0,size=8G\nsnaptime: 1\n'),
    );
    assert.equal(v?.leftover, true);
    assert.deepEqual(
      v?.pveSteps?.map((s) => [s.kind, s.irreversible, s.command]),
      [['drop', true, ['pct', 'delsnapshot', '105', 'vzdump', '--force']]],
    );
    assert.match(v?.pveSteps?.[0].text ?? '', /\[vzdump\]/);
  });
  test("a container's vzdump without its section: a leftover, no PVE step", () => {
    const v = pveSnapshot(state({}), 'vzdump', 105, ct(105));
    assert.equal(v?.leftover, true);
    assert.equal(v?.pveSteps, undefined);
  });
  // qemu-server backs VMs up without volume snapshots: a VM's `vzdump` snapshot is the admin's.
  test("a VM's snapshot named vzdump, and one of a guest whose config is gone: not vzdump's", () => {
    assert.equal(pveSnapshot(state({ tasks: [task('vzdump', '100')] }), 'vzdump', 100, vm(100)), null);
    assert.equal(pveSnapshot(state({}), 'vzdump', 105, undefined), null);
  });
  test('any other name is not these rules', () => {
    assert.equal(pveSnapshot(state({}), 'before-upgrade', 105, ct(105)), null);
    assert.equal(pveSnapshot(state({}), '__replicate_105-0_1700000000__', 105, ct(105)), null);
  });
});
