// The PVE volume grammar on LVM (facts §1-§2): volume ids, vm-/base- names (LVMPlugin.pm:521-532,
// LvmThinPlugin.pm:63-73), linked clones, snap_ LVs (LvmThinPlugin.pm:82; LVMPlugin.pm:536-548 chains),
// del- (saferemove), and the next disk name (Plugin.pm get_next_vm_diskname).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  guestLvRest,
  lvNamesOfVolname,
  nextDiskName,
  parseDeletedLv,
  parseLvmVolname,
  parseSnapshotLv,
  parseVolumeId,
  vmidOfLvName,
} from '../../src/core/parse/volume-name';
import { haveCorpus, readCorpus } from '../helpers/pve-corpus';

test('parseVolumeId: storage id grammar (Plugin.pm:418-429), paths and none/cdrom are not volume ids', () => {
  const cases: [string, { storage: string; volname: string } | null][] = [
    ['local-lvm:vm-100-disk-0', { storage: 'local-lvm', volname: 'vm-100-disk-0' }],
    ['local-lvm:base-900-disk-0/vm-101-disk-0', { storage: 'local-lvm', volname: 'base-900-disk-0/vm-101-disk-0' }],
    ['thin_store-2:vm-107-disk-0', { storage: 'thin_store-2', volname: 'vm-107-disk-0' }],
    ['fast:vm-105-disk-0.qcow2', { storage: 'fast', volname: 'vm-105-disk-0.qcow2' }],
    ['local:iso/debian.iso', { storage: 'local', volname: 'iso/debian.iso' }],
    ['Local.2:100/vm-100-disk-0.raw', { storage: 'Local.2', volname: '100/vm-100-disk-0.raw' }],
    [' local-lvm:vm-1-disk-0 ', { storage: 'local-lvm', volname: 'vm-1-disk-0' }],
    ['/dev/sda', null],
    ['/mnt/file.raw', null],
    ['none', null],
    ['cdrom', null],
    ['a:b', null], // storage ids have at least 2 characters
    ['1lvm:vm-1-disk-0', null],
    ['lvm-:vm-1-disk-0', null],
    ['lvm:', null],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseVolumeId(text), want, text);
});

test('parseLvmVolname: (vm|base)-<vmid>-<rest> and the kinds PVE creates', () => {
  const cases: [string, Record<string, unknown> | null][] = [
    ['vm-100-disk-0', { vmid: 100, kind: 'disk', format: 'raw', index: 0 }],
    ['vm-100-disk-12', { vmid: 100, kind: 'disk', format: 'raw', index: 12 }],
    ['vm-105-disk-0.qcow2', { vmid: 105, kind: 'disk', format: 'qcow2', index: 0 }],
    ['base-900-disk-1', { vmid: 900, kind: 'base', format: 'raw', index: 1 }],
    ['base-900-disk-1.qcow2', { vmid: 900, kind: 'base', format: 'qcow2', index: 1 }],
    ['base-900-mydisk', { vmid: 900, kind: 'base', format: 'raw', index: undefined }],
    ['vm-120-cloudinit', { vmid: 120, kind: 'cloudinit', format: 'raw' }],
    ['vm-120-cloudinit.qcow2', { vmid: 120, kind: 'cloudinit', format: 'qcow2' }],
    ['vm-100-state-before', { vmid: 100, kind: 'state', format: 'raw', state: 'before' }],
    ['vm-100-state-pre_up-2', { vmid: 100, kind: 'state', format: 'raw', state: 'pre_up-2' }],
    // hibernation state (RunState.pm:44,61)
    ['vm-100-state-suspend-2024-01-31', { vmid: 100, kind: 'state', format: 'raw', state: 'suspend-2024-01-31' }],
    ['vm-107-fleece-0', { vmid: 107, kind: 'fleece', format: 'raw', index: 0 }],
    ['vm-108-mydata', { vmid: 108, kind: 'custom', format: 'raw' }],
    ['vm-100-disk-abc', { vmid: 100, kind: 'custom', format: 'raw' }],
    // raw LVs carry no extension: a '.raw' name is a custom name on LVM
    ['vm-100-disk-0.raw', { vmid: 100, kind: 'custom', format: 'raw' }],
    ['vm-100', null],
    ['vm-100-', null],
    ['vm-x-disk-0', null],
    ['subvol-100-disk-0', null],
    ['root', null],
    ['del-vm-100-disk-0', null],
    ['snap_vm-100-disk-0_s1', null],
  ];
  for (const [lv, want] of cases) {
    const got = parseLvmVolname(lv);
    if (want === null) assert.equal(got, null, lv);
    else assert.deepEqual(got, { lv, ...want }, lv);
  }
});

