// Storage replication seen from one node (core/volumes/volume-replication.ts), rule by rule: the job list
// believed or doubted, which copy is a replica a job owns (pve-guest-common ReplicationState.pm job_status:
// a job targeting this node; a guest moved away whose job still names this node as source is swapped onto
// this copy), what a `__replicate_<job>_<time>__` snapshot is (Replication.pm prepare keeps the last sync,
// removes older ones; `pvesr delete --force` leaves them), and where the file and the volume disagree.
// classify-volumes-replication.test.ts proves the same through whole nodes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GuestRecord } from '../../src/core/node/guest-record';
import {
  replicaOf,
  replicateSnapshot,
  replicationDoubt,
  replicationView,
  unlistedReplication,
} from '../../src/core/volumes/volume-replication';

const guest = (vmid: number, node: string, type: 'qemu' | 'lxc' = 'qemu'): GuestRecord => ({
  vmid,
  node,
  type,
  config: null,
});
const JOB = 'local: 100-0\n\ttarget pve2\n\tschedule */15\n';

describe('replicationView: the job list, believed or doubted', () => {
  test('jobs by id and by guest (a guest may have one job per target)', () => {
    const v = replicationView(`${JOB}\nlocal: 100-1\n\ttarget pve3\n\nlocal: 200-0\n\ttarget pve2\n`, undefined);
    assert.deepEqual(
      v.byVmid.get(100)?.map((j) => j.id),
      ['100-0', '100-1'],
    );
    assert.deepEqual(
      v.byVmid.get(200)?.map((j) => j.id),
      ['200-0'],
    );
    assert.equal(v.byId.get('100-1')?.target, 'pve3');
    assert.equal(v.doubt, null);
    assert.equal(v.state, null);
  });
  test('no file (no job ever configured): no job, no doubt', () => {
    const v = replicationView(undefined, undefined);
    assert.deepEqual([v.jobs, v.doubt], [[], null]);
  });
  test('unreadable: the whole list is in doubt, with the error', () =>
    assert.equal(
      replicationView(undefined, undefined, 'EACCES').doubt,
      '/etc/pve/replication.cfg could not be read (EACCES)',
    ));
  test('a line that is no whole line (a property without its section header): in doubt, the line named', () =>
    assert.equal(
      replicationView('\ttarget pve2\n', undefined).doubt,
      '/etc/pve/replication.cfg is not whole (line not understood: target pve2)',
    ));
  test('a section PVE itself refuses and skips (a guest id < 100, Replication parse_replication_job_id) is no doubt', () => {
    const v = replicationView('local: 99-0\n\nlocal: 100-0\n\ttarget pve2\n', undefined);
    assert.equal(v.doubt, null);
    assert.deepEqual(
      v.jobs.map((j) => j.id),
      ['100-0'],
    );
  });
  // Any sign the text is not the file PVE wrote holds every guest's replication, not only the damaged job's
  // (a lost section parses cleanly; a cut value reads as another target).
  const TWO = `${JOB}\nlocal: 200-0\n\ttarget pve3\n\tsource pve1\n`;
  for (const [what, text, why] of [
    [
      'NUL bytes inside a section',
      TWO.replace('target pve3', '\0\0\0\0\0\0\0\0\0\0\0'),
      'it holds NUL bytes, which PVE never writes',
    ],
    ['NUL padding after the last section', `${TWO}\n\0\0\0\0`, 'it holds NUL bytes, which PVE never writes'],
    [
      'a last line cut mid-value',
      TWO.slice(0, TWO.indexOf('pve3') + 2),
      'its last line has no newline, cut off: "\\ttarget pv"',
    ],
    ['a last header cut', `${JOB}\nlocal: 20`, 'its last line has no newline, cut off: "local: 20"'],
    // Cut right after the tab a property line starts with: the jobs after it are lost as cleanly.
    [
      'a last line cut after its tab',
      TWO.slice(0, TWO.indexOf('\tsource') + 1),
      'its last line has no newline, cut off: "\\t"',
    ],
    // A `#` inside a cut value is no comment; a long cut line is named by its start.
    [
      'a last comment property cut',
      `${TWO}\nlocal: 300-0\n\tcomment nightly #1 ${'x'.repeat(40)}`,
      'its last line has no newline, cut off: "\\tcomment nightly #1 xxxxxxxxxxxxxxxxxxxx"',
    ],
  ] as const)
    test(`not whole (${what}): in doubt for every guest, the sign named`, () => {
      const v = replicationView(text, undefined);
      assert.equal(v.doubt, `/etc/pve/replication.cfg is not whole (${why})`);
      assert.equal(replicationDoubt(v, { vmid: 100, node: 'pve2', guestNode: 'pve1', carried: [] }), v.doubt);
    });
  test('whole files are believed: a last section without the blank line PVE writes after it, a last comment without newline, a file PVE wrote', () => {
    assert.equal(replicationView(TWO, undefined).doubt, null);
    assert.equal(replicationView(`${TWO}# note`, undefined).doubt, null);
    assert.equal(replicationView(`${TWO}  # note`, undefined).doubt, null);
    assert.equal(replicationView(`${TWO}\n`, undefined).doubt, null);
    assert.equal(replicationView('', undefined).doubt, null);
  });
  test('the state file read, or said invalid as PVE says it', () => {
    const read = replicationView(JOB, '{"100":{"local/pve2":{"last_sync":5}}}');
    assert.equal(read.state?.get('100|local/pve2')?.lastSync, 5);
    assert.deepEqual(read.warnings, []);
    const bad = replicationView(JOB, '{"100":');
    assert.equal(bad.state, null);
    assert.ok(
      bad.warnings.includes('pve-replication-state.json: invalid JSON (PVE itself refuses it: "invalid json data")'),
    );
    assert.deepEqual(replicationView(JOB, undefined).warnings, []);
  });
});

