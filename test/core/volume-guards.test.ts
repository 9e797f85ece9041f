// The last word on a volume's verdict (volume-guards.ts doubtGuards): an orphan that rests on "no config
// names it" is unknown while a config that could name it was not seen (pmxcfs lists the guest in .vmlist,
// its config is not there: pmxcfs-gaps.ts unseenConfigs) or a config's device path of this node leads
// nowhere this check can name; on a replicated storage type (pvesr.pm $replicatable_storage_types:
// zfspool) a copy or a `__replicate_` snapshot is unknown while replication.cfg cannot be believed, and a
// copy whose sync snapshots name a job the file does not list is said to disagree, with nothing to remove.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ClassifyVolumesInput, classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { type Node, volumeInput, zsnap, zvol } from '../helpers/volume-node';

const vmlist = (ids: Record<number, string>) =>
  `{\n"version": 1,\n"ids": {\n${Object.entries(ids)
    .map(([id, node]) => `"${id}": { "node": "${node}", "type": "qemu", "version": 1 }`)
    .join(',\n')}}\n\n}\n`;
const conf = (node: string, vmid: number, text: string) => ({
  [`/etc/pve/nodes/${node}/qemu-server/${vmid}.conf`]: text,
});
/** A replication.cfg line before any section header: SectionConfig cannot place it (a cut file). */
const GARBLED = '\tschedule */15\n';
const REP = '__replicate_100-0_1700000000__';
const REMOVED = '__replicate_100-9_1700000000__';

function classify(n: Node, more?: Partial<ClassifyVolumesInput>) {
  return classifyVolumes({ ...volumeInput(n), ...more }).entries;
}

