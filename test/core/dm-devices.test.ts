// Each map's identity by its UUID, the name only a hint (core/node/dm-devices.ts buildDevices). lvm2 sets
// `LVM-<vg id><lv id>[-<layer>]` on every map it activates (lib/activate/dev_manager.c build_dm_uuid:
// `-tpool`, `-pool`, `-real`, `-cow`...; hidden sub-LVs such as `[data_tdata]` carry their own LV id),
// kpartx `part<N>-<parent uuid>`, multipath `mpath-<wwid>`, cryptsetup `CRYPT-...`; a map made by
// `dmsetup create` without -u has none. Holders come from `dmsetup deps`, holding processes from the
// fds a process has open on /dev/dm-N, /dev/mapper/<name> or the /dev/<vg>/<lv> link (udev).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildDevices, type Identity, targetKeyOf } from '../../src/core/node/dm-devices';
import { buildLvmView } from '../../src/core/node/lvm-view';
import { buildDmName } from '../../src/core/parse/dm-name';
import type { DmInfo, DmSegment } from '../../src/core/parse/parse-dmsetup';
import type { LvRow } from '../../src/core/parse/parse-lvm';
import { redactCommandLine } from '../../src/core/redact/redact';
import type { ProcessInfo } from '../../src/core/vocab/snapshot';
import { dmInfo, lv, vgOf } from '../helpers/node-view';

const root = lv('pve', 'root', { active: true });
const disk = lv('pve', 'vm-100-disk-0', { segtype: 'thin', pool: 'data', attr: 'Vwi-aotz--' });
const data = lv('pve', 'data', { segtype: 'thin-pool', attr: 'twi-aotz--' });
const tdata = lv('pve', 'data_tdata', { hidden: true, attr: 'Twi-ao----' });
const lvol = lv('pve', 'lvol0_pmspare', { hidden: true, attr: 'ewi-------' });
const snapOrigin = lv('pve', 'vm-101-disk-0', { attr: 'owi-aos---' });
const mirror = lv('pve', 'mirror', { segtype: 'raid1', attr: 'rwi-a-r---' });
const mimage = lv('pve', 'mirror_rimage_0', { hidden: true, attr: 'iwi-aor---' });
const legacyPool = lv('pve', 'legacy', { segtype: 'linear', attr: 'twi-a-----' });
const pvmove = lv('pve', 'pvmove0', { hidden: true, attr: 'p-C-aor---' });
const ROWS: LvRow[] = [pvmove, root, disk, data, tdata, lvol, snapOrigin, mirror, mimage, legacyPool];
const lvm = buildLvmView({ lvs: ROWS, lvsError: null, lvsTimedOut: false, vgs: [vgOf('pve', ROWS)], vgsError: null });
const noLvs = buildLvmView({ lvs: null, lvsError: 'lvs timed out', lvsTimedOut: true, vgs: null, vgsError: 'x' });

const uuidOf = (row: LvRow, suffix = '') => `LVM-${row.vgUuid}${row.uuid}${suffix ? `-${suffix}` : ''}`;
const OTHER_ID = 'Q'.repeat(32);
let minor = 0;
const info = (name: string, uuid: string): DmInfo => dmInfo(name, uuid, ++minor);
const lin = (length: number): DmSegment => ({ start: 0, length, target: 'linear', params: '8:3 2048' });

