// `reclaim --purge` finishes an interrupted RBD removal (issue: reclaim, "no output still hands over an
// irreversible command without the checks"): `pvesm free` → `rbd rm` stopped, leaving a REMOVING trash
// entry (librbd api/Image.cc remove) or a directory entry whose header is gone. Nothing restores such an
// image (api/Trash.cc restore), so it is never quarantined: the purge plans the one librbd step that
// finishes it, under the storage lock, after the re-check, journaled. Every other state is refused with
// its reason; the storage being UNKNOWN for this very entry (ceph 16.2's failing rbd ls -l) is not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planPurge } from '../../src/core/reclaim/plan-purge';
import { planReclaim } from '../../src/core/reclaim/plan-reclaim';
import { removalOffered } from '../../src/core/vocab/reclaim-scope';
import type { VolumeEntry, VolumesResult } from '../../src/core/vocab/volume-types';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { input, vol, volumes } from '../helpers/reclaim-input';
import { volumeInput } from '../helpers/volume-node';

const DETAIL = 'in the Ceph trash as REMOVING: an rbd rm (pvesm free) moved it there and did not finish';

/** The interrupted removal rbd ls -l could not open (ENOENT): no trash field. */
const headless = (over: Partial<VolumeEntry> = {}) =>
  vol({
    volid: 'ceph-vm:vm-140-disk-0',
    vmid: 140,
    reason: 'interrupted-removal',
    detail: DETAIL,
    sizeBytes: null,
    usedBytes: null,
    ...over,
  });
/** The same as a REMOVING trash entry (an rbd whose trash ls lists it). */
const removing = (over: Partial<VolumeEntry> = {}, trash: Partial<NonNullable<VolumeEntry['trash']>> = {}) =>
  headless({ trash: { id: '3f2a9c1d77e0', source: 'REMOVING', deletedAt: null, deferment: null, ...trash }, ...over });

const unknownStorage = (why: string): VolumesResult['storages'] => [
  {
    storage: 'ceph-vm',
    type: 'rbd',
    status: 'unknown',
    error: why,
    total: 1,
    orphan: 1,
    sizeBytes: 0,
    usedBytes: 0,
    orphanSizeBytes: 0,
  },
];

describe('planPurge: an interrupted removal is finished by the librbd step that finishes it', () => {
  it('an image rbd ls -l could not open: rbd rm by name (api/Image.cc remove finds the REMOVING entry)', () => {
    const p = planPurge(input({ volumes: volumes([headless()]) }), { names: ['ceph-vm:vm-140-disk-0'] });
    assert.deepEqual(p.refused, []);
    assert.equal(p.actions.length, 1);
    const a = p.actions[0];
    assert.deepEqual(
      a.steps.map((s) => [s.op, s.command]),
      [['rbd-remove', ['rbd', '-p', 'vm-pool', 'rm', 'vm-140-disk-0']]],
    );
    assert.match(a.steps[0].effect, /irreversible/);
    assert.deepEqual(
      [a.storage, a.storageType, a.reason, a.original],
      ['ceph-vm', 'rbd', 'interrupted-removal', 'vm-140-disk-0'],
    );
    assert.deepEqual(a.location, { pool: 'vm-pool' });
    // Its guest's config lock is taken (a qm destroy of VMID 140 would hold it).
    assert.deepEqual(a.guestLocks, [{ vmid: 140, type: null }]);
    assert.match(a.evidence.join('\n'), /no guest config of the cluster names it/);
    assert.match(a.evidence.join('\n'), /librbd restores no such image/);
  });

  it('a REMOVING trash entry: rbd trash rm by its id', () => {
    const p = planPurge(input({ volumes: volumes([removing()]) }), { names: ['ceph-vm:vm-140-disk-0'] });
    assert.deepEqual(
      p.actions.map((a) => a.steps.map((s) => [s.op, s.command])),
      [[['rbd-trash-remove', ['rbd', '-p', 'vm-pool', 'trash', 'rm', '3f2a9c1d77e0']]]],
    );
    assert.deepEqual(p.actions[0].location, { pool: 'vm-pool', trashId: '3f2a9c1d77e0' });
    assert.equal(
      p.actions[0].steps[0].effect,
      'finish the interrupted removal of vm-140-disk-0: remove trash entry 3f2a9c1d77e0 (irreversible; librbd refuses an image a client still watches)',
    );
  });

  it("an image whose name starts with '-' is given as --image (rbd would read it as an option)", () => {
    const p = planPurge(input({ volumes: volumes([headless({ volid: 'ceph-vm:-x', vmid: null })]) }), { all: true });
    assert.deepEqual(p.actions[0].steps[0].command, ['rbd', '-p', 'vm-pool', 'rm', '--image', '-x']);
    assert.deepEqual(p.actions[0].guestLocks, []);
  });

  it('the pool UNKNOWN because of it (ceph 16.2 fails rbd ls -l for the whole pool) is no refusal', () => {
    const v = volumes([headless()], unknownStorage('rbd ls failed (exit 2): …; it could not open vm-140-disk-0'));
    assert.equal(planPurge(input({ volumes: v }), { all: true }).actions.length, 1);
  });

  it('is due at once: no retention applies (nothing is in quarantine, nothing restores it)', () => {
    const p = planPurge(input({ volumes: volumes([headless()]), retentionDays: 365 }), { all: true });
    assert.equal(p.actions.length, 1);
    assert.deepEqual([p.actions[0].since, p.actions[0].purgeAfter, p.actions[0].quarantine], ['', '', '']);
  });
});

