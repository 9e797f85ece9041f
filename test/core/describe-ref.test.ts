// How a reference reads in a detail: a linked clone names its base; a plain file volume (whose volname
// always holds a "/": `101/vm-101-disk-0.qcow2`) is no clone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeRef, type RefHit } from '../../src/core/dm/dm-references';
import type { VolumeRef } from '../../src/core/parse/guest-config';

const hit = (volname: string, asBase = false): RefHit => ({
  vmid: 101,
  type: 'qemu',
  node: 'pve1',
  ref: { key: 'scsi0', section: 'main', volid: { storage: 's', volname } } as unknown as VolumeRef,
  asBase,
  storage: 's',
});

test('describeRef: linked clones by their base, plain volumes as they are', () => {
  const rows: [string, boolean, string][] = [
    ['vm-101-disk-0', false, 'VM 101 scsi0'],
    ['101/vm-101-disk-0.qcow2', false, 'VM 101 scsi0'],
    ['101/vm-101-disk-0.raw', false, 'VM 101 scsi0'],
    ['base-100-disk-0/vm-101-disk-0', false, 'VM 101 scsi0 (linked clone of base-100-disk-0)'],
    [
      '100/base-100-disk-0.qcow2/101/vm-101-disk-0.qcow2',
      false,
      'VM 101 scsi0 (linked clone of base-100-disk-0.qcow2)',
    ],
    ['base-100-disk-0/vm-101-disk-0', true, 'VM 101 scsi0 (base of linked clone base-100-disk-0/vm-101-disk-0)'],
  ];
  for (const [volname, asBase, want] of rows) assert.equal(describeRef(hit(volname, asBase)), want, volname);
});
