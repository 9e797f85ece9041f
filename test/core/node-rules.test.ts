// Rules of the DM/LVM analysis on NodeViews built directly (test/helpers/node-view.ts): one row per
// rule, the verdict and the fix an admin would see. The same value parseNode builds from a node's
// raw outputs, so these hold for `dm`, `check`, `clean` and `serve` alike.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import type { DmEntry } from '../../src/core/vocab/types';
import { lv, nodeView, type ViewInput, vgOf } from '../helpers/node-view';
import { pvOnDisk } from '../helpers/pv-devices';

const THICK = `lvm: san
\tvgname vg0
\tcontent images
`;
const SHARED = `lvm: san
\tvgname vg0
\tshared 1
\tcontent images
`;
const ELSEWHERE = `lvm: san
\tvgname vg0
\tnodes pve2
\tcontent images
`;
const DISABLED = `lvm: san
\tvgname vg0
\tdisable
\tcontent images
`;
const vm = (disk: string) => `scsi0: ${disk},size=4G\nmemory: 512\n`;

interface Case {
  name: string;
  view: ViewInput;
  /** status/reason of the entry for vg0/vm-100-disk-0 */
  want: string;
  /** the fix `clean` would run, or null when none may be offered */
  fix: RegExp | null;
  detail?: RegExp;
  hint?: RegExp;
  hintLacks?: RegExp;
  protectedBy?: string;
  /** Nothing protects it. */
  noProtection?: true;
}

