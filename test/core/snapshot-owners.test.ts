// Who a storage snapshot belongs to (volume snapshot-verdict.ts), through whole nodes: the guests whose
// configs name its volume here, then the guest its name carries (PVE acts on what a section names:
// AbstractConfig.pm snapshot_delete / snapshot_rollback, facts §13), a replica's snapshots the guest's
// sections name (Replication.pm replicate_volume: with_snapshots), and the words of a leftover that a
// section still names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify, entry, zsnap, zvol } from '../helpers/volume-node';

const conf = (node: string, vmid: number, text: string) => ({
  [`/etc/pve/nodes/${node}/qemu-server/${vmid}.conf`]: text,
});

test("a replica's snapshot the guest's section names: protected by the job, never an orphan", () => {
  const es = classify({
    files: {
      ...conf(
        'pve2',
        100,
        'scsi0: local-zfs:vm-100-disk-0,size=8G\n\n[snap1]\nscsi0: local-zfs:vm-100-disk-0,size=8G\nsnaptime: 1700000000\n',
      ),
      '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve1\n',
    },
    zfs: [zvol('vm-100-disk-0'), zsnap('vm-100-disk-0@snap1')],
  });
  const s = entry(es, 'local-zfs:vm-100-disk-0', 'snap1');
  assert.notEqual(s.status, 'orphan');
  assert.equal(s.job, '100-0');
  assert.ok(s.protectedBy.includes('replication-job:100-0'), String(s.protectedBy));
  assert.match(s.detail, /^snapshot \[snap1\] of VM 100 on its /);
  assert.equal(s.steps, undefined);
  // The same snapshot with no section naming it: the guest's snapshot is gone, the replica's stays a copy.
  const gone = classify({
    files: {
      ...conf('pve2', 100, 'scsi0: local-zfs:vm-100-disk-0,size=8G\n'),
      '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve1\n',
    },
    zfs: [zvol('vm-100-disk-0'), zsnap('vm-100-disk-0@snap1')],
  });
  assert.doesNotMatch(entry(gone, 'local-zfs:vm-100-disk-0', 'snap1').detail, /^snapshot \[snap1\] of VM 100 on its /);
});

test('a snapshot of a volume no config names, whose guest exists here: snapshot-missing, never "guest gone"', () => {
  const es = classify({
    files: conf('pve1', 100, 'scsi0: local-zfs:vm-100-disk-1,size=8G\n'),
    zfs: [zvol('vm-100-disk-0'), zvol('vm-100-disk-1'), zsnap('vm-100-disk-0@old')],
  });
  const s = entry(es, 'local-zfs:vm-100-disk-0', 'old');
  assert.deepEqual([s.status, s.reason], ['orphan', 'snapshot-missing']);
  assert.doesNotMatch(s.detail, /no longer exists/);
});

// pve-container's vzdump snapshot mode makes a storage snapshot `vzdump` and a [vzdump] section
// (LXC.pm / vzdump snapshot): left behind, PVE's own `pct delsnapshot` is the command, and the entry says
// which guest's section names it.
test("a container's vzdump leftover a section still names: which guest's section names it", () => {
  const disk = 'subvol-100-disk-0';
  const es = classify({
    files: {
      '/etc/pve/nodes/pve1/lxc/100.conf': `rootfs: local-zfs:${disk},size=8G\n\n[vzdump]\nrootfs: local-zfs:${disk},size=8G\nsnapstate: prepare\nsnaptime: 1700000000\n`,
    },
    zfs: [
      `rpool/data/${disk}\tfilesystem\t-\t98304\t98304\t67108864\t-\t/rpool/data/${disk}`,
      `rpool/data/${disk}@vzdump\tsnapshot\t-\t0\t98304\t-\t-\t-`,
    ],
  });
  const s = entry(es, `local-zfs:${disk}`, 'vzdump');
  // the config's [vzdump] section owns it: not an orphan, so neither reclaim's nor a finding
  assert.deepEqual([s.status, s.reason, s.namedBySection], ['valid', 'referenced', 'CT 100 [vzdump]']);
  assert.deepEqual(s.steps?.[0]?.command?.slice(0, 4), ['pct', 'delsnapshot', '100', 'vzdump']);
});

const upid = (type: string, id: string) => `UPID:pve1:000B7C1A:0A1B2C3D:67A1B2C3:${type}:${id}:root@pam: 1`;
const vmlist = (ids: Record<number, string>) =>
  `{\n"version": 1,\n"ids": {\n${Object.entries(ids)
    .map(([id, node]) => `"${id}": { "node": "${node}", "type": "qemu", "version": 1 }`)
    .join(',\n')}}\n\n}\n`;

