// Mount verdicts on the layouts admins actually have (issue: container that captured the empty
// directory, symlinked storage paths, words that are true). Mount tables as the kernel prints them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyMounts, type MountsRaw } from '../../src/core/mounts/classify-mounts';
import { parseContainerMounts } from '../../src/core/mounts/container-mounts';
import { mountLine, mountsRaw, probeOk } from '../helpers/mount-tables';

const ok = probeOk;
const line = mountLine;

const STORAGE = `nfs: share
\tpath /mnt/pve/share
\tserver 10.0.0.5
\texport /export/share
\tcontent backup,images

dir: backup
\tpath /srv/backup
\tis_mountpoint yes
\tcontent backup
`;
const HOST_ROOT = line('253:1', '/', '/', 'ext4', '/dev/mapper/pve-root');
const HOST_NFS = line('0:52', '/', '/mnt/pve/share', 'nfs4', '10.0.0.5:/export/share');
const CT_ROOT = line('253:7', '/', '/', 'ext4', '/dev/mapper/pve-vm--200--disk--0');

const raw = (p: Partial<MountsRaw>) => mountsRaw(STORAGE, p);

const CT200 = 'hostname: app\nrootfs: local-lvm:vm-200-disk-0,size=8G\nmp0: /mnt/pve/share/app,mp=/data\n';

test('containerBinds: path mount points and lxc.mount.entry binds, not volumes or devices', () => {
  const conf = [
    'mp0: /mnt/pve/share/app,mp=/data',
    'mp1: local-lvm:vm-200-disk-1,mp=/db',
    'mp2: /dev/sdb1,mp=/raw',
    'lxc.mount.entry: /mnt/pve/iso mnt/iso none bind,ro,create=dir 0 0',
    'lxc.mount.entry: tmpfs tmp tmpfs defaults 0 0',
  ].join('\n');
  assert.deepEqual(parseContainerMounts(200, conf).binds, [
    { ctid: 200, source: '/mnt/pve/share/app', target: '/data' },
    { ctid: 200, source: '/mnt/pve/iso', target: '/mnt/iso' },
  ]);
});