test('lvNamesOfVolname: a linked clone refers to its own LV and to its base', () => {
  assert.deepEqual(lvNamesOfVolname('base-900-disk-0/vm-101-disk-0'), {
    own: 'vm-101-disk-0',
    base: 'base-900-disk-0',
  });
  assert.deepEqual(lvNamesOfVolname('vm-100-disk-0'), { own: 'vm-100-disk-0' });
});

test('parseSnapshotLv: thin snap_<vol>_<snap> and chain snap_<vol>_<snap>.qcow2', () => {
  const cases: { lv: string; volumes?: string[]; snapshots?: string[]; want: Record<string, unknown> | null }[] = [
    {
      lv: 'snap_vm-102-disk-0_before',
      volumes: ['vm-102-disk-0'],
      want: { volume: 'vm-102-disk-0', snapshot: 'before', chain: false, resolved: true },
    },
    // a dash inside the snapshot name (tricky-names CT 110)
    {
      lv: 'snap_vm-110-disk-0_pre-upgrade',
      volumes: ['vm-110-disk-0'],
      want: { volume: 'vm-110-disk-0', snapshot: 'pre-upgrade', chain: false, resolved: true },
    },
    // '_' inside the snapshot name
    {
      lv: 'snap_vm-100-disk-0_my_snap',
      volumes: ['vm-100-disk-0'],
      want: { volume: 'vm-100-disk-0', snapshot: 'my_snap', chain: false, resolved: true },
    },
    // '_' inside the volume name (custom name vm-108-my_data)
    {
      lv: 'snap_vm-108-my_data_old',
      volumes: ['vm-108-my_data', 'vm-108-disk-0'],
      want: { volume: 'vm-108-my_data', snapshot: 'old', chain: false, resolved: true },
    },
    // '_' and '-' in both parts: the snapshot names decide between the known volumes
    {
      lv: 'snap_vm-108-my_data-x_pre_up-1',
      volumes: ['vm-108-my', 'vm-108-my_data-x'],
      snapshots: ['pre_up-1'],
      want: { volume: 'vm-108-my_data-x', snapshot: 'pre_up-1', chain: false, resolved: true },
    },
    {
      lv: 'snap_vm-108-my_data-x_pre_up-1',
      volumes: ['vm-108-my', 'vm-108-my_data-x'],
      snapshots: ['data-x_pre_up-1'],
      want: { volume: 'vm-108-my', snapshot: 'data-x_pre_up-1', chain: false, resolved: true },
    },
    // two known volumes, no snapshot list: the longest known volume prefix wins
    {
      lv: 'snap_vm-108-my_data_old',
      volumes: ['vm-108-my', 'vm-108-my_data'],
      want: { volume: 'vm-108-my_data', snapshot: 'old', chain: false, resolved: true },
    },
    // volume chain (PVE 9 qcow2 on thick LVM): the volume keeps its .qcow2
    {
      lv: 'snap_vm-105-disk-0_s1.qcow2',
      volumes: ['vm-105-disk-0.qcow2'],
      want: { volume: 'vm-105-disk-0.qcow2', snapshot: 's1', chain: true, resolved: true },
    },
    {
      lv: 'snap_vm-105-disk-0_a_b.qcow2',
      volumes: ['vm-105-disk-0.qcow2'],
      want: { volume: 'vm-105-disk-0.qcow2', snapshot: 'a_b', chain: true, resolved: true },
    },
    // nothing known: one possible split, unresolved
    {
      lv: 'snap_vm-102-disk-0_before',
      want: { volume: 'vm-102-disk-0', snapshot: 'before', chain: false, resolved: false },
    },
    // nothing known and ambiguous: falls back to the last '_' that leaves a valid volume name
    { lv: 'snap_vm-100-disk-0_a_b', want: { volume: 'vm-100-disk-0_a', snapshot: 'b', chain: false, resolved: false } },
    { lv: 'snap_vm-100-disk-0_', want: null },
    { lv: 'snap_foo_bar', want: null },
    { lv: 'snap_', want: null },
    { lv: 'vm-100-disk-0', want: null },
  ];
  for (const c of cases) {
    const got = parseSnapshotLv(c.lv, { volumes: c.volumes ?? [], snapshots: c.snapshots });
    assert.deepEqual(got, c.want, `${c.lv} with ${JSON.stringify(c.volumes)} ${JSON.stringify(c.snapshots)}`);
  }
});

