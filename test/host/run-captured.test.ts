// What a captured command can be (host/read-dm.ts runCaptured over the one exec helper, every exit code
// taken): an exit code and no error, or no exit code and one of three errors — not installed, timed out,
// failed (killed by a signal, or not started). The readers of a CommandOutput (the gather's parsers,
// clean's narrow re-check: core/cleanup/recheck-narrow.ts failureOf) rest on these being the only shapes.
// Real processes (sh), no fake exec.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CommandOutput } from '../../src/core/vocab/snapshot';
import { createHost } from '../../src/host/host';
import { runCaptured } from '../../src/host/read-dm';
import { tempDir } from '../helpers/temp-dir';

const host = createHost();
const notExecutable = join(tempDir('pvh-run-captured-'), 'tool');
writeFileSync(notExecutable, 'echo never\n', { mode: 0o644 });
const shape = (c: CommandOutput) => ({ code: c.code, error: c.error ?? null });

describe('runCaptured: every outcome of a command', () => {
  const cases: [string, string[], number, { code: number | null; error: CommandOutput['error'] | null }][] = [
    ['exit 0', ['sh', '-c', 'exit 0'], 5000, { code: 0, error: null }],
    ['exit 3: the code, no error', ['sh', '-c', 'echo half; echo why >&2; exit 3'], 5000, { code: 3, error: null }],
    ['killed by a signal: no code, failed', ['sh', '-c', 'kill -9 $$'], 5000, { code: null, error: 'failed' }],
    ['not installed: no code, not-found', ['pvh-no-such-tool-x9'], 5000, { code: null, error: 'not-found' }],
    ['past its deadline: no code, timeout', ['sh', '-c', 'exec sleep 5'], 100, { code: null, error: 'timeout' }],
    ['not executable: no code, failed', [notExecutable], 5000, { code: null, error: 'failed' }],
  ];
  for (const [what, argv, timeoutMs, want] of cases)
    it(what, async () => {
      const c = await runCaptured(host, argv, timeoutMs);
      assert.deepEqual(shape(c), want);
      assert.deepEqual(c.argv, argv);
      if (c.error) assert.ok(c.message, 'an error has its message');
    });

  it('an exit code keeps what the command printed', async () => {
    const c = await runCaptured(host, ['sh', '-c', 'echo half; echo why >&2; exit 3'], 5000);
    assert.deepEqual([c.stdout, c.stderr], ['half\n', 'why\n']);
  });
});
