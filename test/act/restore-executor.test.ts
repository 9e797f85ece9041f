// `restore` in-process (src/act/restore.ts): which journal entries are undone and in which order, what
// facts the undo is decided from (the LV list, the PV segments and thin ids read again), and the steps
// of each undo — the question asked from the state before the locks, the decision made again under the
// guest and storage locks from a fresh look, a precondition lost stopping the run, the undo journaled
// with the entry it undoes. The commands are not run for real: the exec answers `pvs`/`lvs` in their
// JSON report form and records every other command; flock is the real one, the journal too.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Analysis } from '../../src/act/analyze-host';
import { JOURNAL_DIR, Journal, type JournalAction, type JournalDoc } from '../../src/act/journal';
import { RefusedError } from '../../src/act/preconditions';
import type { Answer } from '../../src/act/prompt';
import { applyRestore, type RestoreOutcome, readRestoreFacts, undoOrder } from '../../src/act/restore';
import { CheckError, CommandError } from '../../src/core/vocab/errors';
import type { DmResult } from '../../src/core/vocab/types';
import type { ExecOptions, ExecResult } from '../../src/host/exec';
import { exec as realExec } from '../../src/host/exec';
import { createHost } from '../../src/host/host';
import { holdFlock } from '../helpers/hold-flock';
import { lv, nodeView } from '../helpers/node-view';
import { findTool } from '../helpers/require-tool';
import { tempDir } from '../helpers/temp-dir';

const LV_UUID = 'AbCdEf0123456789AbCdEf0123456789';

function entry(p: Partial<JournalAction>): JournalAction {
  return {
    seq: 1,
    kind: 'lv-deactivate',
    name: 'pve-vm--105--disk--0',
    uuid: `LVM-${'v'.repeat(32)}${LV_UUID}`,
    majorMinor: '252:10',
    table: ['0 2097152 linear 8:0 2048'],
    vg: 'pve',
    lv: 'vm-105-disk-0',
    lvUuid: LV_UUID,
    storage: 'local-lvm',
    vmid: 105,
    guestType: 'qemu',
    guestNode: 'pve1',
    parent: null,
    status: 'orphan',
    reason: 'inactive-leftover',
    command: ['lvchange', '-an', 'pve/vm-105-disk-0'],
    result: 'done',
    startedAt: '2026-11-26T10:00:00Z',
    ...p,
  };
}

describe('undoOrder: what restore undoes, parents before children', () => {
  const j = [
    entry({ seq: 1, kind: 'dm-remove', name: 'pve-vm--105--disk--0p1', parent: 'pve-vm--105--disk--0' }),
    entry({ seq: 2, kind: 'dm-remove', name: 'pve-vm--105--disk--0' }),
    entry({ seq: 3, kind: 'lv-deactivate', name: 'pve-vm--106--disk--0', lv: 'vm-106-disk-0' }),
    entry({ seq: 4, kind: 'lv-deactivate', name: 'pve-vm--107--disk--0', lv: 'vm-107-disk-0', result: 'failed' }),
    entry({ seq: 5, kind: 'lv-deactivate', name: 'pve-vm--108--disk--0', lv: 'vm-108-disk-0', result: 'started' }),
    entry({ seq: 6, kind: 'reclaim', name: 'local-lvm:vm-109-disk-0', lv: 'vm-109-disk-0' }),
    entry({ seq: 7, kind: 'lv-activate', name: 'pve-vm--110--disk--0', lv: 'vm-110-disk-0' }),
  ];
  const cases: [string, string[], number[]][] = [
    ['every done removal and deactivation, last first', [], [3, 2, 1]],
    ['by map name', ['pve-vm--105--disk--0'], [2]],
    ['by VG/LV', ['pve/vm-106-disk-0'], [3]],
    ['by several names', ['pve/vm-106-disk-0', 'pve-vm--105--disk--0p1'], [3, 1]],
    ['a name of nothing done', ['pve/vm-107-disk-0', 'local-lvm:vm-109-disk-0'], []],
  ];
  for (const [name, names, seqs] of cases)
    it(name, () =>
      assert.deepEqual(
        undoOrder(j, names).map((a) => a.seq),
        seqs,
      ),
    );
  it('the journal itself is not reordered', () => {
    undoOrder(j, []);
    assert.deepEqual(
      j.map((a) => a.seq),
      [1, 2, 3, 4, 5, 6, 7],
    );
  });
});

