// Who the guests of a document are (src/core/node/guest-index.ts): built by the caller that holds the
// document and passed on, a new index each call (no cache by object identity in the core).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guestTypesOf, knownGuests } from '../../src/core/node/guest-index';
import type { CheckDocument, GuestIdentity } from '../../src/core/vocab/types';
import { dmEntry } from '../helpers/dm-entry';

type Doc = Pick<CheckDocument, 'dm' | 'volumes'>;
const guest = (vmid: number, type: 'qemu' | 'lxc', name = `g${vmid}`): GuestIdentity => ({
  vmid,
  type,
  name,
  node: 'pve1',
  status: 'running',
});
const doc = (o: { dm?: GuestIdentity[]; volumes?: GuestIdentity[]; entries?: ReturnType<typeof dmEntry>[] }): Doc =>
  ({
    dm: o.dm || o.entries ? { guests: o.dm ?? [], entries: o.entries ?? [] } : undefined,
    volumes: o.volumes ? { guests: o.volumes } : undefined,
  }) as unknown as Doc;

test('knownGuests: the DM part first, then the volumes part; a new index each call', () => {
  const d = doc({ dm: [guest(100, 'qemu', 'web')], volumes: [guest(100, 'qemu', 'other'), guest(110, 'lxc')] });
  const a = knownGuests(d);
  assert.deepEqual([...a.keys()], [100, 110]);
  assert.equal(a.get(100)?.name, 'web');
  const b = knownGuests(d);
  assert.notEqual(a, b, 'nothing kept between calls');
  assert.deepEqual(b, a);
});

test('guestTypesOf: the first document that knows the guest; its guest table before its DM entries', () => {
  const types = guestTypesOf([
    doc({ entries: [dmEntry({ vmid: 100, guestType: 'lxc' }), dmEntry({ vmid: 120, guestType: null })] }),
    doc({ dm: [guest(100, 'qemu'), guest(110, 'qemu')], entries: [dmEntry({ vmid: 110, guestType: 'lxc' })] }),
    doc({ dm: [guest(110, 'lxc'), guest(120, 'lxc')] }),
  ]);
  assert.deepEqual(
    [...types].sort((x, y) => x[0] - y[0]),
    [
      [100, 'lxc'], // the first node's DM entry (no guest table there)
      [110, 'qemu'], // the second node's guest table over its own DM entry and over the third node
      [120, 'lxc'], // a DM entry without a type says nothing: the third node's table
    ],
  );
  assert.equal(guestTypesOf([]).size, 0);
});

test('knownGuests / guestTypesOf: a document with only one part (the other was not checked)', () => {
  const dmOnly = doc({ dm: [guest(100, 'qemu')] });
  const volumesOnly = doc({ volumes: [guest(110, 'lxc')] });
  assert.deepEqual([...knownGuests(dmOnly).keys()], [100]);
  assert.deepEqual([...knownGuests(volumesOnly).keys()], [110]);
  assert.deepEqual(
    [...guestTypesOf([volumesOnly, dmOnly])],
    [
      [110, 'lxc'],
      [100, 'qemu'],
    ],
  );
});

test('guestTypesOf: a DM entry without a guest type does not hide one that has it, in either order', () => {
  // An LV the storage view could not place has its VMID but no guest type (classify-dm: lvm-incomplete).
  const cases: [string, ReturnType<typeof dmEntry>[]][] = [
    ['typed first', [dmEntry({ vmid: 100, guestType: 'lxc' }), dmEntry({ vmid: 100, guestType: null })]],
    ['untyped first', [dmEntry({ vmid: 100, guestType: null }), dmEntry({ vmid: 100, guestType: 'lxc' })]],
  ];
  for (const [what, entries] of cases) assert.deepEqual([...guestTypesOf([doc({ entries })])], [[100, 'lxc']], what);
});

test('guestTypesOf: a guest row without a type (a document of an older version) says nothing', () => {
  for (const type of [null, undefined]) {
    const row = { ...guest(100, 'qemu'), type } as unknown as GuestIdentity;
    const d = doc({ dm: [row], entries: [dmEntry({ vmid: 100, guestType: 'lxc' })] });
    assert.deepEqual([...guestTypesOf([d])], [[100, 'lxc']], String(type));
  }
});
