// Leftovers of interrupted backups and inactive leftover LVs (src/core/storage/classify-storage-guests.ts),
// rule by rule: when a `vzdump` snapshot or a fleecing image is a leftover, how leftover LVs are summed per
// storage and VMID, when the next guest would inherit them, and what the fix offers (keep or drop).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNode } from '../../src/core/node/node-view';
import { buildStorageContext } from '../../src/core/storage/classify-storage';
import { classifyBackupLeftovers, classifyLeftoverLvs } from '../../src/core/storage/classify-storage-guests';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import type { DmEntry, DmResult } from '../../src/core/vocab/types';
import { leftoverEntry as leftover } from '../helpers/dm-entry';
import { emptyDm, LOCAL_LVM, snapshot } from '../helpers/storage-snapshot';

const QEMU = (node: string, vmid: number) => `/etc/pve/nodes/${node}/qemu-server/${vmid}.conf`;
const LXC = (node: string, vmid: number) => `/etc/pve/nodes/${node}/lxc/${vmid}.conf`;
const ACTIVE = '/var/log/pve/tasks/active';
const UPID = (type: string, id: string) => `UPID:pve1:000B7C1A:0A1B2C3D:67A1B2C3:${type}:${id}:root@pam:`;
const SHARED = `${LOCAL_LVM}\nlvm: san\n\tvgname sanvg\n\tshared 1\n\tcontent images\n`;

const ctxOf = (snap: HostSnapshot, dm: DmResult = emptyDm()) => buildStorageContext(parseNode(snap), dm, {});
const backup = (files: Record<string, string>) =>
  classifyBackupLeftovers(ctxOf(snapshot({ files: { '/etc/pve/storage.cfg': SHARED, ...files } })));

const CT_VZDUMP =
  'hostname: ct\nparent: vzdump\nrootfs: local-lvm:vm-200-disk-0,size=8G\n\n[vzdump]\nhostname: ct\nrootfs: local-lvm:vm-200-disk-0,size=8G\nsnaptime: 1700000000\n';

test('the vzdump snapshot is a leftover only when no backup of the guest runs here', () => {
  const cases: { name: string; files: Record<string, string>; want: number }[] = [
    { name: 'no backup runs', files: { [LXC('pve1', 200)]: CT_VZDUMP }, want: 1 },
    {
      name: 'its own vzdump runs',
      files: { [LXC('pve1', 200)]: CT_VZDUMP, [ACTIVE]: `${UPID('vzdump', '200')} 0\n` },
      want: 0,
    },
    // A vzdump of another guest, or another task of this one, explains nothing.
    {
      name: "another guest's vzdump",
      files: { [LXC('pve1', 200)]: CT_VZDUMP, [ACTIVE]: `${UPID('vzdump', '201')} 0\n` },
      want: 1,
    },
    {
      name: 'a vzsnapshot of it',
      files: { [LXC('pve1', 200)]: CT_VZDUMP, [ACTIVE]: `${UPID('vzsnapshot', '200')} 0\n` },
      want: 1,
    },
    // A vzdump of several guests (empty id) backs this one up only while it holds lock: backup.
    {
      name: 'a multi-guest vzdump, the guest not locked',
      files: { [LXC('pve1', 200)]: CT_VZDUMP, [ACTIVE]: `${UPID('vzdump', '')} 0\n` },
      want: 1,
    },
    {
      name: 'lock: backup, no vzdump runs',
      files: { [LXC('pve1', 200)]: `lock: backup\n${CT_VZDUMP}` },
      want: 1,
    },
    {
      name: 'lock: backup, a multi-guest vzdump runs',
      files: { [LXC('pve1', 200)]: `lock: backup\n${CT_VZDUMP}`, [ACTIVE]: `${UPID('vzdump', '')} 0\n` },
      want: 0,
    },
    {
      // Its lock: backup is not explained by a vzdump of another guest: that backup is not this one's.
      name: "lock: backup, another guest's vzdump runs",
      files: { [LXC('pve1', 200)]: `lock: backup\n${CT_VZDUMP}`, [ACTIVE]: `${UPID('vzdump', '201')} 0\n` },
      want: 1,
    },
    {
      name: 'lock: backup, a multi-guest task of another type runs',
      files: { [LXC('pve1', 200)]: `lock: backup\n${CT_VZDUMP}`, [ACTIVE]: `${UPID('aptupdate', '')} 0\n` },
      want: 1,
    },
    // Its backup runs on the node that holds the config: not seen here.
    { name: 'the guest of another node', files: { [LXC('pve2', 200)]: CT_VZDUMP }, want: 0 },
    {
      name: 'a snapshot with another name',
      files: { [LXC('pve1', 200)]: CT_VZDUMP.replaceAll('vzdump', 'before-upgrade') },
      want: 0,
    },
  ];
  for (const c of cases) {
    const fs = backup(c.files).filter((f) => f.kind === 'vzdump-snapshot-leftover');
    assert.equal(fs.length, c.want, c.name);
  }
  const [f] = backup({ [QEMU('pve1', 100)]: CT_VZDUMP.replace(/hostname: ct/g, 'name: web') });
  assert.deepEqual(
    [f.id, f.severity, f.title, f.fix, f.subject],
    [
      'vzdump-snapshot:100',
      'warning',
      'VM 100 (web) still has the snapshot "vzdump" of an interrupted backup',
      ['qm delsnapshot 100 vzdump', '# if its volume is already gone: qm delsnapshot 100 vzdump --force'],
      { vmid: 100 },
    ],
  );
  assert.match(
    f.detail,
    /^A snapshot-mode backup creates the snapshot "vzdump" and removes it at the end; no backup runs now\./,
  );
});