describe('planPurge: every state that is not a removal to finish is refused with its reason', () => {
  const rows: { name: string; e: VolumeEntry; over?: Parameters<typeof input>[0]; code: string; why: RegExp }[] = [
    {
      name: 'the node cannot act (no quorate /etc/pve)',
      e: headless(),
      over: { nodeRefusals: ['the cluster is not quorate'] },
      code: 'node',
      why: /not quorate/,
    },
    {
      name: 'a config names it (its status is unknown: that guest cannot start with it)',
      e: headless({ status: 'unknown', protected: true, protectedBy: ['referenced'] }),
      code: 'unknown',
      why: /unknown/,
    },
    {
      name: 'a destroy task of its VMID runs (the removal may be under way)',
      e: headless({ pending: true, protected: true, protectedBy: ['task:qmdestroy'] }),
      code: 'pending',
      why: /task:qmdestroy/,
    },
    {
      name: 'a stale lock of its guest',
      e: headless({ protected: true, protectedBy: ['stale-lock:destroyed'] }),
      code: 'protected',
      why: /stale-lock:destroyed/,
    },
    {
      name: 'references recorded on the entry',
      e: headless({ references: ['VM 140 scsi0'] }),
      code: 'valid',
      why: /VM 140 scsi0 still names it/,
    },
    {
      name: 'a live image or another trash entry has its name (its volume ID does not say which)',
      e: removing({}, { nameTaken: true }),
      code: 'unsupported',
      why: /by its id/,
    },
    {
      name: 'its storage is disabled',
      e: headless(),
      over: {
        storages: input().storages.map((s) => (s.id === 'ceph-vm' ? { ...s, disabled: true } : s)),
      },
      code: 'storage-disabled',
      why: /disabled/,
    },
    {
      name: 'its storage is not available on this node',
      e: headless(),
      over: { storages: input().storages.map((s) => (s.id === 'ceph-vm' ? { ...s, nodes: ['pve2'] } : s)) },
      code: 'storage-unavailable',
      why: /not available on pve1/,
    },
    {
      name: 'its storage is not in storage.cfg',
      e: headless({ volid: 'gone-rbd:vm-140-disk-0', storage: 'gone-rbd', type: 'rbd' }),
      code: 'not-a-volume',
      why: /not in storage.cfg/,
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const p = planPurge(input({ volumes: volumes([r.e]), ...r.over }), { names: [r.e.volid] });
      assert.deepEqual(p.actions, []);
      assert.equal(p.refused.length, 1, JSON.stringify(p.refused));
      assert.equal(p.refused[0].code, r.code, p.refused[0].why);
      assert.match(p.refused[0].why, r.why);
      // The entry's own verdict rules it out, or (node, storage) the plan does: the hint may still name it.
      assert.equal(removalOffered(r.e), !!r.over || r.code === 'not-a-volume');
    });
});

describe('planPurge: the selection', () => {
  const v = volumes([headless(), headless({ volid: 'ceph-vm:vm-141-disk-0', vmid: 141 })]);
  const ids = (f: Parameters<typeof planPurge>[1]) => planPurge(input({ volumes: v }), f).actions.map((a) => a.volid);
  it('--all takes every interrupted removal', () =>
    assert.deepEqual(ids({ all: true }), ['ceph-vm:vm-140-disk-0', 'ceph-vm:vm-141-disk-0']));
  it('--name, --vmid and --reason select', () => {
    assert.deepEqual(ids({ names: ['ceph-vm:vm-141-disk-0'] }), ['ceph-vm:vm-141-disk-0']);
    assert.deepEqual(ids({ vmids: [140] }), ['ceph-vm:vm-140-disk-0']);
    assert.deepEqual(ids({ reasons: ['interrupted-removal'], vmids: [141] }), ['ceph-vm:vm-141-disk-0']);
    assert.deepEqual(ids({ reasons: ['guest-missing'] }), []);
  });
  it('no selection plans nothing', () => assert.deepEqual(ids({}), []));
  it('an orphan of another reason on the same pool is never in a purge', () => {
    const p = planPurge(input({ volumes: volumes([vol({ volid: 'ceph-vm:vm-150-disk-0' })]) }), { all: true });
    assert.deepEqual([p.actions, p.refused], [[], []]);
  });
});

