// VMID reuse (core/dm/vmid-reuse.ts), rule by rule: the first disk name PVE would give the next VMIDs on
// each LVM storage (pve-storage Plugin.pm find_free_diskname: the lowest free vm-<vmid>-disk-<n>), a map
// that already holds that name (the new LV's activation fails: "Device or resource busy"), and the LVs of
// VMIDs no guest uses, which a new guest with that VMID inherits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  computeVmidReuse,
  nextDiskCollision,
  type ReuseInput,
  withVolumeLeftovers,
} from '../../src/core/dm/vmid-reuse';
import { type LvmStorage, lvmStorages, parseStorageConfig } from '../../src/core/parse/storage-config';
import type { DmEntry, VmidReuse } from '../../src/core/vocab/types';
import { orphanVolume, volumesPart } from '../fixtures/docs/volumes-part';
import { dmEntry } from '../helpers/dm-entry';

const GiB = 1024 ** 3;
// The storages as pve-storage reads them from storage.cfg.
const [LOCAL, SAN] = lvmStorages(
  parseStorageConfig('lvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\nlvm: san\n\tvgname san\n\tshared 1\n'),
);

/** A map of this node (kind dm) with the reason it has. */
const map = (name: string, reason: DmEntry['reason'], over: Partial<DmEntry> = {}) =>
  dmEntry({ name, reason, status: 'duplicate', ...over });
/** A leftover LV of VMID `vmid` (orphan, no guest). */
const leftover = (vmid: number, lv: string, over: Partial<DmEntry> = {}) =>
  dmEntry({
    name: `pve-${lv.replaceAll('-', '--')}`,
    vg: 'pve',
    lv,
    vmid,
    status: 'orphan',
    reason: 'guest-missing',
    sizeBytes: 32 * GiB,
    ...over,
  });

function input(over: Partial<ReuseInput> = {}): ReuseInput {
  return { entries: [], storages: [LOCAL], disksByVg: new Map(), usedVmids: new Set(), nextIds: [105, 106], ...over };
}

/** What LVM lists per VG and VMID: the LVs of these entries (a map without LV has none). */
function disksOf(entries: DmEntry[]): ReuseInput['disksByVg'] {
  const out = new Map<string, Map<number, string[]>>();
  for (const e of entries) {
    if (!e.vg || !e.lv || e.vmid === null || e.reason === 'lv-missing') continue;
    const byVmid = out.get(e.vg) ?? new Map<number, string[]>();
    byVmid.set(e.vmid, [...(byVmid.get(e.vmid) ?? []), e.lv]);
    out.set(e.vg, byVmid);
  }
  return out;
}

const BUSY = (when: string, vmid: number, st: string, what: string, name: string) =>
  `${when} ${vmid} and its first disk on ${st} will fail: a ${what} ${name} exists ("Device or resource busy")`;
const NEXT = 'the next VM created will get';
const LATER = 'a later VM will get';
const inherits = (who: string, vmid: number, what: string, size: string) =>
  `${who} guest created as ${vmid} silently inherits leftover ${what} (${size}): 'qm disk rescan' attaches them, destroying that guest deletes them`;