test('fleecing images: freed with pvesm, marked on shared storage, the section named', () => {
  const vm = (images: string) =>
    `name: db\nscsi0: local-lvm:vm-101-disk-0,size=8G\n\n[special:fleecing]\nfleecing-images: ${images}\n`;
  const [one] = backup({ [QEMU('pve1', 101)]: vm('san:vm-101-fleece-0') });
  assert.deepEqual(
    [one.id, one.kind, one.severity, one.title, one.subject],
    [
      'fleecing:101',
      'fleecing-leftover',
      'warning',
      'VM 101 (db) has 1 fleecing image of an interrupted backup',
      { vmid: 101 },
    ],
  );
  // Shared storage: another node may use the image, so the command is behind advice.
  assert.deepEqual(one.fix, [
    '# on shared storage, after checking no other node uses it: pvesm free san:vm-101-fleece-0',
    '# then delete the [special:fleecing] section from /etc/pve/nodes/pve1/qemu-server/101.conf',
  ]);
  assert.equal(
    one.detail,
    'Backups with fleecing write to temporary images (san:vm-101-fleece-0) and record them in [special:fleecing] so they can be removed; no backup of it runs now, so they are left over and hold space.',
  );
  const [two] = backup({ [QEMU('pve1', 101)]: vm('local-lvm:vm-101-fleece-0,local-lvm:vm-101-fleece-1') });
  assert.equal(two.title, 'VM 101 (db) has 2 fleecing images of an interrupted backup');
  assert.match(two.detail, /temporary images \(local-lvm:vm-101-fleece-0, local-lvm:vm-101-fleece-1\)/);
  assert.deepEqual(two.fix.slice(0, 2), [
    'pvesm free local-lvm:vm-101-fleece-0',
    'pvesm free local-lvm:vm-101-fleece-1',
  ]);
  // A storage storage.cfg does not list: not known to be shared, so the plain command.
  const [gone] = backup({ [QEMU('pve1', 101)]: vm('old:vm-101-fleece-0') });
  assert.equal(gone.fix[0], 'pvesm free old:vm-101-fleece-0');
  // While its backup runs the images are in use.
  assert.deepEqual(
    backup({ [QEMU('pve1', 101)]: vm('san:vm-101-fleece-0'), [ACTIVE]: `${UPID('vzdump', '101')} 0\n` }),
    [],
  );
  // An image given as a path is no volume pvesm can free.
  assert.deepEqual(backup({ [QEMU('pve1', 101)]: vm('/var/tmp/fleece.raw') }), []);
});