describe('the quarantine never takes an interrupted removal', () => {
  for (const [name, e] of [
    ['headless', headless()],
    ['REMOVING trash entry', removing()],
  ] as const)
    it(`${name}: refused, naming the purge that finishes it`, () => {
      const p = planReclaim(input({ volumes: volumes([e]) }), { all: true });
      assert.deepEqual(p.actions, []);
      assert.equal(p.refused[0].code, 'unsupported');
      assert.match(p.refused[0].why, /reclaim --purge --name ceph-vm:vm-140-disk-0/);
    });
});

describe('from the volumes part to the purge plan', () => {
  const trashNode = (files: Record<string, string> = {}) =>
    volumeInput({
      rbd: '[]',
      rbdTrash: JSON.stringify([
        {
          id: '3f2a9c1d77e0',
          name: 'vm-140-disk-0',
          source: 'REMOVING',
          deleted_at: 'Mon Nov 23 17:00:01 2026',
          status: 'expired at Mon Nov 23 17:00:01 2026',
        },
      ]),
      files,
    });
  it('an unnamed REMOVING entry: its hint names the purge, and the purge plans exactly it', () => {
    const r = classifyVolumes(trashNode());
    const e = r.entries.find((x) => x.volid === 'ceph-vm:vm-140-disk-0')!;
    // The entry's one name, as every output prints it (vocab/volume-subject.ts).
    const name = 'ceph-vm:vm-140-disk-0#trash:3f2a9c1d77e0';
    assert.deepEqual(e.steps?.[0].command, ['pve-health', 'reclaim', '--purge', '--name', name]);
    assert.equal(e.steps?.[0].irreversible, true);
    // Its hint's name and, while no other image or entry has its name, its volume ID plan exactly it.
    for (const n of [name, 'ceph-vm:vm-140-disk-0']) {
      const p = planPurge(input({ volumes: r }), { names: [n] });
      assert.deepEqual(
        p.actions.map((a) => [a.subject, a.steps[0].command.slice(-3)]),
        [[name, ['trash', 'rm', '3f2a9c1d77e0']]],
      );
    }
  });
  it('a config naming it: no hint, and the purge refuses it', () => {
    const r = classifyVolumes(
      trashNode({ '/etc/pve/nodes/pve1/qemu-server/140.conf': 'scsi0: ceph-vm:vm-140-disk-0,size=1G\n' }),
    );
    const e = r.entries.find((x) => x.volid === 'ceph-vm:vm-140-disk-0')!;
    // The guest's own disk, in the trash being removed (Ceph restores no REMOVING entry): critical, no step.
    assert.deepEqual([e.status, e.reason, e.steps], ['valid', 'in-trash-referenced', undefined]);
    const p = planPurge(input({ volumes: r }), { all: true });
    // Not a removal to finish at all: the purge does not even consider it.
    assert.deepEqual([p.actions, p.refused], [[], []]);
  });
});

describe('planPurge: the edges of an interrupted removal', () => {
  it('only an RBD volume entry is one: a snapshot or another storage entry of that reason is never planned', () => {
    const v = volumes([
      headless({ snapshot: 's1' }),
      headless({ volid: 'local:140/vm-140-disk-0.raw', storage: 'local', type: 'dir' }),
    ]);
    const p = planPurge(input({ volumes: v }), { all: true });
    assert.deepEqual([p.actions, p.refused], [[], []]);
  });
  it('--vmid never selects an image whose name carries no VMID', () => {
    const v = volumes([headless({ volid: 'ceph-vm:csi-vol-1', vmid: null })]);
    assert.deepEqual(planPurge(input({ volumes: v }), { vmids: [140] }).actions, []);
  });
  it('no volumes part (it could not be read): nothing planned, no crash', () => {
    assert.deepEqual(planPurge(input({ volumes: null }), { all: true }).actions, []);
  });
  it('an entry of that reason that is no orphan is refused: only orphans are finished', () => {
    const p = planPurge(input({ volumes: volumes([headless({ status: 'ignored' })]) }), { all: true });
    assert.deepEqual(
      p.refused.map((r) => [r.code, r.why]),
      [['not-a-volume', `ignored: ${DETAIL}`]],
    );
  });
  it('every reason and flag is named, each apart', () => {
    const many = ['task:qmdestroy', 'lock'];
    const node = planPurge(input({ volumes: volumes([headless()]), nodeRefusals: ['a', 'b'] }), { all: true });
    assert.match(node.refused[0].why, /cannot act: a; b$/);
    const pend = planPurge(
      input({ volumes: volumes([headless({ pending: true, protected: true, protectedBy: many })]) }),
      { all: true },
    );
    assert.match(pend.refused[0].why, /task:qmdestroy, lock$/);
    const prot = planPurge(input({ volumes: volumes([headless({ protected: true, protectedBy: many })]) }), {
      all: true,
    });
    assert.match(prot.refused[0].why, /protected: task:qmdestroy, lock$/);
  });
  it('its evidence: the verdict with its detail, then what the purge rests on', () => {
    const a = planPurge(input({ volumes: volumes([headless()]) }), { all: true }).actions[0];
    assert.equal(a.evidence[0], `orphan (interrupted-removal): ${DETAIL}`);
    assert.match(a.evidence[2], /no running task, lock or HA move/);
  });
});

