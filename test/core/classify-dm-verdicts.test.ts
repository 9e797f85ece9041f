// The verdict of every DM map and LV, field by field (status, reason, the sentence, and whose volume it
// is): classify-dm.ts and classify-dm-device.ts rule by rule, each with its neighbour one step aside.
// classify-dm.test.ts shows the rules on whole nodes; here each row is one rule's answer, so a changed
// sentence, a lost storage or guest, or a branch taken for its neighbour fails one named row.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeDm } from '../../src/core/dm/analyze-dm';
import { parseNode } from '../../src/core/node/node-view';
import { quarantineName } from '../../src/core/vocab/quarantine-name';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import type { DmEntry } from '../../src/core/vocab/types';
import { LOCAL_LVM, lvmId, NodeBuilder } from '../helpers/node-builder';
import { DISK_PLACE, pvOnDisk, pvRead } from '../helpers/pv-devices';

type Want = Partial<
  Pick<
    DmEntry,
    'status' | 'reason' | 'detail' | 'storage' | 'vmid' | 'volume' | 'guestNode' | 'guestType' | 'referencedBy'
  >
>;

/** The entries of a node; `tweak` changes the snapshot the builder made (unreadable files, a lost config). */
function entries(b: NodeBuilder, tweak?: (s: HostSnapshot) => void): Map<string, DmEntry> {
  const s = b.build();
  tweak?.(s);
  const out = new Map<string, DmEntry>();
  // A map and an inactive LV can share a DM name (a stale map of that LV): the map's entry is named.
  for (const e of analyzeDm(parseNode(s)).entries) if (!out.has(e.name) || e.kind === 'dm') out.set(e.name, e);
  return out;
}

function check(got: Map<string, DmEntry>, name: string, want: Want): void {
  const e = got.get(name);
  assert.ok(e, `no entry ${name}; have ${[...got.keys()].join(', ')}`);
  const picked = Object.fromEntries(Object.keys(want).map((k) => [k, e[k as keyof DmEntry]]));
  assert.deepEqual(picked, want, name);
}

const SAN = `${LOCAL_LVM}\nlvm: san\n\tvgname vg-san\n\tshared 1\n\tcontent images\n`;
const base = () => new NodeBuilder().storage(LOCAL_LVM).pool('pve');
const none = { storage: null, vmid: null, volume: null, guestNode: null, guestType: null };

describe('maps that are not LVM volumes', () => {
  const b = base();
  b.map({ name: 'mpatha', uuid: 'mpath-3600a0980383030', table: '0 2048 multipath 0 0 1 1 round-robin 0 1 1 8:32 1' });
  b.map({
    name: 'luks-x',
    uuid: 'CRYPT-LUKS2-0123456789abcdef-luks-x',
    table: '0 2048 crypt aes-xts-plain64 :64:logon:x 0 8:48 32768',
  });
  b.map({ name: 'handmade', uuid: '', table: '0 2048 linear 8:64 0' });
  b.map({ name: 'vdo0', uuid: 'VDO-abc', table: '0 2048 linear 8:80 0' });
  b.map({ name: 'pve-vm--999--disk--0', uuid: '', table: '0 2048 linear 8:96 0' });
  const got = entries(b);
  const rows: [string, string][] = [
    ['mpatha', 'multipath map (UUID mpath-...), not an LVM volume'],
    ['luks-x', 'dm-crypt map (UUID CRYPT-...), not an LVM volume'],
    ['handmade', 'map without UUID (UUID empty), not an LVM volume'],
    ['vdo0', 'VDO map (UUID VDO-...), not an LVM volume'],
    [
      'pve-vm--999--disk--0',
      `map without UUID named like LV pve/vm-999-disk-0, which does not exist: lvm2 always sets an LVM- UUID, so this map was made by hand (dmsetup create) and is not LVM's; while it exists, creating an LV of that name fails with "Device or resource busy"`,
    ],
  ];
  for (const [name, detail] of rows)
    test(`${name}: ignored, not-lvm, said what it is`, () =>
      check(got, name, { status: 'ignored', reason: 'not-lvm', detail, ...none }));
});

