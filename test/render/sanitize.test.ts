// Control characters and bidi overrides from the node never reach a terminal or a monitoring parser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCheckDocument } from '../../src/core/findings/evaluate';
import { renderCheckText } from '../../src/render/check-text';
import { renderCheckmk } from '../../src/render/checkmk';
import { renderMountsText } from '../../src/render/mounts-text';
import { renderNagios } from '../../src/render/nagios';
import { sanitizeDeep, sanitizeText } from '../../src/render/sanitize';
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
