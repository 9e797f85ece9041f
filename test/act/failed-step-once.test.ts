// A failed step's command is printed once (issue 60: the progress line printed it as it started, and
// the summary printed it again): clean's and reclaim's summaries name the `[n/N]` it was printed under.
// The stub's stderr does not echo its arguments, so every copy of the command line is the CLI's.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, HAVE_FAKENODE, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'needs ../shared/fakenode (not in a public clone)';

/** A directory with an lvchange that fails as lvm2 does on an LV in use. */
function failingLvchange(): string {
  const stub = mkdtempSync(join(tmpdir(), 'pvh-stub-'));
  writeFileSync(join(stub, 'lvchange'), '#!/bin/sh\necho "  Logical volume in use." >&2\nexit 5\n', { mode: 0o755 });
  return stub;
}

/** The lines of `text` that hold `lvchange … pve/vm-150-disk-0` as a command. */
const commandLines = (text: string) => text.split('\n').filter((l) => /^\s*lvchange .*pve\/vm-150-disk-0$/.test(l));

describe('a failed step prints its command once', { skip }, () => {
  it('reclaim: the progress prints it, the summary names [1/1] and the tool', () => {
    const out = buildNode('default-lvmthin');
    const r = runCli(out, ['reclaim', '--yes', '--name', 'local-lvm:vm-150-disk-0'], { pathPrefix: failingLvchange() });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const run = r.stdout.slice(r.stdout.indexOf('[1/1] quarantine'));
    assert.equal(commandLines(run).length, 1, run);
    assert.match(
      run,
      /^ {2}FAILED: local-lvm:vm-150-disk-0: exit 5: Logical volume in use\. \(\[1\/1\] at lvchange: its command is shown above\)$/m,
    );
  });

  it('clean: the progress prints it, the summary names [2/2]', () => {
    const out = buildNode('default-lvmthin');
    const r = runCli(out, ['clean', '--yes', '--all'], { pathPrefix: failingLvchange() });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const run = r.stdout.slice(r.stdout.indexOf('[2/2] deactivate'));
    assert.equal(commandLines(run).length, 1, run);
    assert.match(
      run,
      /^ {4}local-lvm:vm-150-disk-0 \(map pve-vm--150--disk--0\): exit 5: Logical volume in use\. \(\[2\/2\]: its command is shown above\)$/m,
    );
  });
});
