// couldNotCheck: the one list of what a check could not see, which the notification and /healthz print.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { couldNotCheck } from '../../src/core/findings/could-not-check';

const volume = (n: number, status: string) => ({ volid: `ceph-vm:vm-${n}-disk-0`, status, detail: `why ${n}` });

test('couldNotCheck: failed parts, the DM part in part, unchecked mounts, undecided volumes (10 named)', () => {
  const cases: [string, Parameters<typeof couldNotCheck>[0], string[]][] = [
    ['nothing', {}, []],
    [
      'a failed part of each',
      {
        dm: { error: 'lvs timed out' } as any,
        mounts: { error: 'mount table empty', entries: [] } as any,
        volumes: { error: 'zfs list failed', entries: [] } as any,
      },
      ['device-mapper: lvs timed out', 'mounts: mount table empty', 'volumes: zfs list failed'],
    ],
    [
      'DM in part: unchecked, else its warnings',
      { dm: { status: 3, unchecked: ['thin pools: dmsetup status cut'], warnings: ['w'] } as any },
      ['device-mapper: thin pools: dmsetup status cut'],
    ],
    [
      'DM in part without unchecked',
      { dm: { status: 3, warnings: ['vg-san: missing PV'] } as any },
      ['device-mapper: vg-san: missing PV'],
    ],
    ['DM OK says nothing', { dm: { status: 1, warnings: ['w'] } as any }, []],
    [
      'a mount table in part',
      {
        mounts: {
          status: 3,
          entries: [
            { scope: 'ct', ctid: 110, target: '/mnt/x', status: 'unchecked', detail: 'mountinfo unreadable' },
            { scope: 'host', ctid: null, target: '/mnt/y', status: 'ok' },
          ],
        } as any,
      },
      ['mounts: CT 110 /mnt/x: mountinfo unreadable'],
    ],
    [
      'volumes in part',
      { volumes: { status: 3, entries: [volume(1, 'unknown'), volume(2, 'orphan')] } as any },
      ['volumes: ceph-vm:vm-1-disk-0: why 1'],
    ],
  ];
  for (const [name, parts, want] of cases) assert.deepEqual(couldNotCheck(parts), want, name);
  const many = couldNotCheck({
    volumes: { status: 3, entries: Array.from({ length: 13 }, (_, i) => volume(i, 'unknown')) } as any,
  });
  assert.equal(many.length, 11);
  assert.equal(many[10], 'volumes: 3 more volumes undecided');
});
