// The volumes part as a whole (classify-volumes.ts classifyVolumes): which storages it lists (those that
// hold guest volumes: pve-storage Storage.pm content `images`/`rootdir`), a ZFS or RBD listing that lacks
// a volume a config names (UNKNOWN, unless the guest's own operation is freeing it: QemuServer.pm
// destroy_vm frees, then removes the config), the part's error and warnings, leftovers by VMID, the
// guests it names, the RBD images whose watchers decide their verdict (RBDPlugin.pm: a client of any node
// may have an image open), and the part when nothing could be listed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyVolumes, rbdWatchCandidates, unknownVolumes } from '../../src/core/volumes/classify-volumes';
import { volumeSeverity, volumesSummary } from '../../src/core/volumes/volume-summary';
import { type Node, STORAGE_CFG, volumeInput, zsnap, zvol } from '../helpers/volume-node';

const conf = (node: string, vmid: number, body: string) => ({
  [`/etc/pve/nodes/${node}/qemu-server/${vmid}.conf`]: body,
});
const upid = (type: string, id: string) => `UPID:pve1:000B7C1A:0A1B2C3D:67A1B2C3:${type}:${id}:root@pam: 1`;
const part = (n: Node) => classifyVolumes(volumeInput(n));
const SUBVOL_301 =
  'rpool/data/subvol-301-disk-0\tfilesystem\t-\t57344\t57344\t8589934592\t-\t/rpool/data/subvol-301-disk-0';

test("a VMID known only through pve-health's quarantine is no guest; beside it, a leftover's VMID is one", () => {
  const r = part({
    files: { '/etc/pve/storage.cfg': STORAGE_CFG },
    zfs: [
      'rpool/data/pve-health-quarantine\tfilesystem\t-\t0\t98304\t-\t-\t/rpool/data/pve-health-quarantine',
      zvol('pve-health-quarantine/pve-health-q.20261120T101010Z.vm-997-disk-0'),
      zvol('vm-998-disk-0'),
    ],
  });
  assert.deepEqual(
    r.entries.map((e) => [e.volid, e.vmid, e.status, e.reason]),
    [
      ['local-zfs:vm-997-disk-0', 997, 'ignored', 'quarantined'],
      ['local-zfs:vm-998-disk-0', 998, 'orphan', 'guest-missing'],
    ],
  );
  assert.deepEqual(
    r.guests?.map((g) => g.vmid),
    [998],
  );
});

test('the part: storages that hold guest volumes, leftovers by VMID (sorted, sizes summed), the guests it names', () => {
  const STORAGE = `${STORAGE_CFG}
dir: isos
\tpath /srv/iso
\tcontent iso,vztmpl
`;
  const MOUNTINFO = '22 1 0:21 / / rw,relatime shared:1 - zfs rpool/ROOT/pve-1 rw,xattr,posixacl\n';
  const r = classifyVolumes({
    ...volumeInput({
      files: {
        '/etc/pve/storage.cfg': STORAGE,
        ...conf('pve1', 100, 'scsi0: local-zfs:vm-100-disk-0,size=8G\n'),
      },
      zfs: [
        zvol('vm-100-disk-0'),
        zvol('vm-999-disk-0'),
        zsnap('vm-999-disk-0@before'),
        zvol('vm-999-disk-1'),
        zvol('vm-998-disk-0'),
        SUBVOL_301,
        // no VMID by PVE's grammar: no leftover of a VMID, no guest
        zvol('scratch'),
      ],
      local: [{ name: '996/vm-996-disk-0.qcow2', sizeBytes: 10, usedBytes: 7 }],
    }),
    // the host mount table read whole: the subvol is not mounted, a plain leftover
    hostMountinfo: MOUNTINFO,
  });
  // the iso-only storage holds no guest volume: not listed, not read
  assert.deepEqual(
    r.storages.map((s) => [s.storage, s.status, 'error' in s]),
    [
      ['local-zfs', 'ok', false],
      ['local', 'ok', false],
    ],
  );
  assert.equal(r.entries.length, 8);
  assert.ok(r.entries.every((e) => typeof e === 'object'));
  assert.deepEqual(r.vmidLeftovers, [
    { vmid: 301, volids: ['local-zfs:subvol-301-disk-0'], sizeBytes: 8589934592, usedBytes: 57344 },
    { vmid: 996, volids: ['local:996/vm-996-disk-0.qcow2'], sizeBytes: 10, usedBytes: 7 },
    { vmid: 998, volids: ['local-zfs:vm-998-disk-0'], sizeBytes: 8589934592, usedBytes: 57344 },
    // the snapshot is not a volume of its own: two volumes, their sizes summed
    {
      vmid: 999,
      volids: ['local-zfs:vm-999-disk-0', 'local-zfs:vm-999-disk-1'],
      sizeBytes: 2 * 8589934592,
      usedBytes: 2 * 57344,
    },
  ]);
  // the guests it names: this node's guest and every VMID a volume names; a subvol's VMID is a container
  assert.deepEqual(
    r.guests?.map((g) => [g.vmid, g.type, g.status]),
    [
      [100, 'qemu', 'stopped'],
      [301, 'lxc', 'missing'],
      [996, 'qemu', 'missing'],
      [998, 'qemu', 'missing'],
      [999, 'qemu', 'missing'],
    ],
  );
  // nothing unknown: no error, no warning
  assert.equal('error' in r, false);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.status, 1);
});

