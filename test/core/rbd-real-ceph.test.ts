// The RBD parsers and rules on what the real `rbd` (ceph 16.2.15) printed in the real-Ceph suite
// (test/e2e/host/ceph.sh; the recordings are test/fixtures/ceph-real/, see its README): each fix the
// real tool called for, on its own output.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseRbdListErrors, parseRbdStatus, parseRbdTrashList } from '../../src/core/parse/rbd-depth';
import { parseRbdList } from '../../src/core/parse/volume-listing';
import { classifyVolumes, rbdWatchCandidates } from '../../src/core/volumes/classify-volumes';
import { entry, type Node, volumeInput } from '../helpers/volume-node';

const DIR = new URL('../fixtures/ceph-real/', import.meta.url);
const read = (f: string): string => (existsSync(new URL(f, DIR)) ? readFileSync(new URL(f, DIR), 'utf8') : '');
/** One recorded call: stdout, stderr, exit status. */
const real = (name: string) => ({
  stdout: read(`${name}.stdout`),
  stderr: read(`${name}.stderr`),
  code: Number(read(`${name}.rc`).trim()),
});
const storage = (pool: string) => ({ '/etc/pve/storage.cfg': `rbd: ceph-vm\n\tpool ${pool}\n\tcontent images\n` });
const qemu = (vmid: number, body: string) => ({ [`/etc/pve/nodes/pve1/qemu-server/${vmid}.conf`]: body });
const node = (name: string, pool: string, extra: Partial<Node> = {}): Node => {
  const r = real(name);
  return { rbd: r.stdout, rbdStderr: r.stderr, rbdCode: r.code, ...extra, files: { ...storage(pool), ...extra.files } };
};

test('real rbd ls -l: snapshot rows ("protected":"true"/"false"), clones with pool_namespace, lock_type', () => {
  const rows = parseRbdList(real('ls-vm').stdout);
  const base = rows.find((r) => r.image === 'base-900-disk-0' && r.snapshot === '__base__');
  assert.equal(base?.protected, true);
  assert.equal(rows.find((r) => r.image === 'vm-100-disk-0' && r.snapshot === 'before')?.protected, false);
  assert.deepEqual(rows.find((r) => r.image === 'vm-901-disk-0')?.parent, {
    pool: 'vm',
    image: 'base-900-disk-0',
    snapshot: '__base__',
  });
  assert.equal(rows.find((r) => r.image === 'vm-152-disk-0')?.lockType, 'exclusive');
  // The headless image is not in the JSON at all.
  assert.equal(
    rows.some((r) => r.image === 'vm-130-disk-0'),
    false,
  );
});

test('real rbd ls -l stderr: librbd log lines are not images; "error opening" lines are', () => {
  assert.deepEqual(parseRbdListErrors(real('ls-vm').stderr), [
    { image: 'vm-130-disk-0', errno: 2, message: 'No such file or directory' },
  ]);
  assert.deepEqual(
    parseRbdListErrors(real('ls-broken').stderr).map((e) => e.image),
    ['vm-140-disk-0'],
  );
});

test('real: a headless image (exit 0, named on stderr) is an interrupted removal with the rm that finishes it', () => {
  const es = classifyVolumes(volumeInput(node('ls-vm', 'vm'))).entries;
  const e = entry(es, 'ceph-vm:vm-130-disk-0');
  assert.deepEqual(
    [e.status, e.reason, e.hint],
    [
      'orphan',
      'interrupted-removal',
      "finish the interrupted removal with pve-health's checks (PVE's storage lock, a re-check right before, the journal; irreversible): pve-health reclaim --purge --name ceph-vm:vm-130-disk-0; " +
        'or by hand, without those checks (irreversible; librbd drops the directory entry): rbd -p vm rm vm-130-disk-0',
    ],
  );
  assert.equal(entry(es, 'ceph-vm:base-900-disk-0/vm-901-disk-0').vmid, 901);
  assert.equal(
    es.some((x) => x.snapshot === '__base__'),
    false,
  );
});

