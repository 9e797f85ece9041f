// A remote node's name, summary or error is the other node's text (.members, its document, its
// stderr): a newline or any other control character in it must not forge a row of the `cluster`
// table, a Nagios/Checkmk status line or a line of the notification. Every text form shows them as
// visible escapes; JSON keeps the value as it is (JSON escapes it itself).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mergeCluster, type NodeResult } from '../../src/core/cluster/cluster-merge';
import { overallOf } from '../../src/core/findings/overall';
import type { CheckDocument } from '../../src/core/vocab/types';
import { renderClusterCheckmk, renderClusterNagios, renderClusterText } from '../../src/render/cluster';
import { dmResult } from '../serve/sample';

const FORGED = 'pve9   -      OK      A      grade A: no issues';
const HOSTILE: { name: string; node: string }[] = [
  { name: 'line feed', node: `pve2\n${FORGED}` },
  { name: 'carriage return', node: `pve2\r${FORGED}` },
  { name: 'CRLF', node: `pve2\r\n${FORGED}` },
  { name: 'vertical tab and form feed', node: `pve2\u000b\u000c${FORGED}` },
  { name: 'NEL (C1 line break)', node: `pve2\u0085${FORGED}` },
  { name: 'line separator U+2028', node: `pve2\u2028${FORGED}` },
  { name: 'ESC cursor up and erase line', node: `pve2\u001b[1A\u001b[2K${FORGED}` },
  { name: 'bidi override', node: `pve2\u202e${FORGED}` },
];

function doc(node: string): CheckDocument {
  return {
    schemaVersion: 1,
    generatedAt: '2026-01-01T00:00:00.000Z',
    node,
    dm: dmResult([], 0),
    status: 0,
    summary: 'ok',
  };
}

function cluster(hostile: string, opts: { error?: boolean } = {}) {
  const results: NodeResult[] = [
    { node: 'pve1', doc: doc('pve1') },
    opts.error
      ? { node: 'pve3', error: { kind: 'ssh-failed', message: `ssh: exit 255\n${FORGED}` } }
      : { node: hostile, doc: doc(hostile) },
  ];
  return mergeCluster({
    verdictOf: (d) => {
      const o = overallOf(d);
      return { grade: o.grade, score: o.score, headline: o.headline };
    },
    now: new Date('2026-01-01T00:00:00Z'),
    localNode: 'pve1',
    clusterName: 'lab',
    quorate: true,
    results,
  });
}

/** No line of the output is the forged row, and no raw line-breaking or control character is left. */
function assertNoForgedLine(out: string, form: string): void {
  for (const line of out.split('\n'))
    assert.ok(!line.startsWith('pve9'), `${form}: a forged line: ${JSON.stringify(line)}`);
  assert.doesNotMatch(out.replace(/\n/g, ''), /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
}

describe('cluster text forms: a hostile node name or error forges no line', () => {
  for (const h of HOSTILE) {
    test(`${h.name}: text table, Nagios and Checkmk`, () => {
      const d = cluster(h.node);
      const text = renderClusterText(d, { color: false, quiet: false });
      assertNoForgedLine(text, 'text');
      // The table: the header and one row per node, nothing between them.
      const lines = text.split('\n');
      const head = lines.findIndex((l) => l.startsWith('NODE'));
      assert.ok(head > 0, text);
      assert.match(lines[head + 1], /^pve1 /);
      assert.match(lines[head + 2], /^pve2\\/);
      assert.equal(lines[head + 3], '', text);
      const nagios = renderClusterNagios(d);
      assertNoForgedLine(nagios, 'nagios');
      assert.equal(
        nagios
          .trimEnd()
          .split('\n')
          .filter((l) => /^\[/.test(l)).length,
        2,
        nagios,
      );
      const checkmk = renderClusterCheckmk(d);
      assertNoForgedLine(checkmk, 'checkmk');
      assert.equal(checkmk.trimEnd().split('\n').length, 3, checkmk);
      // The JSON document keeps the name as it is: JSON.stringify escapes it.
      assert.equal(d.nodes[1].node, h.node);
    });
  }
  test("a node's error with a newline stays on its row", () => {
    const text = renderClusterText(cluster('', { error: true }), { color: false, quiet: false });
    assertNoForgedLine(text, 'text');
    assert.match(text, /^pve3 .*exit 255\\x0apve9/m);
  });
});