describe('replicationDoubt: what replication says of a volume, believed or not', () => {
  const o = (x: Partial<{ vmid: number; node: string; guestNode: string | null; carried: string[] }> = {}) => ({
    vmid: 100,
    node: 'pve2',
    guestNode: 'pve1',
    carried: [],
    ...x,
  });
  test('the job list in doubt: that doubt', () =>
    assert.match(
      replicationDoubt(replicationView(undefined, undefined, 'EIO'), o()) ?? '',
      /could not be read \(EIO\)/,
    ));
  test('a job of this guest without target (SectionConfig requires it: a lost line)', () =>
    assert.equal(
      replicationDoubt(replicationView('local: 100-0\n\tschedule */15\n', undefined), o()),
      'replication job 100-0 in /etc/pve/replication.cfg has no target (a line lost?)',
    ));
  test("another guest's job without target is not this volume's doubt", () =>
    assert.equal(replicationDoubt(replicationView(`${JOB}\nlocal: 200-0\n\tschedule */15\n`, undefined), o()), null));
  test("a live job's sync snapshot on a copy that job does not target: the file and the volume disagree", () =>
    assert.equal(
      replicationDoubt(replicationView('local: 100-0\n\ttarget pve3\n', undefined), o({ carried: ['100-0'] })),
      'this copy carries a sync snapshot of replication job 100-0, which targets pve3, not pve2: replication.cfg and the volume disagree',
    ));
  test('the same job without its snapshot on this copy: no disagreement', () =>
    assert.equal(replicationDoubt(replicationView('local: 100-0\n\ttarget pve3\n', undefined), o()), null));
  test('a job targeting this node, or whose source is this node (the guest was moved away): no disagreement', () => {
    assert.equal(replicationDoubt(replicationView(JOB, undefined), o({ carried: ['100-0'] })), null);
    assert.equal(
      replicationDoubt(
        replicationView('local: 100-0\n\ttarget pve1\n\tsource pve2\n', undefined),
        o({ carried: ['100-0'] }),
      ),
      null,
    );
  });
  test("the guest's own node (its volumes are the source) or a guest nowhere: no disagreement", () => {
    const v = replicationView('local: 100-0\n\ttarget pve3\n', undefined);
    assert.equal(replicationDoubt(v, o({ guestNode: 'pve2', carried: ['100-0'] })), null);
    assert.equal(replicationDoubt(v, o({ guestNode: null, carried: ['100-0'] })), null);
  });
});

