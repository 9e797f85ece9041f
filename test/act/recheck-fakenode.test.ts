// The re-check before each action, where it acts (issue: with the re-check disabled in applyCleanup the
// suite must fail). The node changes between the plan and the action: a stand-in `dmsetup` changes the
// fakenode's state at the first re-check (the second `dmsetup info` of the run: the narrow read of the
// map), then runs the fake. The action must be skipped with its reason, and no `dmsetup remove` or
// `lvchange` may run, on local and on shared storage, for a map and for a kpartx partition and its parent.
// A read that fails (a stand-in for `dmsetup table` or `lvs` that exits 1 after the first look) skips too.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildFakenode } from '../helpers/fakenode-build';
import {
  buildNode,
  calls,
  FAKENODE,
  fakeCheck,
  HAVE_FAKENODE,
  journals,
  mutateAtSecondInfo,
  runCli,
} from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'fakenode not found (../shared/fakenode)';

/** Python run on the fakenode's state (`s`, saved afterwards) and root (`root`) at the first re-gather. */
interface Change {
  what: string;
  python: string;
  /** A map the change itself removes (fakenode's check then lists it as removed). */
  removes?: string;
}

const opened = (name: string): Change => ({
  what: 'the map is opened (a process)',
  python: `s['dm']['${name}']['open'] = 1`,
});
const lvReplaced = (lv: string): Change => ({
  what: 'its LV is replaced (a new LV UUID under the same name)',
  python: `[x.update(uuid='Zz9ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ') for x in s['lvs'] if x['lv'] == '${lv}']`,
});
const taskStarts = (vmid: number): Change => ({
  what: `a qmrestore of ${vmid} starts (pending)`,
  // With its worker alive (pid 0x9C40, start time 0x12D687 in /proc/<pid>/stat, as check_process_running reads it).
  python: [
    `open(root + '/var/log/pve/tasks/active', 'a').write('UPID:pve1:00009C40:0012D687:6553F100:qmrestore:${vmid}:root@pam: 0\\n')`,
    "import os; os.makedirs(root + '/proc/40000', exist_ok=True)",
    "open(root + '/proc/40000/stat', 'w').write('40000 (task UPID:pve1) S 1 ' + '0 ' * 17 + '1234567 0\\n')",
  ].join('\n'),
});

/** A table load changes what the map points at (a resize's reload, another thin device id, other extents). */
const tableChanged = (name: string, table: string): Change => ({
  what: 'its table changed (reloaded: another target)',
  python: `s['dm']['${name}']['table'] = ['${table}']`,
});

const gone = (name: string): Change => ({
  what: 'the map is removed by someone else',
  python: `del s['dm']['${name}']`,
  removes: name,
});

/**
 * A stand-in for `tool` that fails (exit 1, an I/O error) on its `nth` call of the run, and runs the
 * fake otherwise: the first call of each is the plan's gather, the second the first re-check's read.
 */
// The stand-ins number their calls by mkdir, which only one process wins: the gather runs its reads at
// once (lvs twice), and a counter file read and rewritten by two of them at the same time gave both the
// same number under load (the planned failure then never came).
function failingRead(tool: 'dmsetup' | 'lvs', sub: string | null, nth = 2): string {
  const dir = mkdtempSync(join(tmpdir(), 'pvh-readfail-'));
  const match = sub ? `[ "$1" = ${sub} ]` : 'true';
  writeFileSync(
    join(dir, tool),
    `#!/bin/sh
if ${match}; then
  n=1; while ! mkdir "${dir}/call$n" 2>/dev/null; do n=$((n + 1)); done
  if [ $n -eq ${nth} ]; then echo "  /dev/sdb: read failed after 0 of 4096 at 0: Input/output error" >&2; exit 1; fi
fi
exec "$FAKENODE_BIN/${tool}" "$@"
`,
    { mode: 0o755 },
  );
  return dir;
}

function standIn(out: string, change: Change): string {
  const dir = mkdtempSync(join(tmpdir(), 'pvh-recheck-'));
  writeFileSync(
    join(dir, 'mutate.py'),
    [
      'import json',
      `state, root = ${JSON.stringify(join(out, 'state.json'))}, ${JSON.stringify(join(out, 'root'))}`,
      's = json.load(open(state))',
      change.python,
      'json.dump(s, open(state, "w"))',
    ].join('\n'),
  );
  return mutateAtSecondInfo(dir);
}

