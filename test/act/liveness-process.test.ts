// Liveness from the process table, not from one file (issue 59): while `kvm -id 100` runs, a garbled,
// empty, two-line or stale /run/qemu-server/100.pid leaves VM 100 running — its unreferenced disk stays
// protected (guest-running): clean does not deactivate it, reclaim does not plan it. Beside it, VM 100
// really stopped (no kvm; the pid file left behind) makes the same leftover actionable, as before.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, HAVE_FAKENODE, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'fakenode not found (../shared/fakenode)';
const LEFTOVER = 'local-lvm:vm-100-disk-2';

/** default-lvmthin (VM 100 runs as kvm pid 2700) with its pid file replaced: clean's and reclaim's plans. */
function plans(pidFile: string | null, opts: { kvmGone?: boolean } = {}) {
  const out = buildNode('default-lvmthin');
  const pid = join(out, 'root/run/qemu-server/100.pid');
  if (pidFile === null) rmSync(pid);
  else writeFileSync(pid, pidFile);
  if (opts.kvmGone) rmSync(join(out, 'root/proc/2700'), { recursive: true });
  const clean = runCli(out, ['clean', '--dry-run', '--json']);
  const reclaim = runCli(out, ['reclaim', '--dry-run', '--all', '--json']);
  const doc = JSON.parse(reclaim.stdout);
  return {
    deactivated: (JSON.parse(clean.stdout).plan.actions as { kind: string; command?: string[] }[]).some(
      (a) => a.command?.[1] === '-an' && a.command.includes('pve/vm-100-disk-2'),
    ),
    reclaimed: (doc.plan.actions as { volid: string }[]).map((a) => a.volid),
    refused: (doc.plan.refused as { volid: string; why?: string; reason?: string }[]).find((r) => r.volid === LEFTOVER),
  };
}

describe('VM 100 runs (kvm -id 100) whatever its pid file says', { skip }, () => {
  for (const [what, text] of [
    ['garbled', 'pid 2700\n'],
    ['empty', ''],
    ['two lines', '2700\n2701\n'],
    ['stale (another pid)', '31337\n'],
    ['missing', null],
  ] as const)
    it(`pid file ${what}: its unreferenced disk stays protected (guest-running), clean and reclaim leave it`, () => {
      const p = plans(text);
      assert.equal(p.deactivated, false, 'clean must not deactivate it');
      assert.ok(!p.reclaimed.includes(LEFTOVER), `reclaim planned ${LEFTOVER}`);
      assert.match(JSON.stringify(p.refused), /guest-running/);
    });

  it('VM 100 really stopped (no kvm, its pid file left behind): the leftover is actionable again', () => {
    const p = plans('2700\n', { kvmGone: true });
    assert.equal(p.deactivated, true);
    assert.ok(p.reclaimed.includes(LEFTOVER), p.reclaimed.join(', '));
  });
});
