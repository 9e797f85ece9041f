// The reclaim plan as text (issue 60): the header's total is the sum of the rows, each figure labelled
// (a snapshot's own figure is what it uses, never its volume's size); a refusal says its code once;
// pve-health's own file move shows as what it does (`rename(2) SRC → DST`), not as the tool's argv.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReclaimAction, ReclaimRefusal, ReclaimStep } from '../../src/core/reclaim/reclaim-types';
import { commandText, shellQuote } from '../../src/core/text/shell-quote';
import { renderReclaimPlan } from '../../src/render/reclaim';
import { runCli } from '../helpers/cli';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const step = (op: ReclaimStep['op'], command: string[]): ReclaimStep => ({ op, effect: `do ${op}`, command });

function action(p: Partial<ReclaimAction>): ReclaimAction {
  return {
    volid: 'local-lvm:vm-150-disk-0',
    storage: 'local-lvm',
    storageType: 'lvmthin',
    shared: false,
    vmid: 150,
    guestType: null,
    status: 'orphan',
    reason: 'guest-missing',
    why: 'no guest 150',
    evidence: ['orphan (guest-missing): no guest 150'],
    sizeBytes: 32 * GiB,
    usedBytes: null,
    original: 'vm-150-disk-0',
    quarantine: 'pve-health-q.20261127T000000Z.vm-150-disk-0',
    since: '2026-11-27T00:00:00.000Z',
    purgeAfter: '2026-12-04T00:00:00.000Z',
    location: { vg: 'pve' },
    steps: [step('lv-rename', ['lvrename', 'pve', 'vm-150-disk-0', 'pve-health-q.20261127T000000Z.vm-150-disk-0'])],
    guestLocks: [],
    ...p,
  };
}

const MOVE = [
  '/usr/bin/node',
  '/usr/share/pve-health/pve-health.cjs',
  '--pve-health-move-file',
  '/var/lib/vz/images/103/old import.qcow2',
  '/var/lib/vz/images/pve-health-quarantine/pve-health-q.20261127T000000Z.103.old import.qcow2',
];

const plan = {
  actions: [
    action({}),
    action({
      volid: 'local-zfs:vm-100-disk-2@__migration__',
      storageType: 'zfspool',
      // plan-reclaim.ts: a snapshot's entry carries its volume's size; the action does not.
      sizeBytes: null,
      usedBytes: 302 * MiB,
      steps: [step('zfs-snapshot-rename', ['zfs', 'rename', 'rpool/data/vm-100-disk-2@__migration__', 'x'])],
    }),
    action({
      volid: 'local:103/old import.qcow2',
      storageType: 'dir',
      sizeBytes: 20 * GiB,
      usedBytes: 256 * 1024,
      steps: [step('file-move', MOVE)],
    }),
  ],
  refused: [
    {
      volid: 'local-lvm:vm-100-disk-2',
      storage: 'local-lvm',
      vmid: 100,
      status: 'orphan',
      reason: 'not-referenced',
      code: 'protected',
      why: 'protected: guest-running',
    } satisfies ReclaimRefusal,
    {
      volid: 'san-lvm:vm-105-disk-0',
      storage: 'san-lvm',
      vmid: 105,
      status: 'orphan',
      reason: 'inactive-leftover',
      code: 'shared-lvm',
      why: 'storage san-lvm is shared LVM: other nodes may have the LV active',
    } satisfies ReclaimRefusal,
  ],
  quarantined: [],
  retentionDays: 7,
};

test('the header total is the sum of the rows, each figure labelled; a snapshot shows what it uses', () => {
  const text = renderReclaimPlan(plan);
  assert.match(
    text,
    /^Reclaim plan: 3 volume\(s\) to quarantine \(restorable; purge after 7 days\), 52\.0 GiB provisioned, 302 MiB used \(1 not listed\)$/m,
  );
  assert.match(
    text,
    /^ {2}\[1\] local-lvm:vm-150-disk-0 {2}guest 150 · lvmthin · 32\.0 GiB provisioned, used not listed$/m,
  );
  assert.match(
    text,
    /^ {2}\[2\] local-zfs:vm-100-disk-2@__migration__ {2}guest 150 · zfspool · 302 MiB used \(snapshot\)$/m,
  );
  assert.match(text, /· dir · 20\.0 GiB provisioned, 256 KiB used$/m);
});

