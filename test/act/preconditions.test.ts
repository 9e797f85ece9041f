// assertSafe, the gate `clean` and `restore` pass on the first look and again under the locks before every
// action: every refusal of check-safety.ts is carried in one RefusedError (a CheckError: exit 3), its message
// naming each reason, so the person sees all that is wrong at once, not the first of several.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSafe, RefusedError } from '../../src/act/preconditions';
import { parseNode } from '../../src/core/node/node-view';
import { CheckError } from '../../src/core/vocab/errors';
import type { DmResult } from '../../src/core/vocab/types';
import { bareSnapshot } from '../helpers/bare-snapshot';

function analysis(files: Record<string, string>) {
  const snap = bareSnapshot(files);
  return { view: parseNode(snap), result: { entries: [], guests: [] } as unknown as DmResult };
}

const MOUNTED = { mounted: true, detail: 'fuse /dev/fuse' };
const standalone = { '/etc/pve/.members': '{"nodename":"pve1","version":1}' };
const noQuorum = {
  '/etc/pve/.members': JSON.stringify({
    nodename: 'pve1',
    version: 3,
    cluster: { name: 'lab', version: 2, nodes: 2, quorate: 0 },
    nodelist: { pve1: { id: 1, online: 1 }, pve2: { id: 2, online: 0 } },
  }),
};

describe('assertSafe: every refusal in one error', () => {
  it('a healthy standalone node with pmxcfs mounted passes', () => {
    assert.doesNotThrow(() => assertSafe(analysis(standalone), MOUNTED));
  });

  const cases: [string, Record<string, string>, { mounted: boolean; detail: string }, string[]][] = [
    ['quorum lost', noQuorum, MOUNTED, ['not-quorate']],
    [
      '/etc/pve not mounted and no .members',
      {},
      { mounted: false, detail: 'no mount at /etc/pve' },
      ['pve-not-mounted', 'members'],
    ],
    [
      'not mounted and not quorate',
      noQuorum,
      { mounted: false, detail: 'ext4 /dev/sda1' },
      ['pve-not-mounted', 'not-quorate'],
    ],
  ];
  for (const [name, files, mount, codes] of cases) {
    it(name, () => {
      let caught: unknown;
      try {
        assertSafe(analysis(files), mount);
      } catch (e) {
        caught = e;
      }
      assert.ok(caught instanceof RefusedError, 'refused');
      assert.ok(caught instanceof CheckError, 'a CheckError: exit 3');
      assert.deepEqual(
        caught.refusals.map((r) => r.code),
        codes,
      );
      assert.equal(caught.message, `refusing to act: ${caught.refusals.map((r) => r.message).join('; ')}`);
      for (const r of caught.refusals) assert.ok(r.message.length > 0);
      if (codes.includes('pve-not-mounted')) assert.match(caught.message, new RegExp(mount.detail));
      if (codes.includes('not-quorate')) assert.match(caught.message, /cluster 'lab' is not quorate/);
    });
  }
});
