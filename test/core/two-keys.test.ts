// Values under two names at once (core/node/two-keys.ts), as the LVM view keys LVs by (VG, LV): LVs of
// one VG are kept side by side, the same LV name in two VGs is two LVs, a second set replaces the value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getTwo, setTwo, type TwoKeys } from '../../src/core/node/two-keys';

test('setTwo/getTwo: LVs by (VG, LV name)', () => {
  const m: TwoKeys<string> = new Map();
  setTwo(m, 'pve', 'vm-100-disk-0', 'a');
  setTwo(m, 'pve', 'vm-101-disk-0', 'b');
  setTwo(m, 'nvme', 'vm-100-disk-0', 'c');
  assert.equal(getTwo(m, 'pve', 'vm-100-disk-0'), 'a');
  assert.equal(getTwo(m, 'pve', 'vm-101-disk-0'), 'b');
  assert.equal(getTwo(m, 'nvme', 'vm-100-disk-0'), 'c');
  assert.equal(getTwo(m, 'nvme', 'vm-101-disk-0'), undefined);
  assert.equal(getTwo(m, 'ssd', 'vm-100-disk-0'), undefined);
  setTwo(m, 'pve', 'vm-100-disk-0', 'd');
  assert.equal(getTwo(m, 'pve', 'vm-100-disk-0'), 'd');
  assert.equal(getTwo(m, 'pve', 'vm-101-disk-0'), 'b');
  assert.deepEqual([...m.keys()], ['pve', 'nvme']);
});
