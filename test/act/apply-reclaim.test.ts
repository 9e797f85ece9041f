// The reclaim executor in-process (apply-reclaim.ts): what runs, in which order, what is journaled before
// it runs, and what stops a volume — the plan made again from a fresh look before every step (a change
// before the first step skips it, a change between steps stops it there with what ran journaled), a
// failed step, a lock another task holds (PVE's own: the guest config flock, the storage flock or pmxcfs
// lock), the pmxcfs 60 s budget of a shared storage (pve-cluster cfs_lock `alarm(60)`). The steps are
// never run for real here: the exec answers each command as the tool would (exit 0, or a failure on
// purpose) and records it; flock is the real one (the locks are real files under the root), and the
// journal is the real one, read back from disk at the moment each command runs.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  applyReclaim,
  differs,
  type ReclaimApplyOptions,
  type ReclaimOutcome,
  type Runnable,
} from '../../src/act/apply-reclaim';
import { JOURNAL_DIR, Journal, type JournalDoc } from '../../src/act/journal';
import type { Answer } from '../../src/act/prompt';
import type { ReclaimStep } from '../../src/core/reclaim/reclaim-types';
import { type ExecOptions, type ExecResult, exec as realExec } from '../../src/host/exec';
import { createHost, hostPath } from '../../src/host/host';
import { holdFlock } from '../helpers/hold-flock';
import { findTool } from '../helpers/require-tool';
import { tempDir } from '../helpers/temp-dir';

const step = (op: ReclaimStep['op'], command: string[]): ReclaimStep => ({ op, effect: op, command });

const LVM_STEPS = [
  step('lv-deactivate', ['lvchange', '-an', 'pve/vm-105-disk-0']),
  step('lv-addtag', ['lvchange', '--addtag', 'pve-health-quarantine', 'pve/vm-105-disk-0']),
  step('lv-rename', ['lvrename', 'pve', 'vm-105-disk-0', 'pvh-q-vm-105-disk-0']),
];

function lvmAction(p: Partial<Runnable> = {}): Runnable {
  return {
    volid: 'local-lvm:vm-105-disk-0',
    storage: 'local-lvm',
    storageType: 'lvmthin',
    shared: false,
    vmid: 105,
    guestType: 'qemu',
    status: 'orphan',
    reason: 'guest-missing',
    original: 'vm-105-disk-0',
    quarantine: 'pvh-q-vm-105-disk-0',
    since: '2026-11-26T00:00:00Z',
    purgeAfter: '2026-12-10T00:00:00Z',
    location: { vg: 'pve', lvUuid: 'AbCdEf0123456789AbCdEf0123456789' },
    steps: LVM_STEPS,
    guestLocks: [{ vmid: 105, type: 'qemu' }],
    sizeBytes: 8 << 30,
    usedBytes: null,
    ...p,
  };
}

const zfsAction = (p: Partial<Runnable> = {}): Runnable =>
  lvmAction({
    volid: 'san-zfs:vm-106-disk-0',
    storage: 'san-zfs',
    storageType: 'zfspool',
    vmid: 106,
    original: 'vm-106-disk-0',
    location: { pool: 'rpool/data' },
    steps: [step('zfs-rename', ['zfs', 'rename', 'rpool/data/vm-106-disk-0', 'rpool/data/pvh-q'])],
    guestLocks: [{ vmid: 106, type: 'qemu' }],
    ...p,
  });

