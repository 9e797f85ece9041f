// Reclaim never quarantines an unreferenced shared volume of a guest whose home is another node (issue
// 59): mixed-volumes' nfs-store:300/vm-300-disk-1.qcow2 belongs to VM 300, running on pve2 — what a `qm
// disk move` there looks like until it ends. Refused, protected (guest-elsewhere), the step named; beside
// it, the same node's leftover of a gone guest (local:102/vm-102-disk-0.raw) is still quarantined.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildNode, fakeCheck, HAVE_FAKENODE, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'fakenode not found (../shared/fakenode)';
const MOVING = 'nfs-store:300/vm-300-disk-1.qcow2';

describe('a shared volume of a guest on another node', { skip }, () => {
  it("refused by reclaim (dry run and --yes), the command that settles it named; the gone guest's leftover beside it is reclaimed", () => {
    const out = buildNode('mixed-volumes');
    const dry = JSON.parse(runCli(out, ['reclaim', '--dry-run', '--all', '--json']).stdout).plan;
    assert.ok(!dry.actions.some((a: { volid: string }) => a.volid === MOVING), 'planned');
    const refused = dry.refused.find((r: { volid: string }) => r.volid === MOVING);
    assert.match(JSON.stringify(refused), /protected: guest-elsewhere/);
    assert.ok(dry.actions.some((a: { volid: string }) => a.volid === 'local:102/vm-102-disk-0.raw'));
    const volumes = runCli(out, ['volumes']).stdout;
    assert.match(volumes, /pvesh get \/nodes\/pve2\/tasks --vmid 300 --source active/);
    assert.doesNotMatch(volumes, /pvesm free nfs-store:300\/vm-300-disk-1\.qcow2/);
    const live = runCli(out, ['reclaim', '--yes', '--name', MOVING]);
    assert.notEqual(live.code, 0, live.stdout);
    assert.deepEqual(fakeCheck(out).removed, []);
  });
});
