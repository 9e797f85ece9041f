// One image in the Ceph trash (volume-rbd-trash.ts trashVerdict), entry by entry: by its source as ceph
// names it (src/tools/rbd/action/Trash.cc do_list, include/rbd/librbd.h rbd_trash_image_source_t), whose
// it is (Ceph's own sources stay; an `rbd rm` that did not finish is pvesm free's: pve-storage
// RBDPlugin.pm free_image), what a config that still names it means (librbd api/Trash.cc restore takes no
// REMOVING entry), and the exact rbd command each hint prints (Storage.pm parses `pool` with the default
// `rbd` and `namespace` of an rbd storage; RBDPlugin.pm rbd_cmd puts them first).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listFindings } from '../../src/core/findings/findings';
import { parseStorageConfig } from '../../src/core/parse/storage-config';
import { trashOffered } from '../../src/core/vocab/reclaim-scope';
import type { CheckDocument } from '../../src/core/vocab/types';
import type { VolumeEntry } from '../../src/core/vocab/volume-types';
import type { ListedVolume } from '../../src/core/volumes/listed-volume';
import { type Referenced, trashVerdict } from '../../src/core/volumes/volume-rbd-trash';
import { volumesStatus } from '../../src/core/volumes/volume-summary';
import { vol } from '../helpers/reclaim-input';

/** A document with this one volume entry (listFindings reads its volumes part only for it). */
const docWith = (e: VolumeEntry) => ({ volumes: { entries: [e], storages: [] } }) as unknown as CheckDocument;

const [ST, NO_POOL, IN_NS] = parseStorageConfig(
  'rbd: ceph-vm\n\tpool vm-pool\n\tcontent images\n\n' +
    'rbd: ceph-default\n\tcontent images\n\n' +
    'rbd: ceph-ns\n\tpool vm-pool\n\tnamespace tenant-a\n\tcontent images\n',
);

type Trash = NonNullable<ListedVolume['trash']>;

const trash = (over: Partial<Trash> = {}): Trash => ({
  id: '5e4a2d9c1b7f',
  name: 'vm-120-disk-0',
  source: 'USER',
  deletedAt: 'Mon Nov 23 17:00:01 2026',
  deferment: 'expired at Mon Nov 23 17:00:01 2026',
  protectedUntil: false,
  nameInUse: false,
  ...over,
});

/** An entry as volume-verdict.ts hands it over (trashVerdict sets status, reason, detail, steps). */
const entryOf = (storage = 'ceph-vm'): VolumeEntry =>
  vol({
    volid: `${storage}:vm-120-disk-0`,
    type: 'rbd',
    vmid: 120,
    status: 'unknown',
    reason: 'in-trash',
    detail: '',
    // trashOffered reads the entry's own trash record (volume-verdict.ts copies it there)
    trash: { id: '5e4a2d9c1b7f', source: 'USER', deletedAt: null, deferment: null },
  });