test('buildDevices: what LV each map belongs to, by its UUID', () => {
  const cases: [string, DmInfo, Identity, typeof lvm?][] = [
    ['an LV’s own map', info('pve-root', uuidOf(root)), { kind: 'lv', lv: root }],
    ['a thin volume', info('pve-vm--100--disk--0', uuidOf(disk)), { kind: 'lv', lv: disk }],
    [
      'an LV renamed while active (the old map keeps the old name)',
      info('pve-vm--100--disk--9', uuidOf(disk)),
      { kind: 'renamed', lv: disk, vg: 'pve', nameLv: 'vm-100-disk-9' },
    ],
    [
      'an LV UUID under a name that decodes as no VG/LV',
      info('weird', uuidOf(disk)),
      { kind: 'renamed', lv: disk, vg: 'pve', nameLv: 'weird' },
    ],
    [
      'the pool’s -tpool layer',
      info('pve-data-tpool', uuidOf(data, 'tpool')),
      { kind: 'layer', vg: 'pve', top: 'data', layer: 'tpool', thinPool: true },
    ],
    [
      'the pool’s -pool layer',
      info('pve-data', uuidOf(data, 'pool')),
      { kind: 'layer', vg: 'pve', top: 'data', layer: 'pool', thinPool: true },
    ],
    [
      'the hidden data LV of the pool (its own LV id)',
      info('pve-data_tdata', uuidOf(tdata)),
      { kind: 'layer', vg: 'pve', top: 'data', layer: 'tdata', thinPool: true },
    ],
    [
      'a -tdata layer of an LV lvs does not know',
      info('pve-gone_tdata', `LVM-${root.vgUuid}${OTHER_ID}-tdata`),
      { kind: 'layer', vg: 'pve', top: 'gone', layer: 'tdata', thinPool: true },
    ],
    [
      'a -tpool layer of a VG lvs does not know',
      info('old-gone-tpool', `LVM-${'Z'.repeat(32)}${OTHER_ID}-tpool`),
      { kind: 'layer', vg: 'old', top: 'gone', layer: 'tpool', thinPool: true },
    ],
    [
      'a -tpool layer nothing names',
      info('-', `LVM-${'Z'.repeat(32)}${OTHER_ID}-tpool`),
      { kind: 'layer', vg: '', top: '', layer: 'tpool', thinPool: true },
    ],
    [
      'the -real layer of a snapshot origin',
      info('pve-vm--101--disk--0-real', uuidOf(snapOrigin, 'real')),
      { kind: 'layer', vg: 'pve', top: 'vm-101-disk-0', layer: 'real', thinPool: false },
    ],
    [
      'a -real layer of a hidden sub-LV',
      info('pve-mirror_rimage_0-real', uuidOf(mimage, 'real')),
      { kind: 'layer', vg: 'pve', top: 'mirror', layer: 'real', thinPool: false },
    ],
    [
      'a -pool suffix on an old-style pool (lv_attr t, segtype linear)',
      info('pve-legacy-x', uuidOf(legacyPool, 'x')),
      { kind: 'layer', vg: 'pve', top: 'legacy', layer: 'x', thinPool: true },
    ],
    [
      'a -cow layer of an LV lvs does not know',
      info('pve-snap1-cow', `LVM-${root.vgUuid}${OTHER_ID}-cow`),
      { kind: 'layer', vg: 'pve', top: 'snap1', layer: 'cow', thinPool: false },
    ],
    [
      'a -cow layer of a hidden sub-LV lvs does not know',
      info('pve-m_rimage_1-cow', `LVM-${root.vgUuid}${OTHER_ID}-cow`),
      { kind: 'layer', vg: 'pve', top: 'm', layer: 'cow', thinPool: false },
    ],
    [
      'a -cow layer nothing names',
      info('-', `LVM-${root.vgUuid}${OTHER_ID}-cow`),
      { kind: 'layer', vg: 'pve', top: '', layer: 'cow', thinPool: false },
    ],
    [
      'a raid image (hidden sub-LV of a raid1 LV)',
      info('pve-mirror_rimage_0', uuidOf(mimage)),
      { kind: 'layer', vg: 'pve', top: 'mirror', layer: 'rimage', thinPool: false },
    ],
    [
      'the pool metadata spare (a component)',
      info('pve-lvol0_pmspare', uuidOf(lvol)),
      { kind: 'layer', vg: 'pve', top: 'lvol0', layer: 'pmspare', thinPool: false },
    ],
    [
      'a hidden LV that is no component (a running pvmove)',
      info('pve-pvmove0', uuidOf(pvmove)),
      { kind: 'layer', vg: 'pve', top: 'pvmove0', layer: 'hidden', thinPool: false },
    ],
    [
      'the thin pool LV itself',
      info('pve-data-x', uuidOf(data)),
      { kind: 'layer', vg: 'pve', top: 'data', layer: 'pool', thinPool: true },
    ],
    [
      'an old-style pool by its attr',
      info('pve-legacy', uuidOf(legacyPool)),
      { kind: 'layer', vg: 'pve', top: 'legacy', layer: 'pool', thinPool: true },
    ],
    [
      'an LVM map whose LV is gone, same name as an existing LV',
      info('pve-root', `LVM-${root.vgUuid}${OTHER_ID}`),
      { kind: 'no-lv', vg: 'pve', lv: 'root', vgKnown: true, sameName: root, uuidLess: false },
    ],
    [
      'an LVM map whose LV is gone, no such name',
      info('pve-vm--150--disk--0', `LVM-${root.vgUuid}${OTHER_ID}`),
      { kind: 'no-lv', vg: 'pve', lv: 'vm-150-disk-0', vgKnown: true, sameName: null, uuidLess: false },
    ],
    [
      'an LVM map of a VG lvs does not know',
      info('old-root', `LVM-${'Z'.repeat(32)}${OTHER_ID}`),
      { kind: 'no-lv', vg: 'old', lv: 'root', vgKnown: false, sameName: null, uuidLess: false },
    ],
    [
      'an LVM map of a VG lvs does not know, named like an existing LV',
      info('pve-root', `LVM-${'Z'.repeat(32)}${OTHER_ID}`),
      { kind: 'no-lv', vg: 'pve', lv: 'root', vgKnown: false, sameName: null, uuidLess: false },
    ],
    [
      'an LVM map of a VG lvs does not know, under no LVM name',
      info('-', `LVM-${'Z'.repeat(32)}${OTHER_ID}`),
      { kind: 'no-lv', vg: '', lv: '', vgKnown: false, sameName: null, uuidLess: false },
    ],
    [
      'an LVM map while lvs failed',
      info('pve-root', uuidOf(root)),
      { kind: 'no-lv', vg: 'pve', lv: 'root', vgKnown: false, sameName: null, uuidLess: false },
      noLvs,
    ],
    [
      // lvs timed out, vgs answered: with no LV list, the VG is not "known" for this map either.
      'an LVM map while lvs failed and vgs answered',
      info('pve-root', uuidOf(root)),
      { kind: 'no-lv', vg: 'pve', lv: 'root', vgKnown: false, sameName: null, uuidLess: false },
      buildLvmView({
        lvs: null,
        lvsError: 'lvs timed out',
        lvsTimedOut: true,
        vgs: [vgOf('pve', ROWS)],
        vgsError: null,
      }),
    ],
    [
      'an LVM map while lvs failed, under no LVM name',
      info('-', uuidOf(root)),
      { kind: 'no-lv', vg: '', lv: '', vgKnown: false, sameName: null, uuidLess: false },
      noLvs,
    ],
    [
      'a UUID-less map carrying an existing LV’s DM name (it blocks activating it)',
      info('pve-root', ''),
      { kind: 'no-lv', vg: 'pve', lv: 'root', vgKnown: true, sameName: root, uuidLess: true },
    ],
    [
      'a UUID-less map carrying the DM name of an LV that does not exist',
      info('pve-vm--150--disk--0', ''),
      { kind: 'other', what: 'no-uuid', namedLike: 'pve/vm-150-disk-0' },
    ],
    ['a UUID-less map named like a layer', info('pve-root-real', ''), { kind: 'other', what: 'no-uuid' }],
    ['a UUID-less map named like a sub-LV', info('pve-data_tdata', ''), { kind: 'other', what: 'no-uuid' }],
    ['a UUID-less map that is no LVM name', info('mycrypt', ''), { kind: 'other', what: 'no-uuid' }],
    [
      'a UUID-less map whose name decodes to an LV only unquoted differently',
      info('pve-vm-100-disk-0', ''),
      { kind: 'other', what: 'no-uuid' },
    ],
    ['a UUID-less map while lvs failed', info('pve-root', ''), { kind: 'other', what: 'no-uuid' }, noLvs],
    [
      // Splits as pve/root with an empty layer, but `pve-root` is the name LVM needs: this one blocks nothing.
      'a UUID-less map named like an LV with a trailing dash',
      info('pve-root-', ''),
      { kind: 'other', what: 'no-uuid' },
    ],
    ['a multipath map', info('mpatha', 'mpath-3600140'), { kind: 'other', what: 'mpath' }],
    ['a dm-crypt map', info('luks-1', 'CRYPT-LUKS2-abc-luks-1'), { kind: 'other', what: 'crypt' }],
    ['another subsystem', info('vdo0', 'VDO-abc'), { kind: 'other', what: 'VDO' }],
    ['a UUID starting with a dash', info('odd', '-abc'), { kind: 'other', what: 'unknown' }],
  ];
  for (const [what, i, want, view] of cases) {
    const { devices } = buildDevices([i], new Map(), new Map(), view ?? lvm, []);
    assert.deepEqual(devices[0].identity, want, what);
  }
});