const leftover = [lv('vg0', 'vm-100-disk-0')];
const active = lv('vg0', 'vm-100-disk-0', { attr: '-wi-a-----', active: true });
const moving = lv('vg0', 'vm-100-disk-0', { attr: '-wI-a-----', active: true, movePv: '/dev/sdb' });
const cases: Case[] = [
  {
    name: 'a disk its guest names is valid',
    view: { storageCfg: THICK, lvs: leftover, guests: [{ vmid: 100, text: vm('san:vm-100-disk-0') }] },
    want: 'valid/referenced',
    fix: null,
  },
  {
    name: 'an inactive LV of a deleted guest is a leftover; the fix names it by UUID',
    view: { storageCfg: THICK, lvs: leftover },
    want: 'orphan/inactive-leftover',
    fix: null,
    detail: /has no config anywhere in the cluster/,
  },
  {
    name: 'an active LV of a deleted guest: deactivate it (lvchange -an, selected by UUID)',
    view: { storageCfg: THICK, lvs: [active], maps: [{ lv: active }] },
    want: 'orphan/guest-missing',
    fix: /^lvchange -an --select lv_uuid=\S+ vg0\/vm-100-disk-0$/,
    hint: /pvesm free san:vm-100-disk-0/,
  },
  {
    name: 'the same LV while a pvmove runs in its VG: protected, no fix, no destructive hint',
    view: {
      storageCfg: THICK,
      lvs: [moving, lv('vg0', 'pvmove0', { hidden: true, attr: 'p-C-aom---', active: true })],
      maps: [{ lv: moving }],
    },
    want: 'orphan/guest-missing',
    fix: null,
    protectedBy: 'pvmove',
    hintLacks: /pvesm free/,
  },
  {
    name: 'the same LV in a partial VG (a PV is missing): protected, no fix',
    view: {
      storageCfg: THICK,
      lvs: [active],
      vgs: [vgOf('vg0', [active], { partial: true, attr: 'wz-pn-' })],
      maps: [{ lv: active }],
    },
    want: 'orphan/guest-missing',
    fix: null,
    protectedBy: 'vg-partial',
    hintLacks: /pvesm free/,
  },
  {
    name: 'the same LV in an lvmlockd shared VG: protected, no fix',
    view: {
      storageCfg: THICK,
      lvs: [active],
      vgs: [vgOf('vg0', [active], { lockType: 'shared', attr: 'wz--ns' })],
      maps: [{ lv: active }],
    },
    want: 'orphan/guest-missing',
    fix: null,
    protectedBy: 'lvmlockd',
  },
  {
    name: 'the same LV held open (a process uses it): no fix',
    view: { storageCfg: THICK, lvs: [active], maps: [{ lv: active, open: 1 }] },
    want: 'orphan/guest-missing',
    fix: null,
  },
  {
    name: 'lvs and vgs disagree about the VG: unknown, never a finding to act on',
    view: { storageCfg: THICK, lvs: leftover, vgs: [vgOf('vg0', leftover, { lvCount: 3 })] },
    want: 'unknown/lvm-incomplete',
    fix: null,
    detail: /lvs lists 1 LV of VG vg0, vgs counts 3/,
  },
  {
    name: 'vgs failed: the LV list cannot be cross-checked, unknown',
    view: { storageCfg: THICK, lvs: leftover, vgs: null },
    want: 'unknown/lvm-incomplete',
    fix: null,
  },
  {
    name: 'storage.cfg missing: every guest disk is unknown',
    view: { lvs: [active], maps: [{ lv: active }] },
    want: 'unknown/lvm-incomplete',
    fix: null,
    detail: /storage\.cfg is missing/,
  },
  {
    name: 'a storage restricted to another node: its VG is not ours to judge',
    view: { storageCfg: ELSEWHERE, lvs: leftover },
    want: 'ignored/storage-not-on-node',
    fix: null,
  },
  {
    name: 'a disabled storage still owns its VG, and the sentence says it is disabled',
    view: { storageCfg: DISABLED, lvs: leftover },
    want: 'orphan/inactive-leftover',
    fix: null,
    detail: /is disabled/,
  },
  {
    name: 'shared LVM, guest on another node, LV inactive here: valid as it should be',
    view: {
      storageCfg: SHARED,
      lvs: leftover,
      guests: [{ vmid: 100, node: 'pve2', text: vm('san:vm-100-disk-0') }],
    },
    want: 'valid/referenced',
    fix: null,
    detail: /inactive here, as it should be/,
  },
  {
    name: 'shared LVM, guest on another node, LV active here: deactivate here (by UUID)',
    view: {
      storageCfg: SHARED,
      lvs: [active],
      maps: [{ lv: active }],
      guests: [{ vmid: 100, node: 'pve2', text: vm('san:vm-100-disk-0') }],
    },
    want: 'orphan/guest-on-other-node',
    fix: /^lvchange -an --select lv_uuid=\S+ vg0\/vm-100-disk-0$/,
  },
  {
    // storage.cfg calls it local, the guest on pve2 names this very volume, and the VG's disks were not
    // gathered (an older capture): which it is cannot be told; protected with the commands that tell it.
    name: 'thick LVM storage.cfg calls local, a guest of another node names this very LV, disks not read: protected, no hint',
    view: {
      storageCfg: THICK,
      lvs: leftover,
      guests: [{ vmid: 100, node: 'pve2', text: vm('san:vm-100-disk-0') }],
    },
    want: 'orphan/inactive-leftover',
    fix: null,
    detail:
      /; but the disks of VG vg0 were not told local or shared \(the disks under its PVs were not gathered \(a snapshot of an older version\)\) while VM 100 on pve2 names this very volume: on a VG other nodes see, it is that guest's disk \(look: lsblk -o NAME,TRAN,TYPE; pvs -o pv_name,vg_name\)$/,
    protectedBy: 'vg-reach-unknown',
    hintLacks: /pvesm free/,
  },
  {
    // A SAS disk: an enclosure may share it between nodes (vg-reach.ts), so the same doubt, for a CT.
    name: 'the same for a CT whose VG lies on a SAS disk: protected, the reason names the disk',
    view: {
      storageCfg: THICK,
      lvs: leftover,
      guests: [{ vmid: 100, node: 'pve2', type: 'lxc', text: 'rootfs: san:vm-100-disk-0,size=4G\n' }],
      pvDevices: pvOnDisk('sda3', 'sas'),
    },
    want: 'orphan/inactive-leftover',
    fix: null,
    detail:
      /; but the disks of VG vg0 were not told local or shared \(PV \/dev\/sda3: sda3 is a SAS disk, which an enclosure may share between nodes\) while CT 100 on pve2 names this very volume: on a VG other nodes see, it is that guest's disk \(look: lsblk -o NAME,TRAN,TYPE; pvs -o pv_name,vg_name\)$/,
    protectedBy: 'vg-reach-unknown',
    hintLacks: /pvesm free/,
  },
  {
    name: 'the same, active here: protected, nothing deactivated',
    view: {
      storageCfg: THICK,
      lvs: [active],
      maps: [{ lv: active }],
      guests: [{ vmid: 100, node: 'pve2', text: vm('san:vm-100-disk-0') }],
    },
    want: 'orphan/not-referenced',
    fix: null,
    protectedBy: 'vg-reach-unknown',
    hintLacks: /pvesm free/,
  },
  {
    // The doubt is about an LV that may be the other guest's disk; a map whose LV is gone from the metadata
    // (a cut lvremove of a migrated disk) is nobody's disk whatever the VG's disks are: removed as ever.
    name: 'the same doubt never holds a map whose LV is gone: its fix stays (dmsetup remove)',
    view: {
      storageCfg: THICK,
      lvs: [lv('vg0', 'other')],
      maps: [{ lv: active }],
      guests: [{ vmid: 100, node: 'pve2', text: vm('san:vm-100-disk-0') }],
    },
    want: 'orphan/lv-missing',
    fix: /^dmsetup remove --retry -u LVM-vg0\S+$/,
    noProtection: true,
  },
  {
    // Why reachGapOf never meets a VG without a reach (test/mutation/equivalent.md, dm-flags.ts:198–200):
    // a VG vgs does not report makes its LVs unknown first; every VG vgs reports has one (vgReachOf).
    name: 'the same when vgs does not report the VG: unknown (the disagreement said), never a leftover',
    view: {
      storageCfg: THICK,
      lvs: leftover,
      vgs: [],
      guests: [{ vmid: 100, node: 'pve2', text: vm('san:vm-100-disk-0') }],
    },
    want: 'unknown/lvm-incomplete',
    fix: null,
    detail: /^lvs lists LVs of VG vg0, which vgs does not report: cannot tell whether vg0\/vm-100-disk-0 is a leftover/,
    noProtection: true,
  },
  {
    // The ordinary migration leftover: the VG lies on a SATA disk of this node.
    name: 'the same on a local SATA disk: the migration leftover (only pve2 can tell it from the only copy)',
    view: {
      storageCfg: THICK,
      lvs: leftover,
      guests: [{ vmid: 100, node: 'pve2', text: vm('san:vm-100-disk-0') }],
      pvDevices: pvOnDisk('sda3', 'sata'),
    },
    want: 'orphan/inactive-leftover',
    fix: null,
    detail: /^inactive LV, VM 100 lives on pve2; LV on local storage 'san' of pve1: .*Only pve2 can tell/,
    noProtection: true,
  },
  {
    // The VG lies on an iSCSI LUN: shared, whatever storage.cfg says; VM 100 of pve2 runs from this LV.
    name: 'the same on an iSCSI LUN: VM 100 of pve2 uses it (shared), inactive here as it should be',
    view: {
      storageCfg: THICK,
      lvs: leftover,
      guests: [{ vmid: 100, node: 'pve2', text: vm('san:vm-100-disk-0') }],
      pvDevices: pvOnDisk('sda3', 'iscsi'),
    },
    want: 'valid/referenced',
    fix: null,
  },
  {
    name: 'the same on an iSCSI LUN, active here: deactivate here, as on shared LVM',
    view: {
      storageCfg: THICK,
      lvs: [active],
      maps: [{ lv: active }],
      guests: [{ vmid: 100, node: 'pve2', text: vm('san:vm-100-disk-0') }],
      pvDevices: pvOnDisk('sda3', 'iscsi'),
    },
    want: 'orphan/guest-on-other-node',
    fix: /^lvchange -an --select lv_uuid=\S+ vg0\/vm-100-disk-0$/,
  },
  {
    name: 'a guest of another node that names another disk: the local copy is still a leftover',
    view: {
      storageCfg: THICK,
      lvs: leftover,
      guests: [{ vmid: 100, node: 'pve2', text: vm('san:vm-100-disk-1') }],
    },
    want: 'orphan/inactive-leftover',
    fix: null,
  },
  {
    name: 'a guest of this node that no longer names the disk: not referenced',
    view: { storageCfg: THICK, lvs: leftover, guests: [{ vmid: 100, text: vm('san:vm-100-disk-1') }] },
    want: 'orphan/inactive-leftover',
    fix: null,
    detail: /no config line .* references san:vm-100-disk-0/,
  },
  {
    name: 'a disk named only in a snapshot section is still referenced',
    view: {
      storageCfg: THICK,
      lvs: leftover,
      guests: [{ vmid: 100, text: `${vm('san:vm-100-disk-1')}\n[before]\nscsi0: san:vm-100-disk-0,size=4G\n` }],
    },
    want: 'valid/referenced',
    fix: null,
  },
];

