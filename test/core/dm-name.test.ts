// lvm2 DM name/UUID codec (facts §3): dm_build_dm_name / dm_split_lvm_name (libdm-string.c:325-370, 68-114),
// reserved component names (lvm-string.c:137-203), UUID `LVM-<vg32><lv32>[-suffix]` and kpartx children.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildDmName,
  isDmNameOf,
  kpartxChildName,
  kpartxParentName,
  parseDmUuid,
  plainLvmId,
  splitComponent,
  splitDmName,
} from '../../src/core/parse/dm-name';
import { haveCorpus, readCorpus } from '../helpers/pve-corpus';

const VGID = 'EjMbEdgYbvjPRv7DwmjG61M5ugDvajDG';
const LVID = 'QiR8HlA5jsw1sFrowgZ4ABhv5ioAISvj';

test('buildDmName and splitDmName round-trip, dashes doubled', () => {
  const cases: { vg: string; lv: string; layer?: string; name: string }[] = [
    { vg: 'pve', lv: 'vm-100-disk-0', name: 'pve-vm--100--disk--0' },
    { vg: 'pve', lv: 'root', name: 'pve-root' },
    { vg: 'ssd-ha01', lv: 'vm-100-disk-0', name: 'ssd--ha01-vm--100--disk--0' },
    // the brief's example: VG vg_data-2, thin pool tp-1, layer tpool (tricky-names scenario)
    { vg: 'vg_data-2', lv: 'tp-1', layer: 'tpool', name: 'vg_data--2-tp--1-tpool' },
    { vg: 'vg_data-2', lv: 'tp-1', name: 'vg_data--2-tp--1' },
    { vg: 'vg_data-2', lv: 'tp-1_tdata', name: 'vg_data--2-tp--1_tdata' },
    { vg: 'vg_data-2', lv: 'tp-1_tmeta', name: 'vg_data--2-tp--1_tmeta' },
    { vg: 'pve', lv: 'data', layer: 'tpool', name: 'pve-data-tpool' },
    { vg: 'vg', lv: 'lv', layer: 'real', name: 'vg-lv-real' },
    { vg: 'vg', lv: 'lv', layer: 'cow', name: 'vg-lv-cow' },
    { vg: 'nvme', lv: 'snap_vm-105-disk-0_s1.qcow2', name: 'nvme-snap_vm--105--disk--0_s1.qcow2' },
    { vg: 'vg_data-2', lv: 'snap_vm-110-disk-0_pre-upgrade', name: 'vg_data--2-snap_vm--110--disk--0_pre--upgrade' },
    { vg: 'nvme', lv: 'del-vm-106-disk-0', name: 'nvme-del--vm--106--disk--0' },
    { vg: 'backup-vg', lv: 'vm-109-disk-0', name: 'backup--vg-vm--109--disk--0' },
    { vg: 'vg.1+x', lv: 'lv.2+y', name: 'vg.1+x-lv.2+y' },
    // a '-' at either end of a component is still doubled: three dashes in a row
    { vg: 'a-', lv: 'b', name: 'a---b' },
    { vg: 'vg', lv: 'lv-', name: 'vg-lv--' },
  ];
  for (const c of cases) {
    assert.equal(buildDmName(c.vg, c.lv, c.layer), c.name, `build ${c.vg}/${c.lv}`);
    assert.deepEqual(splitDmName(c.name), { vg: c.vg, lv: c.lv, layer: c.layer ?? '' }, `split ${c.name}`);
  }
});

