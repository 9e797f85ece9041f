// Verdicts that decide harm (design "Never harm", facts §11): each case is a shape PVE's own code
// paths produce on real nodes; a wrong verdict here makes `clean` deactivate or remove what a guest
// needs, or hides a real finding.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withCleanupActions } from '../../src/core/cleanup/cleanup-context';
import { analyzeDm } from '../../src/core/dm/analyze-dm';
import { parseNode } from '../../src/core/node/node-view';
import { devicePathsIn } from '../../src/core/parse/config-paths';
import type { DmEntry, DmResult } from '../../src/core/vocab/types';
import { LOCAL_LVM, lvmId, NodeBuilder } from '../helpers/node-builder';

function run(b: NodeBuilder): { r: DmResult; e: (name: string) => DmEntry } {
  const r = analyzeDm(parseNode(b.build()));
  const e = (name: string) => {
    const found = r.entries.find((x) => x.name === name);
    assert.ok(found, `no entry ${name}; have ${r.entries.map((x) => x.name).join(', ')}`);
    return found;
  };
  return { r, e };
}

const SAN = `${LOCAL_LVM}\nlvm: san\n\tvgname vg-san\n\tshared 1\n\tcontent images\n`;
const thin = () => new NodeBuilder().storage(LOCAL_LVM).pool('pve');
const san = () => new NodeBuilder().storage(SAN).cluster(['pve1', 'pve2']);

describe("a map without an LVM- UUID is never LVM's", () => {
  const cases: [string, string, string][] = [
    ['a layer-looking suffix', 'pve-vm--100--disk--0-backup', 'not-lvm'],
    ['a -real look-alike', 'pve-vm--100--disk--0-real', 'not-lvm'],
    ['a hidden-component look-alike', 'pve-vm--100--disk--0_rimage_0', 'not-lvm'],
    ['a tmeta look-alike', 'pve-vm--100--disk--0_tmeta', 'not-lvm'],
    ['the exact name of an LV that does not exist', 'pve-vm--555--disk--0', 'not-lvm'],
  ];
  for (const [what, name, reason] of cases) {
    test(`${what} (${name}) is ignored/${reason} and gets no action`, () => {
      const b = thin()
        .guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0,size=8G'])
        .lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' })
        .map({ name, uuid: '', table: '0 2048 linear 8:32 0' });
      const { e } = run(b);
      assert.equal(e(name).status, 'ignored');
      assert.equal(e(name).reason, reason);
      assert.equal(e(name).action, null);
      assert.equal(e('pve-vm--100--disk--0').status, 'valid');
    });
  }

  test('the exact DM name of an existing LV still blocks it: a duplicate that says "made by hand"', () => {
    const b = thin()
      .guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0,size=8G'])
      .lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data', active: false })
      .map({ name: 'pve-vm--100--disk--0', uuid: '', table: '0 2048 linear 8:32 0' });
    const { r } = run(b);
    const m = r.entries.find((x) => x.kind === 'dm' && x.name === 'pve-vm--100--disk--0');
    assert.equal(m?.status, 'duplicate');
    assert.equal(m?.reason, 'stale-map');
    assert.match(m?.detail ?? '', /without UUID/);
  });

  test("a hand-made map holding the next VMID's first disk name is still named as the reason creation fails", () => {
    const b = thin().map({ name: 'pve-vm--100--disk--0', uuid: '', table: '0 2048 zero' });
    const { r } = run(b);
    assert.equal(r.vmidReuse.nextVmid, 100);
    assert.equal(r.vmidReuse.collisions.length, 1);
    assert.match(r.vmidReuse.messages.join('\n'), /hand-made map without UUID pve-vm--100--disk--0/);
  });
});

