import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyMounts, type MountsRaw, type ProbeResult, usagePercent } from '../../src/core/mounts/classify-mounts';
import { parseContainerMounts } from '../../src/core/mounts/container-mounts';
import { matchesPattern } from '../../src/core/mounts/mount-paths';
import { listMountOccurrences, planProbes } from '../../src/core/mounts/mount-plan';
import { parseMountTables } from '../../src/core/mounts/mount-view';
import { storageMounts } from '../../src/core/mounts/storage-mounts';
import { parseStorageConfig } from '../../src/core/parse/storage-config';
import type { Config } from '../../src/core/vocab/config';
import { mountsRaw } from '../helpers/mount-tables';

const GiB = 1024 ** 3;
const ok = (usedGiB = 10, availGiB = 90): ProbeResult => ({
  ok: true,
  error: null,
  ms: 3,
  at: '2026-01-01T00:00:00Z',
  totalBytes: (usedGiB + availGiB) * GiB,
  usedBytes: usedGiB * GiB,
  availableBytes: availGiB * GiB,
});
const fail = (error: string, phase = 'stat', message = error): ProbeResult => ({
  ok: false,
  error,
  phase,
  message,
  ms: null,
  at: '2026-01-01T00:00:00Z',
  totalBytes: null,
  usedBytes: null,
  availableBytes: null,
});
let nextId = 100;
/** mountinfo line: "0:53 /mnt/pve/nfs nfs4 10.0.0.5:/x [rw] [superOptions]" */
const line = (mm: string, target: string, fstype: string, source: string, opts = 'rw,relatime', sup = 'rw') =>
  `${nextId++} 1 ${mm} / ${target.replace(/ /g, '\\040')} ${opts} shared:1 - ${fstype} ${source} ${sup}`;

const STORAGE = `dir: local
\tpath /var/lib/vz
\tcontent iso,backup

nfs: nfs-backup
\tpath /mnt/pve/nfs-backup
\tserver 10.0.0.5
\texport /export/backup
\tcontent backup

nfs: iso
\tpath /mnt/pve/iso
\tserver 10.0.0.5
\texport /export/iso
\toptions vers=4.2,ro
\tcontent iso

cifs: smb-offsite
\tserver fs01
\tshare pve
\tcontent backup
\tnodes pve1

cifs: other-node-only
\tserver fs02
\tshare x
\tnodes pve2

nfs: old
\tserver 10.0.0.9
\texport /old
\tpath /mnt/pve/old
\tdisable

dir: usb
\tpath /mnt/usb-backup
\tis_mountpoint yes

dir: ext
\tpath /srv/ext/data
\tis_mountpoint /srv/ext
`;

const raw = (partial: Partial<MountsRaw>) => mountsRaw(STORAGE, partial);

const HOST = [
  line('0:53', '/mnt/pve/nfs-backup', 'nfs4', '10.0.0.5:/export/backup'),
  line('0:54', '/mnt/pve/iso', 'nfs4', '10.0.0.5:/export/iso', 'ro,relatime', 'ro,vers=4.2'),
  line('0:55', '/mnt/pve/smb-offsite', 'cifs', '//FS01/pve'),
  line('8:17', '/mnt/usb-backup', 'ext4', '/dev/sdb1'),
  line('8:33', '/srv/ext', 'xfs', '/dev/sdc1'),
  line('0:22', '/proc', 'proc', 'proc'),
  line('8:1', '/', 'ext4', '/dev/mapper/pve-root'),
].join('\n');
const ALL_OK: Record<string, ProbeResult> = { '0:53': ok(), '0:54': ok(), '0:55': ok(), '8:17': ok(), '8:33': ok() };

test('mounts: a healthy node is ok; only network mounts and storage mount points are reported', () => {
  const r = classifyMounts(raw({ hostMountinfo: HOST, probes: ALL_OK }), {});
  assert.equal(r.status, 0);
  assert.deepEqual(
    r.entries.map((e) => [e.target, e.status, e.storage, e.proxmoxManaged]),
    [
      ['/mnt/pve/iso', 'ok', 'iso', true],
      ['/mnt/pve/nfs-backup', 'ok', 'nfs-backup', true],
      ['/mnt/pve/smb-offsite', 'ok', 'smb-offsite', true],
      ['/mnt/usb-backup', 'ok', 'usb', true],
      ['/srv/ext', 'ok', 'ext', true],
    ],
  );
  const e = r.entries[1];
  assert.equal(e.totalBytes, 100 * GiB);
  assert.equal(e.usagePercent, 10);
});

