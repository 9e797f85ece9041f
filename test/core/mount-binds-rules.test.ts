// The neighbours of the three mount rules (container that captured the empty directory, paths resolved
// as PVE resolves them, words that are true): CIFS, lxc.mount.entry, dir storages with is_mountpoint,
// symlinked bind sources, a container still holding the old mount, ignore patterns. Mount tables as the
// kernel prints them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyMounts, type MountsRaw } from '../../src/core/mounts/classify-mounts';
import type { MountEntry } from '../../src/core/vocab/types';
import { mountLine as line, mountsRaw, probesOk } from '../helpers/mount-tables';

const STORAGE = `nfs: share
\tpath /mnt/pve/share
\tserver 10.0.0.5
\texport /export/share

cifs: smb
\tserver fs01
\tshare pve

dir: usb
\tpath /mnt/usb
\tis_mountpoint yes

dir: ext
\tpath /srv/ext-link/dump
\tis_mountpoint /srv/ext-link
`;
const raw = (p: Partial<MountsRaw>) => mountsRaw(STORAGE, p);
const ROOT = line('253:1', '/', '/', 'ext4', '/dev/mapper/pve-root');
const NFS = line('0:52', '/', '/mnt/pve/share', 'nfs4', '10.0.0.5:/export/share');
const CIFS = line('0:60', '/', '/mnt/pve/smb', 'cifs', '//fs01/pve');
const USB = line('8:17', '/', '/mnt/usb', 'ext4', '/dev/sdb1');
const EXT = line('8:33', '/', '/srv/ext', 'xfs', '/dev/sdc1');
const CT_ROOT = line('253:7', '/', '/', 'ext4', '/dev/mapper/pve-vm--200--disk--0');
/** The CT's view of a bind of the host's root-filesystem directory at `from`, taken before anything was mounted there. */
const onRootDisk = (from: string, target: string) => line('253:1', from, target, 'ext4', '/dev/mapper/pve-root');
const ct = (mounts: string[]) => [{ ctid: 200, pid: 4242, mountinfo: [CT_ROOT, ...mounts].join('\n') }];
const PROBES = probesOk('253:1', '253:7', '0:52', '0:60', '8:17', '8:33', '0:40');

const at = (r: { entries: MountEntry[] }, scope: 'host' | 'ct', target: string) =>
  r.entries.find((e) => e.scope === scope && e.target === target);
const show = (r: { entries: MountEntry[] }) =>
  JSON.stringify(r.entries.map((e) => [e.scope, e.target, e.status, e.reason]));

test('CIFS: a container started before the share was mounted holds the root-disk directory', () => {
  const r = classifyMounts(
    raw({
      hostMountinfo: [ROOT, NFS, CIFS, USB, EXT].join('\n'),
      containers: ct([onRootDisk('/mnt/pve/smb/media', '/media')]),
      ctConfigs: { '200': 'rootfs: local-lvm:vm-200-disk-0\nmp0: /mnt/pve/smb/media,mp=/media\n' },
      resolvedPaths: { '/srv/ext-link': '/srv/ext' },
      probes: PROBES,
    }),
    {},
  );
  const e = at(r, 'ct', '/media');
  assert.equal(e?.status, 'missing', show(r));
  assert.equal(e?.reason, 'bind-outdated');
  assert.equal(e?.storage, 'smb');
  assert.match(e?.detail ?? '', /CT 200 started before cifs \/\/fs01\/pve was mounted at \/mnt\/pve\/smb/);
  assert.match(e?.detail ?? '', /pct reboot 200/);
  assert.equal(at(r, 'host', '/mnt/pve/smb')?.status, 'ok');
  assert.equal(r.summary.missing, 1);
});

