import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNode } from '../../src/core/node/node-view';
import { classifyStorage as classifyStorageOfView } from '../../src/core/storage/classify-storage';
import { filterAccepts, filterRejects, parseLvmConf } from '../../src/core/storage/classify-storage-host';
import type { Config } from '../../src/core/vocab/config';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import type { DmResult } from '../../src/core/vocab/types';
import { emptyDm, snapshot, testbed } from '../helpers/storage-snapshot';

/** The storage rules on a raw snapshot, parsed as the product does (parseNode). */
const classifyStorage = (snap: HostSnapshot, dm: DmResult, config: Config) =>
  classifyStorageOfView(parseNode(snap), dm, config);

// A devices section like that of a PVE 7/8 node (global_filter rejecting ZFS zvols and Ceph rbd devices),
// plus commented defaults as lvm2 ships them.
const PVE_LVM_CONF = `devices {
\t# Configuration option devices/global_filter.
\t# global_filter = [ "a|.*|" ]
\t# scan_lvs = 0
\tglobal_filter=["r|/dev/zd.*|","r|/dev/rbd.*|"]
}
`;

test('lvm.conf settings that decide whether guest disks are scanned', () => {
  assert.deepEqual(parseLvmConf(PVE_LVM_CONF), {
    scanLvs: false,
    globalFilter: ['r|/dev/zd.*|', 'r|/dev/rbd.*|'],
    filter: null,
  });
  const multi =
    'devices {\n  scan_lvs = 1\n  global_filter = [ "a|^/dev/sd[a-z]+[0-9]*$|", # disks\n     "r|.*|" ]\n}\n';
  assert.deepEqual(parseLvmConf(multi), {
    scanLvs: true,
    globalFilter: ['a|^/dev/sd[a-z]+[0-9]*$|', 'r|.*|'],
    filter: null,
  });
  assert.deepEqual(parseLvmConf(''), { scanLvs: false, globalFilter: null, filter: null });
});

test('lvm2 filter semantics: first match per name, one accepted name accepts the device', () => {
  const names = ['/dev/mapper/pve-vm--100--disk--0', '/dev/pve/vm-100-disk-0', '/dev/dm-4'];
  const cases: { patterns: string[]; accepts: boolean }[] = [
    { patterns: [], accepts: true },
    { patterns: ['r|/dev/zd.*|', 'r|/dev/rbd.*|'], accepts: true },
    { patterns: ['r|/dev/mapper/pve-vm--.*|'], accepts: false },
    // A catch-all accept after the reject: /dev/dm-4 matches only the accept, so the device is accepted.
    { patterns: ['r|/dev/mapper/pve-vm--.*|', 'a|.*|'], accepts: true },
    { patterns: ['a|^/dev/sd.*|', 'r|.*|'], accepts: false },
    { patterns: ['bogus', 'r/pve-vm/'], accepts: false },
  ];
  for (const c of cases) assert.equal(filterAccepts(c.patterns, names), c.accepts, c.patterns.join(' '));
  assert.equal(filterRejects(parseLvmConf(PVE_LVM_CONF), 'pve', 'vm-100-disk-0'), false);
});

test('lvm-filter finding only when scan_lvs = 1 lets the host scan guest LVs', () => {
  const run = (conf: string) =>
    classifyStorage(
      snapshot({ commands: { lvs: testbed.lvs_full }, files: { '/etc/lvm/lvm.conf': conf } }),
      emptyDm(),
      {},
    ).filter((f) => f.kind === 'lvm-filter');
  assert.deepEqual(run(PVE_LVM_CONF), [], 'scan_lvs defaults to 0');
  const scanning = PVE_LVM_CONF.replace('}', '\tscan_lvs = 1\n}');
  const [f] = run(scanning);
  assert.equal(f.severity, 'warning');
  assert.deepEqual(f.fix, [
    '# in the devices { } section of /etc/lvm/lvm.conf (keep rejects before any "a|.*|"):',
    '# global_filter = [ "r|/dev/mapper/pve-vm--.*|", "r|/dev/mapper/pve-base--.*|", "r|/dev/zd.*|", "r|/dev/rbd.*|" ]',
    'update-initramfs -u -k all',
  ]);
  // With the recommended filter in place the finding is gone.
  const fixed = scanning.replace('global_filter=["r|/dev/zd.*|","r|/dev/rbd.*|"]', f.fix[1].replace(/^# /, ''));
  assert.deepEqual(run(fixed), []);
});
