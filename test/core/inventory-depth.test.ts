// The inventory at depth (docs/reports.md `inventory`): each guest volume with the config lines that
// name it (main, unused, snapshot sections), what holds it (processes, krbd map, RBD watchers), its
// snapshots and the operations that explain it (task, lock); an RBD image in the trash is a row of its
// own. Volumes classified by the real classifier, not hand-built.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inventoryOf } from '../../src/core/findings/inventory';
import type { CheckDocument } from '../../src/core/vocab/types';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { troubledDoc } from '../fixtures/docs/check-documents';
import { type Node, volumeInput, zsnap, zvol } from '../helpers/volume-node';

const img = (image: string, extra: Record<string, unknown> = {}) => ({
  image,
  id: `id-${image}`,
  size: 1,
  format: 2,
  ...extra,
});

const NODE: Node = {
  files: {
    '/etc/pve/nodes/pve1/qemu-server/100.conf':
      'scsi0: local-zfs:vm-100-disk-0,size=8G\nunused0: ceph-vm:vm-100-disk-1\nlock: backup\nparent: before\n\n' +
      '[before]\nscsi0: local-zfs:vm-100-disk-0,size=8G\nsnaptime: 1700000000\n',
  },
  zfs: [zvol('vm-100-disk-0'), zsnap('vm-100-disk-0@before'), zvol('vm-160-disk-0')],
  rbd: JSON.stringify([img('vm-100-disk-1'), img('vm-151-disk-0')]),
  rbdDevices: { 'vm-pool/vm-100-disk-1': 'rbd0' },
  rbdTrash: JSON.stringify([
    {
      id: '5e4a',
      name: 'vm-151-disk-0',
      source: 'USER',
      deleted_at: 'Mon Nov 23 17:00:01 2026',
      status: 'expired at Mon Nov 23 17:00:01 2026',
    },
  ]),
  rbdStatus: { 'vm-151-disk-0': '{"watchers":[{"address":"10.0.0.12:0/3714432183","client":4211,"cookie":1}]}' },
  tasks: 'UPID:pve1:000B7C1A:0A1B2C3D:67A1B2C3:vzdump:100:root@pam: 1\n',
};

function inventory() {
  const doc: CheckDocument = { ...troubledDoc(), volumes: classifyVolumes(volumeInput(NODE)) };
  return inventoryOf(doc);
}

const row = (inv: ReturnType<typeof inventory>, volume: string, trash = false) => {
  const r = inv.find((x) => x.volume === volume && !!x.trash === trash);
  assert.ok(r, `${volume}${trash ? ' (trash)' : ''} in ${inv.map((x) => x.volume).join(' ')}`);
  return r;
};

test('inventory: references by config line, snapshots, and the task and lock that explain a volume', () => {
  const r = row(inventory(), 'local-zfs:vm-100-disk-0');
  assert.deepEqual(r.references, ['VM 100 scsi0', 'VM 100 snapshot [before] scsi0']);
  assert.deepEqual(r.snapshots, ['before']);
  assert.deepEqual(r.operations.sort(), ['lock', 'lock:backup', 'task:vzdump']);
  assert.equal(r.pending, true);
  assert.deepEqual([r.open, r.holders, r.watchers, r.krbdMapped], [false, [], undefined, undefined]);
});

test('inventory: an unused disk is referenced by its unusedN line; a krbd map is a holder', () => {
  const r = row(inventory(), 'ceph-vm:vm-100-disk-1');
  assert.deepEqual(r.references, ['VM 100 unused0']);
  assert.deepEqual([r.krbdMapped, r.open, r.status], [true, true, 'valid']);
});

test('inventory: an RBD orphan some client watches names the watcher; its trashed namesake is a row of its own', () => {
  const inv = inventory();
  const live = row(inv, 'ceph-vm:vm-151-disk-0');
  assert.deepEqual([live.watchers, live.open, live.references], [['10.0.0.12:0/3714432183'], true, []]);
  assert.equal(live.trash, undefined);
  const trashed = row(inv, 'ceph-vm:vm-151-disk-0', true);
  assert.deepEqual(trashed.trash, { id: '5e4a', source: 'USER' });
  assert.deepEqual(trashed.findings, ['volume:orphan:in-trash:ceph-vm:vm-151-disk-0#trash:5e4a']);
  assert.ok(!live.findings.some((k) => k.includes('#trash:')), 'the trash finding stays on its own row');
});

test('inventory: a volume nothing names, holds or explains has empty depth (the neighbour)', () => {
  const r = row(inventory(), 'local-zfs:vm-160-disk-0');
  assert.deepEqual(
    [r.references, r.holders, r.watchers, r.operations, r.open, r.pending, r.krbdMapped],
    [[], [], undefined, [], false, false, undefined],
  );
  assert.equal(r.status, 'orphan');
});

// A thin pool's map is held by every thin LV on it: thousands of holders, each listed once, in order.
test('inventory: holders are listed once each in their first order, for a few and for thousands', () => {
  for (const n of [3, 5000]) {
    const doc = troubledDoc();
    const pool = doc.dm?.entries.find((e) => e.name === 'pve-data-tpool');
    assert.ok(pool);
    const names = Array.from({ length: n }, (_, i) => `pve-vm--${1000 + i}--disk--0`);
    // Twice over, the second time backwards, with the first name again at the end.
    pool.holders = [...names, ...[...names].reverse(), names[0]];
    const r = inventoryOf(doc).find((x) => x.dm.some((d) => d.name === 'pve-data-tpool'));
    assert.ok(r);
    assert.deepEqual(
      r.holders,
      names.map((h) => `dm ${h}`),
    );
  }
});