describe('a map by its identity', () => {
  test('a renamed map of an LV on no PVE storage is ignored, not a duplicate', () => {
    const b = base();
    const id = lvmId('r');
    b.lv({ vg: 'other', lv: 'vm-120-disk-1', id, active: false });
    b.map({ name: 'other-vm--120--disk--0', uuid: `LVM-${b.vgId('other')}${id}`, table: '0 2048 linear 8:16 99' });
    check(entries(b), 'other-vm--120--disk--0', { status: 'ignored', reason: 'not-pve-storage' });
  });

  test("a renamed map keeps its LV's owner: the guest on another node that names it", () => {
    const b = new NodeBuilder().storage(SAN).pool('pve').cluster(['pve1', 'pve2']);
    b.guest(121, 'qemu', ['scsi0: san:vm-121-disk-1'], 'pve2');
    const id = lvmId('s');
    b.lv({ vg: 'vg-san', lv: 'vm-121-disk-1', id, active: false });
    b.lv({ vg: 'vg-san', lv: 'vm-121-disk-0', active: false });
    b.map({ name: 'vg--san-vm--121--disk--0', uuid: `LVM-${b.vgId('vg-san')}${id}`, table: '0 2048 linear 8:16 999' });
    check(entries(b), 'vg--san-vm--121--disk--0', {
      status: 'duplicate',
      reason: 'renamed',
      detail:
        'map named vg-san/vm-121-disk-0 carries the UUID of LV vg-san/vm-121-disk-1 (renamed, e.g. by qm disk reassign): it blocks activating the LV under its new name, and LV vg-san/vm-121-disk-0, which has the old name now, cannot be activated either (its DM name is taken)',
      storage: 'san',
      vmid: 121,
      volume: 'san:vm-121-disk-1',
      guestNode: 'pve2',
      referencedBy: 'VM 121 scsi0 on pve2',
    });
  });

  test('lvs failed: every LVM map is unknown, with the guest its name carries', () => {
    const b = base()
      .guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0'])
      .lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' });
    b.map({ name: 'handmade2', uuid: `LVM-${b.vgId('pve')}${lvmId('h')}`, table: '0 2048 linear 8:16 0' });
    b.commandOverrides = {
      lvs: { argv: ['lvs'], code: 5, stdout: '', stderr: 'locking failed' } as HostSnapshot['commands']['lvs'],
    };
    const got = entries(b);
    const why = 'lvs failed (lvs exited 5: locking failed): cannot tell whether';
    check(got, 'pve-vm--100--disk--0', {
      status: 'unknown',
      reason: 'lvm-incomplete',
      detail: `${why} pve-vm--100--disk--0 has an LV`,
      storage: null,
      vmid: 100,
      volume: null,
      guestNode: 'pve1',
    });
    check(got, 'handmade2', {
      status: 'unknown',
      reason: 'lvm-incomplete',
      detail: `${why} handmade2 has an LV`,
      vmid: null,
      guestNode: null,
    });
  });

  test('a map whose LV is gone: its thin target picks the lvmthin storage of a VG lvm shares, a linear one the lvm storage', () => {
    const b = new NodeBuilder().storage(`${LOCAL_LVM}\nlvm: thick\n\tvgname pve\n`).pool('pve');
    b.map({
      name: 'pve-vm--150--disk--0',
      uuid: `LVM-${b.vgId('pve')}${lvmId('g')}`,
      table: `0 2048 thin ${b.devnoOf('pve-data-tpool')} 7`,
    });
    b.map({ name: 'pve-vm--151--disk--0', uuid: `LVM-${b.vgId('pve')}${lvmId('g')}`, table: '0 2048 linear 8:16 7' });
    b.map({
      name: 'nolvm-vm--154--disk--0',
      uuid: `LVM-${b.vgId('nolvm')}${lvmId('g')}`,
      table: '0 2048 linear 8:16 7',
    });
    // A layer of an LV lvs does not list: no thin target of its own to say which, so the lvm storage.
    b.map({
      name: 'pve-vm--155--disk--0-real',
      uuid: `LVM-${b.vgId('pve')}${lvmId('gone')}-real`,
      table: '0 2048 linear 8:16 7',
    });
    const got = entries(b);
    check(got, 'pve-vm--155--disk--0-real', { status: 'orphan', storage: 'thick', vmid: 155 });
    const missing = (vm: number) => `DM map whose UUID is not in LVM metadata (no LV pve/vm-${vm}-disk-0)`;
    check(got, 'pve-vm--150--disk--0', {
      status: 'orphan',
      reason: 'lv-missing',
      detail: missing(150),
      storage: 'local-lvm',
    });
    check(got, 'pve-vm--151--disk--0', {
      status: 'orphan',
      reason: 'lv-missing',
      detail: missing(151),
      storage: 'thick',
    });
    // On a VG no storage uses: ignored like its LVs would be, never an orphan of PVE's.
    check(got, 'nolvm-vm--154--disk--0', { status: 'ignored', reason: 'not-pve-storage' });
  });

  test('a map of a storage VG whose VG id LVM does not know is unknown (vg-unknown), never an orphan', () => {
    const b = base();
    const uuid = `LVM-${lvmId('vgx')}${lvmId('g')}`;
    b.map({ name: 'pve-vm--153--disk--0', uuid, table: `0 2048 thin ${b.devnoOf('pve-data-tpool')} 7` });
    check(entries(b), 'pve-vm--153--disk--0', {
      status: 'unknown',
      reason: 'vg-unknown',
      detail: `the VG of pve-vm--153--disk--0 (UUID ${uuid.slice(0, 36)}...) is not known to LVM (missing PV, recreated VG, or hidden by an lvm.conf filter): never guess`,
    });
  });

  test('a map whose LV is gone: the config of another node that names the volume is said; a del- name is no saferemove', () => {
    const b = new NodeBuilder().storage(SAN).pool('pve').cluster(['pve1', 'pve2']);
    b.guest(300, 'qemu', ['scsi0: san:vm-300-disk-0'], 'pve2');
    b.map({
      name: 'vg--san-vm--300--disk--0',
      uuid: `LVM-${b.vgId('vg-san')}${lvmId('g')}`,
      table: '0 2048 linear 8:16 7',
    });
    b.map({
      name: 'vg--san-del--vm--301--disk--0',
      uuid: `LVM-${b.vgId('vg-san')}${lvmId('g')}`,
      table: '0 2048 linear 8:16 9999',
    });
    const got = entries(b);
    check(got, 'vg--san-vm--300--disk--0', {
      status: 'orphan',
      reason: 'lv-missing',
      guestNode: 'pve2',
      referencedBy: 'VM 300 scsi0 on pve2',
    });
    check(got, 'vg--san-del--vm--301--disk--0', {
      status: 'orphan',
      reason: 'lv-missing',
      detail: 'DM map whose UUID is not in LVM metadata (no LV vg-san/del-vm-301-disk-0)',
    });
  });

  test('vgs failed: a map without LV is unknown, never an orphan (the LV list cannot be cross-checked)', () => {
    const b = base();
    b.map({
      name: 'pve-vm--150--disk--0',
      uuid: `LVM-${b.vgId('pve')}${lvmId('g')}`,
      table: `0 2048 thin ${b.devnoOf('pve-data-tpool')} 7`,
    });
    b.commandOverrides = {
      vgs: { argv: ['vgs'], code: 5, stdout: '', stderr: 'x' } as HostSnapshot['commands']['vgs'],
    };
    check(entries(b), 'pve-vm--150--disk--0', { status: 'unknown', reason: 'lvm-incomplete', storage: 'local-lvm' });
  });

  test('stale maps: made by hand or of an earlier LV, the LV inactive or active under another map', () => {
    const b = new NodeBuilder().storage(SAN).pool('pve');
    b.lv({ vg: 'vg-san', lv: 'vm-303-disk-0', active: false });
    b.map({ name: 'vg--san-vm--303--disk--0', uuid: '', table: '0 2048 linear 8:16 4096' });
    b.lv({ vg: 'vg-san', lv: 'vm-304-disk-0', active: false });
    b.map({
      name: 'vg--san-vm--304--disk--0',
      uuid: `LVM-${b.vgId('vg-san')}${lvmId('old')}`,
      table: '0 2048 linear 8:16 4096',
    });
    // The LV is active through a map of another name; a map of an earlier LV holds its own name.
    b.lv({ vg: 'vg-san', lv: 'vm-305-disk-0' });
    b.devs.find((d) => d.name === 'vg--san-vm--305--disk--0')!.name = 'vg--san-vm--305--disk--9';
    b.map({
      name: 'vg--san-vm--305--disk--0',
      uuid: `LVM-${b.vgId('vg-san')}${lvmId('old')}`,
      table: '0 2048 linear 8:16 8192',
    });
    const got = entries(b);
    check(got, 'vg--san-vm--303--disk--0', {
      status: 'duplicate',
      reason: 'stale-map',
      detail:
        'map without UUID (made by hand, not by lvm2) holding the DM name of LV vg-san/vm-303-disk-0: whatever it maps, it blocks activating the real LV (the LV is inactive)',
      storage: 'san',
      vmid: 303,
      volume: 'san:vm-303-disk-0',
    });
    check(got, 'vg--san-vm--304--disk--0', {
      status: 'duplicate',
      reason: 'stale-map',
      detail:
        'a map named like LV vg-san/vm-304-disk-0 that belongs to an earlier LV of that name (another UUID): it points at old extents and blocks activating the current LV (the LV is inactive)',
    });
    check(got, 'vg--san-vm--305--disk--0', {
      status: 'duplicate',
      reason: 'stale-map',
      detail:
        'a map named like LV vg-san/vm-305-disk-0 that belongs to an earlier LV of that name (another UUID): it points at old extents and blocks activating the current LV',
    });
    check(got, 'vg--san-vm--305--disk--9', {
      status: 'duplicate',
      reason: 'renamed',
      detail:
        'map named vg-san/vm-305-disk-9 carries the UUID of LV vg-san/vm-305-disk-0 (renamed, e.g. by qm disk reassign): it blocks activating the LV under its new name',
    });
  });

  test('a map made by hand named like an inactive LV that is on no storage stays ignored', () => {
    const b = base().lv({ vg: 'other', lv: 'vm-306-disk-0', active: false });
    b.map({ name: 'other-vm--306--disk--0', uuid: '', table: '0 2048 linear 8:16 4096' });
    check(entries(b), 'other-vm--306--disk--0', { status: 'ignored', reason: 'not-pve-storage' });
  });
});