test('no config names it is believed only while every config that could name it was seen', () => {
  const unreadHere = {
    '/etc/pve/.vmlist': vmlist({ 200: 'pve1', 300: 'pve1' }),
    ...conf('pve1', 300, 'scsi0: local-zfs:vm-300-disk-1,size=8G\n'),
  };
  const rows: {
    name: string;
    n: Node;
    more?: Partial<ClassifyVolumesInput>;
    volid: string;
    snapshot?: string;
    status: string;
    reason: string;
    /** The detail's end after the verdict's own words. */
    but?: string;
    protectedBy?: string[];
  }[] = [
    {
      name: 'guest gone, a config of this node unread',
      n: { files: { '/etc/pve/.vmlist': vmlist({ 200: 'pve1' }) }, zfs: [zvol('vm-300-disk-0')] },
      volid: 'local-zfs:vm-300-disk-0',
      status: 'unknown',
      reason: 'config-unreadable',
      but: 'no guest 300 exists in the cluster; but the config of guest 200 on pve1 could not be read (listed in .vmlist but its config file was not found): it may name this volume',
    },
    {
      // On a local storage only this node's configs can name the volume (facts §2).
      name: 'guest gone, only another node has a config unread',
      n: { files: { '/etc/pve/.vmlist': vmlist({ 200: 'pve2' }) }, zfs: [zvol('vm-300-disk-0')] },
      volid: 'local-zfs:vm-300-disk-0',
      status: 'orphan',
      reason: 'guest-missing',
      but: 'no guest 300 exists in the cluster',
    },
    {
      name: 'not referenced by its guest, a config of this node unread',
      n: { files: unreadHere, zfs: [zvol('vm-300-disk-0'), zvol('vm-300-disk-1')] },
      volid: 'local-zfs:vm-300-disk-0',
      status: 'unknown',
      reason: 'config-unreadable',
      but: 'guest 300 exists (on pve1) but no line of its config names vm-300-disk-0; but the config of guest 200 on pve1 could not be read (listed in .vmlist but its config file was not found): it may name this volume',
    },
    {
      // snapshot-missing reads only its owners' configs, which were read: not "no config names it".
      name: 'a snapshot with no section, a config of another guest unread',
      n: {
        files: { ...unreadHere, ...conf('pve1', 300, 'scsi0: local-zfs:vm-300-disk-0,size=8G\n') },
        zfs: [zvol('vm-300-disk-0'), zsnap('vm-300-disk-0@snap1')],
      },
      volid: 'local-zfs:vm-300-disk-0',
      snapshot: 'snap1',
      status: 'orphan',
      reason: 'snapshot-missing',
      but: 'guest 300 has no snapshot section [snap1]',
    },
    {
      name: 'a referenced volume, a config unread',
      n: {
        files: { ...unreadHere, ...conf('pve1', 300, 'scsi0: local-zfs:vm-300-disk-0,size=8G\n') },
        zfs: [zvol('vm-300-disk-0')],
      },
      volid: 'local-zfs:vm-300-disk-0',
      status: 'valid',
      reason: 'referenced',
    },
    {
      // qemu-server starts a drive given by path from wherever its links lead: a zvol it may be.
      name: 'a zvol, two paths of this node lead nowhere named',
      n: {
        files: conf('pve1', 200, 'scsi0: /dev/disk/by-id/a\nscsi1: /dev/disk/by-id/b\n'),
        zfs: [zvol('vm-300-disk-0')],
      },
      more: { devicePaths: { '/dev/disk/by-id/a': { path: '/dev/zd32' }, '/dev/disk/by-id/b': { path: '/dev/zd48' } } },
      // No failed read: protected with the reason, never unknown (the node grades as it is).
      volid: 'local-zfs:vm-300-disk-0',
      status: 'orphan',
      reason: 'guest-missing',
      protectedBy: ['path-unchecked'],
      but: 'no guest 300 exists in the cluster; but VM 200 scsi0 names /dev/disk/by-id/a, which leads to /dev/zd32, which no zvol this node lists is (+1 more): it may name this volume',
    },
    {
      name: 'an rbd image, one path of this node leads nowhere named',
      n: {
        files: conf('pve1', 200, 'scsi0: /dev/disk/by-id/a\n'),
        rbd: JSON.stringify([{ image: 'vm-300-disk-0', size: 1, format: 2 }]),
        rbdStatus: { 'vm-300-disk-0': '{"watchers":[]}' },
      },
      more: { devicePaths: { '/dev/disk/by-id/a': { path: '/dev/zd32' } } },
      volid: 'ceph-vm:vm-300-disk-0',
      status: 'orphan',
      reason: 'guest-missing',
      protectedBy: ['path-unchecked'],
      but: 'no guest 300 exists in the cluster; but VM 200 scsi0 names /dev/disk/by-id/a, which leads to /dev/zd32, which no zvol this node lists is: it may name this volume; no client watches it (rbd status)',
    },
    {
      // A block device path cannot be a file of a dir storage (Plugin.pm filesystem_path).
      name: 'a dir file, a path of this node leads nowhere named',
      n: { files: conf('pve1', 200, 'scsi0: /dev/disk/by-id/a\n'), local: [{ name: '300/vm-300-disk-0.raw' }] },
      more: { devicePaths: { '/dev/disk/by-id/a': { path: '/dev/zd32' } } },
      volid: 'local:300/vm-300-disk-0.raw',
      status: 'orphan',
      reason: 'guest-missing',
      but: 'no guest 300 exists in the cluster',
    },
    {
      // storage.cfg calls `local` local but its path is an NFS mount: the mount says shared, and guest 100 on
      // pve2 runs from this very file (referenced), whatever else is unread.
      name: 'a copy on a local storage that is a network mount, a config of this node unread',
      n: {
        files: {
          '/etc/pve/.vmlist': vmlist({ 100: 'pve2', 200: 'pve1' }),
          ...conf('pve2', 100, 'scsi0: local:100/vm-100-disk-0.raw,size=8G\n'),
        },
        local: [{ name: '100/vm-100-disk-0.raw' }],
      },
      more: {
        hostMountinfo:
          '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n40 22 0:53 / /var/lib/vz rw,relatime shared:2 - nfs4 10.0.0.5:/export/vz rw,vers=4.2\n',
      },
      volid: 'local:100/vm-100-disk-0.raw',
      status: 'valid',
      reason: 'referenced',
      but: 'referenced by VM 100 scsi0',
    },
  ];
  for (const r of rows) {
    const e = classify(r.n, r.more).find((x) => x.volid === r.volid && x.snapshot === r.snapshot);
    assert.ok(e, r.name);
    assert.deepEqual([e.status, e.reason], [r.status, r.reason], `${r.name}: ${JSON.stringify(e)}`);
    if (r.but) assert.equal(e.detail, r.but, r.name);
    if (r.status === 'unknown') assert.equal(e.steps, undefined, r.name);
    assert.deepEqual(e.protectedBy, r.protectedBy ?? e.protectedBy.filter((p) => p !== 'path-unchecked'), r.name);
    if (r.protectedBy) assert.equal(e.hint, undefined, `${r.name}: no step while protected`);
  }
});

