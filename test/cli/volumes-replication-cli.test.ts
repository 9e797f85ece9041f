// `pve-health volumes` on a fakenode node that is the target of one replication job and the source of
// another (test/fixtures/scenarios/volumes-replication.json): every verdict scored by fakenode compare;
// no output form proposes removing a replica or what a running operation owns; and a symlinked
// `is_mountpoint` storage is mounted for the volumes part exactly when the mounts part says so.

import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildNode, fakenodeCompare, hasFakenode, runCli, tempDir } from '../helpers/cli';

const SCENARIO = join(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/scenarios/volumes-replication.json');
const skip = hasFakenode ? false : 'needs ../shared/fakenode';

const cli = (node: string, args: string[]) =>
  runCli(['--root', join(node, 'root'), ...args], { env: { PATH: `${join(node, 'bin')}:${process.env.PATH}` } });

interface Entry {
  volid: string;
  snapshot?: string;
  status: string;
  reason: string;
  pending: boolean;
  hint?: string;
  replica?: boolean;
  job?: string;
  snapshotOwner?: string;
}

test('volumes-replication: every volume right (fakenode compare); replicas and owned snapshots get no destructive hint', {
  skip,
}, () => {
  const node = buildNode(SCENARIO);
  const r = cli(node, ['volumes', '--json']);
  assert.equal(r.code, 1, r.stderr);
  const file = join(tempDir(), 'result.json');
  writeFileSync(file, r.stdout);
  const cmp = fakenodeCompare(node, file);
  assert.equal(cmp.code, 0, cmp.stdout + cmp.stderr);
  assert.match(cmp.stdout, /15\/15 volumes right/);
  const es = JSON.parse(r.stdout).volumes.entries as Entry[];
  const get = (volid: string, snapshot?: string) => {
    const e = es.find((x) => x.volid === volid && x.snapshot === snapshot);
    assert.ok(e, `${volid}@${snapshot}`);
    return e;
  };
  const replica = get('local-zfs:vm-100-disk-0');
  assert.deepEqual(
    [replica.status, replica.reason, replica.replica, replica.job, replica.hint],
    ['valid', 'replica', true, '100-0', undefined],
  );
  assert.equal(get('local-zfs:vm-102-disk-0').job, '102-0', 'the source side names its job');
  assert.match(get('local-zfs:vm-102-disk-0', '__replicate_102-0_1763880000__').hint ?? 'none', /^none$/);
  assert.equal(
    get('local-zfs:vm-102-disk-0', '__replicate_102-5_1760000000__').hint,
    'to set it aside reversibly (quarantine; pve-health restore brings it back): pve-health reclaim --name local-zfs:vm-102-disk-0@__replicate_102-5_1760000000__; remove the snapshot now (what the removed replication job would have done; irreversible): zfs destroy rpool/data/vm-102-disk-0@__replicate_102-5_1760000000__',
  );
  assert.equal(
    get('local-zfs:vm-102-disk-0', '__migration__').hint,
    'to set it aside reversibly (quarantine; pve-health restore brings it back): pve-health reclaim --name local-zfs:vm-102-disk-0@__migration__; remove the snapshot now (what the interrupted operation would have done; irreversible): zfs destroy rpool/data/vm-102-disk-0@__migration__',
  );
  assert.deepEqual(
    [get('local-zfs:vm-103-disk-0', '__migration__').pending, get('local-zfs:vm-103-disk-0', '__migration__').hint],
    [true, undefined],
  );
  assert.equal(
    get('local-zfs:subvol-105-disk-0', 'vzdump').reason,
    'operation-leftover',
    "CT 106's backup does not explain CT 105's snapshot",
  );
  assert.equal(get('local-zfs:subvol-106-disk-0', 'vzdump').pending, true);
  assert.equal(get('local:110/data.qcow2').status, 'valid');
  // No form of output proposes freeing the replica or touching what an operation owns.
  for (const args of [['volumes'], ['check'], ['check', '--format', 'nagios'], ['check', '--json']]) {
    const out = cli(node, args).stdout;
    assert.doesNotMatch(out, /pvesm free local-zfs:vm-100-disk-0\b/, args.join(' '));
    assert.doesNotMatch(out, /zfs destroy rpool\/data\/vm-103-disk-0@__migration__/, args.join(' '));
    assert.doesNotMatch(out, /zfs destroy rpool\/data\/vm-102-disk-0@__replicate_102-0/, args.join(' '));
  }
});

test('the replica is a copy nothing owns once replication.cfg drops the job (pvesr delete --force), but its own sync snapshots still name the job: no destructive hint', {
  skip,
}, () => {
  const node = buildNode(SCENARIO);
  writeFileSync(join(node, 'root/etc/pve/replication.cfg'), 'local: 102-0\n\ttarget pve2\n\tsource pve1\n');
  const es = JSON.parse(cli(node, ['volumes', '--json']).stdout).volumes.entries as Entry[];
  const e = es.find((x) => x.volid === 'local-zfs:vm-100-disk-0' && !x.snapshot) as Entry;
  assert.deepEqual([e.status, e.reason], ['orphan', 'guest-on-other-node']);
  // A lost section of the file looks the same: the file and the copy disagree, nothing destructive.
  assert.match(e.hint ?? '', /pvesr status --guest 100$/);
  const s = es.find((x) => x.snapshot === '__replicate_100-0_1763880000__') as Entry;
  assert.deepEqual([s.status, s.reason], ['orphan', 'snapshot-missing']);
  assert.doesNotMatch(s.hint ?? '', /zfs destroy/);
});

/** The scenario node with a dir storage `usb` at /srv/backup, a symlink to /mnt/disk1 holding 110/extra.raw. */
function symlinkedStorage(props = '') {
  const node = buildNode(SCENARIO);
  const root = join(node, 'root');
  mkdirSync(join(root, 'mnt/disk1/images/110'), { recursive: true });
  writeFileSync(join(root, 'mnt/disk1/images/110/extra.raw'), '');
  mkdirSync(join(root, 'srv'), { recursive: true });
  symlinkSync('/mnt/disk1', join(root, 'srv/backup'));
  appendFileSync(join(root, 'etc/pve/storage.cfg'), `\ndir: usb\n\tpath /srv/backup\n\tcontent images\n${props}`);
  return { node, root };
}

test('a symlinked is_mountpoint dir storage: mounted when its real path is (the mounts part resolver), else UNKNOWN', {
  skip,
}, () => {
  const { node, root } = symlinkedStorage('\tis_mountpoint yes\n');
  const unmounted = JSON.parse(cli(node, ['volumes', '--json']).stdout).volumes;
  assert.equal(unmounted.status, 3);
  assert.match(unmounted.error, /usb could not be checked: \/srv\/backup \(-> \/mnt\/disk1\) is not mounted/);
  const mi = join(root, 'proc/self/mountinfo');
  writeFileSync(
    mi,
    `${readFileSync(mi, 'utf8')}90 21 8:17 / /mnt/disk1 rw,relatime shared:50 - ext4 /dev/sdb1 rw,relatime\n`,
  );
  const doc = JSON.parse(cli(node, ['volumes', '--json']).stdout).volumes;
  const usb = doc.storages.find((s: { storage: string }) => s.storage === 'usb');
  assert.equal(usb.status, 'ok', doc.error);
  const extra = doc.entries.find((e: Entry) => e.volid === 'usb:110/extra.raw');
  assert.deepEqual([extra?.status, extra?.reason], ['orphan', 'not-referenced']);
  const mounts = JSON.parse(cli(node, ['mounts', '--json']).stdout).mounts;
  const usbMount = mounts.entries.find((m: { storage: string | null }) => m.storage === 'usb');
  assert.equal(usbMount?.target, '/mnt/disk1', 'the mounts part sees the same real path');
  assert.notEqual(usbMount?.status, 'missing', 'the mounts part agrees it is mounted');
});

// The kernel shows a held file by its resolved path (d_path): a process holding the image through the
// symlinked storage path is still its holder, and the leftover is in use, not an orphan to reclaim.
test('a symlinked dir storage: a process holding an image by its resolved path makes it open, with no hint', {
  skip,
}, () => {
  const { node, root } = symlinkedStorage();
  const extra = () =>
    JSON.parse(cli(node, ['volumes', '--json']).stdout).volumes.entries.find(
      (e: Entry & { open: boolean; protected: boolean }) => e.volid === 'usb:110/extra.raw',
    );
  const free = extra();
  assert.deepEqual([free?.status, free?.open, free?.protected], ['orphan', false, false]);
  mkdirSync(join(root, 'proc/4242/fd'), { recursive: true });
  writeFileSync(join(root, 'proc/4242/comm'), 'qemu-img\n');
  writeFileSync(join(root, 'proc/4242/cmdline'), 'qemu-img\0convert\0');
  symlinkSync('/mnt/disk1/images/110/extra.raw', join(root, 'proc/4242/fd/7'));
  const held = extra();
  assert.deepEqual([held?.open, held?.protected, held?.hint], [true, true, undefined]);
});