test('isDmNameOf: true exactly when the name is buildDmName(vg, lv) and splits back to them', () => {
  const pairs: [string, string][] = [
    ['pve', 'vm-100-disk-0'],
    ['vg_data-2', 'tp-1'],
    ['a-', 'b'],
    ['a--', 'b'],
    ['a', 'b-'],
    ['a', 'b--c'],
    ['ssd-ha01', 'vm-1-disk-1'],
    ['pve', 'data_tdata'],
    ['pve', 'lv:with:colons'],
    ['v', 'x'],
  ];
  const names = [
    ...pairs.map(([vg, lv]) => buildDmName(vg, lv)),
    'pve-data-tpool',
    'pve-vm--100--disk--0-real',
    'pve',
    // the right length and both ends right, another character where the '-' between them belongs
    'pve_vm--100--disk--0',
    'vxx',
  ];
  for (const [vg, lv] of [
    ...pairs,
    ['pve', 'data'],
    ['pve', 'vm-100'],
    ['', 'x'],
    ['x', ''],
    ['-a', 'b'],
    ['a', '-b'],
  ]) {
    for (const name of names) {
      const split = splitDmName(name);
      const expected =
        vg !== '' && lv !== '' && !vg.startsWith('-') && !lv.startsWith('-') && buildDmName(vg, lv) === name;
      assert.equal(isDmNameOf(name, vg, lv), expected, `${name} ${vg}/${lv}`);
      if (expected) assert.deepEqual(split, { vg, lv, layer: '' }, name);
    }
  }
  // lvm2 refuses names that start with '-' (they would not split back): never taken as the LV's own name.
  assert.equal(isDmNameOf('a---b', 'a', '-b'), false);
  assert.deepEqual(splitDmName('a---b'), { vg: 'a-', lv: 'b', layer: '' });
});

test('buildDmName: no separator before a layer that starts with _ (libdm-string.c)', () => {
  assert.equal(buildDmName('vg', 'lv', '_mlog'), 'vg-lv_mlog');
  assert.equal(buildDmName('my-vg', 'my-lv', '_x-y'), 'my--vg-my--lv_x--y');
  // The split cannot tell such a layer from the LV name; lvm2's own split reads it as the LV name too.
  assert.deepEqual(splitDmName('vg-lv_mlog'), { vg: 'vg', lv: 'lv_mlog', layer: '' });
});

test('splitDmName: names that are not lvm2 names', () => {
  for (const name of ['mpathb', '', '-lv', 'vg-', 'loop0p1', 'vg--only--dashes']) {
    assert.equal(splitDmName(name), null, name);
  }
  // A non-LVM name with dashes splits like any other: only the UUID says what a map is.
  assert.deepEqual(splitDmName('luks-3b9c5c1e'), { vg: 'luks', lv: '3b9c5c1e', layer: '' });
});

test('splitComponent: hidden sub-LVs map to their top-level LV (reserved names, lvm-string.c:137-203)', () => {
  const cases: [string, { top: string; component: string } | null][] = [
    ['data_tdata', { top: 'data', component: 'tdata' }],
    ['data_tmeta', { top: 'data', component: 'tmeta' }],
    ['tp-1_tdata', { top: 'tp-1', component: 'tdata' }],
    ['lv_rimage_0', { top: 'lv', component: 'rimage' }],
    ['lv_rmeta_1', { top: 'lv', component: 'rmeta' }],
    ['lv_rimage_0_imeta', { top: 'lv', component: 'rimage' }],
    ['lv_rimage_1_iorig', { top: 'lv', component: 'rimage' }],
    ['lv_mimage_0', { top: 'lv', component: 'mimage' }],
    ['lv_mlog', { top: 'lv', component: 'mlog' }],
    ['cpool_cdata', { top: 'cpool', component: 'cdata' }],
    ['cpool_cmeta', { top: 'cpool', component: 'cmeta' }],
    ['lv_corig', { top: 'lv', component: 'corig' }],
    ['lv_cache_cpool', { top: 'lv_cache', component: 'cpool' }],
    ['fast_cvol', { top: 'fast', component: 'cvol' }],
    ['lv_wcorig', { top: 'lv', component: 'wcorig' }],
    ['vpool0_vdata', { top: 'vpool0', component: 'vdata' }],
    ['lv_imeta', { top: 'lv', component: 'imeta' }],
    ['lvol0_pmspare', { top: 'lvol0', component: 'pmspare' }],
    ['snap_vorigin', { top: 'snap', component: 'vorigin' }],
    // a cached thin-pool data LV: the first marker decides the top LV
    ['data_tdata_corig', { top: 'data', component: 'tdata' }],
    ['vm-100-disk-0', null],
    ['snap_vm-100-disk-0_s1', null],
    ['my_tdatax', null],
    ['_tdata', null],
    ['root', null],
  ];
  for (const [lv, want] of cases) assert.deepEqual(splitComponent(lv), want, lv);
});