describe('differs: the fresh plan against the one the person confirmed', () => {
  const cmds = (steps: ReclaimStep[]) => steps.map((s) => s.command.join(' '));
  const cases: [string, Partial<Runnable>, number, string | null][] = [
    ['the same plan', {}, 0, null],
    ['before the first step: another reason', { reason: 'lv-leftover' }, 0, 'now orphan/lv-leftover'],
    ['before the first step: another status', { status: 'valid', reason: 'referenced' }, 0, 'now valid/referenced'],
    // The step itself may change the reason (an LV deactivated is an inactive leftover): still an orphan.
    [
      'between steps: another reason, still an orphan',
      { reason: 'inactive-leftover', steps: LVM_STEPS.slice(1) },
      1,
      null,
    ],
    [
      'between steps: no longer an orphan',
      { status: 'valid', reason: 'referenced', steps: LVM_STEPS.slice(1) },
      1,
      'now valid/referenced',
    ],
    ['between steps: the steps left are the rest of the plan', { steps: LVM_STEPS.slice(2) }, 2, null],
    // Steps that already ran repeat without effect (lvchange -an of an inactive LV).
    ['between steps: the whole plan again', {}, 1, null],
    ['between steps: what is left of the plan from an earlier step', { steps: LVM_STEPS.slice(1) }, 2, null],
    [
      'before the first step: only the later steps',
      { steps: LVM_STEPS.slice(1) },
      0,
      `the steps changed to: ${cmds(LVM_STEPS.slice(1)).join('; ')}`,
    ],
    [
      'between steps: fewer steps than are left',
      { steps: LVM_STEPS.slice(2) },
      1,
      `the steps changed to: ${cmds(LVM_STEPS.slice(2)).join('; ')}`,
    ],
    [
      'a step of another command',
      { steps: [LVM_STEPS[0], LVM_STEPS[1], step('lv-rename', ['lvrename', 'pve', 'vm-105-disk-0', 'other'])] },
      0,
      'the steps changed to: lvchange -an pve/vm-105-disk-0; lvchange --addtag pve-health-quarantine pve/vm-105-disk-0; lvrename pve vm-105-disk-0 other',
    ],
    [
      'a step more',
      { steps: [...LVM_STEPS, step('lv-activate', ['lvchange', '-ay', 'pve/x'])] },
      0,
      `the steps changed to: ${[...cmds(LVM_STEPS), 'lvchange -ay pve/x'].join('; ')}`,
    ],
    ['no step left at all', { steps: [] }, 1, 'the steps changed to: '],
  ];
  for (const [name, fresh, done, want] of cases)
    it(name, () => assert.equal(differs(lvmAction(), lvmAction(fresh), done), want));

  it('a quarantined volume (its status is not orphan) is the same plan while its status stays', () => {
    const q = lvmAction({ status: 'quarantined', reason: 'quarantine-due' });
    assert.equal(differs(q, { ...q, reason: 'quarantine-held' }, 1), null);
    assert.equal(differs(q, { ...q, status: 'unknown', reason: 'vg-partial' }, 1), 'now unknown/vg-partial');
  });

  it('a quarantined volume found an orphan again: another verdict before the first step, still planned between steps', () => {
    const q = lvmAction({ status: 'quarantined', reason: 'guest-missing' });
    assert.equal(differs(q, { ...q, status: 'orphan' }, 0), 'now orphan/guest-missing');
    assert.equal(differs(q, { ...q, status: 'orphan' }, 1), null);
  });

  it('the default is before the first step', () => {
    assert.equal(differs(lvmAction(), lvmAction({ reason: 'x' })), 'now orphan/x');
  });

  it('steps are compared as the shell would run them (one argument with a space is not two)', () => {
    const a = lvmAction({ steps: [step('file-remove', ['rm', '--', '/var/lib/vz/images/105/a b.raw'])] });
    const b = lvmAction({ steps: [step('file-remove', ['rm', '--', '/var/lib/vz/images/105/a', 'b.raw'])] });
    assert.match(differs(a, b) ?? '', /^the steps changed to: rm -- \/var\/lib\/vz\/images\/105\/a b\.raw$/);
  });
});

type Replanned = { action: Runnable } | { why: string };

interface Run {
  outcomes: ReclaimOutcome[];
  /** The commands run, with the timeout each was given and the journal on disk when it ran. */
  ran: { argv: string[]; timeoutMs?: number; journal: JournalDoc | null }[];
  replans: number[];
  titles: string[];
  ends: string[];
  journal: JournalDoc | null;
  root: string;
}

function readJournalIn(root: string): JournalDoc | null {
  const dir = join(root, JOURNAL_DIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return null;
  }
  return names.length ? (JSON.parse(readFileSync(join(dir, names[0]), 'utf8')) as JournalDoc) : null;
}

