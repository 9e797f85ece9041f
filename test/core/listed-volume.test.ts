// Why a listing command's output cannot be used (listed-volume.ts commandError), and when rbd refused the
// subcommand itself (isUnsupportedSubcommand: Ceph's Shell.cc "error parsing command …; -h or --help for
// usage") — a depth this node's rbd lacks, not a failure of the cluster.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CommandOutput } from '../../src/core/vocab/snapshot';
import { commandError, isUnsupportedSubcommand } from '../../src/core/volumes/listed-volume';

const run = (o: Partial<CommandOutput>): CommandOutput => ({ argv: ['rbd'], code: 0, stdout: '', stderr: '', ...o });

test('why a listing cannot be used, and when rbd has no such subcommand', () => {
  const rows: { name: string; out: CommandOutput | undefined; error: string | null; unsupported: boolean }[] = [
    { name: 'not run', out: undefined, error: 'rbd trash ls was not run', unsupported: false },
    { name: 'answered', out: run({ stderr: 'unsupported' }), error: null, unsupported: false },
    {
      name: 'timed out',
      out: run({ code: null, error: 'timeout', message: 'no answer within 10000 ms', stderr: 'unsupported' }),
      error: 'rbd trash ls timed out (no answer within 10000 ms)',
      unsupported: false,
    },
    {
      name: 'timed out, no message',
      out: run({ code: null, error: 'timeout' }),
      error: 'rbd trash ls timed out (no answer)',
      unsupported: false,
    },
    {
      name: 'no rbd',
      out: run({ code: 1, error: 'not-found', stderr: 'unsupported' }),
      error: 'rbd trash ls: command not found',
      unsupported: false,
    },
    {
      name: 'killed (no exit code)',
      out: run({ code: null, error: 'failed', stderr: 'unsupported' }),
      error: 'rbd trash ls failed (exit ?): unsupported',
      unsupported: false,
    },
    {
      name: 'an old rbd',
      out: run({ code: 22, stderr: "rbd: error parsing command 'trash ls'; -h or --help for usage\n" }),
      error: "rbd trash ls failed (exit 22): rbd: error parsing command 'trash ls'; -h or --help for usage",
      unsupported: true,
    },
    {
      name: 'unknown command',
      out: run({ code: 1, stderr: 'Unknown command: trash' }),
      error: 'rbd trash ls failed (exit 1): Unknown command: trash',
      unsupported: true,
    },
    {
      // The last two lines of stderr say why (the first are often librados' noise).
      name: 'a failure over several lines',
      out: run({ code: 2, stderr: 'a\nb\nc\n' }),
      error: 'rbd trash ls failed (exit 2): b c',
      unsupported: false,
    },
    {
      name: 'failed with a message only',
      out: run({ code: 1, message: 'spawn failed' }),
      error: 'rbd trash ls failed (exit 1): spawn failed',
      unsupported: false,
    },
    {
      name: 'failed silently',
      out: run({ code: 1 }),
      error: 'rbd trash ls failed (exit 1): no message',
      unsupported: false,
    },
    {
      name: 'a cluster error',
      out: run({ code: 2, stderr: 'rbd: error opening pool: (2) No such file' }),
      error: 'rbd trash ls failed (exit 2): rbd: error opening pool: (2) No such file',
      unsupported: false,
    },
  ];
  for (const r of rows) {
    assert.equal(commandError(r.out, 'rbd trash ls'), r.error, r.name);
    assert.equal(isUnsupportedSubcommand(r.out), r.unsupported, r.name);
  }
});
