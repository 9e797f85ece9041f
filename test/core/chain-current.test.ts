// A PVE 9 volume-chain LV named like a snapshot that is the guest's current image (classify-dm-snapshot.ts
// chainCurrent, storage/chain-current.ts): LVMPlugin.pm volume_snapshot renames the current image to
// snap_<vol>_<snap>.qcow2 first; when neither the new image nor the rename back happens, the config names a
// volume that is gone and the data sits under the snapshot's name. Never a snapshot orphan: valid, and a
// critical finding that renames it back. Beside it the snapshot leftovers that stay orphans.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { parseNode } from '../../src/core/node/node-view';
import { NodeBuilder } from '../helpers/node-builder';

const CFG =
  'dir: local\n\tpath /var/lib/vz\n\tcontent iso\n\nlvm: san\n\tvgname san\n\tshared 1\n\tcontent images\n\tsnapshot-as-volume-chain 1\n';
const SNAP = 'snap_vm-613-disk-0_weekly.qcow2';

function node(o: { volume: boolean; running: boolean; open: boolean; section?: boolean; other?: boolean }) {
  const b = new NodeBuilder('pve1').cluster(['pve1', 'pve2']).storage(CFG);
  const lines = ['scsi0: san:vm-613-disk-0.qcow2,size=8G'];
  if (o.section) {
    lines.unshift('parent: weekly');
    lines.push('', '[weekly]', 'scsi0: san:vm-613-disk-0.qcow2,size=8G', 'snaptime: 1');
  }
  if (!o.other) b.guest(613, 'qemu', lines);
  if (o.running) b.running(613);
  if (o.volume) b.lv({ vg: 'san', lv: 'vm-613-disk-0.qcow2', active: o.running });
  b.lv({ vg: 'san', lv: SNAP, active: o.open, open: o.open ? 1 : 0 });
  const r = analyzeNode(parseNode(b.build()), {});
  const e = r.entries.find((x) => x.lv === SNAP && x.layer === null);
  assert.ok(e);
  return { e, found: (r.storage ?? []).filter((f) => f.kind === 'chain-current-renamed'), r };
}

describe('a volume-chain LV named like a snapshot that is the current image', () => {
  const rows: [string, Parameters<typeof node>[0], string, boolean][] = [
    [
      'the volume is gone, the VM stopped: the rename was not undone',
      { volume: false, running: false, open: false },
      'valid/chain-current',
      true,
    ],
    [
      'the volume is gone, the running kvm holds it',
      { volume: false, running: true, open: true },
      'valid/chain-current',
      true,
    ],
    [
      'the volume exists, the running kvm holds this LV open',
      { volume: true, running: true, open: true },
      'valid/chain-current',
      false,
    ],
    // Neighbours: what stays a snapshot leftover, or a snapshot.
    [
      'the volume exists, nothing holds this LV, no section: a leftover',
      { volume: true, running: false, open: false },
      'orphan/snapshot-missing',
      false,
    ],
    [
      'the volume exists, the VM runs but this LV is not open',
      { volume: true, running: true, open: false },
      'orphan/snapshot-missing',
      false,
    ],
    [
      'a section names it: a snapshot',
      { volume: true, running: false, open: false, section: true },
      'valid/referenced',
      false,
    ],
    [
      'no config names the volume at all',
      { volume: false, running: false, open: false, other: true },
      'orphan/inactive-leftover',
      false,
    ],
  ];
  for (const [what, o, want, finding] of rows)
    test(`${what}: ${want}${finding ? ', critical' : ''}`, () => {
      const { e, found, r } = node(o);
      assert.equal(`${e.status}/${e.reason}`, want, e.detail);
      assert.equal(e.action ?? null, null);
      assert.equal(found.length, finding ? 1 : 0);
      if (finding) {
        assert.equal(found[0].severity, 'critical');
        assert.ok(found[0].fix.includes(`lvrename san ${SNAP} vm-613-disk-0.qcow2`), found[0].fix.join('\n'));
        assert.equal(r.status, 2);
      }
    });
});

