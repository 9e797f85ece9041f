// restore only trusts journals the tool wrote: a regular file in the journal directory of this root,
// owned by us, mode 0600, in a directory nobody else can write to.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JOURNAL_DIR, Journal, listJournals, readJournal } from '../../src/act/journal';
import { CheckError } from '../../src/core/vocab/errors';
import { createHost } from '../../src/host/host';
import { findTool } from '../helpers/require-tool';

const DOC = JSON.stringify({
  kind: 'pve-health-journal',
  version: 1,
  command: 'clean',
  node: 'pve1',
  toolVersion: 't',
  startedAt: '',
  actions: [],
});

function setup(): { root: string; dir: string; file: string } {
  const root = mkdtempSync(join(tmpdir(), 'pvh-journal-'));
  const dir = join(root, JOURNAL_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const file = join(dir, 'clean-1.json');
  writeFileSync(file, DOC, { mode: 0o600 });
  return { root, dir, file };
}

test('a journal the tool wrote is read', () => {
  const { root, file } = setup();
  assert.equal(readJournal(file, { root }).node, 'pve1');
});

const refusals: [string, (s: ReturnType<typeof setup>) => string, RegExp][] = [
  [
    'readable by others (0644)',
    (s) => {
      chmodSync(s.file, 0o644);
      return s.file;
    },
    /mode 644, not 600/,
  ],
  [
    'a symlink to a journal',
    (s) => {
      const l = join(s.dir, 'link.json');
      symlinkSync(s.file, l);
      return l;
    },
    /not a regular file/,
  ],
  [
    'outside the journal directory',
    (s) => {
      const f = join(s.root, 'elsewhere.json');
      writeFileSync(f, DOC, { mode: 0o600 });
      return f;
    },
    /not in the journal directory/,
  ],
  [
    'owned by another user',
    (s) => {
      chownSync(s.file, 4242, 4242);
      return s.file;
    },
    /owned by uid 4242, not by us/,
  ],
  [
    'in a journal directory owned by another user',
    (s) => {
      chownSync(s.dir, 4242, 4242);
      return s.file;
    },
    /^\/\S*\/journal is owned by uid 4242, not by us: refusing to use it$/,
  ],
  [
    'in a journal directory that is a symlink',
    (s) => {
      const real = join(s.root, 'real-journal');
      renameSync(s.dir, real);
      symlinkSync(real, s.dir);
      return join(real, 'clean-1.json');
    },
    /^\/\S*\/journal is not a directory \(a symlink\?\): refusing to use it$/,
  ],
  [
    'in a directory others can write to',
    (s) => {
      chmodSync(s.dir, 0o777);
      return s.file;
    },
    /writable by group or others/,
  ],
];
const asRoot = process.getuid?.() === 0;
for (const [what, make, re] of refusals) {
  test(`a journal ${what} is refused`, { skip: /owned by/.test(what) && !asRoot ? 'chown needs root' : false }, () => {
    const s = setup();
    assert.throws(
      () => readJournal(make(s), { root: s.root }),
      (e: unknown) => e instanceof CheckError && re.test(e.message),
    );
  });
}

// What is in the file: only a pve-health journal of version 1 with its list of actions is one.
const docs: [string, string, RegExp][] = [
  ['not JSON', '{"kind": "pve-health-journal",', /^cannot use journal .*clean-1\.json: /],
  ['JSON null', 'null', /clean-1\.json is not a pve-health journal$/],
  ['another kind', DOC.replace('pve-health-journal', 'pve-health-snapshot'), /is not a pve-health journal$/],
  ['version 2', DOC.replace('"version":1', '"version":2'), /is not a pve-health journal$/],
  ['no list of actions', DOC.replace('"actions":[]', '"actions":{}'), /is not a pve-health journal$/],
];
for (const [what, text, re] of docs) {
  test(`a file that is ${what} is refused`, () => {
    const s = setup();
    writeFileSync(s.file, text);
    assert.throws(
      () => readJournal(s.file, { root: s.root }),
      (e: unknown) => e instanceof CheckError && re.test(e.message),
    );
  });
}

test('a journal read by its path alone (no root to check it against)', () => {
  const { file } = setup();
  assert.equal(readJournal(file).node, 'pve1');
});

test('the journal written: 0600 in a 0700 directory, read back as written; a directory others can write to is refused', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-journal-'));
  const host = createHost({ root, now: () => new Date('2026-11-20T08:00:00.123Z') });
  const j = new Journal(host, { command: 'clean', node: 'pve1', toolVersion: 't' });
  assert.equal(j.exists, false);
  j.close();
  assert.equal(j.exists, false, 'closing a journal with no entry writes nothing');
  const e = j.begin({ kind: 'dm-remove', name: 'x' } as Parameters<Journal['begin']>[0]);
  j.finish(e, { result: 'done' });
  j.close();
  assert.ok(j.path.endsWith(`/clean-20261120T080000Z-${process.pid}.json`), j.path);
  const doc = readJournal(j.path, { root });
  assert.deepEqual(
    doc.actions.map((a) => [a.seq, a.name, a.result, a.startedAt, a.endedAt]),
    [[1, 'x', 'done', '2026-11-20T08:00:00.123Z', '2026-11-20T08:00:00.123Z']],
  );
  assert.equal(doc.endedAt, '2026-11-20T08:00:00.123Z');
  chmodSync(join(root, JOURNAL_DIR), 0o770);
  assert.throws(
    () => j.begin({ kind: 'dm-remove', name: 'y' } as Parameters<Journal['begin']>[0]),
    /writable by group or others \(mode 770\)/,
  );
});

