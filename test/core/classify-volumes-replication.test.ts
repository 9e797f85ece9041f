// Storage replication seen from a node's volumes (pve-guest-common ReplicationConfig.pm, ReplicationState.pm
// job_status, Replication.pm prepare; pve-manager PVE/CLI/pvesr.pm prepare_local_job): the parsers, the
// replica rule on the target, the source side, a stolen guest, `__replicate_` snapshots of live and removed
// jobs — each with its neighbours, table-driven.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseReplicationConfig,
  parseReplicationSnapshot,
  parseReplicationState,
} from '../../src/core/parse/replication';
import { classify, entry, zsnap, zvol } from '../helpers/volume-node';

test('parseReplicationConfig: SectionConfig jobs with target, source, disable, remove_job; ids as integers; guests < 100 refused', () => {
  const cfg = parseReplicationConfig(
    [
      'local: 100-0',
      '\ttarget pve2',
      '\tschedule */15',
      '\tsource pve1',
      '',
      '# a comment',
      'local: 0101-01',
      '\ttarget pve3',
      '\tdisable',
      '',
      'local: 102-3',
      '\ttarget pve2',
      '\tremove_job full',
      '',
      'local: 99-0',
      '\ttarget pve2',
    ].join('\n'),
  );
  assert.deepEqual(
    cfg.jobs.map((j) => [j.id, j.vmid, j.target, j.source, j.disabled, j.removeJob]),
    [
      ['100-0', 100, 'pve2', 'pve1', false, null],
      ['101-1', 101, 'pve3', null, true, null],
      ['102-3', 102, 'pve2', null, false, 'full'],
    ],
  );
  assert.match(cfg.warnings.join('\n'), /99-0.*reserved/);
  assert.deepEqual(parseReplicationConfig('').jobs, []);
});

test('parseReplicationState / parseReplicationSnapshot: the state file by guest and local/<target>, snapshot names', () => {
  const st = parseReplicationState(
    '{"100":{"local/pve2":{"last_sync":1712650000,"last_try":1712650000,"fail_count":2,"storeid_list":["local-zfs"]}}}',
  );
  assert.deepEqual(st?.get('100|local/pve2'), { lastSync: 1712650000, failCount: 2, storeids: ['local-zfs'] });
  assert.equal(parseReplicationState('not json'), null);
  assert.equal(parseReplicationState('[]'), null);
  assert.deepEqual(parseReplicationSnapshot('__replicate_100-0_1712650000__'), {
    jobId: '100-0',
    vmid: 100,
    time: 1712650000,
  });
  for (const no of ['__replicate_100_1712650000__', '__replicate_100-0_x__', '__migration__', 'replicate_100-0_1__'])
    assert.equal(parseReplicationSnapshot(no), null, no);
});

const VM_ON = (node: string, vmid = 100, extra = '') => ({
  [`/etc/pve/nodes/${node}/qemu-server/${vmid}.conf`]: `scsi0: local-zfs:vm-${vmid}-disk-0,size=8G\n${extra}`,
});