const G = 2 ** 30;
const leftovers = (entries: DmEntry[], next: number | null = null, upcoming: number[] = []) =>
  classifyLeftoverLvs(
    ctxOf(
      snapshot({ files: { '/etc/pve/storage.cfg': SHARED } }),
      emptyDm({ entries, vmidReuse: { nextVmid: next, upcoming, collisions: [], leftovers: [], messages: [] } }),
    ),
  );

test('leftover LVs: only inactive orphans not pending, summed per storage (or VG) and VMID', () => {
  const entries = [
    leftover(150, 'vm-150-disk-0', 2 * G),
    leftover(150, 'vm-150-disk-1', null),
    leftover(null, 'vm-x-disk-0', G, { reason: 'not-referenced' }),
    // Not leftovers: a map, a valid LV, one an operation is making, an entry without VG or LV.
    leftover(160, 'vm-160-disk-0', G, { active: true }),
    leftover(161, 'vm-161-disk-0', G, { status: 'valid' }),
    leftover(162, 'vm-162-disk-0', G, { pending: true }),
    leftover(163, 'vm-163-disk-0', G, { vg: null }),
    leftover(164, 'vm-164-disk-0', G, { lv: null }),
    // An LV of a VG no storage names: summed under its VG.
    leftover(170, 'vm-170-disk-0', G, { storage: null, vg: 'oldvg', volume: null }),
    leftover(171, 'vm-171-disk-0', G, { storage: 'san', vg: 'sanvg', volume: 'san:vm-171-disk-0' }),
  ];
  const fs = leftovers(entries);
  assert.deepEqual(
    fs.map((f) => f.kind),
    ['leftover-lvs', 'leftover-lvs', 'leftover-lvs'],
  );
  assert.deepEqual(
    fs.map((f) => [f.id, f.severity, f.title, f.detail, f.subject, f.values]),
    [
      [
        'leftovers:local-lvm',
        'info',
        '3 inactive leftover LVs hold 3.0 GiB on storage local-lvm',
        'no VMID: 1 LV, 1.0 GiB; VMID 150: 2 LVs, 2.0 GiB.',
        { storage: 'local-lvm' },
        { totalBytes: 3 * G, lvs: 3 },
      ],
      [
        'leftovers:vg:oldvg',
        'info',
        '1 inactive leftover LV holds 1.0 GiB on VG oldvg',
        'VMID 170: 1 LV, 1.0 GiB.',
        // Whose they are, for check --vmid: every one has a VMID (local-lvm's has one without: none said).
        { vg: 'oldvg', vmids: [170] },
        { totalBytes: G, lvs: 1 },
      ],
      [
        'leftovers:san',
        'info',
        '1 inactive leftover LV holds 1.0 GiB on storage san',
        'VMID 171: 1 LV, 1.0 GiB.',
        { storage: 'san', vmids: [171] },
        { totalBytes: G, lvs: 1 },
      ],
    ],
  );
});

test('leftover LVs: a new guest given their VMID inherits them (the next VMID, or one after it)', () => {
  const entries = [
    leftover(150, 'vm-150-disk-0', G),
    leftover(152, 'vm-152-disk-0', G),
    leftover(151, 'vm-151-disk-0', G),
  ];
  const tail = (next: number | null, upcoming: number[] = []) => {
    const [f] = leftovers(entries, next, upcoming);
    return [
      f.severity,
      f.detail.replace(/^VMID 150: 1 LV, 1\.0 GiB; VMID 151: 1 LV, 1\.0 GiB; VMID 152: 1 LV, 1\.0 GiB\./, ''),
    ];
  };
  assert.deepEqual(tail(null), ['info', '']);
  assert.deepEqual(leftovers(entries)[0].subject, { storage: 'local-lvm', vmids: [150, 151, 152] });
  assert.deepEqual(tail(140, [141, 142]), ['info', '']);
  const inherits =
    ' inherits that VMID\'s volumes here: `qm disk rescan` attaches them to it, and destroying it with "unreferenced disks" deletes them.';
  assert.deepEqual(tail(151), ['warning', ` A new guest created as VMID 151 (the next VMID PVE hands out)${inherits}`]);
  assert.deepEqual(tail(149, [152, 150]), [
    'warning',
    ` A new guest created as VMID 150 or 152 (among the next VMIDs PVE hands out, after 149)${inherits}`,
  ]);
  assert.deepEqual(tail(151, [152]), [
    'warning',
    ` A new guest created as VMID 151 or 152 (the next VMID PVE hands out)${inherits}`,
  ]);
});