test('a leftover of a VMID is an orphan of a missing guest: other orphans, unknown ones and snapshots are not', () => {
  const r = part({
    files: conf('pve1', 100, 'scsi0: local-zfs:vm-100-disk-0,size=8G\n'),
    // no host mount table: the subvol of a missing guest is unknown (is a container running from it?)
    zfs: [zvol('vm-100-disk-0'), zsnap('vm-100-disk-0@old'), SUBVOL_301],
    rbd: '[]',
    rbdTrash: JSON.stringify([{ id: 't1', name: 'vm-402-disk-0', source: 'USER', deleted_at: 'x', status: 'y' }]),
  });
  assert.deepEqual(
    r.entries.map((e) => [e.volid, e.snapshot ?? null, e.status, e.reason]),
    [
      ['local-zfs:vm-100-disk-0', null, 'valid', 'referenced'],
      ['local-zfs:vm-100-disk-0', 'old', 'orphan', 'snapshot-missing'],
      ['local-zfs:subvol-301-disk-0', null, 'unknown', 'mounts-unread'],
      ['ceph-vm:vm-402-disk-0', null, 'orphan', 'in-trash'],
    ],
  );
  // the reason names the missing mount table as such
  assert.match(r.entries[2].detail, /the host mount table \(\/proc\/self\/mountinfo\) is empty$/);
  assert.deepEqual(r.vmidLeftovers, []);
});