describe('every way a config names a disk is a reference', () => {
  const lvName = 'pve-vm--300--disk--0';
  const node = (lines: string[], type: 'qemu' | 'lxc' = 'qemu') => {
    const id = lvmId('vm300');
    const b = thin().guest(300, type, lines).lv({ vg: 'pve', lv: 'vm-300-disk-0', pool: 'data', id });
    return { b, id };
  };
  const vgId = (b: NodeBuilder) => b.vgId('pve');
  const cases: [string, (b: NodeBuilder, id: string) => string[], 'qemu' | 'lxc'][] = [
    ['/dev/<vg>/<lv> as a drive', () => ['scsi1: /dev/pve/vm-300-disk-0,size=8G'], 'qemu'],
    ['/dev/mapper/<dm name> as a drive', () => [`virtio0: /dev/mapper/${lvName}`], 'qemu'],
    ['udev dm-name- link', () => [`sata0: /dev/disk/by-id/dm-name-${lvName}`], 'qemu'],
    ['udev dm-uuid-LVM- link', (b, id) => [`scsi2: /dev/disk/by-id/dm-uuid-LVM-${vgId(b)}${id},size=8G`], 'qemu'],
    ['/dev/dm-N', (b) => [`scsi3: /dev/dm-${b.devnoOf(lvName).split(':')[1]}`], 'qemu'],
    ['a by-path link resolving to the map', () => ['scsi4: /dev/disk/by-path/virtual-disk-7'], 'qemu'],
    ['args: with -drive file=', () => [`args: -drive file=/dev/mapper/${lvName},if=none,id=x`], 'qemu'],
    ['lxc.mount.entry', () => [`lxc.mount.entry: /dev/mapper/${lvName} dev/data none bind,create=file 0 0`], 'lxc'],
    ['devN:', (b) => [`dev0: /dev/dm-${b.devnoOf(lvName).split(':')[1]},mode=0660`], 'lxc'],
    ['mpN: with a device path', () => ['mp0: /dev/pve/vm-300-disk-0,mp=/data'], 'lxc'],
  ];
  for (const [what, lines, type] of cases) {
    test(`${what}: the LV is valid, never guest-missing, and nothing is planned`, () => {
      // Lines that need the builder (devno, ids) are built after the LV exists.
      const id = lvmId('vm300');
      const b = thin().lv({ vg: 'pve', lv: 'vm-300-disk-0', pool: 'data', id });
      b.link('/dev/disk/by-path/virtual-disk-7', lvName);
      b.guest(300, type, lines(b, id));
      const { e } = run(b);
      assert.equal(e(lvName).status, 'valid', e(lvName).detail);
      assert.equal(e(lvName).action, null);
    });
  }

  test('a kpartx partition named by path keeps its disk valid', () => {
    const { b } = node([]);
    b.map({ name: `${lvName}p1`, uuid: `part1-${b.uuidOf(lvName)}`, table: `0 1024 linear ${b.devnoOf(lvName)} 2048` });
    b.guest(301, 'qemu', [`scsi0: /dev/mapper/${lvName}p1`]);
    assert.equal(run(b).e(lvName).status, 'valid');
  });

  test("/dev/dm-N in another node's config does not name this node's map", () => {
    const b = san().lv({ vg: 'vg-san', lv: 'vm-400-disk-0' });
    const minor = b.devnoOf('vg--san-vm--400--disk--0').split(':')[1];
    b.guest(400, 'qemu', [`scsi0: /dev/dm-${minor}`], 'pve2');
    const { e } = run(b);
    assert.notEqual(e('vg--san-vm--400--disk--0').status, 'valid');
  });
});