test('a refusal says its code once; one whose reason does not repeat it is left as it is', () => {
  const text = renderReclaimPlan(plan);
  assert.match(text, /^ {2}local-lvm:vm-100-disk-2 {2}guest 100 — protected: guest-running$/m);
  assert.doesNotMatch(text, /protected: protected/);
  assert.match(text, /— shared-lvm: storage san-lvm is shared LVM/);
});

test("pve-health's own file move shows as rename(2) SRC → DST, paths as shell words; other steps as their argv", () => {
  const text = renderReclaimPlan(plan);
  assert.ok(
    text.includes(
      "\n         rename(2) '/var/lib/vz/images/103/old import.qcow2' → '/var/lib/vz/images/pve-health-quarantine/pve-health-q.20261127T000000Z.103.old import.qcow2'\n",
    ),
    text,
  );
  assert.doesNotMatch(text, /--pve-health-move-file/);
  assert.equal(commandText(['lvrename', 'pve', 'a b', 'c']), "lvrename pve 'a b' c");
  // Only the child's exact form: the flag anywhere else is an argv like any other.
  assert.equal(commandText(['echo', '--pve-health-move-file']), 'echo --pve-health-move-file');
  assert.equal(commandText(MOVE.slice(0, 4)), shellQuote(MOVE.slice(0, 4)));
});

// Issue 60: a refusal carries the step the check offers for it (PVE's rescan keeps the data), its command
// alone on its line; a refusal with no such step gets none.
test('a refused volume of a running guest names its rescan; a shared-LVM refusal names none', () => {
  const text = runCli(['reclaim', '--demo', '--dry-run', '--name', 'local-lvm:vm-100-disk-2']).stdout;
  assert.match(
    text,
    /^ {2}local-lvm:vm-100-disk-2 {2}guest 100 — protected: guest-running\n {6}data kept; to keep it, attach it to guest 100:\n {8}qm disk rescan --vmid 100$/m,
  );
  const shared = runCli(['reclaim', '--demo', '--dry-run', '--name', 'san-lvm:vm-121-disk-0']).stdout;
  assert.doesNotMatch(shared, /rescan/);
});

test('the plan lists a volume the journals do not prove quarantined with its reason, never as due', () => {
  const q = {
    volid: 'local:199/vm-199-disk-0.raw',
    storage: 'local',
    storageType: 'dir',
    vmid: 199,
    name: '/var/lib/vz/images/pve-health-quarantine/pve-health-q.20200101T000000Z.199.vm-199-disk-0.raw',
    onStorage: '/var/lib/vz/images/pve-health-quarantine/pve-health-q.20200101T000000Z.199.vm-199-disk-0.raw',
    since: '2020-01-01T00:00:00.000Z',
    purgeAfter: '2020-01-08T00:00:00.000Z',
    due: false,
    sizeBytes: 4096,
    usedBytes: 4096,
    location: { path: '/var/lib/vz' },
  };
  const plan = { actions: [], refused: [], retentionDays: 7 };
  const mine = renderReclaimPlan({ ...plan, quarantined: [{ ...q, due: true }] }, { purge: true, width: 0 });
  assert.match(mine, /purge after 2020-01-08 00:00:00 UTC \(due: reclaim --purge\)/);
  const text = renderReclaimPlan(
    { ...plan, quarantined: [{ ...q, notOurs: 'no reclaim journal of this node records renaming it' }] },
    { purge: true, width: 0 },
  );
  assert.match(text, /vm-199-disk-0\.raw .* · not quarantined by pve-health, never purged: no reclaim journal/);
  assert.doesNotMatch(text, /purge after|due:/);
});