async function run(
  actions: Runnable[],
  o: {
    replan?: (a: Runnable, done: number) => Replanned | Promise<Replanned>;
    failing?: string;
    kind?: ReclaimApplyOptions<Runnable>['kind'];
    confirm?: Answer[];
    before?: (root: string) => Promise<void> | void;
    clusterLock?: { budgetMs: number; maxRecheckMs: number };
    commandTimeoutMs?: number;
  } = {},
): Promise<Run> {
  const root = tempDir('pvh-apply-reclaim-');
  await o.before?.(root);
  const r: Omit<Run, 'outcomes' | 'journal'> = { ran: [], replans: [], titles: [], ends: [], root };
  const exec = async (argv: string[], opts: ExecOptions = {}): Promise<ExecResult> => {
    if (argv[0] === 'flock') return realExec(argv, opts);
    r.ran.push({ argv, timeoutMs: opts.timeoutMs, journal: readJournalIn(root) });
    const failed = argv[0] === o.failing;
    return { argv, code: failed ? 5 : 0, stdout: '', stderr: failed ? '  failed on purpose\n' : '', ms: 1 };
  };
  const host = createHost({ root, exec });
  const journal = new Journal(host, { command: 'reclaim', node: 'pve1', toolVersion: 't' });
  const answers = o.confirm ? [...o.confirm] : null;
  const outcomes = await applyReclaim(actions, {
    host,
    analyze: () => Promise.reject(new Error('reclaim re-looks through replan, never analyze')),
    pveMount: () => ({ mounted: true, detail: '' }),
    journal,
    lockWaitMs: 300,
    kind: o.kind ?? 'reclaim',
    clusterLock: o.clusterLock,
    commandTimeoutMs: o.commandTimeoutMs,
    confirm: answers ? async () => answers.shift() ?? 'q' : null,
    replan: async (a, done) => {
      r.replans.push(done);
      return o.replan ? o.replan(a, done) : { action: { ...a, steps: a.steps.slice(done) } };
    },
    progress: {
      begin: (p) => r.titles.push(p.title),
      command: () => {},
      end: (p) => r.ends.push(p.result),
    },
  });
  return { ...r, outcomes, journal: readJournalIn(root) };
}

