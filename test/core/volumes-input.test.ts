// The volumes part's input from one look (core/volumes/volumes-input.ts): every command builds it here, so
// none leaves out a reference form another reads (reclaim's look once dropped the config paths' lookups).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { volumesInputOf } from '../../src/core/volumes/volumes-input';

test('volumesInputOf: every field of the look, the config paths among them', () => {
  const look = {
    processes: [{ pid: 1, comm: 'init', cmdline: ['init'] }],
    files: {
      '/etc/pve/replication.cfg': 'local: 100-0\n',
      '/proc/self/mountinfo': '22 1 8:1 / / rw - ext4 /dev/sda1 rw\n',
      '/var/lib/pve-manager/pve-replication-state.json': '{}',
    },
    unreadable: { '/etc/pve/replication.cfg': 'EIO' },
    devicePaths: { '/srv/vzlink/x.raw': { path: '/var/lib/vz/x.raw' } },
  };
  const pve = {} as never;
  const raw = { files: {} } as never;
  assert.deepEqual(volumesInputOf(look, pve, raw), {
    pve,
    raw,
    processes: look.processes,
    replicationCfg: 'local: 100-0\n',
    replicationUnreadable: 'EIO',
    hostMountinfo: '22 1 8:1 / / rw - ext4 /dev/sda1 rw\n',
    devicePaths: look.devicePaths,
    replicationState: '{}',
  });
  // An older look without the tables: nothing invented.
  const bare = volumesInputOf({ processes: [], files: {} }, pve, raw);
  assert.equal(bare.devicePaths, undefined);
  assert.equal(bare.replicationUnreadable, undefined);
});
