// Only one `clean` or `restore` at a time on a node (act/run-lock.ts): the holder's flock on its own lock
// file, which names the holder while it runs, so a second run says who holds it and stops at once; the
// name goes when the holder lets go. Real flock(1) on a file under a temporary root.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RUN_LOCK, takeRunLock } from '../../src/act/run-lock';
import { LockedError } from '../../src/core/vocab/errors';
import { createHost } from '../../src/host/host';
import { findTool } from '../helpers/require-tool';
import { tempDir } from '../helpers/temp-dir';

const OWNER = { pid: 4242, command: 'clean', startedAt: '2026-11-20T08:00:00.000Z', user: 'root' };

describe('the run lock of clean and restore', {
  skip: findTool('flock') ? false : 'flock(1) not found (util-linux)',
}, () => {
  it('names its holder while held; a second run stops at once and says who holds it', async () => {
    const host = createHost({ root: tempDir('pvh-run-lock-') });
    const lock = await takeRunLock(host, OWNER);
    try {
      assert.equal(readFileSync(join(host.root, RUN_LOCK), 'utf8'), `${JSON.stringify(OWNER)}\n`);
      const t0 = performance.now();
      await assert.rejects(takeRunLock(host, { ...OWNER, pid: 1 }), (e: unknown) => {
        assert.ok(e instanceof LockedError, String(e));
        assert.equal(
          e.message,
          'another pve-health clean/restore is running: pid 4242 (clean) since 2026-11-20T08:00:00.000Z by root',
        );
        return true;
      });
      assert.ok(performance.now() - t0 < 5000, 'no wait for the lock');
    } finally {
      lock.release();
    }
    assert.equal(readFileSync(join(host.root, RUN_LOCK), 'utf8'), '', 'released: the holder no longer named');
    const again = await takeRunLock(host, { ...OWNER, user: undefined, pid: 7 });
    assert.equal(
      readFileSync(join(host.root, RUN_LOCK), 'utf8'),
      `${JSON.stringify({ ...OWNER, user: undefined, pid: 7 })}\n`,
    );
    again.release();
  });

  it('a holder that has not written its name yet: "holder unknown"', async () => {
    const host = createHost({ root: tempDir('pvh-run-lock-') });
    const lock = await takeRunLock(host, OWNER);
    try {
      writeFileSync(join(host.root, RUN_LOCK), '');
      await assert.rejects(takeRunLock(host, OWNER), {
        message: 'another pve-health clean/restore is running: holder unknown (lock file has no owner yet)',
      });
    } finally {
      lock.release();
    }
  });

  it('a holder without a user: no "by"', async () => {
    const host = createHost({ root: tempDir('pvh-run-lock-') });
    const lock = await takeRunLock(host, { ...OWNER, user: undefined });
    try {
      await assert.rejects(takeRunLock(host, OWNER), {
        message: 'another pve-health clean/restore is running: pid 4242 (clean) since 2026-11-20T08:00:00.000Z',
      });
    } finally {
      lock.release();
    }
  });

  it("the lock file is root's alone (0600): it names who runs clean or restore", async () => {
    const host = createHost({ root: tempDir('pvh-run-lock-') });
    const lock = await takeRunLock(host, OWNER);
    try {
      assert.equal((statSync(join(host.root, RUN_LOCK)).mode & 0o777).toString(8), '600');
    } finally {
      lock.release();
    }
  });

  it('a lock that cannot be taken for another reason says that reason, not "another run holds it"', async () => {
    // The root is a file: the lock's directory cannot be made (ENOTDIR).
    const root = join(tempDir('pvh-run-lock-'), 'not-a-dir');
    writeFileSync(root, '');
    await assert.rejects(takeRunLock(createHost({ root }), OWNER), (e: unknown) => {
      assert.ok(!(e instanceof LockedError), `not a held lock: ${String(e)}`);
      assert.match(String(e), /ENOTDIR|not a directory/i);
      return true;
    });
  });
});