describe('tagged_only and disabled storages', () => {
  const TAGGED = `lvm: tagged\n\tvgname vgt\n\ttagged_only 1\n\tcontent images\n`;
  test('any pve-vm-<id> tag counts (a renumbered LV keeps its old tag)', () => {
    const b = new NodeBuilder()
      .storage(TAGGED)
      .lv({ vg: 'vgt', lv: 'vm-120-disk-0', tags: ['pve-vm-110'] })
      .lv({ vg: 'vgt', lv: 'vm-121-disk-0' });
    const { e } = run(b);
    assert.equal(e('vgt-vm--120--disk--0').status, 'orphan');
    assert.equal(e('vgt-vm--121--disk--0').reason, 'not-tagged');
  });

  test('a volume named in a config is used whatever its tags', () => {
    const b = new NodeBuilder()
      .storage(TAGGED)
      .guest(122, 'qemu', ['scsi0: tagged:vm-122-disk-0,size=4G'])
      .lv({ vg: 'vgt', lv: 'vm-122-disk-0' });
    assert.equal(run(b).e('vgt-vm--122--disk--0').status, 'valid');
  });

  test('a referenced LV on a disabled storage stays valid; an unreferenced one says the storage is disabled', () => {
    const b = new NodeBuilder()
      .storage(`lvm: old\n\tvgname vgo\n\tdisable 1\n\tcontent images\n`)
      .guest(130, 'qemu', ['scsi0: old:vm-130-disk-0,size=4G'])
      .lv({ vg: 'vgo', lv: 'vm-130-disk-0' })
      .lv({ vg: 'vgo', lv: 'vm-131-disk-0' });
    const { e } = run(b);
    assert.equal(e('vgo-vm--130--disk--0').status, 'valid');
    assert.equal(e('vgo-vm--130--disk--0').storage, 'old');
    assert.equal(e('vgo-vm--131--disk--0').status, 'orphan');
    assert.match(e('vgo-vm--131--disk--0').detail, /disabled/);
  });
});

describe('operations in flight', () => {
  test('a backup job of all guests (vzdump, empty id) does not make every entry pending', () => {
    const b = thin()
      .guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0', 'lock: backup'])
      .guest(101, 'qemu', ['scsi0: local-lvm:vm-101-disk-0'])
      .lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' })
      .lv({ vg: 'pve', lv: 'vm-100-disk-1', pool: 'data' })
      .lv({ vg: 'pve', lv: 'vm-101-disk-7', pool: 'data' })
      .task('vzdump', '');
    const { e, r } = run(b);
    // lock: backup explains only the backup's own snapshot and fleecing images (docs/cleanup.md): an
    // unreferenced disk of the guest being backed up stays a finding, protected while the lock stands.
    assert.equal(e('pve-vm--100--disk--1').pending, false, 'a backup writes no new disk');
    assert.ok(e('pve-vm--100--disk--1').protectedBy.includes('lock:backup'));
    assert.equal(e('pve-vm--100--disk--1').action, null);
    assert.equal(e('pve-vm--101--disk--7').pending, false);
    assert.equal(e('pve-vm--101--disk--7').status, 'orphan');
    assert.ok(r.summary.orphan >= 1);
  });

  test('a restore in progress: <vmid>.conf with lock: create and no disks yet marks its new LVs pending', () => {
    const b = thin()
      .guest(140, 'qemu', ['lock: create', 'name: restored'])
      .lv({ vg: 'pve', lv: 'vm-140-disk-0', pool: 'data' })
      .task('qmrestore', '140');
    const { e } = run(b);
    assert.equal(e('pve-vm--140--disk--0').pending, true);
    assert.equal(e('pve-vm--140--disk--0').action, null);
  });

  test('a failed restore (stale lock: create, no task) protects its LVs without claiming an operation runs', () => {
    // qmrestore writes "memory: 128\nlock: create" before it allocates a disk (QemuServer.pm
    // restore_*_archive); a restore that was killed leaves that config and its LVs behind.
    const b = thin()
      .guest(141, 'qemu', ['memory: 128', 'lock: create'])
      .lv({ vg: 'pve', lv: 'vm-141-disk-0', pool: 'data' });
    const snap = b.build();
    const view = parseNode(snap);
    const dm = analyzeDm(view);
    const r = { ...dm, entries: withCleanupActions(view, dm.entries) };
    const lv = r.entries.find((x) => x.name === 'pve-vm--141--disk--0')!;
    assert.equal(lv.pending, false, 'nothing runs');
    assert.equal(lv.protected, true);
    assert.ok(lv.protectedBy.includes('stale-lock:create'), lv.protectedBy.join(','));
    assert.equal(lv.action, null);
    assert.match(lv.hint ?? '', /locked \(create\) and no task runs.*qm unlock 141/);
    assert.doesNotMatch(lv.hint ?? '', /pvesm free|lvremove|dmsetup remove|lvchange -an|rescan/);
  });

  test('a lock on a guest of another node stays pending (its tasks are not visible here)', () => {
    const b = thin().guest(142, 'qemu', ['lock: create'], 'pve2').lv({ vg: 'pve', lv: 'vm-142-disk-0', pool: 'data' });
    const lv = run(b).e('pve-vm--142--disk--0');
    assert.equal(lv.pending, true);
    assert.deepEqual(
      lv.protectedBy.filter((p) => p.includes('lock')),
      ['lock'],
    );
  });

  test('lock: suspended is a state: protected, not pending', () => {
    const b = thin()
      .guest(143, 'qemu', ['lock: suspended', 'scsi0: local-lvm:vm-143-disk-0'])
      .lv({ vg: 'pve', lv: 'vm-143-disk-0', pool: 'data' })
      .lv({ vg: 'pve', lv: 'vm-143-disk-9', pool: 'data' });
    const lv = run(b).e('pve-vm--143--disk--9');
    assert.equal(lv.pending, false);
    assert.ok(lv.protectedBy.includes('lock:suspended'));
    assert.equal(lv.action, null);
  });
});

