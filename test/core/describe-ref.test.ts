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

test('describeRef: where in the config the reference stands, and what kind of reference it is', () => {
  const ref = (o: Partial<VolumeRef>, type: 'qemu' | 'lxc' = 'qemu', asBase = false): RefHit => ({
    vmid: 101,
    type,
    node: 'pve1',
    ref: { key: 'scsi0', section: 'main', volid: { storage: 's', volname: 'vm-101-disk-0' }, ...o } as VolumeRef,
    asBase,
    storage: 's',
  });
  const rows: [string, RefHit, string][] = [
    ['the main section', ref({}), 'VM 101 scsi0'],
    ['a VM’s pending change', ref({ section: 'pending' }), 'VM 101 [PENDING] scsi0'],
    ['a container’s pending change', ref({ section: 'pending', key: 'mp0' }, 'lxc'), 'CT 101 [pve:pending] mp0'],
    ['a snapshot', ref({ section: 'snapshot:before', key: 'vmstate' }), 'VM 101 snapshot [before] vmstate'],
    [
      'a special section',
      ref({ section: 'special:fleecing', key: 'fleecing-images' }),
      'VM 101 [special:fleecing] fleecing-images',
    ],
    ['a duplicate section PVE drops', ref({ section: 'shadowed:before' }), 'VM 101 [before] (duplicate section) scsi0'],
    ['a cloud-init drive', ref({ key: 'ide2', cloudinit: true }), 'VM 101 ide2 cloud-init drive'],
    [
      'a path',
      ref({ key: 'args', volid: null, path: '/dev/pve/vm-101-disk-0' }),
      'VM 101 args by path /dev/pve/vm-101-disk-0',
    ],
  ];
  for (const [name, hit, want] of rows) assert.equal(describeRef(hit), want, name);
});
