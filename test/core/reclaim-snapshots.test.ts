// reclaim of a storage snapshot (issue: reclaim): a leftover snapshot on ZFS or Ceph RBD is renamed on its
// own volume to the quarantine grammar (reversible; PVE's operations no longer find it under the name they
// look for), listed as quarantined, renamed back by restore and destroyed alone by the purge. Every rule
// as a row: what a config section names, what a clone or a map holds, what moves with its volume.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStorageConfig } from '../../src/core/parse/storage-config';
import { planPurge } from '../../src/core/reclaim/plan-purge';
import { planReclaim } from '../../src/core/reclaim/plan-reclaim';
import { planUnquarantine, type RestoreRecord } from '../../src/core/reclaim/plan-unquarantine';
import type { VolumeEntry } from '../../src/core/vocab/volume-types';
import { input, NOW, STORAGE_CFG, vol, volumes } from '../helpers/reclaim-input';
import { classify, entry, zsnap, zvol } from '../helpers/volume-node';

const Q = 'pve-health-q.20261123T101500Z';
const snapOrphan = (volid: string, snapshot: string, over: Partial<VolumeEntry> = {}) =>
  vol({ volid, snapshot, status: 'orphan', reason: 'operation-leftover', ...over });
/** The volume a leftover snapshot sits on: a disk its guest's config names. */
const disk = (volid: string) => vol({ volid, status: 'valid', reason: 'referenced', references: ['VM 100 scsi0'] });

describe('planReclaim: a leftover snapshot is renamed on its own volume (exact argv)', () => {
  const rows: { name: string; entries: VolumeEntry[]; select: string; steps: string[][]; snapshotOf: string }[] = [
    {
      name: 'ZFS __migration__ of an interrupted migration: zfs rename DS@SNAP DS@<quarantine name>',
      entries: [disk('local-zfs:vm-100-disk-0'), snapOrphan('local-zfs:vm-100-disk-0', '__migration__')],
      select: 'local-zfs:vm-100-disk-0@__migration__',
      steps: [
        ['zfs', 'rename', 'rpool/data/vm-100-disk-0@__migration__', `rpool/data/vm-100-disk-0@${Q}.__migration__`],
      ],
      snapshotOf: 'rpool/data/vm-100-disk-0',
    },
    {
      name: 'ZFS snapshot of a linked clone: the clone dataset is a direct child of the pool',
      entries: [
        disk('local-zfs:base-900-disk-0/vm-101-disk-0'),
        snapOrphan('local-zfs:base-900-disk-0/vm-101-disk-0', 'old', { reason: 'snapshot-missing', vmid: 101 }),
      ],
      select: 'local-zfs:base-900-disk-0/vm-101-disk-0@old',
      steps: [['zfs', 'rename', 'rpool/data/vm-101-disk-0@old', `rpool/data/vm-101-disk-0@${Q}.old`]],
      snapshotOf: 'rpool/data/vm-101-disk-0',
    },
    {
      name: 'RBD vzdump leftover: rbd snap rename IMG@SNAP IMG@<quarantine name>',
      entries: [disk('ceph-vm:vm-100-disk-0'), snapOrphan('ceph-vm:vm-100-disk-0', 'vzdump')],
      select: 'ceph-vm:vm-100-disk-0@vzdump',
      steps: [['rbd', '-p', 'vm-pool', 'snap', 'rename', 'vm-100-disk-0@vzdump', `vm-100-disk-0@${Q}.vzdump`]],
      snapshotOf: 'vm-100-disk-0',
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const plan = planReclaim(input({ volumes: volumes(r.entries) }), { names: [r.select] });
      assert.deepEqual(plan.refused, []);
      assert.equal(plan.actions.length, 1);
      const a = plan.actions[0];
      assert.equal(a.volid, r.select);
      assert.deepEqual(
        a.steps.map((s) => s.command),
        r.steps,
      );
      assert.equal(a.location.snapshotOf, r.snapshotOf);
      assert.equal(a.original, r.select.split('@')[1]);
      assert.equal(a.quarantine, `${Q}.${a.original}`);
      // The guest config lock of the volume's VMID is taken, as for a volume.
      assert.deepEqual(
        a.guestLocks.map((g) => g.vmid),
        [a.vmid],
      );
    });

  it('--all plans the leftover snapshot; the volume it sits on is valid and untouched', () => {
    const plan = planReclaim(
      input({
        volumes: volumes([disk('local-zfs:vm-100-disk-0'), snapOrphan('local-zfs:vm-100-disk-0', '__migration__')]),
      }),
    );
    assert.deepEqual(
      plan.actions.map((a) => a.volid),
      ['local-zfs:vm-100-disk-0@__migration__'],
    );
  });
});

