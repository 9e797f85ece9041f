// reclaim adopts a Ceph trash entry someone's `rbd trash mv` left (issue: reclaim): restored under the
// quarantine name and moved back to the trash with the retention as its expiry, so it is restorable by
// `restore JOURNAL` and purged after the retention with the checks, instead of a bare `rbd trash rm`.
// Every other trash entry is refused with its reason, and the hint names reclaim exactly where it adopts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planReclaim } from '../../src/core/reclaim/plan-reclaim';
import type { VolumeEntry } from '../../src/core/vocab/volume-types';
import { input, vol, volumes } from '../helpers/reclaim-input';
import { classify, entry } from '../helpers/volume-node';

const Q = 'pve-health-q.20261123T101500Z';
const inTrash = (over: Partial<NonNullable<VolumeEntry['trash']>> = {}, entryOver: Partial<VolumeEntry> = {}) =>
  vol({
    volid: 'ceph-vm:vm-120-disk-0',
    vmid: 120,
    reason: 'in-trash',
    trash: {
      id: '5e4a2d9c1b7f',
      source: 'USER',
      deletedAt: null,
      deferment: 'expired at Mon Nov 23 17:00:01 2026',
      ...over,
    },
    ...entryOver,
  });

describe('planReclaim: a trash entry of rbd trash mv is adopted into the quarantine', () => {
  it('restored under the quarantine name (its id kept), then back to the trash with the purge date', () => {
    const plan = planReclaim(input({ volumes: volumes([inTrash()]) }));
    assert.deepEqual(plan.refused, []);
    const a = plan.actions[0];
    assert.equal(a.volid, 'ceph-vm:vm-120-disk-0');
    assert.deepEqual(
      a.steps.map((s) => [s.op, s.command]),
      [
        [
          'rbd-trash-restore',
          ['rbd', '-p', 'vm-pool', 'trash', 'restore', '--image', `${Q}.vm-120-disk-0`, '5e4a2d9c1b7f'],
        ],
        [
          'rbd-trash-move',
          ['rbd', '-p', 'vm-pool', 'trash', 'mv', '--expires-at', '2026-11-30T10:15:00.000Z', `${Q}.vm-120-disk-0`],
        ],
      ],
    );
    assert.deepEqual(a.location, { pool: 'vm-pool', trashId: '5e4a2d9c1b7f' });
    assert.equal(a.quarantine, `${Q}.vm-120-disk-0`);
  });

  const rows: { name: string; e: VolumeEntry; code: string; why: RegExp }[] = [
    {
      name: 'an interrupted rbd rm (REMOVING): nothing restores it',
      e: inTrash({ source: 'REMOVING' }, { reason: 'interrupted-removal' }),
      code: 'unsupported',
      why: /interrupted removal: nothing restores it .*reclaim --purge/,
    },
    {
      name: "its own deferment still runs (someone's --expires-at)",
      e: inTrash({ deferment: 'protected until Thu Dec  3 10:00:00 2026' }),
      code: 'protected',
      why: /protected until/,
    },
    {
      name: 'a live image or another entry has its name (its volume ID does not say which)',
      e: inTrash({ nameTaken: true }),
      code: 'unsupported',
      why: /by its id/,
    },
    {
      name: 'a config still names it (restore is the repair)',
      e: inTrash({}, { references: ['VM 120 scsi0'] }),
      code: 'valid',
      why: /VM 120 scsi0/,
    },
    {
      name: 'a guest operation is under way',
      e: inTrash({}, { pending: true, protected: true, protectedBy: ['task:qmrestore'] }),
      code: 'pending',
      why: /qmrestore/,
    },
  ];
  for (const r of rows)
    it(`refused: ${r.name}`, () => {
      const plan = planReclaim(input({ volumes: volumes([r.e]) }), { names: ['ceph-vm:vm-120-disk-0'] });
      assert.deepEqual(plan.actions, []);
      assert.equal(plan.refused[0]?.code, r.code, JSON.stringify(plan.refused));
      assert.match(plan.refused[0].why, r.why);
    });
});