describe('an LV by its name and its storage', () => {
  const q = quarantineName('vm-100-disk-0', new Date('2026-01-02T03:04:05Z'));
  const named = entries(
    new NodeBuilder()
      .storage(`${LOCAL_LVM}\nlvm: thick\n\tvgname vgt\n`)
      .pool('pve')
      .lv({ vg: 'vgt', lv: q })
      .lv({ vg: 'vgt', lv: 'scratch' })
      .lv({ vg: 'pve', lv: 'root' })
      .lv({ vg: 'other', lv: 'vm-170-disk-0' })
      .lv({ vg: 'other', lv: 'data1' }),
  );
  const rows: [string, string, Want][] = [
    [
      'in the quarantine',
      `vgt-${q.replace(/-/g, '--')}`,
      {
        status: 'ignored',
        reason: 'quarantined',
        detail: `LV vgt/${q} is in pve-health's quarantine since 2026-01-02T03:04:05.000Z (was thick:vm-100-disk-0); 'pve-health restore JOURNAL' brings it back, 'pve-health reclaim --purge' destroys it after the retention`,
        storage: 'thick',
        vmid: null,
      },
    ],
    [
      'not named like a volume, on an lvm storage',
      'vgt-scratch',
      {
        status: 'ignored',
        reason: 'not-guest-volume',
        detail: 'LV vgt/scratch is not named like a PVE volume (vm-<id>-..., base-<id>-...)',
        storage: 'thick',
      },
    ],
    [
      'thick, on a VG only an lvmthin storage uses',
      'pve-root',
      {
        status: 'ignored',
        reason: 'not-guest-volume',
        detail:
          "LV pve/root is outside the thin pool of 'local-lvm' (pool data), the only storage on VG pve: not a PVE volume",
        storage: null,
      },
    ],
    [
      'named like a guest disk on a VG no storage uses',
      'other-vm--170--disk--0',
      {
        status: 'ignored',
        reason: 'not-pve-storage',
        detail: 'VG other is not an LVM storage in storage.cfg (an LV named like a guest disk)',
      },
    ],
    [
      'any other LV on such a VG',
      'other-data1',
      { status: 'ignored', reason: 'not-pve-storage', detail: 'VG other is not an LVM storage in storage.cfg' },
    ],
  ];
  for (const [what, name, want] of rows) test(what, () => check(named, name, want));

  test('thick, on a VG two lvmthin storages use (two pools)', () => {
    const b = new NodeBuilder()
      .storage(`${LOCAL_LVM}\nlvmthin: second\n\tthinpool data2\n\tvgname pve\n`)
      .pool('pve')
      .pool('pve', 'data2')
      .lv({ vg: 'pve', lv: 'root' });
    check(entries(b), 'pve-root', {
      status: 'ignored',
      reason: 'not-guest-volume',
      detail:
        "LV pve/root is outside the thin pool of 'local-lvm' (pool data), 'second' (pool data2), the only storages on VG pve: not a PVE volume",
    });
  });

  test('a VG whose only storage excludes this node (nodes=)', () => {
    const b = new NodeBuilder()
      .storage('lvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tnodes pve2,pve3\n')
      .pool('pve')
      .lv({ vg: 'pve', lv: 'vm-150-disk-0', pool: 'data' });
    check(entries(b), 'pve-vm--150--disk--0', {
      status: 'ignored',
      reason: 'storage-not-on-node',
      detail: "VG pve belongs to storage 'local-lvm', which is not used on pve1 (nodes=pve2,pve3)",
    });
  });

  test("tagged_only: only a whole pve-vm-<id> tag makes an unreferenced LV PVE's; a referenced one is used whatever its tags", () => {
    const got = entries(
      new NodeBuilder()
        .storage(`${LOCAL_LVM}\nlvm: tagged\n\tvgname vgt\n\ttagged_only 1\n`)
        .guest(155, 'qemu', ['scsi0: tagged:vm-155-disk-0'])
        .lv({ vg: 'vgt', lv: 'vm-151-disk-0', tags: ['old-pve-vm-151'] })
        .lv({ vg: 'vgt', lv: 'vm-152-disk-0', tags: ['pve-vm-152-x'] })
        .lv({ vg: 'vgt', lv: 'vm-153-disk-0', tags: ['backup', 'pve-vm-99'] })
        .lv({ vg: 'vgt', lv: 'vm-155-disk-0', tags: [] }),
    );
    const notTagged = (vm: number): Want => ({
      status: 'ignored',
      reason: 'not-tagged',
      detail: `storage 'tagged' has tagged_only and LV vgt/vm-${vm}-disk-0 carries no pve-vm-<id> tag: PVE does not list it as a volume`,
      storage: 'tagged',
      vmid: vm,
    });
    check(got, 'vgt-vm--151--disk--0', notTagged(151));
    check(got, 'vgt-vm--152--disk--0', notTagged(152));
    check(got, 'vgt-vm--153--disk--0', { status: 'orphan', reason: 'guest-missing' });
    check(got, 'vgt-vm--155--disk--0', { status: 'valid', reason: 'referenced', detail: 'VM 155 scsi0' });
  });

  test('who names it: the volume id of the config that does (an alias storage, a path), how many, on which node', () => {
    const stor = `${LOCAL_LVM}\nlvm: a1\n\tvgname vg-san\n\tshared 1\n\nlvm: a2\n\tvgname vg-san\n\tshared 1\n`;
    const got = entries(
      new NodeBuilder()
        .storage(stor)
        .pool('pve')
        .cluster(['pve1', 'pve2'])
        .guest(100, 'qemu', ['scsi0: a2:vm-100-disk-0'])
        .guest(101, 'qemu', ['scsi0: a2:vm-101-disk-0'], 'pve2')
        .guest(200, 'lxc', ['rootfs: a2:vm-200-disk-0'], 'pve2')
        .guest(201, 'qemu', ['scsi0: a2:vm-201-disk-0'], 'pve2')
        .guest(102, 'qemu', ['scsi0: local-lvm:vm-102-disk-0'])
        .guest(103, 'qemu', ['scsi0: local-lvm:vm-102-disk-0'])
        .guest(104, 'qemu', ['scsi0: /dev/vg-san/vm-104-disk-0'])
        .lv({ vg: 'vg-san', lv: 'vm-100-disk-0' })
        .lv({ vg: 'vg-san', lv: 'vm-101-disk-0', active: false })
        .lv({ vg: 'vg-san', lv: 'vm-200-disk-0' })
        .lv({ vg: 'vg-san', lv: 'vm-201-disk-0' })
        .lv({ vg: 'vg-san', lv: 'vm-104-disk-0' })
        .lv({ vg: 'pve', lv: 'vm-102-disk-0', pool: 'data' }),
    );
    check(got, 'vg--san-vm--100--disk--0', {
      status: 'valid',
      reason: 'referenced',
      detail: 'VM 100 scsi0',
      storage: 'a1',
      volume: 'a2:vm-100-disk-0',
    });
    check(got, 'vg--san-vm--101--disk--0', {
      status: 'valid',
      reason: 'referenced',
      detail: 'VM 101 scsi0 on pve2; inactive here, as it should be',
      volume: 'a2:vm-101-disk-0',
      guestNode: 'pve2',
    });
    check(got, 'vg--san-vm--200--disk--0', {
      status: 'orphan',
      reason: 'guest-on-other-node',
      detail: 'CT 200 lives on pve2 (CT 200 rootfs); its shared LV should not be active on pve1',
      volume: 'a2:vm-200-disk-0',
      guestNode: 'pve2',
      guestType: 'lxc',
      referencedBy: 'CT 200 rootfs on pve2',
    });
    check(got, 'vg--san-vm--201--disk--0', {
      status: 'orphan',
      reason: 'guest-on-other-node',
      detail: 'VM 201 lives on pve2 (VM 201 scsi0); its shared LV should not be active on pve1',
    });
    check(got, 'pve-vm--102--disk--0', { status: 'valid', detail: 'VM 102 scsi0 (+1 more)' });
    check(got, 'vg--san-vm--104--disk--0', {
      status: 'valid',
      detail: 'VM 104 scsi0 by path /dev/vg-san/vm-104-disk-0',
      volume: 'a1:vm-104-disk-0',
    });
  });

  test('no config names it: whose leftover, active or not, and a disabled storage said', () => {
    const stor = `${LOCAL_LVM}\nlvm: san\n\tvgname vg-san\n\tshared 1\n\nlvm: off\n\tvgname vgo\n\tdisable 1\n`;
    const got = entries(
      new NodeBuilder()
        .storage(stor)
        .pool('pve')
        .cluster(['pve1', 'pve2'])
        .guest(300, 'qemu', ['scsi0: san:vm-300-disk-0'], 'pve2')
        .guest(305, 'qemu', ['scsi0: local-lvm:vm-305-disk-0'], 'pve2')
        .guest(306, 'qemu', ['scsi0: local-lvm:vm-306-disk-1'], 'pve2')
        .lv({ vg: 'vg-san', lv: 'vm-300-disk-1', active: false })
        .lv({ vg: 'vg-san', lv: 'vm-300-disk-2' })
        .lv({ vg: 'pve', lv: 'vm-305-disk-0', pool: 'data' })
        .lv({ vg: 'pve', lv: 'vm-306-disk-0', pool: 'data' })
        .lv({ vg: 'pve', lv: 'vm-150-disk-0', pool: 'data' })
        .lv({ vg: 'pve', lv: 'vm-160-disk-0', pool: 'data', active: false })
        .lv({ vg: 'vgo', lv: 'vm-500-disk-0' })
        .lv({ vg: 'vgo', lv: 'vm-501-disk-0', active: false }),
    );
    const disabled = " (storage 'off' is disabled: PVE neither lists nor activates its volumes)";
    const rows: [string, Want][] = [
      [
        'vg--san-vm--300--disk--1',
        {
          status: 'orphan',
          reason: 'inactive-leftover',
          detail: 'inactive LV, VM 300 lives on pve2 and its config does not reference san:vm-300-disk-1',
          guestNode: 'pve2',
        },
      ],
      [
        'vg--san-vm--300--disk--2',
        {
          status: 'orphan',
          reason: 'guest-on-other-node',
          detail: 'VM 300 lives on pve2 and its config does not reference san:vm-300-disk-2',
        },
      ],
      // pve2's config names this very volume ID: pve2's own copy of the name, or (after an HA recovery,
      // which moves only the config) VM 305's only disk — said, never called a plain leftover.
      [
        'pve-vm--305--disk--0',
        {
          status: 'orphan',
          reason: 'not-referenced',
          detail:
            "VM 305 lives on pve2; LV on local storage 'local-lvm' of pve1: VM 305's config on pve2 names this very volume ID local-lvm:vm-305-disk-0: if pve2 has its own local-lvm:vm-305-disk-0, this is a leftover of a migration or restore; if not, this is VM 305's only disk (an HA recovery moves only the config, local disks stay: pve-ha-manager steal_service). Only pve2 can tell (pve-health cluster asks it)",
        },
      ],
      // Its neighbour: VM 306's config names another disk; this one is a plain leftover.
      [
        'pve-vm--306--disk--0',
        {
          status: 'orphan',
          reason: 'not-referenced',
          detail:
            "VM 306 lives on pve2; this LV on local storage 'local-lvm' of pve1 is not its disk (a leftover of a migration or restore)",
        },
      ],
      [
        'pve-vm--150--disk--0',
        {
          status: 'orphan',
          reason: 'guest-missing',
          detail: 'LV pve/vm-150-disk-0 exists and is active, VM/CT 150 has no config anywhere in the cluster',
        },
      ],
      [
        'pve-vm--160--disk--0',
        {
          status: 'orphan',
          reason: 'inactive-leftover',
          detail: 'inactive LV, VM/CT 160 has no config anywhere in the cluster',
        },
      ],
      [
        'vgo-vm--500--disk--0',
        {
          status: 'orphan',
          reason: 'guest-missing',
          detail: `LV vgo/vm-500-disk-0 exists and is active, VM/CT 500 has no config anywhere in the cluster${disabled}`,
        },
      ],
      [
        'vgo-vm--501--disk--0',
        {
          status: 'orphan',
          reason: 'inactive-leftover',
          detail: `inactive LV, VM/CT 501 has no config anywhere in the cluster${disabled}`,
        },
      ],
    ];
    for (const [name, want] of rows) check(got, name, want);
  });

  test("the owner's config could not be read: unknown, never not-referenced", () => {
    const b = base()
      .guest(400, 'lxc', ['rootfs: local-lvm:vm-400-disk-0'])
      .lv({ vg: 'pve', lv: 'vm-400-disk-1', pool: 'data' });
    const path = '/etc/pve/nodes/pve1/lxc/400.conf';
    const got = entries(b, (s) => {
      delete s.files[path];
      s.unreadable = { [path]: 'EIO' };
    });
    check(got, 'pve-vm--400--disk--1', {
      status: 'unknown',
      reason: 'lvm-incomplete',
      detail: `CT 400's config could not be read (${path} could not be read (EIO)): cannot tell whether local-lvm:vm-400-disk-1 is referenced`,
      guestType: 'lxc',
    });
  });
});