test('replication.cfg in doubt: a copy and a sync snapshot are unknown; a disagreeing copy is said, never freed', () => {
  const there = conf('pve2', 100, 'scsi0: local-zfs:vm-100-disk-0,size=8G\n');
  const rows: {
    name: string;
    files: Record<string, string>;
    zfs?: string[];
    volid?: string;
    snapshot?: string;
    status: string;
    reason: string;
    detail: RegExp;
    hint?: string;
  }[] = [
    {
      name: 'a copy of a guest of pve2, replication.cfg not whole',
      files: { ...there, '/etc/pve/replication.cfg': GARBLED },
      status: 'unknown',
      reason: 'config-unreadable',
      detail:
        /^guest 100 lives on pve2;.*; but \/etc\/pve\/replication\.cfg is not whole \(line not understood: schedule \*\/15\)$/,
    },
    {
      name: 'a copy of a guest of pve2, no job, the file whole',
      files: there,
      status: 'orphan',
      reason: 'guest-on-other-node',
      detail: /^guest 100 lives on pve2;.*targets pve1; VM 100's config on pve2 names this very volume ID/,
    },
    {
      name: "a removed job's sync snapshot, replication.cfg not whole",
      files: { ...conf('pve1', 100, 'scsi0: local-zfs:vm-100-disk-0,size=8G\n'), '/etc/pve/replication.cfg': GARBLED },
      zfs: [zsnap(`vm-100-disk-0@${REMOVED}`)],
      snapshot: REMOVED,
      status: 'unknown',
      reason: 'config-unreadable',
      detail: /; but \/etc\/pve\/replication\.cfg is not whole/,
    },
    {
      // Only zfspool is replicated: a dir file's verdict never waits for replication.cfg.
      name: 'a dir file of a gone guest, replication.cfg not whole',
      files: { '/etc/pve/replication.cfg': GARBLED },
      volid: 'local:300/vm-300-disk-0.raw',
      status: 'orphan',
      reason: 'guest-missing',
      detail: /^no guest 300 exists in the cluster$/,
    },
    {
      name: 'a referenced zvol, replication.cfg not whole',
      files: { ...conf('pve1', 100, 'scsi0: local-zfs:vm-100-disk-0,size=8G\n'), '/etc/pve/replication.cfg': GARBLED },
      status: 'valid',
      reason: 'referenced',
      detail: /^referenced by /,
    },
    {
      // A plain snapshot of a gone guest's zvol is no replication state (its volume is judged above).
      name: "a plain snapshot of a gone guest's zvol, replication.cfg not whole",
      files: { '/etc/pve/replication.cfg': GARBLED },
      zfs: [zvol('vm-300-disk-0'), zsnap('vm-300-disk-0@snap1')],
      volid: 'local-zfs:vm-300-disk-0',
      snapshot: 'snap1',
      status: 'orphan',
      reason: 'guest-missing',
      detail: /^snapshot snap1 of a volume no config names, whose guest 300 no longer exists$/,
    },
    {
      // pvesr delete --force/--keep leaves the target's copy and its sync snapshots (ReplicationConfig.pm).
      name: 'a copy of a guest of pve2 carrying a sync snapshot of a job the file does not list',
      files: there,
      zfs: [zsnap(`vm-100-disk-0@${REP}`)],
      status: 'orphan',
      reason: 'guest-on-other-node',
      detail:
        /; but this copy carries sync snapshots of replication job 100-0, which \/etc\/pve\/replication\.cfg does not list/,
      hint: 'nothing to remove while they disagree: on pve2, see the jobs of 100: pvesr status --guest 100',
    },
    {
      // The live job's own sync snapshot on its replica is the job's, whatever an older job left beside it.
      name: "a live job's sync snapshot on a replica that also carries a removed job's",
      files: { ...there, '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve1\n' },
      zfs: [zsnap(`vm-100-disk-0@${REP}`), zsnap(`vm-100-disk-0@${REMOVED}`)],
      snapshot: REP,
      status: 'valid',
      reason: 'referenced',
      detail: /^replication snapshot of replication job 100-0 \([^;]*\)$/,
    },
  ];
  for (const r of rows) {
    const volid = r.volid ?? 'local-zfs:vm-100-disk-0';
    const zfs = r.zfs?.some((z) => z.includes('\tvolume\t')) ? r.zfs : [zvol(volid.split(':')[1]), ...(r.zfs ?? [])];
    const local = volid.startsWith('local:') ? [{ name: volid.slice(6) }] : [];
    const e = classify({ files: r.files, zfs: volid.startsWith('local:') ? [] : zfs, local }).find(
      (x) => x.volid === volid && x.snapshot === r.snapshot,
    );
    assert.ok(e, r.name);
    assert.deepEqual([e.status, e.reason], [r.status, r.reason], `${r.name}: ${JSON.stringify(e)}`);
    assert.match(e.detail, r.detail, r.name);
    assert.equal(e.hint, r.hint ?? e.hint, r.name);
    if (r.hint || r.status !== 'orphan') assert.equal(e.steps, undefined, r.name);
  }
});
