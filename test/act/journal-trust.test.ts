// restore only trusts journals the tool wrote: a regular file in the journal directory of this root,
// owned by us, mode 0600, in a directory nobody else can write to.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JOURNAL_DIR, readJournal } from '../../src/act/journal';

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
    'in a directory others can write to',
    (s) => {
      chmodSync(s.dir, 0o777);
      return s.file;
    },
    /writable by group or others/,
  ],
];
for (const [what, make, re] of refusals) {
  test(`a journal ${what} is refused`, () => {
    const s = setup();
    assert.throws(() => readJournal(make(s), { root: s.root }), re);
  });
}