test('lxc.mount.entry bind (relative target) and a symlinked bind source are checked like mpN', () => {
  const r = classifyMounts(
    raw({
      hostMountinfo: [ROOT, NFS, CIFS, USB, EXT].join('\n'),
      containers: ct([onRootDisk('/mnt/pve/share/iso', '/mnt/iso'), onRootDisk('/mnt/pve/share/app', '/app')]),
      ctConfigs: {
        '200': [
          'rootfs: local-lvm:vm-200-disk-0',
          'mp0: /srv/app-link,mp=/app',
          'lxc.mount.entry: /mnt/pve/share/iso mnt/iso none bind,create=dir 0 0',
        ].join('\n'),
      },
      // /srv/app-link → /mnt/pve/share/app on the host (resolved without entering the NFS mount).
      resolvedPaths: { '/srv/app-link': '/mnt/pve/share/app', '/srv/ext-link': '/srv/ext' },
      probes: PROBES,
    }),
    {},
  );
  for (const t of ['/mnt/iso', '/app']) {
    assert.equal(at(r, 'ct', t)?.reason, 'bind-outdated', `${t}: ${show(r)}`);
    assert.equal(at(r, 'ct', t)?.storage, 'share');
  }
});

test('a dir storage with is_mountpoint mounted after the container started: the container holds the directory underneath', () => {
  const r = classifyMounts(
    raw({
      hostMountinfo: [ROOT, NFS, CIFS, USB, EXT].join('\n'),
      containers: ct([onRootDisk('/mnt/usb/ct200', '/backup')]),
      ctConfigs: { '200': 'rootfs: local-lvm:vm-200-disk-0\nmp0: /mnt/usb/ct200,mp=/backup\n' },
      resolvedPaths: { '/srv/ext-link': '/srv/ext' },
      probes: PROBES,
    }),
    {},
  );
  const e = at(r, 'ct', '/backup');
  assert.equal(e?.reason, 'bind-outdated', show(r));
  assert.equal(e?.storage, 'usb');
  assert.match(e?.detail ?? '', /started before ext4 \/dev\/sdb1 was mounted at \/mnt\/usb/);
});

test('a local bind that is no storage is what the container bound, even over a later local mount; a matching bind is ok', () => {
  const r = classifyMounts(
    raw({
      hostMountinfo: [ROOT, NFS, CIFS, USB, EXT, line('8:49', '/', '/srv/scratch', 'ext4', '/dev/sdd1')].join('\n'),
      containers: ct([
        onRootDisk('/srv/scratch/x', '/scratch'),
        onRootDisk('/var/lib/shared', '/shared'),
        line('0:52', '/app', '/app', 'nfs4', '10.0.0.5:/export/share'),
      ]),
      ctConfigs: {
        '200':
          'rootfs: local-lvm:vm-200-disk-0\nmp0: /srv/scratch/x,mp=/scratch\nmp1: /var/lib/shared,mp=/shared\nmp2: /mnt/pve/share/app,mp=/app\n',
      },
      resolvedPaths: { '/srv/ext-link': '/srv/ext' },
      probes: PROBES,
    }),
    {},
  );
  assert.ok(!r.entries.some((e) => e.reason === 'bind-outdated'), show(r));
  assert.equal(at(r, 'ct', '/shared')?.status, 'ok');
  assert.equal(at(r, 'ct', '/app')?.status, 'ok');
  assert.equal(at(r, 'ct', '/app')?.storage, 'share');
  assert.equal(r.status, 0);
});

test('bind checks: an ignored container mount point and a stopped container are not flagged', () => {
  const base = {
    hostMountinfo: [ROOT, NFS, CIFS, USB, EXT].join('\n'),
    ctConfigs: { '200': 'rootfs: local-lvm:vm-200-disk-0\nmp0: /mnt/pve/share/app,mp=/data\n' },
    resolvedPaths: { '/srv/ext-link': '/srv/ext' },
    probes: PROBES,
  };
  const ignored = classifyMounts(raw({ ...base, containers: ct([onRootDisk('/mnt/pve/share/app', '/data')]) }), {
    mounts: { ignore: ['200:/data'] },
  });
  assert.ok(!ignored.entries.some((e) => e.reason === 'bind-outdated'), show(ignored));
  const stopped = classifyMounts(raw({ ...base, containers: [] }), {});
  assert.equal(stopped.status, 0, show(stopped));
});