test('parseDeletedLv and vmidOfLvName', () => {
  assert.equal(parseDeletedLv('del-vm-100-disk-0'), 'vm-100-disk-0');
  assert.equal(parseDeletedLv('del-'), null);
  assert.equal(parseDeletedLv('vm-100-disk-0'), null);
  const cases: [string, number | null][] = [
    ['vm-100-disk-0', 100],
    ['base-900-disk-0', 900],
    ['vm-105-disk-0.qcow2', 105],
    ['vm-107-fleece-0', 107],
    ['del-vm-106-disk-0', 106],
    ['snap_vm-101-disk-0_x', 101],
    ['snap_base-900-disk-0_x', 900],
    ['snap_vm-105-disk-0_s1.qcow2', 105],
    ['del-snap_vm-5-disk-0_s', 5],
    ['root', null],
    ['data_tdata', null],
    ['snap_foo', null],
    ['vm-abc-disk-0', null],
  ];
  for (const [lv, want] of cases) assert.equal(vmidOfLvName(lv), want, lv);
});

test('nextDiskName: lowest free number 0..1023 among (vm|base)-<vmid>-disk-N (Plugin.pm get_next_vm_diskname)', () => {
  const cases: { vmid: number; taken: string[]; suffix?: string; want: string | null }[] = [
    { vmid: 119, taken: [], want: 'vm-119-disk-0' },
    { vmid: 119, taken: ['vm-119-disk-0', 'vm-119-disk-1'], want: 'vm-119-disk-2' },
    // gaps are filled
    { vmid: 119, taken: ['vm-119-disk-0', 'vm-119-disk-2'], want: 'vm-119-disk-1' },
    // a base- volume holds its number
    { vmid: 900, taken: ['base-900-disk-0'], want: 'vm-900-disk-1' },
    // other guests and other kinds do not
    {
      vmid: 119,
      taken: ['vm-1190-disk-0', 'vm-19-disk-0', 'vm-119-cloudinit', 'vm-119-state-s1', 'vm-119-fleece-0'],
      want: 'vm-119-disk-0',
    },
    // the pattern is not anchored: leftovers named after a disk hold its number
    { vmid: 119, taken: ['del-vm-119-disk-0', 'snap_vm-119-disk-1_s1'], want: 'vm-119-disk-2' },
    { vmid: 119, taken: ['vm-119-disk-0.qcow2'], want: 'vm-119-disk-1' },
    // with a suffix only names with it count (LVM chains: vm-N-disk-K.qcow2)
    { vmid: 105, taken: ['vm-105-disk-0', 'vm-105-disk-1.qcow2'], suffix: '.qcow2', want: 'vm-105-disk-0.qcow2' },
    {
      vmid: 105,
      taken: ['vm-105-disk-0.qcow2', 'del-vm-105-disk-1.qcow2'],
      suffix: '.qcow2',
      want: 'vm-105-disk-2.qcow2',
    },
    // a chain snapshot's name has '_<snap>' between the number and '.qcow2': it holds nothing
    {
      vmid: 105,
      taken: ['vm-105-disk-0.qcow2', 'snap_vm-105-disk-1_s1.qcow2'],
      suffix: '.qcow2',
      want: 'vm-105-disk-1.qcow2',
    },
  ];
  for (const c of cases) assert.equal(nextDiskName(c.vmid, c.taken, c.suffix), c.want, JSON.stringify(c));
  // 1024 volumes per guest at most; then PVE fails with "unable to allocate an image name"
  const all = Array.from({ length: 1024 }, (_, i) => `vm-7-disk-${i}`);
  assert.equal(nextDiskName(7, all), null);
  assert.equal(nextDiskName(7, all.slice(0, 1023)), 'vm-7-disk-1023');
  assert.equal(nextDiskName(7, [...all.slice(0, 500), ...all.slice(501)]), 'vm-7-disk-500');
});