const ok = (argv: string[], stdout: string): ExecResult => ({ argv, code: 0, stdout, stderr: '', ms: 1 });

// pvs --segments --reportformat json (lvm2 report): a PV's segments with the LV on each.
// An lvm2 without the pv_major/pv_minor fields: the PV's device number is its path's (stat rdev).
const PVS_JSON = JSON.stringify({
  report: [
    {
      pvseg: [
        {
          pv_name: '/dev/null',
          pe_start: '2048',
          pvseg_start: '0',
          pvseg_size: '256',
          vg_name: 'pve',
          lv_name: 'vm-105-disk-0',
          vg_extent_size: '8192',
        },
      ],
    },
  ],
});
// lvs -a -o vg_name,lv_name,pool_lv,thin_id
const THIN_JSON = JSON.stringify({
  report: [{ lv: [{ vg_name: 'pve', lv_name: 'vm-106-disk-0', pool_lv: 'data', thin_id: '7' }] }],
});

function analysisOf(o: { active?: boolean; lvs?: 'none'; guestNode?: string | null; map?: boolean } = {}): Analysis {
  const row = lv('pve', 'vm-105-disk-0', { uuid: LV_UUID, active: o.active ?? false });
  const guests =
    o.guestNode === null ? [] : [{ vmid: 105, node: o.guestNode ?? 'pve1', text: 'scsi0: local-lvm:vm-106-disk-0\n' }];
  const view = nodeView({
    lvs: o.lvs === 'none' ? null : [row],
    lvsError: 'lvs exited 5: locking failed',
    guests,
    maps: o.map ? [{ lv: row }] : [],
    storageCfg: 'lvmthin: local-lvm\n\tvgname pve\n\tthinpool data\n\tcontent images\n',
  });
  view.files['/etc/pve/.members'] = '{"nodename":"pve1","version":1}';
  return { view, result: { entries: [], guests: [] } as unknown as DmResult };
}

describe('readRestoreFacts: what an undo is decided from', () => {
  it('no LV list: restore cannot decide, the reason named', async () => {
    const host = createHost({ exec: async (argv) => ok(argv, '') });
    await assert.rejects(
      readRestoreFacts(host, analysisOf({ lvs: 'none' })),
      (e: unknown) =>
        e instanceof CheckError && e.message === 'cannot restore without the LV list: lvs exited 5: locking failed',
    );
  });

  it("the PV segments with each PV's device number, the thin ids, the guests' homes, tables as the journal writes them", async () => {
    const asked: string[][] = [];
    const host = createHost({
      exec: async (argv, opts?: ExecOptions) => {
        asked.push(argv);
        assert.equal(opts?.timeoutMs, 30_000);
        return ok(argv, argv[0] === 'pvs' ? PVS_JSON : THIN_JSON);
      },
    });
    const f = await readRestoreFacts(host, analysisOf({ map: true }));
    assert.deepEqual(asked, [
      [
        'pvs',
        '--segments',
        '--units',
        's',
        '--nosuffix',
        '--reportformat',
        'json',
        '-o',
        'pv_name,pv_major,pv_minor,pe_start,pvseg_start,pvseg_size,vg_name,lv_name,vg_extent_size',
      ],
      ['lvs', '-a', '--reportformat', 'json', '-o', 'vg_name,lv_name,pool_lv,thin_id'],
    ]);
    // /dev/null is the character device 1:3 on every Linux (devices.txt): the device number from its rdev.
    assert.deepEqual(f.extents, [{ vg: 'pve', lv: 'vm-105-disk-0', dev: '1:3', start: 2048, end: 2048 + 256 * 8192 }]);
    assert.deepEqual([...(f.pvDevnos ?? [])], ['1:3']);
    assert.deepEqual(f.thin, [{ vg: 'pve', lv: 'vm-106-disk-0', pool: 'data', thinId: 7 }]);
    assert.equal(f.extentsError, undefined);
    assert.deepEqual([...f.guestHome], [[105, 'pve1']]);
    assert.deepEqual([...f.tables], [['pve-vm--105--disk--0', ['0 8388608 linear 8:0 2048']]]);
    assert.deepEqual(
      f.dm.map((d) => d.name),
      ['pve-vm--105--disk--0'],
    );
    assert.deepEqual(
      f.lvs.map((l) => l.name),
      ['vm-105-disk-0'],
    );
  });

  it('a PV path that is gone has no device number', async () => {
    const json = PVS_JSON.replace('/dev/null', '/dev/pve-health-no-such-pv');
    const host = createHost({ exec: async (argv) => ok(argv, argv[0] === 'pvs' ? json : THIN_JSON) });
    const f = await readRestoreFacts(host, analysisOf());
    assert.deepEqual(f.pvDevnos && [...f.pvDevnos], []);
  });

  it('segments that cannot be read: no extents and no thin ids, with the reason (a removed map is then not recreated)', async () => {
    for (const failing of ['pvs', 'lvs']) {
      const host = createHost({
        exec: async (argv) => {
          if (argv[0] === failing) throw new CommandError(argv, 5, '  Volume group "pve" not found\n');
          return ok(argv, argv[0] === 'pvs' ? PVS_JSON : THIN_JSON);
        },
      });
      const f = await readRestoreFacts(host, analysisOf());
      assert.deepEqual([f.extents, f.thin], [null, null]);
      assert.match(f.extentsError ?? '', new RegExp(`^${failing} .*failed \\(exit 5\\): Volume group "pve" not found`));
    }
  });
});