test('mounts: stale on timeout, ESTALE, EACCES, EIO and a stuck earlier probe; critical', () => {
  const cases: [ProbeResult, string, RegExp][] = [
    [fail('timeout', 'stat'), 'timeout', /stat did not answer within 2 s/],
    [fail('timeout', 'readdir'), 'timeout', /readdir did not answer/],
    [
      fail('ESTALE', 'readdir', "ESTALE: stale file handle, scandir '/mnt/pve/nfs-backup'"),
      'unreachable',
      /readdir failed: ESTALE/,
    ],
    [fail('EACCES'), 'unreachable', /stat failed: EACCES/],
    [fail('EIO'), 'unreachable', /EIO/],
    [
      { ...fail('stuck'), stuckPid: 4242, stuckSince: '2026-01-01T00:00:00Z' },
      'probe-stuck',
      /earlier probe \(pid 4242/,
    ],
  ];
  for (const [probe, reason, detail] of cases) {
    const r = classifyMounts(raw({ hostMountinfo: HOST, probes: { ...ALL_OK, '0:53': probe } }), {});
    const e = r.entries.find((x) => x.target === '/mnt/pve/nfs-backup')!;
    assert.equal(e.status, 'stale', reason);
    assert.equal(e.reachable, false);
    assert.equal(e.reason, reason);
    assert.match(String(e.detail), detail);
    assert.equal(e.totalBytes, null, 'no capacity for an unreachable mount');
    assert.equal(r.status, 2);
  }
});

test('mounts: storages that must be mounted but are not are missing (writes land on the root disk)', () => {
  const host = HOST.split('\n')
    .filter((l) => !l.includes('/mnt/usb-backup') && !l.includes('/mnt/pve/smb-offsite'))
    .join('\n');
  const r = classifyMounts(raw({ hostMountinfo: host, probes: ALL_OK }), {});
  const missing = r.entries.filter((e) => e.status === 'missing').map((e) => [e.storage, e.target, e.source]);
  // other-node-only (nodes pve2) and old (disabled) are not expected here.
  assert.deepEqual(missing, [
    ['smb-offsite', '/mnt/pve/smb-offsite', '//fs01/pve'],
    ['usb', '/mnt/usb-backup', ''],
  ]);
  assert.equal(r.status, 2);
  assert.equal(r.summary.missing, 2);
});

test('mounts: a storage export mounted elsewhere is linked by server/export, and still missing at its path', () => {
  const host = line('0:70', '/mnt/by-hand', 'nfs', '10.0.0.5:/export/backup/');
  const r = classifyMounts(raw({ hostMountinfo: host, probes: { '0:70': ok() } }), {});
  const byHand = r.entries.find((e) => e.target === '/mnt/by-hand')!;
  assert.equal(byHand.storage, 'nfs-backup');
  assert.equal(byHand.proxmoxManaged, true);
  assert.ok(r.entries.some((e) => e.storage === 'nfs-backup' && e.status === 'missing'));
});

test('mounts: read-only is a finding only where read-write is expected', () => {
  const cases: [string, Config, string, string | null][] = [
    [
      line('0:60', '/mnt/pve/nfs-backup', 'nfs4', '10.0.0.5:/export/backup', 'ro,relatime', 'ro'),
      {},
      'readonly',
      'unexpected-readonly',
    ],
    // storage options say ro
    [line('0:61', '/mnt/pve/iso', 'nfs4', '10.0.0.5:/export/iso', 'ro', 'ro'), {}, 'ok', null],
    // config expected_readonly
    [
      line('0:62', '/mnt/archive', 'nfs', 'a:/archive', 'ro', 'ro'),
      { mounts: { expected_readonly: ['/mnt/archive'] } },
      'ok',
      null,
    ],
    [line('0:63', '/mnt/archive', 'nfs', 'a:/archive', 'ro', 'ro'), {}, 'readonly', 'unexpected-readonly'],
    // read-only by nature
    [
      line('7:0', '/mnt/pve/usb-iso', 'iso9660', '/dev/loop0', 'ro', 'ro'),
      { mounts: { network_types: ['iso9660'] } },
      'ok',
      null,
    ],
  ];
  for (const [host, config, status, reason] of cases) {
    const mm = host.split(' ')[2];
    const target = host.split(' ')[4];
    const r = classifyMounts(raw({ hostMountinfo: host, probes: { [mm]: ok() } }), config);
    const e = r.entries.find((x) => x.target === target)!;
    assert.equal(e.status, status, host);
    assert.equal(e.reason, reason, host);
  }
});

test('mounts: full above the warning (1) and critical (2) thresholds, configurable', () => {
  const cases: [[number, number], Config, string, number][] = [
    [[84, 16], {}, 'ok', 0],
    [[85, 15], {}, 'full', 1],
    [[94, 6], {}, 'full', 1],
    [[94.2, 5.8], {}, 'full', 2], // 95% once rounded up, as df shows it
    [[95, 5], {}, 'full', 2],
    [[70, 30], { mounts: { warning_percent: 60, critical_percent: 70 } }, 'full', 2],
  ];
  for (const [[used, avail], config, status, severity] of cases) {
    const r = classifyMounts(raw({ hostMountinfo: HOST, probes: { ...ALL_OK, '0:53': ok(used, avail) } }), config);
    const e = r.entries.find((x) => x.target === '/mnt/pve/nfs-backup')!;
    assert.equal(e.status, status, `${used}%`);
    assert.equal(e.severity, severity, `${used}%`);
    assert.equal(r.status, severity);
  }
  assert.equal(usagePercent(1, 2), 34, 'rounded up like df');
  assert.equal(usagePercent(0, 0), null);
});

const CT_CONF =
  'arch: amd64\nhostname: web\nmp0: /mnt/pve/iso/template,mp=/iso,ro=1\nmp1: local-lvm:vm-105-disk-1,mp=/srv/data,size=8G\nrootfs: local-lvm:vm-105-disk-0,size=8G\nlxc.mount.entry: /mnt/pve/nfs-backup/dumps mnt/dumps none bind,ro,create=dir 0 0\n';

function ctTable(ctid: number, extra: string[] = []): string {
  return [
    line(`252:${ctid}`, '/', 'ext4', `/dev/mapper/pve-vm--${ctid}--disk--0`, 'rw,relatime', 'rw,errors=remount-ro'),
    line('0:90', '/proc', 'proc', 'proc'),
    line('0:91', '/dev', 'tmpfs', 'none'),
    line('0:92', '/proc/cpuinfo', 'fuse.lxcfs', 'lxcfs'),
    line('0:53', '/mnt/backup', 'nfs4', '10.0.0.5:/export/backup'),
    ...extra,
  ].join('\n');
}

test('mounts: one export bind-mounted into 30 containers is probed once and reported for each', () => {
  const containers = Array.from({ length: 30 }, (_, i) => ({
    ctid: 200 + i,
    pid: 5000 + i,
    mountinfo: ctTable(200 + i),
  }));
  const tables = { hostMountinfo: HOST, containers };
  const { occurrences } = listMountOccurrences(parseMountTables(tables), storageMounts(parseStorageConfig(STORAGE)), {
    ignore: [],
    networkTypes: [],
  });
  const jobs = planProbes(occurrences);
  const nfs = jobs.filter((j) => j.key === '0:53');
  assert.equal(nfs.length, 1);
  assert.equal(nfs[0].path, '/mnt/pve/nfs-backup', 'probed through the host path');
  assert.equal(nfs[0].labels.length, 31);
  // 5 host mounts + 30 container root filesystems (pseudo filesystems skipped).
  assert.equal(jobs.length, 35);
  assert.equal(jobs.find((j) => j.key === '252:207')?.path, '/proc/5007/root/');
  const probes = Object.fromEntries(jobs.map((j) => [j.key, ok()]));
  probes['0:53'] = fail('timeout');
  const r = classifyMounts(raw({ hostMountinfo: HOST, containers, probes }), {});
  const stale = r.entries.filter((e) => e.status === 'stale');
  assert.equal(stale.length, 31);
  assert.ok(
    stale.filter((e) => e.scope === 'ct').every((e) => e.storage === 'nfs-backup' && e.target === '/mnt/backup'),
  );
});

test('mounts: container filesystems: remounted read-only after errors, expected ro mount points, capacity', () => {
  const table = ctTable(105, [
    line('0:54', '/iso', 'nfs4', '10.0.0.5:/export/iso', 'ro,relatime', 'ro,vers=4.2'),
    line('252:40', '/srv/data', 'ext4', '/dev/mapper/pve-vm--105--disk--1', 'rw', 'ro,errors=remount-ro'),
    // A bind of the host's NFS path (the same superblock as on the host), mounted ro on purpose.
    line('0:53', '/mnt/dumps', 'nfs4', '10.0.0.5:/export/backup', 'ro', 'rw'),
    // what a 6.18 kernel shows after an ext4 error with errors=remount-ro
    line('7:0', '/srv/logs', 'ext4', '/dev/loop0', 'rw,relatime', 'rw,errors=remount-ro,emergency_ro'),
  ]);
  const probes = { ...ALL_OK, '252:105': ok(97, 3), '252:40': ok(), '252:41': ok(), '7:0': ok() };
  const r = classifyMounts(
    raw({
      hostMountinfo: HOST,
      containers: [{ ctid: 105, pid: 7000, mountinfo: table }],
      ctConfigs: { 105: CT_CONF },
      probes,
    }),
    {},
  );
  const ct = Object.fromEntries(r.entries.filter((e) => e.scope === 'ct').map((e) => [e.target, [e.status, e.reason]]));
  assert.deepEqual(ct, {
    '/': ['full', 'usage-critical'],
    '/iso': ['ok', null],
    '/mnt/backup': ['ok', null],
    '/mnt/dumps': ['ok', null],
    '/srv/data': ['readonly', 'remounted-readonly'],
    '/srv/logs': ['readonly', 'remounted-readonly'],
  });
  assert.deepEqual(parseContainerMounts(105, CT_CONF).readonlyTargets, ['/iso', '/mnt/dumps']);
});

test('mounts: a container path not found (ENOENT): skipped only when its container stopped', () => {
  // stoppedAfterProbe: what the gather read of /proc/<pid>/stat after the probes; absent in older captures.
  const cases: { name: string; stopped?: number[]; want: [string, string, string | null][]; warn: boolean }[] = [
    { name: 'the container stopped meanwhile', stopped: [300], want: [['/mnt/backup', 'ok', null]], warn: true },
    {
      name: 'the container still runs: not checked, UNKNOWN',
      stopped: [],
      want: [
        ['/', 'unchecked', 'not-found-in-ct'],
        ['/mnt/backup', 'ok', null],
      ],
      warn: false,
    },
    {
      name: 'another container stopped, not this one',
      stopped: [301],
      want: [
        ['/', 'unchecked', 'not-found-in-ct'],
        ['/mnt/backup', 'ok', null],
      ],
      warn: false,
    },
    {
      name: 'an older capture (not known whether it stopped): not checked, never skipped',
      want: [
        ['/', 'unchecked', 'not-found-in-ct'],
        ['/mnt/backup', 'ok', null],
      ],
      warn: false,
    },
  ];
  for (const c of cases) {
    const r = classifyMounts(
      raw({
        hostMountinfo: '',
        storageCfg: null,
        containers: [{ ctid: 300, pid: 9, mountinfo: ctTable(300) }],
        probes: { '252:300': fail('ENOENT'), '0:53': ok() },
        ...(c.stopped ? { stoppedAfterProbe: c.stopped } : {}),
      }),
      {},
    );
    assert.deepEqual(
      r.entries.map((e) => [e.target, e.status, e.reason]),
      c.want,
      c.name,
    );
    assert.equal(/CT 300: \/proc\/9\/root\/ not found/.test(String(r.warnings)), c.warn, c.name);
    const unchecked = r.entries.filter((e) => e.status === 'unchecked');
    assert.equal(r.summary.unchecked, unchecked.length, c.name);
    // UNKNOWN (3) when a running container's mount could not be reached: never OK.
    assert.equal(r.status, unchecked.length ? 3 : 0, c.name);
    for (const e of unchecked) assert.match(e.detail ?? '', /\/proc\/9\/root\/ not found while CT 300 runs/);
  }
});

test('mounts: ENOENT through the host path of a superblock the host also mounts is not a container case', () => {
  // The host's own mount of the same superblock was probed (mount-plan prefers the host path): a path the
  // host lost is unreachable there, whatever the container's state.
  const host = line('0:53', '/mnt/backup', 'nfs4', '10.0.0.5:/export/backup');
  const r = classifyMounts(
    raw({
      hostMountinfo: host,
      storageCfg: null,
      containers: [{ ctid: 300, pid: 9, mountinfo: ctTable(300) }],
      probes: { '252:300': ok(), '0:53': fail('ENOENT') },
      stoppedAfterProbe: [],
    }),
    {},
  );
  const backup = r.entries.filter((x) => x.target === '/mnt/backup');
  assert.deepEqual(
    backup.map((e) => [e.scope, e.status, e.reason]),
    [
      ['host', 'stale', 'unreachable'],
      ['ct', 'stale', 'unreachable'],
    ],
  );
});

test('mounts: ignore patterns', () => {
  const cases: [string, 'host' | 'ct', number | null, string, boolean][] = [
    ['/mnt/pve/*', 'host', null, '/mnt/pve/iso', true],
    ['/mnt/pve/*', 'ct', 105, '/mnt/pve/iso', false],
    ['105:/srv/*', 'ct', 105, '/srv/data', true],
    ['105:/srv/*', 'ct', 106, '/srv/data', false],
    ['*:/', 'ct', 7, '/', true],
    ['/mnt/a.b', 'host', null, '/mnt/aXb', false],
  ];
  for (const [p, scope, ctid, target, want] of cases)
    assert.equal(matchesPattern(p, scope, ctid, target), want, `${p} ${target}`);
  const r = classifyMounts(raw({ hostMountinfo: HOST, probes: ALL_OK }), {
    mounts: { ignore: ['/mnt/pve/*', '/srv/ext'] },
  });
  assert.deepEqual(
    r.entries.map((e) => e.target),
    ['/mnt/usb-backup'],
  );
});