test('leftover LVs fix: keep what a guest may want, drop the rest with the command its storage takes', () => {
  const fix = (entries: DmEntry[]) => leftovers(entries)[0].fix;
  // The guest exists (here, or on another node): attach them back; guest gone: free on local storage.
  assert.deepEqual(
    fix([
      leftover(150, 'vm-150-disk-0', G, { reason: 'not-referenced' }),
      leftover(150, 'vm-150-disk-1', G, { reason: 'not-referenced' }),
      leftover(151, 'vm-151-disk-0', G, { reason: 'guest-on-other-node' }),
      leftover(152, 'vm-152-disk-0', G),
      // Not a guest's: no VMID to attach to, so a drop.
      leftover(null, 'vm-x-disk-0', G, { reason: 'not-referenced' }),
    ]),
    [
      '# keep: attach them to their guest as unused disks',
      'qm disk rescan --vmid 150',
      'qm disk rescan --vmid 151',
      // The reversible way first, for what pve-health reclaim takes (a guest's volume; never one without a VMID).
      '# set them aside reversibly (quarantine, re-checked and journaled; pve-health restore brings them back):',
      'pve-health reclaim --name local-lvm:vm-152-disk-0',
      '# or drop (irreversible: deletes the data), once nothing needs it:',
      'pvesm free local-lvm:vm-152-disk-0',
      'pvesm free local-lvm:vm-x-disk-0',
    ],
  );
  // Without a reclaimable one (no VMID), the drop alone.
  assert.deepEqual(fix([leftover(null, 'vm-x-disk-0', G, { reason: 'not-referenced' })]), [
    '# drop (irreversible: deletes the data), once nothing needs it:',
    'pvesm free local-lvm:vm-x-disk-0',
  ]);
  // Shared storage: another node may use it, which this node cannot see whole: lvremove behind a check.
  const san = (vmid: number) =>
    leftover(vmid, `vm-${vmid}-disk-0`, G, { storage: 'san', vg: 'sanvg', volume: `san:vm-${vmid}-disk-0` });
  assert.deepEqual(fix([san(170)]), [
    "# first check that no node and no config uses it (every node's maps and configs):",
    'pve-health cluster',
    '# then drop it (irreversible: deletes the data):',
    'lvremove sanvg/vm-170-disk-0',
  ]);
  assert.deepEqual(fix([san(170), san(171)]), [
    "# first check that no node and no config uses them (every node's maps and configs):",
    'pve-health cluster',
    '# then drop them (irreversible: deletes the data):',
    'lvremove sanvg/vm-170-disk-0',
    'lvremove sanvg/vm-171-disk-0',
  ]);
  // A local LV without a volume name (no storage to free it through): lvremove as well.
  assert.deepEqual(fix([leftover(172, 'vm-172-disk-0', G, { volume: null })]).slice(3), ['lvremove pve/vm-172-disk-0']);
  // Thirty commands at most, then the count of the rest.
  const many = Array.from({ length: 32 }, (_, i) => leftover(200 + i, `vm-${200 + i}-disk-0`, G));
  const long = fix(many);
  // The reclaim line and its advice, the drop advice, 30 drops, the count of the rest.
  assert.equal(long.length, 34);
  assert.equal((long[1].match(/--name/g) ?? []).length, 30);
  assert.deepEqual(long.slice(-2), [
    'pvesm free local-lvm:vm-229-disk-0',
    '# ... and 2 more (pve-health dm lists them)',
  ]);
  assert.equal(fix(many.slice(0, 30)).length, 33);
});