describe('the volumes part: the hint of a trash entry names reclaim only where it adopts', () => {
  const rbd = JSON.stringify([{ image: 'vm-100-disk-0', size: 1 << 30, format: 2 }]);
  const files = { '/etc/pve/nodes/pve1/qemu-server/100.conf': 'scsi0: ceph-vm:vm-100-disk-0,size=1G\n' };
  const trash = (entries: object[]) => JSON.stringify(entries);
  const user = (id: string, name: string, status = 'expired at Mon Nov 23 17:00:01 2026') => ({
    id,
    name,
    source: 'USER',
    deleted_at: 'Mon Nov 23 17:00:01 2026',
    status,
  });
  const kinds = (id: string, entries: object[]) => {
    const es = classify({ files, rbd, rbdTrash: trash(entries) });
    const e = es.find((x) => x.trash?.id === id);
    assert.ok(e, JSON.stringify(es.map((x) => x.volid)));
    return e.steps?.map((s) => s.kind) ?? [];
  };
  it('rbd trash mv of a gone guest disk: keep (restore), reclaim, drop (irreversible)', () => {
    assert.deepEqual(kinds('a1', [user('a1', 'vm-120-disk-0')]), ['keep', 'reclaim', 'drop']);
  });
  it('no reclaim while its own deferment runs, nor for a name two entries share', () => {
    assert.deepEqual(kinds('a1', [user('a1', 'vm-120-disk-0', 'protected until Thu Dec  3 10:00:00 2026')]), [
      'keep',
      'drop',
    ]);
    assert.deepEqual(kinds('a1', [user('a1', 'vm-120-disk-0'), user('b2', 'vm-120-disk-0')]), ['keep', 'drop']);
    assert.deepEqual(
      kinds('a1', [user('a1', 'vm-100-disk-0')]).includes('reclaim'),
      false,
      'a live image has its name',
    );
  });
  it('its entry says the name is taken (JSON)', () => {
    const es = classify({ files, rbd, rbdTrash: trash([user('a1', 'vm-100-disk-0')]) });
    assert.equal(entry(es, 'ceph-vm:vm-100-disk-0').trash, undefined, 'the live image');
    assert.equal(es.find((x) => x.trash?.id === 'a1')?.trash?.nameTaken, true);
  });
});

// Issue 60: one name for a trash entry everywhere, `VOLID#trash:<id>`, and a volume ID that names the live
// image of that name, never an entry in the trash beside it.
describe('a trash entry and a live image of one name: each named by its own subject', () => {
  const SUBJECT = 'ceph-vm:vm-120-disk-0#trash:5e4a2d9c1b7f';
  const live = vol({ volid: 'ceph-vm:vm-120-disk-0', vmid: 120, identity: '10a3' });
  const taken = inTrash({ nameTaken: true });
  const both = [
    [taken, live],
    [live, taken],
  ];
  const names = (p: ReturnType<typeof planReclaim>) => [
    p.actions.map((a) => a.subject ?? a.volid),
    p.refused.map((r) => `${r.subject ?? r.volid} ${r.code}`),
  ];
  for (const [i, entries] of both.entries()) {
    it(`the volume ID takes the live image alone (listing order ${i})`, () =>
      assert.deepEqual(names(planReclaim(input({ volumes: volumes(entries) }), { names: [live.volid] })), [
        ['ceph-vm:vm-120-disk-0'],
        [],
      ]));
    it(`the subject takes the entry alone, refused: its name is taken (listing order ${i})`, () => {
      const p = planReclaim(input({ volumes: volumes(entries) }), { names: [SUBJECT] });
      assert.deepEqual(names(p), [[], [`${SUBJECT} unsupported`]]);
      assert.equal(p.refused[0].volid, 'ceph-vm:vm-120-disk-0');
    });
    it(`--all: both, each once (listing order ${i})`, () =>
      assert.deepEqual(names(planReclaim(input({ volumes: volumes(entries) }), { all: true })), [
        ['ceph-vm:vm-120-disk-0'],
        [`${SUBJECT} unsupported`],
      ]));
    it(`a snapshot of the live image moves with it, whatever the entry beside it (listing order ${i})`, () => {
      const snap = vol({ volid: live.volid, vmid: 120, snapshot: 'old', reason: 'snapshot-missing' });
      const p = planReclaim(input({ volumes: volumes([...entries, snap]) }), { all: true });
      assert.deepEqual(
        p.refused.map((r) => `${r.subject ?? r.volid} ${r.code}`),
        [`${SUBJECT} unsupported`, 'ceph-vm:vm-120-disk-0@old snapshot'],
      );
    });
  }
  it('an entry whose name nothing else has: its subject and its volume ID both take it, named by its subject', () => {
    for (const n of [SUBJECT, 'ceph-vm:vm-120-disk-0']) {
      const p = planReclaim(input({ volumes: volumes([inTrash()]) }), { names: [n] });
      assert.deepEqual(names(p), [[SUBJECT], []], n);
      assert.equal(p.actions[0].volid, 'ceph-vm:vm-120-disk-0');
    }
  });
  it('two entries of one name and no live image: the volume ID is refused for each, with its own name', () => {
    const other = inTrash({ id: '5e4a2d9c1b80', nameTaken: true });
    const p = planReclaim(input({ volumes: volumes([taken, other]) }), { names: ['ceph-vm:vm-120-disk-0'] });
    assert.deepEqual(names(p), [
      [],
      [`${SUBJECT} unsupported`, 'ceph-vm:vm-120-disk-0#trash:5e4a2d9c1b80 unsupported'],
    ]);
    assert.match(p.refused[0].why, /name it by its id, ceph-vm:vm-120-disk-0#trash:5e4a2d9c1b7f$/);
  });
});