describe('hints never hurt', () => {
  const withFixes = (b: NodeBuilder) => {
    const snap = b.build();
    const view = parseNode(snap);
    const dm = analyzeDm(view);
    const r = { ...dm, entries: withCleanupActions(view, dm.entries) };
    const e = (name: string) => r.entries.find((x) => x.name === name)!;
    return { r, e };
  };
  const DESTRUCTIVE = /pvesm free|lvremove|dmsetup remove|lvchange -an/;

  test('a pending entry (restore in progress) has neither action nor destructive hint', () => {
    const { e } = withFixes(
      thin().lv({ vg: 'pve', lv: 'vm-150-disk-0', pool: 'data', active: false }).task('qmrestore', '150'),
    );
    const x = e('pve-vm--150--disk--0');
    assert.equal(x.pending, true);
    assert.equal(x.action, null);
    assert.doesNotMatch(x.hint ?? '', DESTRUCTIVE);
    assert.doesNotMatch(x.hint ?? '', /rescan/);
  });

  test('a del- LV on shared storage: the removal may run on the node that freed it; said so, never "interrupted" only', () => {
    const { e } = withFixes(
      new NodeBuilder().storage(SAN).lv({ vg: 'vg-san', lv: 'del-vm-180-disk-0', active: false }),
    );
    const x = e('vg--san-del--vm--180--disk--0');
    assert.equal(x.reason, 'saferemove-leftover');
    assert.match(x.detail, /on shared storage the node that freed it zeroes it/);
    assert.match(x.hint ?? '', /another node may still be zeroing it/);
    assert.equal(x.action, null);
    const local = withFixes(thin().lv({ vg: 'pve', lv: 'del-vm-181-disk-0', pool: 'data', active: false })).e(
      'pve-del--vm--181--disk--0',
    );
    assert.match(local.detail, /an interrupted removal left it behind/);
  });

  test('a protected (open) leftover gets no pvesm free', () => {
    const { e } = withFixes(thin().lv({ vg: 'pve', lv: 'vm-151-disk-0', pool: 'data', open: 1 }));
    const x = e('pve-vm--151--disk--0');
    assert.equal(x.protected, true);
    assert.doesNotMatch(x.hint ?? '', DESTRUCTIVE);
  });

  test("no rescan for a local-storage LV of a guest on another node; rescan on the owner's node only", () => {
    const b = new NodeBuilder()
      .storage(SAN)
      .pool('pve')
      .cluster(['pve1', 'pve2'])
      .guest(160, 'qemu', ['scsi0: local-lvm:vm-160-disk-0'], 'pve2')
      .lv({ vg: 'pve', lv: 'vm-160-disk-0', pool: 'data', active: false })
      .guest(161, 'qemu', ['scsi0: local-lvm:vm-161-disk-0'])
      .lv({ vg: 'pve', lv: 'vm-161-disk-1', pool: 'data', active: false });
    const { e } = withFixes(b);
    assert.doesNotMatch(e('pve-vm--160--disk--0').hint ?? '', /rescan/);
    assert.match(e('pve-vm--161--disk--1').hint ?? '', /qm disk rescan --vmid 161/);
  });

  test('a shared LV active here whose guest on another node names it: no rescan (already in its config)', () => {
    const b = san().guest(170, 'qemu', ['scsi0: san:vm-170-disk-0'], 'pve2').lv({ vg: 'vg-san', lv: 'vm-170-disk-0' });
    const { e } = withFixes(b);
    const x = e('vg--san-vm--170--disk--0');
    assert.equal(x.reason, 'guest-on-other-node');
    assert.match(x.referencedBy ?? '', /VM 170 scsi0 on pve2/);
    assert.doesNotMatch(x.hint ?? '', /rescan|pvesm free/);
  });

  test('a volume-chain snapshot LV whose section is gone: check the backing chain first, never "free it"', () => {
    const b = new NodeBuilder()
      .storage(`lvm: thick\n\tvgname vgc\n\tsnapshot-as-volume-chain 1\n\tcontent images\n`)
      .guest(180, 'qemu', ['scsi0: thick:vm-180-disk-0.qcow2'])
      .lv({ vg: 'vgc', lv: 'vm-180-disk-0.qcow2', active: false })
      .lv({ vg: 'vgc', lv: 'snap_vm-180-disk-0_gone.qcow2', active: false });
    const { e } = withFixes(b);
    const x = e('vgc-snap_vm--180--disk--0_gone.qcow2');
    assert.equal(x.reason, 'snapshot-missing');
    assert.match(x.hint ?? '', /qemu-img info --backing-chain/);
    assert.doesNotMatch(x.hint ?? '', DESTRUCTIVE);
  });
});