test('buildDevices: a UUID-less map named after an LV of a VG known only by vgs', () => {
  const rows = [lv('san', 'vm-120-disk-0', { vgUuid: '' })];
  const v = buildLvmView({ lvs: rows, lvsError: null, lvsTimedOut: false, vgs: [vgOf('san', rows)], vgsError: null });
  const { devices } = buildDevices([info('san-vm--120--disk--0', '')], new Map(), new Map(), v, []);
  assert.deepEqual(devices[0].identity, {
    kind: 'no-lv',
    vg: 'san',
    lv: 'vm-120-disk-0',
    vgKnown: true,
    sameName: rows[0],
    uuidLess: true,
  });
  // Known only by an LV row's VG id (vgs without that VG): the id names it.
  const w = buildLvmView({
    lvs: rows.map((r) => ({ ...r, vgUuid: 'S'.repeat(32) })),
    lvsError: null,
    lvsTimedOut: false,
    vgs: [],
    vgsError: null,
  });
  const d = buildDevices([info('san-vm--120--disk--0', '')], new Map(), new Map(), w, []).devices[0].identity;
  assert.equal(d.kind === 'no-lv' && d.vgKnown, true);
  // Neither by vgs nor by any LV row's VG id (another VG's id is known): not known.
  const x = buildLvmView({ lvs: [...rows, root], lvsError: null, lvsTimedOut: false, vgs: [], vgsError: null });
  const e = buildDevices([info('san-vm--120--disk--0', '')], new Map(), new Map(), x, []).devices[0].identity;
  assert.equal(e.kind === 'no-lv' && e.vgKnown, false);
});

