// The objects made once per volume, snapshot LV, task or guest row share one hidden class. On Node 18
// and 20 (V8 up to 11.3) `{ ...x, key }`, where x lacks `key`, gives every result a hidden class of its own
// after the first few: each costs a map and a descriptor array, and every later read of such objects a
// megamorphic lookup. The reference index's hits alone were 3.6 % of the instructions of `volumes --json`
// at 5,000 zvols and 5,000 files, and the dashboard's 400 guest rows took 6.7 ms instead of 0.27 ms under
// serve's --lite-mode (docs/performance.md, fifteenth session). Node 22 and later share the class either
// way, so only a run on Node 18 or 20 (CI's) can see a spread come back; on later Nodes this passes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { parseNode } from '../../src/core/node/node-view';
import { parseActiveTasks } from '../../src/core/parse/pmxcfs';
import { parseSnapshotLv } from '../../src/core/parse/volume-name';
import type { CheckDocument, GuestHealth } from '../../src/core/vocab/types';
import { referenceIndex } from '../../src/core/volumes/volume-references';
import { dashboardView } from '../../src/render/dashboard-view';
import { snapshot } from '../helpers/storage-snapshot';
import { buildDoc, dmResult } from '../serve/sample';

// V8's own test of two objects' hidden class, compiled after the flag that allows it is set.
setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

/** How many hidden classes the objects have (V8 shares them past the first few calls, or never). */
function classes(objects: object[]): number {
  const seen: object[] = [];
  for (const o of objects) if (!seen.some((s) => haveSameMap(s, o))) seen.push(o);
  return seen.length;
}

const N = 40;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test('hidden classes: 40 snapshot LVs, resolved or not, give objects of one class', () => {
  const volumes = new Set(range(N / 2).map((i) => `vm-${100 + i}-disk-0`));
  const snaps = range(N).map((i) => parseSnapshotLv(`snap_vm-${100 + i}-disk-0_before${i}`, { volumes })!);
  assert.deepEqual(
    snaps.map((s) => s.resolved),
    range(N).map((i) => i < N / 2),
  );
  assert.equal(classes(snaps), 1);
});

test('hidden classes: 40 running tasks give objects of one class', () => {
  const text = range(N)
    .map((i) => `UPID:pve1:000B7C${(16 + i).toString(16)}:0A1B2C3D:67A1B2C3:qmstart:${100 + i}:root@pam: 1`)
    .join('\n');
  const tasks = parseActiveTasks(text);
  assert.equal(tasks.length, N);
  assert.equal(classes(tasks), 1);
});

test('hidden classes: the reference index of 40 configs, by volume ID, base and path, gives hits of one class', () => {
  const files: Record<string, string> = {
    '/etc/pve/storage.cfg':
      'zfspool: tank\n\tpool tank\n\tcontent images\n\ndir: local\n\tpath /var/lib/vz\n\tcontent images\n',
  };
  for (const i of range(N))
    files[`/etc/pve/nodes/pve1/qemu-server/${200 + i}.conf`] =
      `scsi0: tank:base-100-disk-0/vm-${200 + i}-disk-0,size=8G\nscsi1: /var/lib/vz/images/${200 + i}/vm-${200 + i}-disk-1.raw\n`;
  const hits = [...referenceIndex(parseNode(snapshot({ files })).pve).values()].flat();
  assert.equal(hits.filter((h) => h.asBase).length, N, 'each config names the linked clone base');
  assert.equal(hits.filter((h) => h.ref.path).length, N, 'and a volume by path');
  assert.equal(classes(hits), 1);
});

test("hidden classes: the dashboard's 40 guest rows are objects of one class", () => {
  const guests: GuestHealth[] = range(N).map((i) => ({
    vmid: 100 + i,
    type: i % 2 ? 'lxc' : 'qemu',
    name: `g${i}`,
    node: 'pve1',
    status: 'running',
    lock: i % 3 ? null : 'backup',
    health: 'ok',
    issues: 0,
    volumes: 1,
  }));
  const doc: CheckDocument = buildDoc({ dm: { ...dmResult([]), guests }, mounts: null, scannedAt: null });
  const rows = dashboardView(doc).guests;
  assert.equal(rows.length, N);
  assert.equal(classes(rows), 1);
});