// [scenario, storage, the one planned action's device, its VMID (the filter), the change, the reason]
const CASES: [string, string, string, number, Change, RegExp][] = [
  ['default-lvmthin', 'local', 'pve-vm--103--disk--2', 103, opened('pve-vm--103--disk--2'), /it is open now/],
  ['default-lvmthin', 'local', 'pve-vm--150--disk--0', 150, opened('pve-vm--150--disk--0'), /it is open now/],
  ['default-lvmthin', 'local', 'pve-vm--150--disk--0', 150, lvReplaced('vm-150-disk-0'), /now |LV UUID changed/],
  ['default-lvmthin', 'local', 'pve-vm--150--disk--0', 150, taskStarts(150), /pending now: task:qmrestore/],
  [
    'cluster-shared-lvm',
    'shared',
    'vg--san-vm--303--disk--0',
    303,
    opened('vg--san-vm--303--disk--0'),
    /it is open now/,
  ],
  [
    'cluster-shared-lvm',
    'shared',
    'vg--san-vm--300--disk--0',
    300,
    opened('vg--san-vm--300--disk--0'),
    /it is open now/,
  ],
  [
    'cluster-shared-lvm',
    'shared',
    'vg--san-vm--300--disk--0',
    300,
    lvReplaced('vm-300-disk-0'),
    /now |LV UUID changed/,
  ],
  // VM 300's config lives on pve2: a restore task of 300 here does not explain its LV (docs/cleanup.md, the
  // pending rule), so the fresh look protects it instead of calling it pending: skipped all the same.
  ['cluster-shared-lvm', 'shared', 'vg--san-vm--300--disk--0', 300, taskStarts(300), /protected now: task:qmrestore/],
  ['default-lvmthin', 'local', 'pve-vm--150--disk--0', 150, gone('pve-vm--150--disk--0'), /no longer exists/],
  [
    'default-lvmthin',
    'local',
    'pve-vm--150--disk--0',
    150,
    tableChanged('pve-vm--150--disk--0', '0 67108864 thin 252:4 42'),
    /its table changed since the plan/,
  ],
  [
    'default-lvmthin',
    'local',
    'pve-vm--103--disk--2',
    103,
    tableChanged('pve-vm--103--disk--2', '0 41943040 thin 252:4 16'),
    /its table changed since the plan/,
  ],
  [
    'cluster-shared-lvm',
    'shared',
    'vg--san-vm--303--disk--0',
    303,
    tableChanged('vg--san-vm--303--disk--0', '0 67108864 linear 252:0 2048'),
    /its table changed since the plan/,
  ],
  ['default-lvmthin', 'local', 'pve-vm--103--disk--2', 103, gone('pve-vm--103--disk--2'), /no longer exists/],
  [
    'cluster-shared-lvm',
    'shared',
    'vg--san-vm--300--disk--0',
    300,
    gone('vg--san-vm--300--disk--0'),
    /no longer exists/,
  ],
];

function assertSkippedNothingRun(out: string, r: { stdout: string; stderr: string }, device: string, why: RegExp) {
  const all = `${r.stdout}\n${r.stderr}`;
  assert.match(r.stdout, /skipped: 1/, all);
  assert.ok(
    all.split('\n').some((l) => l.includes(device) && why.test(l)),
    all,
  );
  const acted = calls(out).filter((c) => (c.tool === 'dmsetup' && c.argv[0] === 'remove') || c.tool === 'lvchange');
  assert.deepEqual(acted, [], r.stdout);
  assert.deepEqual(fakeCheck(out).removed, []);
}

describe('clean: the node changes between plan and action (the re-check acts)', { skip }, () => {
  for (const [scenario, storage, device, vmid, change, why] of CASES) {
    it(`${storage} (${scenario}): ${device}: ${change.what} -> skipped, nothing run`, () => {
      const out = buildNode(scenario);
      const r = runCli(out, ['clean', '--yes', '--vmid', String(vmid)], { pathPrefix: standIn(out, change) });
      // Skipped, with the reason, in the run's summary and log.
      const all = `${r.stdout}\n${r.stderr}`;
      assert.match(r.stdout, /skipped: 1/, all);
      assert.ok(
        all.split('\n').some((l) => l.includes(device) && why.test(l)),
        all,
      );
      // The action itself never ran: no removal, no deactivation, nothing journaled as done.
      const acted = calls(out).filter((c) => (c.tool === 'dmsetup' && c.argv[0] === 'remove') || c.tool === 'lvchange');
      assert.deepEqual(acted, [], r.stdout);
      assert.deepEqual(fakeCheck(out).removed, change.removes ? [change.removes] : []);
      for (const j of journals(out)) {
        const done = JSON.parse(readFileSync(j, 'utf8')).actions.filter((a: { result: string }) => a.result === 'done');
        assert.deepEqual(done, []);
      }
    });
  }

  it('unchanged: the same stand-in without a change lets the action run (the cases above test the re-check, not the stand-in)', () => {
    const out = buildNode('default-lvmthin');
    const r = runCli(out, ['clean', '--yes', '--vmid', '103'], {
      pathPrefix: standIn(out, { what: 'nothing', python: 'pass' }),
    });
    assert.deepEqual(fakeCheck(out).removed, ['pve-vm--103--disk--2'], `${r.stdout}\n${r.stderr}`);
    // The re-check read the map and its LV only: the full gather ran for the plan and the final look.
    const log = calls(out);
    assert.equal(log.filter((c) => c.tool === 'dmsetup' && c.argv[0] === 'deps').length, 2, JSON.stringify(log));
    const narrow = log.filter((c) => c.argv.includes('-u') && c.argv[0] !== 'remove');
    assert.deepEqual(
      narrow.map((c) => `${c.tool} ${c.argv[0]}`),
      ['dmsetup info', 'dmsetup table'],
    );
  });
});