test('buildDevices: sizes, holders, partitions and what it found twice', () => {
  const pool = info('pve-data-tpool', uuidOf(data, 'tpool'));
  const vol = info('pve-vm--100--disk--0', uuidOf(disk));
  const part = info('pve-vm--100--disk--0p1', `part1-${uuidOf(disk)}`);
  const orphanPart = info('x1', 'part2-LVM-gone');
  const again = { ...info('pve-root', uuidOf(root)), major: vol.major, minor: vol.minor };
  const twin = { ...info('pve-root', uuidOf(root)) };
  const tables = new Map<string, DmSegment[]>([
    ['pve-data-tpool', [lin(100), { start: 100, length: 28, target: 'linear', params: '8:4 0' }]],
    ['pve-vm--100--disk--0', [lin(8)]],
  ]);
  const deps = new Map<string, string[]>([
    ['pve-vm--100--disk--0', [`252:${pool.minor}`, '8:3']],
    ['pve-vm--100--disk--0p1', [`252:${vol.minor}`]],
    ['x1', [`252:${vol.minor}`]],
  ]);
  const { devices, index, twice } = buildDevices([pool, vol, part, orphanPart, again, twin], tables, deps, lvm, []);
  const [p, v, pt, op] = devices;
  assert.equal(p.sizeBytes, 128 * 512);
  assert.equal(v.sizeBytes, 8 * 512);
  assert.equal(pt.sizeBytes, 0);
  assert.deepEqual(pt.segments, []);
  assert.equal(p.devno, `252:${pool.minor}`);
  assert.deepEqual(p.holders, ['pve-vm--100--disk--0']);
  assert.deepEqual(v.holders, ['pve-vm--100--disk--0p1', 'x1']);
  assert.deepEqual(pt.holders, []);
  assert.deepEqual(pt.deps, [`252:${vol.minor}`]);
  assert.deepEqual(p.deps, []);
  assert.deepEqual(pt.identity, { kind: 'partition', partition: 1, parent: 'pve-vm--100--disk--0' });
  assert.deepEqual(op.identity, { kind: 'partition', partition: 2, parent: null });
  assert.deepEqual([...twice.names], ['pve-root']);
  assert.deepEqual([...twice.uuids], [uuidOf(root)]);
  assert.deepEqual([...twice.devnos], [`252:${vol.minor}`]);
  // The index keeps the first of each.
  assert.equal(index.byName.get('pve-root'), devices[4]);
  assert.equal(index.byDevno.get(`252:${vol.minor}`), v);
  assert.equal(index.byKname.get(pool.kname), p);
  assert.equal(index.byKname.size, 6);
  // A map without a UUID is never "listed twice" by its empty UUID.
  const a = info('a', '');
  const b = info('b', '');
  assert.deepEqual([...buildDevices([a, b], new Map(), new Map(), lvm, []).twice.uuids], []);
});