test("trash by source: Ceph's own entries stay (valid, protected, pending on their owner), the user's are leftovers", () => {
  const rows: {
    name: string;
    t: Partial<Trash>;
    status: string;
    reason: string;
    protect: string[];
    pending: string[];
    detail: RegExp;
  }[] = [
    {
      name: 'MIGRATION: the source of an rbd live migration, migration commit removes it',
      t: { source: 'MIGRATION' },
      status: 'valid',
      reason: 'in-trash',
      protect: ['rbd-trash:MIGRATION'],
      pending: ['rbd-migration'],
      detail:
        /^in the Ceph trash since Mon Nov 23 17:00:01 2026: the source of an RBD live migration \(rbd migration prepare moves it there, migration commit removes it\)$/,
    },
    {
      name: 'MIRRORING: rbd-mirror moved it there and removes it itself',
      t: { source: 'MIRRORING', deletedAt: null },
      status: 'valid',
      reason: 'in-trash',
      protect: ['rbd-trash:MIRRORING'],
      pending: ['rbd-mirror'],
      detail: /^in the Ceph trash: moved there by rbd-mirror, which removes it itself$/,
    },
    {
      name: 'a source this ceph names but pve-health does not know (e.g. the parent of clones): Ceph keeps it',
      t: { source: 'SOMETHING_NEW' },
      status: 'valid',
      reason: 'in-trash',
      protect: ['rbd-trash:SOMETHING_NEW'],
      pending: [],
      detail:
        /^in the Ceph trash since Mon Nov 23 17:00:01 2026: source "SOMETHING_NEW" \(Ceph's own, e\.g\. the parent of clones\)$/,
    },
    {
      name: 'a source this rbd does not name (Trash.cc prints ""): Ceph keeps it, and says it was not named',
      t: { source: '', deletedAt: null },
      status: 'valid',
      reason: 'in-trash',
      protect: ['rbd-trash:unknown'],
      pending: [],
      detail: /^in the Ceph trash: source this rbd does not name \(Ceph's own, e\.g\. the parent of clones\)$/,
    },
    {
      name: 'USER (rbd trash mv), deferment over: a leftover that still takes its space',
      t: {},
      status: 'orphan',
      reason: 'in-trash',
      protect: [],
      pending: [],
      detail:
        /^moved to the Ceph trash \(rbd trash mv\) since Mon Nov 23 17:00:01 2026, expired at Mon Nov 23 17:00:01 2026; PVE lists it nowhere, it still takes its space$/,
    },
    {
      name: 'USER with neither a deletion time nor a deferment: says there is none',
      t: { deletedAt: null, deferment: null },
      status: 'orphan',
      reason: 'in-trash',
      protect: [],
      pending: [],
      detail:
        /^moved to the Ceph trash \(rbd trash mv\), no deferment; PVE lists it nowhere, it still takes its space$/,
    },
    {
      name: 'REMOVING: an rbd rm (pvesm free) that did not finish',
      t: { source: 'REMOVING' },
      status: 'orphan',
      reason: 'interrupted-removal',
      protect: [],
      pending: [],
      detail:
        /^in the Ceph trash as REMOVING since Mon Nov 23 17:00:01 2026: an rbd rm \(pvesm free: RBDPlugin\.pm free_image\) moved it there and did not finish; PVE lists it nowhere, it still takes its space$/,
    },
  ];
  for (const r of rows) {
    const e = entryOf();
    const flags = trashVerdict(e, trash(r.t), ST, null);
    assert.deepEqual(
      [e.status, e.reason, flags.protect, flags.pending],
      [r.status, r.reason, r.protect, r.pending],
      r.name,
    );
    assert.match(e.detail, r.detail, r.name);
    // Ceph's own entries get no step at all: nothing here is pve-health's (or the user's) to name
    if (r.status === 'valid') assert.equal(e.steps, undefined, `${r.name}: no steps`);
  }
});

test('trash entry a config still names: restore is the repair, unless it is REMOVING (librbd restores none)', () => {
  const rows: {
    name: string;
    t: Partial<Trash>;
    ref: Referenced;
    status: string;
    protect: string[];
    detail: RegExp;
    hint: string | undefined;
  }[] = [
    {
      name: 'USER named by VM 120 scsi0: its disk (valid, in-trash-referenced), restore it, never a leftover',
      t: {},
      ref: 'VM 120 scsi0',
      status: 'valid',
      protect: [],
      detail:
        /^VM 120 scsi0's disk is in the Ceph trash since Mon Nov 23 17:00:01 2026 \(pvesm free run by mistake, or rbd trash mv\), expired at Mon Nov 23 17:00:01 2026: that guest cannot start until it is restored$/,
      hint: 'restore it (VM 120 scsi0 needs it): rbd -p vm-pool trash restore 5e4a2d9c1b7f',
    },
    {
      name: 'REMOVING named by VM 120 scsi0: its disk (valid, critical), referenced, neither a restore nor a removal named',
      t: { source: 'REMOVING' },
      ref: 'VM 120 scsi0',
      status: 'valid',
      protect: ['referenced'],
      detail:
        /^VM 120 scsi0's disk is in the Ceph trash as REMOVING since .*that guest cannot start with it, and librbd restores no REMOVING entry: restore the guest from a backup$/,
      hint: undefined,
    },
    {
      name: 'USER whose name a live image has: the config names that image, this entry is a plain leftover',
      t: { nameInUse: true },
      ref: 'VM 120 scsi0',
      status: 'orphan',
      protect: [],
      detail: /it still takes its space$/,
      hint: 'to keep it, restore it from the trash: rbd -p vm-pool trash restore 5e4a2d9c1b7f; to drop it (irreversible: deletes the data), check it holds nothing you need, then: rbd -p vm-pool trash rm 5e4a2d9c1b7f',
    },
  ];
  for (const r of rows) {
    const e = entryOf();
    // the entry's own trash record says the name is taken, so reclaim is not offered (trashOffered)
    if (r.t.nameInUse) e.trash = { ...(e.trash as NonNullable<VolumeEntry['trash']>), nameTaken: true };
    const flags = trashVerdict(e, trash(r.t), ST, r.ref);
    assert.deepEqual([e.status, flags.protect, flags.pending], [r.status, r.protect, []], r.name);
    // the guest's own disk has its own reason (critical, never a leftover); a taken name is a plain leftover
    assert.equal(e.reason, r.t.nameInUse ? 'in-trash' : 'in-trash-referenced', r.name);
    assert.match(e.detail, r.detail, r.name);
    assert.equal(e.hint, r.hint, r.name);
  }
});

test('trash commands: the storage pool (default rbd) and namespace first, an id that starts with - by --image-id', () => {
  const rows: {
    name: string;
    st: typeof ST;
    t: Partial<Trash>;
    restore: string[] | null;
    rm: string[];
  }[] = [
    {
      name: 'pool vm-pool',
      st: ST,
      t: {},
      restore: ['rbd', '-p', 'vm-pool', 'trash', 'restore', '5e4a2d9c1b7f'],
      rm: ['rbd', '-p', 'vm-pool', 'trash', 'rm', '5e4a2d9c1b7f'],
    },
    {
      name: 'no pool property: RBDPlugin.pm uses the pool rbd',
      st: NO_POOL,
      t: {},
      restore: ['rbd', '-p', 'rbd', 'trash', 'restore', '5e4a2d9c1b7f'],
      rm: ['rbd', '-p', 'rbd', 'trash', 'rm', '5e4a2d9c1b7f'],
    },
    {
      name: 'a namespace: --namespace after the pool',
      st: IN_NS,
      t: {},
      restore: ['rbd', '-p', 'vm-pool', '--namespace', 'tenant-a', 'trash', 'restore', '5e4a2d9c1b7f'],
      rm: ['rbd', '-p', 'vm-pool', '--namespace', 'tenant-a', 'trash', 'rm', '5e4a2d9c1b7f'],
    },
    {
      name: 'a deferment still running: trash rm needs --force',
      st: ST,
      t: { deferment: 'protected until Tue Dec  1 00:00:00 2026', protectedUntil: true },
      restore: ['rbd', '-p', 'vm-pool', 'trash', 'restore', '5e4a2d9c1b7f'],
      rm: ['rbd', '-p', 'vm-pool', 'trash', 'rm', '5e4a2d9c1b7f', '--force'],
    },
    {
      name: 'an id that starts with - (a damaged listing): rbd would read it as an option, so --image-id',
      st: ST,
      t: { id: '-rf' },
      restore: ['rbd', '-p', 'vm-pool', 'trash', 'restore', '--image-id', '-rf'],
      rm: ['rbd', '-p', 'vm-pool', 'trash', 'rm', '--image-id', '-rf'],
    },
    {
      name: 'REMOVING with an id that starts with -: the by-hand removal by --image-id too',
      st: ST,
      t: { id: '-rf', source: 'REMOVING' },
      restore: null,
      rm: ['rbd', '-p', 'vm-pool', 'trash', 'rm', '--image-id', '-rf'],
    },
  ];
  for (const r of rows) {
    const e = entryOf(r.st.id);
    trashVerdict(e, trash(r.t), r.st, null);
    const steps = e.steps ?? [];
    assert.deepEqual(steps.find((s) => s.kind === 'keep')?.command ?? null, r.restore, `${r.name}: restore`);
    const drops = steps.filter((s) => s.kind === 'drop' && s.command?.[0] === 'rbd');
    assert.deepEqual(
      drops.map((s) => s.command),
      [r.rm],
      `${r.name}: trash rm`,
    );
  }
  // A config still naming the entry: the repair is the same restore, by --image-id where the id needs it
  const e = entryOf();
  trashVerdict(e, trash({ id: '-rf' }), ST, 'VM 120 scsi0');
  assert.deepEqual(
    e.steps?.map((s) => s.command),
    [['rbd', '-p', 'vm-pool', 'trash', 'restore', '--image-id', '-rf']],
  );
});

test("a guest's disk in the trash is critical and never reclaim's; an unnamed trash entry stays a warned leftover", () => {
  const rows: { name: string; ref: Referenced; status: 0 | 1 | 2; offered: boolean }[] = [
    { name: 'VM 120 scsi0 names it: critical, not offered to reclaim', ref: 'VM 120 scsi0', status: 2, offered: false },
    { name: 'no config names it: an orphan (warning), reclaim adopts it', ref: null, status: 1, offered: true },
  ];
  for (const r of rows) {
    const e = entryOf();
    trashVerdict(e, trash(), ST, r.ref);
    if (r.ref) e.references = [r.ref];
    assert.equal(volumesStatus([e], []), r.status, r.name);
    assert.equal(trashOffered(e), r.offered, r.name);
    assert.equal(listFindings(docWith(e))[0]?.severity, r.status, r.name);
  }
  // Among other entries (one valid, one UNKNOWN) the trashed disk still makes the part CRITICAL; while an
  // operation explains it (pending) it does not.
  const broken = entryOf();
  trashVerdict(broken, trash(), ST, 'VM 120 scsi0');
  const other = vol({
    volid: 'ceph-vm:vm-121-disk-0',
    type: 'rbd',
    vmid: 121,
    status: 'unknown',
    reason: 'watchers-unread',
  });
  assert.equal(volumesStatus([other, broken], []), 2);
  assert.equal(volumesStatus([other, { ...broken, pending: true }], []), 3);
});