describe('planReclaim: the snapshots reclaim never renames', () => {
  const base = 'local-zfs:vm-100-disk-0';
  const rows: { name: string; entries: VolumeEntry[]; select: string; code: string; why: RegExp }[] = [
    {
      name: 'a config section names it ([vzdump] left: PVE force-removes both)',
      entries: [
        disk('local-zfs:subvol-105-disk-0'),
        snapOrphan('local-zfs:subvol-105-disk-0', 'vzdump', { vmid: 105, namedBySection: 'CT 105 [vzdump]' }),
      ],
      select: 'local-zfs:subvol-105-disk-0@vzdump',
      code: 'snapshot-named',
      why: /CT 105 \[vzdump\]/,
    },
    {
      name: 'a guest snapshot a config section names (valid)',
      entries: [disk(base), vol({ volid: base, snapshot: 'before', status: 'valid', reason: 'referenced' })],
      select: `${base}@before`,
      code: 'valid',
      why: /in use/,
    },
    {
      name: 'its volume is an orphan reclaim takes whole: the snapshot moves with it',
      entries: [vol({ volid: base }), snapOrphan(base, 'old', { reason: 'guest-missing' })],
      select: `${base}@old`,
      code: 'snapshot',
      why: /moves with it/,
    },
    {
      name: 'a clone was made from it (has-clones)',
      entries: [disk(base), snapOrphan(base, 'old', { protected: true, protectedBy: ['has-clones'] })],
      select: `${base}@old`,
      code: 'template-base',
      why: /^a snapshot a clone was made from \(@old, has-clones\)/,
    },
    {
      name: 'krbd maps it (pve-container vzdump maps its snapshot)',
      entries: [
        disk('ceph-vm:vm-100-disk-0'),
        snapOrphan('ceph-vm:vm-100-disk-0', 'vzdump', { protected: true, protectedBy: ['krbd-mapped'] }),
      ],
      select: 'ceph-vm:vm-100-disk-0@vzdump',
      code: 'protected',
      why: /krbd-mapped/,
    },
    {
      name: 'a live replication job owns it',
      entries: [
        disk(base),
        snapOrphan(base, '__replicate_100-0_1700000000__', {
          reason: 'snapshot-missing',
          protected: true,
          protectedBy: ['replication-job:100-0'],
        }),
      ],
      select: `${base}@__replicate_100-0_1700000000__`,
      code: 'protected',
      why: /replication-job:100-0/,
    },
    {
      name: 'its operation runs (a migration of that guest)',
      entries: [
        disk(base),
        snapOrphan(base, '__migration__', { pending: true, protected: true, protectedBy: ['task:qmigrate'] }),
      ],
      select: `${base}@__migration__`,
      code: 'pending',
      why: /qmigrate/,
    },
    {
      name: 'a dir volume chain snapshot (a snap- file is merged, not renamed)',
      entries: [
        vol({ volid: 'local:100/vm-100-disk-0.qcow2', status: 'valid', reason: 'referenced' }),
        snapOrphan('local:100/vm-100-disk-0.qcow2', 'old', { reason: 'snapshot-missing' }),
      ],
      select: 'local:100/vm-100-disk-0.qcow2@old',
      code: 'snapshot',
      why: /ZFS and Ceph RBD only/,
    },
    {
      name: 'an orphan reason reclaim does not take for a snapshot',
      entries: [disk(base), snapOrphan(base, 'old', { reason: 'not-referenced' })],
      select: `${base}@old`,
      code: 'unsupported',
      why: /not-referenced/,
    },
    {
      name: "an RBD image whose name starts with '-' (rbd would read it as an option)",
      entries: [snapOrphan('ceph-vm:-x', 'old', { reason: 'snapshot-missing' })],
      select: 'ceph-vm:-x@old',
      code: 'unsupported',
      why: /option/,
    },
    {
      name: 'the storage is disabled',
      entries: [snapOrphan('local-zfs:vm-100-disk-0', '__migration__')],
      select: `${base}@__migration__`,
      code: 'storage-disabled',
      why: /disabled/,
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const storages =
        r.code === 'storage-disabled'
          ? parseStorageConfig(STORAGE_CFG.replace('pool rpool/data', 'pool rpool/data\n\tdisable 1'))
          : undefined;
      const plan = planReclaim(input({ volumes: volumes(r.entries), ...(storages ? { storages } : {}) }), {
        names: [r.select],
      });
      assert.deepEqual(plan.actions, []);
      const no = plan.refused.find((x) => x.volid === r.select);
      assert.ok(no, JSON.stringify(plan.refused));
      assert.equal(no.code, r.code, no.why);
      assert.match(no.why, r.why);
    });
});

