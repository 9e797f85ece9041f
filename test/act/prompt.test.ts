// The per-action question of `clean` and `restore` on a terminal (act/prompt.ts): every answer it takes
// and what it means, the question as the terminal shows it, asking again on anything else, and the end of
// input (Ctrl-D) or a closed prompter stopping like q — never a yes by default.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { type Answer, createPrompter, parseAnswer } from '../../src/act/prompt';

describe('parseAnswer: the words it takes', () => {
  const cases: [string, Answer | null][] = [
    ['', 'n'],
    ['   ', 'n'],
    ['n', 'n'],
    ['no', 'n'],
    ['NO', 'n'],
    ['y', 'y'],
    ['yes', 'y'],
    [' Yes ', 'y'],
    ['a', 'a'],
    ['all', 'a'],
    ['q', 'q'],
    ['quit', 'q'],
    ['Q', 'q'],
    ['maybe', null],
    ['ye', null],
    ['yess', null],
    ['nope', null],
    ['al', null],
    ['qu', null],
    ['y n', null],
  ];
  for (const [text, want] of cases)
    it(`${JSON.stringify(text)} -> ${want}`, () => assert.equal(parseAnswer(text), want));
});

function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (b: Buffer) => {
    shown += b.toString();
  });
  return { input, output, shown: () => shown };
}

describe('createPrompter', () => {
  it('shows the question, through the sanitiser, with the choices; Enter is no', async () => {
    const t = terminal();
    const p = createPrompter(t.input, t.output, (q) => q.replace(/\x1b/g, '?'));
    const asked = p.ask('remove \x1b[2Jx?');
    t.input.write('\n');
    assert.equal(await asked, 'n');
    assert.equal(t.shown(), 'remove ?[2Jx? [y/N/a/q] ');
    p.close();
  });

  it('without a sanitiser the question is shown as given', async () => {
    const t = terminal();
    const p = createPrompter(t.input, t.output);
    const asked = p.ask('remove x?');
    t.input.write('y\n');
    assert.equal(await asked, 'y');
    assert.equal(t.shown(), 'remove x? [y/N/a/q] ');
    p.close();
  });

  it('anything else: says what it takes and asks again', async () => {
    const t = terminal();
    const p = createPrompter(t.input, t.output);
    const asked = p.ask('remove x?');
    t.input.write('maybe\nall\n');
    assert.equal(await asked, 'a');
    assert.equal(
      t.shown(),
      'remove x? [y/N/a/q] please answer y (yes), n (no, also Enter), a (all remaining) or q (quit)\nremove x? [y/N/a/q] ',
    );
    p.close();
  });

  it('answers typed before the questions are taken in order, one per question', async () => {
    const t = terminal();
    const p = createPrompter(t.input, t.output);
    t.input.write('y\nn\nq\n');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual([await p.ask('1?'), await p.ask('2?'), await p.ask('3?')], ['y', 'n', 'q']);
    p.close();
  });

  it('end of input while asking: quits, on a line of its own', async () => {
    const t = terminal();
    const p = createPrompter(t.input, t.output);
    const asked = p.ask('remove x?');
    t.input.end();
    assert.equal(await asked, 'q');
    assert.equal(t.shown(), 'remove x? [y/N/a/q] \n');
  });

  it('end of input before the question: quits at once, and every later question too', async () => {
    const t = terminal();
    const p = createPrompter(t.input, t.output);
    t.input.end();
    await new Promise((r) => setImmediate(r));
    assert.equal(await p.ask('remove x?'), 'q');
    assert.equal(await p.ask('remove y?'), 'q');
  });

  it('closed: a question quits, the terminal is let go', async () => {
    const t = terminal();
    const p = createPrompter(t.input, t.output);
    p.close();
    assert.equal(await p.ask('remove x?'), 'q');
  });
});