// A zfs or rbd listing read whole (exit 0, parsed, the pool shown) that lacks a volume a config names: the
// volume is gone (pvesm free by hand, a destroy cut between vdisk_free and destroy_config), a state PVE
// leaves: the guest's missing disk, critical for a drive it starts with, and the rest of the storage graded.
// Never UNKNOWN for the storage: only a failed or cut listing is (volume-storages.test.ts).
test('a zfs or rbd listing without a volume the configs name: a critical entry for the guest, unless its guest is freeing it', () => {
  const A = 'scsi0: local-zfs:vm-100-disk-0,size=8G\n';
  const rows: { name: string; n: Node; storage: string; missing: [string, string, number][] }[] = [
    {
      name: 'a VM of this node names it',
      n: { files: conf('pve1', 100, A) },
      storage: 'local-zfs',
      missing: [['local-zfs:vm-100-disk-0', 'VM 100 scsi0', 2]],
    },
    {
      name: 'its config has a lock (destroy_vm frees the volumes, then removes the config)',
      n: { files: conf('pve1', 100, `${A}lock: destroyed\n`) },
      storage: 'local-zfs',
      missing: [],
    },
    {
      name: 'a task of that guest runs',
      n: { files: conf('pve1', 100, A), tasks: `${upid('qmdestroy', '100')}\n` },
      storage: 'local-zfs',
      missing: [],
    },
    {
      name: 'a task of another guest runs',
      n: { files: conf('pve1', 100, A), tasks: `${upid('qmdestroy', '1000')}\n` },
      storage: 'local-zfs',
      missing: [['local-zfs:vm-100-disk-0', 'VM 100 scsi0', 2]],
    },
    {
      name: 'a cloud-init drive (qemu-server commit_cloudinit_disk allocates it again at start)',
      n: { files: conf('pve1', 100, `${A}ide2: local-zfs:vm-100-cloudinit,media=cdrom\n`) },
      storage: 'local-zfs',
      missing: [['local-zfs:vm-100-disk-0', 'VM 100 scsi0', 2]],
    },
    {
      name: 'named only by a [PENDING] change',
      n: { files: conf('pve1', 100, '[PENDING]\nscsi1: local-zfs:vm-100-disk-1,size=8G\n') },
      storage: 'local-zfs',
      missing: [],
    },
    {
      name: 'named only by an unused line: a warning (the start does not use it)',
      n: { files: conf('pve1', 100, 'unused0: local-zfs:vm-100-disk-1\n') },
      storage: 'local-zfs',
      missing: [['local-zfs:vm-100-disk-1', 'VM 100 unused0', 1]],
    },
    {
      name: 'a guest of another node names it on a storage that is not shared',
      n: { files: conf('pve2', 200, 'scsi0: local-zfs:vm-200-disk-0,size=8G\n') },
      storage: 'local-zfs',
      missing: [],
    },
    {
      name: 'a guest of another node names it on a shared storage (rbd)',
      n: { files: conf('pve2', 200, 'scsi0: ceph-vm:vm-200-disk-0,size=8G\n'), rbd: '[]' },
      storage: 'ceph-vm',
      missing: [['ceph-vm:vm-200-disk-0', 'VM 200 scsi0', 2]],
    },
    {
      name: 'two missing, one listed: each missing one named, the listed one graded',
      n: {
        files: conf(
          'pve1',
          100,
          `${A}scsi1: local-zfs:vm-100-disk-1,size=8G\nscsi2: local-zfs:vm-100-disk-2,size=8G\n`,
        ),
        zfs: [zvol('vm-100-disk-1')],
      },
      storage: 'local-zfs',
      missing: [
        ['local-zfs:vm-100-disk-0', 'VM 100 scsi0', 2],
        ['local-zfs:vm-100-disk-2', 'VM 100 scsi2', 2],
      ],
    },
    {
      name: 'a file storage whose images directory was listed whole: the same rule (volume-unlisted-files.test.ts)',
      n: { files: conf('pve1', 100, 'scsi0: local:100/vm-100-disk-5.raw,size=8G\n') },
      storage: 'local',
      missing: [['local:100/vm-100-disk-5.raw', 'VM 100 scsi0', 2]],
    },
  ];
  for (const r of rows) {
    const got = part(r.n);
    const st = got.storages.find((s) => s.storage === r.storage);
    assert.ok(st, `${r.name}: storage ${r.storage} listed`);
    assert.deepEqual([st.status, st.error ?? null], ['ok', null], r.name);
    assert.deepEqual([got.error ?? null, got.warnings], [null, []], r.name);
    const missing = got.entries.filter((e) => e.reason === 'missing-referenced');
    assert.deepEqual(
      missing.map((e) => [e.volid, e.references?.[0], volumeSeverity(e)]),
      r.missing,
      r.name,
    );
    for (const e of missing) {
      assert.equal(e.status, 'valid', r.name);
      assert.match(
        e.detail,
        /which storage \S+ does not have \(((zfs list|rbd ls -l) exited 0 and was read whole|\/var\/lib\/vz\/images was listed whole)\)/,
      );
      // The guest's disk: nothing to remove, no reclaim; the step shows the config.
      assert.deepEqual(
        e.steps?.map((s) => s.kind),
        ['step'],
        r.name,
      );
    }
    const worst = Math.max(0, ...r.missing.map((m) => m[2]));
    assert.equal(got.status, worst, `${r.name}: the part's status is the missing disk's`);
  }
});

