// -q for a timer's journal: the summary line and one line per problem, nothing else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/cli';

test('check --demo -q: the summary, then one line per problem with its fix or why there is none', () => {
  const full = runCli(['check', '--demo']);
  const r = runCli(['check', '--demo', '-q']);
  assert.equal(r.code, full.code);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], full.stdout.split('\n')[0], 'same summary line as the full report');
  assert.ok(lines.length < full.stdout.split('\n').length / 2, `${lines.length} lines`);
  // The state, then what it is about: the volume ID (and the guest), a mount, a storage.
  for (const l of lines.slice(1)) assert.match(l, /^(CRITICAL|WARNING|UNKNOWN) +\S/, l);
  // Every duplicate and orphan of the full report is a line; pending entries are not problems.
  const doc = JSON.parse(runCli(['check', '--demo', '--json']).stdout);
  for (const e of doc.dm.entries) {
    const shown = lines.some((l) => l.includes(` ${e.volume ?? e.name}`) && l.includes(`  ${e.status}/${e.reason} `));
    if ((e.status === 'duplicate' || e.status === 'orphan') && !e.pending) assert.ok(shown, e.name);
    if (e.status === 'valid' || e.pending) assert.ok(!shown, e.name);
  }
  // Protected, with the step the full report offers for it (docs/reports.md: one rule for what -q keeps).
  assert.match(r.stdout, /duplicate\/same-target — protected \(guest-running\); fix: pct shutdown 110 /);
  assert.match(r.stdout, /duplicate\/stale-map — fix: dmsetup remove --retry -u LVM-/);
});
