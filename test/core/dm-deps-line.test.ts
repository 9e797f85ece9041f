// One `dmsetup deps` line's device numbers (dmsetup.c _deps: `<name>: <n> dependencies\t: (<maj>, <min>) ...`).
// depsByHand reads dmsetup's lines in place; the spec it must equal is the regex depsOfLine falls back to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { depsByHand, depsOfLine, depsOfPlainLine, isPlainText } from '../../src/core/parse/dm-deps-line';
import { parseDmDeps } from '../../src/core/parse/parse-dmsetup';

const DEP = /\((\d+),\s*(\d+)\)/g;
const byRegex = (rest: string) => [...rest.matchAll(DEP)].map((m) => `${m[1]}:${m[2]}`);

test('depsOfLine equals the regex, line class by line class; the hand reader takes only plain lines', () => {
  const plain = [
    '2 dependencies\t: (252, 3) (252, 2)',
    '1 dependencies\t: (8, 0)',
    '0 dependencies\t:',
    '',
    '1 dependencies\t: (252,3)',
    '1 dependencies\t: (252,\t 3)',
    '1 dependencies\t: (007, 0010)',
    '((252, 3)',
    '(252, 3)(252, 4)',
    '(252, ) (x, 1) (1, 2',
    '(, 3) (252 3) (252, 3))',
    '(123456789012345678901234567890, 1)',
    ' (1, 2) trailing (3, 4) ',
  ];
  const odd = ['1 dependencies\t: (252,\n3)', '(252,\u00a03)', '(252,\r3) (1, 2)', '(٣, 3) (252, 3)', '(252,\v3)'];
  for (const rest of [...plain, ...odd]) {
    const devs: string[] = [];
    depsOfLine(rest, devs);
    assert.deepEqual(devs, byRegex(rest), JSON.stringify(rest));
  }
  for (const rest of plain) {
    assert.equal(depsByHand(rest, []), true, JSON.stringify(rest));
    // A line of a text isPlainText accepts is read without its own check, to the same devices.
    assert.equal(isPlainText(`x: ${rest}\n`), true, JSON.stringify(rest));
    const devs: string[] = [];
    depsOfPlainLine(rest, devs);
    assert.deepEqual(devs, byRegex(rest), JSON.stringify(rest));
  }
  for (const rest of odd)
    if (!rest.includes('\n')) assert.equal(isPlainText(`x: ${rest}\n`), false, JSON.stringify(rest));
  for (const rest of odd) {
    const devs: string[] = [];
    assert.equal(depsByHand(rest, devs), false, JSON.stringify(rest));
    assert.deepEqual(devs, []);
  }
});

test('parseDmDeps: a listing with one line that is not printable ASCII reads that line by the regex', () => {
  // Every other line is plain; the odd one's \u00a0 is a \s to the regex and no space to the hand reader.
  const text = 'a: 1 dependencies\t: (252, 3)\nodd: 1 dependencies\t: (252,\u00a07)\nb: 1 dependencies\t: (8,\t0)\n';
  assert.deepEqual(
    parseDmDeps(text, ['a', 'odd', 'b']),
    new Map([
      ['a', ['252:3']],
      ['odd', ['252:7']],
      ['b', ['8:0']],
    ]),
  );
});