// derived/pve-storage_parse_volname_cases.json: pve-storage's own parse_volname tests for the
// DIRECTORY plugin: [vtype, name, vmid, basename, basevmid, isBase, format]. What maps onto LVM names:
// the 'images' cases with raw or qcow2 files (name → vmid, base-/linked detection, qcow2 format),
// read as LVM names: the <vmid>/ directories dropped, '.raw' dropped (raw LVs have no extension).
// Not applicable: iso/vztmpl/backup/snippets/import (no LVM content), subvol (ZFS/dir only), vmdk (never
// on LVM), and the "Failed match" cases (they test the directory layout, which LVM names do not have).
test('corpus: parse_volname cases that apply to LVM names', (t) => {
  if (!haveCorpus(t, 'derived', 'pve-storage_parse_volname_cases.json')) return;
  const cases = JSON.parse(readCorpus('derived', 'pve-storage_parse_volname_cases.json')) as {
    description: string;
    volname: string;
    expected: (string | null)[] | string;
  }[];
  assert.equal(cases.length, 52);
  let applied = 0;
  for (const c of cases) {
    if (!Array.isArray(c.expected)) continue;
    const [vtype, name, vmid, basename, basevmid, isBase, format] = c.expected;
    if (vtype !== 'images' || (format !== 'raw' && format !== 'qcow2')) continue;
    const parts = c.volname.split('/');
    const lvmName = (s: string) => s.replace(/\.raw$/, '');
    // `V/name` or linked `B/basename/V/name` → `name` or `basename/name`
    const volname = parts.length === 4 ? `${lvmName(parts[1])}/${lvmName(parts[3])}` : lvmName(parts[1]);
    const { own, base } = lvNamesOfVolname(volname);
    const v = parseLvmVolname(own);
    assert.ok(v, `${c.description}: ${own}`);
    assert.equal(own, lvmName(name!), c.description);
    assert.equal(String(v.vmid), vmid, `${c.description}: vmid`);
    assert.equal(v.format, format, `${c.description}: format`);
    assert.equal(v.kind === 'base', isBase === 'base-', `${c.description}: base`);
    if (basename) {
      assert.equal(base, lvmName(basename), `${c.description}: base name`);
      assert.equal(String(vmidOfLvName(base!)), basevmid, `${c.description}: base vmid`);
    } else assert.equal(base, undefined, c.description);
    applied++;
  }
  // raw, qcow2: plain, linked, base each, plus "linked, qcow2, vm- as base-"
  assert.equal(applied, 7);
});