describe('unlistedReplication: a copy whose sync snapshots name a job the file does not list', () => {
  const o = (carried: string[], guestNode: string | null = 'pve1') => ({ vmid: 100, node: 'pve2', guestNode, carried });
  const none = replicationView('', undefined);
  test('pvesr delete --force or --keep (or a lost section): said, nothing removed', () =>
    assert.equal(
      unlistedReplication(none, o(['100-0'])),
      'this copy carries sync snapshots of replication job 100-0, which /etc/pve/replication.cfg does not list (removed with pvesr delete --force or --keep, or a section of the file lost): the file and the volume disagree',
    ));
  test('a listed job: nothing to say', () =>
    assert.equal(unlistedReplication(replicationView(JOB, undefined), o(['100-0'])), null));
  test("another guest's job (1000-0 is not 100's): nothing to say", () =>
    assert.equal(unlistedReplication(none, o(['1000-0'])), null));
  test("on the guest's own node, or the guest nowhere: nothing to say", () => {
    assert.equal(unlistedReplication(none, o(['100-0'], 'pve2')), null);
    assert.equal(unlistedReplication(none, o(['100-0'], null)), null);
  });
});

describe('replicaOf: a copy a job owns', () => {
  test('a job of the guest targets this node: a replica, kept by the job', () => {
    const r = replicaOf(replicationView(JOB, undefined), guest(100, 'pve1'), 'pve2', 'zfspool');
    assert.equal(r?.job.id, '100-0');
    assert.equal(
      r?.detail,
      'replica of VM 100 (on pve1) kept by replication job 100-0: migration and HA recovery start from it; PVE frees it only through the job',
    );
    assert.equal(r?.pendingBy, undefined);
  });
  test('a disabled job keeps its replica; a container is a CT', () =>
    assert.match(
      replicaOf(replicationView(`${JOB}\tdisable\n`, undefined), guest(100, 'pve1', 'lxc'), 'pve2', 'zfspool')
        ?.detail ?? '',
      /^replica of CT 100 \(on pve1\) kept by disabled replication job 100-0:/,
    ));
  test('remove_job full: its next run removes the replica (pending)', () => {
    const r = replicaOf(replicationView(`${JOB}\tremove_job full\n`, undefined), guest(100, 'pve1'), 'pve2', 'zfspool');
    assert.equal(r?.pendingBy, 'replication:100-0:remove');
    assert.match(r?.detail ?? '', /replication job 100-0 \(being removed: remove_job full\)/);
  });
  test('remove_job local (only the source side is cleaned): the replica is kept, not pending', () => {
    const r = replicaOf(
      replicationView(`${JOB}\tremove_job local\n`, undefined),
      guest(100, 'pve1'),
      'pve2',
      'zfspool',
    );
    assert.equal(r?.pendingBy, undefined);
    assert.match(r?.detail ?? '', /being removed: remove_job local/);
  });
  test('the guest moved from here to its target (HA recovery): the job swaps onto this copy', () => {
    const r = replicaOf(
      replicationView('local: 100-0\n\ttarget pve1\n\tsource pve2\n', undefined),
      guest(100, 'pve1'),
      'pve2',
      'zfspool',
    );
    assert.equal(r?.pendingBy, 'replication:100-0:swap');
    assert.equal(
      r?.detail,
      'copy of VM 100, which moved from here to pve1 (HA recovery or a manual move): replication job 100-0 swaps source and target on its next run and replicates onto this copy',
    );
  });
  test('a container moved away: the same, a CT', () =>
    assert.match(
      replicaOf(
        replicationView('local: 100-0\n\ttarget pve1\n\tsource pve2\n', undefined),
        guest(100, 'pve1', 'lxc'),
        'pve2',
        'zfspool',
      )?.detail ?? '',
      /^copy of CT 100, which moved from here to pve1/,
    ));
  test('a job whose guest moved from a third node to its target is not a swap onto this copy', () =>
    assert.equal(
      replicaOf(
        replicationView('local: 100-0\n\ttarget pve1\n\tsource pve3\n', undefined),
        guest(100, 'pve1'),
        'pve2',
        'zfspool',
      ),
      null,
    ));
  test('a source job whose target is a third node is not a swap onto this copy', () =>
    assert.equal(
      replicaOf(
        replicationView('local: 100-0\n\ttarget pve3\n\tsource pve2\n', undefined),
        guest(100, 'pve1'),
        'pve2',
        'zfspool',
      ),
      null,
    ));
  test('not a replica: a job to another node, no job, the guest here, a storage pvesr does not replicate', () => {
    const v = replicationView('local: 100-0\n\ttarget pve3\n', undefined);
    assert.equal(replicaOf(v, guest(100, 'pve1'), 'pve2', 'zfspool'), null);
    assert.equal(replicaOf(replicationView('', undefined), guest(100, 'pve1'), 'pve2', 'zfspool'), null);
    assert.equal(replicaOf(replicationView(JOB, undefined), guest(100, 'pve2'), 'pve2', 'zfspool'), null);
    assert.equal(replicaOf(replicationView(JOB, undefined), guest(100, 'pve1'), 'pve2', 'lvmthin'), null);
  });
});

