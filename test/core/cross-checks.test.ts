// A destructive verdict never rests on one fact a damaged or disagreeing file can flip: the node's
// name from every source, and replication.cfg against the volumes' own sync snapshots.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { membersGap, nodeNameDisagreement } from '../../src/core/node/pmxcfs-gaps';
import { parsePveState } from '../../src/core/node/pve-state';
import type { DevicePathState } from '../../src/core/vocab/snapshot';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { replicationDoubt, replicationView, unlistedReplication } from '../../src/core/volumes/volume-replication';
import { createHost } from '../../src/host/host';
import { readNodeFiles } from '../../src/host/read-node';
import { entry, volumeInput, zvol } from '../helpers/volume-node';

const MEMBERS = (name: string) => ({
  nodename: name,
  version: 3,
  cluster: null,
  nodes: [{ name, id: 1, online: true }],
});

test('the node name: .members, /etc/hostname and /etc/pve/local agree, or nothing about this node is believed', () => {
  const rows: [string, { nodename: string | null; hostname?: string; local?: string }, RegExp | null][] = [
    ['all agree', { nodename: 'pve1', hostname: 'pve1.example.com\n', local: 'nodes/pve1' }, null],
    ['only .members', { nodename: 'pve1' }, null],
    [
      '.members vs hostname',
      { nodename: 'pve2', hostname: 'pve1\n' },
      /\.members says pve2, \/etc\/hostname says pve1/,
    ],
    [
      '.members vs local link',
      { nodename: 'pve1', hostname: 'pve1', local: 'nodes/pve2' },
      /\/etc\/pve\/local says pve2/,
    ],
    ['no .members, hostname vs link', { nodename: null, hostname: 'pve1', local: '/etc/pve/nodes/pve3' }, /pve3/],
  ];
  for (const [what, o, want] of rows) {
    const files: Record<string, string> = o.hostname ? { '/etc/hostname': o.hostname } : {};
    const got = nodeNameDisagreement(files, { nodename: o.nodename, pveLocal: o.local });
    if (want === null) assert.equal(got, null, what);
    else assert.match(got ?? '', want, what);
  }
  // It is the members gap: the DM and volumes parts are UNKNOWN (node-view guestGap), check and clean alike.
  const files = { '/etc/hostname': 'pve1\n', '/etc/pve/.members': '{}', '/etc/pve/.version': '1' };
  assert.match(membersGap(files, { members: MEMBERS('pve2') as never, error: null }) ?? '', /not one fact/);
  assert.equal(membersGap(files, { members: MEMBERS('pve1') as never, error: null }, 'nodes/pve1'), null);
});

const JOB = 'local: 100-0\n\ttarget pve1\n\tschedule */15\n\tsource pve2\n';

test('replication: a believable job list, or doubt for what it decides', () => {
  const of = (cfg: string, unreadable?: string) => replicationView(cfg, undefined, unreadable);
  const ask = (cfg: string, o: { carries?: string[]; unreadable?: string } = {}) =>
    replicationDoubt(of(cfg, o.unreadable), {
      vmid: 100,
      node: 'pve1',
      guestNode: 'pve2',
      carried: o.carries ?? [],
    });
  assert.equal(ask(JOB, { carries: ['100-0'] }), null);
  assert.equal(ask(''), null, 'no jobs: nothing to doubt');
  assert.match(ask(JOB, { unreadable: 'EIO' }) ?? '', /could not be read \(EIO\)/);
  // The job lost its target line (cut at a line boundary, or a line lost in the middle).
  assert.match(ask('local: 100-0\n\tschedule */15\n') ?? '', /100-0 .* has no target/);
  // A header lost: its properties stand alone.
  assert.match(ask('\ttarget pve1\n\tschedule */15\n') ?? '', /not whole/);
  // The copy carries a sync snapshot of a live job that targets another node.
  assert.match(ask('local: 100-0\n\ttarget pve3\n', { carries: ['100-0'] }) ?? '', /targets pve3, not pve1/);
  // A job's whole section gone parses cleanly: no doubt about the file (unlistedReplication says more).
  assert.equal(ask('local: 100-1\n\ttarget pve1\n', { carries: ['100-0'] }), null);
  // Of another guest: no doubt about this one.
  assert.equal(
    replicationDoubt(of('local: 101-0\n\tschedule */15\n'), {
      vmid: 100,
      node: 'pve1',
      guestNode: 'pve2',
      carried: [],
    }),
    null,
  );
});