test('a guest config that could not be read is the part error only while a volume may be named by it', () => {
  const vmlist = '{\n"version": 1,\n"ids": {\n"150": { "node": "pve1", "type": "qemu", "version": 1 }}\n}\n';
  const why =
    'the config of guest 150 on pve1 could not be read (listed in .vmlist but its config file was not found): it may name this volume';
  const withVolume = part({ files: { '/etc/pve/.vmlist': vmlist }, zfs: [zvol('vm-150-disk-0')] });
  assert.deepEqual(
    withVolume.entries.map((e) => [e.volid, e.status, e.reason]),
    [['local-zfs:vm-150-disk-0', 'unknown', 'config-unreadable']],
  );
  assert.deepEqual([withVolume.error, withVolume.warnings], [why, [why]]);
  // no volume at all: nothing it could name, nothing unknown
  const none = part({ files: { '/etc/pve/.vmlist': vmlist } });
  assert.deepEqual([none.error ?? null, none.warnings], [null, []]);
  // only volumes a config that was read names: none of them unknown for it
  const vmlist2 =
    '{\n"version": 1,\n"ids": {\n"100": { "node": "pve1", "type": "qemu", "version": 1 },\n' +
    '"150": { "node": "pve1", "type": "qemu", "version": 1 }}\n}\n';
  const A = 'scsi0: local-zfs:vm-100-disk-0,size=8G\n';
  const named = part({ files: { '/etc/pve/.vmlist': vmlist2, ...conf('pve1', 100, A) }, zfs: [zvol('vm-100-disk-0')] });
  assert.deepEqual(
    named.entries.map((e) => [e.volid, e.status, e.reason]),
    [['local-zfs:vm-100-disk-0', 'valid', 'referenced']],
  );
  assert.deepEqual([named.error ?? null, named.warnings], [null, []]);
  // with a named volume missing too: the unread config is the part's error, the missing disk its own entry
  const both = part({
    files: { '/etc/pve/.vmlist': vmlist2, ...conf('pve1', 100, A) },
    zfs: [zvol('vm-151-disk-0')],
  });
  assert.deepEqual([both.error, both.warnings], [why, [why]]);
  assert.deepEqual(
    both.entries.map((e) => [e.volid, e.status, e.reason]),
    [
      ['local-zfs:vm-151-disk-0', 'unknown', 'config-unreadable'],
      ['local-zfs:vm-100-disk-0', 'valid', 'missing-referenced'],
    ],
  );
});

test('listing notes and replication warnings reach the part warnings', () => {
  const unsupported = { argv: ['rbd'], code: 22, stdout: '', stderr: 'rbd: error parsing command trash ls\n' };
  const r = part({ rbd: '[]', rbdTrash: unsupported });
  assert.deepEqual(r.warnings, [
    "ceph-vm: images in the Ceph trash are not checked: this rbd has no 'trash ls' (rbd: error parsing command trash ls)",
  ]);
  const rep = classifyVolumes({ ...volumeInput({}), replicationState: '{ not json' });
  assert.deepEqual(rep.warnings, [
    'pve-replication-state.json: invalid JSON (PVE itself refuses it: "invalid json data")',
  ]);
});

