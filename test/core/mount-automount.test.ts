// An automount (autofs) or FUSE mount at or above a storage's path is a mount PVE walks into: the
// mounts part reports and probes it (its probe child, killed at the deadline, is the only process
// that walks into it), and says `stale` when it hangs — a dir storage on an automounted NAS whose
// NAS is down (fs/autofs/root.c autofs_d_manage: the walk waits for the automount daemon). Automounts
// above no storage (systemd's binfmt_misc) are not PVE's and stay out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyMounts } from '../../src/core/mounts/classify-mounts';
import { listMountOccurrences } from '../../src/core/mounts/mount-plan';
import { parseMountReads } from '../../src/core/mounts/mount-view';
import { mountLine, mountsRaw, probeOk } from '../helpers/mount-tables';

const STORAGE = [
  'dir: local\n\tpath /var/lib/vz\n\tcontent iso\n',
  'dir: nas\n\tpath /mnt/nas/pve\n\tcontent images\n\tis_mountpoint /mnt/nas\n',
  'dir: nas2\n\tpath /mnt/nas2/pve\n\tcontent images\n',
  'dir: fuse\n\tpath /srv/sshfs\n\tcontent backup\n',
].join('\n');
const HOST = `${[
  mountLine('8:1', '/', '/', 'ext4', '/dev/sda1'),
  mountLine('0:40', '/', '/proc/sys/fs/binfmt_misc', 'autofs', 'systemd-1'),
  mountLine('0:41', '/', '/mnt/nas', 'autofs', 'systemd-1'),
  mountLine('0:42', '/', '/mnt/nas2', 'autofs', 'systemd-1'),
  mountLine('0:43', '/', '/srv/sshfs', 'fuse.sshfs', 'backup@nas:/srv'),
  mountLine('0:44', '/', '/mnt/other', 'autofs', 'systemd-1'),
].join('\n')}\n`;

const view = () =>
  parseMountReads({ hostMountinfo: HOST, containers: [], storageCfg: STORAGE, ctConfigs: {}, node: 'pve1' });

test('automounts at or above a storage path are reported; others are not', () => {
  const v = view();
  const { occurrences } = listMountOccurrences(v, v.storages, { ignore: [], networkTypes: [] });
  assert.deepEqual(occurrences.map((o) => o.info.target).sort(), ['/mnt/nas', '/mnt/nas2', '/srv/sshfs']);
});

test('a hung automount above a storage path is stale; the others answer ok', () => {
  const probes = {
    '0:41': { ...probeOk(), ok: false, error: 'timeout' },
    '0:42': { ...probeOk(), ok: false, error: 'timeout' },
    '0:43': probeOk(),
  };
  const r = classifyMounts(mountsRaw(STORAGE, { hostMountinfo: HOST, probes }), {});
  const got = Object.fromEntries(r.entries.map((e) => [e.target, `${e.status} ${e.storage ?? '-'}`]));
  assert.deepEqual(got, { '/mnt/nas': 'stale nas', '/mnt/nas2': 'stale -', '/srv/sshfs': 'ok -' });
  assert.equal(r.status, 2);
});