test('parseDmUuid: every kind', () => {
  const lvm = `LVM-${VGID}${LVID}`;
  const cases: [string, unknown][] = [
    [lvm, { kind: 'lvm', vgId: VGID, lvId: LVID, suffix: '' }],
    [`${lvm}-tpool`, { kind: 'lvm', vgId: VGID, lvId: LVID, suffix: 'tpool' }],
    [`${lvm}-pool`, { kind: 'lvm', vgId: VGID, lvId: LVID, suffix: 'pool' }],
    [`${lvm}-tdata`, { kind: 'lvm', vgId: VGID, lvId: LVID, suffix: 'tdata' }],
    [`${lvm}-tmeta`, { kind: 'lvm', vgId: VGID, lvId: LVID, suffix: 'tmeta' }],
    [`${lvm}-real`, { kind: 'lvm', vgId: VGID, lvId: LVID, suffix: 'real' }],
    [`${lvm}-cow`, { kind: 'lvm', vgId: VGID, lvId: LVID, suffix: 'cow' }],
    [`${lvm}-cdata`, { kind: 'lvm', vgId: VGID, lvId: LVID, suffix: 'cdata' }],
    [`${lvm}-cvol`, { kind: 'lvm', vgId: VGID, lvId: LVID, suffix: 'cvol' }],
    [`${lvm}-vpool`, { kind: 'lvm', vgId: VGID, lvId: LVID, suffix: 'vpool' }],
    // the id alphabet includes '!' and '#' (lib/id/id.c:24-25)
    [
      `LVM-${'a!#'.repeat(10)}ab${'Z9#'.repeat(10)}Zz`,
      { kind: 'lvm', vgId: `${'a!#'.repeat(10)}ab`, lvId: `${'Z9#'.repeat(10)}Zz`, suffix: '' },
    ],
    [`part1-${lvm}`, { kind: 'part', partition: 1, parentUuid: lvm }],
    [
      'part12-mpath-3600a098038303053453f463045727a41',
      { kind: 'part', partition: 12, parentUuid: 'mpath-3600a098038303053453f463045727a41' },
    ],
    // kpartx on a parent without a UUID (testbed README)
    ['part1-devnode_253:0_Wh5pYvM', { kind: 'part', partition: 1, parentUuid: 'devnode_253:0_Wh5pYvM' }],
    ['mpath-3600a098038303053453f463045727a41', { kind: 'mpath', prefix: 'mpath' }],
    [
      'CRYPT-LUKS2-3b9c5c1e7d2a4c1b9f0e5a6b7c8d9e0f-luks-3b9c5c1e-7d2a-4c1b-9f0e-5a6b7c8d9e0f',
      { kind: 'crypt', prefix: 'CRYPT' },
    ],
    ['', { kind: 'none', prefix: '' }],
    ['stratis-1-private-abc', { kind: 'other', prefix: 'stratis' }],
    // an LVM- prefix without two 32-char ids is not an lvm2 UUID
    ['LVM-tooshort', { kind: 'other', prefix: 'LVM' }],
  ];
  for (const [uuid, want] of cases) assert.deepEqual(parseDmUuid(uuid), want, uuid);
});

test('plainLvmId: lvs prints ids hyphenated 6-4-4-4-4-4-6, DM UUIDs carry them plain', () => {
  assert.equal(plainLvmId('QiR8Hl-A5js-w1sF-rowg-Z4AB-hv5i-oAISvj'), LVID);
  assert.equal(plainLvmId(LVID), LVID);
});