test('snapshots move with their volume: no reclaim of a snapshot whose volume is offered, nor of a file volume with snapshots', () => {
  const r = part({
    zfs: [zvol('vm-999-disk-0'), zsnap('vm-999-disk-0@before')],
    local: [{ name: '996/vm-996-disk-0.qcow2' }, { name: '996/snap-s1-vm-996-disk-0.qcow2' }],
  });
  assert.deepEqual(
    r.entries.map((e) => [e.volid, e.snapshot ?? null, e.steps?.map((s) => s.kind) ?? null]),
    [
      // no guest 999: created again, rescan adopts it (volume-rescan.ts)
      ['local-zfs:vm-999-disk-0', null, ['keep', 'reclaim', 'drop']],
      // the snapshot keeps its own removal; reclaim takes it with the volume
      ['local-zfs:vm-999-disk-0', 'before', ['drop']],
      // a qcow2 with chain snapshots: reclaim would leave them behind, so the volume is not offered
      ['local:996/vm-996-disk-0.qcow2', null, ['keep', 'drop']],
      ['local:996/vm-996-disk-0.qcow2', 's1', null],
    ],
  );
  // the hint follows its steps
  const snap = r.entries.find((e) => e.snapshot === 'before');
  assert.doesNotMatch(snap?.hint ?? '', /reclaim/);
});

test('rbdWatchCandidates: the rbd images whose verdict waits for rbd status, no snapshot, trash entry or other storage', () => {
  const images = JSON.stringify([
    { image: 'vm-400-disk-0', id: 'a', size: 1, format: 2 },
    { image: 'vm-400-disk-0', id: 'a', size: 1, format: 2, snapshot: 's', snapshot_id: 3 },
    { image: 'vm-401-disk-0', id: 'b', size: 1, format: 2, lock_type: 'exclusive' },
    // referenced and locked: its guest has it open, no question for rbd status
    { image: 'vm-100-disk-0', id: 'c', size: 1, format: 2, lock_type: 'exclusive' },
  ]);
  const trash = JSON.stringify([{ id: 't1', name: 'vm-402-disk-0', source: 'USER', deleted_at: 'x', status: 'y' }]);
  const input = volumeInput({
    files: conf('pve1', 100, 'scsi0: ceph-vm:vm-100-disk-0,size=8G\n'),
    rbd: images,
    rbdTrash: trash,
    zfs: [zvol('vm-999-disk-0')],
  });
  assert.deepEqual(rbdWatchCandidates(input), [
    { storage: 'ceph-vm', image: 'vm-400-disk-0' },
    { storage: 'ceph-vm', image: 'vm-401-disk-0' },
  ]);
});

test('nothing could be listed: the part is UNKNOWN with its reason, never an empty OK', () => {
  assert.deepEqual(unknownVolumes('pvesm not found'), {
    // the summary of nothing: every count 0
    summary: volumesSummary([], []),
    entries: [],
    storages: [],
    vmidLeftovers: [],
    status: 3,
    error: 'pvesm not found',
    warnings: [],
  });
});

test('the newest sync snapshot of a job is its base, in any listing order (Replication.pm prepare keeps the last_sync one)', () => {
  const LAST = /\(the last sync: the base the next incremental sync starts from\)$/;
  const OLDER = /\(an older sync; the job removes it on its next run\)$/;
  const rows: { name: string; snaps: string[]; last: string | null }[] = [
    {
      name: 'older first',
      snaps: ['__replicate_100-0_1700000000__', '__replicate_100-0_1700000100__'],
      last: '__replicate_100-0_1700000100__',
    },
    {
      name: 'newer first',
      snaps: ['__replicate_100-0_1700000100__', '__replicate_100-0_1700000000__'],
      last: '__replicate_100-0_1700000100__',
    },
    { name: 'one sync at the epoch', snaps: ['__replicate_100-0_0__'], last: '__replicate_100-0_0__' },
  ];
  for (const r of rows) {
    const got = part({
      files: {
        ...conf('pve1', 100, 'scsi0: local-zfs:vm-100-disk-0,size=8G\n'),
        '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve2\n\tschedule */15\n',
      },
      zfs: [zvol('vm-100-disk-0'), ...r.snaps.map((s) => zsnap(`vm-100-disk-0@${s}`))],
    });
    for (const s of r.snaps) {
      const e = got.entries.find((x) => x.snapshot === s);
      assert.match(e?.detail ?? '', s === r.last ? LAST : OLDER, `${r.name}: ${s}`);
    }
  }
});