// [scenario, storage, device, VMID, the stand-in, the reason]
const READ_FAILURES: [string, string, string, number, () => string, RegExp][] = [
  [
    'default-lvmthin',
    'local',
    'pve-vm--150--disk--0',
    150,
    () => failingRead('dmsetup', 'table'),
    /cannot re-read the table/,
  ],
  [
    'default-lvmthin',
    'local',
    'pve-vm--150--disk--0',
    150,
    () => failingRead('dmsetup', 'info'),
    /cannot re-read UUID/,
  ],
  [
    'default-lvmthin',
    'local',
    'pve-vm--103--disk--2',
    103,
    () => failingRead('lvs', null, 3),
    /cannot re-read LV pve\/vm-103-disk-2/,
  ],
  [
    'cluster-shared-lvm',
    'shared',
    'vg--san-vm--300--disk--0',
    300,
    () => failingRead('dmsetup', 'table'),
    /cannot re-read the table/,
  ],
  [
    'cluster-shared-lvm',
    'shared',
    'vg--san-vm--300--disk--0',
    300,
    () => failingRead('lvs', null, 3),
    /cannot re-read LV vg-san/,
  ],
];

describe('clean: a read of the re-check fails (UNKNOWN: skipped, nothing run)', { skip }, () => {
  for (const [scenario, storage, device, vmid, stand, why] of READ_FAILURES) {
    it(`${storage} (${scenario}): ${device}: ${why.source}`, () => {
      const out = buildNode(scenario);
      const r = runCli(out, ['clean', '--yes', '--vmid', String(vmid)], { pathPrefix: stand() });
      assertSkippedNothingRun(out, r, device, why);
    });
  }
});

/** default-lvmthin with a kpartx partition map on VM 150's orphaned LV (its parent, open by it alone). */
function buildWithPartition(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pvh-kpartx-'));
  const scenario = JSON.parse(readFileSync(join(FAKENODE, 'scenarios', 'default-lvmthin.json'), 'utf8'));
  scenario.name = 'default-lvmthin-kpartx';
  scenario.raw_dm.push({ partition_of: 'pve-vm--150--disk--0', part: 1, start: 2048, open: 0 });
  const expected = scenario.expected.devices ?? scenario.expected;
  expected['pve-vm--150--disk--0p1'] = {
    status: 'orphan',
    reason: 'partition',
    detail: 'kpartx partition of an orphaned LV',
    vmid: 150,
    open: false,
    protected: false,
  };
  writeFileSync(join(dir, 'scenario.json'), JSON.stringify(scenario));
  const out = join(dir, 'node');
  const b = buildFakenode(join(FAKENODE, 'fakenode.py'), ['build', join(dir, 'scenario.json')], out);
  if (b.status !== 0) throw new Error(`fakenode build: ${b.stderr}${b.stdout}`);
  return out;
}

describe('clean: a kpartx partition and its parent (the partition goes first)', { skip }, () => {
  const PART = 'pve-vm--150--disk--0p1';
  const PARENT = 'pve-vm--150--disk--0';
  it('unchanged: the partition map is removed, then the parent LV deactivated, each after its narrow re-check', () => {
    const out = buildWithPartition();
    const r = runCli(out, ['clean', '--yes', '--vmid', '150']);
    assert.deepEqual(fakeCheck(out).removed.sort(), [PARENT, PART].sort(), `${r.stdout}\n${r.stderr}`);
    const log = calls(out);
    assert.equal(log.filter((c) => c.tool === 'dmsetup' && c.argv[0] === 'deps').length, 2, JSON.stringify(log));
  });
  const cases: [string, Change, RegExp, string][] = [
    ['the partition is opened', opened(PART), /it is open now/, PART],
    [
      'the parent is opened by a process too',
      { what: '', python: `s['dm']['${PARENT}']['open'] = 1` },
      /its parent .*open more now/,
      PART,
    ],
    ['the parent is removed', gone(PARENT), /its parent .*no longer exists/, PART],
  ];
  for (const [what, change, why, device] of cases) {
    it(`${what} -> the partition is skipped, and its parent stays (open by it)`, () => {
      const out = buildWithPartition();
      const r = runCli(out, ['clean', '--yes', '--vmid', '150'], { pathPrefix: standIn(out, change) });
      const all = `${r.stdout}\n${r.stderr}`;
      assert.ok(
        all.split('\n').some((l) => l.includes(device) && why.test(l)),
        all,
      );
      const acted = calls(out).filter((c) => (c.tool === 'dmsetup' && c.argv[0] === 'remove') || c.tool === 'lvchange');
      assert.deepEqual(acted, [], r.stdout);
    });
  }
});