// dm-storage-choice.ts: which storage of storage.cfg an LV belongs to (thin LVs to the lvmthin storage of
// their pool, thick ones to lvm; an enabled storage before a disabled one on the same VG).
describe('the storage an LV belongs to', () => {
  const b = new NodeBuilder()
    .storage(
      'lvm: thick\n\tvgname pve\n\nlvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\nlvmthin: second\n\tthinpool data2\n\tvgname pve\n\nlvm: old\n\tvgname vgd\n\tdisable 1\n\nlvm: new\n\tvgname vgd\n\nlvm: only\n\tvgname vgo\n',
    )
    .pool('pve')
    .pool('pve', 'data2')
    .pool('vgo')
    .lv({ vg: 'pve', lv: 'vm-150-disk-0', pool: 'data' })
    .lv({ vg: 'pve', lv: 'vm-151-disk-0', pool: 'data2' })
    .lv({ vg: 'pve', lv: 'vm-152-disk-0' })
    .lv({ vg: 'pve', lv: 'vm-153-disk-0', pool: 'data' })
    .lv({ vg: 'pve', lv: 'vm-154-disk-0', pool: 'data' })
    .lv({ vg: 'vgd', lv: 'vm-155-disk-0' })
    .lv({ vg: 'vgo', lv: 'vm-156-disk-0', pool: 'data' });
  // lvs names a thin LV by its segment type or by its attribute ('V'): either alone is enough.
  const bySegtype = b.lvRows.find((r) => r.lv_name === 'vm-153-disk-0')!;
  bySegtype.lv_attr = `-${bySegtype.lv_attr.slice(1)}`;
  const byAttr = b.lvRows.find((r) => r.lv_name === 'vm-154-disk-0')!;
  byAttr.segtype = '';
  // A map whose LV is gone, with a thin target: no pool known, the lvmthin storage all the same (lvm is listed first).
  b.map({
    name: 'pve-vm--157--disk--0',
    uuid: `LVM-${b.vgId('pve')}${lvmId('g')}`,
    table: `0 2048 thin ${b.devnoOf('pve-data-tpool')} 70`,
  });
  const got = entries(b);
  const rows: [string, string, string][] = [
    ['a thin LV of pool data: the lvmthin storage of that pool', 'pve-vm--150--disk--0', 'local-lvm'],
    ['a thin LV of pool data2: the other lvmthin storage', 'pve-vm--151--disk--0', 'second'],
    ['a thick LV on a VG lvm and lvmthin share: the lvm storage', 'pve-vm--152--disk--0', 'thick'],
    ['thin by its segment type alone', 'pve-vm--153--disk--0', 'local-lvm'],
    ["thin by its attribute alone ('V')", 'pve-vm--154--disk--0', 'local-lvm'],
    ['two lvm storages on one VG, the first disabled: the enabled one', 'vgd-vm--155--disk--0', 'new'],
    ['a thin LV on a VG only an lvm storage uses: that storage', 'vgo-vm--156--disk--0', 'only'],
    [
      'a map of a gone LV with a thin target: the lvmthin storage, not the lvm one listed first',
      'pve-vm--157--disk--0',
      'local-lvm',
    ],
  ];
  for (const [what, name, storage] of rows) test(what, () => check(got, name, { storage }));
});