describe('applyReclaim: each step after a fresh plan, journaled before it runs', {
  skip: !findTool('flock') && 'flock(1) is not installed',
}, () => {
  it('runs every step in order, each on disk as started before its command runs', async () => {
    const r = await run([lvmAction()]);
    assert.deepEqual(r.outcomes, [{ volid: 'local-lvm:vm-105-disk-0', result: 'done', stepsDone: 3 }]);
    assert.deepEqual(r.replans, [0, 1, 2]);
    assert.deepEqual(r.ends, ['done']);
    assert.deepEqual(
      r.ran.map((x) => x.argv),
      LVM_STEPS.map((s) => s.command),
    );
    r.ran.forEach((x, i) => {
      const last = x.journal?.actions.at(-1);
      assert.equal(x.journal?.actions.length, i + 1, 'one entry per step so far');
      assert.equal(last?.result, 'started');
      assert.deepEqual(last?.command, LVM_STEPS[i].command);
    });
    assert.deepEqual(
      r.journal?.actions.map((a) => [a.seq, a.result, a.reclaim?.op]),
      [
        [1, 'done', 'lv-deactivate'],
        [2, 'done', 'lv-addtag'],
        [3, 'done', 'lv-rename'],
      ],
    );
  });

  it('the journal entry names what restore needs: the volume, the step, where it lives, its two size figures', async () => {
    const r = await run([lvmAction({ usedBytes: 3 << 30 })]);
    const e = r.journal?.actions[2];
    assert.deepEqual(e?.reclaim, {
      volid: 'local-lvm:vm-105-disk-0',
      storageType: 'lvmthin',
      op: 'lv-rename',
      original: 'vm-105-disk-0',
      quarantine: 'pvh-q-vm-105-disk-0',
      since: '2026-11-26T00:00:00Z',
      purgeAfter: '2026-12-10T00:00:00Z',
      location: { vg: 'pve', lvUuid: 'AbCdEf0123456789AbCdEf0123456789' },
      sizeBytes: 8 << 30,
      usedBytes: 3 << 30,
    });
    assert.equal(e?.kind, 'reclaim');
    assert.equal(e?.name, 'local-lvm:vm-105-disk-0');
    assert.deepEqual([e?.vg, e?.lv, e?.lvUuid], ['pve', 'vm-105-disk-0', 'AbCdEf0123456789AbCdEf0123456789']);
    assert.deepEqual([e?.storage, e?.vmid, e?.guestType], ['local-lvm', 105, 'qemu']);
    assert.deepEqual([e?.status, e?.reason, e?.uuid, e?.majorMinor], ['orphan', 'guest-missing', '', null]);
    assert.deepEqual([e?.table, e?.guestNode, e?.parent], [[], null, null]);
  });

  it('a volume that is no LV has no VG or LV in its entry', async () => {
    const r = await run([zfsAction()], { kind: 'purge' });
    const e = r.journal?.actions[0];
    assert.equal(e?.kind, 'purge');
    assert.deepEqual([e?.vg, e?.lv, e?.lvUuid], [null, null, null]);
    assert.deepEqual(e?.reclaim?.location, { pool: 'rpool/data' });
  });

  it('the progress names what is done to each volume', async () => {
    for (const [kind, verb] of [
      ['reclaim', 'quarantine'],
      ['purge', 'purge'],
      ['unquarantine', 'bring back'],
    ] as const) {
      const r = await run([zfsAction()], { kind });
      assert.deepEqual(r.titles, [`${verb} san-zfs:vm-106-disk-0`]);
    }
  });

  it('a change before the first step skips the volume: nothing runs, nothing is journaled', async () => {
    for (const [replan, why] of [
      [() => ({ why: 'VM 105 exists again' }), 'VM 105 exists again'],
      [(a: Runnable) => ({ action: { ...a, reason: 'lv-leftover' } }), 'now orphan/lv-leftover'],
    ] as const) {
      const r = await run([lvmAction(), zfsAction()], {
        replan: (a, d) => (a.vmid === 105 ? replan(a) : { action: { ...a, steps: a.steps.slice(d) } }),
      });
      assert.deepEqual(r.outcomes[0], { volid: 'local-lvm:vm-105-disk-0', result: 'skipped', why, stepsDone: 0 });
      assert.equal(r.outcomes[1].result, 'done', 'the next volume still runs');
      assert.deepEqual(
        r.ran.map((x) => x.argv[0]),
        ['zfs'],
      );
    }
  });

  it('a change between steps stops the volume there; what ran stays journaled', async () => {
    const r = await run([lvmAction()], {
      replan: (a, done) =>
        done === 2 ? { why: 'its device is open now' } : { action: { ...a, steps: a.steps.slice(done) } },
    });
    assert.deepEqual(r.outcomes, [
      {
        volid: 'local-lvm:vm-105-disk-0',
        result: 'skipped',
        why: 'stopped after 2 of 3 steps (journaled: restore undoes them, a second run completes them): its device is open now',
        stepsDone: 2,
      },
    ]);
    assert.deepEqual(
      r.journal?.actions.map((a) => a.result),
      ['done', 'done'],
    );
  });

  it('a failed step ends the volume with its command and stderr; no later step runs', async () => {
    const r = await run([lvmAction()], { failing: 'lvrename' });
    assert.deepEqual(r.outcomes, [
      {
        volid: 'local-lvm:vm-105-disk-0',
        result: 'failed',
        why: 'exit 5',
        stderr: 'failed on purpose',
        stepsDone: 2,
        failedCommand: LVM_STEPS[2].command,
      },
    ]);
    assert.equal(r.journal?.actions.at(-1)?.result, 'failed');
    const first = await run([lvmAction()], { failing: 'lvchange' });
    assert.equal(first.outcomes[0].stepsDone, 0);
    assert.equal(first.ran.length, 1);
  });

  it('declined volumes are not looked at again', async () => {
    const r = await run([lvmAction(), zfsAction()], { confirm: ['n', 'y'] });
    assert.deepEqual(r.outcomes[0], {
      volid: 'local-lvm:vm-105-disk-0',
      result: 'declined',
      why: 'answered no',
      stepsDone: 0,
    });
    assert.equal(r.outcomes[1].result, 'done');
    assert.deepEqual(r.replans, [0]);
    const q = await run([lvmAction(), zfsAction()], { confirm: ['q'] });
    assert.deepEqual(
      q.outcomes.map((o) => [o.result, o.why, o.stepsDone]),
      [
        ['declined', 'quit', 0],
        ['declined', 'quit', 0],
      ],
    );
    assert.equal(q.ran.length, 0);
  });

  it('the guest config lock a running task holds: skipped, nothing runs', async () => {
    const r = await run([lvmAction()], { before: (root) => holdFlock(root, '/var/lock/qemu-server/lock-105.conf') });
    assert.equal(r.outcomes[0].result, 'skipped');
    assert.match(r.outcomes[0].why ?? '', /qemu config 105 is locked/);
    assert.deepEqual([r.ran.length, r.replans.length], [0, 0]);
  });

  it("the storage's lock another task holds: the local flock, the pmxcfs lock of a shared storage", async () => {
    const local = await run([lvmAction()], {
      before: (root) => holdFlock(root, '/var/lock/pve-manager/pve-storage-local-lvm'),
    });
    assert.match(local.outcomes[0].why ?? '', /storage local-lvm is locked/);
    const shared = await run([zfsAction({ shared: true })], {
      before: (root) => {
        mkdirSync(join(root, '/etc/pve/priv/lock/storage-san-zfs'), { recursive: true });
      },
    });
    assert.match(shared.outcomes[0].why ?? '', /storage san-zfs \(cluster lock\) is locked/);
    assert.deepEqual([local.ran.length, shared.ran.length], [0, 0]);
  });

  it('the locks are released when the volume ends', async () => {
    const r = await run([zfsAction({ shared: true }), zfsAction({ shared: true, volid: 'san-zfs:vm-106-disk-1' })]);
    assert.deepEqual(
      r.outcomes.map((o) => o.result),
      ['done', 'done'],
    );
    assert.deepEqual(readdirSync(hostPath({ root: r.root }, '/etc/pve/priv/lock')), []);
  });
});

