// planReclaim: every "only proven orphans" rule as a row (issue: reclaim), the steps per storage type
// (exact argv), the quarantine names and what is already in quarantine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGuestConfig } from '../../src/core/parse/guest-config';
import type { LvRow } from '../../src/core/parse/parse-lvm';
import { parseStorageConfig } from '../../src/core/parse/storage-config';
import { planPurge } from '../../src/core/reclaim/plan-purge';
import { planReclaim, type ReclaimInput } from '../../src/core/reclaim/plan-reclaim';
import { volidsNamedElsewhere } from '../../src/core/vocab/only-copy';
import { fileOriginal, parseQuarantineName, purgeAfter, quarantineName } from '../../src/core/vocab/quarantine-name';
import type { DmEntry } from '../../src/core/vocab/types';
import { dmEntry } from '../helpers/dm-entry';
import { input, NOW, STORAGE_CFG, vol, volumes } from '../helpers/reclaim-input';

const LVID = 'Lvid01xxxxxxxxxxxxxxxxxxxxxxxxxx';

function lvOrphan(over: Partial<DmEntry> = {}): DmEntry {
  return dmEntry({
    name: 'pve-vm--100--disk--0',
    lv: 'vm-100-disk-0',
    vmid: 100,
    volume: 'local-lvm:vm-100-disk-0',
    status: 'orphan',
    reason: 'guest-missing',
    detail: 'no guest 100 exists in the cluster',
    lvUuid: LVID,
    kind: 'lv',
    active: false,
    ...over,
  });
}

const Q = 'pve-health-q.20261123T101500Z';

describe('quarantine names', () => {
  it('round-trips and stays outside every PVE grammar', () => {
    const n = quarantineName('vm-100-disk-0', NOW);
    assert.equal(n, `${Q}.vm-100-disk-0`);
    assert.deepEqual(parseQuarantineName(n), { since: NOW.toISOString(), original: 'vm-100-disk-0' });
    assert.doesNotMatch(n, /^(vm|base|subvol|basevol)-(\d+)-/);
    assert.equal(quarantineName('100/vm-100-disk-0.qcow2', NOW), `${Q}.100.vm-100-disk-0.qcow2`);
    assert.equal(fileOriginal('100.vm-100-disk-0.qcow2'), '100/vm-100-disk-0.qcow2');
    assert.equal(purgeAfter(NOW.toISOString(), 7), '2026-11-30T10:15:00.000Z');
  });
  for (const bad of [
    'vm-100-disk-0',
    'pve-health-q.2026.vm-1',
    'pve-health-q.20261399T101500Z.vm-1-disk-0',
    'pve-health-q.20261123T101500Z.',
  ])
    it(`refuses ${bad}`, () => assert.equal(parseQuarantineName(bad), null));
});