test('buildDevices: which processes hold a map open, by the path of their fd', () => {
  const r = info('pve-root', uuidOf(root));
  const v = info('pve-vm--100--disk--0', uuidOf(disk));
  const t = info('pve-data-tpool', uuidOf(data, 'tpool'));
  const p = (pid: number, comm: string, cmdline: string[], fds?: string[]): ProcessInfo => ({
    pid,
    comm,
    cmdline,
    fds: fds as string[],
  });
  const procs = [
    p(
      10,
      'kvm',
      ['/usr/bin/kvm', '-id', '100', '-spice', 'password-secret=abc'],
      [`/dev/${v.kname}`, '/dev/mapper/pve-vm--100--disk--0', '/dev/pve/vm-100-disk-0'],
    ),
    p(11, 'qemu-img', [], ['/dev/pve/root']),
    p(12, 'dd', ['dd', 'if=/dev/mapper/pve-data-tpool'], ['/dev/mapper/pve-data-tpool', '/dev/pve/data-tpool']),
    p(13, 'bash', ['bash'], ['/dev/null', '/dev/pve', '/dev/dm-999', '/dev/mapper/nothing', '/dev/a/b/c']),
    p(14, 'cat', ['cat'], []),
    p(15, 'sleep', ['sleep'], undefined),
  ];
  const { devices } = buildDevices([r, v, t], new Map(), new Map(), lvm, procs);
  const held = (i: number) => devices[i].processes.map((x) => [x.pid, x.command, x.cmdline]);
  assert.deepEqual(held(0), [[11, 'qemu-img', undefined]]);
  // One entry per process, however many paths it holds the map by; the command line redacted.
  assert.equal(held(1).length, 1);
  assert.deepEqual(held(1)[0].slice(0, 2), [10, 'kvm']);
  assert.equal(held(1)[0][2], redactCommandLine(procs[0].cmdline).join(' '));
  // A layer is held by /dev/mapper only: /dev/pve/data-tpool is no LV link udev makes.
  assert.deepEqual(held(2), [[12, 'dd', 'dd if=/dev/mapper/pve-data-tpool']]);
  // Two processes on one map, in order.
  const two = buildDevices([r], new Map(), new Map(), lvm, [
    p(1, 'a', ['a'], ['/dev/pve/root']),
    p(2, 'b', ['b'], [`/dev/${r.kname}`]),
  ]);
  assert.deepEqual(
    two.devices[0].processes.map((x) => x.pid),
    [1, 2],
  );
});

test('targetKeyOf: one key for one segment, all joined for several, none when one has none', () => {
  const thin = (id: number): DmSegment => ({ start: 0, length: 8, target: 'thin', params: `252:5 ${id}` });
  const err: DmSegment = { start: 0, length: 8, target: 'error', params: '' };
  const one = targetKeyOf([thin(3)]);
  assert.ok(one);
  const two = targetKeyOf([lin(8), { start: 8, length: 8, target: 'linear', params: '8:4 0' }]);
  assert.ok(two?.includes('|'));
  assert.equal(two?.split('|').length, 2);
  assert.equal(targetKeyOf([err]), null);
  assert.equal(targetKeyOf([lin(8), err]), null);
  assert.equal(targetKeyOf([err, lin(8)]), null);
  assert.equal(targetKeyOf([]), null);
  assert.notEqual(targetKeyOf([thin(3)]), targetKeyOf([thin(4)]));
  assert.equal(buildDmName('pve', 'vm-100-disk-0'), 'pve-vm--100--disk--0');
});