/** A snapshot in quarantine as the volumes part lists it (its `snapshot` is the quarantine name). */
function quarantinedSnap(volid: string, onStorage: string, original: string, over: Partial<VolumeEntry> = {}) {
  const q = onStorage.slice(onStorage.indexOf('@') + 1);
  return vol({
    volid,
    snapshot: q,
    status: 'ignored',
    reason: 'quarantined',
    quarantine: {
      snapshot: original,
      since: '2026-11-10T00:00:00.000Z',
      name: onStorage,
      onStorage,
      location: {
        pool: volid.startsWith('ceph') ? 'vm-pool' : 'rpool/data',
        snapshotOf: onStorage.slice(0, onStorage.indexOf('@')),
      },
    },
    ...over,
  });
}

describe('a quarantined snapshot: listed, purged alone, renamed back', () => {
  const zq = quarantinedSnap(
    'local-zfs:vm-100-disk-0',
    'rpool/data/vm-100-disk-0@pve-health-q.20261110T000000Z.__migration__',
    '__migration__',
  );
  const rq = quarantinedSnap('ceph-vm:vm-100-disk-0', 'vm-100-disk-0@pve-health-q.20261110T000000Z.vzdump', 'vzdump');

  it('is in the quarantine listing under VOLID@ORIGINAL, with its purge date', () => {
    const plan = planReclaim(input({ volumes: volumes([disk('local-zfs:vm-100-disk-0'), zq]) }));
    assert.deepEqual(plan.actions, []);
    assert.deepEqual(
      plan.quarantined.map((q) => [q.volid, q.onStorage, q.purgeAfter, q.due]),
      [
        [
          'local-zfs:vm-100-disk-0@__migration__',
          'rpool/data/vm-100-disk-0@pve-health-q.20261110T000000Z.__migration__',
          '2026-11-17T00:00:00.000Z',
          true,
        ],
      ],
    );
  });

  it('the purge destroys the snapshot alone (never -r, never the volume)', () => {
    const plan = planPurge(input({ volumes: volumes([zq, rq]) }));
    assert.deepEqual(plan.refused, []);
    assert.deepEqual(
      plan.actions.map((a) => [a.volid, a.steps.map((s) => s.command)]),
      [
        [
          'ceph-vm:vm-100-disk-0@vzdump',
          [['rbd', '-p', 'vm-pool', 'snap', 'rm', 'vm-100-disk-0@pve-health-q.20261110T000000Z.vzdump']],
        ],
        [
          'local-zfs:vm-100-disk-0@__migration__',
          [['zfs', 'destroy', 'rpool/data/vm-100-disk-0@pve-health-q.20261110T000000Z.__migration__']],
        ],
      ],
    );
  });

  it('the purge refuses one a clone or a map holds now, and one not yet due', () => {
    const held = quarantinedSnap('local-zfs:vm-100-disk-0', zq.quarantine!.onStorage, '__migration__', {
      quarantine: { ...zq.quarantine!, heldBy: ['has-clones'] },
    });
    let plan = planPurge(input({ volumes: volumes([held]) }));
    assert.deepEqual(
      plan.refused.map((r) => r.code),
      ['protected'],
    );
    plan = planPurge(input({ retentionDays: 30, volumes: volumes([zq]) }));
    assert.deepEqual(
      plan.refused.map((r) => r.code),
      ['not-due'],
    );
  });

  const record = (over: Partial<RestoreRecord>): RestoreRecord => ({
    volid: 'local-zfs:vm-100-disk-0@__migration__',
    storage: 'local-zfs',
    vmid: 100,
    guestType: 'qemu',
    storageType: 'zfspool',
    op: 'zfs-snapshot-rename',
    original: '__migration__',
    quarantine: 'pve-health-q.20261110T000000Z.__migration__',
    since: '2026-11-10T00:00:00.000Z',
    purgeAfter: '2026-11-17T00:00:00.000Z',
    location: { pool: 'rpool/data', snapshotOf: 'rpool/data/vm-100-disk-0' },
    result: 'done',
    ...over,
  });
  const facts = (entries: VolumeEntry[]) => ({
    storages: parseStorageConfig(STORAGE_CFG),
    lvs: [],
    volumes: entries,
    commands: input().commands,
  });
  const fresh = vol({ volid: 'local-zfs:vm-100-disk-0', snapshot: '__migration__', reason: 'operation-leftover' });
  const rows: { name: string; rec: RestoreRecord; entries: VolumeEntry[]; want: string[][] | RegExp }[] = [
    {
      name: 'ZFS: renamed back',
      rec: record({}),
      entries: [zq],
      want: [
        [
          'zfs',
          'rename',
          'rpool/data/vm-100-disk-0@pve-health-q.20261110T000000Z.__migration__',
          'rpool/data/vm-100-disk-0@__migration__',
        ],
      ],
    },
    {
      name: 'RBD: renamed back',
      rec: record({
        volid: 'ceph-vm:vm-100-disk-0@vzdump',
        storage: 'ceph-vm',
        storageType: 'rbd',
        op: 'rbd-snapshot-rename',
        original: 'vzdump',
        quarantine: 'pve-health-q.20261110T000000Z.vzdump',
        location: { pool: 'vm-pool', snapshotOf: 'vm-100-disk-0' },
      }),
      entries: [rq],
      want: [
        [
          'rbd',
          '-p',
          'vm-pool',
          'snap',
          'rename',
          'vm-100-disk-0@pve-health-q.20261110T000000Z.vzdump',
          'vm-100-disk-0@vzdump',
        ],
      ],
    },
    {
      name: 'a snapshot of the original name exists again (a new migration made one): never renamed over it',
      rec: record({}),
      entries: [zq, fresh],
      want: /again: never renamed over it/,
    },
    {
      name: 'back under its name already: nothing to undo',
      rec: record({}),
      entries: [fresh],
      want: /nothing to undo/,
    },
    { name: 'purged: said so', rec: record({}), entries: [], want: /not in the listing/ },
  ];
  for (const r of rows)
    it(`restore: ${r.name}`, () => {
      const u = planUnquarantine([r.rec], facts(r.entries));
      if (r.want instanceof RegExp) {
        assert.equal(u.ok, false);
        assert.match(u.ok ? '' : u.why, r.want);
      } else {
        assert.ok(u.ok, u.ok ? '' : u.why);
        assert.deepEqual(
          u.action.steps.map((s) => s.command),
          r.want,
        );
      }
    });
});