describe('planReclaim refusals: only proven orphans', () => {
  const rows: { name: string; over: Partial<ReclaimInput>; code: string; why: RegExp }[] = [
    {
      name: 'valid (a config names it)',
      over: {
        volumes: volumes([
          vol({
            volid: 'local-zfs:vm-100-disk-0',
            status: 'valid',
            reason: 'referenced',
            references: ['qemu/100 scsi0'],
          }),
        ]),
      },
      code: 'valid',
      why: /qemu\/100 scsi0/,
    },
    {
      name: 'pending (a task runs for its guest)',
      over: {
        volumes: volumes([
          vol({ volid: 'local-zfs:vm-100-disk-0', pending: true, protected: true, protectedBy: ['task:qmrestore'] }),
        ]),
      },
      code: 'pending',
      why: /task:qmrestore/,
    },
    {
      name: 'locked guest',
      over: {
        volumes: volumes([
          vol({
            volid: 'local-zfs:vm-100-disk-0',
            reason: 'not-referenced',
            pending: true,
            protected: true,
            protectedBy: ['lock'],
          }),
        ]),
      },
      code: 'pending',
      why: /lock/,
    },
    {
      name: 'protected (open)',
      over: { volumes: volumes([vol({ volid: 'local-zfs:vm-100-disk-0', protected: true, protectedBy: ['open'] })]) },
      code: 'protected',
      why: /open/,
    },
    {
      name: 'unknown',
      over: {
        volumes: volumes([
          vol({
            volid: 'local-zfs:vm-100-disk-0',
            status: 'unknown',
            reason: 'config-unreadable',
            detail: '.vmlist is short',
          }),
        ]),
      },
      code: 'unknown',
      why: /vmlist/,
    },
    {
      name: 'replica',
      over: {
        volumes: volumes([
          vol({
            volid: 'local-zfs:vm-100-disk-0',
            status: 'valid',
            reason: 'replica',
            replica: true,
            protected: true,
            protectedBy: ['replication-job:100-0'],
          }),
        ]),
      },
      code: 'replica',
      why: /replica/,
    },
    {
      name: 'template base with clones',
      over: {
        volumes: volumes([
          vol({ volid: 'local-zfs:base-900-disk-0', vmid: 900, protected: true, protectedBy: ['has-clones'] }),
        ]),
      },
      code: 'template-base',
      why: /clones/,
    },
    {
      name: 'snapshot named by a config section',
      over: {
        volumes: volumes([
          vol({ volid: 'local-zfs:vm-100-disk-0' }),
          vol({
            volid: 'local-zfs:vm-100-disk-0',
            snapshot: 'before',
            status: 'valid',
            reason: 'referenced',
            references: ['qemu/100 [before] scsi0'],
          }),
        ]),
      },
      code: 'snapshot-named',
      why: /@before/,
    },
    {
      name: 'valid volume named by a snapshot section only',
      over: {
        volumes: volumes([
          vol({
            volid: 'local-zfs:vm-100-disk-1',
            status: 'valid',
            reason: 'referenced',
            references: ['qemu/100 [before] scsi1'],
          }),
        ]),
      },
      code: 'snapshot-named',
      why: /\[before\]/,
    },
    {
      // The real Ceph suite (S1): a VM's disk that its snapshot [before] names too: its current config
      // naming it makes it `valid`, whichever reference comes first.
      name: 'valid volume named by its current config and by a snapshot section',
      over: {
        volumes: volumes([
          vol({
            volid: 'ceph-vm:vm-100-disk-0',
            status: 'valid',
            reason: 'referenced',
            references: ['VM 100 snapshot [before] scsi0', 'VM 100 scsi0'],
          }),
        ]),
      },
      code: 'valid',
      why: /in use: VM 100 scsi0$/,
    },
    {
      name: 'disabled storage (an LV the DM part still owns)',
      over: {
        storages: parseStorageConfig(STORAGE_CFG.replace('thinpool data', 'thinpool data\n\tdisable 1')),
        dm: [lvOrphan()],
      },
      code: 'storage-disabled',
      why: /disabled/,
    },
    {
      name: 'storage not available here',
      over: {
        volumes: volumes(
          [vol({ volid: 'local:100/vm-100-disk-0.raw' })],
          [
            {
              storage: 'local',
              type: 'dir',
              status: 'unknown',
              error: '/var/lib/vz is not mounted',
              total: 0,
              orphan: 0,
              sizeBytes: 0,
              usedBytes: 0,
              orphanSizeBytes: 0,
            },
          ],
        ),
      },
      code: 'storage-unavailable',
      why: /not mounted/,
    },
    {
      name: 'storage of other nodes',
      over: { volumes: volumes([vol({ volid: 'other:100/vm-100-disk-0.raw' })]) },
      code: 'storage-unavailable',
      why: /nodes=pve2/,
    },
    {
      name: 'no quorum',
      over: { nodeRefusals: ["cluster 'c' is not quorate (/etc/pve/.members)"], dm: [lvOrphan()] },
      code: 'node',
      why: /not quorate/,
    },
    {
      name: 'running task on an LV',
      over: { dm: [lvOrphan({ pending: true, protected: true, protectedBy: ['task:vzdump'] })] },
      code: 'pending',
      why: /vzdump/,
    },
    {
      name: 'LV that is the origin of a snapshot',
      over: {
        dm: [lvOrphan()],
        lvs: [{ name: 'snap_vm-100-disk-0_a', vg: 'pve', origin: 'vm-100-disk-0' } as LvRow],
      },
      code: 'has-snapshots',
      why: /snap_vm-100-disk-0_a/,
    },
    {
      // Recorded on the testbed's real LVM-thin (suites/reclaim.sh): `lvcreate -s -n snap_vm-170-disk-0_old
      // pve/vm-170-disk-0` of a gone guest's disk was planned as a volume of its own.
      name: 'a thin snapshot LV (snap_<volname>_<snap>) of an orphan',
      over: {
        dm: [
          lvOrphan({
            name: 'pve-snap_vm--170--disk--0_old',
            lv: 'snap_vm-170-disk-0_old',
            vmid: 170,
            volume: 'local-lvm:snap_vm-170-disk-0_old',
          }),
        ],
        lvs: [{ name: 'snap_vm-170-disk-0_old', vg: 'pve', origin: 'vm-170-disk-0' } as LvRow],
      },
      code: 'snapshot',
      why: /snapshot of pve\/vm-170-disk-0/,
    },
    {
      name: 'base LV with linked clones',
      over: {
        dm: [lvOrphan({ lv: 'base-900-disk-0', volume: 'local-lvm:base-900-disk-0', vmid: 900 })],
        lvs: [{ name: 'vm-901-disk-0', vg: 'pve', origin: 'base-900-disk-0' } as LvRow],
      },
      code: 'template-base',
      why: /vm-901-disk-0/,
    },
    {
      name: 'shared LVM',
      over: { dm: [lvOrphan({ vg: 'san', storage: 'san-lvm', volume: 'san-lvm:vm-100-disk-0' })] },
      code: 'shared-lvm',
      why: /shared/,
    },
    {
      name: 'an orphan snapshot on a file storage (reclaim renames ZFS and RBD snapshots only)',
      over: {
        volumes: volumes([vol({ volid: 'local:100/vm-100-disk-0.qcow2', snapshot: 'x', reason: 'snapshot-missing' })]),
      },
      code: 'snapshot',
      why: /@x/,
    },
    {
      name: 'a trash entry an interrupted rbd rm left (REMOVING: librbd restores no such entry)',
      over: {
        volumes: volumes([
          vol({
            volid: 'ceph-vm:vm-100-disk-0',
            reason: 'interrupted-removal',
            trash: { id: 'ab12', source: 'REMOVING', deletedAt: null, deferment: null },
          }),
        ]),
      },
      code: 'unsupported',
      why: /nothing restores it .*'pve-health reclaim --purge --name ceph-vm:vm-100-disk-0'/,
    },
    {
      name: 'a raw disk on btrfs with a sibling snapshot subvolume (BTRFSPlugin.pm `<name>@<snap>`: left behind)',
      over: {
        volumes: volumes([
          vol({ volid: 'local-btrfs:100/vm-100-disk-0.raw', format: 'raw' }),
          vol({ volid: 'local-btrfs:100/vm-100-disk-0.raw', format: 'raw', snapshot: 's1', reason: 'guest-missing' }),
        ]),
      },
      code: 'has-snapshots',
      why: /@s1 is a file or subvolume of its own/,
    },
    {
      name: "a file volume with a volume chain's snapshot file (a rename would leave snap- behind, its chain cut)",
      over: {
        volumes: volumes([
          vol({ volid: 'local:100/vm-100-disk-0.qcow2', format: 'qcow2' }),
          vol({ volid: 'local:100/vm-100-disk-0.qcow2', format: 'qcow2', snapshot: 's1', reason: 'guest-missing' }),
        ]),
      },
      code: 'has-snapshots',
      why: /@s1 is a file or subvolume of its own/,
    },
    // Any snapshot that is not itself a free leftover holds its volume (issue 59: "only an in-use
    // snapshot blocks" let a protected or undecided snapshot go with its volume into quarantine).
    {
      name: 'a ZFS volume whose orphan snapshot a clone was made from (protected: has-clones)',
      over: {
        volumes: volumes([
          vol({ volid: 'local-zfs:vm-100-disk-0' }),
          vol({
            volid: 'local-zfs:vm-100-disk-0',
            snapshot: 's1',
            reason: 'snapshot-missing',
            protected: true,
            protectedBy: ['has-clones'],
          }),
        ]),
      },
      code: 'has-snapshots',
      why: /@s1 is orphan, protected \(has-clones\)/,
    },
    {
      name: "a ZFS volume whose snapshot's owner could not be read (unknown)",
      over: {
        volumes: volumes([
          vol({ volid: 'local-zfs:vm-100-disk-0' }),
          vol({ volid: 'local-zfs:vm-100-disk-0', snapshot: 's1', status: 'unknown', reason: 'config-unreadable' }),
        ]),
      },
      code: 'has-snapshots',
      why: /@s1 is unknown$/,
    },
    {
      name: 'an RBD image whose orphan snapshot an operation explains (pending)',
      over: {
        volumes: volumes([
          vol({ volid: 'ceph-vm:vm-100-disk-0' }),
          vol({
            volid: 'ceph-vm:vm-100-disk-0',
            snapshot: 'vzdump',
            reason: 'operation-leftover',
            pending: true,
            protected: true,
            protectedBy: ['task:vzdump'],
          }),
        ]),
      },
      code: 'has-snapshots',
      why: /@vzdump is orphan, pending, protected \(task:vzdump\)/,
    },
    {
      name: 'a duplicate map (clean fixes it)',
      over: { dm: [lvOrphan({ status: 'duplicate', reason: 'stale-map', kind: 'dm' })] },
      code: 'duplicate',
      why: /clean/,
    },
  ];
  for (const r of rows) {
    it(r.name, () => {
      // The first entry is the volume asked for by name (an explicit selection shows even a valid one).
      const first = [...(r.over.volumes?.entries ?? []), ...(r.over.dm ?? [])][0];
      const plan = planReclaim(input(r.over), { names: ['volid' in first ? first.volid : (first.volume ?? '')] });
      assert.equal(plan.actions.length, 0, JSON.stringify(plan.actions));
      assert.equal(plan.refused.length >= 1, true, JSON.stringify(plan));
      assert.equal(plan.refused[0].code, r.code, JSON.stringify(plan.refused));
      assert.match(plan.refused[0].why, r.why);
    });
  }
});