test('a container started before the NFS was mounted holds the root-disk directory: missing, with the fix', () => {
  const r = classifyMounts(
    raw({
      hostMountinfo: [HOST_ROOT, HOST_NFS].join('\n'),
      // The CT's /data is a bind of the host's root filesystem (253:1), taken before the NFS was mounted.
      containers: [
        {
          ctid: 200,
          pid: 4242,
          mountinfo: [CT_ROOT, line('253:1', '/mnt/pve/share/app', '/data', 'ext4', '/dev/mapper/pve-root')].join('\n'),
        },
      ],
      ctConfigs: { '200': CT200 },
      probes: { '0:52': ok(), '253:1': ok(), '253:7': ok() },
    }),
    {},
  );
  const e = r.entries.find((x) => x.scope === 'ct' && x.target === '/data');
  assert.ok(e, JSON.stringify(r.entries.map((x) => [x.scope, x.target, x.status])));
  assert.equal(e.status, 'missing');
  assert.equal(e.reason, 'bind-outdated');
  assert.match(e.detail ?? '', /CT 200 started before nfs4 10\.0\.0\.5:\/export\/share was mounted/);
  assert.match(e.detail ?? '', /lands on the host's own disk/);
  assert.match(e.detail ?? '', /pct reboot 200/);
  assert.equal(r.status, 2);
  // The host's own NFS mount is fine.
  assert.equal(r.entries.find((x) => x.scope === 'host' && x.target === '/mnt/pve/share')?.status, 'ok');
});

test("the same bind holding the host's NFS superblock is ok; a remounted NFS is an earlier mount", () => {
  const base = {
    hostMountinfo: [HOST_ROOT, HOST_NFS].join('\n'),
    ctConfigs: { '200': CT200 },
    probes: { '0:52': ok(), '0:40': ok(), '253:7': ok() },
  };
  const good = classifyMounts(
    raw({
      ...base,
      containers: [
        {
          ctid: 200,
          pid: 1,
          mountinfo: [CT_ROOT, line('0:52', '/app', '/data', 'nfs4', '10.0.0.5:/export/share')].join('\n'),
        },
      ],
    }),
    {},
  );
  assert.equal(good.entries.find((x) => x.scope === 'ct' && x.target === '/data')?.status, 'ok');
  const old = classifyMounts(
    raw({
      ...base,
      containers: [
        {
          ctid: 200,
          pid: 1,
          mountinfo: [CT_ROOT, line('0:40', '/app', '/data', 'nfs4', '10.0.0.5:/export/share')].join('\n'),
        },
      ],
    }),
    {},
  );
  const e = old.entries.find((x) => x.scope === 'ct' && x.target === '/data');
  assert.equal(e?.reason, 'bind-outdated');
  assert.match(e?.detail ?? '', /still holds an earlier mount/);
});

test('a symlinked is_mountpoint storage path is mounted when its target is (DirPlugin realpath)', () => {
  const host = [HOST_ROOT, HOST_NFS, line('8:17', '/', '/mnt/disk1', 'ext4', '/dev/sdb1')].join('\n');
  const probes = { '0:52': ok(), '8:17': ok() };
  const without = classifyMounts(raw({ hostMountinfo: host, probes }), {});
  assert.equal(without.entries.find((x) => x.storage === 'backup')?.status, 'missing', 'literal path: missing');
  const r = classifyMounts(raw({ hostMountinfo: host, probes, resolvedPaths: { '/srv/backup': '/mnt/disk1' } }), {});
  const e = r.entries.find((x) => x.target === '/mnt/disk1');
  assert.equal(e?.status, 'ok');
  assert.equal(e?.storage, 'backup');
  assert.ok(!r.entries.some((x) => x.status === 'missing'), JSON.stringify(r.entries.map((x) => [x.target, x.status])));
});

test("missing storages say what is true: PVE's own writes stop or wait; container binds and other writers hit the root disk", () => {
  const r = classifyMounts(
    raw({
      hostMountinfo: HOST_ROOT,
      containers: [
        {
          ctid: 200,
          pid: 1,
          mountinfo: [CT_ROOT, line('253:1', '/mnt/pve/share/app', '/data', 'ext4', '/dev/mapper/pve-root')].join('\n'),
        },
      ],
      ctConfigs: { '200': CT200 },
      probes: { '253:1': ok(), '253:7': ok() },
    }),
    {},
  );
  const nfs = r.entries.find((x) => x.storage === 'share' && x.scope === 'host');
  assert.equal(nfs?.status, 'missing');
  assert.match(nfs?.detail ?? '', /PVE mounts storage 'share' itself before it uses it, so its own writes wait/);
  assert.match(
    nfs?.detail ?? '',
    /CT 200 bind-mounts \/mnt\/pve\/share and writes into the empty directory on the root disk/,
  );
  const dir = r.entries.find((x) => x.storage === 'backup');
  assert.match(dir?.detail ?? '', /PVE refuses to activate storage 'backup' while \/srv\/backup is not a mount point/);
  assert.match(
    dir?.detail ?? '',
    /no running container binds it; any other writer there \(a script, rsync\) writes to the root disk/,
  );
  assert.doesNotMatch(dir?.detail ?? '', /anything written there lands on the root disk/);
});

test('a bind of a local source (an image file, a local directory) is what the container bound: never flagged', () => {
  const r = classifyMounts(
    raw({
      hostMountinfo: [HOST_ROOT, line('0:30', '/', '/tmp', 'tmpfs', 'tmpfs')].join('\n'),
      containers: [
        { ctid: 200, pid: 1, mountinfo: [CT_ROOT, line('7:0', '/', '/ro-data', 'ext4', '/dev/loop0')].join('\n') },
      ],
      ctConfigs: { '200': 'rootfs: local-lvm:vm-200-disk-0\nmp0: /tmp/ct.img,mp=/ro-data,ro=1\n' },
      probes: { '7:0': ok(), '253:7': ok() },
    }),
    {},
  );
  assert.ok(!r.entries.some((x) => x.reason === 'bind-outdated'));
});

test('ignore matches a missing storage by the path storage.cfg writes (a symlink) as well as the real one', () => {
  const host = [HOST_ROOT, HOST_NFS].join('\n');
  const probes = { '0:52': ok() };
  const resolvedPaths = { '/srv/backup': '/mnt/disk1' };
  for (const pattern of ['/srv/backup', '/mnt/disk1']) {
    const r = classifyMounts(raw({ hostMountinfo: host, probes, resolvedPaths }), { mounts: { ignore: [pattern] } });
    assert.ok(!r.entries.some((x) => x.storage === 'backup'), pattern);
  }
  const r = classifyMounts(raw({ hostMountinfo: host, probes, resolvedPaths }), { mounts: { ignore: ['/srv/other'] } });
  assert.equal(r.entries.find((x) => x.storage === 'backup')?.status, 'missing');
});

test('an outdated bind names the storage whose path holds its source, wherever that storage is mounted', () => {
  const cfg = `${STORAGE}\nnfs: media\n\tpath /data/media\n\tserver 10.0.0.6\n\texport /media\n\tcontent images\n`;
  const r = classifyMounts(
    raw({
      storageCfg: cfg,
      hostMountinfo: [HOST_ROOT, HOST_NFS, line('0:60', '/', '/data/media', 'nfs4', '10.0.0.6:/media')].join('\n'),
      containers: [
        {
          ctid: 200,
          pid: 1,
          mountinfo: [CT_ROOT, line('253:1', '/data/media/films', '/films', 'ext4', '/dev/mapper/pve-root')].join('\n'),
        },
      ],
      ctConfigs: { '200': 'rootfs: local-lvm:vm-200-disk-0\nmp0: /data/media/films,mp=/films\n' },
      probes: { '0:52': ok(), '0:60': ok(), '253:1': ok(), '253:7': ok() },
    }),
    {},
  );
  const e = r.entries.find((x) => x.scope === 'ct' && x.target === '/films');
  assert.equal(e?.reason, 'bind-outdated');
  assert.equal(e?.storage, 'media');
});

test('an outdated bind: missing only when it holds the directory underneath; an earlier mount is stale, its probe says how', () => {
  const failed = (error: string) => ({
    ...ok(),
    ok: false,
    error,
    message: error === 'ESTALE' ? 'Stale file handle' : null,
    phase: 'stat',
  });
  const rows: { name: string; ct: string; probe: ReturnType<typeof ok>; status: string; reason: RegExp }[] = [
    {
      name: 'the root-disk directory underneath',
      ct: line('253:1', '/mnt/pve/share/app', '/data', 'ext4', '/dev/mapper/pve-root'),
      probe: ok(),
      status: 'missing',
      reason: /^bind-outdated$/,
    },
    {
      name: 'an earlier NFS mount that still answers',
      ct: line('0:40', '/app', '/data', 'nfs4', '10.0.0.5:/export/share'),
      probe: ok(),
      status: 'stale',
      reason: /^bind-outdated$/,
    },
    {
      name: 'an earlier NFS mount answering ESTALE',
      ct: line('0:40', '/app', '/data', 'nfs4', '10.0.0.5:/export/share'),
      probe: failed('ESTALE'),
      status: 'stale',
      reason: /^(?!bind-outdated)/,
    },
    {
      name: 'an earlier NFS mount that hangs',
      ct: line('0:40', '/app', '/data', 'nfs4', '10.0.0.5:/export/share'),
      probe: failed('timeout'),
      status: 'stale',
      reason: /^(?!bind-outdated)/,
    },
  ];
  for (const row of rows) {
    const r = classifyMounts(
      raw({
        hostMountinfo: [HOST_ROOT, HOST_NFS].join('\n'),
        containers: [{ ctid: 200, pid: 1, mountinfo: [CT_ROOT, row.ct].join('\n') }],
        ctConfigs: { '200': CT200 },
        probes: { '0:52': ok(), '253:1': ok(), '253:7': ok(), '0:40': row.probe },
      }),
      {},
    );
    const e = r.entries.find((x) => x.scope === 'ct' && x.target === '/data');
    assert.equal(e?.status, row.status, `${row.name}: ${JSON.stringify(e)}`);
    assert.match(e?.reason ?? '', row.reason, row.name);
    assert.match(e?.detail ?? '', /pct reboot 200/, `${row.name}: the restart fix`);
    assert.equal(r.status, 2, row.name);
  }
});

test('a user\'s FUSE mount without allow_other that refuses root (EACCES) is "not checkable by root", not a dead mount', () => {
  const denied = { ...ok(), ok: false, error: 'EACCES', message: 'permission denied', phase: 'stat' };
  const fuse = (mm: string, target: string, superOpts: string) =>
    `${300 + Number(mm.split(':')[1])} 1 ${mm} / ${target} rw,nosuid,nodev,relatime shared:9 - fuse.rclone gdrive: ${superOpts}`;
  const rows: {
    name: string;
    line: string;
    probe: ReturnType<typeof ok>;
    status: string;
    reason: string | null;
    severity: number;
  }[] = [
    {
      name: 'uid 1000, no allow_other, EACCES',
      line: fuse('0:71', '/mnt/gdrive', 'rw,user_id=1000,group_id=1000'),
      probe: denied,
      status: 'unchecked',
      reason: 'root-denied',
      severity: 1,
    },
    {
      name: 'with allow_other, EACCES is a real failure',
      line: fuse('0:72', '/mnt/gdrive', 'rw,user_id=1000,group_id=1000,allow_other'),
      probe: denied,
      status: 'stale',
      reason: 'unreachable',
      severity: 2,
    },
    {
      name: 'mounted by root (user_id=0), EACCES is a real failure',
      line: fuse('0:73', '/mnt/gdrive', 'rw,user_id=0,group_id=0'),
      probe: denied,
      status: 'stale',
      reason: 'unreachable',
      severity: 2,
    },
    {
      name: 'uid 1000, no allow_other, but the daemon hangs (timeout)',
      line: fuse('0:74', '/mnt/gdrive', 'rw,user_id=1000,group_id=1000'),
      probe: { ...denied, error: 'timeout' },
      status: 'stale',
      reason: 'timeout',
      severity: 2,
    },
    {
      name: 'uid 1000, no allow_other, as a PVE storage path: PVE (root) cannot use it',
      line: fuse('0:75', '/mnt/pve/share', 'rw,user_id=1000,group_id=1000'),
      probe: denied,
      status: 'unchecked',
      reason: 'root-denied',
      severity: 2,
    },
  ];
  for (const row of rows) {
    const key = row.line.split(' ')[2];
    const r = classifyMounts(
      raw({ hostMountinfo: [HOST_ROOT, row.line].join('\n'), probes: { [key]: row.probe } }),
      {},
    );
    const e = r.entries.find((x) => x.majorMinor === key);
    assert.ok(e, `${row.name}: ${JSON.stringify(r.entries.map((x) => [x.target, x.status]))}`);
    assert.deepEqual([e.status, e.reason, e.severity], [row.status, row.reason, row.severity], row.name);
    if (row.reason === 'root-denied') assert.match(e.detail ?? '', /not checkable by root.*allow_other/, row.name);
  }
});
