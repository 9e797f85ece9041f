// The steps `clean` and `restore` share (src/act/action-steps.ts): the y/n/a/q question loop, the
// locks around one action, the fresh look under them, and the journaled command.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  confirmEach,
  type ProgressSink,
  regather,
  runJournaled,
  wasLocked,
  withActionLocks,
} from '../../src/act/action-steps';
import type { Journal, JournalAction } from '../../src/act/journal';
import { RefusedError } from '../../src/act/preconditions';
import type { Answer } from '../../src/act/prompt';
import { LockedError } from '../../src/core/vocab/errors';
import type { ExecOptions } from '../../src/host/exec';
import { createHost, type Host } from '../../src/host/host';

/** Run confirmEach over `items` with scripted answers; what ran, what was asked, what came out. */
async function loop(items: string[], answers: (Answer | 'settle')[] | null) {
  const asked: string[] = [];
  const ran: string[] = [];
  const out = await confirmEach(items, {
    ask: answers
      ? async (item, i, n) => {
          asked.push(`${item} ${i + 1}/${n}`);
          const a = answers.shift();
          assert.ok(a, `asked more often than scripted (${item})`);
          return a === 'settle' ? { settled: `${item}:settled` } : a;
        }
      : null,
    declined: (item, why) => `${item}:declined(${why})`,
    run: async (item) => {
      ran.push(item);
      return `${item}:ran`;
    },
  });
  return { asked, ran, out };
}

describe('confirmEach (the question before each action)', () => {
  it('y runs, n declines, a runs this one and the rest without asking again', async () => {
    const r = await loop(['a', 'b', 'c', 'd', 'e'], ['y', 'n', 'a']);
    assert.deepEqual(r.asked, ['a 1/5', 'b 2/5', 'c 3/5']);
    assert.deepEqual(r.ran, ['a', 'c', 'd', 'e']);
    assert.deepEqual(r.out, ['a:ran', 'b:declined(answered no)', 'c:ran', 'd:ran', 'e:ran']);
  });
  it('q declines this one and every later one, each under its own name, and runs nothing more', async () => {
    const r = await loop(['a', 'b', 'c'], ['y', 'q']);
    assert.deepEqual(r.ran, ['a']);
    assert.deepEqual(r.out, ['a:ran', 'b:declined(quit)', 'c:declined(quit)']);
  });
  it('an item settled before the question is recorded as settled and not run', async () => {
    const r = await loop(['a', 'b'], ['settle', 'y']);
    assert.deepEqual(r.ran, ['b']);
    assert.deepEqual(r.out, ['a:settled', 'b:ran']);
  });
  it('without a question (--yes) every item runs', async () => {
    const r = await loop(['a', 'b'], null);
    assert.deepEqual(r.asked, []);
    assert.deepEqual(r.out, ['a:ran', 'b:ran']);
  });

  // What the person watching sees of each item that runs: its number, whether its question was just
  // shown (not after "a", not with --yes), and how it ended; declined and settled items are not run.
  const watched = async (answers: Answer[] | null) => {
    const seen: string[] = [];
    const sink: ProgressSink = {
      begin: (p) => seen.push(`begin ${p.index + 1}/${p.total} ${p.title} asked=${p.asked}`),
      command: (argv) => seen.push(`command ${argv.join(' ')}`),
      end: (p) => seen.push(`end ${p.result}${p.why ? ` ${p.why}` : ''} ms=${typeof p.ms}`),
    };
    await confirmEach(['a', 'b', 'c'], {
      ask: answers ? async () => answers.shift()! : null,
      declined: (item) => `${item}:declined`,
      run: async (item) => (item === 'b' ? 'failed' : 'done'),
      progress: {
        sink,
        title: (item) => `item ${item}`,
        outcome: (r) => ({ result: r as 'done', why: r === 'failed' ? 'exit 1' : undefined }),
      },
    });
    return seen;
  };
  it('the time reported for an item is the time its run took: no more than the time around it, never negative', async () => {
    const times: number[] = [];
    const around: number[] = [];
    await confirmEach(['a', 'b'], {
      ask: null,
      declined: (item) => item,
      run: async (item) => {
        await new Promise((r) => setTimeout(r, 5));
        return item;
      },
      progress: {
        sink: {
          begin: () => around.push(performance.now()),
          command: () => {},
          end: (p) => {
            around.push(performance.now());
            times.push(p.ms ?? Number.NaN);
          },
        },
        title: (item) => item,
        outcome: () => ({ result: 'done' }),
      },
    });
    assert.equal(times.length, 2);
    for (let i = 0; i < 2; i++) {
      const took = around[2 * i + 1] - around[2 * i];
      assert.ok(times[i] >= 0 && times[i] <= took, `item ${i}: ${times[i]} ms reported, ${took} ms around it`);
    }
  });

  it('reports each item that runs: its number, whether it was asked, how it ended', async () => {
    assert.deepEqual(await watched(['n', 'y', 'a']), [
      'begin 2/3 item b asked=true',
      'end failed exit 1 ms=number',
      'begin 3/3 item c asked=true',
      'end done ms=number',
    ]);
    assert.deepEqual(await watched(['a']), [
      'begin 1/3 item a asked=true',
      'end done ms=number',
      'begin 2/3 item b asked=false',
      'end failed exit 1 ms=number',
      'begin 3/3 item c asked=false',
      'end done ms=number',
    ]);
    assert.deepEqual(
      (await watched(null)).filter((l) => l.startsWith('begin')),
      ['begin 1/3 item a asked=false', 'begin 2/3 item b asked=false', 'begin 3/3 item c asked=false'],
    );
  });
});