test("nextDiskName without a suffix reads the numbers Plugin.pm's unanchored pattern matches, name class by name class", () => {
  // The pattern as pve-storage has it (get_next_vm_diskname), here the spec of the hand-written reader.
  const byRegex = (vmid: number, taken: string[]) => {
    const used = new Set<number>();
    const re = new RegExp(`(?:vm|base)-${vmid}-disk-(\\d+)`);
    for (const name of taken) {
      const m = re.exec(name);
      if (m) used.add(Number(m[1]));
    }
    for (let i = 0; i < 1024; i++) if (!used.has(i)) return `vm-${vmid}-disk-${i}`;
    return null;
  };
  const prefixes = [
    '',
    'vm',
    'base',
    'del-vm',
    'snap_vm',
    'xbase',
    'v',
    'ase',
    'm',
    'del-',
    '-',
    'basx',
    'bas',
    'vx',
    'xvm',
  ];
  const bodies = ['-1-disk-', '-11-disk-', '-1-disk', '-1-Disk-', '1-disk-', '-1-disk--1-disk-'];
  const tails = ['', '0', '3', '12', '007', 'x', '3x', '3_s1', '3.qcow2', '-1-disk-4', 'vm-1-disk-5', 'base-1-disk-2'];
  const names: string[] = [];
  for (const p of prefixes) for (const b of bodies) for (const t of tails) names.push(`${p}${b}${t}`);
  for (const vmid of [1, 11]) {
    for (const name of names) assert.equal(nextDiskName(vmid, [name]), byRegex(vmid, [name]), `${vmid} ${name}`);
    for (let i = 0; i + 7 <= names.length; i += 7) {
      const taken = names.slice(i, i + 7);
      assert.equal(nextDiskName(vmid, taken), byRegex(vmid, taken), `${vmid} ${taken.join(' ')}`);
    }
  }
});

test('parseLvmVolname reads `(vm|base)-<vmid>-<rest>` as its regex does, name class by name class', () => {
  // The grammar as the regex says it (LVMPlugin.pm parse_volname), here the spec of the hand reader.
  const byRegex = (lv: string) => {
    const m = /^(vm|base)-(\d+)-(\S+)$/.exec(lv);
    return m ? { base: m[1] === 'base', vmid: Number(m[2]), rest: m[3] } : null;
  };
  const heads = ['vm-', 'base-', 'vm', 'base', 'vmx-', 'Vm-', 'bas-', '', 'del-vm-', 'snap_vm-'];
  const ids = ['100', '0', '007', '', 'x', '12a', '99999999999999999999'];
  const rests = [
    '-disk-0',
    '-disk-0.qcow2',
    '-cloudinit',
    '-state-s1',
    '-fleece-2',
    '-',
    '--x',
    'x',
    '-a b',
    '-a\tb',
    '-a\n',
    '-é',
    '-\u00a0',
    '-x\u2028',
  ];
  for (const h of heads)
    for (const id of ids)
      for (const r of rests) {
        const lv = `${h}${id}${r}`;
        // guestLvRest: GUEST_LV (`^(vm|base)-(\d+)-`) and where its match ends.
        const head = /^(vm|base)-(\d+)-/.exec(lv);
        assert.equal(guestLvRest(lv), head ? head[0].length : -1, JSON.stringify(lv));
        const want = byRegex(lv);
        // vmidOfLvName reads the same grammar for the names that are not del-/snap_ forms.
        if (!lv.startsWith('del-') && !lv.startsWith('snap_'))
          assert.equal(vmidOfLvName(lv), want ? want.vmid : null, `vmidOfLvName ${JSON.stringify(lv)}`);
        const got = parseLvmVolname(lv);
        assert.equal(got === null, want === null, JSON.stringify(lv));
        if (got && want) {
          assert.equal(got.vmid, want.vmid, JSON.stringify(lv));
          assert.equal(got.kind === 'base', want.base, JSON.stringify(lv));
          assert.equal(got.format, want.rest.endsWith('.qcow2') ? 'qcow2' : 'raw', JSON.stringify(lv));
        }
      }
});