test('computeVmidReuse: a map holding the first disk name of a next VMID, per storage and per kind of map', () => {
  const rows: [
    string,
    Partial<ReuseInput>,
    { vmid: number; storage: string; volname: string; dmName: string }[],
    string[],
  ][] = [
    ['nothing collides', {}, [], ['the next VMID is 105; nothing on this node collides with it']],
    ['no next VMID known: no sentence', { nextIds: [] }, [], []],
    [
      'a stale map of the next VMID',
      { entries: [map('pve-vm--105--disk--0', 'stale-map')] },
      [{ vmid: 105, storage: 'local-lvm', volname: 'vm-105-disk-0', dmName: 'pve-vm--105--disk--0' }],
      [BUSY(NEXT, 105, 'local-lvm', 'stale map', 'pve-vm--105--disk--0')],
    ],
    [
      'a renamed map of a later VMID',
      { entries: [map('pve-vm--106--disk--0', 'renamed')] },
      [{ vmid: 106, storage: 'local-lvm', volname: 'vm-106-disk-0', dmName: 'pve-vm--106--disk--0' }],
      [BUSY(LATER, 106, 'local-lvm', 'renamed map', 'pve-vm--106--disk--0')],
    ],
    [
      'a map without LV',
      { entries: [map('pve-vm--105--disk--0', 'lv-missing', { status: 'orphan' })] },
      [{ vmid: 105, storage: 'local-lvm', volname: 'vm-105-disk-0', dmName: 'pve-vm--105--disk--0' }],
      [BUSY(NEXT, 105, 'local-lvm', 'DM map without LV', 'pve-vm--105--disk--0')],
    ],
    [
      'a hand-made map without UUID',
      { entries: [map('pve-vm--105--disk--0', 'not-lvm', { status: 'ignored' })] },
      [{ vmid: 105, storage: 'local-lvm', volname: 'vm-105-disk-0', dmName: 'pve-vm--105--disk--0' }],
      [BUSY(NEXT, 105, 'local-lvm', 'hand-made map without UUID', 'pve-vm--105--disk--0')],
    ],
    [
      'any other map of that name blocks too',
      { entries: [map('pve-vm--105--disk--0', 'same-target')] },
      [{ vmid: 105, storage: 'local-lvm', volname: 'vm-105-disk-0', dmName: 'pve-vm--105--disk--0' }],
      [BUSY(NEXT, 105, 'local-lvm', 'map', 'pve-vm--105--disk--0')],
    ],
    [
      // PVE skips the names LVM has (disk-0 exists as an LV): the first disk is disk-1.
      'the first free disk number, past the LVs the VG has',
      {
        entries: [map('pve-vm--105--disk--0', 'stale-map'), map('pve-vm--105--disk--1', 'stale-map')],
        disksByVg: new Map([['pve', new Map([[105, ['vm-105-disk-0']]])]]),
      },
      [{ vmid: 105, storage: 'local-lvm', volname: 'vm-105-disk-1', dmName: 'pve-vm--105--disk--1' }],
      [BUSY(NEXT, 105, 'local-lvm', 'stale map', 'pve-vm--105--disk--1')],
    ],
    [
      'each storage by its own VG',
      { storages: [LOCAL, SAN], entries: [map('san-vm--105--disk--0', 'stale-map', { vg: 'san' })] },
      [{ vmid: 105, storage: 'san', volname: 'vm-105-disk-0', dmName: 'san-vm--105--disk--0' }],
      [BUSY(NEXT, 105, 'san', 'stale map', 'san-vm--105--disk--0')],
    ],
  ];
  for (const [name, over, collisions, messages] of rows) {
    const r = computeVmidReuse(input(over));
    assert.deepEqual(
      r.collisions.map(({ vmid, storage, volname, dmName }) => ({ vmid, storage, volname, dmName })),
      collisions,
      name,
    );
    assert.deepEqual(r.messages, messages, name);
  }
  const r = computeVmidReuse(input({ entries: [map('pve-vm--105--disk--0', 'renamed')], nextIds: [105, 106, 107] }));
  assert.deepEqual([r.nextVmid, r.upcoming, r.collisions[0]?.reason], [105, [106, 107], 'renamed']);
  assert.deepEqual(
    [computeVmidReuse(input({ nextIds: [] })).nextVmid, computeVmidReuse(input({ nextIds: [] })).upcoming],
    [null, []],
  );
});

