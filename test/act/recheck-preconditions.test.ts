// What the node's preconditions do between the plan and each action (issue: with the narrow re-check's
// preconditions evaluated on the look taken before the plan, a cluster that lost quorum in between still
// got its map removed, exit 0, and no test noticed). The node changes at the first re-check (the second
// `dmsetup info` of the run, after the locks are taken): quorum is lost, or the guest starts. For each action kind (a map removal, an LV deactivation), on local and on shared storage, the
// action must not run: quorum lost refuses the whole run (exit 3), a started guest skips it.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, calls, fakeCheck, HAVE_FAKENODE, mutateAtSecondInfo, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'fakenode not found (../shared/fakenode)';

/** A stand-in `dmsetup` that runs `python` on the fakenode's state `s` and root `root` at the first re-check. */
function changeAtRecheck(out: string, python: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pvh-precond-'));
  writeFileSync(
    join(dir, 'mutate.py'),
    [
      'import json, sys',
      `out = ${JSON.stringify(out)}`,
      "sys.path.insert(0, out + '/lib')",
      'import fakelib',
      "state, root = out + '/state.json', out + '/root'",
      's = json.load(open(state))',
      python,
      'json.dump(s, open(state, "w"))',
      'fakelib.sync_guest_processes(root, s)',
    ].join('\n'),
  );
  return mutateAtSecondInfo(dir);
}

const quorumLost = `
m = json.load(open(root + '/etc/pve/.members'))
m['cluster'] = dict(m.get('cluster') or {'name': 'prod', 'version': 3, 'nodes': 2}, quorate=0)
m.setdefault('nodelist', {m['nodename']: {'id': 1, 'online': 1, 'ip': '127.0.0.1'}, 'pve9': {'id': 2, 'online': 0}})
json.dump(m, open(root + '/etc/pve/.members', 'w'))`;

const guestStarts = (vmid: number, pid: number) => `
[g.update(status='running', pid=${pid}) for g in s['guests'] if g['vmid'] == ${vmid}]`;

function assertNothingRun(out: string, all: string) {
  const acted = calls(out).filter((c) => (c.tool === 'dmsetup' && c.argv[0] === 'remove') || c.tool === 'lvchange');
  assert.deepEqual(acted, [], all);
  assert.deepEqual(fakeCheck(out).removed, [], all);
}

// [scenario, action kind, device, VMID (the filter)]
const ACTIONS: [string, string, string, number][] = [
  ['default-lvmthin', 'map removal', 'pve-vm--103--disk--2', 103],
  ['default-lvmthin', 'LV deactivation', 'pve-vm--150--disk--0', 150],
  ['cluster-shared-lvm', 'map removal', 'vg--san-vm--303--disk--0', 303],
  ['cluster-shared-lvm', 'LV deactivation', 'vg--san-vm--300--disk--0', 300],
];

describe('clean: quorum lost between plan and action refuses the run', { skip }, () => {
  for (const [scenario, kind, device, vmid] of ACTIONS) {
    it(`${scenario}: ${kind} of ${device}: exit 3, not quorate, nothing run`, () => {
      const out = buildNode(scenario);
      const r = runCli(out, ['clean', '--yes', '--vmid', String(vmid)], {
        pathPrefix: changeAtRecheck(out, quorumLost),
      });
      const all = `${r.stdout}\n${r.stderr}`;
      assert.equal(r.code, 3, all);
      assert.match(all, /not quorate/, all);
      assertNothingRun(out, all);
    });
  }
});

// A guest of this node starting, with a stopped guest's own leftover (VM 103's map). A pvmove begun in the VG
// is the narrow read's own rows (test/core/recheck-narrow.test.ts): fakenode's lvs has no pvmove LV (attr 'p').
const SKIPS: [string, string, string, number, string, RegExp][] = [
  ['default-lvmthin', 'VM 103 starts', 'pve-vm--103--disk--2', 103, guestStarts(103, 2990), /running|protected/],
  ['cluster-shared-lvm', 'VM 303 starts', 'vg--san-vm--303--disk--0', 303, guestStarts(303, 4190), /running|protected/],
];

describe('clean: the guest starts between plan and action: skipped', { skip }, () => {
  for (const [scenario, what, device, vmid, python, why] of SKIPS) {
    it(`${scenario}: ${what} -> ${device} skipped, nothing run`, () => {
      const out = buildNode(scenario);
      const r = runCli(out, ['clean', '--yes', '--vmid', String(vmid)], { pathPrefix: changeAtRecheck(out, python) });
      const all = `${r.stdout}\n${r.stderr}`;
      assert.match(r.stdout, /skipped: 1/, all);
      assert.ok(
        all.split('\n').some((l) => l.includes(device) && why.test(l)),
        all,
      );
      assertNothingRun(out, all);
    });
  }

  it('the same stand-in with no change lets both kinds of action run (the cases above test the re-check)', () => {
    const out = buildNode('default-lvmthin');
    runCli(out, ['clean', '--yes', '--vmid', '150'], { pathPrefix: changeAtRecheck(out, 'pass') });
    assert.deepEqual(
      calls(out)
        .filter((c) => c.tool === 'lvchange')
        .map((c) => c.argv[0]),
      ['-an'],
    );
  });
});