interface RestoreRun {
  outcomes?: RestoreOutcome[];
  error?: unknown;
  ran: string[][];
  /** The stdin and deadline each command was given. */
  given: { input?: string; timeoutMs?: number }[];
  ends: string[];
  asked: { name: string; command: string[]; i: number; n: number }[];
  titles: string[];
  journal: JournalDoc | null;
}

async function restoreRun(
  sources: JournalAction[],
  o: {
    looks: Analysis[];
    confirm?: Answer[];
    shared?: boolean;
    readWrite?: boolean;
    before?: (root: string) => unknown;
    failGather?: boolean;
  },
): Promise<RestoreRun> {
  const root = tempDir('pvh-restore-');
  await o.before?.(root);
  const r: RestoreRun = { ran: [], given: [], ends: [], asked: [], titles: [], journal: null };
  const exec = async (argv: string[], opts: ExecOptions = {}): Promise<ExecResult> => {
    if (argv[0] === 'flock') return realExec(argv, opts);
    if (argv[0] === 'pvs') return ok(argv, PVS_JSON);
    if (argv[0] === 'lvs') return ok(argv, THIN_JSON);
    r.ran.push(argv);
    r.given.push({ input: opts.input, timeoutMs: opts.timeoutMs });
    return ok(argv, '');
  };
  const host = createHost({ root, exec });
  const journal = new Journal(host, { command: 'restore', node: 'pve1', toolVersion: 't' });
  const looks = [...o.looks];
  const answers = o.confirm ? [...o.confirm] : null;
  try {
    r.outcomes = await applyRestore(sources, {
      host,
      journal,
      journalPath: '/var/lib/pve-health/journal/clean-20261126T100000Z-1.json',
      analyze: async () => {
        const next = looks.length > 1 ? looks.shift() : looks[0];
        if (o.failGather && looks.length <= 1) throw new Error('lvs timed out');
        return next as Analysis;
      },
      pveMount: () => ({ mounted: true, detail: 'fuse' }),
      lockWaitMs: 300,
      sharedStorages: new Set(o.shared ? ['local-lvm'] : []),
      readWrite: o.readWrite,
      confirm: answers
        ? async (src, step, i, n) => {
            r.asked.push({ name: src.name, command: step.command, i, n });
            return answers.shift() ?? 'q';
          }
        : null,
      progress: { begin: (p) => r.titles.push(p.title), command: () => {}, end: (p) => r.ends.push(p.result) },
    });
  } catch (e) {
    r.error = e;
  }
  const dir = join(root, JOURNAL_DIR);
  const names = (() => {
    try {
      return readdirSync(dir).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
  })();
  r.journal = names.length ? (JSON.parse(readFileSync(join(dir, names[0]), 'utf8')) as JournalDoc) : null;
  return r;
}

describe('applyRestore: each undo decided again under the locks', {
  skip: !findTool('flock') && 'flock(1) is not installed',
}, () => {
  it('undoes a deactivation: the command journaled with the entry it undoes', async () => {
    const r = await restoreRun([entry({ seq: 3 })], { looks: [analysisOf()] });
    assert.deepEqual(r.outcomes, [
      { action: { name: 'pve-vm--105--disk--0', kind: 'lv-activate', command: r.ran[0] }, result: 'done' },
    ]);
    assert.equal(r.ran.length, 1);
    assert.deepEqual(r.ran[0].slice(0, 3), ['lvchange', '-ay', '--select']);
    assert.equal(r.ran[0].at(-1), 'pve/vm-105-disk-0');
    const e = r.journal?.actions[0];
    assert.equal(e?.kind, 'lv-activate');
    assert.deepEqual(e?.command, r.ran[0]);
    assert.deepEqual(e?.undoes, { journal: '/var/lib/pve-health/journal/clean-20261126T100000Z-1.json', seq: 3 });
    assert.deepEqual([e?.vg, e?.lv, e?.vmid, e?.result], ['pve', 'vm-105-disk-0', 105, 'done']);
    assert.match(r.titles[0], /^undo pve-vm--105--disk--0: lvchange -an pve\/vm-105-disk-0$/);
    assert.deepEqual(r.ends, ['done']);
    assert.deepEqual(r.given, [{ input: undefined, timeoutMs: 60_000 }]);
  });

  it('asks with the undo planned from the state before the locks', async () => {
    const r = await restoreRun([entry({ seq: 1 }), entry({ seq: 2, name: 'x', kind: 'dm-remove' })], {
      looks: [analysisOf()],
      confirm: ['y', 'n'],
    });
    assert.equal(r.asked.length, 1, 'the removal with a map of the same LV planned is settled without a question');
    assert.deepEqual(r.asked[0], { name: 'pve-vm--105--disk--0', command: r.ran[0], i: 0, n: 2 });
    assert.equal(r.outcomes?.[1].result, 'skipped');
    assert.equal(r.outcomes?.[1].action.kind, 'dm-create');
  });

  it('an undo that is impossible before the question is skipped without asking', async () => {
    const r = await restoreRun([entry({})], { looks: [analysisOf({ active: true })], confirm: ['y'] });
    assert.deepEqual(r.asked, []);
    assert.deepEqual(r.outcomes, [
      {
        action: { name: 'pve-vm--105--disk--0', kind: 'lv-activate', command: [] },
        result: 'skipped',
        why: 'already active',
      },
    ]);
    assert.deepEqual(r.ran, []);
  });

  it('answered no: declined, nothing runs', async () => {
    const r = await restoreRun([entry({})], { looks: [analysisOf()], confirm: ['n'] });
    assert.deepEqual(r.outcomes, [
      {
        action: { name: 'pve-vm--105--disk--0', kind: 'lv-activate', command: [] },
        result: 'declined',
        why: 'answered no',
      },
    ]);
    assert.deepEqual(r.ran, []);
  });

  it('the node changed between the question and the locks: decided again, skipped', async () => {
    // First look (the question): inactive; the look under the locks: the guest moved to another node.
    const r = await restoreRun([entry({})], {
      looks: [analysisOf(), analysisOf({ guestNode: 'pve2' })],
      confirm: ['y'],
    });
    assert.equal(r.asked.length, 1);
    assert.equal(r.outcomes?.[0].result, 'skipped');
    assert.equal(r.outcomes?.[0].why, 'guest 105 now lives on pve2; it was on pve1 when this was cleaned');
    assert.deepEqual(r.ran, []);
  });

  it('a gather that fails under the locks stops the run (exit 3)', async () => {
    const r = await restoreRun([entry({})], { looks: [analysisOf()], failGather: true });
    assert.ok(r.error instanceof RefusedError);
    assert.equal(
      r.error.message,
      'refusing to act: re-gather before restoring pve-vm--105--disk--0 failed: lvs timed out',
    );
    assert.deepEqual(r.ran, []);
  });

  it('a precondition lost under the locks stops the run', async () => {
    const lost = analysisOf();
    delete lost.view.files['/etc/pve/.members'];
    const r = await restoreRun([entry({})], { looks: [lost] });
    assert.ok(r.error instanceof RefusedError);
    assert.deepEqual(
      r.error.refusals.map((x) => x.code),
      ['members'],
    );
  });

  it("the guest's config lock or the storage lock another task holds: skipped", async () => {
    const guest = await restoreRun([entry({})], {
      looks: [analysisOf()],
      before: (root) => holdFlock(root, '/var/lock/qemu-server/lock-105.conf'),
    });
    assert.equal(guest.outcomes?.[0].result, 'skipped');
    assert.match(guest.outcomes?.[0].why ?? '', /qemu config 105 is locked/);
    const shared = await restoreRun([entry({})], {
      looks: [analysisOf()],
      shared: true,
      before: (root) => mkdirSync(join(root, '/etc/pve/priv/lock/storage-local-lvm'), { recursive: true }),
    });
    assert.equal(shared.outcomes?.[0].result, 'skipped');
    assert.match(shared.outcomes?.[0].why ?? '', /storage local-lvm \(cluster lock\) is locked/);
    const local = await restoreRun([entry({})], {
      looks: [analysisOf()],
      before: (root) => mkdirSync(join(root, '/etc/pve/priv/lock/storage-local-lvm'), { recursive: true }),
    });
    assert.equal(local.outcomes?.[0].result, 'done', 'a local storage takes its flock, not the pmxcfs lock');
  });
});

// A removed map of several table lines is recreated from its table on stdin (dmsetup create reads it
// there), read-only unless --read-write: the question shows the same command that runs under the locks.
describe('applyRestore of a removed map', { skip: !findTool('flock') && 'flock(1) is not installed' }, () => {
  const removed = entry({
    kind: 'dm-remove',
    table: ['0 1024 zero', '1024 1024 error'],
    storage: null,
    command: ['dmsetup', 'remove', '--retry', '-u', `LVM-${'v'.repeat(32)}${LV_UUID}`],
  });
  for (const readWrite of [false, true]) {
    it(readWrite ? 'read-write when asked for' : 'read-only by default', async () => {
      const r = await restoreRun([removed], { looks: [analysisOf()], confirm: ['y'], readWrite });
      const cmd = ['dmsetup', 'create', 'pve-vm--105--disk--0', '-u', removed.uuid, ...(readWrite ? [] : ['-r'])];
      assert.deepEqual(r.asked[0]?.command, cmd, 'the question names the command that runs');
      assert.deepEqual(r.ran, [cmd]);
      assert.deepEqual(r.given, [{ input: '0 1024 zero\n1024 1024 error\n', timeoutMs: 60_000 }]);
      assert.equal(r.outcomes?.[0].action.kind, 'dm-create');
    });
  }
  it('an entry of no storage takes no storage lock', async () => {
    let root = '';
    const r = await restoreRun([removed], {
      looks: [analysisOf()],
      before: (dir) => {
        root = dir;
      },
    });
    assert.equal(r.outcomes?.[0].result, 'done');
    assert.deepEqual(readdirSync(join(root, '/var/lock')).sort(), ['qemu-server']);
  });
  it('an entry of no guest takes no guest lock, and is not undone', async () => {
    let root = '';
    const r = await restoreRun([{ ...removed, vmid: null, storage: 'local-lvm' }], {
      looks: [analysisOf()],
      before: (dir) => {
        root = dir;
      },
    });
    assert.deepEqual(r.outcomes?.[0].why, 'the journal records no guest (VMID) for it: not undone');
    assert.deepEqual(readdirSync(join(root, '/var/lock')).sort(), ['pve-manager']);
    assert.deepEqual(r.ran, []);
  });
});
