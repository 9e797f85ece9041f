// What `clean` does when the node changes between its plan and an action, in-process (apply-cleanup.ts with
// the narrow re-check of recheck-narrow.ts): the plan is made from a look at a node with four actions — an
// LV deactivation and a map removal, on local LVM-thin and on shared LVM — and then, before the action,
// quorum is lost, another task takes the storage lock, the guest starts, or a pvmove begins in the VG.
// Quorum lost stops the whole run (RefusedError: exit 3); each of the others skips the action with its
// reason; in every case the action's command never runs. The same node unchanged lets each action run,
// so every refusal and skip here is the re-check's doing.
//
// The node: the look's files are written under a root (the re-check reads the PVE files, the pid files
// and /proc afresh), and the narrow reads (`dmsetup info`/`table` of one map, `lvs -S` of its LV) are
// answered from the same look, as the tools would answer them. Locks are the real ones: the storage flock
// by flock(1), the pmxcfs cluster lock a directory. This file is in the mutation run (stryker.config.json):
// the fakenode suites (recheck-fakenode, recheck-preconditions) prove the same through the bundled CLI.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Analysis, applyCleanup, type Outcome } from '../../src/act/apply-cleanup';
import type { Journal, JournalAction } from '../../src/act/journal';
import { RefusedError } from '../../src/act/preconditions';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { cleanupContext } from '../../src/core/cleanup/cleanup-context';
import { type CleanupAction, planCleanup } from '../../src/core/cleanup/plan-cleanup';
import { parseNode } from '../../src/core/node/node-view';
import { DM_INFO_SEPARATOR } from '../../src/core/parse/parse-dmsetup';
import { CheckError } from '../../src/core/vocab/errors';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import { type ExecOptions, type ExecResult, exec as realExec } from '../../src/host/exec';
import { DEFAULT_COMMAND_TIMEOUT_MS } from '../../src/host/gather';
import { createHost, hostPath } from '../../src/host/host';
import { LOCAL_LVM, NodeBuilder } from '../helpers/node-builder';
import { findTool } from '../helpers/require-tool';
import { tempDir } from '../helpers/temp-dir';

const STORAGE = `${LOCAL_LVM}\nlvm: san\n\tvgname vg-san\n\tshared 1\n\tcontent images\n`;

/** The node of the plan, every guest stopped: two LVs VM 100's config no longer names are left active (the
 * second with two kpartx partitions on it), a map of a removed LV of VM 103 stays; VM 300 has the same two
 * on shared LVM. */
function buildNode(): { b: NodeBuilder; snap: HostSnapshot } {
  const b = new NodeBuilder('pve1')
    .storage(STORAGE)
    .cluster(['pve1', 'pve2'])
    .pool('pve', 'data')
    .guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0,size=8G'])
    .lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' })
    .lv({ vg: 'pve', lv: 'vm-100-disk-1', pool: 'data' })
    .lv({ vg: 'pve', lv: 'vm-100-disk-2', pool: 'data', open: 2 })
    .guest(103, 'qemu', ['scsi0: local-lvm:vm-103-disk-0,size=8G'])
    .lv({ vg: 'pve', lv: 'vm-103-disk-0', pool: 'data', active: false })
    .guest(300, 'qemu', ['scsi0: san:vm-300-disk-0,size=8G'])
    .lv({ vg: 'vg-san', lv: 'vm-300-disk-0', active: false })
    .lv({ vg: 'vg-san', lv: 'vm-300-disk-1' });
  const tpool = b.devnoOf('pve-data-tpool');
  b.map({
    name: 'pve-vm--103--disk--2',
    uuid: `LVM-${b.vgId('pve')}${'S'.repeat(32)}`,
    table: `0 2097152 thin ${tpool} 9`,
  });
  b.map({
    name: 'vg--san-vm--300--disk--2',
    uuid: `LVM-${b.vgId('vg-san')}${'T'.repeat(32)}`,
    table: '0 2097152 linear 8:16 9999',
  });
  // kpartx's two partitions on VM 100's second leftover LV: they hold it open (open count 2).
  for (const p of [1, 2])
    b.map({
      name: `pve-vm--100--disk--2p${p}`,
      uuid: `part${p}-${b.uuidOf('pve-vm--100--disk--2')}`,
      table: `0 1000 linear ${b.devnoOf('pve-vm--100--disk--2')} ${2048 * p}`,
    });
  const ok = (argv: string[], stdout: string) => ({ argv, code: 0, stdout, stderr: '' });
  const rows = b.lvRows.map((r) => ({ vg_name: r.vg_name, lv_name: r.lv_name, autoactivation: '' }));
  b.commandOverrides = {
    'dmsetup.status': ok(
      ['dmsetup', 'status'],
      'pve-data-tpool: 0 209715200 thin-pool 1 10/1000 20/2000 - rw discard_passdown queue_if_no_space - 1024\n',
    ),
    'lvs.autoactivation': ok(['lvs'], JSON.stringify({ report: [{ lv: rows }] })),
  } as HostSnapshot['commands'];
  return { b, snap: b.build() };
}

