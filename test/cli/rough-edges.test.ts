// Issue 26 item 9, each rough edge the way a user meets it: the CLI run as a user runs it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli';

describe('clean on the demo: a dry run works, acting does not', () => {
  it('clean --demo --dry-run prints the plan and the commands, exit = the demo status', () => {
    const r = runCli(['clean', '--demo', '--dry-run']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /^Dry run on the demo node \(pve1\): nothing is changed/);
    assert.match(r.stdout, /^Cleanup plan \(\d+ actions, in this order\):$/m);
    assert.match(r.stdout, /^ {2}dmsetup remove --retry -u LVM-\S+$/m);
    const j = runCli(['clean', '--demo', '--dry-run', '--json']);
    assert.ok(JSON.parse(j.stdout).plan.actions.length > 0);
  });
  it('clean --demo without --dry-run is a usage error that says what is possible', () => {
    const r = runCli(['clean', '--demo', '--yes', '--all']);
    assert.equal(r.code, 64);
    assert.match(r.stderr, /with --from or --demo, only a dry run \(clean --dry-run\) is possible/);
  });
});

describe('a --format that does not apply is a usage error and is not in the help', () => {
  for (const cmd of ['clean', 'restore']) {
    for (const f of ['nagios', 'checkmk', 'prometheus']) {
      it(`${cmd} --format ${f}`, () => {
        const r = runCli([cmd, '--format', f, ...(cmd === 'clean' ? ['--dry-run'] : ['journal.json'])]);
        assert.equal(r.code, 64, r.stderr);
        assert.equal(r.stdout, '');
        assert.match(
          r.stderr,
          new RegExp(`^pve-health: --format ${f} does not apply to '${cmd}': it writes text or json`),
        );
      });
    }
    it(`${cmd} --help lists only text and json`, () => {
      const h = runCli([cmd, '--help']).stdout;
      assert.match(h, /--format FMT {6}Output format: text or json \(default text\)/);
      assert.doesNotMatch(h, /nagios|checkmk|prometheus/);
    });
  }
});
