// The main process never stats, lstats or resolves through a mount that can block (docs/mounts.md
// "Never block"): network filesystems, FUSE and autofs triggers (fs/autofs/root.c autofs_d_manage makes
// a walk into a pending automount wait until the mount unit times out). Resolving storage paths as
// PVE does (Cwd::realpath) stops at such a mount; only the probe children, killed at their deadline,
// touch it. Checked with a spy on every lstat/stat/realpath the resolver makes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs, { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { onNetworkMount, pathsToResolve } from '../../src/core/mounts/mount-check';
import { mountSettings } from '../../src/core/mounts/mount-settings';
import { parseMountReads } from '../../src/core/mounts/mount-view';
import { createHost } from '../../src/host/host';
import { resolveHostPaths } from '../../src/host/read-links';
import { readMountTables } from '../../src/host/read-mounts';
import { readPveMountState } from '../../src/host/read-mountstate';
import { REPO } from '../helpers/cli';
import { mountLine } from '../helpers/mount-tables';
import { fuseAvailable, mountStall } from './probe-mount-hangfs.mjs';

const BLOCKING: [string, string][] = [
  ['autofs', '/mnt/pve/nas'],
  ['fuse.sshfs', '/mnt/pve/sshfs'],
  ['fuse.rclone', '/mnt/pve/rclone'],
  ['fuse', '/mnt/pve/fuse'],
  ['nfs4', '/mnt/pve/nfs'],
  ['cifs', '/mnt/pve/cifs'],
];

test('mayBlock: network, FUSE, autofs, 9p/virtiofs; local filesystems do not', async () => {
  const { mayBlock } = await import('../../src/core/mounts/mount-check');
  for (const [t] of BLOCKING) assert.equal(mayBlock(t), true, t);
  for (const t of ['ext4', 'xfs', 'zfs', 'btrfs', 'tmpfs']) assert.equal(mayBlock(t), false, t);
});

test('storage paths under an autofs trigger or a FUSE mount are never stat()ed by the main process', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-noblock-'));
  const lines = [
    mountLine('8:1', '/', '/', 'ext4', '/dev/sda1'),
    ...BLOCKING.map(([t, p], i) => mountLine(`0:${60 + i}`, '/', p, t, `src${i}`)),
  ];
  mkdirSync(join(root, 'proc/self'), { recursive: true });
  writeFileSync(join(root, 'proc/self/mountinfo'), `${lines.join('\n')}\n`);
  mkdirSync(join(root, 'etc/pve'), { recursive: true });
  const storages = BLOCKING.map(
    ([, p], i) => `dir: s${i}\n\tpath ${p}/images\n\tcontent images\n\tis_mountpoint ${p}\n`,
  );
  // A local storage whose path is a symlink: still resolved, as PVE does.
  mkdirSync(join(root, 'srv/real'), { recursive: true });
  symlinkSync('/srv/real', join(root, 'srv/link'));
  storages.push('dir: local2\n\tpath /srv/link\n\tcontent images\n');
  writeFileSync(join(root, 'etc/pve/storage.cfg'), storages.join('\n'));
  for (const [, p] of BLOCKING) mkdirSync(join(root, p), { recursive: true });

  const host = createHost({ root });
  const view = parseMountReads({ ...readMountTables(host), node: 'pve1' });
  const toResolve = pathsToResolve(view, mountSettings({}));
  const touched: string[] = [];
  const spied = { lstatSync: fs.lstatSync, statSync: fs.statSync, realpathSync: fs.realpathSync };
  const spy = (name: keyof typeof spied) =>
    mock.method(fs, name, (...a: unknown[]) => {
      touched.push(String(a[0]));
      return (spied[name] as (...x: unknown[]) => unknown).apply(fs, a);
    });
  const mocks = [spy('lstatSync'), spy('statSync'), spy('realpathSync')];
  syncBuiltinESMExports();
  let resolved: Record<string, string>;
  try {
    resolved = resolveHostPaths(host, toResolve.paths, (p) => onNetworkMount(p, toResolve.networkTargets));
  } finally {
    for (const m of mocks) m.mock.restore();
    syncBuiltinESMExports();
  }
  const blocked = touched.filter((t) =>
    BLOCKING.some(([, p]) => t === join(root, p) || t.startsWith(`${join(root, p)}/`)),
  );
  assert.deepEqual(blocked, [], 'no stat at or under a mount that can block');
  assert.ok(touched.length > 0, 'the resolver did look at the local paths');
  assert.deepEqual(resolved, {}, 'paths under a mount that can block are kept as written');
  assert.ok(
    touched.some((t) => t === join(root, '/mnt/pve')),
    'the local part of the path is still resolved',
  );
});

