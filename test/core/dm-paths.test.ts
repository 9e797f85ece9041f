// What a device path of a config names (core/dm/dm-paths.ts): through the node's links to a device,
// never by its text alone while the links say where it leads; unresolved where nothing can tell.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makePathResolver, type PathIndex, type PathReading } from '../../src/core/dm/dm-paths';

const VG_ID = 'a'.repeat(32);
const LV_ID = 'b'.repeat(32);
const MAPS: Record<string, { kname: string; name: string; devno: string; lv: { vg: string; lv: string } | null }> = {
  db: { kname: 'dm-20', name: 'pve-vm--150--disk--0', devno: '252:20', lv: { vg: 'pve', lv: 'vm-150-disk-0' } },
  mp: { kname: 'dm-0', name: 'mpatha', devno: '252:0', lv: null },
};
const find = (k: 'kname' | 'name' | 'devno', v: string) => {
  const m = Object.values(MAPS).find((x) => x[k] === v);
  return m ? m.lv : undefined;
};
const LVS = new Set(['pve/vm-150-disk-0', 'pve/vm-100-disk-0', 'san/vm-300-disk-0']);

function index(paths: PathIndex['paths'], links: Record<string, string> = {}): PathIndex {
  return {
    localNode: 'pve1',
    paths,
    links,
    byUuid: (v, l) => (v === VG_ID && l === LV_ID ? { vg: 'san', lv: 'vm-300-disk-0' } : null),
    lvOfKname: (k) => find('kname', k),
    lvOfDmName: (n) => find('name', n),
    lvOfDevno: (d) => find('devno', d),
    dmMajors: new Set(['252']),
    lvExists: (vg, lv) => LVS.has(`${vg}/${lv}`),
  };
}

const DB = { vg: 'pve', lv: 'vm-150-disk-0' };
const unresolved = (r: PathReading) => r !== null && 'unresolved' in r;

test('with the gathered table: the device number decides, whatever the text spells', () => {
  const table: PathIndex['paths'] = {
    '/dev/vmdisks/db01': { path: '/dev/dm-20', devno: '252:20' },
    '/dev/block/252:20': { path: '/dev/dm-20', devno: '252:20' },
    // Text that spells another LV: the link wins.
    '/dev/pve/vm-100-disk-0': { path: '/dev/dm-20', devno: '252:20' },
    '/dev/disk/by-id/wwn-0x5000': { path: '/dev/sdb', devno: '8:16' },
    '/dev/mapper/mpatha': { path: '/dev/dm-0', devno: '252:0' },
    '/dev/vmdisks/stale': { path: '/dev/dm-31', devno: '252:31' },
    '/dev/dri': { path: '/dev/dri' },
    '/dev/vmdisks/sim': { path: '/dev/dm-20' }, // no device node (a simulated node): its final name
    '/dev/vmdisks/sim-gone': { path: '/dev/dm-44' },
    '/dev/vmdisks/gone': null,
    '/dev/pve/vm-100-disk-0-inactive': null,
    '/dev/pve/vm-100-disk-0x': null,
    '/dev/ttyUSB0': null,
    // Links that go round: whatever the text spells (a by-path name is never an LV's), nothing is known.
    '/dev/disk/by-path/ip-10.0.0.9:3260-iscsi-lun-7': {
      path: '/dev/disk/by-path/ip-10.0.0.9:3260-iscsi-lun-7',
      loop: true,
    },
    '/dev/pve/vm-150-disk-0': { path: '/dev/pve/vm-150-disk-0', loop: true },
  };
  const r = makePathResolver(index(table));
  const rows: [string, PathReading | 'unresolved'][] = [
    ['/dev/vmdisks/db01', DB],
    ['/dev/block/252:20', DB],
    ['/dev/pve/vm-100-disk-0', DB],
    ['/dev/disk/by-id/wwn-0x5000', null],
    ['/dev/mapper/mpatha', null],
    ['/dev/vmdisks/stale', 'unresolved'],
    ['/dev/dri', null],
    ['/dev/vmdisks/sim', DB],
    ['/dev/vmdisks/sim-gone', 'unresolved'],
    ['/dev/vmdisks/gone', 'unresolved'],
    ['/dev/pve/vm-100-disk-0x', 'unresolved'], // missing, and no such LV
    ['/dev/ttyUSB0', null], // unplugged: a character device's name
    ['/dev/not-in-table', 'unresolved'],
    ['/dev/disk/by-path/ip-10.0.0.9:3260-iscsi-lun-7', 'unresolved'],
    ['/dev/pve/vm-150-disk-0', 'unresolved'],
    [`/dev/disk/by-id/dm-uuid-LVM-${VG_ID}${LV_ID}`, { vg: 'san', lv: 'vm-300-disk-0' }],
  ];
  for (const [path, want] of rows) {
    const got = r(path, 'pve1');
    if (want === 'unresolved') assert.ok(unresolved(got), `${path}: ${JSON.stringify(got)}`);
    else assert.deepEqual(got, want, path);
  }
  // Missing now but the text spells an LV this node has (an inactive LV has no /dev/<vg>/<lv>).
  assert.deepEqual(makePathResolver(index({ '/dev/pve/vm-100-disk-0': null }))('/dev/pve/vm-100-disk-0', 'pve1'), {
    vg: 'pve',
    lv: 'vm-100-disk-0',
  });
});

test('another node’s path: its text names an LV of this node only when the LV exists; a disk’s name none', () => {
  const r = makePathResolver(index({ '/dev/vmdisks/db01': { path: '/dev/dm-20', devno: '252:20' } }));
  assert.deepEqual(r('/dev/san/vm-300-disk-0', 'pve2'), { vg: 'san', lv: 'vm-300-disk-0' });
  // This node's link table says nothing of pve2's /dev.
  assert.ok(unresolved(r('/dev/vmdisks/db01', 'pve2')));
  assert.ok(unresolved(r('/dev/block/252:20', 'pve2')));
  assert.equal(r('/dev/sdc', 'pve2'), null);
  assert.equal(r('/dev/disk/by-id/scsi-36001405abc', 'pve2'), null);
  assert.deepEqual(r(`/dev/disk/by-id/dm-uuid-LVM-${VG_ID}${LV_ID}`, 'pve2'), { vg: 'san', lv: 'vm-300-disk-0' });
});

test('an older snapshot (no table): its links, then the text of an LV that exists, else unresolved', () => {
  const r = makePathResolver(index(null, { '/dev/vmdisks/db01': '/dev/dm-20', '/dev/disk/by-id/x': '/dev/sdb' }));
  assert.deepEqual(r('/dev/vmdisks/db01', 'pve1'), DB);
  assert.equal(r('/dev/disk/by-id/x', 'pve1'), null);
  assert.deepEqual(r('/dev/pve/vm-100-disk-0', 'pve1'), { vg: 'pve', lv: 'vm-100-disk-0' });
  assert.deepEqual(r('/dev/dm-20', 'pve1'), DB);
  assert.ok(unresolved(r('/dev/vmdisks/other', 'pve1')));
  assert.ok(unresolved(r('/dev/block/252:20', 'pve1')));
});