describe('del- LVs (pve-storage saferemove)', () => {
  const FAST = `${LOCAL_LVM}\nlvm: fast\n\tvgname nvme\n\tsaferemove 1\n`;
  const name = 'nvme-del--vm--106--disk--0';
  const inProgress = (id: string): Want => ({
    status: 'ignored',
    reason: 'saferemove-in-progress',
    detail: `LV renamed del-<name> by pve-storage saferemove; an imgdel task (UPID:pve1:0000A000:00B00000:65000000:imgdel:${id}:root@pam:) is zeroing it and will remove it`,
    storage: 'fast',
    vmid: 106,
    volume: 'fast:del-vm-106-disk-0',
  });
  const leftover: Want = {
    status: 'orphan',
    reason: 'saferemove-leftover',
    detail:
      'LV nvme/del-vm-106-disk-0 was renamed for removal (saferemove) but no imgdel task runs: an interrupted removal left it behind',
  };
  const rows: [string, NodeBuilder, Want, ((s: HostSnapshot) => void)?][] = [
    [
      'the saferemove worker (empty id) holds it open: in progress',
      new NodeBuilder().storage(FAST).task('imgdel', '').lv({ vg: 'nvme', lv: 'del-vm-106-disk-0', open: 1 }),
      inProgress(''),
    ],
    [
      'an empty-id imgdel while the LV is not open: not its worker, a leftover',
      new NodeBuilder().storage(FAST).task('imgdel', '').lv({ vg: 'nvme', lv: 'del-vm-106-disk-0' }),
      leftover,
    ],
    [
      "the API's imgdel of this VMID on this storage: in progress",
      new NodeBuilder().storage(FAST).task('imgdel', '106@fast').lv({ vg: 'nvme', lv: 'del-vm-106-disk-0' }),
      inProgress('106@fast'),
    ],
    [
      'the running tasks could not be read: unknown',
      new NodeBuilder().storage(FAST).lv({ vg: 'nvme', lv: 'del-vm-106-disk-0' }),
      {
        status: 'unknown',
        reason: 'lvm-incomplete',
        detail:
          'LV nvme/del-vm-106-disk-0 was renamed for removal (saferemove); /var/log/pve/tasks/active could not be read (EIO): an imgdel worker may be zeroing it',
      },
      (s) => {
        s.unreadable = { '/var/log/pve/tasks/active': 'EIO' };
      },
    ],
    [
      'on shared storage: the node that freed it may zero it',
      new NodeBuilder().storage(`${FAST}\tshared 1\n`).lv({ vg: 'nvme', lv: 'del-vm-106-disk-0', active: false }),
      {
        status: 'orphan',
        reason: 'saferemove-leftover',
        detail:
          "LV nvme/del-vm-106-disk-0 was renamed for removal (saferemove) and no imgdel task runs on pve1; on shared storage the node that freed it zeroes it (check that node's tasks), else an interrupted removal left it behind",
      },
    ],
  ];
  for (const [what, b, want, tweak] of rows) test(what, () => check(entries(b, tweak), name, want));
});