describe('planReclaim: a volume whose snapshots are all free leftovers goes with them', () => {
  for (const volid of ['local-zfs:vm-100-disk-0', 'ceph-vm:vm-100-disk-0'])
    it(`${volid} with an unprotected orphan snapshot: planned`, () => {
      const plan = planReclaim(
        input({
          volumes: volumes([vol({ volid }), vol({ volid, snapshot: 's1', reason: 'snapshot-missing' })]),
        }),
        { names: [volid] },
      );
      assert.deepEqual(
        plan.actions.map((a) => a.volid),
        [volid],
        JSON.stringify(plan.refused),
      );
    });
});

describe('planReclaim steps per storage type (exact argv)', () => {
  it('LVM-thin, active: deactivate, tag, rename; by LV UUID', () => {
    const plan = planReclaim(input({ dm: [lvOrphan({ kind: 'dm', active: true })] }));
    assert.equal(plan.refused.length, 0, JSON.stringify(plan.refused));
    const a = plan.actions[0];
    assert.equal(a.quarantine, `${Q}.vm-100-disk-0`);
    assert.equal(a.purgeAfter, '2026-11-30T10:15:00.000Z');
    assert.deepEqual(
      a.steps.map((s) => s.command),
      [
        ['lvchange', '-an', '--select', 'lv_uuid=Lvid01-xxxx-xxxx-xxxx-xxxx-xxxx-xxxxxx', 'pve/vm-100-disk-0'],
        [
          'lvchange',
          '--addtag',
          'pve-health-quarantine',
          '--select',
          'lv_uuid=Lvid01-xxxx-xxxx-xxxx-xxxx-xxxx-xxxxxx',
          'pve/vm-100-disk-0',
        ],
        ['lvrename', 'pve', 'vm-100-disk-0', `${Q}.vm-100-disk-0`],
      ],
    );
    assert.deepEqual(a.guestLocks, [{ vmid: 100, type: null }]);
  });
  it('ZFS: quarantine dataset of the same pool, rename, read-only', () => {
    const plan = planReclaim(
      input({ volumes: volumes([vol({ volid: 'local-zfs:base-900-disk-0/vm-101-disk-0', vmid: 101 })]) }),
    );
    assert.deepEqual(
      plan.actions[0].steps.map((s) => s.command),
      [
        ['zfs', 'create', '-p', '-o', 'mountpoint=none', 'rpool/data/pve-health-quarantine'],
        ['zfs', 'rename', 'rpool/data/vm-101-disk-0', `rpool/data/pve-health-quarantine/${Q}.vm-101-disk-0`],
        ['zfs', 'set', 'readonly=on', `rpool/data/pve-health-quarantine/${Q}.vm-101-disk-0`],
      ],
    );
  });
  it('RBD: rename, then the trash with the purge date as its expiry', () => {
    const plan = planReclaim(input({ volumes: volumes([vol({ volid: 'ceph-vm:vm-100-disk-0' })]) }));
    assert.deepEqual(
      plan.actions[0].steps.map((s) => s.command),
      [
        ['rbd', '-p', 'vm-pool', 'rename', 'vm-100-disk-0', `${Q}.vm-100-disk-0`],
        ['rbd', '-p', 'vm-pool', 'trash', 'mv', '--expires-at', '2026-11-30T10:15:00.000Z', `${Q}.vm-100-disk-0`],
      ],
    );
  });
  // The real ceph 16.2: `rbd trash mv --expires-at <a past date>` is not refused but protects the entry
  // for ~136 years (utime_t's unsigned seconds wrap), so `rbd trash rm` then refuses the purge.
  it('RBD with retention 0: the trash with --expires-at now (never a date that is past when rbd runs)', () => {
    const plan = planReclaim(input({ retentionDays: 0, volumes: volumes([vol({ volid: 'ceph-vm:vm-100-disk-0' })]) }));
    assert.deepEqual(plan.actions[0].steps[1].command, [
      'rbd',
      '-p',
      'vm-pool',
      'trash',
      'mv',
      '--expires-at',
      'now',
      `${Q}.vm-100-disk-0`,
    ]);
    assert.match(plan.actions[0].steps[1].effect, /no deferment/);
    assert.equal(plan.actions[0].purgeAfter, NOW.toISOString());
  });
  it('dir: one rename into images/pve-health-quarantine (a clone keeps its ../<vmid>/ backing path)', () => {
    const plan = planReclaim(
      input({
        volumes: volumes([
          vol({ volid: 'local:900/base-900-disk-0.qcow2/902/vm-902-disk-0.qcow2', vmid: 902, format: 'qcow2' }),
        ]),
      }),
    );
    assert.deepEqual(
      plan.actions[0].steps.map((s) => s.command),
      [
        [
          'mover',
          '/var/lib/vz/images/902/vm-902-disk-0.qcow2',
          `/var/lib/vz/images/pve-health-quarantine/${Q}.902.vm-902-disk-0.qcow2`,
        ],
      ],
    );
  });
  it('--all lists orphans and unknowns only; valid volumes appear only when selected', () => {
    const plan = planReclaim(
      input({
        volumes: volumes([
          vol({ volid: 'local-zfs:vm-100-disk-0', status: 'valid', reason: 'referenced' }),
          vol({ volid: 'local-zfs:vm-101-disk-0', vmid: 101 }),
          vol({ volid: 'local-zfs:vm-102-disk-0', vmid: 102, status: 'unknown', reason: 'config-unreadable' }),
        ]),
      }),
    );
    assert.deepEqual(
      plan.actions.map((a) => a.volid),
      ['local-zfs:vm-101-disk-0'],
    );
    assert.deepEqual(
      plan.refused.map((r) => r.volid),
      ['local-zfs:vm-102-disk-0'],
    );
    const one = planReclaim(input({ volumes: volumes([vol({ volid: 'local-zfs:vm-101-disk-0', vmid: 101 })]) }), {
      vmids: [100],
    });
    assert.equal(one.actions.length + one.refused.length, 0);
  });
});