test('replication: a copy whose sync snapshots name a job replication.cfg does not list: the two disagree', () => {
  const un = (cfg: string, carried: string[], guestNode: string | null = 'pve2') =>
    unlistedReplication(replicationView(cfg, undefined), { vmid: 100, node: 'pve1', guestNode, carried });
  // The job's section lost (cut at a section boundary), or removed with pvesr delete --force/--keep.
  assert.match(un('local: 100-1\n\ttarget pve1\n', ['100-0']) ?? '', /job 100-0, which .* does not list/);
  assert.match(un('', ['100-0']) ?? '', /does not list/);
  // Neighbours: the job listed; another guest's job id; nothing carried; the guest on this node or gone.
  assert.equal(un('local: 100-0\n\ttarget pve1\n', ['100-0']), null);
  assert.equal(un('', ['1000-0']), null);
  assert.equal(un('local: 100-1\n\ttarget pve1\n', []), null);
  assert.equal(un('', ['100-0'], 'pve1'), null);
  assert.equal(un('', ['100-0'], null), null);
});

test('a config directory that cannot be listed is never "no guests": no config names it is unknown', () => {
  const snap = (unreadable: Record<string, string>) =>
    parsePveState({
      kind: 'pve-health-snapshot',
      version: 1,
      capturedAt: '2026-01-01T00:00:00Z',
      hostname: 'pve1',
      toolVersion: 't',
      redacted: false,
      files: {},
      unreadable,
      commands: {},
      processes: [],
      sysDm: [],
    });
  const own = snap({ '/etc/pve/nodes/pve1/qemu-server': 'EIO' });
  assert.match(own.unseen.local ?? '', /qemu-server could not be listed \(EIO\)/);
  assert.match(own.unseen.shared ?? '', /EIO/);
  const other = snap({ '/etc/pve/nodes/pve2/lxc': 'EACCES' });
  assert.equal(other.unseen.local, null, "another node's configs name only shared volumes here");
  assert.match(other.unseen.shared ?? '', /pve2\/lxc could not be listed/);
  assert.match(snap({ '/etc/pve/nodes': 'EIO' }).unseen.local ?? '', /nodes could not be listed/);
});

test('readNodeFiles: a config directory that is there but cannot be listed is recorded, an absent one is not', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-nodes-'));
  mkdirSync(join(root, 'etc/pve/nodes/pve1/lxc'), { recursive: true });
  writeFileSync(join(root, 'etc/pve/nodes/pve1/qemu-server'), ''); // not a directory: ENOTDIR
  const { unreadable } = readNodeFiles(createHost({ root }));
  assert.deepEqual(Object.keys(unreadable), ['/etc/pve/nodes/pve1/qemu-server']);
});

test('a dir storage storage.cfg calls local while its path is a network mount is shared: another node guest disk is never a leftover', () => {
  const cfg = (shared: boolean) =>
    `zfspool: local-zfs\n\tpool rpool/data\n\tcontent images\n\ndir: local\n\tpath /var/lib/vz\n\tcontent images\n${shared ? '\tshared 1\n' : ''}`;
  const mnt = (fstype: string, target = '/var/lib/vz') =>
    [
      '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
      `40 22 0:53 / ${target} rw,relatime shared:2 - ${fstype} 10.0.0.5:/export/vz rw,vers=4.2`,
    ].join('\n');
  const rows: { name: string; shared: boolean; mountinfo: string; file: string; want: [string, string] }[] = [
    // The harm: `shared 1` lost (cut at a line boundary); the guest on pve2 runs from this very file. The
    // mount says shared: VM 100's disk.
    {
      name: 'lost shared 1, NFS',
      shared: false,
      mountinfo: mnt('nfs4'),
      file: 'vm-100-disk-0',
      want: ['valid', 'referenced'],
    },
    {
      name: 'lost shared 1, CIFS',
      shared: false,
      mountinfo: mnt('cifs'),
      file: 'vm-100-disk-0',
      want: ['valid', 'referenced'],
    },
    {
      name: 'lost shared 1, NFS above the path',
      shared: false,
      mountinfo: mnt('nfs4', '/var/lib'),
      file: 'vm-100-disk-0',
      want: ['valid', 'referenced'],
    },
    // Neighbours: shared as it should be; a local disk (a real leftover copy of a migration); a file on
    // the share that the guest does not name; a local mount deeper than the share.
    { name: 'shared 1', shared: true, mountinfo: mnt('nfs4'), file: 'vm-100-disk-0', want: ['valid', 'referenced'] },
    {
      name: 'local disk',
      shared: false,
      mountinfo: mnt('ext4', '/srv'),
      file: 'vm-100-disk-0',
      want: ['orphan', 'guest-on-other-node'],
    },
    {
      name: 'not named',
      shared: false,
      mountinfo: mnt('nfs4'),
      file: 'vm-100-disk-9',
      want: ['orphan', 'not-referenced'],
    },
    {
      name: 'a local disk mounted under the share',
      shared: false,
      mountinfo: `${mnt('nfs4', '/var/lib')}\n41 40 8:17 / /var/lib/vz rw,relatime shared:3 - xfs /dev/sdb1 rw`,
      file: 'vm-100-disk-0',
      want: ['orphan', 'guest-on-other-node'],
    },
  ];
  for (const r of rows) {
    const input = volumeInput({
      files: {
        '/etc/pve/storage.cfg': cfg(r.shared),
        '/etc/pve/nodes/pve2/qemu-server/100.conf': 'scsi0: local:100/vm-100-disk-0.qcow2,size=8G\n',
      },
      local: [{ name: `100/${r.file}.qcow2` }],
    });
    const e = entry(classifyVolumes({ ...input, hostMountinfo: r.mountinfo }).entries, `local:100/${r.file}.qcow2`);
    assert.deepEqual([e.status, e.reason], r.want, `${r.name}: ${e.detail}`);
  }
});

