// Shared-LVM autoactivation (src/core/storage/autoactivation.ts), rule by rule: which nodes and storages
// it concerns, which LVs count as guest disks, when the report is believed, and what the fix lists.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNode } from '../../src/core/node/node-view';
import { classifyAutoactivation } from '../../src/core/storage/autoactivation';
import { buildStorageContext } from '../../src/core/storage/classify-storage';
import type { StorageFinding } from '../../src/core/vocab/types';
import { emptyDm, lvsJson, snapshot } from '../helpers/storage-snapshot';

const CLUSTER =
  '{\n"nodename": "pve1",\n"version": 5,\n"cluster": { "name": "prod", "version": 3, "nodes": 2, "quorate": 1 },\n"nodelist": {\n  "pve1": { "id": 1, "online": 1, "ip": "192.0.2.11"},\n  "pve2": { "id": 2, "online": 1, "ip": "192.0.2.12"}\n  }\n}\n';
const SAN = 'lvm: san\n\tvgname sanvg\n\tshared 1\n\tcontent images\n';

/** An LV as `lvs` lists it: `[name]` when hidden, active or not. */
interface Lv {
  vg?: string;
  name: string;
  active?: boolean;
  /** autoactivation as `lvs -o autoactivation` reports it; absent = the LV is missing from that report. */
  auto?: boolean;
}

interface Setup {
  storageCfg?: string;
  clustered?: boolean;
  lvs: Lv[];
  /** The autoactivation command: its report from `lvs` (default), a failure, or lvm2 without the field. */
  report?: 'whole' | 'failed' | 'old-lvm2';
  running?: number[];
}

function findings(s: Setup): StorageFinding[] {
  const rows = s.lvs.map((l) => ({
    lv_name: l.name,
    vg_name: l.vg ?? 'sanvg',
    lv_attr: l.active ? '-wi-a-----' : '-wi-------',
    lv_active: l.active ? 'active' : '',
  }));
  const auto = lvsJson(
    s.lvs
      .filter((l) => l.auto !== undefined)
      .map((l) => ({ vg_name: l.vg ?? 'sanvg', lv_name: l.name, lv_autoactivation: l.auto ? 'enabled' : '' })),
  );
  const files: Record<string, string> = { '/etc/pve/storage.cfg': s.storageCfg ?? SAN };
  if (s.clustered !== false) files['/etc/pve/.members'] = CLUSTER;
  const processes = [];
  for (const vmid of s.running ?? []) {
    files[`/run/qemu-server/${vmid}.pid`] = `${4000 + vmid}\n`;
    files[`/etc/pve/nodes/pve1/qemu-server/${vmid}.conf`] = `scsi0: san:vm-${vmid}-disk-0,size=8G\n`;
    processes.push({ pid: 4000 + vmid, comm: 'kvm', cmdline: ['/usr/bin/kvm', '-id', String(vmid)] });
  }
  const report = s.report ?? 'whole';
  const snap = snapshot({
    files,
    processes,
    commands: {
      lvs: lvsJson(rows),
      'lvs.autoactivation': report === 'whole' ? auto : { code: 5, error: 'failed' },
    },
  });
  if (report === 'old-lvm2') snap.commands['lvs.autoactivation'].stderr = '  Unrecognised field: autoactivation\n';
  return classifyAutoactivation(buildStorageContext(parseNode(snap), emptyDm(), {}));
}

const kinds = (fs: StorageFinding[]) => fs.map((f) => `${f.kind}:${f.severity}`);