test('computeVmidReuse: leftovers are the orphaned and duplicate LVs of VMIDs no guest uses', () => {
  const rows: [string, DmEntry[], Set<number>, { vmid: number; lvs: string[]; count: number; totalBytes: number }[]][] =
    [
      [
        'an orphan LV of a free VMID',
        [leftover(105, 'vm-105-disk-0')],
        new Set(),
        [{ vmid: 105, lvs: ['vm-105-disk-0'], count: 1, totalBytes: 32 * GiB }],
      ],
      [
        'a duplicate counts too',
        [leftover(105, 'vm-105-disk-0', { status: 'duplicate', reason: 'stale-map' })],
        new Set(),
        [{ vmid: 105, lvs: ['vm-105-disk-0'], count: 1, totalBytes: 32 * GiB }],
      ],
      ['a VMID a guest uses is no leftover', [leftover(105, 'vm-105-disk-0')], new Set([105]), []],
      ['a valid LV is none', [leftover(105, 'vm-105-disk-0', { status: 'valid' })], new Set(), []],
      ['an unknown LV is none', [leftover(105, 'vm-105-disk-0', { status: 'unknown' })], new Set(), []],
      ['a map of no VMID is none', [leftover(105, 'vm-105-disk-0', { vmid: null })], new Set(), []],
      ['a layer follows its LV', [leftover(105, 'vm-105-disk-0', { layer: 'tmeta' })], new Set(), []],
      [
        'a partition follows its LV',
        [leftover(105, 'vm-105-disk-0', { parent: 'pve-vm--105--disk--0' })],
        new Set(),
        [],
      ],
      ['a map with no LV is none', [leftover(105, 'vm-105-disk-0', { lv: null })], new Set(), []],
      ['a map with no VG is none', [leftover(105, 'vm-105-disk-0', { vg: null })], new Set(), []],
      [
        'per VMID, summed, an unknown size as 0, in VMID order',
        [
          leftover(200, 'vm-200-disk-0'),
          leftover(105, 'vm-105-disk-0'),
          leftover(105, 'vm-105-disk-1', { sizeBytes: null }),
          leftover(105, 'vm-105-disk-2', { sizeBytes: 8 * GiB }),
        ],
        new Set(),
        [
          { vmid: 105, lvs: ['vm-105-disk-0', 'vm-105-disk-1', 'vm-105-disk-2'], count: 3, totalBytes: 40 * GiB },
          { vmid: 200, lvs: ['vm-200-disk-0'], count: 1, totalBytes: 32 * GiB },
        ],
      ],
    ];
  for (const [name, entries, usedVmids, want] of rows) {
    const r = computeVmidReuse(input({ entries, usedVmids, nextIds: [] }));
    assert.deepEqual(
      r.leftovers.map((lo) => ({
        vmid: lo.vmid,
        lvs: lo.volumes.map((v) => v.lv),
        count: lo.count,
        totalBytes: lo.totalBytes,
      })),
      want,
      name,
    );
  }
  const [lo] = computeVmidReuse(input({ entries: [leftover(105, 'vm-105-disk-0')] })).leftovers;
  assert.deepEqual(lo.volumes, [
    {
      name: 'pve-vm--105--disk--0',
      vg: 'pve',
      lv: 'vm-105-disk-0',
      storage: 'local-lvm',
      sizeBytes: 32 * GiB,
      reason: 'guest-missing',
    },
  ]);
});

test('computeVmidReuse: one sentence per next VMID that inherits leftover LVs', () => {
  const rows: [string, DmEntry[], number[], string[]][] = [
    [
      'the next VMID',
      [leftover(105, 'vm-105-disk-0')],
      [105, 106],
      [inherits('the next', 105, 'LV pve/vm-105-disk-0', '32.0 GiB')],
    ],
    [
      'a later VMID',
      [leftover(106, 'vm-106-disk-0')],
      [105, 106],
      [inherits('a later', 106, 'LV pve/vm-106-disk-0', '32.0 GiB')],
    ],
    [
      'two LVs',
      [leftover(105, 'vm-105-disk-0'), leftover(105, 'vm-105-disk-1')],
      [105],
      [inherits('the next', 105, 'LVs pve/vm-105-disk-0, pve/vm-105-disk-1', '64.0 GiB')],
    ],
    // A VMID not handed out soon has its leftover listed, without a sentence.
    [
      'a VMID not among the next',
      [leftover(300, 'vm-300-disk-0')],
      [105],
      ['the next VMID is 105; nothing on this node collides with it'],
    ],
    // A map without its LV leaves nothing to inherit (its collision is said instead when it holds the name).
    [
      'a map without LV is nothing to inherit',
      [leftover(105, 'vm-105-disk-3', { reason: 'lv-missing' })],
      [105],
      ['the next VMID is 105; nothing on this node collides with it'],
    ],
    [
      'an LV beside a map without LV',
      [leftover(105, 'vm-105-disk-3', { reason: 'lv-missing' }), leftover(105, 'vm-105-disk-4')],
      [105],
      [inherits('the next', 105, 'LV pve/vm-105-disk-4', '64.0 GiB')],
    ],
    [
      'a collision and a leftover: both sentences, no "nothing collides"',
      [map('pve-vm--106--disk--0', 'stale-map'), leftover(105, 'vm-105-disk-1')],
      [105, 106],
      [
        BUSY(LATER, 106, 'local-lvm', 'stale map', 'pve-vm--106--disk--0'),
        inherits('the next', 105, 'LV pve/vm-105-disk-1', '32.0 GiB'),
      ],
    ],
  ];
  for (const [name, entries, nextIds, want] of rows) {
    assert.deepEqual(computeVmidReuse(input({ entries, nextIds, disksByVg: disksOf(entries) })).messages, want, name);
  }
});