/** A pvmove LV as lvs shows one while it moves extents of `vg` (lv_attr 'p', lvm2 lv_attr_dup). */
const pvmoveRow = (b: NodeBuilder, vg: string) => ({
  ...b.lvRows.find((r) => r.vg_name === vg)!,
  lv_name: '[pvmove0]',
  lv_uuid: 'pvmove-0000-0000-0000-0000-0000-000000',
  lv_attr: 'p-C-aom---',
  segtype: 'mirror',
  pool_lv: '',
  move_pv: '/dev/sdb',
});

/** What `lvs -S '<select>' [vg]` prints: the rows of the VG the selection names (by name, by id, pvmove). */
function lvsSelect(rows: Record<string, string>[], argv: string[]): string {
  const select = argv[argv.indexOf('-S') + 1];
  const vg = argv.length > argv.indexOf('-S') + 2 ? argv[argv.length - 1] : /vg_name="([^"]*)"/.exec(select)?.[1];
  const names = new Set([...select.matchAll(/lv_name="([^"]*)"/g)].map((m) => m[1]));
  const ids = new Set([...select.matchAll(/lv_uuid="([^"]*)"/g)].map((m) => m[1]));
  const pvmove = select.includes('lv_attr=~"^p"');
  const picked = rows.filter(
    (r) => r.vg_name === vg && (names.has(r.lv_name) || ids.has(r.lv_uuid) || (pvmove && r.lv_attr[0] === 'p')),
  );
  return JSON.stringify({ report: [{ lv: picked }] });
}

interface Node {
  b: NodeBuilder;
  root: string;
  first: Analysis;
  actions: Map<string, CleanupAction>;
  /** The LV rows `lvs` prints now (a test adds a pvmove). */
  lvRows: Record<string, string>[];
  /** `dmsetup info` lines as the node answers them now (a removed map goes, its parent's open count drops). */
  infoLines: string[];
  /** Every command run that changes the node (dmsetup remove, lvchange). */
  acted: string[][];
  /** The deadline of each narrow read (dmsetup info/table, lvs). */
  deadlines: (number | undefined)[];
  /** The commands that change the node and fail (exit 5), by argv[0]. */
  failing: Set<string>;
  /** Full gathers taken (analyze): none is wanted unless a test says so. */
  gathers: number | null;
  /** The full gather fails (as when lvs hangs): the run is refused. */
  gatherFails?: boolean;
  journaled: string[];
  /** The journal entries written before each command (what restore undoes from). */
  entries: Omit<JournalAction, 'seq' | 'result' | 'startedAt'>[];
}

function write(root: string, path: string, text: string): void {
  mkdirSync(dirname(hostPath({ root }, path)), { recursive: true });
  writeFileSync(hostPath({ root }, path), text);
}

/** A process as /proc shows it under the root (comm, cmdline). */
function writeProcess(root: string, p: { pid: number; comm: string; cmdline: string[] }): void {
  write(root, `/proc/${p.pid}/comm`, `${p.comm}\n`);
  write(root, `/proc/${p.pid}/cmdline`, `${p.cmdline.join('\0')}\0`);
}

function makeNode(): Node {
  const { b, snap } = buildNode();
  const root = tempDir('pvh-plan-action-');
  for (const [path, text] of Object.entries(snap.files)) write(root, path, text);
  for (const p of snap.processes) writeProcess(root, p);
  for (const d of b.devs) mkdirSync(join(root, `sys/block/dm-${d.minor}/holders`), { recursive: true });
  const view = parseNode(snap);
  const result = analyzeNode(view, {});
  const plan = planCleanup(result.entries, cleanupContext(view, result), { all: true });
  return {
    b,
    root,
    first: { view, result, snapshot: snap },
    actions: new Map(plan.actions.map((a) => [a.name, a])),
    lvRows: [...b.lvRows],
    infoLines: (snap.commands['dmsetup.info']?.stdout ?? '').split('\n').filter(Boolean),
    acted: [],
    deadlines: [],
    failing: new Set(),
    gathers: null,
    journaled: [],
    entries: [],
  };
}

const res = (argv: string[], code: number, stdout: string, stderr = ''): ExecResult => ({
  argv,
  code,
  stdout,
  stderr,
  ms: 1,
});

/** The tools as the node answers them now; flock is the real one (the locks are real files). */
function execOf(n: Node) {
  const uuidOf = (l: string) => l.split(DM_INFO_SEPARATOR)[1];
  return async (argv: string[], opts: ExecOptions = {}): Promise<ExecResult> => {
    const uuid = argv.includes('-u') ? argv[argv.indexOf('-u') + 1] : null;
    if (argv[0] === 'flock') return realExec(argv, opts);
    if (argv[0] === 'lvs' || (argv[0] === 'dmsetup' && (argv[1] === 'info' || argv[1] === 'table')))
      n.deadlines.push(opts.timeoutMs);
    if (argv[0] === 'dmsetup' && argv[1] === 'info') {
      const line = n.infoLines.find((l) => uuidOf(l) === uuid);
      return line ? res(argv, 0, `${line}\n`) : res(argv, 1, '', 'Device does not exist.\nCommand failed.\n');
    }
    if (argv[0] === 'dmsetup' && argv[1] === 'table') {
      const d = n.b.devs.find((x) => x.uuid === uuid);
      return d ? res(argv, 0, `${d.table.join('\n')}\n`) : res(argv, 1, '', 'Device does not exist.\n');
    }
    if (argv[0] === 'lvs') return res(argv, 0, lvsSelect(n.lvRows, argv));
    if (n.failing.has(argv[0])) {
      n.acted.push(argv);
      return res(argv, 5, '', 'failed on purpose\n');
    }
    if (argv[0] === 'dmsetup' && argv[1] === 'remove' && uuid) {
      // The map goes; a kpartx partition's parent is open once less (field 6 of the info line).
      n.infoLines = n.infoLines.filter((l) => uuidOf(l) !== uuid);
      const parent = /^part\d+-(.+)$/.exec(uuid)?.[1];
      n.infoLines = n.infoLines.map((l) => {
        const f = l.split(DM_INFO_SEPARATOR);
        if (f[1] === parent) f[6] = String(Number(f[6]) - 1);
        return f.join(DM_INFO_SEPARATOR);
      });
    }
    if ((argv[0] === 'dmsetup' && argv[1] === 'remove') || argv[0] === 'lvchange') {
      n.acted.push(argv);
      return res(argv, 0, '');
    }
    throw new Error(`unexpected command in the re-check: ${argv.join(' ')}`);
  };
}

/** `clean --yes` of planned actions (in the plan's order), run after `change` altered the node after the plan. */
async function cleanAfter(
  names: string | string[],
  change: (n: Node) => void | Promise<void>,
): Promise<{ n: Node; out: Outcome[] | null; error: unknown }> {
  const n = makeNode();
  const actions = [names].flat().map((name) => {
    const a = n.actions.get(name);
    assert.ok(a, `the plan has an action for ${name}: ${[...n.actions.keys()].join(', ')}`);
    return a;
  });
  await change(n);
  const journal = {
    begin: (e: Omit<JournalAction, 'seq' | 'result' | 'startedAt'>) => {
      n.journaled.push(e.name);
      n.entries.push(e);
    },
    finish: () => {},
  } as unknown as Journal;
  try {
    const out = await applyCleanup(actions, {
      host: createHost({ root: n.root, exec: execOf(n) }),
      analyze: async () => {
        if (n.gathers === null) assert.fail('the narrow re-check needs no full gather here');
        n.gathers++;
        if (n.gatherFails) throw new Error('lvs timed out');
        return n.first;
      },
      pveMount: () => ({ mounted: true, detail: 'fuse /dev/fuse' }),
      journal,
      confirm: null,
      lockWaitMs: 300,
      narrow: { first: n.first, config: {} },
    });
    return { n, out, error: null };
  } catch (error) {
    return { n, out: null, error };
  }
}

// [the map, the action, its storage, the VMID of its guest]
const ACTIONS: [string, 'lv-deactivate' | 'dm-remove', 'local-lvm' | 'san', number][] = [
  ['pve-vm--100--disk--1', 'lv-deactivate', 'local-lvm', 100],
  ['pve-vm--103--disk--2', 'dm-remove', 'local-lvm', 103],
  ['vg--san-vm--300--disk--1', 'lv-deactivate', 'san', 300],
  ['vg--san-vm--300--disk--2', 'dm-remove', 'san', 300],
];

function assertNothingRun(n: Node, what: string): void {
  assert.deepEqual(n.acted, [], `${what}: no command that changes the node ran`);
  assert.deepEqual(n.journaled, [], `${what}: nothing journaled`);
}

const quorumLost = (n: Node) =>
  write(
    n.root,
    '/etc/pve/.members',
    JSON.stringify({
      nodename: 'pve1',
      version: 4,
      cluster: { name: 'c', version: 2, nodes: 2, quorate: 0 },
      nodelist: { pve1: { id: 1, online: 1, ip: '10.0.0.1' }, pve2: { id: 2, online: 0, ip: '10.0.0.2' } },
    }),
  );

/** The guest starts on this node: its pid file and its kvm process (qemu-server's `-id <vmid>`). */
const guestStarts = (vmid: number) => (n: Node) => {
  const pid = 7000 + vmid;
  write(n.root, `/run/qemu-server/${vmid}.pid`, `${pid}\n`);
  writeProcess(n.root, { pid, comm: 'kvm', cmdline: ['/usr/bin/kvm', '-id', String(vmid)] });
};

const pvmoveBegins = (vg: string) => (n: Node) => {
  n.lvRows.push(pvmoveRow(n.b, vg));
};

describe('clean: the node unchanged between plan and action: each action runs', () => {
  for (const [name, kind] of ACTIONS) {
    it(`${name}: ${kind} runs`, async () => {
      const { n, out, error } = await cleanAfter(name, () => {});
      assert.equal(error, null, String(error));
      assert.deepEqual(
        out?.map((o) => [o.result, o.why]),
        [['done', undefined]],
      );
      assert.equal(n.acted.length, 1);
      assert.equal(n.acted[0][0], kind === 'dm-remove' ? 'dmsetup' : 'lvchange');
      assert.deepEqual(n.journaled, [name]);
      assert.ok(n.deadlines.length >= 3, 'the map and its LV were read again');
      assert.deepEqual(
        new Set(n.deadlines),
        new Set([DEFAULT_COMMAND_TIMEOUT_MS]),
        "each read again with the gather's deadline",
      );
    });
  }
});

describe('clean: quorum lost between plan and action refuses the whole run (exit 3)', () => {
  for (const [name, kind, storage] of ACTIONS) {
    it(`${name}: ${kind} on ${storage}: refused, not quorate, nothing run`, async () => {
      const { n, error } = await cleanAfter(name, quorumLost);
      assert.ok(error instanceof RefusedError, String(error));
      assert.deepEqual(
        error.refusals.map((r) => r.code),
        ['not-quorate'],
      );
      assert.equal(error.message, "refusing to act: cluster 'c' is not quorate (/etc/pve/.members)");
      assert.ok(error instanceof CheckError, 'a CheckError: exit 3');
      assertNothingRun(n, name);
    });
  }
});

describe('clean: the guest starts between plan and action: skipped', () => {
  for (const [name, kind, storage, vmid] of ACTIONS) {
    it(`${name}: ${kind} on ${storage}: VM ${vmid} starts -> skipped, nothing run`, async () => {
      // VM 100 runs already (its other LV is what is left over): a second kvm of it is what changes.
      const { n, out, error } = await cleanAfter(name, guestStarts(vmid));
      assert.equal(error, null, String(error));
      assert.equal(out?.[0].result, 'skipped');
      assert.equal(out?.[0].why, 'protected now: guest-running');
      assertNothingRun(n, name);
    });
  }
});

describe('clean: a pvmove begins in the VG between plan and action: skipped', () => {
  for (const [name, kind, storage] of ACTIONS) {
    const vg = storage === 'san' ? 'vg-san' : 'pve';
    it(`${name}: ${kind} on ${storage}: pvmove in ${vg} -> skipped, nothing run`, async () => {
      const { n, out, error } = await cleanAfter(name, pvmoveBegins(vg));
      assert.equal(error, null, String(error));
      assert.equal(out?.[0].result, 'skipped');
      assert.equal(out?.[0].why, `a pvmove is running in VG ${vg} now`);
      assertNothingRun(n, name);
    });
  }
});

// A task of the guest begins after the plan (a line without an end in tasks/active): PVE counts it running
// only while its worker lives — the UPID's pid with its start time in /proc/<pid>/stat (pve-common
// RPCEnvironment active_workers, ProcFSTools check_process_running). The re-check reads the tasks and their
// workers afresh. A live migration explains a leftover LV of its guest (pending: it may be the migration's
// own) but not a map of a removed LV (protected); a line whose worker is gone (a crash left it) explains
// nothing, and nothing it names is touched while it stands (dm-flags.ts guestFlags): skipped either way,
// for the reason of each.
const WORKER = { pid: 0x7a31, pstart: 0x00c00000 };

function taskBegins(vmid: number, worker: 'alive' | 'gone' | 'pid reused') {
  return (n: Node) => {
    const hex = (x: number) => x.toString(16).toUpperCase().padStart(8, '0');
    const upid = `UPID:pve1:${hex(WORKER.pid)}:${hex(WORKER.pstart)}:65000000:qmigrate:${vmid}:root@pam:`;
    write(n.root, '/var/log/pve/tasks/active', `${upid} 0\n`);
    if (worker === 'gone') return;
    // /proc/<pid>/stat: field 22 (the 20th after the command name) is the start time in clock ticks.
    const start = worker === 'alive' ? WORKER.pstart : WORKER.pstart + 777;
    const rest = ['S', ...Array.from({ length: 18 }, (_, i) => String(i + 1)), String(start), '0'];
    write(n.root, `/proc/${WORKER.pid}/stat`, `${WORKER.pid} (task ${upid}) ${rest.join(' ')}\n`);
  };
}

describe('clean: a task of the guest begins between plan and action: skipped', () => {
  for (const [name, kind, storage, vmid] of ACTIONS)
    for (const worker of ['alive', 'gone', 'pid reused'] as const) {
      const why =
        worker === 'alive' && kind === 'lv-deactivate' ? 'pending now: task:qmigrate' : 'protected now: task:qmigrate';
      it(`${name}: ${kind} on ${storage}: a migration of VM ${vmid}, its worker ${worker} -> ${why}`, async () => {
        const { n, out, error } = await cleanAfter(name, taskBegins(vmid, worker));
        assert.equal(error, null, String(error));
        assert.deepEqual(
          out?.map((o) => [o.result, o.why]),
          [['skipped', why]],
        );
        assertNothingRun(n, name);
      });
    }
});

// Another task takes the storage lock after the plan (PVE's own: the flock of a local storage, the
// pmxcfs lock directory of a shared one): the action waits the lock wait, then is skipped.
const haveFlock = findTool('flock') !== null;
const holders: ChildProcess[] = [];
after(() => {
  for (const h of holders) if (h.pid) process.kill(-h.pid, 'SIGKILL');
});

async function storageLockTaken(n: Node, storage: string, shared: boolean): Promise<void> {
  if (shared) {
    mkdirSync(join(n.root, `etc/pve/priv/lock/storage-${storage}`), { recursive: true });
    return;
  }
  const path = join(n.root, `var/lock/pve-manager/pve-storage-${storage}`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '');
  // Its own process group: flock's child (sleep) inherits the locked file and must end with it.
  const h = spawn('flock', [path, 'sh', '-c', 'echo held; exec sleep 60'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
  });
  holders.push(h);
  await new Promise<void>((r) => h.stdout?.once('data', () => r()));
}

describe('clean: another task takes the storage lock between plan and action: skipped', {
  skip: haveFlock ? false : 'flock(1) not found (util-linux)',
}, () => {
  for (const [name, kind, storage] of ACTIONS) {
    const shared = storage === 'san';
    it(`${name}: ${kind} on ${storage}: ${shared ? 'cluster lock' : 'flock'} held -> skipped, nothing run`, async () => {
      const { n, out, error } = await cleanAfter(name, (x) => storageLockTaken(x, storage, shared));
      assert.equal(error, null, String(error));
      assert.equal(out?.[0].result, 'skipped');
      assert.match(
        out?.[0].why ?? '',
        new RegExp(
          `^storage ${storage}${shared ? ' \\(cluster lock\\)' : ''} is locked \\(.*\\): another ${shared ? 'node or task' : 'operation'} holds it$`,
        ),
      );
      assertNothingRun(n, name);
    });
  }
});

// One run of several actions: each re-check decides from the plan's look with what this run did since
// (recheck-narrow.ts noteOutcome, reanalyzeSince) and the open counts just read. kpartx's partitions hold
// their LV open until they are removed, children first; the LV is then open by nobody and is deactivated.
const KPARTX = ['pve-vm--100--disk--2p1', 'pve-vm--100--disk--2p2', 'pve-vm--100--disk--2'];

describe('clean: a leftover LV with kpartx partitions, in one run', () => {
  it('the plan removes the partitions first, then deactivates the LV', () =>
    assert.deepEqual(
      [...makeNode().actions.values()].filter((a) => KPARTX.includes(a.name)).map((a) => [a.kind, a.name]),
      [
        ['dm-remove', KPARTX[0]],
        ['dm-remove', KPARTX[1]],
        ['lv-deactivate', KPARTX[2]],
      ],
    ));

  it('each step runs: the LV, no longer held by the partitions this run removed, is deactivated', async () => {
    const { n, out, error } = await cleanAfter(KPARTX, () => {});
    assert.equal(error, null, String(error));
    assert.deepEqual(
      out?.map((o) => [o.action.name, o.result, o.why]),
      KPARTX.map((name) => [name, 'done', undefined]),
    );
    assert.deepEqual(
      n.acted.map((argv) => argv[0]),
      ['dmsetup', 'dmsetup', 'lvchange'],
    );
    assert.deepEqual(n.journaled, KPARTX);
  });

  it('after another LV deactivated in the same run: each step runs', async () => {
    const names = ['pve-vm--100--disk--1', ...KPARTX];
    const { n, out, error } = await cleanAfter(names, () => {});
    assert.equal(error, null, String(error));
    assert.deepEqual(
      out?.map((o) => [o.action.name, o.result, o.why]),
      names.map((name) => [name, 'done', undefined]),
    );
    assert.deepEqual(n.journaled, names);
  });

  it("an action that failed: the next one is re-checked by a full gather (the failed one's effect is unknown)", async () => {
    const names = ['pve-vm--100--disk--1', ...KPARTX.slice(0, 2)];
    const { n, out, error } = await cleanAfter(names, (x) => {
      x.failing.add('lvchange');
      x.gathers = 0;
    });
    assert.equal(error, null, String(error));
    assert.deepEqual(
      out?.map((o) => [o.action.name, o.result]),
      [
        [names[0], 'failed'],
        [names[1], 'done'],
        [names[2], 'done'],
      ],
    );
    assert.equal(n.gathers, 1, 'one full gather, after the failure; the next re-check is narrow from it');
  });

  it('an action that failed, then the full gather fails: the run is refused (exit 3), naming the next action', async () => {
    const names = ['pve-vm--100--disk--1', 'pve-vm--103--disk--2'];
    const { n, error } = await cleanAfter(names, (x) => {
      x.failing.add('lvchange');
      x.gathers = 0;
      x.gatherFails = true;
    });
    assert.ok(error instanceof RefusedError, String(error));
    assert.deepEqual(
      error.refusals.map((r) => [r.code, r.message]),
      [['gather', 're-gather before acting on pve-vm--103--disk--2 failed: lvs timed out']],
    );
    assert.deepEqual(n.journaled, [names[0]], 'the second action never journaled');
  });

  it('an action skipped: the next one is still re-checked narrowly (nothing changed by this run)', async () => {
    const names = ['pve-vm--100--disk--1', 'pve-vm--103--disk--2'];
    const { n, out, error } = await cleanAfter(names, guestStarts(100));
    assert.equal(error, null, String(error));
    assert.deepEqual(
      out?.map((o) => [o.action.name, o.result]),
      [
        [names[0], 'skipped'],
        [names[1], 'done'],
      ],
    );
    assert.deepEqual(n.journaled, [names[1]]);
  });

  it('the LV alone, its partitions still there: skipped, it is open', async () => {
    const { n, out, error } = await cleanAfter(KPARTX[2], () => {});
    assert.equal(error, null, String(error));
    assert.deepEqual(
      out?.map((o) => o.result),
      ['skipped'],
    );
    assert.match(out?.[0].why ?? '', /^it is open now \(open count 2/);
    assertNothingRun(n, KPARTX[2]);
  });
});

describe('clean: storage.cfg damaged between plan and action refuses the run (exit 3)', () => {
  for (const [name, kind, storage] of ACTIONS) {
    it(`${name}: ${kind} on ${storage}: refused, the re-check names the action and the damage`, async () => {
      const { n, error } = await cleanAfter(name, (x) =>
        write(x.root, '/etc/pve/storage.cfg', `${STORAGE}lvm: b\n\tvgname vg-b\n`),
      );
      assert.ok(error instanceof RefusedError, String(error));
      assert.deepEqual(
        error.refusals.map((r) => r.code),
        ['gather'],
      );
      assert.match(error.refusals[0].message, new RegExp(`^re-check before acting on ${name} failed: .*storage\\.cfg`));
      assertNothingRun(n, name);
    });
  }
});

// What restore undoes from: the journal entry written before the command, from the fresh look.
describe('clean: the journal entry of each action names what restore needs', () => {
  for (const [name, kind, , vmid] of ACTIONS) {
    it(`${name}: ${kind}`, async () => {
      const { n, error } = await cleanAfter(name, () => {});
      assert.equal(error, null, String(error));
      const a = n.actions.get(name)!;
      const dev = n.b.devs.find((d) => d.name === name)!;
      const e = n.entries[0];
      assert.deepEqual(
        [e.kind, e.name, e.uuid, e.majorMinor, e.table, e.vg, e.lv, e.lvUuid, e.storage, e.vmid, e.command],
        [kind, name, dev.uuid, `252:${dev.minor}`, dev.table, a.vg, a.lv, a.lvUuid, a.storage, vmid, a.command],
      );
      assert.equal(e.readonly, false, 'a read-write map');
      assert.equal(e.guestNode, 'pve1', `VM ${vmid} lives on this node`);
      assert.equal(
        e.activationSkip,
        kind === 'lv-deactivate' ? false : undefined,
        'the LV has no activation skip flag',
      );
      // Each device its table names, by name and UUID (a thin map: its pool; a linear one: the PV, not a map).
      const used = [...dev.table.join(' ').matchAll(/\b(\d+:\d+)\b/g)].map((m) => m[1]);
      const maps = n.b.devs.filter((d) => used.includes(`252:${d.minor}`));
      assert.deepEqual(
        e.tableDevices,
        Object.fromEntries(maps.map((d) => [`252:${d.minor}`, { name: d.name, uuid: d.uuid }])),
      );
      assert.equal(Object.keys(e.tableDevices ?? {}).length, dev.table[0].includes(' thin ') ? 1 : 0);
    });
  }
});
