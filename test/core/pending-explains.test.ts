// Which running operation explains which entry (core/dm/pending-rule.ts `explains`, docs/cleanup.md
// "Pending"), operation by operation: `pending` hides a finding from the grade, so only the operation
// that made the entry may. The task types are the names the API forks its workers under
// (`fork_worker(<type>, ...)`): qemu-server API2/Qemu.pm, pve-container API2/LXC.pm, pve-manager
// API2/Nodes.pm and Cluster/BulkAction, pve-storage API2/Storage/Content.pm; locks are `lock:<name>`
// (AbstractConfig.pm), HA states `ha:<state>`. pending-rule.test.ts proves the same through whole nodes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { entryClass, explains, imgdelExplains, taskVmids } from '../../src/core/dm/pending-rule';
import type { DmEntry } from '../../src/core/vocab/types';

type E = Pick<DmEntry, 'status' | 'reason' | 'lv'>;
const away: E = { status: 'orphan', reason: 'guest-on-other-node', lv: 'vm-300-disk-0' } as E;
const written = (lv: string | null = 'vm-300-disk-1'): E => ({ status: 'orphan', reason: 'not-referenced', lv }) as E;
const snapshot = (lv: string): E => ({ status: 'orphan', reason: 'snapshot-missing', lv }) as E;
const duplicate: E = { status: 'duplicate', reason: 'guest-on-other-node', lv: 'vm-300-disk-0' } as E;

const MIGRATION = [
  'qmigrate',
  'vzmigrate',
  'hamigrate',
  'migrateall',
  'bulk-migrate',
  'qmtunnel',
  'vzmtunnel',
  'lock:migrate',
  'ha:migrate',
  'ha:relocate',
  'ha:recovery',
  'kvm-incoming',
];
const WRITING = [
  'qmcreate',
  'qmrestore',
  'vzcreate',
  'vzrestore',
  'qmclone',
  'vzclone',
  'qmmove',
  'move_volume',
  'qmconfig',
  'imgcopy',
  'lock:create',
  'lock:clone',
  'lock:disk',
];
const SNAPSHOT = [
  'qmsnapshot',
  'vzsnapshot',
  'qmdelsnapshot',
  'vzdelsnapshot',
  'qmrollback',
  'vzrollback',
  'lock:snapshot',
  'lock:snapshot-delete',
  'lock:rollback',
];
const BACKUP = ['vzdump', 'lock:backup'];
const SUSPEND = ['qmsuspend', 'lock:suspending'];
const CONSOLES = ['vncproxy', 'termproxy', 'spiceproxy', 'vncshell', 'spiceshell'];
// Operations of the guest that explain none of these entries (they only protect them).
const OTHERS = ['qmstart', 'qmshutdown', 'vzstart', 'qmresize', 'lock:suspended', 'ha:started', 'aptupdate'];
const ALL = [...MIGRATION, ...WRITING, ...SNAPSHOT, ...BACKUP, ...SUSPEND, ...CONSOLES, ...OTHERS];

function only(e: E, explaining: string[]) {
  for (const op of ALL) assert.equal(explains(op, e), explaining.includes(op), `${op} on ${e.reason} ${e.lv}`);
}