test('real: rbd rm killed mid-trim (ceph 16.2: exit 2, a partial JSON on stdout) → the storage is UNKNOWN, naming the image and what finishes it', () => {
  const r = classifyVolumes(
    volumeInput(node('ls-broken', 'broken', { files: qemu(141, 'scsi0: ceph-vm:vm-141-disk-0,size=64M\n') })),
  );
  const st = r.storages.find((s) => s.storage === 'ceph-vm');
  assert.equal(st?.status, 'unknown');
  assert.match(st?.error ?? '', /rbd ls failed \(exit 2\)/);
  assert.match(st?.error ?? '', /could not open vm-140-disk-0: an interrupted rbd rm/);
  assert.match(
    st?.error ?? '',
    /this finishes that removal with pve-health's checks: pve-health reclaim --purge --name ceph-vm:vm-140-disk-0 \(by hand, without them, irreversible: rbd -p broken rm vm-140-disk-0\)/,
  );
  // What the failed listing printed is not taken for the pool's content.
  assert.equal(
    r.entries.some((e) => e.volid === 'ceph-vm:vm-141-disk-0' && e.status !== 'unknown'),
    false,
  );
  // The image it could not open is a fact of its own: the interrupted removal, with the checked way.
  const e = entry(r.entries, 'ceph-vm:vm-140-disk-0');
  assert.deepEqual([e.status, e.reason], ['orphan', 'interrupted-removal']);
  assert.deepEqual(e.steps?.[0]?.command, ['pve-health', 'reclaim', '--purge', '--name', 'ceph-vm:vm-140-disk-0']);
  assert.deepEqual(
    r.entries.map((x) => x.volid),
    ['ceph-vm:vm-140-disk-0'],
  );
});

test('real: a stale exclusive lock (lock_type, rbd status lists no watcher) is not "open"; a live one is', () => {
  const stale = classifyVolumes(
    volumeInput(node('ls-stale', 'vm', { rbdStatus: { 'vm-151-disk-0': real('status-stale').stdout } })),
  ).entries;
  const e = entry(stale, 'ceph-vm:vm-151-disk-0');
  assert.deepEqual([e.status, e.open, e.protected], ['orphan', false, false]);
  assert.match(e.detail, /exclusive lock is stale/);
  assert.match(e.hint ?? '', /pvesm free ceph-vm:vm-151-disk-0/);
  // The same lock with its owner still watching (the running guest's recorded status): open, protected.
  const live = classifyVolumes(
    volumeInput(node('ls-stale', 'vm', { rbdStatus: { 'vm-151-disk-0': real('status-running').stdout } })),
  ).entries;
  const l = entry(live, 'ceph-vm:vm-151-disk-0');
  assert.deepEqual([l.open, l.protectedBy, l.hint], [true, ['rbd-lock', 'rbd-watcher'], undefined]);
  // Not asked yet: the lock still protects it, and the host is told to ask.
  const unread = entry(classifyVolumes(volumeInput(node('ls-stale', 'vm'))).entries, 'ceph-vm:vm-151-disk-0');
  assert.deepEqual([unread.open, unread.protectedBy, unread.hint], [true, ['rbd-lock'], undefined]);
  assert.ok(
    rbdWatchCandidates(volumeInput(node('ls-stale', 'vm'))).some((c) => c.image === 'vm-151-disk-0'),
    'a locked orphan is asked rbd status',
  );
});

test('real rbd status and rbd trash ls: watchers, none; USER entries with and without a deferment', () => {
  assert.match(parseRbdStatus(real('status-watched').stdout)[0].address, /^127\.0\.0\.1:0\/\d+$/);
  assert.deepEqual(parseRbdStatus(real('status-none').stdout), []);
  assert.equal(real('status-removing').code, 2);
  const t = parseRbdTrashList(real('trash-vm').stdout);
  assert.deepEqual(
    t.map((x) => [x.name, x.source, x.protectedUntil]),
    [
      ['vm-120-disk-0', 'USER', false],
      ['vm-121-disk-0', 'USER', true],
      ['vm-122-disk-0', 'USER', false],
    ],
  );
  // The interrupted removal's REMOVING entry is never in `trash ls` (librbd hides it).
  assert.deepEqual(parseRbdTrashList(real('trash-broken').stdout), []);
});
