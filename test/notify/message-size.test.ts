// A notification's size is bounded whatever the node's size: the worst MESSAGE_MAX_FINDINGS findings in
// detail (text and HTML), the guests with findings up to that many rows, the healthy ones counted, New and
// Resolved up to MESSAGE_MAX_KEYS each — and every part it leaves out is said with its count. The report
// file lists every finding and names every guest. Measured on the demo node and, with ../shared, on a
// fakenode node of 400 guests (its report was 605 KB and was the body of every mail).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { listFindings } from '../../src/core/findings/findings';
import type { CheckDocument } from '../../src/core/vocab/types';
import { buildMessage, MESSAGE_MAX_FINDINGS, MESSAGE_MAX_KEYS } from '../../src/notify/message';
import { renderHtml } from '../../src/render/html';
import { buildNode, hasFakenode, nodePath, runCli } from '../helpers/cli';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const change = (added: string[] = [], resolved: string[] = []) => ({
  kind: 'change' as const,
  added,
  resolved,
  statusFrom: null,
});

function demo(): CheckDocument {
  return JSON.parse(runCli(['check', '--demo', '--json']).stdout);
}

test('a bounded HTML body says how many findings it leaves out, by severity, and where they all are', () => {
  const doc = demo();
  const all = listFindings(doc);
  const html = renderHtml(doc, { maxFindings: 5 });
  const m = /(\d+) more findings \(([^)]*)\) not listed here: .*pve-health check.* on pve1 lists them all/.exec(
    html.replace(/<[^>]+>/g, ''),
  );
  assert.ok(m, 'the left-out line');
  assert.equal(Number(m[1]), all.length - 5);
  const counted = [...m[2].matchAll(/(\d+) /g)].reduce((a, x) => a + Number(x[1]), 0);
  assert.equal(counted, all.length - 5, m[2]);
  // The report file (no bound) details every one and names no "more".
  assert.doesNotMatch(renderHtml(doc), /more findings? \(/);
});

test('New and Resolved: at most MESSAGE_MAX_KEYS keys each, and how many more', () => {
  const doc = demo();
  const keys = Array.from(
    { length: MESSAGE_MAX_KEYS + 7 },
    (_, i) => `dm:orphan:guest-missing:local-lvm:vm-${1000 + i}-disk-0`,
  );
  const text = buildMessage(doc, change(keys, keys)).text;
  assert.equal(text.split('\n').filter((l) => l.startsWith('  + ')).length, MESSAGE_MAX_KEYS);
  assert.equal(text.split('\n').filter((l) => l.startsWith('  - ')).length, MESSAGE_MAX_KEYS);
  assert.equal(text.split('\n').filter((l) => l === '  … and 7 more').length, 2);
});

test('400 guests: the mail stays small and says what it leaves out; the report lists everything', {
  skip: hasFakenode ? false : 'needs ../shared/fakenode (not in a public clone)',
}, () => {
  const node = buildNode(['400']);
  const r = runCli(['--root', join(node, 'root'), 'check', '--json'], { pathPrefix: nodePath(node) });
  const doc = JSON.parse(r.stdout) as CheckDocument;
  const all = listFindings(doc);
  assert.ok(all.length > MESSAGE_MAX_FINDINGS, `${all.length} findings`);
  const m = buildMessage(doc, change(all.map((f) => f.key)));
  // Measured here: text 13.6 KB, HTML 105 KB (the whole report was 605 KB before, 166 KB now).
  assert.ok(bytes(m.text) < 32_000, `text ${bytes(m.text)} bytes`);
  assert.ok(bytes(m.html) < 160_000, `html ${bytes(m.html)} bytes`);
  const left = all.length - MESSAGE_MAX_FINDINGS;
  assert.match(m.text, new RegExp(`Findings \\(the ${MESSAGE_MAX_FINDINGS} worst of ${all.length}\\):`));
  assert.match(m.text, new RegExp(`… ${left} more not listed here: pve-health check on ${doc.node} lists them all\\.`));
  assert.match(m.html.replace(/<[^>]+>/g, ''), new RegExp(`${left} more findings \\(`));
  assert.match(m.html, /guests have nothing found\./);
  // The report file: every finding's subject, every guest named.
  const report = renderHtml(doc).replace(/<wbr>/g, '');
  assert.ok(bytes(report) < 300_000, `report ${bytes(report)} bytes`);
  for (const f of all) assert.ok(report.includes(f.subject.replace(/&/g, '&amp;')), f.subject);
  assert.doesNotMatch(report, /more findings? \(/);
  for (const g of doc.dm?.guests ?? []) assert.ok(report.includes(`${g.vmid}`), `guest ${g.vmid}`);
});