test('autoactivation concerns only shared LVM in a cluster, and only guest LVs with it on', () => {
  const on = (name: string, o: Partial<Lv> = {}): Lv => ({ name, auto: true, ...o });
  const cases: { name: string; setup: Setup; want: string[]; values?: Record<string, number> }[] = [
    {
      name: 'shared LVM in a cluster, a guest LV with it on',
      setup: { lvs: [on('vm-100-disk-0')] },
      want: ['shared-lvm-autoactivation:warning'],
      values: { autoactivated: 1, guestLvs: 1, activeWithoutGuest: 0 },
    },
    {
      // A standalone node activates only its own guests' LVs: no other node holds stale maps of them.
      name: 'standalone node',
      setup: { clustered: false, lvs: [on('vm-100-disk-0')] },
      want: [],
    },
    {
      name: 'LVM storage not marked shared',
      setup: { storageCfg: 'lvm: san\n\tvgname sanvg\n\tcontent images\n', lvs: [on('vm-100-disk-0')] },
      want: [],
    },
    {
      // lvmthin is never shared (one node writes a thin pool's metadata), even when shared 1 is written.
      name: 'lvmthin marked shared',
      setup: {
        storageCfg: 'lvmthin: san\n\tvgname sanvg\n\tthinpool data\n\tshared 1\n\tcontent images\n',
        lvs: [on('vm-100-disk-0')],
      },
      want: [],
    },
    {
      // No shared LVM: nothing asks for the setting, so an unreadable or unknown one is no finding either.
      name: 'no shared LVM, the setting could not be read',
      setup: {
        storageCfg: 'lvm: san\n\tvgname sanvg\n\tcontent images\n',
        lvs: [on('vm-100-disk-0')],
        report: 'failed',
      },
      want: [],
    },
    {
      name: 'no shared LVM, lvm2 without the field',
      setup: {
        storageCfg: 'lvm: san\n\tvgname sanvg\n\tcontent images\n',
        lvs: [on('vm-100-disk-0')],
        report: 'old-lvm2',
      },
      want: [],
    },
    {
      name: 'every guest LV created with --setautoactivation n (PVE 9)',
      setup: { lvs: [on('vm-100-disk-0', { auto: false }), on('vm-101-disk-0', { auto: false })] },
      want: [],
    },
    {
      // Only guest disks move between nodes: the storage's other LVs, hidden ones and other VGs' are not counted.
      name: 'non-guest, hidden and other-VG LVs with it on',
      setup: {
        lvs: [
          on('data'),
          on('[vm-100-disk-0_rimage_0]'),
          on('vm-100-disk-0', { vg: 'localvg' }),
          on('snap_vm-100-disk-0_s1'),
          on('vm-x-disk-0'),
        ],
      },
      want: [],
    },
    {
      name: 'a template (base-) LV with it on, beside one off',
      setup: { lvs: [on('base-900-disk-0'), on('vm-100-disk-0', { auto: false }), on('data')] },
      want: ['shared-lvm-autoactivation:warning'],
      values: { autoactivated: 1, guestLvs: 2, activeWithoutGuest: 0 },
    },
    {
      // Active here while the guest does not run here: a map another node's guest may be writing through.
      name: 'active LVs: one of a guest running here, one of a guest that does not, one inactive',
      setup: {
        lvs: [on('vm-100-disk-0', { active: true }), on('vm-101-disk-0', { active: true }), on('vm-102-disk-0')],
        running: [100],
      },
      want: ['shared-lvm-autoactivation:warning'],
      values: { autoactivated: 3, guestLvs: 3, activeWithoutGuest: 1 },
    },
  ];
  for (const c of cases) {
    const fs = findings(c.setup);
    assert.deepEqual(kinds(fs), c.want, c.name);
    if (c.values) assert.deepEqual(fs[0].values, c.values, c.name);
  }
});

test('autoactivation: one finding per shared VG, named after its storage, with one command per LV', () => {
  const two =
    'lvm: san\n\tvgname sanvg\n\tshared 1\n\tcontent images\n\nlvm: san-ct\n\tvgname sanvg\n\tshared 1\n\tcontent rootdir\n\nlvm: san2\n\tvgname othervg\n\tshared 1\n\tcontent images\n';
  const fs = findings({
    storageCfg: two,
    lvs: [
      { name: 'vm-100-disk-0', auto: true, active: true },
      { name: 'vm-101-disk-0', auto: true },
      { vg: 'othervg', name: 'vm-200-disk-0', auto: true, active: true },
      { vg: 'othervg', name: 'vm-201-disk-0', auto: false },
    ],
  });
  // Two storages on one VG: one finding for the VG (the setting is in the VG metadata), under the first.
  assert.deepEqual(
    fs.map((f) => [f.id, f.subject, f.title]),
    [
      [
        'autoactivation:sanvg',
        { storage: 'san', vg: 'sanvg' },
        '2 of 2 guest LVs on shared storage san have autoactivation on',
      ],
      [
        'autoactivation:othervg',
        { storage: 'san2', vg: 'othervg' },
        '1 of 2 guest LVs on shared storage san2 have autoactivation on',
      ],
    ],
  );
  assert.deepEqual(fs[0].fix, [
    '/usr/share/pve-manager/migrations/pve-lvm-disable-autoactivation',
    '# run it on one node (the setting is in the shared VG metadata); or, per LV:',
    'lvchange --setautoactivation n sanvg/vm-100-disk-0',
    'lvchange --setautoactivation n sanvg/vm-101-disk-0',
  ]);
  assert.deepEqual(fs[1].fix.slice(2), ['lvchange --setautoactivation n othervg/vm-200-disk-0']);
  // The maps active here without their guest: said with their number, singular and plural.
  assert.match(
    fs[0].detail,
    /\(Proxmox bug #4997\)\. PVE 9 creates LVs with autoactivation off\. 1 of them is active here while its guest does not run here\.$/,
  );
  const none = findings({ lvs: [{ name: 'vm-100-disk-0', auto: true }] });
  assert.match(none[0].detail, /PVE 9 creates LVs with autoactivation off\.$/);
  const many = findings({
    lvs: [
      { name: 'vm-100-disk-0', auto: true, active: true },
      { name: 'vm-101-disk-0', auto: true, active: true },
    ],
  });
  assert.match(many[0].detail, / 2 of them are active here while their guests do not run here\.$/);
});

test('autoactivation fix: ten copyable commands, then the count of the rest (the script covers them)', () => {
  const lvs = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `vm-${100 + i}-disk-0`, auto: true }));
  const ten = findings({ lvs: lvs(10) })[0].fix;
  assert.equal(ten.length, 12);
  assert.equal(ten[11], 'lvchange --setautoactivation n sanvg/vm-109-disk-0');
  const twelve = findings({ lvs: lvs(12) })[0].fix;
  assert.deepEqual(twelve.slice(10), [
    'lvchange --setautoactivation n sanvg/vm-108-disk-0',
    'lvchange --setautoactivation n sanvg/vm-109-disk-0',
    '# and 2 more LVs of VG sanvg: the script above covers every one',
  ]);
});

