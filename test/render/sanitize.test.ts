// Control characters and bidi overrides from the node never reach a terminal or a monitoring parser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCheckDocument } from '../../src/core/findings/evaluate';
import { renderCheckText } from '../../src/render/check-text';
import { renderCheckmk } from '../../src/render/checkmk';
import { renderMountsText } from '../../src/render/mounts-text';
import { renderNagios } from '../../src/render/nagios';
import { jsonTerminalText, sanitizeDeep, sanitizeText, terminalText } from '../../src/render/sanitize';
import { dmEntry, dmResult, mountEntry, mountsResult } from '../serve/sample';

const EVIL = '/mnt/x\u001b[2J\nOK: all fine | a=1\u202eevil\u0085';

test('sanitizeText shows controls, C1 and bidi overrides as escapes', () => {
  assert.equal(sanitizeText('a\u001bb\nc\u202ed\u0085'), 'a\\x1bb\\x0ac\\u{202e}d\\x85');
  assert.equal(sanitizeText('plain /mnt/pve/nfs-1'), 'plain /mnt/pve/nfs-1');
});

test('a hostile mount target cannot forge a Nagios status line or a Checkmk service, nor move the terminal', () => {
  const doc = sanitizeDeep(
    buildCheckDocument({
      node: 'pve1',
      now: new Date(0),
      mounts: mountsResult([mountEntry({ target: EVIL, status: 'full', usagePercent: 97, scope: 'ct', ctid: 200 })], 1),
    }),
  );
  const nagios = renderNagios(doc);
  assert.equal(nagios.split('\n').filter((l) => /^(OK|WARNING|CRITICAL|UNKNOWN):/.test(l)).length, 1, nagios);
  assert.ok(!['\u001b', '\u202e', '\u0085'].some((c) => nagios.includes(c)), nagios);
  const cmk = renderCheckmk(doc);
  assert.ok(
    cmk
      .trim()
      .split('\n')
      .every((l) => /^[0-3] "/.test(l)),
    cmk,
  );
  const text = renderMountsText(doc.mounts!, { color: true });
  // Only our own colour codes (ESC [ digits m) remain; the tenant's clear-screen shows as text.
  assert.ok(!/\u001b(?!\[\d+m)|\u202e|\u0085/.test(text), text);
  assert.match(text, /\\x1b\[2J/);
});

test('fix lines are shell-quoted: a name with metacharacters stays one argument', () => {
  const e = dmEntry({
    name: 'pve-x;rm -rf /',
    status: 'orphan',
    reason: 'lv-missing',
    action: { command: ['dmsetup', 'remove', '--retry', 'pve-x;rm -rf /'], effect: 'remove it' },
  });
  const doc = buildCheckDocument({ node: 'pve1', now: new Date(0), dm: dmResult([e], 1) });
  // The command alone on its line under the fix's prose.
  assert.match(
    renderCheckText(doc, { color: false }),
    /\n {4}fix:[^\n]*\n {6}dmsetup remove --retry 'pve-x;rm -rf \/'/,
  );
});

// Issue 59: a name holding a character that shows nothing reads exactly like a real disk's name.
const INVISIBLE = '\u00ad\u034f\u3164\ufe0f\u200b\u061c\u{e0041}';

test('display text shows every default-ignorable and bidi character as an escape', () => {
  assert.equal(
    sanitizeText(`vm-995-disk-0${INVISIBLE}`),
    'vm-995-disk-0\\xad\\u{34f}\\u{3164}\\u{fe0f}\\u{200b}\\u{61c}\\u{e0041}',
  );
  // Neighbours stay as they are: accents, a snowman, CJK, a space.
  assert.equal(sanitizeText('é☃ 漢字 vm-1'), 'é☃ 漢字 vm-1');
  // The terminal boundary: the same escapes; line feed, tab and our own colour stay.
  assert.equal(terminalText(`a\u3164\tb\n\u001b[31mc\u001b[2J`, { color: true }), 'a\\u{3164}\tb\n\u001b[31mc\\x1b[2J');
  assert.equal(terminalText('\u001b[31m', { color: false }), '\\x1b[31m');
  // JSON on a terminal: the same value, each UTF-16 unit written as JSON writes it.
  const json = jsonTerminalText(JSON.stringify({ v: `x\u00ad\u{e0041}\ty` }));
  assert.equal(json, '{"v":"x\\u00ad\\udb40\\udc41\\ty"}');
  assert.equal(JSON.parse(json).v, `x\u00ad\u{e0041}\ty`);
});

test('sanitizeDeep escapes display text but keeps an argv raw for shellQuote', () => {
  const doc = sanitizeDeep({
    name: 'vm-1\u202e',
    steps: [{ text: 'free vm-1\u00ad', command: ['pvesm', 'free', 'local:vm-1\u00ad'] }],
    command: 'held by kvm\u3164',
  });
  assert.equal(doc.name, 'vm-1\\u{202e}');
  assert.equal(doc.steps[0].text, 'free vm-1\\xad');
  assert.deepEqual(doc.steps[0].command, ['pvesm', 'free', 'local:vm-1\u00ad']);
  // A `command` that is a string is display text (a holder's command line), escaped.
  assert.equal(doc.command, 'held by kvm\\u{3164}');
});
