// `pending` hides a finding from the grade: an operation makes an entry pending only when it explains
// that entry (docs/cleanup.md "Pending"). The matrix: operations (tasks, locks, a kvm away from home) ×
// where the guest's config lives × the kind of entry (duplicate, away-from-home open LV, orphan being
// written, the guest's own snapshot, vzdump's snapshot). Every cell: pending or not, and an operation
// that does not explain the entry still protects it (no action), except a console, which is nothing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeNode } from '../../src/core/node/analyze-node';
import { parseNode } from '../../src/core/node/node-view';
import type { DmEntry, DmResult } from '../../src/core/types';
import { LOCAL_LVM, lvmId, NodeBuilder } from '../helpers/node-builder';

const STORAGE = `${LOCAL_LVM}\nlvm: san\n\tvgname vg-san\n\tshared 1\n\tcontent images\n`;
const VMID = 300;

type Kind = 'duplicate' | 'away' | 'written' | 'snapshot' | 'vzdump-snapshot';

interface Scenario {
  kind: Kind;
  /** The entry under test. */
  name: string;
  /** Node whose /etc/pve/nodes/<node> holds the guest's config. */
  home: string;
  build(b: NodeBuilder, configLines: string[]): void;
}

const scenarios: Scenario[] = [
  {
    kind: 'duplicate',
    name: 'vg--san-vm--300--disk--0',
    home: 'pve1',
    build(b, lines) {
      b.guest(VMID, 'qemu', ['scsi0: san:vm-300-disk-0', ...lines]).lv({ vg: 'vg-san', lv: 'vm-300-disk-0', active: false });
      // A map under the LV's name with another LV's id: two writers' view of one name.
      b.map({ name: 'vg--san-vm--300--disk--0', uuid: `LVM-${b.vgId('vg-san')}${lvmId('old300')}`, table: '0 2048 linear 8:16 4096', open: 1 });
    },
  },
  {
    kind: 'away',
    name: 'vg--san-vm--300--disk--0',
    home: 'pve2',
    build(b, lines) {
      b.guest(VMID, 'qemu', ['scsi0: san:vm-300-disk-0', ...lines], 'pve2').lv({ vg: 'vg-san', lv: 'vm-300-disk-0', open: 1 });
    },
  },
  {
    kind: 'written',
    name: 'pve-vm--300--disk--1',
    home: 'pve1',
    build(b, lines) {
      b.guest(VMID, 'qemu', ['scsi0: local-lvm:vm-300-disk-0', ...lines])
        .lv({ vg: 'pve', lv: 'vm-300-disk-0', pool: 'data' })
        .lv({ vg: 'pve', lv: 'vm-300-disk-1', pool: 'data' });
    },
  },
  {
    kind: 'snapshot',
    name: 'pve-snap_vm--300--disk--0_before',
    home: 'pve1',
    build(b, lines) {
      b.guest(VMID, 'qemu', ['scsi0: local-lvm:vm-300-disk-0', ...lines])
        .lv({ vg: 'pve', lv: 'vm-300-disk-0', pool: 'data' })
        .lv({ vg: 'pve', lv: 'snap_vm-300-disk-0_before', pool: 'data', origin: 'vm-300-disk-0' });
    },
  },
  {
    kind: 'vzdump-snapshot',
    name: 'pve-snap_vm--300--disk--0_vzdump',
    home: 'pve1',
    build(b, lines) {
      b.guest(VMID, 'lxc', ['rootfs: local-lvm:vm-300-disk-0,size=8G', ...lines])
        .lv({ vg: 'pve', lv: 'vm-300-disk-0', pool: 'data' })
        .lv({ vg: 'pve', lv: 'snap_vm-300-disk-0_vzdump', pool: 'data', origin: 'vm-300-disk-0' });
    },
  },
];

interface Op {
  label: string;
  task?: string;
  lock?: string;
  /** The kinds this operation explains (pending); everything else it only protects. */
  explains: Kind[];
  console?: boolean;
}

// From pve-manager/qemu-server/pve-container: the task types each API call forks (docs/cleanup.md).
const ops: Op[] = [
  { label: 'a noVNC console (vncproxy)', task: 'vncproxy', explains: [], console: true },
  { label: 'an xterm.js console (termproxy forks vncproxy; a node shell vncshell)', task: 'vncshell', explains: [], console: true },
  { label: 'a migration (qmigrate)', task: 'qmigrate', explains: ['away', 'written'] },
  { label: 'a restore (qmrestore)', task: 'qmrestore', explains: ['written'] },
  { label: 'a create (vzcreate)', task: 'vzcreate', explains: ['written'] },
  { label: 'a disk move (qmmove)', task: 'qmmove', explains: ['written'] },
  { label: 'a start (qmstart)', task: 'qmstart', explains: [] },
  { label: 'a backup (vzdump)', task: 'vzdump', explains: ['vzdump-snapshot'] },
  { label: 'a snapshot (qmsnapshot)', task: 'qmsnapshot', explains: ['snapshot', 'vzdump-snapshot'] },
  { label: 'lock: backup', lock: 'backup', explains: ['vzdump-snapshot'] },
  { label: 'lock: migrate', lock: 'migrate', explains: ['away', 'written'] },
  { label: 'lock: create', lock: 'create', explains: ['written'] },
  { label: 'lock: snapshot', lock: 'snapshot', explains: ['snapshot', 'vzdump-snapshot'] },
];