test('a config path through links of its own to a zvol or krbd image names that volume; one that cannot be read makes no block leftover', () => {
  const run = (o: { node?: string; line: string; state?: DevicePathState | null; zvols?: Record<string, string> }) => {
    const input = volumeInput({
      files: {
        [`/etc/pve/nodes/${o.node ?? 'pve1'}/qemu-server/100.conf`]: `scsi0: local-zfs:vm-100-disk-0,size=8G\n${o.line}\n`,
      },
      zfs: [zvol('vm-100-disk-0'), zvol('vm-105-disk-0')],
    });
    input.raw.zvolDevices = o.zvols ?? { 'rpool/data/vm-100-disk-0': 'zd0', 'rpool/data/vm-105-disk-0': 'zd16' };
    const path = /(\/dev\/\S+?)(,|$)/.exec(o.line)?.[1] ?? '';
    const devicePaths = o.state === undefined ? undefined : { [path]: o.state };
    return entry(classifyVolumes({ ...input, devicePaths }).entries, 'local-zfs:vm-105-disk-0');
  };
  const rows: {
    name: string;
    o: Parameters<typeof run>[0];
    want: [string, string];
    detail?: RegExp;
    protectedBy?: string[];
  }[] = [
    // A site's udev rule (SYMLINK+="vmdisks/db01") to the zvol's device, and a partition of it.
    {
      name: 'own link',
      o: { line: 'scsi1: /dev/vmdisks/db01', state: { path: '/dev/zd16', devno: '230:16' } },
      want: ['valid', 'referenced'],
      detail: /VM 100 scsi1/,
    },
    {
      name: 'by-id of a partition',
      o: { line: 'scsi1: /dev/disk/by-id/my-db-part1', state: { path: '/dev/zd16p1', devno: '230:17' } },
      want: ['valid', 'referenced'],
    },
    {
      name: '/dev/zdN itself',
      o: { line: 'scsi1: /dev/zd16', state: { path: '/dev/zd16', devno: '230:16' } },
      want: ['valid', 'referenced'],
    },
    {
      name: 'the plugin path',
      o: { line: 'scsi1: /dev/zvol/rpool/data/vm-105-disk-0', state: null },
      want: ['valid', 'referenced'],
    },
    // Cannot be told (no read failed): no leftover on "no config names it", protected with the reason.
    {
      name: 'links in a loop',
      o: { line: 'scsi1: /dev/vmdisks/db01', state: { path: '/dev/vmdisks/db01', loop: true } },
      want: ['orphan', 'guest-missing'],
      protectedBy: ['path-unchecked'],
      detail: /VM 100 scsi1 names \/dev\/vmdisks\/db01, which goes round in a loop/,
    },
    {
      name: 'a zvol device no listing names',
      o: { line: 'scsi1: /dev/vmdisks/db01', state: { path: '/dev/zd32', devno: '230:32' } },
      want: ['orphan', 'guest-missing'],
      protectedBy: ['path-unchecked'],
      detail: /leads to \/dev\/zd32, which no zvol/,
    },
    // Neighbours: a physical disk; a path that is not there; another node's config (its links are its own).
    {
      name: 'a disk',
      o: { line: 'scsi1: /dev/disk/by-id/ata-X', state: { path: '/dev/sdb', devno: '8:16' } },
      want: ['orphan', 'guest-missing'],
    },
    { name: 'not there', o: { line: 'scsi1: /dev/vmdisks/gone', state: null }, want: ['orphan', 'guest-missing'] },
    {
      name: 'another node',
      o: { node: 'pve2', line: 'scsi1: /dev/vmdisks/db01', state: { path: '/dev/zd16', devno: '230:16' } },
      want: ['orphan', 'guest-missing'],
    },
    {
      name: 'an older capture (no path table)',
      o: { line: 'scsi1: /dev/vmdisks/db01' },
      want: ['orphan', 'guest-missing'],
    },
  ];
  for (const r of rows) {
    const e = run(r.o);
    assert.deepEqual([e.status, e.reason], r.want, `${r.name}: ${e.detail}`);
    if (r.detail) assert.match(`${e.detail} ${(e.references ?? []).join(' ')}`, r.detail, r.name);
    if (r.want[0] !== 'orphan' || r.protectedBy) assert.equal(e.hint, undefined, r.name);
    assert.deepEqual(e.protectedBy.includes('path-unchecked'), Boolean(r.protectedBy), r.name);
  }
});