test('autoactivation is believed only whole: a failed or partial report is UNKNOWN, old lvm2 is an answer', () => {
  const two =
    'lvm: san\n\tvgname sanvg\n\tshared 1\n\tcontent images\n\nlvm: san2\n\tvgname othervg\n\tshared 1\n\tcontent images\n';
  const cases: { name: string; setup: Setup; want: string[]; detail?: string }[] = [
    {
      name: 'the command failed',
      setup: { storageCfg: two, lvs: [{ name: 'vm-100-disk-0', auto: true }], report: 'failed' },
      want: ['autoactivation-unchecked:info'],
      detail:
        'lvs -o autoactivation could not be used (lvs.autoactivation exited 5: ): the autoactivation of shared VG sanvg, othervg was not checked',
    },
    {
      // lvm2 older than 2.03.12: no such setting, every LV autoactivates; a note, not UNKNOWN.
      name: 'lvm2 without the field',
      setup: { storageCfg: two, lvs: [{ name: 'vm-100-disk-0', auto: true }], report: 'old-lvm2' },
      want: ['autoactivation-unknown:info'],
      detail:
        '`lvs -o autoactivation` does not know the field (lvm2 older than 2.03.12 has no such setting: then every LV of sanvg, othervg is activated at boot on every node).',
    },
    {
      name: 'the report lacks one guest LV lvs lists',
      setup: { lvs: [{ name: 'vm-100-disk-0', auto: false }, { name: 'vm-101-disk-0' }] },
      want: ['autoactivation-unchecked:info'],
      detail:
        'lvs -o autoactivation could not be used (its report lacks 1 guest LV lvs lists (sanvg/vm-101-disk-0)): the autoactivation of shared VG sanvg was not checked',
    },
    {
      // At most three named: a report cut short on a node with thousands of LVs stays one line.
      name: 'the report lacks four guest LVs',
      setup: {
        lvs: [
          { name: 'vm-100-disk-0' },
          { name: 'vm-101-disk-0' },
          { name: 'base-102-disk-0' },
          { name: 'vm-103-disk-0' },
        ],
      },
      want: ['autoactivation-unchecked:info'],
      detail:
        'lvs -o autoactivation could not be used (its report lacks 4 guest LVs lvs lists (sanvg/vm-100-disk-0, sanvg/vm-101-disk-0, sanvg/base-102-disk-0)): the autoactivation of shared VG sanvg was not checked',
    },
    {
      // Only a guest LV of a shared VG is asked for: the rest may be missing from the report.
      name: 'the report lacks only non-guest, hidden and local-VG LVs',
      setup: {
        lvs: [
          { name: 'vm-100-disk-0', auto: true },
          { name: 'data' },
          { name: '[vm-100-disk-0_rmeta_0]' },
          { vg: 'localvg', name: 'vm-300-disk-0' },
        ],
      },
      want: ['shared-lvm-autoactivation:warning'],
    },
  ];
  for (const c of cases) {
    const fs = findings(c.setup);
    assert.deepEqual(kinds(fs), c.want, c.name);
    if (c.detail) assert.equal(fs[0].detail, c.detail, c.name);
  }
  const unchecked = findings(cases[0].setup)[0];
  assert.deepEqual(
    [unchecked.id, unchecked.title, unchecked.fix, unchecked.subject],
    ['autoactivation-unchecked', 'LV autoactivation of shared LVM was not checked', [], {}],
  );
  const old = findings(cases[1].setup)[0];
  assert.deepEqual(
    [old.id, old.title, old.fix, old.subject],
    ['autoactivation-unknown', 'LV autoactivation of shared LVM could not be read', [], {}],
  );
});