describe('replicateSnapshot: a __replicate_ snapshot', () => {
  const newest = (t: number | null) => () => t;
  test('not one: null', () =>
    assert.equal(replicateSnapshot(replicationView(JOB, undefined), '__migration__', newest(null)), null));
  test('of a job the file no longer has: a leftover since its time', () =>
    assert.deepEqual(
      replicateSnapshot(replicationView('', undefined), '__replicate_100-0_1712000000__', newest(null)),
      {
        live: false,
        jobId: '100-0',
        detail:
          'replication snapshot of job 100-0, which /etc/pve/replication.cfg no longer has (removed with --force?): nothing removes it, and it keeps every block changed since 2024-04-01T19:33:20Z',
      },
    ));
  test("of a job the file does not list, but the state file's last_sync of that guest is its time: kept, the state named", () => {
    const v = replicationView('', '{"100":{"local/pve2":{"last_sync":1712000000}}}');
    const r = replicateSnapshot(v, '__replicate_100-0_1712000000__', newest(null));
    assert.deepEqual(
      [r?.live, r?.jobId, r?.job, r?.detail],
      [
        true,
        '100-0',
        undefined,
        "replication snapshot of job 100-0, which /etc/pve/replication.cfg does not list, but this node's pve-replication-state.json records local/pve2 of guest 100 last synced at 2024-04-01T19:33:20Z: the base of that job's next sync (a section of the file lost?)",
      ],
    );
  });
  test('the state file does not keep another time, another guest, or a sync never made', () => {
    const v = replicationView(
      '',
      '{"100":{"local/pve2":{"last_sync":1712000001}},"101":{"local/pve2":{"last_sync":1712000000}}}',
    );
    assert.equal(replicateSnapshot(v, '__replicate_100-0_1712000000__', newest(null))?.live, false);
    const never = replicationView('', '{"100":{"local/pve2":{"last_sync":0}}}');
    assert.equal(replicateSnapshot(never, '__replicate_100-0_0__', newest(null))?.live, false);
  });
  test("the job's last sync by the state file: the base, even when a newer one exists", () => {
    const v = replicationView(JOB, '{"100":{"local/pve2":{"last_sync":1712640000}}}');
    const r = replicateSnapshot(v, '__replicate_100-0_1712640000__', newest(1712650000));
    assert.equal(r?.live, true);
    assert.equal(r?.job?.id, '100-0');
    assert.equal(
      r?.detail,
      'replication snapshot of replication job 100-0 (the last sync: the base the next incremental sync starts from)',
    );
    assert.equal(r?.pendingBy, undefined);
    assert.match(
      replicateSnapshot(v, '__replicate_100-0_1712650000__', newest(1712650000))?.detail ?? '',
      /an older sync; the job removes it on its next run/,
    );
  });
  test('no state (or never synced: last_sync 0): the newest is the base', () => {
    for (const state of [undefined, '{"100":{"local/pve2":{"last_sync":0}}}']) {
      const v = replicationView(JOB, state);
      assert.match(
        replicateSnapshot(v, '__replicate_100-0_1712650000__', newest(1712650000))?.detail ?? '',
        /the last sync/,
      );
      assert.match(
        replicateSnapshot(v, '__replicate_100-0_1712640000__', newest(1712650000))?.detail ?? '',
        /an older sync/,
      );
    }
  });
  test('of a job being removed (either way): pending by that removal', () => {
    for (const how of ['local', 'full'])
      assert.equal(
        replicateSnapshot(replicationView(`${JOB}\tremove_job ${how}\n`, undefined), '__replicate_100-0_1__', newest(1))
          ?.pendingBy,
        'replication:100-0:remove',
      );
  });
});