describe('one unit, one problem', () => {
  test('a chain snapshot LV active here while its guest lives on another node is guest-on-other-node like its top', () => {
    const b = new NodeBuilder()
      .storage(`lvm: san\n\tvgname vg-san\n\tshared 1\n\tsnapshot-as-volume-chain 1\n\tcontent images\n`)
      .cluster(['pve1', 'pve2'])
      .guest(
        190,
        'qemu',
        ['scsi0: san:vm-190-disk-0.qcow2', '', '[before]', 'scsi0: san:vm-190-disk-0.qcow2', 'snaptime: 1712000000'],
        'pve2',
      )
      .lv({ vg: 'vg-san', lv: 'vm-190-disk-0.qcow2' })
      .lv({ vg: 'vg-san', lv: 'snap_vm-190-disk-0_before.qcow2' });
    const { e } = run(b);
    assert.equal(e('vg--san-vm--190--disk--0.qcow2').reason, 'guest-on-other-node');
    const snap = e('vg--san-snap_vm--190--disk--0_before.qcow2');
    assert.equal(snap.status, 'orphan');
    assert.equal(snap.reason, 'guest-on-other-node');
  });

  test('a renamed map (saferemove renamed the LV under its active map) is one entry, not two', () => {
    const id = lvmId('del');
    const b = new NodeBuilder().storage(`lvm: thick\n\tvgname vgd\n\tsaferemove 1\n\tcontent images\n`);
    b.lv({ vg: 'vgd', lv: 'del-vm-195-disk-0', id, active: false });
    b.map({ name: 'vgd-vm--195--disk--0', uuid: `LVM-${b.vgId('vgd')}${id}`, table: '0 2048 linear 8:16 2048' });
    const { r } = run(b);
    const about = r.entries.filter((x) => x.lv === 'del-vm-195-disk-0' || x.name === 'vgd-vm--195--disk--0');
    assert.equal(about.length, 1, JSON.stringify(about.map((x) => [x.name, x.kind, x.reason])));
    assert.equal(about[0].status, 'duplicate');
    assert.equal(about[0].reason, 'renamed');
  });

  test('a renamed map also blocks the LV that has the old name now, and says so', () => {
    // qm disk reassign renamed vm-196-disk-0 → vm-197-disk-0 under its active map; a new vm-196-disk-0 exists.
    const moved = lvmId('moved');
    const b = new NodeBuilder().storage(`lvm: thick\n\tvgname vgd\n\tcontent images\n`);
    b.lv({ vg: 'vgd', lv: 'vm-197-disk-0', id: moved, active: false });
    b.lv({ vg: 'vgd', lv: 'vm-196-disk-0', id: lvmId('heir'), active: false });
    b.map({ name: 'vgd-vm--196--disk--0', uuid: `LVM-${b.vgId('vgd')}${moved}`, table: '0 2048 linear 8:16 4096' });
    const x = run(b).e('vgd-vm--196--disk--0');
    assert.equal(x.status, 'duplicate');
    assert.match(
      x.detail,
      /blocks activating the LV under its new name, and LV vgd\/vm-196-disk-0, which has the old name now, cannot be activated either/,
    );
  });
});