test('replica matrix: a zvol of a guest on another node against the jobs of that guest', () => {
  const rows: {
    name: string;
    cfg: string;
    guestNode?: string;
    status: string;
    reason: string;
    pending?: boolean;
    hint: boolean;
    job?: string;
  }[] = [
    {
      name: 'job targets this node',
      cfg: 'local: 100-0\n\ttarget pve1\n',
      status: 'valid',
      reason: 'replica',
      hint: false,
      job: '100-0',
    },
    {
      name: 'disabled job keeps its replica',
      cfg: 'local: 100-0\n\ttarget pve1\n\tdisable 1\n',
      status: 'valid',
      reason: 'replica',
      hint: false,
      job: '100-0',
    },
    {
      name: 'remove_job full: the next run frees it',
      cfg: 'local: 100-0\n\ttarget pve1\n\tremove_job full\n',
      status: 'valid',
      reason: 'replica',
      pending: true,
      hint: false,
      job: '100-0',
    },
    {
      name: 'remove_job local: kept',
      cfg: 'local: 100-0\n\ttarget pve1\n\tremove_job local\n',
      status: 'valid',
      reason: 'replica',
      pending: false,
      hint: false,
      job: '100-0',
    },
    {
      name: 'second job of the guest targets this node',
      cfg: 'local: 100-0\n\ttarget pve3\n\nlocal: 100-1\n\ttarget pve1\n',
      status: 'valid',
      reason: 'replica',
      hint: false,
      job: '100-1',
    },
    {
      name: 'stolen guest: job source is this node',
      cfg: 'local: 100-0\n\ttarget pve2\n\tsource pve1\n',
      status: 'valid',
      reason: 'replica',
      pending: true,
      hint: false,
      job: '100-0',
    },
    {
      name: 'job targets a third node',
      cfg: 'local: 100-0\n\ttarget pve3\n',
      status: 'orphan',
      reason: 'guest-on-other-node',
      hint: true,
    },
    {
      name: 'job of another guest targets this node',
      cfg: 'local: 101-0\n\ttarget pve1\n',
      status: 'orphan',
      reason: 'guest-on-other-node',
      hint: true,
    },
    { name: 'no replication.cfg', cfg: '', status: 'orphan', reason: 'guest-on-other-node', hint: true },
  ];
  for (const r of rows) {
    const es = classify({
      files: { ...VM_ON(r.guestNode ?? 'pve2'), '/etc/pve/replication.cfg': r.cfg },
      zfs: [zvol('vm-100-disk-0')],
    });
    const e = entry(es, 'local-zfs:vm-100-disk-0');
    assert.deepEqual([e.status, e.reason], [r.status, r.reason], r.name);
    assert.equal(e.hint !== undefined, r.hint, `${r.name}: hint ${e.hint}`);
    if (r.pending !== undefined) assert.equal(e.pending, r.pending, r.name);
    assert.equal(e.job, r.job, r.name);
    if (r.reason === 'replica') {
      assert.equal(e.replica, true, r.name);
      assert.ok(e.protectedBy.includes(`replication-job:${r.job}`), r.name);
    }
    if (r.hint) assert.match(e.hint ?? '', /pvesm free local-zfs:vm-100-disk-0$/, r.name);
  }
});

test('replica neighbours: a dir volume is never a replica (pvesr replicates zfspool only); a guest-missing volume a job still names keeps no hint', () => {
  const dir = classify({
    files: {
      '/etc/pve/nodes/pve2/qemu-server/100.conf': 'scsi0: local:100/vm-100-disk-0.qcow2,size=8G\n',
      '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve1\n',
    },
    local: [{ name: '100/vm-100-disk-0.qcow2' }],
  });
  const d = entry(dir, 'local:100/vm-100-disk-0.qcow2');
  assert.deepEqual([d.status, d.reason], ['orphan', 'guest-on-other-node']);
  const gone = classify({
    files: { '/etc/pve/replication.cfg': 'local: 150-0\n\ttarget pve1\n' },
    zfs: [zvol('vm-150-disk-0')],
  });
  const g = entry(gone, 'local-zfs:vm-150-disk-0');
  assert.deepEqual([g.status, g.reason, g.hint], ['orphan', 'guest-missing', undefined]);
  assert.deepEqual(g.protectedBy, ['replication-job:150-0']);
  assert.match(g.detail, /replication job 150-0 still names it/);
  const noJob = entry(classify({ zfs: [zvol('vm-150-disk-0')] }), 'local-zfs:vm-150-disk-0');
  assert.match(noJob.hint ?? '', /pvesm free local-zfs:vm-150-disk-0$/);
});

test('source side: a referenced volume of a local guest names its jobs; a volume of a guest without a job names none', () => {
  const es = classify({
    files: {
      ...VM_ON('pve1'),
      ...VM_ON('pve1', 101),
      '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve2\n\tdisable 1\n',
    },
    zfs: [zvol('vm-100-disk-0'), zvol('vm-101-disk-0')],
  });
  const e = entry(es, 'local-zfs:vm-100-disk-0');
  assert.deepEqual([e.status, e.reason, e.job], ['valid', 'referenced', '100-0']);
  assert.match(e.detail, /replicated to pve2 \(job 100-0, disabled\)/);
  assert.equal(entry(es, 'local-zfs:vm-101-disk-0').job, undefined);
});

