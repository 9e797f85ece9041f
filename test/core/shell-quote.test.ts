// shellQuote, the one quoting function for every printed command: a table of hostile words, each
// quoted and read back by bash itself (test/helpers/shell-argv.ts) — the argv is exactly the words and
// nothing runs; then the DM hints and next steps built from hostile names, through the same parser.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hintFor } from '../../src/core/cleanup/cleanup-hints';
import { indexLiveMaps, nextStepsFor } from '../../src/core/cleanup/next-steps';
import { shellQuote, shellWord } from '../../src/core/text/shell-quote';
import { stepsText } from '../../src/core/vocab/next-step';
import { dmEntry } from '../helpers/dm-entry';
import { hasBash, shellArgv, shellRunsAfter } from '../helpers/shell-argv';

const skip = hasBash() ? false : 'no bash';

export const HOSTILE_WORDS: string[] = [
  'vm-102-disk-4$(id>x).raw',
  'a`id>x`b',
  'a;id>x',
  'a|id>x',
  'a&&id>x',
  "it's",
  `'"'"'`,
  'a\nid>x',
  'a\r\nid>x',
  '\tid>x',
  'a\u001b[2Jb',
  'a\u0085b\u2028c\u202ed',
  '-rf',
  '--force',
  'é☃ unicode with spaces',
  '  leading and trailing  ',
  '',
  '~root',
  '#not-a-comment',
  '{a,b}',
  '*?[x]',
  '$HOME',
  '${IFS}',
  'a\\',
  '\\$(id>x)',
  "$'\\x41'",
  '!$',
  'a=b',
  // Invisible and bidi characters (issue 59): each as its bytes, so the command names exactly the volume.
  'vm-995-disk-0\u00ad',
  'vm-995-disk-0\u034f',
  'vm-995-disk-0\u3164',
  'vm-995-disk-0\ufe0f',
  'vm-995-disk-0\u200b',
  'vm-995-disk-0\u{e0041}',
  '\u061cvm-995-disk-0',
];

/** A test's name: the word as a JSON string in ASCII. A raw U+2028 in a name ends the line for tap-parser
 * (Stryker's tap runner), which then counts no test in the file and calls the whole file failed. */
const nameOf = (w: string) =>
  JSON.stringify(w).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe('shellQuote: bash reads back exactly the argv, and nothing runs', { skip }, () => {
  for (const w of HOSTILE_WORDS) {
    test(nameOf(w), () => {
      const argv = ['pvesm', 'free', `local:${w}`, w];
      const line = shellQuote(argv);
      // One line: a terminal, a mail client or a table shows it as it is, and it pastes back as itself.
      assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
      // Nothing invisible either: what the line shows is what it runs.
      assert.doesNotMatch(line, /[\p{Default_Ignorable_Code_Point}\p{Bidi_Control}]/u);
      const r = shellArgv(line);
      assert.deepEqual(r.created, []);
      assert.deepEqual(r.argv, argv);
    });
  }
  test('plain words stay unquoted; anything else is one quoted word', () => {
    assert.equal(shellQuote(['pvesm', 'free', 'local-lvm:vm-100-disk-0']), 'pvesm free local-lvm:vm-100-disk-0');
    assert.equal(shellWord("it's"), `'it'\\''s'`);
    assert.equal(shellWord('a\nb'), `$'a\\x0ab'`);
    assert.equal(shellWord('vm-1-disk-0\u00ad'), `$'vm-1-disk-0\\xc2\\xad'`);
    // Printable non-ASCII stays as it is, in plain quotes.
    assert.equal(shellWord('é☃'), `'é☃'`);
  });
});

describe('DM hints and next steps: each command in the prose is exactly its argv', { skip }, () => {
  for (const w of HOSTILE_WORDS.filter((x) => x !== '')) {
    test(nameOf(w), () => {
      const volume = `local-lvm:vm-150-disk-${w}`;
      const orphan = dmEntry({
        kind: 'lv',
        status: 'orphan',
        reason: 'guest-missing',
        vg: 'pve',
        lv: `vm-150-disk-${w}`,
        vmid: 150,
        volume,
      });
      const hint = hintFor(orphan, { node: 'pve1' }) ?? '';
      const frees = shellRunsAfter(hint, 'pvesm free ');
      assert.equal(frees.length, 1, hint);
      assert.deepEqual(frees[0].argv, ['pvesm', 'free', volume]);
      assert.deepEqual(frees[0].created, []);
      const rescans = shellRunsAfter(hint, 'qm disk rescan ');
      assert.deepEqual(rescans[0]?.argv, ['qm', 'disk', 'rescan', '--vmid', '150']);

      const name = `pve-vm--150--disk--0${w}`;
      const held = dmEntry({
        name,
        status: 'orphan',
        reason: 'guest-missing',
        protected: true,
        protectedBy: ['open', 'stale-lock:backup'],
        vmid: 150,
        guestType: 'qemu',
      });
      const listed = nextStepsFor(held, indexLiveMaps([held]), { shared: false });
      const steps = listed ? stepsText(listed) : '';
      const runs = [
        ...shellRunsAfter(steps, 'dmsetup info '),
        ...shellRunsAfter(steps, 'fuser '),
        ...shellRunsAfter(steps, 'qm unlock '),
        ...shellRunsAfter(steps, 'pve-health clean '),
      ];
      assert.deepEqual(
        runs.map((r) => r.argv),
        [
          ['dmsetup', 'info', '-c', name],
          ['fuser', '-vm', `/dev/mapper/${name}`],
          ['qm', 'unlock', '150'],
          ['pve-health', 'clean', '--name', name],
        ],
        steps,
      );
      for (const r of runs) assert.deepEqual(r.created, []);
    });
  }
});