describe('an operation explains an entry only when it made it', () => {
  test('a map or open LV away from the guest home: only a migration (either side, any of its forms)', () =>
    only(away, MIGRATION));
  test('a volume no config names: what allocates volumes (create, restore, clone, move, import, copy) and migration', () =>
    only(written(), [...WRITING, ...MIGRATION]));
  for (const reason of ['guest-missing', 'inactive-leftover'] as const)
    test(`the same for ${reason}`, () => only({ ...written(), reason } as E, [...WRITING, ...MIGRATION]));
  test('a volume without an LV name: the same, and nothing by name', () =>
    only(written(null), [...WRITING, ...MIGRATION]));
  // QemuServer.pm fleecing: vm-<vmid>-fleece-<n>, allocated and freed by vzdump.
  test('a fleecing image: also vzdump', () => only(written('vm-300-fleece-0'), [...WRITING, ...MIGRATION, ...BACKUP]));
  // qm suspend --todisk writes vm-<vmid>-state-suspend-<date> under lock: suspending.
  test('a suspend-to-disk state volume: also the suspend', () =>
    only(written('vm-300-state-suspend-2026-01-01'), [...WRITING, ...MIGRATION, ...SUSPEND]));
  // snapshot_create with vmstate: vm-<vmid>-state-<snapname>.
  test("a snapshot's vmstate volume: also the snapshot operations", () =>
    only(written('vm-300-state-before'), [...WRITING, ...MIGRATION, ...SNAPSHOT]));
  test('a name that only contains the pattern is not one (base- disk, another prefix)', () => {
    only(written('base-300-fleece-0'), [...WRITING, ...MIGRATION]);
    only(written('old-vm-300-state-before'), [...WRITING, ...MIGRATION]);
    // an admin's volume whose name holds vzdump's or the suspend's further in (parse_volname takes any rest)
    only(written('vm-300-copy-vm-300-fleece-0'), [...WRITING, ...MIGRATION]);
    only(written('vm-300-copy-vm-300-state-suspend-2026-01-01'), [...WRITING, ...MIGRATION]);
  });
  test("a guest snapshot's LV: the snapshot operations only", () =>
    only(snapshot('snap_vm-300-disk-0_before'), SNAPSHOT));
  // VZDump/LXC.pm snapshot mode: the container's `vzdump` snapshot (LVMPlugin/LvmThinPlugin: snap_<volname>_<snap>).
  for (const lv of ['snap_vm-300-disk-0_vzdump', 'snap_base-300-disk-0_vzdump', 'snap_vm-300-disk-0_vzdump.qcow2'])
    test(`vzdump's own snapshot ${lv}: also the backup`, () => only(snapshot(lv), [...SNAPSHOT, ...BACKUP]));
  for (const lv of ['snap_vm-300-disk-0_vzdump-old', 'snap_vm-300-disk-0_myvzdump', 'vm-300-disk-0_vzdump'])
    test(`a snapshot only named near vzdump (${lv}): not the backup`, () => only(snapshot(lv), SNAPSHOT));
  test('two maps of one LV, or a map without its LV: no operation makes one', () => {
    only(duplicate, []);
    only({ status: 'orphan', reason: 'lv-missing', lv: 'vm-300-disk-0' } as E, []);
    only({ status: 'orphan', reason: 'saferemove-leftover', lv: 'del-vm-300-disk-0' } as E, []);
  });
});

describe('entryClass', () => {
  const rows: [Pick<DmEntry, 'status' | 'reason'>, string][] = [
    [{ status: 'duplicate', reason: 'not-referenced' } as E, 'duplicate'],
    [{ status: 'orphan', reason: 'snapshot-missing' } as E, 'snapshot'],
    [{ status: 'orphan', reason: 'guest-on-other-node' } as E, 'away'],
    [{ status: 'orphan', reason: 'not-referenced' } as E, 'written'],
    [{ status: 'orphan', reason: 'guest-missing' } as E, 'written'],
    [{ status: 'orphan', reason: 'inactive-leftover' } as E, 'written'],
    [{ status: 'valid', reason: 'referenced' } as E, 'other'],
    [{ status: 'orphan', reason: 'lv-missing' } as E, 'other'],
  ];
  for (const [e, want] of rows) test(`${e.status}/${e.reason} is ${want}`, () => assert.equal(entryClass(e), want));
});

describe('the guests a task is about (its id)', () => {
  const rows: [string, number[]][] = [
    ['300', [300]],
    ['', []],
    // qemu-server move_vm_disk reassign: `<vmid>-<disk>><target vmid>-<disk>`
    ['100-scsi0>200-scsi1', [100, 200]],
    // Content.pm imgdel/imgcopy: `<vmid>@<storage>`, a storage alone: no guest by this rule
    ['106@nvme', []],
    ['local-lvm', []],
    ['2026', [2026]],
  ];
  for (const [id, want] of rows) test(`'${id}' -> [${want.join(', ')}]`, () => assert.deepEqual(taskVmids(id), want));
});

describe('imgdel: its own volume only', () => {
  const del = { vmid: 106, storage: 'nvme', open: false };
  test('a storage id with a dot or a dash, and a VMID', () => {
    assert.equal(imgdelExplains({ type: 'imgdel', id: '106@nvme.fast-1' }, { ...del, storage: 'nvme.fast-1' }), true);
    assert.equal(imgdelExplains({ type: 'imgdel', id: '1060@nvme' }, del), false);
    assert.equal(imgdelExplains({ type: 'imgdel', id: '06@nvme' }, del), false);
  });
  test('a storage alone: any volume of that storage', () => {
    assert.equal(imgdelExplains({ type: 'imgdel', id: 'nvme' }, { ...del, vmid: null }), true);
    assert.equal(imgdelExplains({ type: 'imgdel', id: 'nvme2' }, del), false);
  });
});