describe('the volumes part: snapshots in quarantine and the snapshots reclaim must not rename', () => {
  const conf = { '/etc/pve/nodes/pve1/qemu-server/100.conf': 'scsi0: local-zfs:vm-100-disk-0,size=8G\n' };
  it('a snapshot under the quarantine name is ignored/quarantined with its original name, no orphan', () => {
    const es = classify({
      files: conf,
      zfs: [zvol('vm-100-disk-0'), zsnap('vm-100-disk-0@pve-health-q.20261110T000000Z.__migration__')],
    });
    const e = entry(es, 'local-zfs:vm-100-disk-0', 'pve-health-q.20261110T000000Z.__migration__');
    assert.deepEqual([e.status, e.reason, e.quarantine?.snapshot], ['ignored', 'quarantined', '__migration__']);
    assert.equal(e.quarantine?.onStorage, 'rpool/data/vm-100-disk-0@pve-health-q.20261110T000000Z.__migration__');
    assert.equal(e.steps, undefined);
    // Every output says where it is and how it comes back or goes.
    assert.equal(
      e.detail,
      "in pve-health's quarantine since 2026-11-10T00:00:00.000Z as rpool/data/vm-100-disk-0@pve-health-q.20261110T000000Z.__migration__; 'pve-health restore JOURNAL' brings it back, 'pve-health reclaim --purge' destroys it after the retention",
    );
  });
  it('a quarantined zvol is a volume, not a snapshot: its quarantine names no snapshot', () => {
    const q = 'pve-health-quarantine/pve-health-q.20261110T000000Z.vm-101-disk-0';
    const e = entry(classify({ zfs: [zvol(q)] }), 'local-zfs:vm-101-disk-0');
    assert.deepEqual(
      [e.status, e.reason, e.snapshot, e.quarantine?.snapshot],
      ['ignored', 'quarantined', undefined, undefined],
    );
    assert.equal(e.quarantine?.onStorage, `rpool/data/${q}`);
  });
  it('a snapshot a clone was made from is protected (has-clones), and held in quarantine', () => {
    const clone = (origin: string) => `rpool/data/vm-101-disk-0\tvolume\t8589934592\t57344\t57344\t-\t${origin}\t-`;
    let es = classify({
      files: conf,
      zfs: [zvol('vm-100-disk-0'), zsnap('vm-100-disk-0@old'), clone('rpool/data/vm-100-disk-0@old')],
    });
    const e = entry(es, 'local-zfs:vm-100-disk-0', 'old');
    assert.equal(e.protectedBy.includes('has-clones'), true, JSON.stringify(e));
    assert.equal(e.steps, undefined);
    const q = 'pve-health-q.20261110T000000Z.old';
    es = classify({
      files: conf,
      zfs: [zvol('vm-100-disk-0'), zsnap(`vm-100-disk-0@${q}`), clone(`rpool/data/vm-100-disk-0@${q}`)],
    });
    assert.deepEqual(entry(es, 'local-zfs:vm-100-disk-0', q).quarantine?.heldBy, ['has-clones']);
  });
  it('an RBD snapshot krbd maps is protected (krbd-mapped): pve-container maps its vzdump snapshot', () => {
    const rbd = JSON.stringify([
      { image: 'vm-100-disk-0', size: 1 << 30, format: 2 },
      { image: 'vm-100-disk-0', snapshot: 'old', snapshot_id: 4, size: 1 << 30, format: 2, protected: 'false' },
    ]);
    const files = { '/etc/pve/nodes/pve1/qemu-server/100.conf': 'scsi0: ceph-vm:vm-100-disk-0,size=1G\n' };
    const free = entry(classify({ files, rbd }), 'ceph-vm:vm-100-disk-0', 'old');
    assert.deepEqual([free.status, free.protected], ['orphan', false]);
    const mapped = entry(
      classify({ files, rbd, rbdDevices: { 'vm-pool/vm-100-disk-0': 'rbd0', 'vm-pool/vm-100-disk-0@old': 'rbd0' } }),
      'ceph-vm:vm-100-disk-0',
      'old',
    );
    assert.equal(mapped.protectedBy.includes('krbd-mapped'), true, JSON.stringify(mapped));
  });
  it('the snapshot of a volume reclaim takes whole carries no reclaim step of its own', () => {
    const es = classify({ zfs: [zvol('vm-150-disk-0'), zsnap('vm-150-disk-0@old')] });
    const whole = entry(es, 'local-zfs:vm-150-disk-0');
    assert.equal(
      whole.steps?.some((s) => s.kind === 'reclaim'),
      true,
    );
    const snap = entry(es, 'local-zfs:vm-150-disk-0', 'old');
    assert.equal(snap.status, 'orphan');
    assert.equal(
      snap.steps?.some((s) => s.kind === 'reclaim'),
      false,
      JSON.stringify(snap.steps),
    );
  });
});

// NOW is the planner's clock in every row above (the quarantine names carry it).
assert.equal(NOW.toISOString(), '2026-11-23T10:15:00.000Z');
