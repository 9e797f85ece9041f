// Path resolution under --root never lstat()s a network mount point or anything below it: on a dead
// NFS server that lstat would hang the checker in uninterruptible sleep.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createHost } from '../../src/host/host';
import { resolveHostPaths } from '../../src/host/read-links';

test('resolveHostPaths: symlinks followed like realpath; a network mount point is never looked at', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-links-'));
  mkdirSync(join(root, 'mnt/disk1'), { recursive: true });
  mkdirSync(join(root, 'srv'), { recursive: true });
  symlinkSync('/mnt/disk1', join(root, 'srv/backup'));
  mkdirSync(join(root, 'mnt/pve'), { recursive: true });
  // Stands in for a network mount point: if it were lstat()ed, the symlink would be followed.
  symlinkSync('/elsewhere', join(root, 'mnt/pve/nfs'));
  const host = createHost({ root });
  const onNetwork = (p: string) => p === '/mnt/pve/nfs' || p.startsWith('/mnt/pve/nfs/');
  assert.deepEqual(resolveHostPaths(host, ['/srv/backup', '/mnt/pve/nfs/data', '/mnt/pve/nfs'], onNetwork), {
    '/srv/backup': '/mnt/disk1',
  });
});
