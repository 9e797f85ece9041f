// Which part leads the summaries (core/findings/summary.ts partOrder): device-mapper on a node with LVM
// storage, the guest volumes and the mounts on a ZFS or Ceph node (device-mapper last); the JSON summary
// line and the dashboard's parts (overview, last scans, history) follow it. A volumes part that could not
// run says why, never "0 valid of 0".
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasDmStorage, partOrder, summaryLine } from '../../src/core/findings/summary';
import type { CheckDocument, DmEntry } from '../../src/core/vocab/types';
import { unknownVolumes } from '../../src/core/volumes/classify-volumes';
import { dashboardView } from '../../src/render/dashboard-view';
import { dmEntry, dmResult, mountsResult } from '../serve/sample';

const hostLv = dmEntry({ storage: null, status: 'ignored', reason: 'not-pve-storage', vmid: null, volume: null });
const guestLv = dmEntry({});
const volumes = { ...unknownVolumes('x'), status: 0 as const, error: undefined };
delete (volumes as { error?: string }).error;

function doc(dm: DmEntry[] | 'error', withVolumes = true): CheckDocument {
  const d =
    dm === 'error'
      ? { ...dmResult([], 3), error: 'dmsetup: not found' }
      : dmResult(dm, dm.some((e) => e.status === 'orphan') ? 1 : 0);
  return {
    schemaVersion: 1,
    generatedAt: '2026-11-25T12:00:00.000Z',
    node: 'pve1',
    dm: d,
    mounts: mountsResult([]),
    ...(withVolumes ? { volumes } : {}),
    status: d.status,
  };
}

describe('the part that leads: what the node has', () => {
  const rows: { what: string; d: CheckDocument; dm: boolean; order: string[] }[] = [
    { what: 'LVM storage (a guest LV)', d: doc([guestLv, hostLv]), dm: true, order: ['dm', 'mounts', 'volumes'] },
    {
      what: 'ZFS node: only the root LV, no LVM storage',
      d: doc([hostLv]),
      dm: false,
      order: ['volumes', 'mounts', 'dm'],
    },
    { what: 'no device-mapper device at all', d: doc([]), dm: false, order: ['volumes', 'mounts', 'dm'] },
    {
      what: 'a DM finding on a node without LVM storage',
      d: doc([{ ...hostLv, status: 'orphan' }]),
      dm: true,
      order: ['dm', 'mounts', 'volumes'],
    },
    {
      what: 'device-mapper could not be checked: it leads',
      d: doc('error'),
      dm: true,
      order: ['dm', 'mounts', 'volumes'],
    },
    { what: 'dm and mounts only', d: doc([hostLv], false), dm: false, order: ['mounts', 'dm'] },
  ];
  for (const r of rows)
    test(r.what, () => {
      assert.equal(hasDmStorage(r.d), r.dm);
      assert.deepEqual(partOrder(r.d), r.order);
      // The JSON summary line and the dashboard's parts in that order.
      const line = summaryLine(r.d);
      const at = (p: string) => line.indexOf(p === 'dm' ? 'device-mapper part' : `${p}:`);
      assert.deepEqual(
        [...r.order].sort((a, b) => at(a) - at(b)),
        r.order,
        line,
      );
      assert.deepEqual(
        dashboardView(r.d).parts.map((p) => p.id),
        r.order,
      );
    });
});

test('a volumes part that could not run says why, never "0 valid of 0"', () => {
  const d = {
    ...doc([hostLv]),
    volumes: unknownVolumes('first scan running: the first volumes scan has not finished yet'),
  };
  const line = summaryLine(d);
  assert.match(line, /^volumes could not be checked: first scan running/);
  assert.doesNotMatch(line, /0 valid of 0/);
});