test('devicePathsIn: every /dev path of a config, whole (by-path names hold colons)', () => {
  const text = [
    'scsi0: /dev/disk/by-path/ip-10.0.0.9:3260-iscsi-iqn.2003-01.org:target-lun-7,size=16G',
    'args: -drive file=/dev/mapper/pve-vm--1--disk--0,if=none,id=d1',
    'lxc.mount.entry: /dev/dm-7 dev/x none bind,create=file 0 0',
  ].join('\n');
  assert.deepEqual(devicePathsIn(text), [
    '/dev/disk/by-path/ip-10.0.0.9:3260-iscsi-iqn.2003-01.org:target-lun-7',
    '/dev/mapper/pve-vm--1--disk--0',
    '/dev/dm-7',
  ]);
});

test('a clone target locked (create) while a clone runs here is an operation under way, not a stale lock', () => {
  // qemu-server clone_vm: the task's id is the SOURCE's VMID; the target's new config has lock: create.
  const b = thin()
    .guest(151, 'qemu', ['lock: create', 'name: clone-of-150'])
    .lv({ vg: 'pve', lv: 'vm-151-disk-0', pool: 'data' })
    .task('qmclone', '150');
  const snap = b.build();
  const view = parseNode(snap);
  const dm = analyzeDm(view);
  const r = { ...dm, entries: withCleanupActions(view, dm.entries) };
  const lv = r.entries.find((x) => x.name === 'pve-vm--151--disk--0')!;
  assert.equal(lv.pending, true);
  assert.ok(!lv.protectedBy.some((p) => p.startsWith('stale-lock')), lv.protectedBy.join(','));
  assert.doesNotMatch(lv.hint ?? '', /unlock/);
  assert.equal(lv.action, null);
});

test('a guest that shares the disk protects it too: its migration uses the volume', () => {
  const SHARED = `${LOCAL_LVM}\nlvm: san\n\tvgname vg-san\n\tshared 1\n\tcontent images\n`;
  const b = new NodeBuilder()
    .storage(SHARED)
    .guest(160, 'qemu', ['scsi0: san:vm-160-disk-0,size=8G'])
    .guest(161, 'qemu', ['scsi1: san:vm-160-disk-0,size=8G', 'lock: migrate'])
    .task('qmigrate', '161')
    .lv({ vg: 'vg-san', lv: 'vm-160-disk-0' });
  const e = run(b).e('vg--san-vm--160--disk--0');
  // The disk is valid (guest 160 names it): nothing for the migration to explain, but no action on it
  // while any guest that names it has an operation under way.
  assert.equal(e.status, 'valid');
  assert.ok(e.protectedBy.includes('task:qmigrate'), e.protectedBy.join(','));
  assert.equal(e.action, null);
});
