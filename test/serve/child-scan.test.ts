import assert from 'node:assert/strict';
import { getPriority } from 'node:os';
import { test } from 'node:test';
import { TimeoutError } from '../../src/core/vocab/errors';
import { type Exec, type ExecOptions, exec } from '../../src/host/exec';
import { createChildScanner, SCAN_NICE } from '../../src/serve/child-scan';

const node = process.execPath;

test('child scan: the document of a real child, whatever its exit code', async () => {
  const doc = { schemaVersion: 1, node: 'pve7', source: 'live', status: 2, dm: { status: 2, entries: [] } };
  const scan = createChildScanner({
    exec,
    argv: [node, '-e', `process.stdout.write(${JSON.stringify(JSON.stringify(doc))}); process.exitCode = 2`],
    timeoutMs: 10_000,
  });
  const got = await scan();
  assert.equal(got.node, 'pve7');
  assert.equal(got.dm?.status, 2);
});

test('child scan: the child runs niced (background work, like the timer), and so do the tools it starts', async () => {
  // The child reports its own nice value and its child's, a moment after it started.
  const script = `setTimeout(() => {
    const own = require('os').getPriority();
    const tool = require('child_process').execFileSync(process.execPath, ['-e', 'process.stdout.write(String(require("os").getPriority()))'], { encoding: 'utf8' });
    process.stdout.write(JSON.stringify({ node: own + '/' + tool, dm: { status: 0, entries: [] } }));
  }, 200)`;
  const base = getPriority();
  for (const [nice, want] of [
    [undefined, `${Math.max(base, SCAN_NICE)}/${Math.max(base, SCAN_NICE)}`],
    [15, `${Math.max(base, 15)}/${Math.max(base, 15)}`],
    [null, `${base}/${base}`],
  ] as const) {
    const doc = await createChildScanner({ exec, argv: [node, '-e', script], timeoutMs: 10_000, nice })();
    assert.equal(doc.node, want, `nice ${nice}`);
  }
});

test('child scan: a child that could not check fails the scan with its message', async () => {
  const table: [string, RegExp][] = [
    [
      'process.stderr.write("pve-health: no Proxmox VE cluster files under /x/etc/pve\\n"); process.exitCode = 3',
      /no Proxmox VE cluster files/,
    ],
    ['process.stdout.write("{not json"); process.exitCode = 3', /exited 3 without a result/],
    ['process.stdout.write(JSON.stringify({ node: "x" }))', /exited 0 without a result/],
  ];
  for (const [script, want] of table) {
    const scan = createChildScanner({ exec, argv: [node, '-e', script], timeoutMs: 10_000 });
    await assert.rejects(scan(), want, script);
  }
});

test('child scan: a real child past its deadline is killed and the scan fails', async () => {
  const scan = createChildScanner({ exec, argv: [node, '-e', 'setInterval(() => {}, 1000)'], timeoutMs: 300 });
  await assert.rejects(scan(), TimeoutError);
});

test('child scan: the next scan waits until a child that outlived its deadline has ended', async () => {
  // A child in uninterruptible sleep survives SIGKILL; exec reports the timeout at once and calls
  // onExit only when the process really ends. Here the test decides when that is.
  const calls: ExecOptions[] = [];
  const fake: Exec = async (argv, opts = {}) => {
    calls.push(opts);
    opts.onSpawn?.(1000 + calls.length);
    if (calls.length === 1) throw new TimeoutError(argv, 300);
    opts.onExit?.({ code: 0, signal: null, ms: 1 });
    return { argv, code: 0, stdout: JSON.stringify({ node: 'n', dm: { status: 0 } }), stderr: '', ms: 1 };
  };
  // nice: null, the pids are made up.
  const scan = createChildScanner({ exec: fake, argv: ['pve-health', 'dm', '--json'], timeoutMs: 300, nice: null });
  await assert.rejects(scan(), TimeoutError);
  const second = scan();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(calls.length, 1, 'no second child while the first one lives');
  calls[0].onExit?.({ code: null, signal: 'SIGKILL', ms: 60_000 });
  const doc = await second;
  assert.equal(calls.length, 2);
  assert.equal(doc.node, 'n');
});