// The finding itself (storage/chain-current.ts), word for word: what the admin reads and runs. One candidate
// LV gets the lvrename back; two (two snapshots both left without their section) get the backing-chain
// look for each and no rename (which one is current is read from the chains).
describe('the chain-current finding: its words and its steps', () => {
  const build = (snaps: string[]) => {
    const b = new NodeBuilder('pve1').cluster(['pve1', 'pve2']).storage(CFG);
    b.guest(613, 'qemu', ['scsi0: san:vm-613-disk-0.qcow2,size=8G']);
    for (const lv of snaps) b.lv({ vg: 'san', lv, active: false, open: 0 });
    return (analyzeNode(parseNode(b.build()), {}).storage ?? []).filter((f) => f.kind === 'chain-current-renamed');
  };
  test('one LV: rename it back', () => {
    assert.deepEqual(build([SNAP]), [
      {
        id: 'chain-current:san:vm-613-disk-0.qcow2',
        kind: 'chain-current-renamed',
        severity: 'critical',
        title: `san:vm-613-disk-0.qcow2 does not exist: its data is under ${SNAP}`,
        detail:
          'A PVE 9 volume-chain snapshot did not finish: the current image was renamed to this snapshot name and not back (LVMPlugin.pm volume_snapshot). The guest 613 will not start until it is renamed back; never remove it.',
        fix: [`qemu-img info --backing-chain /dev/san/${SNAP}`, `lvrename san ${SNAP} vm-613-disk-0.qcow2`],
        subject: { vg: 'san', lv: 'vm-613-disk-0.qcow2', vmid: 613 },
      },
    ]);
  });
  test('two LVs: read both chains, rename the top one back by hand', () => {
    const other = 'snap_vm-613-disk-0_daily.qcow2';
    const found = build([SNAP, other]);
    assert.equal(found.length, 1);
    const names = found[0].title
      .replace(/.*its data is under /, '')
      .split(', ')
      .sort();
    assert.deepEqual(names, [other, SNAP].sort());
    assert.equal(
      found[0].detail,
      'A PVE 9 volume-chain snapshot did not finish: the current image was renamed to snapshot names and not back (LVMPlugin.pm volume_snapshot). The guest 613 will not start until the current one is renamed back; never remove them.',
    );
    assert.deepEqual(found[0].fix.slice(0, 2).sort(), [
      `qemu-img info --backing-chain /dev/san/${other}`,
      `qemu-img info --backing-chain /dev/san/${SNAP}`,
    ]);
    assert.equal(
      found[0].fix[2],
      '# rename the one that is the top of the chain back: lvrename san <that LV> vm-613-disk-0.qcow2',
    );
    assert.equal(found[0].fix.length, 3);
  });
});

// Neighbours of the finding: a disk that is simply missing (no snapshot-named LV holds its data) is the
// missing-disk rule's, never a chain rename; an LV of the volume's name on another VG does not make it exist.
describe('the chain-current finding: what it is not', () => {
  test('a missing volume-chain disk with no snapshot LV: no chain-current finding', () => {
    const b = new NodeBuilder('pve1').cluster(['pve1', 'pve2']).storage(CFG);
    b.guest(613, 'qemu', ['scsi0: san:vm-613-disk-0.qcow2,size=8G']);
    b.lv({ vg: 'san', lv: 'vm-613-disk-1.qcow2', active: false, open: 0 });
    const r = analyzeNode(parseNode(b.build()), {});
    assert.ok(
      r.entries.some((e) => e.volume === 'san:vm-613-disk-0.qcow2'),
      'the missing disk has its entry',
    );
    assert.deepEqual(
      (r.storage ?? []).filter((f) => f.kind === 'chain-current-renamed'),
      [],
    );
    assert.ok((r.storage ?? []).every((f) => typeof f.kind === 'string' && typeof f.id === 'string'));
  });
  test('the same name on another VG: the volume is still gone, the finding stays', () => {
    const b = new NodeBuilder('pve1').cluster(['pve1', 'pve2']).storage(CFG);
    b.guest(613, 'qemu', ['scsi0: san:vm-613-disk-0.qcow2,size=8G']);
    b.lv({ vg: 'san', lv: SNAP, active: false, open: 0 });
    b.lv({ vg: 'other', lv: 'vm-613-disk-0.qcow2', active: false, open: 0 });
    const r = analyzeNode(parseNode(b.build()), {});
    assert.equal((r.storage ?? []).filter((f) => f.kind === 'chain-current-renamed').length, 1);
  });
});
