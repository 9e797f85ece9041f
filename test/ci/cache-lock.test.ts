// The package-test caches are filled by one process while another waits and then uses its result: two test
// files ran side by side on a new machine and both built the same tarball (the second rename failed).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { withCacheLock } from '../helpers/cache-lock';
import { tempDir } from '../helpers/temp-dir';

const racer = (cache: string, tag: string) => `
  import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
  import { withCacheLock } from ${JSON.stringify(join(process.cwd(), 'test/helpers/cache-lock.ts'))};
  const entry = ${JSON.stringify(join(cache, 'entry'))};
  const got = withCacheLock(entry, () => (existsSync(entry) ? 'cached' : null), () => {
    appendFileSync(${JSON.stringify(join(cache, 'builds'))}, '${tag}\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 700);
    writeFileSync(entry, '${tag}');
    return 'built';
  });
  console.log(got);
`;

function run(code: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.on('exit', (c) => (c === 0 ? resolve(out.trim()) : reject(new Error(`exit ${c}`))));
  });
}

test('two processes racing for one cache entry: one builds, the other uses its result', async () => {
  const dir = tempDir('pvh-cache-lock-');
  const results = (await Promise.all([run(racer(dir, 'a')), run(racer(dir, 'b'))])).sort();
  assert.deepEqual(results, ['built', 'cached']);
  assert.equal(readFileSync(join(dir, 'builds'), 'utf8').trim().split('\n').length, 1);
  assert.equal(existsSync(join(dir, 'entry.lock')), false, 'the lock is released');
});

test('a lock left by a dead process is taken over, not waited on', () => {
  const dir = tempDir('pvh-cache-lock-');
  const entry = join(dir, 'entry');
  mkdirSync(`${entry}.lock`);
  // pid 2^22 + 1 is above Linux's pid_max limit: no such process.
  writeFileSync(`${entry}.lock/pid`, String(4194305));
  assert.equal(
    withCacheLock(
      entry,
      () => null,
      () => 'built',
      5_000,
    ),
    'built',
  );
});

test('a lock held by a live process past the wait says what to do', () => {
  const dir = tempDir('pvh-cache-lock-');
  const entry = join(dir, 'entry');
  mkdirSync(`${entry}.lock`);
  writeFileSync(`${entry}.lock/pid`, String(process.ppid));
  assert.throws(
    () =>
      withCacheLock(
        entry,
        () => null,
        () => 'built',
        600,
      ),
    /remove .*entry\.lock and run again/,
  );
});
