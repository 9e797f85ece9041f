// The only-copy rule settled by `pve-health cluster` (core/cluster/only-copy-findings.ts): a node's orphan on
// local storage whose volume ID a config on another node names is the guest's only disk when that node's
// document shows it has none (HA recovery moves only the config: pve-ha-manager steal_service) — a
// critical finding, never a drop — and nothing is said when that node has its own copy (a plain leftover),
// when its document is missing or not whole, or on shared storage.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onlyCopyFindings } from '../../src/core/cluster/only-copy-findings';
import type { CheckDocument, DmEntry } from '../../src/core/vocab/types';
import type { VolumeEntry } from '../../src/core/vocab/volume-types';
import { dmEntry } from '../helpers/dm-entry';
import { vol, volumes } from '../helpers/reclaim-input';

const G520 = [{ vmid: 520, type: 'qemu' as const, node: 'pve2' }];

function doc(node: string, dm: DmEntry[], vols: VolumeEntry[] = [], over: Partial<CheckDocument> = {}): CheckDocument {
  return {
    schemaVersion: 1,
    generatedAt: '2026-11-27T00:00:00Z',
    node,
    dm: { summary: {} as never, entries: dm, guests: [], vmidReuse: {} as never, warnings: [], status: 1 },
    volumes: volumes(vols),
    status: 1,
    ...over,
  } as CheckDocument;
}

/** pve1's orphan LV local-lvm:vm-520-disk-1, named by VM 520's config on pve2. */
const orphan = (over: Partial<DmEntry> = {}) =>
  dmEntry({
    name: 'pve-vm--520--disk--1',
    lv: 'vm-520-disk-1',
    vmid: 520,
    volume: 'local-lvm:vm-520-disk-1',
    status: 'orphan',
    reason: 'not-referenced',
    guests: G520,
    ...over,
  });
const ownCopy = dmEntry({ name: 'pve-vm--520--disk--1', lv: 'vm-520-disk-1', volume: 'local-lvm:vm-520-disk-1' });

test('pve2 has no local-lvm:vm-520-disk-1: the LV on pve1 is the only disk, critical', () => {
  const f = onlyCopyFindings(
    [
      ['pve1', doc('pve1', [orphan()])],
      ['pve2', doc('pve2', [])],
    ],
    new Set(['san']),
  );
  assert.deepEqual(
    f.map((x) => [x.id, x.kind, x.severity, x.title, x.nodes, x.vmid, x.guestType]),
    [
      [
        'only-copy:pve1/local-lvm:vm-520-disk-1',
        'guest-only-disk-elsewhere',
        'critical',
        "VM 520's only disk local-lvm:vm-520-disk-1 is on node pve1",
        ['pve1', 'pve2'],
        520,
        'qemu',
      ],
    ],
  );
  assert.match(f[0].detail, /do not drop it.*qm migrate --with-local-disks/);
});

test('the same on ZFS / dir files (the volumes part names the other node)', () => {
  const v = vol({
    volid: 'local-zfs:vm-520-disk-1',
    storage: 'local-zfs',
    type: 'zfspool',
    vmid: 520,
    reason: 'guest-on-other-node',
    namedOn: { node: 'pve2', vmid: 520, type: 'lxc' },
  });
  const f = onlyCopyFindings(
    [
      ['pve1', doc('pve1', [], [v])],
      ['pve2', doc('pve2', [])],
    ],
    null,
  );
  assert.deepEqual(
    f.map((x) => [x.title, x.guestType]),
    [["CT 520's only disk local-zfs:vm-520-disk-1 is on node pve1", 'lxc']],
  );
  // pve2 lists its own copy: a leftover, nothing said
  const own = vol({ volid: 'local-zfs:vm-520-disk-1', storage: 'local-zfs', type: 'zfspool', status: 'valid' });
  assert.deepEqual(
    onlyCopyFindings(
      [
        ['pve1', doc('pve1', [], [v])],
        ['pve2', doc('pve2', [], [own])],
      ],
      null,
    ),
    [],
  );
});

test('neighbours: own copy there, no document, a cut part, a selection, shared storage, a valid volume', () => {
  const none = (docs: [string, CheckDocument][], shared: Set<string> | null = null) =>
    assert.deepEqual(onlyCopyFindings(docs, shared), []);
  const here = ['pve1', doc('pve1', [orphan()])] as [string, CheckDocument];
  none([here, ['pve2', doc('pve2', [ownCopy])]]);
  none([here]);
  none([here, ['pve2', { ...doc('pve2', []), dm: undefined }]]);
  none([here, ['pve2', doc('pve2', [], [], { volumes: { ...volumes([]), error: 'zfs list timed out' } })]]);
  none([here, ['pve2', doc('pve2', [], [], { selection: { vmids: [100], leftOut: 3 } })]]);
  none([here, ['pve2', doc('pve2', [])]], new Set(['local-lvm']));
  none([
    ['pve1', doc('pve1', [orphan({ status: 'valid' })])],
    ['pve2', doc('pve2', [])],
  ]);
  none([
    ['pve1', doc('pve1', [orphan({ guests: [{ ...G520[0], node: 'pve1' }] })])],
    ['pve2', doc('pve2', [])],
  ]);
});

// Already in pve-health's quarantine on pve1 (its listing's namedOn, what the DM and volumes parts record):
// pve2 has no such volume, so it is the only disk: critical, restore it, never purge it. Beside it: pve2
// lists its own copy (a leftover in quarantine, nothing said); the listing without namedOn (nobody names
// it there); a quarantined snapshot.
test('a quarantined volume a config of another node names: the only disk when that node has none, restore it', () => {
  const listed = (over: object = {}) => ({
    retentionDays: 7,
    volumes: [
      {
        volid: 'local-lvm:vm-520-disk-1',
        storage: 'local-lvm',
        vmid: 520,
        name: 'pve/pve-health-q.20261101T000000Z.vm-520-disk-1',
        since: '2026-11-01T00:00:00.000Z',
        purgeAfter: '2026-11-08T00:00:00.000Z',
        due: true,
        sizeBytes: 1,
        usedBytes: null,
        namedOn: { node: 'pve2', vmid: 520, type: 'qemu' as const },
        ...over,
      },
    ],
  });
  const pve1 = (over: object = {}) => doc('pve1', [], [], { quarantine: listed(over) });
  const f = onlyCopyFindings(
    [
      ['pve1', pve1()],
      ['pve2', doc('pve2', [])],
    ],
    null,
  );
  assert.deepEqual(
    f.map((x) => [x.id, x.severity, x.title]),
    [
      [
        'only-copy:pve1/local-lvm:vm-520-disk-1',
        'critical',
        "VM 520's only disk local-lvm:vm-520-disk-1 is on node pve1, in pve-health's quarantine",
      ],
    ],
  );
  assert.match(f[0].detail, /never purge it; restore it on pve1 first/);
  for (const [name, d1, d2] of [
    ['pve2 has its own copy', pve1(), doc('pve2', [ownCopy])],
    ['nobody on pve2 names it', pve1({ namedOn: undefined }), doc('pve2', [])],
    ['a quarantined snapshot', pve1({ snapshot: true }), doc('pve2', [])],
  ] as const)
    assert.deepEqual(
      onlyCopyFindings(
        [
          ['pve1', d1],
          ['pve2', d2],
        ],
        null,
      ),
      [],
      name,
    );
});