function tempHost(t: { after: (fn: () => void) => void }, exec?: Host['exec']): Host {
  const root = mkdtempSync(join(tmpdir(), 'pvh-steps-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return createHost({ root, ...(exec ? { exec } : {}) });
}

describe('withActionLocks', () => {
  const want = { guests: [], storage: { id: 'san', shared: true }, waitMs: 0 };
  const lockDir = (h: Host) => join(h.root, 'etc/pve/priv/lock/storage-san');

  it('holds the storage lock while the body runs and releases it after', async (t) => {
    const host = tempHost(t);
    const r = await withActionLocks(host, want, async () => existsSync(lockDir(host)));
    assert.equal(r, true);
    assert.ok(!existsSync(lockDir(host)), 'the pmxcfs lock directory is removed again');
  });
  it('a lock someone else holds: no body, the reason to skip', async (t) => {
    const host = tempHost(t);
    mkdirSync(lockDir(host), { recursive: true });
    let ran = false;
    const r = await withActionLocks(host, want, async () => {
      ran = true;
    });
    assert.ok(wasLocked(r));
    assert.match(r.locked.message, /storage san \(cluster lock\) is locked/);
    assert.equal(ran, false);
  });
  it('no storage and no guest to lock: the body runs', async (t) => {
    const host = tempHost(t);
    assert.equal(await withActionLocks(host, { guests: [], storage: null, waitMs: 0 }, async () => 'ran'), 'ran');
  });
  it('a lock that cannot be taken for another reason stops the run: thrown, not a skip', async (t) => {
    const host = tempHost(t);
    mkdirSync(join(host.root, 'etc/pve/priv'), { recursive: true });
    writeFileSync(join(host.root, 'etc/pve/priv/lock'), 'not a directory');
    let ran = false;
    await assert.rejects(
      withActionLocks(host, want, async () => {
        ran = true;
      }),
      (e: unknown) => !(e instanceof LockedError),
    );
    assert.equal(ran, false);
  });
  it('releases the lock when the body throws', async (t) => {
    const host = tempHost(t);
    await assert.rejects(
      withActionLocks(host, want, async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.ok(!existsSync(lockDir(host)));
  });
});

describe('wasLocked: only the answer withActionLocks gives for a lock held elsewhere', () => {
  const cases: [string, unknown, boolean][] = [
    ['a lock held elsewhere', { locked: new LockedError('storage san is locked') }, true],
    ['another error under that key', { locked: new Error('boom') }, false],
    ['a body result', { result: 'done' }, false],
    ['null', null, false],
    ['a string', 'locked', false],
    ['undefined', undefined, false],
  ];
  for (const [what, r, want] of cases) it(`${what}: ${want}`, () => assert.equal(wasLocked(r), want));
});

describe('regather', () => {
  it('a failed gather refuses the whole run and says what it was for', async () => {
    const o = {
      analyze: () => Promise.reject(new Error('lvs timed out')),
      pveMount: () => ({ mounted: true, detail: '' }),
    };
    await assert.rejects(regather(o, 'restoring vm-1'), (e) => {
      assert.ok(e instanceof RefusedError);
      assert.equal(e.message, 'refusing to act: re-gather before restoring vm-1 failed: lvs timed out');
      assert.deepEqual(
        e.refusals.map((r) => r.code),
        ['gather'],
      );
      return true;
    });
  });
});

/** A journal that records what it was told, in order. */
function memoryJournal(events: string[]): Journal {
  return {
    begin: (a: JournalAction) => {
      events.push(`begin ${a.command.join(' ')}`);
      return a;
    },
    finish: (_e: JournalAction, p: { result: string; exitCode?: number; stderr?: string }) => {
      events.push(`finish ${p.result} ${p.exitCode} ${p.stderr ?? '-'}`);
    },
  } as unknown as Journal;
}

describe('runJournaled', () => {
  const entry = { command: ['dmsetup', 'remove', 'x'] } as unknown as JournalAction;

  it('journals before the command runs, then how it ended', async (t) => {
    const events: string[] = [];
    const host = tempHost(t, (async (argv: string[], opts: ExecOptions = {}) => {
      events.push(`exec ${argv.join(' ')} timeout=${opts.timeoutMs} input=${opts.input}`);
      return { code: 0, stdout: '', stderr: '' };
    }) as never);
    const r = await runJournaled({ host, journal: memoryJournal(events), log: (l) => events.push(l) }, entry, {
      timeoutMs: 5000,
      input: 'table',
    });
    assert.deepEqual(r, { result: 'done' });
    assert.deepEqual(events, [
      'begin dmsetup remove x',
      'run: dmsetup remove x',
      'exec dmsetup remove x timeout=5000 input=table',
      'finish done 0 -',
    ]);
  });
  it('with a progress sink: the command goes to it, not to the log', async (t) => {
    const events: string[] = [];
    const host = tempHost(t, (async () => ({ code: 0, stdout: '', stderr: '' })) as never);
    const progress = { begin() {}, command: (argv: string[]) => events.push(`progress ${argv.join(' ')}`), end() {} };
    await runJournaled({ host, journal: memoryJournal(events), log: (l) => events.push(l), progress }, entry, {
      timeoutMs: 5000,
    });
    assert.deepEqual(events, ['begin dmsetup remove x', 'progress dmsetup remove x', 'finish done 0 -']);
  });
  it('a real command that exits 1: journaled as failed with its code and stderr, never thrown', async (t) => {
    const events: string[] = [];
    const host = tempHost(t);
    const fails = { command: ['sh', '-c', 'echo device busy >&2; exit 1'] } as unknown as JournalAction;
    const r = await runJournaled({ host, journal: memoryJournal(events) }, fails, { timeoutMs: 5000 });
    assert.deepEqual(r, { result: 'failed', why: 'exit 1', stderr: 'device busy' });
    assert.equal(events.at(-1), 'finish failed 1 device busy');
  });
  it('a failing command is a failed outcome with its exit code and stderr', async (t) => {
    const events: string[] = [];
    const host = tempHost(t, (async () => ({ code: 1, stdout: '', stderr: 'device busy\n' })) as never);
    const r = await runJournaled({ host, journal: memoryJournal(events) }, entry, { timeoutMs: 1 });
    assert.deepEqual(r, { result: 'failed', why: 'exit 1', stderr: 'device busy' });
    assert.equal(events.at(-1), 'finish failed 1 device busy');
  });
});