// /etc/pve is pmxcfs (FUSE): when pmxcfs hangs, a stat of its mount point waits for it. Whether
// /etc/pve is mounted is read from the mount table only.
test('the pmxcfs mount check reads the mount table only: /etc/pve itself is never stat()ed or resolved', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-noblock-pve-'));
  mkdirSync(join(root, 'proc/self'), { recursive: true });
  mkdirSync(join(root, 'etc/pve'), { recursive: true });
  // As with a root whose proc is the real /proc: the mount shows at its path under the root.
  writeFileSync(
    join(root, 'proc/self/mountinfo'),
    `${[mountLine('8:1', '/', '/', 'ext4', '/dev/sda1'), mountLine('0:45', '/', join(root, 'etc/pve'), 'fuse', '/dev/fuse')].join('\n')}\n`,
  );
  const touched: string[] = [];
  const spied = {
    lstatSync: fs.lstatSync,
    statSync: fs.statSync,
    realpathSync: fs.realpathSync,
    existsSync: fs.existsSync,
    readdirSync: fs.readdirSync,
  };
  const mocks = (Object.keys(spied) as (keyof typeof spied)[]).map((name) =>
    mock.method(fs, name, (...a: unknown[]) => {
      touched.push(`${name} ${String(a[0])}`);
      return (spied[name] as (...x: unknown[]) => unknown).apply(fs, a);
    }),
  );
  // realpathSync.native is a property of realpathSync: the spy above replaces both.
  syncBuiltinESMExports();
  let state: { mounted: boolean; detail: string };
  try {
    state = readPveMountState(createHost({ root }));
  } finally {
    for (const m of mocks) m.mock.restore();
    syncBuiltinESMExports();
  }
  assert.deepEqual(
    touched.filter((t) => t.includes('/etc/pve')),
    [],
  );
  assert.deepEqual(state, { mounted: true, detail: 'fuse /dev/fuse' });
});

test('a hung pmxcfs: the mount check still answers (a real FUSE mount whose daemon never replies)', (t) => {
  const why = fuseAvailable();
  if (why) return t.skip(`needs a FUSE mount: ${why}`);
  const root = mkdtempSync(join(tmpdir(), 'pvh-hung-pmxcfs-'));
  mkdirSync(join(root, 'proc/self'), { recursive: true });
  writeFileSync(
    join(root, 'proc/self/mountinfo'),
    `${[mountLine('8:1', '/', '/', 'ext4', '/dev/sda1'), mountLine('0:45', '/', join(root, 'etc/pve'), 'fuse', '/dev/fuse')].join('\n')}\n`,
  );
  const hung = mountStall(join(root, 'etc/pve'));
  t.after(() => hung.close());
  // In a child with a deadline: before the fix, realpath(<root>/etc/pve) waited for the daemon forever.
  const script = `import { readPveMountState } from ${JSON.stringify(join(REPO, 'src/host/read-mountstate.ts'))};
import { createHost } from ${JSON.stringify(join(REPO, 'src/host/host.ts'))};
console.log(JSON.stringify(readPveMountState(createHost({ root: ${JSON.stringify(root)} }))));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
    killSignal: 'SIGKILL',
    cwd: REPO,
  });
  assert.equal(r.signal, null, `the check did not answer (killed by the test's deadline): ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { mounted: true, detail: 'fuse /dev/fuse' });
});