test('nextDiskCollision: a blocking map of an existing guest that holds the name of its next disk', () => {
  const disks = new Map([['pve', new Map([[103, ['vm-103-disk-0', 'vm-103-disk-1']]])]]);
  const e = (over: Partial<DmEntry>) =>
    map('pve-vm--103--disk--2', 'stale-map', {
      vmid: 103,
      guestNode: 'pve1',
      guestType: 'qemu',
      ...over,
    } as Partial<DmEntry>);
  const VM = "the next disk of VM 103 would be vm-103-disk-2 and lvcreate would fail with 'Device or resource busy'";
  const rows: [string, DmEntry, LvmStorage | undefined, string | null][] = [
    ['a stale map', e({}), LOCAL, VM],
    ['a renamed map', e({ reason: 'renamed' }), LOCAL, VM],
    ['a map without LV', e({ reason: 'lv-missing' }), LOCAL, VM],
    ['a container', e({ guestType: 'lxc' } as Partial<DmEntry>), LOCAL, VM.replace('VM 103', 'CT 103')],
    ['a map that blocks nothing (same target)', e({ reason: 'same-target' }), LOCAL, null],
    ['a hand-made map: said by its own verdict', e({ reason: 'not-lvm' }), LOCAL, null],
    ['another disk number', e({ name: 'pve-vm--103--disk--5' }), LOCAL, null],
    ['no storage', e({}), undefined, null],
    ['another storage’s VG', e({}), SAN, null],
    ['no VMID', e({ vmid: null }), LOCAL, null],
    ['no guest (computeVmidReuse says it)', e({ guestNode: null } as Partial<DmEntry>), LOCAL, null],
  ];
  for (const [name, entry, st, want] of rows) assert.equal(nextDiskCollision(entry, st, disks), want, name);
});

test('withVolumeLeftovers: the volumes part’s leftovers by VMID, sized by the volume, never by its snapshots', () => {
  const reuse = (): VmidReuse => ({
    nextVmid: 105,
    upcoming: [106],
    collisions: [],
    // An LV leftover of a later VMID, and two sentences already said (collisions).
    leftovers: [
      {
        vmid: 200,
        volumes: [
          {
            name: 'pve-vm--200--disk--0',
            vg: 'pve',
            lv: 'vm-200-disk-0',
            storage: 'local-lvm',
            sizeBytes: GiB,
            reason: 'guest-missing',
          },
        ],
        count: 1,
        totalBytes: GiB,
      },
    ],
    messages: [
      BUSY(NEXT, 105, 'local-lvm', 'stale map', 'pve-vm--105--disk--0'),
      BUSY(LATER, 106, 'san', 'stale map', 'san-vm--106--disk--0'),
    ],
  });
  const v = volumesPart({
    entries: [
      orphanVolume(),
      // A snapshot entry carries its volume's volid: it sizes nothing here.
      orphanVolume({ snapshot: 'before', sizeBytes: GiB, usedBytes: GiB }),
    ],
  });
  v.vmidLeftovers = [
    {
      vmid: 105,
      volids: ['local-zfs:vm-105-disk-0', 'tank-nfs:105/vm-105-disk-1.qcow2'],
      sizeBytes: 40 * GiB,
      usedBytes: 4 * GiB,
    },
  ];
  const r = withVolumeLeftovers(reuse(), v);
  assert.deepEqual(
    r.leftovers.map((l) => [l.vmid, l.count, l.totalBytes]),
    [
      [105, 2, 40 * GiB],
      [200, 1, GiB],
    ],
  );
  assert.deepEqual(r.leftovers[0].otherVolumes, [
    { volid: 'local-zfs:vm-105-disk-0', storage: 'local-zfs', sizeBytes: 40 * GiB, usedBytes: 4 * GiB },
    // A volume the part did not list: its storage from its volume id, its size unknown.
    { volid: 'tank-nfs:105/vm-105-disk-1.qcow2', storage: 'tank-nfs', sizeBytes: null, usedBytes: null },
  ]);
  assert.deepEqual(r.messages, [
    ...reuse().messages,
    inherits(
      'the next',
      105,
      'volumes local-zfs:vm-105-disk-0, tank-nfs:105/vm-105-disk-1.qcow2',
      '2 volumes, 40.0 GiB',
    ),
  ]);
  // A volumes result of an older version (no leftovers listed): the reuse part as it was.
  const older = volumesPart();
  delete (older as Partial<typeof older>).vmidLeftovers;
  const same = reuse();
  assert.equal(withVolumeLeftovers(same, older), same);
});