describe('the volumes part: what rbd ls -l could not open', () => {
  const failing = (stderr: string) => classifyVolumes(volumeInput({ rbd: '[]', rbdCode: 2, rbdStderr: stderr }));
  it('ceph 16.2 failing the pool for two removals: both named, both finished by one purge command', () => {
    const r = failing(
      'rbd: error opening vm-140-disk-0: (2) No such file or directory\nrbd: error opening vm-141-disk-0: (2) No such file or directory\nrbd: listing images failed: (2) No such file or directory\n',
    );
    const st = r.storages.find((s) => s.storage === 'ceph-vm');
    assert.match(st?.error ?? '', /could not open vm-140-disk-0, vm-141-disk-0: an interrupted rbd rm/);
    assert.match(st?.error ?? '', /ceph PR 71683\); these finish those removals with pve-health's checks: /);
    assert.match(st?.error ?? '', /--name ceph-vm:vm-140-disk-0 --name ceph-vm:vm-141-disk-0 /);
    assert.match(st?.error ?? '', /rbd -p vm-pool rm vm-140-disk-0; rbd -p vm-pool rm vm-141-disk-0\)$/);
    const e = r.entries.find((x) => x.volid === 'ceph-vm:vm-140-disk-0')!;
    assert.deepEqual([e.format, e.vmid, e.open], ['raw', 140, false]);
    assert.match(e.detail, /^rbd ls names it in pool vm-pool but rbd ls -l cannot open it .*REMOVING/);
    assert.match(e.detail, /or a lost header object; pvesm free cannot remove it \(its rbd snap ls fails\)$/);
  });
  it('a listing that fails for another error (EACCES) names no removal to finish', () => {
    const r = failing('rbd: error opening vm-140-disk-0: (13) Permission denied\nrbd: listing images failed\n');
    const st = r.storages.find((s) => s.storage === 'ceph-vm');
    assert.doesNotMatch(st?.error ?? '', /interrupted rbd rm|reclaim --purge/);
    assert.match(st?.error ?? '', /listing images failed$/);
    const e = r.entries.find((x) => x.volid === 'ceph-vm:vm-140-disk-0')!;
    assert.deepEqual([e.status, e.reason], ['unknown', 'storage-unreadable']);
    assert.match(e.detail, /could not open it: \(13\) Permission denied$/);
  });
  it("an image whose name starts with '-' is named as --image in every command", () => {
    const r = failing('rbd: error opening -x: (2) No such file or directory\nrbd: listing images failed\n');
    const st = r.storages.find((s) => s.storage === 'ceph-vm');
    assert.match(st?.error ?? '', /rbd -p vm-pool rm --image -x\)$/);
    const e = r.entries.find((x) => x.volid === 'ceph-vm:-x')!;
    assert.equal(e.vmid, null);
    // No guest volume name, so no verdict of its own (ignored): only the pool's reason names it.
    assert.deepEqual([e.status, e.steps], ['ignored', undefined]);
  });
  it('only a whole PVE name gives a VMID (RBDPlugin.pm: ^(vm|base)-(\\d+)-)', () => {
    const r = failing(
      'rbd: error opening xvm-140-disk-0: (2) No such file or directory\nrbd: error opening vm-141-disk-0: (2) No such file or directory\n',
    );
    assert.equal(r.entries.find((x) => x.volid === 'ceph-vm:xvm-140-disk-0')?.vmid, null);
    assert.equal(r.entries.find((x) => x.volid === 'ceph-vm:vm-141-disk-0')?.vmid, 141);
  });
  it('a config still naming it: unknown, and the detail says that guest cannot start', () => {
    const r = classifyVolumes(
      volumeInput({
        rbd: '[]',
        rbdStderr: 'rbd: error opening vm-140-disk-0: (2) No such file or directory\n',
        files: { '/etc/pve/nodes/pve1/qemu-server/140.conf': 'scsi0: ceph-vm:vm-140-disk-0,size=1G\n' },
      }),
    );
    const e = r.entries.find((x) => x.volid === 'ceph-vm:vm-140-disk-0')!;
    assert.match(e.detail, /, and VM 140 scsi0 still names it: that guest cannot start with it$/);
  });
});