// `restore --list`: every journal of this root, newest first by the time its run started; one that
// cannot be trusted or read is listed with the reason restore would refuse it, never dropped silently.
test('listJournals: newest first, the untrusted ones with their reason, other files ignored', () => {
  const { root, dir } = setup();
  const doc = (startedAt: string, command = 'clean') => JSON.stringify({ ...JSON.parse(DOC), startedAt, command });
  writeFileSync(join(dir, 'clean-1.json'), doc('2026-11-20T08:00:00Z'), { mode: 0o600 });
  writeFileSync(join(dir, 'reclaim-2.json'), doc('2026-11-22T08:00:00Z', 'reclaim'), { mode: 0o600 });
  writeFileSync(join(dir, 'clean-0.json'), doc('2026-11-18T08:00:00Z'), { mode: 0o600 });
  writeFileSync(join(dir, 'restore-3.json'), doc('2026-11-21T08:00:00Z', 'restore'), { mode: 0o644 });
  writeFileSync(join(dir, 'clean-4.json.tmp'), doc('2026-11-23T08:00:00Z'), { mode: 0o600 });
  writeFileSync(join(dir, 'broken-5.json'), '{"kind":', { mode: 0o600 });
  const { dir: listed, journals } = listJournals({ root });
  assert.equal(listed, dir);
  const names = journals.map((j) => [j.path.slice(dir.length + 1), j.doc?.command ?? null]);
  assert.deepEqual(names.slice(0, 3), [
    ['reclaim-2.json', 'reclaim'],
    ['clean-1.json', 'clean'],
    ['clean-0.json', 'clean'],
  ]);
  // No start time to sort by: after every journal that has one.
  assert.deepEqual(names.slice(3).sort(), [
    ['broken-5.json', null],
    ['restore-3.json', null],
  ]);
  const refused = Object.fromEntries(
    journals.filter((j) => !j.doc).map((j) => [j.path.slice(dir.length + 1), j.error]),
  );
  assert.match(refused['restore-3.json'] ?? '', /^cannot use journal .*restore-3\.json: mode 644, not 600$/);
  assert.match(refused['broken-5.json'] ?? '', /^cannot use journal .*broken-5\.json: /);
});

test('listJournals: no journal directory yet is no journal; one that cannot be listed is an error', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-journal-'));
  assert.deepEqual(listJournals({ root }), { dir: join(root, JOURNAL_DIR), journals: [] });
  mkdirSync(join(root, '/var/lib/pve-health'), { recursive: true });
  writeFileSync(join(root, JOURNAL_DIR), 'not a directory');
  assert.throws(
    () => listJournals({ root }),
    (e: unknown) => e instanceof CheckError && /^cannot list .*journal: ENOTDIR/.test(e.message),
  );
});

test('listJournals: sorted by start time whatever the order of the directory', () => {
  const { root, dir } = setup();
  const starts = ['2026-11-24', '2026-11-19', '2026-11-27', '2026-11-21', '2026-11-25', '2026-11-18', '2026-11-23'];
  starts.forEach((day, i) => {
    const doc = JSON.stringify({ ...JSON.parse(DOC), startedAt: `${day}T08:00:00Z` });
    writeFileSync(join(dir, `clean-${i}.json`), doc, { mode: 0o600 });
  });
  const got = listJournals({ root }).journals.map((j) => j.doc?.startedAt.slice(0, 10));
  assert.deepEqual(got, [...starts].sort().reverse());
});

// A file named as the journal's temporary file (a leftover, or planted as a link) is replaced, never
// written through; every write closes what it opened (a long clean run writes once per action).
test('the journal replaces a planted temporary file and leaks no file descriptor', () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-journal-'));
  const host = createHost({ root, now: () => new Date('2026-11-20T08:00:00Z') });
  const j = new Journal(host, { command: 'clean', node: 'pve1', toolVersion: 't' });
  const victim = join(root, 'victim');
  writeFileSync(victim, 'untouched');
  mkdirSync(join(root, JOURNAL_DIR), { recursive: true, mode: 0o700 });
  symlinkSync(victim, `${j.path}.tmp`);
  const fds = () => readdirSync('/proc/self/fd').length;
  const before = fds();
  for (let i = 0; i < 20; i++) {
    const e = j.begin({ kind: 'dm-remove', name: `m${i}` } as Parameters<Journal['begin']>[0]);
    j.finish(e, { result: 'done' });
    readJournal(j.path, { root });
  }
  assert.equal(fds(), before, 'a file descriptor left open per write or read');
  assert.equal(readFileSync(victim, 'utf8'), 'untouched');
  assert.equal(readJournal(j.path, { root }).actions.length, 20);
});

test('a journal path that is a directory or a FIFO is refused, at once', {
  skip: !findTool('mkfifo') && 'mkfifo(1) is not installed',
}, () => {
  const root = mkdtempSync(join(tmpdir(), 'pvh-journal-'));
  const fifo = join(root, 'journal.json');
  execFileSync('mkfifo', [fifo]);
  for (const path of [root, fifo])
    assert.throws(
      () => readJournal(path),
      (e: unknown) => e instanceof CheckError && e.message === `cannot use journal ${path}: not a regular file`,
    );
});
