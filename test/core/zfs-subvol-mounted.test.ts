// A CT subvol mounted besides its own mountpoint (pve-container LXC.pm mount_all → mountpoint_mount
// bind-mounts the subvol's path at /var/lib/lxc/<vmid>/rootfs for `pct mount`): protected, never freed —
// free_image's `zfs destroy -r` would take it from under whoever uses it. Its own mountpoint alone is not
// a use (zfs mounts every subvol there).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { entry, volumeInput } from '../helpers/volume-node';

const sub = (name: string) => `rpool/data/${name}\tfilesystem\t-\t98304\t98304\t67108864\t-\t/rpool/data/${name}`;
// mountinfo lines as the kernel prints them for a zfs mount and a bind mount of its directory.
const own = (id: number, name: string) =>
  `${id} 30 0:${id} / /rpool/data/${name} rw,relatime shared:${id} - zfs rpool/data/${name} rw,xattr,posixacl,casesensitive`;
const ROOT = '22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/mapper/pve-root rw,errors=remount-ro';
const bind = (id: number, name: string, at: string) =>
  `${id} 30 0:${id - 100} / ${at} rw,relatime shared:${id - 100} - zfs rpool/data/${name} rw,xattr,posixacl,casesensitive`;

test('a gone CT subvol bind-mounted at /var/lib/lxc/<vmid>/rootfs: protected (mounted), open, no hint', () => {
  const input = volumeInput({ zfs: [sub('subvol-251-disk-0'), sub('subvol-250-disk-0')] });
  input.hostMountinfo = `${[
    ROOT,
    own(150, 'subvol-251-disk-0'),
    own(151, 'subvol-250-disk-0'),
    bind(250, 'subvol-251-disk-0', '/var/lib/lxc/251/rootfs'),
  ].join('\n')}\n`;
  const es = classifyVolumes(input).entries;
  const e = entry(es, 'local-zfs:subvol-251-disk-0');
  assert.equal(e.protected, true);
  assert.ok(e.protectedBy?.includes('mounted'), String(e.protectedBy));
  assert.equal(e.open, true);
  assert.equal(e.hint, undefined);
  assert.match(e.detail, /also mounted at \/var\/lib\/lxc\/251\/rootfs/);
  // Mounted only at its own mountpoint: an ordinary leftover, with its hint.
  const other = entry(es, 'local-zfs:subvol-250-disk-0');
  assert.deepEqual([other.status, other.reason, other.protected], ['orphan', 'guest-missing', false]);
  assert.match(other.hint ?? '', /pvesm free local-zfs:subvol-250-disk-0/);
});

// The mount table is the only evidence that a dataset is in use besides its own mountpoint: one that is
// missing or cut short decides nothing (PVE's free_image would `zfs destroy -r` it from under a container).
test('a gone CT subvol while the host mount table is empty or cut short: unknown (mounts-unread), no hint', () => {
  for (const table of ['', `${ROOT}\n${own(150, 'subvol-251-disk-0')}`]) {
    const input = volumeInput({
      zfs: [sub('subvol-251-disk-0'), 'rpool/data/vm-251-disk-0\tvolume\t1073741824\t98304\t98304\t-\t-\t-'],
    });
    input.hostMountinfo = table;
    const es = classifyVolumes(input).entries;
    const e = entry(es, 'local-zfs:subvol-251-disk-0');
    assert.deepEqual([e.status, e.reason], ['unknown', 'mounts-unread'], JSON.stringify(table));
    assert.equal(e.hint, undefined);
    assert.match(e.detail, /could not be read/);
    // A zvol beside it does not depend on the mount table: its own verdict stays.
    assert.equal(entry(es, 'local-zfs:vm-251-disk-0').status, 'orphan');
  }
});