describe('planReclaim: what is in quarantine', () => {
  it('an LV under the quarantine name is shown with its purge date, due once the retention passed', () => {
    const lv = {
      name: `pve-health-q.20261101T000000Z.vm-100-disk-0`,
      vg: 'pve',
      pool: 'data',
      origin: '',
      tags: ['pve-health-quarantine'],
      sizeBytes: 4096,
      uuid: LVID,
    } as LvRow;
    const plan = planReclaim(input({ lvs: [lv] }));
    assert.deepEqual(
      plan.quarantined.map((q) => [q.volid, q.since, q.purgeAfter, q.due]),
      [['local-lvm:vm-100-disk-0', '2026-11-01T00:00:00.000Z', '2026-11-08T00:00:00.000Z', true]],
    );
  });
});

// reclaim --purge of an RBD quarantine: the trash entry's expiry was the purge date of the retention at
// quarantine time. The real Ceph suite lowered the retention to 0 and purged: `rbd trash rm` refused
// ("deferment time has not expired"). The retention now decides; --force lifts only that deferment.
describe('planPurge (RBD): the retention now decides, not the expiry stamped at quarantine time', () => {
  const inTrash = (deferment: string) =>
    vol({
      volid: 'ceph-vm:vm-195-disk-0',
      vmid: 195,
      status: 'ignored',
      reason: 'quarantined',
      quarantine: {
        since: '2026-11-20T00:21:48.000Z',
        name: 'vm-pool trash 112c40186d30 (pve-health-q.20261120T002148Z.vm-195-disk-0)',
        onStorage: 'pve-health-q.20261120T002148Z.vm-195-disk-0',
        location: { pool: 'vm-pool', trashId: '112c40186d30' },
        trashDeferment: deferment,
      },
    });
  const rows: { name: string; retention: number; deferment: string; want: string[] | string }[] = [
    {
      name: 'retention lowered below the trash expiry: trash rm --force, and the plan says why',
      retention: 0,
      deferment: 'protected until Thu Nov 27 00:21:48 2026',
      want: ['rbd', '-p', 'vm-pool', 'trash', 'rm', '--force', '112c40186d30'],
    },
    {
      name: 'the trash expiry is over: trash rm without --force',
      retention: 0,
      deferment: 'expired at Fri Nov 20 00:21:48 2026',
      want: ['rbd', '-p', 'vm-pool', 'trash', 'rm', '112c40186d30'],
    },
    {
      name: 'the retention not over: refused not-due (whatever the trash says)',
      retention: 7,
      deferment: 'expired at Fri Nov 20 00:21:48 2026',
      want: 'not-due',
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const plan = planPurge(input({ retentionDays: r.retention, volumes: volumes([inTrash(r.deferment)]) }), {
        names: ['ceph-vm:vm-195-disk-0'],
      });
      if (typeof r.want === 'string') {
        assert.equal(plan.actions.length, 0);
        assert.equal(plan.refused[0]?.code, r.want);
        return;
      }
      assert.equal(plan.refused.length, 0, JSON.stringify(plan.refused));
      assert.deepEqual(plan.actions[0].steps[0].command, r.want);
      if (r.want.includes('--force'))
        assert.match(
          plan.actions[0].steps[0].effect,
          /expiry \(Thu Nov 27 00:21:48 2026.*--force lifts that deferment only/,
        );
    });
});

// The only-copy rule (only-copy.ts): HA recovery moves a fenced guest's config to another node and leaves
// its local disks here (pve-ha-manager steal_service). A quarantined local volume whose volume ID a config
// on another node names may be that guest's only disk: purge refuses it and names the look that settles it.
describe('planPurge: a volume a config on another node names is never purged from here', () => {
  const lv = {
    name: `pve-health-q.20261101T000000Z.vm-100-disk-0`,
    vg: 'pve',
    pool: 'data',
    origin: '',
    tags: ['pve-health-quarantine'],
    sizeBytes: 4096,
    uuid: LVID,
  } as LvRow;
  const named = (volid: string) => new Map([[volid, { node: 'pve2', vmid: 100, type: 'qemu' as const }]]);
  it('named on pve2 by this very volume ID: refused with the command to run', () => {
    const p = planPurge(input({ lvs: [lv], namedElsewhere: named('local-lvm:vm-100-disk-0') }), { all: true });
    assert.deepEqual(p.actions, []);
    assert.deepEqual(
      p.refused.map((r) => [r.volid, r.code, r.why]),
      [
        [
          'local-lvm:vm-100-disk-0',
          'only-copy',
          "VM 100's config on pve2 names local-lvm:vm-100-disk-0: unless pve2 has its own copy, this is the guest's only disk (HA recovery moves only the config); check there: ssh pve2 pvesm list local-lvm --vmid 100",
        ],
      ],
    );
  });
  it('its neighbours: another volume ID named there, or none: purged as before', () => {
    for (const m of [named('local-lvm:vm-100-disk-1'), new Map()]) {
      const p = planPurge(input({ lvs: [lv], namedElsewhere: m }), { all: true });
      assert.deepEqual(p.refused, []);
      assert.deepEqual(
        p.actions.map((a) => a.volid),
        ['local-lvm:vm-100-disk-0'],
      );
    }
  });
});

// The reclaim plan of such a volume (HA recovery's only disk, or a migration leftover: only-copy.ts) keeps
// the reversible quarantine, but its evidence never says "no guest config of the cluster names it": it
// names the config on the other node and the look that settles the doubt, on every local storage type.
describe('planReclaim: the evidence of a local volume a config on another node names', () => {
  const named = (volid: string) => new Map([[volid, { node: 'pve2', vmid: 100, type: 'qemu' as const }]]);
  const rows: { name: string; over: Partial<ReclaimInput>; volid: string }[] = [
    {
      name: 'LVM-thin (the DM side)',
      over: { dm: [lvOrphan({ reason: 'inactive-leftover' })] },
      volid: 'local-lvm:vm-100-disk-0',
    },
    {
      name: 'ZFS',
      over: { volumes: volumes([vol({ volid: 'local-zfs:vm-100-disk-0', reason: 'not-referenced' })]) },
      volid: 'local-zfs:vm-100-disk-0',
    },
    {
      name: 'dir',
      over: { volumes: volumes([vol({ volid: 'local:100/vm-100-disk-0.raw', reason: 'not-referenced' })]) },
      volid: 'local:100/vm-100-disk-0.raw',
    },
  ];
  for (const r of rows) {
    it(`${r.name}: planned (reversible), the evidence names pve2's config and the look there`, () => {
      const plan = planReclaim(input({ ...r.over, namedElsewhere: named(r.volid) }), { all: true });
      assert.deepEqual(plan.refused, []);
      const ev = plan.actions.map((a) => a.evidence[1]);
      const storage = r.volid.slice(0, r.volid.indexOf(':'));
      assert.deepEqual(ev, [
        `no config of this node names it, but VM 100's config on pve2 names this very volume ID (every config was read and is whole): reversible here; reclaim --purge refuses it, and before anything irreversible check that pve2 has ${r.volid}: ssh pve2 pvesm list ${storage} --vmid 100`,
      ]);
    });
    it(`${r.name}: its neighbour, pve2 names another volume ID: no config of the cluster names it`, () => {
      const plan = planReclaim(input({ ...r.over, namedElsewhere: named(`${r.volid}-other`) }), { all: true });
      assert.deepEqual(
        plan.actions.map((a) => a.evidence[1]),
        ['no guest config of the cluster names it (every config was read and is whole)'],
      );
    });
  }
});

describe('volidsNamedElsewhere: what configs of other nodes name', () => {
  it('volume IDs of other nodes only, a linked clone by both forms, paths and unreadable configs skipped', () => {
    const cfg = (refs: string[], type: 'qemu' | 'lxc' = 'qemu') => parseGuestConfig(`${refs.join('\n')}\n`, type, 1);
    const m = volidsNamedElsewhere(
      [
        { vmid: 100, type: 'qemu', node: 'pve1', config: cfg(['scsi0: local-lvm:vm-100-disk-0']) },
        {
          vmid: 101,
          type: 'qemu',
          node: 'pve2',
          config: cfg([
            'scsi0: local-zfs:base-900-disk-0/vm-101-disk-0',
            'scsi1: /dev/sdb',
            'unused0: local:101/vm-101-disk-1.raw',
          ]),
        },
        { vmid: 200, type: 'lxc', node: 'pve3', config: cfg(['rootfs: local-lvm:vm-200-disk-0,size=8G'], 'lxc') },
        { vmid: 300, type: 'qemu', node: 'pve2', config: null },
      ],
      'pve1',
    );
    assert.deepEqual([...m.entries()].sort(), [
      ['local-lvm:vm-200-disk-0', { node: 'pve3', vmid: 200, type: 'lxc' }],
      ['local-zfs:base-900-disk-0/vm-101-disk-0', { node: 'pve2', vmid: 101, type: 'qemu' }],
      ['local-zfs:vm-101-disk-0', { node: 'pve2', vmid: 101, type: 'qemu' }],
      ['local:101/vm-101-disk-1.raw', { node: 'pve2', vmid: 101, type: 'qemu' }],
    ]);
  });
});

// The purge asks who has the quarantined LV as origin under the name it has now (issue 59: asked under
// its original name, `lvremove` took the snapshot LVs whose origin it is). Snapshot LVs keep their origin
// through an lvrename of it: lvs shows the quarantine name as their origin.
describe('planPurge: the origins of a quarantined LV, under its quarantine name', () => {
  const QNAME = 'pve-health-q.20261101T000000Z.vm-100-disk-0';
  const lv = (name: string, origin = '') =>
    ({
      name,
      vg: 'pve',
      pool: 'data',
      origin,
      tags: name === QNAME ? ['pve-health-quarantine'] : [],
      sizeBytes: 4096,
      uuid: name === QNAME ? LVID : `U${name}`.padEnd(32, 'x').slice(0, 32),
    }) as LvRow;
  it('a snapshot LV whose origin is the quarantined LV: refused has-snapshots', () => {
    const p = planPurge(input({ lvs: [lv(QNAME), lv('snap_vm-100-disk-0_before', QNAME)] }), { all: true });
    assert.deepEqual(p.actions, []);
    assert.deepEqual(
      p.refused.map((r) => [r.volid, r.code]),
      [['local-lvm:vm-100-disk-0', 'has-snapshots']],
    );
  });
  it('a snapshot of a new LV that took the original name is not its: purged as before', () => {
    const p = planPurge(
      input({ lvs: [lv(QNAME), lv('vm-100-disk-0'), lv('snap_vm-100-disk-0_new', 'vm-100-disk-0')] }),
      { all: true },
    );
    assert.deepEqual(p.refused, []);
    assert.deepEqual(
      p.actions.map((a) => a.volid),
      ['local-lvm:vm-100-disk-0'],
    );
  });
});
