// Issue 60: wherever a finding's steps are shortened (-q, Nagios, Checkmk), the first command shown keeps
// the data, and an irreversible one shown keeps its label; the full steps stay in the full report.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FindingStep, shortFixText, shortSteps } from '../../src/core/findings/finding-steps';
import { runCli } from '../helpers/cli';

const step = (kind: FindingStep['kind'], command: string | null, irreversible = kind === 'drop'): FindingStep => ({
  kind,
  text: `to ${kind}`,
  command,
  irreversible,
});

test('shortFixText: the step that keeps the data first, an irreversible one labelled', () => {
  const rows: [{ fix: string | null; steps: FindingStep[] }, string | null][] = [
    // A shared storage's leftovers: only the irreversible drop, so its words (what to check first) stay.
    [
      {
        fix: '# drop (irreversible: deletes the data), after checking that no node uses them:\nlvremove vg-san/del-vm-170-disk-0\nlvremove vg-san/vm-105-disk-0',
        steps: [],
      },
      'fix: drop (irreversible: deletes the data), after checking that no node uses them: lvremove vg-san/del-vm-170-disk-0 (+1 more in the full report)',
    ],
    // Keep first, however the script orders it (the legitimate case: a safe first command, no label needed).
    [
      {
        fix: '# or drop (irreversible: deletes the data):\npvesm free local:1/x.raw\n# keep:\nqm disk rescan --vmid 1',
        steps: [],
      },
      'fix: qm disk rescan --vmid 1 (+1 more in the full report)',
    ],
    // A deleting command is irreversible even without the words.
    [{ fix: 'lvremove pve/vm-1-disk-0', steps: [] }, 'fix: (irreversible): lvremove pve/vm-1-disk-0'],
    [{ fix: 'qm unlock 122', steps: [] }, 'fix: qm unlock 122'],
    // Named steps: the same rule, the first labelled with its kind, the rest counted.
    [
      { fix: null, steps: [step('drop', 'zfs destroy rpool/x'), step('reclaim', 'pve-health reclaim --name z:x')] },
      'reclaim: pve-health reclaim --name z:x (+1 more in the full report)',
    ],
    [
      { fix: null, steps: [step('drop', 'pvesm free z:x'), step('keep', 'qm disk rescan --vmid 1')] },
      'keep: qm disk rescan --vmid 1 (+1 more in the full report)',
    ],
    [{ fix: null, steps: [step('drop', 'pvesm free z:x')] }, 'drop: to drop (irreversible): pvesm free z:x'],
    // A drop step whose kind is mislabelled is still recognised by its command.
    [{ fix: null, steps: [step('step', 'rbd rm pool/img', false)] }, 'fix: to step (irreversible): rbd rm pool/img'],
    // Mount steps: words only and commands, the first command shown.
    [
      { fix: null, steps: [step('step', null), step('step', 'dmesg --level=err,warn'), step('step', 'pct stop 110')] },
      'fix: dmesg --level=err,warn (+1 more in the full report)',
    ],
    [{ fix: null, steps: [step('step', null)] }, null],
  ];
  for (const [f, want] of rows) assert.equal(shortFixText(f), want, JSON.stringify(f));
  assert.deepEqual(
    shortSteps({ fix: '# a\nrm -f x\n# b\nls', steps: [] }).map((s) => [s.command, s.irreversible]),
    [
      ['ls', false],
      ['rm -f x', true],
    ],
  );
});

test('check -q on the demo: the shared leftovers show the look at every node first, never lvremove', () => {
  const quiet = runCli(['check', '--demo', '-q']).stdout;
  const line = quiet.split('\n').find((l) => /inactive leftover LVs/.test(l)) ?? '';
  assert.match(line, / — fix: pve-health cluster \(\+4 more in the full report\)$/);
  for (const l of quiet.split('\n')) if (/lvremove|pvesm free|zfs destroy/.test(l)) assert.match(l, /irreversible/, l);
});

// Issue 60: a protected finding whose check offers a step shows it; "no fix now" only where none is open.
test('shortFixText: a protected finding names its protection, then the step the check offers', () => {
  const protectedBy = ['guest-running'];
  assert.equal(
    shortFixText({ fix: null, steps: [step('keep', 'qm disk rescan --vmid 100')], protectedBy }),
    'protected (guest-running); keep: qm disk rescan --vmid 100',
  );
  assert.equal(shortFixText({ fix: null, steps: [], protectedBy }), 'no fix now (protected: guest-running)');
  // a pending finding's operation is named by its words: no protection prefix
  assert.equal(shortFixText({ fix: null, steps: [], protectedBy, pending: true }), null);
});

test('check -q on the demo: one rule for LVM and ZFS/files — one command each, the rest counted', () => {
  const quiet = runCli(['check', '--demo', '-q']).stdout.split('\n');
  const of = (subject: string) => quiet.find((l) => l.includes(` ${subject} `)) ?? '';
  assert.match(of('local-lvm:vm-150-disk-0'), / — fix: lvchange -an .* \(\+3 more in the full report\)$/);
  assert.match(of('local:103/old-import.qcow2'), / — keep: qm disk rescan --vmid 103 \(\+2 more in the full report\)$/);
  assert.match(of('local-lvm:vm-100-disk-2'), / — protected \(guest-running\); keep: qm disk rescan --vmid 100$/);
  for (const l of quiet) assert.doesNotMatch(l, / · /, l);
});