// lvm2 reports a thin pool by its segment type and by lv_attr's first letter, and the two need not agree:
// lv_attr_dup_with_info_and_seg_status (lib/metadata/lv.c) writes 'p' for a pvmove and 'c' for an LV
// being converted before it gets to 't' (thin pool), and an old-style pool shows 't' over another
// segtype. Either one alone makes the LV a pool, for its own map, a layer of it and a hidden sub-LV.
test('buildDevices: a thin pool known by its segtype alone or by its lv_attr alone', () => {
  const conv = lv('pve', 'conv', { segtype: 'thin-pool', attr: 'cwi-aotz--' });
  const convTdata = lv('pve', 'conv_tdata', { hidden: true, attr: 'Twi-ao----' });
  const old = lv('pve', 'old', { segtype: 'linear', attr: 'twi-a-----' });
  const oldTmeta = lv('pve', 'old_tmeta', { hidden: true, attr: 'ewi-ao----' });
  const rows = [conv, convTdata, old, oldTmeta];
  const view = buildLvmView({
    lvs: rows,
    lvsError: null,
    lvsTimedOut: false,
    vgs: [vgOf('pve', rows)],
    vgsError: null,
  });
  const cases: [string, DmInfo, Identity][] = [
    [
      'the pool LV under conversion (lv_attr c, segtype thin-pool)',
      info('pve-conv', uuidOf(conv)),
      { kind: 'layer', vg: 'pve', top: 'conv', layer: 'pool', thinPool: true },
    ],
    [
      'a layer of the pool under conversion',
      info('pve-conv-x', uuidOf(conv, 'x')),
      { kind: 'layer', vg: 'pve', top: 'conv', layer: 'x', thinPool: true },
    ],
    [
      'the data sub-LV of the pool under conversion',
      info('pve-conv_tdata', uuidOf(convTdata)),
      { kind: 'layer', vg: 'pve', top: 'conv', layer: 'tdata', thinPool: true },
    ],
    [
      'the metadata sub-LV of an old-style pool (lv_attr t, segtype linear)',
      info('pve-old_tmeta', uuidOf(oldTmeta)),
      { kind: 'layer', vg: 'pve', top: 'old', layer: 'tmeta', thinPool: true },
    ],
  ];
  for (const [what, i, want] of cases) {
    const { devices } = buildDevices([i], new Map(), new Map(), view, []);
    assert.deepEqual(devices[0].identity, want, what);
  }
});

test('buildDevices: an LV map under another name is renamed, whichever part of the name differs', () => {
  // The UUID names pve/root; the map carries the DM name of old/root (a VG renamed while a stale map
  // kept the old name): the LV is the UUID's, the name only blocks `old/root` (design "Identity").
  const { devices } = buildDevices([info('old-root', uuidOf(root))], new Map(), new Map(), lvm, []);
  assert.deepEqual(devices[0].identity, { kind: 'renamed', lv: root, vg: 'pve', nameLv: 'root' });
});

test('buildDevices: a pool layer of an unknown LV takes its top from the _tdata/_tmeta ending only', () => {
  // lvm2 names a pool's sub-LVs `<pool>_tdata` and `<pool>_tmeta` (reserved endings, lvm-string.c; see
  // src/core/parse/dm-name.ts): only that ending is cut; the same letters inside a name are part of it.
  const unknown = (name: string, suffix: string) => info(name, `LVM-${root.vgUuid}${OTHER_ID}-${suffix}`);
  const cases: [DmInfo, string][] = [
    [unknown('pve-gone_tmeta-tpool', 'tpool'), 'gone'],
    [unknown('pve-a_tdatab-tpool', 'tpool'), 'a_tdatab'],
    [unknown('pve-a_tmetab_tdata-tpool', 'tpool'), 'a_tmetab'],
  ];
  for (const [i, top] of cases) {
    const id = buildDevices([i], new Map(), new Map(), lvm, []).devices[0].identity;
    assert.equal(id.kind === 'layer' ? id.top : id.kind, top, i.name);
  }
});

test('buildDevices: only /dev/mapper/NAME, /dev/dm-N and the /dev/VG/LV link itself name a map', () => {
  const r = info('pve-root', uuidOf(root));
  // A UUID-less map whose name splits into no VG/LV pair: /dev/pve/- is no link udev makes for it.
  const odd = info('pve---', '');
  const p = (pid: number, fd: string): ProcessInfo => ({ pid, comm: 'x', cmdline: [], fds: [fd] });
  const procs = [
    // A file elsewhere whose path ends like the LV's link (an image kept under a `dev/pve` directory).
    p(1, '/srv/backup/dev/pve/root'),
    // A path below the link: the link is a device, not a directory.
    p(2, '/dev/pve/root/x'),
    p(3, '/dev/pve/-'),
    p(4, '/dev/pve/root'),
  ];
  const { devices } = buildDevices([r, odd], new Map(), new Map(), lvm, procs);
  assert.deepEqual(
    devices[0].processes.map((x) => x.pid),
    [4],
  );
  assert.deepEqual(devices[1].processes, []);
  assert.equal(devices[1].split, null);
});