const entryOf = (entries: DmEntry[]) => entries.find((e) => e.vg === 'vg0' && e.lv === 'vm-100-disk-0');

describe('DM/LVM rules on a NodeView', () => {
  for (const c of cases) {
    test(c.name, () => {
      const r = analyzeNode(nodeView(c.view), {});
      const e = entryOf(r.entries);
      assert.ok(e, `no entry for vg0/vm-100-disk-0 in ${r.entries.map((x) => x.name).join(', ')}`);
      assert.equal(`${e.status}/${e.reason}`, c.want, e.detail);
      if (c.detail) assert.match(e.detail, c.detail);
      if (c.hint) assert.match(e.hint ?? '', c.hint);
      if (c.hintLacks) assert.doesNotMatch(e.hint ?? '', c.hintLacks);
      if (c.protectedBy) assert.ok(e.protectedBy.includes(c.protectedBy), e.protectedBy.join(', '));
      if (c.noProtection) assert.deepEqual(e.protectedBy, []);
      const fix = e.action?.command.join(' ') ?? null;
      if (c.fix === null) assert.equal(fix, null, `unexpected fix: ${fix}`);
      else assert.match(fix ?? '', c.fix);
    });
  }
});

describe('a part that could not be checked is UNKNOWN, with why', () => {
  const pool = lv('pve', 'data', { segtype: 'thin-pool', attr: 'twi-aotz--', active: true });
  const THIN = 'lvmthin: local-lvm\n\tvgname pve\n\tthinpool data\n\tcontent images\n';
  test('dmsetup status failed on a node with a thin pool: its kernel state was not checked', () => {
    const r = analyzeNode(
      nodeView({ storageCfg: THIN, lvs: [pool], dmStatusFailure: 'dmsetup exited 1: ioctl failed' }),
      {},
    );
    assert.equal(r.status, 3);
    assert.ok(
      r.warnings.some((w) =>
        /dmsetup status failed \(dmsetup exited 1: ioctl failed\).*thin pool pve\/data was not checked/.test(w),
      ),
      r.warnings.join('\n'),
    );
  });
  test('the same failure without pools or multipath changes nothing', () => {
    const r = analyzeNode(nodeView({ storageCfg: THIN, lvs: [], dmStatusFailure: 'dmsetup exited 1' }), {});
    assert.equal(r.status, 0);
    assert.deepEqual(r.warnings, []);
  });
});
