// healthOf: /healthz's decision. Starting is 202 (never OK, never 503 to a polling load balancer); an
// overrun or failed scan is 503; what could not be checked is listed and leaves the code alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { healthOf } from '../../src/serve/health';
import type { Part, ScanReport } from '../../src/serve/service';

const scan = (r: Partial<ScanReport>): ScanReport => ({ scans: 1, ...r }) as ScanReport;

test('healthOf: ok, first scan running, overrun, failed; unchecked parts listed without changing the code', () => {
  const parts: Part[] = ['dm', 'mounts'];
  const cases: [string, Record<string, ScanReport>, string[], number, string][] = [
    ['all scanned', { dm: scan({}), mounts: scan({}) }, [], 200, 'ok'],
    ['one still starting', { dm: scan({}), mounts: scan({ scans: 0 }) }, [], 202, 'first scan running'],
    [
      'starting while another overruns',
      { dm: scan({ overrun: true, runningForSeconds: 700, intervalSeconds: 60 }), mounts: scan({ scans: 0 }) },
      [],
      503,
      'problem',
    ],
    ['a failed scan', { dm: scan({ error: 'lvs timed out' }), mounts: scan({}) }, [], 503, 'problem'],
    [
      'UNKNOWN parts are said, the service is fine',
      { dm: scan({}), mounts: scan({}) },
      ['mounts: mount table empty'],
      200,
      'ok',
    ],
  ];
  for (const [name, reports, unchecked, code, state] of cases) {
    const h = healthOf(parts, (p) => reports[p], unchecked);
    assert.deepEqual([h.code, h.body.state, h.body.unchecked], [code, state, unchecked], name);
    assert.equal(h.body.ok, code === 200, name);
  }
  assert.match(
    healthOf(parts, (p) => (p === 'dm' ? scan({ error: 'x' }) : scan({})), []).body.problems[0],
    /^dm scan failed: x$/,
  );
});