test('__replicate_ snapshots: live job (base by the state file, else the newest), older sync, removed job, job being removed', () => {
  const snaps = ['__replicate_100-0_1712640000__', '__replicate_100-0_1712650000__', '__replicate_100-9_1712000000__'];
  const rows: {
    name: string;
    files: Record<string, string>;
    snap: string;
    status: string;
    base?: boolean;
    hint?: RegExp;
    pending?: boolean;
  }[] = [
    { name: 'newest of a live job', files: {}, snap: snaps[1], status: 'valid', base: true },
    { name: 'older of a live job', files: {}, snap: snaps[0], status: 'valid', base: false },
    {
      name: 'state file names the older one as last sync',
      files: { '/var/lib/pve-manager/pve-replication-state.json': '{"100":{"local/pve2":{"last_sync":1712640000}}}' },
      snap: snaps[0],
      status: 'valid',
      base: true,
    },
    {
      name: 'removed job',
      files: {},
      snap: snaps[2],
      status: 'orphan',
      hint: /^to set it aside reversibly \(quarantine; pve-health restore brings it back\): pve-health reclaim --name local-zfs:vm-100-disk-0@__replicate_100-9_1712000000__; remove the snapshot now \(what the removed replication job would have done; irreversible\): zfs destroy rpool\/data\/vm-100-disk-0@__replicate_100-9_1712000000__$/,
    },
  ];
  for (const r of rows) {
    const es = classify({
      files: { ...VM_ON('pve1'), '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve2\n', ...r.files },
      zfs: [zvol('vm-100-disk-0'), ...snaps.map((s) => zsnap(`vm-100-disk-0@${s}`))],
    });
    const e = entry(es, 'local-zfs:vm-100-disk-0', r.snap);
    assert.equal(e.status, r.status, r.name);
    assert.equal(e.snapshotOwner, 'replication', r.name);
    if (r.base !== undefined) {
      assert.equal(/the last sync/.test(e.detail), r.base, `${r.name}: ${e.detail}`);
      assert.equal(e.hint, undefined, r.name);
      assert.ok(e.protectedBy.includes('replication-job:100-0'), r.name);
    }
    if (r.hint) {
      assert.equal(e.reason, 'snapshot-missing');
      assert.match(e.hint ?? '', r.hint, r.name);
      assert.match(e.detail, /no longer has/);
    }
  }
  // On the target: the replica's snapshots of a live job are expected, a job being removed is pending.
  const target = classify({
    files: { ...VM_ON('pve2'), '/etc/pve/replication.cfg': 'local: 100-0\n\ttarget pve1\n\tremove_job full\n' },
    zfs: [zvol('vm-100-disk-0'), zsnap(`vm-100-disk-0@${snaps[1]}`)],
  });
  const t = entry(target, 'local-zfs:vm-100-disk-0', snaps[1]);
  assert.deepEqual([t.status, t.pending, t.hint], ['valid', true, undefined]);
  assert.ok(t.protectedBy.includes('replication:100-0:remove'));
});

test('a copy of another node guest carrying sync snapshots of a job replication.cfg does not list: leftover by the file, no destructive hint', () => {
  const snap = '__replicate_100-0_1712000000__';
  const rows: { name: string; cfg: string; snaps: string[]; destructive: boolean }[] = [
    // pvesr delete --force (or --keep) removed the entry; or the file lost the job's whole section.
    { name: 'no job at all', cfg: '', snaps: [snap], destructive: false },
    { name: 'another job of the guest only', cfg: 'local: 100-1\n\ttarget pve3\n', snaps: [snap], destructive: false },
    // Neighbour: nothing on the copy names a job: the file is the only fact, and nothing contradicts it.
    { name: 'no sync snapshots', cfg: '', snaps: [], destructive: true },
  ];
  for (const r of rows) {
    const es = classify({
      files: { ...VM_ON('pve2'), '/etc/pve/replication.cfg': r.cfg },
      zfs: [zvol('vm-100-disk-0'), ...r.snaps.map((s) => zsnap(`vm-100-disk-0@${s}`))],
    });
    for (const e of [
      entry(es, 'local-zfs:vm-100-disk-0'),
      ...r.snaps.map((s) => entry(es, 'local-zfs:vm-100-disk-0', s)),
    ]) {
      const what = `${r.name}: ${e.snapshot ?? 'volume'}`;
      assert.equal(e.status, 'orphan', `${what}: ${e.detail}`);
      assert.equal(/pvesm free|zfs destroy/.test(e.hint ?? ''), r.destructive, `${what}: ${e.hint}`);
      if (!r.destructive) {
        assert.match(e.detail, /job 100-0, which \/etc\/pve\/replication.cfg does not list/, what);
        assert.match(e.hint ?? '', /on pve2, .*pvesr status --guest 100$/, what);
      }
    }
  }
});