// unseenGuard: an orphan that rests on "no config names it" is unknown while a config that could name
// it was not seen. A config of another node names only shared volumes here; one of this node, both.
describe('no config names it, while a config was not seen', () => {
  const node = () =>
    new NodeBuilder()
      .storage(SAN)
      .pool('pve')
      .cluster(['pve1', 'pve2'])
      .guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0'])
      .guest(300, 'qemu', ['scsi0: san:vm-300-disk-0'], 'pve2')
      .lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' })
      .lv({ vg: 'pve', lv: 'vm-100-disk-1', pool: 'data' })
      .lv({ vg: 'pve', lv: 'vm-150-disk-0', pool: 'data' })
      .lv({ vg: 'pve', lv: 'vm-160-disk-0', pool: 'data', active: false })
      .lv({ vg: 'vg-san', lv: 'vm-300-disk-1' })
      .lv({ vg: 'vg-san', lv: 'vm-350-disk-0' })
      .lv({ vg: 'vg-san', lv: 'vm-360-disk-0', active: false })
      .lv({ vg: 'pve', lv: 'snap_vm-100-disk-0_gone', pool: 'data', origin: 'vm-100-disk-0', readonly: true })
      .lv({ vg: 'pve', lv: 'del-vm-170-disk-0', pool: 'data' });
  const OTHER = '/etc/pve/nodes/pve2/lxc could not be listed (EACCES): a config in it may name this volume';
  const OWN = '/etc/pve/nodes/pve1/qemu-server could not be listed (EIO): a config in it may name this volume';
  const unreadable: Record<string, Record<string, string>> = {
    seen: {},
    other: { '/etc/pve/nodes/pve2/lxc': 'EACCES' },
    own: { '/etc/pve/nodes/pve1/qemu-server': 'EIO' },
  };
  const got = Object.fromEntries(
    Object.entries(unreadable).map(([k, u]) => [k, entries(node(), (s) => void (s.unreadable = u))]),
  );
  // [entry, its reason when every config was seen, whose gap makes it unknown]
  const rows: [string, string, ('other' | 'own')[]][] = [
    ['pve-vm--100--disk--1', 'not-referenced', ['own']],
    ['pve-vm--150--disk--0', 'guest-missing', ['own']],
    ['pve-vm--160--disk--0', 'inactive-leftover', ['own']],
    ['vg--san-vm--300--disk--1', 'guest-on-other-node', ['other', 'own']],
    ['vg--san-vm--350--disk--0', 'guest-missing', ['other', 'own']],
    ['vg--san-vm--360--disk--0', 'inactive-leftover', ['other', 'own']],
    // Not config-based: the owner's own config (snapshot-missing), LVM and the tasks (saferemove).
    ['pve-snap_vm--100--disk--0_gone', 'snapshot-missing', []],
    ['pve-del--vm--170--disk--0', 'saferemove-leftover', []],
  ];
  for (const [name, reason, blind] of rows) {
    const when = blind.length
      ? `unknown while ${blind.join(' or ')} configs are unseen`
      : 'an orphan whatever is unseen';
    test(`${name}: ${reason}; ${when}`, () => {
      const seen = got.seen.get(name)!;
      assert.deepEqual([seen.status, seen.reason], ['orphan', reason]);
      for (const k of ['other', 'own'] as const) {
        const e = got[k].get(name)!;
        if (blind.includes(k)) {
          assert.deepEqual([e.status, e.reason], ['unknown', 'lvm-incomplete'], `${name} with ${k} unseen`);
          assert.equal(e.detail, `${seen.detail}; but ${k === 'own' ? OWN : OTHER}`);
        } else
          assert.deepEqual([e.status, e.reason, e.detail], ['orphan', reason, seen.detail], `${name} with ${k} unseen`);
      }
    });
  }

  test('a local (no shared 1) lvm storage on a multipath VG counts as shared: another node may name its volumes', () => {
    const b = new NodeBuilder()
      .storage(`${LOCAL_LVM}\nlvm: thick\n\tvgname vgm\n`)
      .pool('pve')
      .cluster(['pve1', 'pve2']);
    b.guest(300, 'qemu', ['scsi0: thick:vm-300-disk-0'], 'pve2');
    b.map({
      name: 'mpatha',
      uuid: 'mpath-3600a0980383030',
      table: '0 20971520 multipath 0 0 1 1 round-robin 0 1 1 8:32 1',
    });
    const id = lvmId('m');
    b.lv({ vg: 'vgm', lv: 'vm-300-disk-0', id, active: false });
    b.lv({ vg: 'vgm', lv: 'vm-301-disk-0', active: false });
    b.map({
      name: 'vgm-vm--300--disk--0',
      uuid: `LVM-${b.vgId('vgm')}${id}`,
      table: `0 2048 linear ${b.devnoOf('mpatha')} 2048`,
    });
    const plain = new NodeBuilder()
      .storage(`${LOCAL_LVM}\nlvm: thick\n\tvgname vgm\n`)
      .pool('pve')
      .cluster(['pve1', 'pve2'])
      .guest(300, 'qemu', ['scsi0: thick:vm-300-disk-0'], 'pve2')
      .lv({ vg: 'vgm', lv: 'vm-300-disk-0' })
      .lv({ vg: 'vgm', lv: 'vm-301-disk-0', active: false });
    const other = (s: HostSnapshot) => void (s.unreadable = unreadable.other);
    const leftover = 'inactive LV, VM/CT 301 has no config anywhere in the cluster';
    check(entries(b, other), 'vgm-vm--301--disk--0', { status: 'unknown', detail: `${leftover}; but ${OTHER}` });
    check(entries(plain, other), 'vgm-vm--301--disk--0', { status: 'orphan', detail: leftover });
    // A guest of another node naming this very volume: the VG's disks decide. On the multipath LUN it is
    // that guest's disk (shared rules: active here, so deactivate here); without the disks gathered it is
    // protected, never unknown.
    check(entries(b), 'vgm-vm--300--disk--0', {
      status: 'orphan',
      reason: 'guest-on-other-node',
      detail: 'VM 300 lives on pve2 (VM 300 scsi0); its shared LV should not be active on pve1',
    });
    const e = entries(plain).get('vgm-vm--300--disk--0')!;
    assert.deepEqual([e.status, e.reason, e.protectedBy], ['orphan', 'not-referenced', ['vg-reach-unknown']]);
    assert.match(
      e.detail,
      /; but the disks of VG vgm were not told local or shared \(the disks under its PVs were not gathered \(a snapshot of an older version\)\) while VM 300 on pve2 names this very volume: on a VG other nodes see, it is that guest's disk \(look: lsblk -o NAME,TRAN,TYPE; pvs -o pv_name,vg_name\)$/,
    );
  });
});