function analyse(s: Scenario, op: Op): { e: DmEntry; r: DmResult } {
  const b = new NodeBuilder('pve1').cluster(['pve1', 'pve2']).storage(STORAGE).pool('pve');
  s.build(b, op.lock ? [`lock: ${op.lock}`] : []);
  if (op.task) b.task(op.task, String(VMID));
  const r = analyzeNode(parseNode(b.build()), {});
  const e = r.entries.find((x) => x.name === s.name);
  assert.ok(e, `no entry ${s.name}; have ${r.entries.map((x) => x.name).join(', ')}`);
  return { e, r };
}

describe('pending only when the operation explains the entry', () => {
  for (const s of scenarios) {
    test(`baseline: the ${s.kind} entry is a finding and not pending`, () => {
      const { e } = analyse(s, { label: 'none', explains: [] });
      assert.ok(['duplicate', 'orphan'].includes(e.status), `${e.status}/${e.reason}`);
      assert.equal(e.pending, false, e.protectedBy.join(','));
    });
    for (const op of ops) {
      // A lock on a guest of this node with no task for it is what an interrupted operation left: never
      // pending (never-harm-verdicts covers it). Locks are tried where they count as under way: a
      // config on another node, whose tasks this node cannot see.
      if (op.lock && s.home === 'pve1') continue;
      const want = op.explains.includes(s.kind);
      test(`${s.kind} (config on ${s.home}) × ${op.label}: ${want ? 'pending' : 'not pending'}`, () => {
        const { e } = analyse(s, op);
        assert.equal(e.pending, want, `${e.status}/${e.reason} protectedBy=${e.protectedBy.join(',')}`);
        if (op.console) {
          assert.ok(!e.protectedBy.some((p) => p.includes(op.task!)), e.protectedBy.join(','));
        } else {
          assert.equal(e.protected, true, 'an operation on the guest always protects its entries');
          assert.equal(e.action, null);
        }
      });
    }
  }
  test('a lock on a guest of this node explains nothing without its task, and protects', () => {
    const { e } = analyse(scenarios[2], { label: 'lock: create', lock: 'create', explains: [] });
    assert.equal(e.pending, false);
    assert.ok(e.protectedBy.includes('stale-lock:create'), e.protectedBy.join(','));
  });
});

describe('a kvm of the guest on a node that is not its home', () => {
  const away = scenarios[1];
  function withKvm(o: { incoming: boolean; lock?: string }) {
    const b = new NodeBuilder('pve1').cluster(['pve1', 'pve2']).storage(STORAGE).pool('pve');
    away.build(b, o.lock ? [`lock: ${o.lock}`] : []);
    b.files[`/run/qemu-server/${VMID}.pid`] = '7300\n';
    b.processes.push({
      pid: 7300,
      comm: 'kvm',
      cmdline: ['/usr/bin/kvm', '-id', String(VMID), ...(o.incoming ? ['-incoming', 'unix:/run/qemu-server/300.migrate'] : [])],
    });
    const r = analyzeNode(parseNode(b.build()), {});
    return { e: r.entries.find((x) => x.name === away.name)!, r };
  }
  const rows = [
    { name: 'no migration: split brain, CRITICAL', incoming: false, lock: undefined, split: true },
    { name: 'a stale lock: backup on the config elsewhere does not hide it', incoming: false, lock: 'backup', split: true },
    { name: '-incoming without lock: migrate is no migration either', incoming: true, lock: undefined, split: true },
    { name: 'lock: migrate without -incoming: a kvm that is not the target', incoming: false, lock: 'migrate', split: true },
    { name: 'the target of a live migration (-incoming, lock: migrate): pending', incoming: true, lock: 'migrate', split: false },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const { e, r } = withKvm(row);
      const split = (r.storage ?? []).find((f) => f.kind === 'guest-split-brain');
      if (row.split) {
        assert.equal(split?.severity, 'critical', JSON.stringify((r.storage ?? []).map((f) => f.kind)));
        assert.equal(r.status, 2);
        assert.ok(e.protectedBy.includes('kvm-process'), e.protectedBy.join(','));
        if (row.lock !== 'migrate') assert.equal(e.pending, false, e.protectedBy.join(','));
      } else {
        assert.equal(split, undefined);
        assert.equal(e.pending, true, e.protectedBy.join(','));
      }
      assert.equal(e.action, null);
    });
  }
});

test('a console open on a guest whose lock an interrupted restore left does not make the lock "under way"', () => {
  const b = new NodeBuilder('pve1').storage(STORAGE).pool('pve');
  scenarios[2].build(b, ['lock: create']);
  b.task('vncproxy', String(VMID));
  const e = analyzeNode(parseNode(b.build()), {}).entries.find((x) => x.name === scenarios[2].name)!;
  assert.equal(e.pending, false, e.protectedBy.join(','));
  assert.ok(e.protectedBy.includes('stale-lock:create'), e.protectedBy.join(','));
});