test("a leftover of a VMID is never a volume another node's guest may be using on a share", () => {
  // storage.cfg calls `local` local, but /var/lib/vz is an NFS mount and VM 200 on pve2 names 999's file
  const MI =
    '22 1 0:21 / / rw,relatime shared:1 - zfs rpool/ROOT/pve-1 rw,xattr,posixacl\n' +
    '40 22 0:50 / /var/lib/vz rw,relatime shared:30 - nfs4 192.0.2.10:/vz rw,vers=4.2\n';
  const r = classifyVolumes({
    ...volumeInput({
      files: conf('pve2', 200, 'scsi0: local:999/vm-999-disk-0.raw,size=8G\n'),
      local: [{ name: '999/vm-999-disk-0.raw' }, { name: '998/vm-998-disk-0.raw' }],
    }),
    hostMountinfo: MI,
  });
  assert.deepEqual(
    r.entries.map((e) => [e.volid, e.status, e.reason]),
    [
      // its guest is gone, but VM 200 of pve2 uses it on the share (shared by the mount): no leftover of 999
      ['local:999/vm-999-disk-0.raw', 'valid', 'referenced'],
      ['local:998/vm-998-disk-0.raw', 'orphan', 'guest-missing'],
    ],
  );
  assert.deepEqual(
    r.vmidLeftovers.map((l) => l.vmid),
    [998],
  );
});

// The missing disk's entry whole (volume-unlisted.ts namedMissing): what each field says. A volume named
// by a drive and an unused line whose only trace in the pool is a snapshot (zfs list shows `@s1`, not the
// volume: a snapshot is no volume, the guest still cannot start); an unused line of a guest on another node
// on shared RBD (a warning there, that node's guest).
test("a missing disk's entry: the first line that blocks the start, the others counted, the guest's node", () => {
  const missingOf = (n: Node) => part(n).entries.filter((e) => e.reason === 'missing-referenced');
  const base = {
    format: null,
    status: 'valid',
    reason: 'missing-referenced',
    sizeBytes: null,
    usedBytes: null,
    open: false,
    holders: [],
    pending: false,
    protected: false,
    protectedBy: [],
  };
  const step = (vmid: number, node: string) => ({
    kind: 'step',
    text: `restore the disk from a backup, or detach the line from VM ${vmid}'s config (on ${node}); see it`,
    command: ['qm', 'config', String(vmid)],
    irreversible: false,
  });
  const a = missingOf({
    files: conf('pve1', 100, 'unused0: local-zfs:vm-100-disk-0\nscsi0: local-zfs:vm-100-disk-0,size=8G\n'),
    zfs: [zsnap('vm-100-disk-0@s1')],
  });
  assert.deepEqual(
    a.map(({ hint: _, ...e }) => e),
    [
      {
        ...base,
        volid: 'local-zfs:vm-100-disk-0',
        storage: 'local-zfs',
        type: 'zfspool',
        vmid: 100,
        detail:
          'VM 100 scsi0 (+1 more) names local-zfs:vm-100-disk-0, which storage local-zfs does not have (zfs list exited 0 and was read whole): the guest will not start',
        references: ['VM 100 unused0', 'VM 100 scsi0'],
        missing: { blocksStart: true },
        guestNode: 'pve1',
        steps: [step(100, 'pve1')],
      },
    ],
  );
  const b = missingOf({ files: conf('pve2', 200, 'unused1: ceph-vm:vm-200-disk-0\n'), rbd: '[]' });
  assert.deepEqual(
    b.map(({ hint: _, ...e }) => e),
    [
      {
        ...base,
        volid: 'ceph-vm:vm-200-disk-0',
        storage: 'ceph-vm',
        type: 'rbd',
        vmid: 200,
        detail:
          'VM 200 unused1 names ceph-vm:vm-200-disk-0, which storage ceph-vm does not have (rbd ls -l exited 0 and was read whole)',
        references: ['VM 200 unused1'],
        missing: { blocksStart: false },
        guestNode: 'pve2',
        steps: [step(200, 'pve2')],
      },
    ],
  );
});