describe('applyReclaim under a pmxcfs cluster lock: inside PVE 60 s', {
  skip: !findTool('flock') && 'flock(1) is not installed',
}, () => {
  it('a re-check past the budget on a shared storage skips the volume before its first step', async () => {
    const r = await run([zfsAction({ shared: true })], { clusterLock: { budgetMs: 60_000, maxRecheckMs: -1 } });
    assert.equal(r.outcomes[0].result, 'skipped');
    assert.match(
      r.outcomes[0].why ?? '',
      /^the cluster lock was held \d+\.\d s while re-checking \(PVE ends locked work within 60 s\): skipped, run it again$/,
    );
    // In seconds since the lock was taken: a moment, not its milliseconds nor the process' age.
    assert.ok(Number(/held (\S+) s/.exec(r.outcomes[0].why ?? '')?.[1]) < 10, r.outcomes[0].why);
    assert.equal(r.ran.length, 0);
  });

  it('past the budget between steps: stopped there', async () => {
    let t = 0;
    const r = await run([lvmAction({ shared: true })], {
      clusterLock: { budgetMs: 30_000, maxRecheckMs: 150 },
      replan: async (a, done) => {
        if (done === 1) await new Promise((res) => setTimeout(res, 250));
        t++;
        return { action: { ...a, steps: a.steps.slice(done) } };
      },
    });
    assert.equal(t, 2);
    assert.match(
      r.outcomes[0].why ?? '',
      /^stopped after 1 of 3 steps \(journaled: restore undoes them, a second run completes them\): the cluster lock was held \d+\.\d s while re-checking \(PVE ends locked work within 30 s\)$/,
    );
  });

  it('a local storage has no such budget', async () => {
    const r = await run([zfsAction()], { clusterLock: { budgetMs: 60_000, maxRecheckMs: -1 } });
    assert.equal(r.outcomes[0].result, 'done');
  });

  it("each command's timeout: what is left of the budget when shared, the command timeout when local", async () => {
    const shared = await run([lvmAction({ shared: true })], { clusterLock: { budgetMs: 5_000, maxRecheckMs: 4_000 } });
    // What is left of 5 s after an in-process re-check: never all of it, never nothing.
    for (const x of shared.ran)
      assert.ok(x.timeoutMs !== undefined && x.timeoutMs >= 2_000 && x.timeoutMs <= 5_000, `${x.timeoutMs}`);
    const spent = await run([zfsAction({ shared: true })], { clusterLock: { budgetMs: -1, maxRecheckMs: 4_000 } });
    assert.deepEqual(
      spent.ran.map((x) => x.timeoutMs),
      [1],
    );
    const local = await run([lvmAction()], { clusterLock: { budgetMs: 5_000, maxRecheckMs: 4_000 } });
    assert.deepEqual(
      local.ran.map((x) => x.timeoutMs),
      [60_000, 60_000, 60_000],
    );
    const own = await run([lvmAction({ shared: true })], { commandTimeoutMs: 1_234 });
    assert.deepEqual(
      own.ran.map((x) => x.timeoutMs),
      [1_234, 1_234, 1_234],
    );
  });
});
