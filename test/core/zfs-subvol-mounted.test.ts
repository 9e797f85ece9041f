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
const bind = (id: number, name: string, at: string) =>
  `${id} 30 0:${id - 100} / ${at} rw,relatime shared:${id - 100} - zfs rpool/data/${name} rw,xattr,posixacl,casesensitive`;

test('a gone CT subvol bind-mounted at /var/lib/lxc/<vmid>/rootfs: protected (mounted), open, no hint', () => {
  const input = volumeInput({ zfs: [sub('subvol-251-disk-0'), sub('subvol-250-disk-0')] });
  input.hostMountinfo = [
    own(150, 'subvol-251-disk-0'),
    own(151, 'subvol-250-disk-0'),
    bind(250, 'subvol-251-disk-0', '/var/lib/lxc/251/rootfs'),
  ].join('\n');
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
