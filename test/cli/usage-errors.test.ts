// Usage errors: one line in the project's words with a pointer to --help, exit 64 — never a silently
// ignored argument and never a silently chosen format.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/cli';

const CASES: [string[], RegExp][] = [
  [['dm', 'extra'], /^pve-health: unexpected argument 'extra' for dm \(see: pve-health dm --help\)$/],
  [['check', 'a', 'b'], /^pve-health: unexpected arguments 'a b' for check/],
  [['dm', '--json', '--format', 'nagios'], /--json and --format nagios contradict each other/],
  [['dm', '--bogus'], /^pve-health: unknown option --bogus \(see: pve-health dm --help\)$/],
  [['dm', '--format'], /^pve-health: option --format needs a value/],
  [['check', '--textfile'], /^pve-health: option --textfile needs a value \(see: pve-health check --help\)$/],
  [['dm', '--format', 'xml'], /--format must be one of/],
];

for (const [args, re] of CASES) {
  test(`usage error: pve-health ${args.join(' ')}`, () => {
    const r = runCli(['--demo', ...args]);
    assert.equal(r.code, 64, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), re);
  });
}

test('--json alone and --format json with --json agree', () => {
  assert.equal(JSON.parse(runCli(['--demo', 'dm', '--json', '--format', 'json']).stdout).schemaVersion, 1);
});
