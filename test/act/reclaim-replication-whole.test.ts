// Reclaim never takes a live job's `__replicate_` snapshot on the word of a damaged replication.cfg
// (issue 59): a file with NUL bytes or a last line cut off holds EVERY replication snapshot (unknown,
// the sign named, no hint, no plan); a section lost at a line boundary parses cleanly, so the state
// file's last_sync equal to the snapshot's time keeps that snapshot. Beside them, the whole file is
// judged as before: the removed job's snapshot (102-5) is still a leftover reclaim plans.
// The node: test/fixtures/scenarios/volumes-replication.json (jobs 100-0 to this node, 102-0 from it).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildNode, hasFakenode, runCli } from '../helpers/cli';

const SCENARIO = join(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/scenarios/volumes-replication.json');
const skip = hasFakenode ? false : 'needs ../shared/fakenode';
const WHOLE =
  'local: 100-0\n\ttarget pve1\n\tschedule */15\n\tsource pve2\n\nlocal: 102-0\n\ttarget pve2\n\tschedule */15\n\tsource pve1\n\n';
const cli = (node: string, args: string[]) =>
  runCli(['--root', join(node, 'root'), ...args], { env: { PATH: `${join(node, 'bin')}:${process.env.PATH}` } });

interface Entry {
  volid: string;
  snapshot?: string;
  status: string;
  protected: boolean;
  protectedBy: string[];
  hint?: string;
  detail: string;
}

/** The node with replication.cfg replaced by `cfg`: the replication snapshots' entries and reclaim's plan. */
function look(cfg: string) {
  const node = buildNode(SCENARIO);
  writeFileSync(join(node, 'root/etc/pve/replication.cfg'), cfg);
  const es = JSON.parse(cli(node, ['volumes', '--json']).stdout).volumes.entries as Entry[];
  const snaps = new Map(es.filter((e) => e.snapshot?.startsWith('__replicate_')).map((e) => [e.snapshot, e]));
  const r = cli(node, ['reclaim', '--dry-run', '--all', '--json']);
  const planned = (JSON.parse(r.stdout).plan.actions as { volid?: string; snapshot?: string; argv?: string[] }[]).map(
    (a) => JSON.stringify(a),
  );
  return { snaps, planned: planned.join('\n') };
}

describe('replication.cfg not whole: every replication snapshot held', { skip }, () => {
  const cut = WHOLE.slice(0, WHOLE.indexOf('target pve2') + 'target pv'.length);
  const nul = WHOLE.replace('\tschedule */15\n\tsource pve1', '\0'.repeat(26));
  for (const [what, cfg, sign] of [
    ['cut mid-line (job 102-0 reads as target pv)', cut, /its last line has no newline/],
    ['NUL bytes over a line of job 102-0', nul, /NUL bytes/],
    ['NUL padding after the whole file', `${WHOLE}${'\0'.repeat(64)}`, /NUL bytes/],
  ] as const)
    it(`${what}: each __replicate_ snapshot unknown with the sign, no hint, none planned`, () => {
      const { snaps, planned } = look(cfg);
      assert.deepEqual([...snaps.keys()].sort(), [
        '__replicate_100-0_1763880000__',
        '__replicate_102-0_1763880000__',
        '__replicate_102-5_1760000000__',
      ]);
      for (const [name, e] of snaps) {
        assert.equal(e.status, 'unknown', `${name}: ${e.detail}`);
        assert.match(e.detail, sign, name);
        assert.equal(e.hint, undefined, name);
        assert.doesNotMatch(planned, new RegExp(name ?? 'none'), name);
      }
    });

  it("a section lost at a line boundary: the state file's last_sync keeps 102-0's sync point; 102-5 is still a leftover", () => {
    const { snaps, planned } = look(WHOLE.slice(0, WHOLE.indexOf('local: 102-0')));
    const kept = snaps.get('__replicate_102-0_1763880000__');
    assert.deepEqual([kept?.status, kept?.protected, kept?.protectedBy], ['valid', true, ['replication-job:102-0']]);
    assert.match(kept?.detail ?? '', /pve-replication-state\.json records local\/pve2 of guest 102/);
    assert.doesNotMatch(planned, /__replicate_102-0_/);
    const old = snaps.get('__replicate_102-5_1760000000__');
    assert.deepEqual([old?.status, old?.protected], ['orphan', false]);
    assert.match(old?.hint ?? '', /zfs destroy rpool\/data\/vm-102-disk-0@__replicate_102-5_1760000000__/);
    assert.match(planned, /__replicate_102-5_1760000000__/);
  });

  it('the whole file: judged as today (102-0 its job, 102-5 a leftover reclaim plans)', () => {
    const { snaps, planned } = look(WHOLE);
    assert.deepEqual(snaps.get('__replicate_102-0_1763880000__')?.protectedBy, ['replication-job:102-0']);
    assert.equal(snaps.get('__replicate_102-5_1760000000__')?.status, 'orphan');
    assert.match(planned, /__replicate_102-5_1760000000__/);
    assert.doesNotMatch(planned, /__replicate_10[02]-0_/);
  });
});