test('kpartx child and parent names (kpartx.c:117-130; testbed: ...disk--0p1, loop0p1, vmdisk1)', () => {
  const cases: { parent: string; n: number; delim?: string; child: string }[] = [
    { parent: 'ssd--ha01-vm--100--disk--0', n: 1, child: 'ssd--ha01-vm--100--disk--0p1' },
    { parent: 'loop0', n: 1, child: 'loop0p1' },
    { parent: 'vmdisk', n: 1, child: 'vmdisk1' },
    { parent: 'vmdisk', n: 12, child: 'vmdisk12' },
    { parent: 'pve-vm--100--cloudinit', n: 3, child: 'pve-vm--100--cloudinit3' },
    // udev runs `kpartx -p -part` for multipath maps (kpartx.rules)
    { parent: 'mpatha', n: 2, delim: '-part', child: 'mpatha-part2' },
    {
      parent: '3600a098038303053453f463045727a41',
      n: 1,
      delim: '-part',
      child: '3600a098038303053453f463045727a41-part1',
    },
  ];
  for (const c of cases) {
    assert.equal(kpartxChildName(c.parent, c.n, c.delim), c.child, `child of ${c.parent}`);
    assert.equal(kpartxParentName(c.child, c.n), c.parent, `parent of ${c.child}`);
  }
  // 'xp1' is the child of 'xp' (no digit at its end, no delimiter), not of 'x'; 'p1' of 'p'
  assert.equal(kpartxParentName('xp1', 1), 'xp');
  assert.equal(kpartxParentName('p1', 1), 'p');
  // wrong partition number or no suffix at all
  for (const [child, n] of [
    ['vmdisk12', 2],
    ['loop0p1', 2],
    ['mpathb', 1],
    ['1', 1],
  ] as const) {
    assert.equal(kpartxParentName(child, n), null, `${child} #${n}`);
  }
});

// derived/dm_name_examples_observed.tsv: names and UUIDs from public reports plus constructed rows.
test('corpus: every row of dm_name_examples_observed.tsv', (t) => {
  if (!haveCorpus(t, 'derived', 'dm_name_examples_observed.tsv')) return;
  const rows = readCorpus('derived', 'dm_name_examples_observed.tsv')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const [vg, lv, layerText, dmName, dmUuid] = l.split('\t');
      return { vg, lv, layerText, dmName, dmUuid };
    });
  assert.ok(rows.length >= 10, `only ${rows.length} rows`);
  const lvmIds = new Map<string, { vgId: string; lvId: string }[]>();
  for (const r of rows) {
    const split = splitDmName(r.dmName);
    assert.ok(split, `split ${r.dmName}`);
    assert.equal(split.vg, r.vg, `${r.dmName}: vg`);
    const comp = splitComponent(split.lv);
    // The lv column names the top-level LV; a hidden sub-LV (data_tmeta) belongs to it.
    assert.equal(comp ? comp.top : split.lv, r.lv, `${r.dmName}: lv`);
    assert.equal(buildDmName(split.vg, split.lv, split.layer), r.dmName, `${r.dmName}: round trip`);
    // Constructed rows write the ids as <vg32><lv32>: put real-looking ids there.
    const uuid = r.dmUuid.replace(/<vg32>/, VGID).replace(/<(lv|pool)32>/, LVID);
    const u = parseDmUuid(uuid);
    assert.equal(u.kind, 'lvm', `${r.dmName}: ${uuid}`);
    if (u.kind !== 'lvm') continue;
    assert.equal(`LVM-${u.vgId}${u.lvId}${u.suffix ? `-${u.suffix}` : ''}`, uuid);
    // The UUID suffix is the layer or the component the name shows.
    if (split.layer) assert.equal(u.suffix, split.layer, `${r.dmName}: layer vs uuid suffix`);
    else if (comp) assert.equal(u.suffix, comp.component, `${r.dmName}: component vs uuid suffix`);
    else assert.ok(['', 'pool', 'tpool'].includes(u.suffix), `${r.dmName}: suffix ${u.suffix}`);
    if (uuid === r.dmUuid) lvmIds.set(r.dmName, [...(lvmIds.get(r.dmName) ?? []), u]);
  }
  // OpenNebula/one#3233: the same DM name re-created: same VG id, another LV id (facts §6).
  const twice = [...lvmIds.values()].find((ids) => ids.length === 2);
  assert.ok(twice, 'the re-created name appears twice');
  assert.equal(twice[0].vgId, twice[1].vgId);
  assert.notEqual(twice[0].lvId, twice[1].lvId);
});