test('a missing NFS storage whose container still holds the earlier mount: it writes to the NFS, not the root disk', () => {
  const r = classifyMounts(
    raw({
      hostMountinfo: [ROOT, CIFS, USB, EXT].join('\n'),
      containers: ct([line('0:40', '/app', '/data', 'nfs4', '10.0.0.5:/export/share')]),
      ctConfigs: { '200': 'rootfs: local-lvm:vm-200-disk-0\nmp0: /mnt/pve/share/app,mp=/data\n' },
      resolvedPaths: { '/srv/ext-link': '/srv/ext' },
      probes: PROBES,
    }),
    {},
  );
  const e = at(r, 'host', '/mnt/pve/share');
  assert.equal(e?.status, 'missing');
  assert.match(
    e?.detail ?? '',
    /CT 200 still holds an earlier mount there \(nfs4 10\.0\.0\.5:\/export\/share\) and writes to it/,
  );
  assert.doesNotMatch(e?.detail ?? '', /CT 200 bind-mounts/);
  // The container's own NFS mount answers: it is not the finding.
  assert.equal(at(r, 'ct', '/data')?.status, 'ok');
});

test('is_mountpoint with a path value that is a symlink: mounted when its target is; the storage path below it is not what counts', () => {
  const host = [ROOT, NFS, CIFS, USB, EXT].join('\n');
  const r = classifyMounts(
    raw({ hostMountinfo: host, resolvedPaths: { '/srv/ext-link': '/srv/ext' }, probes: PROBES }),
    {},
  );
  assert.equal(at(r, 'host', '/srv/ext')?.storage, 'ext');
  assert.equal(r.status, 0, show(r));
  const unresolved = classifyMounts(raw({ hostMountinfo: host, probes: PROBES }), {});
  assert.match(
    at(unresolved, 'host', '/srv/ext-link')?.detail ?? '',
    /storage 'ext' \(dir\) is not mounted at \/srv\/ext-link/,
  );
});

test('a symlinked storage whose target is not mounted: missing at the target, naming the configured path, in true words', () => {
  const r = classifyMounts(
    raw({
      hostMountinfo: [ROOT, NFS, CIFS, line('8:2', '/', '/srv', 'ext4', '/dev/sda2')].join('\n'),
      // /srv/ext-link → /srv/ext and /mnt/usb → /srv/usb-disk: neither target is mounted.
      resolvedPaths: { '/srv/ext-link': '/srv/ext', '/mnt/usb': '/srv/usb-disk' },
      probes: PROBES,
    }),
    {},
  );
  const usb = at(r, 'host', '/srv/usb-disk');
  assert.equal(usb?.status, 'missing', show(r));
  assert.equal(usb?.storage, 'usb');
  const d = usb?.detail ?? '';
  assert.match(d, /storage 'usb' \(dir\) is not mounted at \/srv\/usb-disk \(configured as \/mnt\/usb\)/);
  assert.match(d, /PVE refuses to activate storage 'usb'/);
  // The directory underneath is on /dev/sda2 (mounted at /srv), not on the root disk.
  assert.match(d, /writes to \/dev\/sda2 \(mounted at \/srv\)/);
  assert.doesNotMatch(d, /root disk/);
  assert.equal(at(r, 'host', '/mnt/usb'), undefined, 'the literal path is not reported');
});

test('a missing storage names only running containers, and says so when one shows no mount at the bind target', () => {
  const r = classifyMounts(
    raw({
      hostMountinfo: [ROOT, CIFS, USB, EXT].join('\n'),
      // CT 200 runs without a mount at /data; CT 201 has a config (a snapshot may hold one) but is not running.
      containers: ct([]),
      ctConfigs: {
        '200': 'rootfs: local-lvm:vm-200-disk-0\nmp0: /mnt/pve/share/app,mp=/data\n',
        '201': 'rootfs: local-lvm:vm-201-disk-0\nmp0: /mnt/pve/share,mp=/share\n',
      },
      resolvedPaths: { '/srv/ext-link': '/srv/ext' },
      probes: PROBES,
    }),
    {},
  );
  const d = at(r, 'host', '/mnt/pve/share')?.detail ?? '';
  assert.match(d, /CT 200 is configured to bind it, but its mount table shows nothing at \/data/);
  assert.doesNotMatch(d, /CT 201/);
  assert.doesNotMatch(d, /bind-mounts/);
});