// A config names a storage storage.cfg does not define (pvesm remove while a guest still named it): a
// state PVE leaves, so never UNKNOWN; a leftover that could be reached through it — any volume of a guest
// that names such a storage for a disk, or a volume named through it by name — is protected with the
// reason. A CD-ROM or a cloud-init drive never holds an LV. `local` is defined even when storage.cfg does
// not list it. (The guest's own finding: test/core/storage-undefined.test.ts.)
describe('a config names a storage storage.cfg does not define: the leftovers it may reach are protected', () => {
  const node = (lines: string[], other: string[] = []) => {
    const b = base()
      .guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0', ...lines])
      .lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' })
      .lv({ vg: 'pve', lv: 'vm-100-disk-2', pool: 'data' });
    if (other.length) b.guest(200, 'qemu', other);
    return b;
  };
  const rows: [string, NodeBuilder, string | null][] = [
    [
      'two storages in the main section',
      node(['scsi1: gone2:vm-100-disk-1', 'scsi2: gone:vm-100-disk-3']),
      "the config of guest 100 names storages 'gone', 'gone2' that storage.cfg does not define: it may use this volume through them",
    ],
    [
      'one, beside a CD-ROM and a cloud-init drive on others',
      node(['scsi1: gone:vm-100-disk-1', 'ide2: cd:iso/x.iso,media=cdrom', 'ide0: ci:vm-100-cloudinit,media=cdrom']),
      "the config of guest 100 names storage 'gone' that storage.cfg does not define: it may use this volume through it",
    ],
    [
      'another guest names this very volume through a removed storage',
      node([], ['scsi0: gone:vm-100-disk-2']),
      'VM 200 scsi0 (gone:vm-100-disk-2) names it through a storage storage.cfg does not define',
    ],
    [
      'only a CD-ROM and a cloud-init drive on removed storages',
      node(['ide2: cd:iso/x.iso,media=cdrom', 'ide0: ci:vm-100-cloudinit,media=cdrom']),
      null,
    ],
    ['another guest names another volume through a removed storage', node([], ['scsi0: gone:vm-200-disk-0']), null],
    ['a disk on local, which storage.cfg does not list', node(['scsi1: local:100/vm-100-disk-1.qcow2']), null],
  ];
  for (const [what, b, why] of rows)
    test(what, () => {
      const e = entries(b).get('pve-vm--100--disk--2');
      assert.ok(e);
      assert.equal(e.status, 'orphan', e.detail);
      assert.equal(e.reason, 'not-referenced');
      assert.deepEqual(e.protectedBy, why ? ['storage-undefined'] : []);
      if (why) assert.ok(e.detail.includes(`; but ${why}`), e.detail);
      else assert.doesNotMatch(e.detail, /does not define/);
    });
});