/** VM 100 and VM 101 both name local-zfs:vm-100-disk-0 (101 with `more` lines). */
const both = (more = '') => ({
  ...conf('pve1', 100, 'scsi0: local-zfs:vm-100-disk-0,size=8G\n'),
  ...conf('pve1', 101, `scsi1: local-zfs:vm-100-disk-0,size=8G\n${more}`),
});

// The verdict of one storage snapshot `rpool/data/vm-100-disk-0@<snap>` of local-zfs on pve1, by who
// names its volume (qemu-server: a section [snap] of a config that names the volume is what `qm rollback`
// / `qm delsnapshot` act on, AbstractConfig.pm snapshot_rollback / snapshot_delete) and what runs for them.
test('who a snapshot belongs to: its section, its guest gone or unread, the operations that run for its users', () => {
  const rows: {
    name: string;
    files: Record<string, string>;
    snap?: string;
    tasks?: string[];
    status: string;
    reason: string;
    detail: string | RegExp;
    owner: string;
    pending?: boolean;
    /** Words protectedBy must hold. */
    by?: string[];
    job?: string;
  }[] = [
    {
      name: "its guest's section names it",
      files: conf('pve1', 100, 'scsi0: local-zfs:vm-100-disk-0,size=8G\n\n[snap1]\nsnaptime: 1700000000\n'),
      status: 'valid',
      reason: 'referenced',
      detail: 'snapshot [snap1] of VM 100',
      owner: 'guest',
    },
    {
      // A disk named by another guest's config (qm disk reassign, a hand edit) rolls back with that guest.
      name: "another guest's section names it, whose config names the volume",
      files: {
        ...conf('pve1', 100, 'scsi0: local-zfs:vm-100-disk-1,size=8G\n'),
        ...conf('pve1', 101, 'scsi1: local-zfs:vm-100-disk-0,size=8G\n\n[snap1]\nsnaptime: 1700000000\n'),
      },
      status: 'valid',
      reason: 'referenced',
      detail: 'snapshot [snap1] of VM 101 (its config names vm-100-disk-0: rollback needs it)',
      owner: 'guest',
    },
    {
      name: 'no config names the volume and guest 100 is gone',
      files: {},
      status: 'orphan',
      reason: 'guest-missing',
      detail: 'snapshot snap1 of a volume no config names, whose guest 100 no longer exists',
      owner: 'guest',
    },
    {
      // .vmlist lists the guest, its config is not there: whether a section names the snapshot is not known.
      name: "guest 100's config could not be read",
      files: { '/etc/pve/.vmlist': vmlist({ 100: 'pve1' }) },
      status: 'unknown',
      reason: 'config-unreadable',
      detail: 'the config of guest 100 could not be read',
      owner: 'guest',
    },
    {
      // A replica carries the guest's snapshots, but which are its sections' is in the config not read.
      name: "a replica's snapshot whose guest's config (on pve2) could not be read",
      files: {
        '/etc/pve/.vmlist': vmlist({ 100: 'pve2' }),
        '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve1\n',
      },
      status: 'unknown',
      reason: 'config-unreadable',
      detail: 'the config of guest 100 could not be read',
      owner: 'guest',
    },
    {
      name: 'no section names it',
      files: conf('pve1', 100, 'scsi0: local-zfs:vm-100-disk-0,size=8G\n'),
      status: 'orphan',
      reason: 'snapshot-missing',
      detail: 'guest 100 has no snapshot section [snap1]',
      owner: 'guest',
    },
    {
      name: 'two configs name the volume, neither has the section',
      files: both(),
      status: 'orphan',
      reason: 'snapshot-missing',
      detail: 'guest 100, guest 101 have no snapshot section [snap1]',
      owner: 'guest',
    },
    {
      // qm snapshot makes the storage snapshots before it writes the section (AbstractConfig.pm
      // snapshot_create: snapshot_prepare sets lock snapshot, the section is committed at the end).
      name: 'no section yet while a snapshot task of a user runs',
      files: both(),
      tasks: [upid('qmsnapshot', '100')],
      status: 'orphan',
      reason: 'snapshot-missing',
      detail: 'snapshot snap1 of VM 100, VM 101 while a snapshot operation runs (task:qmsnapshot)',
      owner: 'guest',
      pending: true,
    },
    {
      name: 'a snapshot removal of one user and a snapshot lock of the other',
      files: both('lock: snapshot-delete\n'),
      tasks: [upid('qmdelsnapshot', '100')],
      status: 'orphan',
      reason: 'snapshot-missing',
      detail:
        'snapshot snap1 of VM 100, VM 101 while a snapshot operation runs (task:qmdelsnapshot, lock:snapshot-delete)',
      owner: 'guest',
      pending: true,
    },
    {
      // Another operation of a guest whose config names the volume: protected (no hint), never pending.
      name: 'a backup of the other guest that names the volume',
      files: {
        ...conf('pve1', 100, 'scsi0: local-zfs:vm-100-disk-1,size=8G\n'),
        ...conf('pve1', 101, 'scsi1: local-zfs:vm-100-disk-0,size=8G\n'),
      },
      tasks: [upid('vzdump', '101')],
      status: 'orphan',
      reason: 'snapshot-missing',
      detail: 'guest 101, guest 100 have no snapshot section [snap1]',
      owner: 'guest',
      pending: false,
      by: ['task:vzdump'],
    },
    {
      name: 'its guest is locked by a backup',
      files: conf('pve1', 100, 'scsi0: local-zfs:vm-100-disk-0,size=8G\nlock: backup\n'),
      status: 'orphan',
      reason: 'snapshot-missing',
      detail: 'guest 100 has no snapshot section [snap1]',
      owner: 'guest',
      pending: false,
      by: ['lock:backup'],
    },
    {
      // Replication.pm replicate: the job's sync snapshot; the job is not being removed, so nothing is pending.
      name: "a live job's sync snapshot",
      snap: '__replicate_100-0_1700000000__',
      files: {
        ...conf('pve1', 100, 'scsi0: local-zfs:vm-100-disk-0,size=8G\n'),
        '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve2\n',
      },
      status: 'valid',
      reason: 'referenced',
      detail: /^replication snapshot of replication job 100-0 \(the last sync/,
      owner: 'replication',
      pending: false,
      by: ['replication-job:100-0'],
      job: '100-0',
    },
    // storage_migrate makes `__migration__` of the volume it moves, whichever guest's migration moves it:
    // the migration of either guest whose config names the volume, the first or the second one looked at.
    ...[100, 101].map((id) => ({
      name: `__migration__ while the migration of VM ${id} runs`,
      snap: '__migration__',
      files: both(),
      tasks: [upid('qmigrate', String(id))],
      status: 'valid',
      reason: 'referenced',
      detail: new RegExp(`^storage migration snapshot of VM ${id}, migration running \\(task:qmigrate\\)`),
      owner: 'migration',
      pending: true,
    })),
    {
      // An interrupted migration of a guest since destroyed: still the migration's leftover, not "guest gone".
      name: '__migration__ of a volume no config names, whose guest is gone',
      snap: '__migration__',
      files: {},
      status: 'orphan',
      reason: 'operation-leftover',
      detail: /^storage migration snapshot left by an interrupted migration of guest 100 /,
      owner: 'migration',
      pending: false,
    },
  ];
  for (const r of rows) {
    const snap = r.snap ?? 'snap1';
    const es = classify({
      files: r.files,
      zfs: [zvol('vm-100-disk-0'), zsnap(`vm-100-disk-0@${snap}`)],
      tasks: r.tasks?.join('\n'),
    });
    const s = entry(es, 'local-zfs:vm-100-disk-0', snap);
    const got = JSON.stringify(s);
    assert.deepEqual([s.status, s.reason, s.snapshotOwner], [r.status, r.reason, r.owner], `${r.name}: ${got}`);
    if (typeof r.detail === 'string') assert.equal(s.detail, r.detail, r.name);
    else assert.match(s.detail, r.detail, r.name);
    if (r.pending !== undefined) assert.equal(s.pending, r.pending, `${r.name}: ${got}`);
    for (const b of r.by ?? []) assert.ok(s.protectedBy.includes(b), `${r.name}: ${got}`);
    if (r.by) assert.equal(s.hint, undefined, r.name);
    assert.equal(s.job, r.job, r.name);
  }
});

// A linked clone names its base's volume as `base-900-disk-0/vm-901-disk-0`: that is its own disk's
// origin, not a disk of its own, so a snapshot of the base is the template's (qemu-server rolls back
// only the clone's own volume), never the clone's.
test("a linked clone does not own its base's snapshots", () => {
  const es = classify({
    files: {
      ...conf('pve1', 900, 'template: 1\nscsi0: local-zfs:base-900-disk-0,size=8G\n'),
      ...conf('pve1', 901, 'scsi0: local-zfs:base-900-disk-0/vm-901-disk-0,size=8G\n'),
    },
    zfs: [zvol('base-900-disk-0'), zsnap('base-900-disk-0@snap1'), zvol('vm-901-disk-0')],
  });
  const s = entry(es, 'local-zfs:base-900-disk-0', 'snap1');
  assert.deepEqual(
    [s.status, s.reason, s.detail],
    ['orphan', 'snapshot-missing', 'guest 900 has no snapshot section [snap1]'],
  );
});
