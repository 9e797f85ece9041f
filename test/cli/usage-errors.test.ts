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

test('a global option that does not apply to the command is a usage error, never ignored', () => {
  const cases: [string[], RegExp][] = [
    [
      ['capture', '/tmp/x.json', '--format', 'json'],
      /^pve-health: --format does not apply to 'capture' \(see: pve-health capture --help\)$/,
    ],
    [['install-timer', '--dry-run', '--json'], /^pve-health: --json does not apply to 'install-timer'/],
    [['restore', 'j.json', '--demo'], /^pve-health: --demo does not apply to 'restore'/],
    [['serve', '-q', '--no-color'], /^pve-health: --no-color, -q\/--quiet do not apply to 'serve'/],
  ];
  for (const [args, re] of cases) {
    const r = runCli(args);
    assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr.trim(), re);
  }
});

test('every command --help: capitalised summary, examples, and only the global options that apply', async () => {
  const { loadAllCommands } = await import('../../src/cli/registry');
  for (const c of await loadAllCommands()) {
    const r = runCli([c.name, '--help']);
    assert.equal(r.code, 0, c.name);
    // Help is fitted to 80 columns: the usage and the summary may take more than one line each.
    const [usage, summary] = r.stdout.split('\n\n').map((p) => p.replace(/\n\s*/g, ' '));
    assert.match(usage, new RegExp(`^Usage: pve-health ${c.name}\\b`));
    assert.match(summary, /^[A-Z].*\.$/, `${c.name}: ${summary}`);
    const examples = r.stdout.split('\nExamples:\n')[1]?.split('\n\n')[0] ?? '';
    assert.ok(
      examples.split('\n').filter((l) => l.startsWith(`  pve-health ${c.name}`)).length >= 1,
      `${c.name} has examples`,
    );
    // An example is pasted from a terminal of 80 columns (and the man page's EXAMPLES): a long one goes on
    // with a backslash.
    for (const l of examples.split('\n')) assert.ok(l.length <= 80, `${c.name}: ${l.length} columns: ${l}`);
    const globals = r.stdout.split('Global options (before or after the command):\n')[1] ?? '';
    for (const n of ['root', 'from', 'demo', 'format', 'json', 'no-color', 'quiet', 'config'])
      assert.equal(
        globals.includes(`--${n}`),
        (c.globals ?? [n]).includes(n as never) && !c.refusesGlobals?.includes(n as never),
        `${c.name} --${n}`,
      );
    // Option descriptions start with a capital letter.
    for (const l of r.stdout.split('\n'))
      if (/^ {2}-[-\w, ]+\S {2,}\S/.test(l))
        assert.match(l.replace(/^ {2}-\S+( \S+)?( \S+)?\s{2,}/, ''), /^[A-Z0-9'"]/, `${c.name}: ${l}`);
  }
});