// Thick LVM storage.cfg calls local (no `shared 1`), VM 300 of pve2 names this very volume: the VG's disks
// say which it is (node/vg-reach.ts). On disks of this node it is the ordinary migration leftover, with the
// only-copy words; on a device other nodes see, the storage is shared and it is VM 300's disk; where the
// disks could not be told, the leftover is protected with the commands that tell them.
describe('local thick LVM, another node names the very volume: the disks decide', () => {
  const node = (active: boolean) =>
    new NodeBuilder()
      .storage(`${LOCAL_LVM}\nlvm: thick\n\tvgname vgm\n`)
      .pool('pve')
      .cluster(['pve1', 'pve2'])
      .guest(300, 'qemu', ['scsi0: thick:vm-300-disk-0'], 'pve2')
      .lv({ vg: 'vgm', lv: 'vm-300-disk-0', active });
  const LEFTOVER =
    "VM 300 lives on pve2; LV on local storage 'thick' of pve1: VM 300's config on pve2 names this very volume ID thick:vm-300-disk-0: if pve2 has its own thick:vm-300-disk-0, this is a leftover of a migration or restore; if not, this is VM 300's only disk (an HA recovery moves only the config, local disks stay: pve-ha-manager steal_service). Only pve2 can tell (pve-health cluster asks it)";
  const san = (via: string) => ({ status: 'valid', reason: 'referenced', protectedBy: [], via });
  const local = { status: 'orphan', reason: 'inactive-leftover', protectedBy: [] };
  const unsure = (why: string) => ({
    status: 'orphan',
    reason: 'inactive-leftover',
    protectedBy: ['vg-reach-unknown'],
    why,
  });
  const part = (disk: string, place: keyof typeof DISK_PLACE, extra = {}) =>
    pvRead(
      { '/dev/sdb': `${disk}1` },
      {
        [`${disk}1`]: { path: `${DISK_PLACE[place](disk)}/${disk}1`, partition: true },
        [disk]: { path: DISK_PLACE[place](disk), ...extra },
      },
    );
  const rows: [string, HostSnapshot['pvDevices'], Record<string, unknown>][] = [
    ['a SATA disk', pvOnDisk('sdb', 'sata'), local],
    ['a partition of an NVMe disk', part('nvme0n1', 'nvme', { transport: 'pcie' }), local],
    ['a virtio disk', pvOnDisk('sdb', 'virtio'), local],
    ['a RAID controller logical drive', pvOnDisk('sdb', 'scsi'), local],
    [
      'an md array of local partitions',
      pvRead(
        { '/dev/sdb': 'md0' },
        {
          md0: { path: DISK_PLACE.virtual('md0'), slaves: ['sda1', 'sdc1'] },
          sda1: { path: `${DISK_PLACE.sata('sda')}/sda1`, partition: true },
          sda: { path: DISK_PLACE.sata('sda') },
          sdc1: { path: `${DISK_PLACE.virtio('sdc')}/sdc1`, partition: true },
          sdc: { path: DISK_PLACE.virtio('sdc') },
        },
      ),
      local,
    ],
    ['an iSCSI LUN', pvOnDisk('sdb', 'iscsi'), san('iSCSI disk sdb (PV /dev/sdb)')],
    ['a partition of an iSCSI LUN', part('sdb', 'iscsi'), san('iSCSI disk sdb (PV /dev/sdb)')],
    ['a Fibre Channel LUN', pvOnDisk('sdb', 'fc'), san('Fibre Channel disk sdb (PV /dev/sdb)')],
    [
      'an NBD device',
      pvRead({ '/dev/sdb': 'nbd0' }, { nbd0: { path: DISK_PLACE.virtual('nbd0') } }),
      san('NBD disk nbd0 (PV /dev/sdb)'),
    ],
    [
      'a DRBD device',
      pvRead({ '/dev/sdb': 'drbd0' }, { drbd0: { path: DISK_PLACE.virtual('drbd0') } }),
      san('DRBD disk drbd0 (PV /dev/sdb)'),
    ],
    [
      'a krbd device',
      pvRead({ '/dev/sdb': 'rbd0' }, { rbd0: { path: DISK_PLACE.virtual('rbd0') } }),
      san('Ceph RBD disk rbd0 (PV /dev/sdb)'),
    ],
    [
      'a multipath map',
      pvRead(
        { '/dev/sdb': 'dm-7' },
        { 'dm-7': { path: DISK_PLACE.virtual('dm-7'), dmUuid: 'mpath-3600a098', slaves: ['sdc', 'sdd'] } },
      ),
      san('multipath map dm-7 (PV /dev/sdb)'),
    ],
    [
      'a SAS disk',
      pvOnDisk('sdb', 'sas'),
      unsure('PV /dev/sdb: sdb is a SAS disk, which an enclosure may share between nodes'),
    ],
    [
      'sysfs not readable',
      pvRead({ '/dev/sdb': 'sdb' }, { sdb: { error: '/sys/class/block/sdb cannot be read' } }),
      unsure('PV /dev/sdb: /sys/class/block/sdb cannot be read'),
    ],
  ];
  for (const [name, pvDevices, want] of rows) {
    test(`${name}: ${want.status}${want.protectedBy && (want.protectedBy as string[]).length ? ', protected' : ''}`, () => {
      const e = entries(node(false), (s) => void (s.pvDevices = pvDevices)).get('vgm-vm--300--disk--0')!;
      assert.deepEqual([e.status, e.reason, e.protectedBy], [want.status, want.reason, want.protectedBy], name);
      if (want.status === 'valid') assert.equal(e.detail, 'VM 300 scsi0 on pve2; inactive here, as it should be');
      else if (want.why)
        assert.ok(e.detail.includes(`not told local or shared (${want.why}) while VM 300 on pve2`), e.detail);
      else assert.equal(e.detail, `inactive LV, ${LEFTOVER}`);
    });
  }

  test('active here on a LUN: the shared rule (deactivate here); on a local disk the leftover', () => {
    const lun = entries(node(true), (s) => void (s.pvDevices = pvOnDisk('sdb', 'iscsi'))).get('vgm-vm--300--disk--0')!;
    assert.deepEqual(
      [lun.status, lun.reason, lun.referencedBy],
      ['orphan', 'guest-on-other-node', 'VM 300 scsi0 on pve2'],
    );
    const own = entries(node(true), (s) => void (s.pvDevices = pvOnDisk('sdb', 'sata'))).get('vgm-vm--300--disk--0')!;
    assert.deepEqual([own.status, own.reason, own.detail], ['orphan', 'not-referenced', LEFTOVER]);
  });
});
