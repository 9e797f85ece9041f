// A ZFS dataset with datasets below it (issue 59): `zfs destroy -r` (ZFSPoolPlugin.pm free_image, reclaim's
// purge) destroys them too, so the orphan is protected (`child-datasets`, the children named, no hint),
// and a dataset in quarantine that got a child since is held from the purge. Beside each: its own
// snapshots are no children, a sibling whose name starts the same is none, and an orphan without children
// keeps its hint.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { zfsChildDatasets } from '../../src/core/volumes/listed-volume';
import { entry, type Node, volumeInput, zfssnap } from '../helpers/volume-node';

const POOL = 'rpool/data\tfilesystem\t-\t1\t1\t0\t-\t/rpool/data';
const fs = (name: string) => `rpool/data/${name}\tfilesystem\t-\t4096\t4096\t8589934592\t-\t/rpool/data/${name}`;
const Q = 'pve-health-quarantine/pve-health-q.20261123T101500Z';
/** With the host's mount table read (only / mounted): whether a subvol is mounted is known. */
const classify = (n: Node) =>
  classifyVolumes({ ...volumeInput(n), hostMountinfo: '21 1 0:20 / / rw - ext4 /dev/sda1 rw\n' }).entries;

test('zfsChildDatasets: the datasets one level below, never a snapshot', () => {
  const kids = zfsChildDatasets(
    [
      'rpool',
      'rpool/data',
      'rpool/data/a',
      'rpool/data/a@s',
      'rpool/data/a/b',
      'rpool/data/a/b@s',
      'rpool/data/ab',
    ].map((name) => ({ name })),
  );
  assert.deepEqual(kids.get('rpool/data/a'), ['rpool/data/a/b']);
  assert.deepEqual(kids.get('rpool/data'), ['rpool/data/a', 'rpool/data/ab']);
  assert.equal(kids.get('rpool/data/ab'), undefined);
  assert.equal(kids.get('rpool/data/a/b'), undefined);
});

test('an orphan subvol with a child dataset is protected and unhinted; its neighbours are not', () => {
  const es = classify({
    zfs: [
      POOL,
      fs('subvol-160-disk-0'),
      zfssnap('subvol-160-disk-0@before'),
      fs('subvol-160-disk-0/data'),
      fs('subvol-160-disk-0/logs'),
      fs('subvol-161-disk-0'),
      zfssnap('subvol-161-disk-0@before'),
      fs('subvol-1600-disk-0'),
    ],
  });
  const e160 = entry(es, 'local-zfs:subvol-160-disk-0');
  assert.deepEqual(e160.protectedBy, ['child-datasets']);
  assert.match(
    e160.detail,
    /holds datasets of its own \(rpool\/data\/subvol-160-disk-0\/data, rpool\/data\/subvol-160-disk-0\/logs\): zfs destroy -r/,
  );
  assert.equal(e160.hint, undefined);
  for (const v of ['local-zfs:subvol-161-disk-0', 'local-zfs:subvol-1600-disk-0']) {
    const e = entry(es, v);
    assert.equal(`${e.status}/${e.protected}`, 'orphan/false', v);
    assert.match(e.hint ?? '', /pvesm free/);
  }
});

test('a quarantined dataset with a child is held from the purge; one without is not', () => {
  const es = classify({
    zfs: [
      POOL,
      fs('pve-health-quarantine'),
      fs(`${Q}.subvol-170-disk-0`),
      fs(`${Q}.subvol-170-disk-0/later`),
      fs(`${Q}.subvol-171-disk-0`),
    ],
  });
  assert.deepEqual(entry(es, 'local-zfs:subvol-170-disk-0').quarantine?.heldBy, [
    `child-dataset:rpool/data/${Q}.subvol-170-disk-0/later`,
  ]);
  assert.equal(entry(es, 'local-zfs:subvol-171-disk-0').quarantine?.heldBy, undefined);
});
