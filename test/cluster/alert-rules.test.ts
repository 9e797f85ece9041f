// The example alerting rules of docs/cluster.md: the doc shows the file as it is, promtool accepts
// it, and `promtool test rules` fires the right alerts on series taken from the real Prometheus
// renderer's output for a troubled and a healthy node (so a renamed metric breaks this test).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CheckDocument } from '../../src/core/types';
import { renderPrometheus } from '../../src/render/prometheus';
import { healthyDoc, troubledDoc } from '../fixtures/docs/check-documents';
import { REPO, tempDir } from '../helpers/cli';
import { requireTool } from '../helpers/require-tool';

const RULES = join(REPO, 'docs/examples/pve-health-rules.yml');

test('docs/cluster.md shows the example rules file verbatim', () => {
  const doc = readFileSync(join(REPO, 'docs/cluster.md'), 'utf8');
  assert.ok(doc.includes(`\`\`\`yaml\n${readFileSync(RULES, 'utf8')}\`\`\``));
});

test('promtool check rules', (t) => {
  const promtool = requireTool(t, 'promtool', 'prometheus');
  if (!promtool) return;
  const r = spawnSync(promtool, ['check', 'rules', RULES], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS: 4 rules found/);
});

/** The sample lines of a node's metrics as promtool input series, constant for `minutes`. */
function series(
  doc: CheckDocument,
  instance: string,
  minutes: number,
  override: Record<string, number> = {},
): { series: string; values: string }[] {
  const out: { series: string; values: string }[] = [];
  for (const line of renderPrometheus(doc).split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = [`instance="${instance}"`, 'job="node"', ...(m[2] ? [m[2]] : [])].join(',');
    out.push({ series: `${m[1]}{${labels}}`, values: `${override[m[1]] ?? m[3]}x${minutes}` });
  }
  return out;
}

test('promtool test rules: critical and grade alerts for the troubled node, stale for a silent one, none for the healthy one', (t) => {
  const promtool = requireTool(t, 'promtool', 'prometheus');
  if (!promtool) return;
  const troubled = troubledDoc();
  const healthy = healthyDoc();
  assert.equal(troubled.status, 2);
  assert.equal(troubled.dm?.summary.grade, 'F');
  assert.equal(healthy.status, 0);
  const minutes = 150;
  const now = Date.parse(troubled.generatedAt) / 1000;
  const input = [
    // Fresh timestamps (the check keeps running) for pve1 and pve2; pve3's last run was at time 0.
    ...series(troubled, 'pve1:9100', minutes, { pve_health_last_run_timestamp_seconds: now }),
    ...series(healthy, 'pve2:9100', minutes, { pve_health_last_run_timestamp_seconds: now }),
    ...series({ ...healthy, node: 'pve3' }, 'pve3:9100', minutes, { pve_health_last_run_timestamp_seconds: 0 }),
  ];
  const labels = (instance: string, node: string, extra: Record<string, string> = {}) => ({
    instance,
    job: 'node',
    node,
    ...extra,
  });
  const spec = {
    rule_files: [RULES],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: input,
        alert_rule_test: [
          {
            eval_time: '2h',
            alertname: 'PveHealthCritical',
            exp_alerts: [
              {
                exp_labels: { ...labels('pve1:9100', troubled.node), severity: 'critical' },
                exp_annotations: {
                  summary: `pve-health on ${troubled.node}: status 2 (2 critical, 3 could not check)`,
                  description: `Run 'pve-health check' on ${troubled.node} for the findings and their fixes.`,
                },
              },
            ],
          },
          {
            eval_time: '2h',
            alertname: 'PveHealthGradeLow',
            exp_alerts: [
              {
                exp_labels: { ...labels('pve1:9100', troubled.node), severity: 'warning' },
                exp_annotations: {
                  summary: `pve-health on ${troubled.node}: device-mapper grade 0 (4 A+, 3 B, 2 C, 1 D, 0 F)`,
                  description: `'pve-health dm' on ${troubled.node} lists the orphans and duplicates; 'pve-health clean' fixes them.`,
                },
              },
            ],
          },
          { eval_time: '2h', alertname: 'PveHealthWarning', exp_alerts: [] },
          // time() at 2h is 7200 s: pve3's run at 0 is older than an hour (for 15 m); pve1/pve2 report 2026.
          {
            eval_time: '2h',
            alertname: 'PveHealthStale',
            exp_alerts: [
              {
                exp_labels: { instance: 'pve3:9100', job: 'node', severity: 'warning' },
                exp_annotations: {
                  summary: 'pve-health metrics of pve3:9100 are older than an hour',
                  description: "Check 'systemctl status pve-health.timer' (or pve-health-serve) on that node.",
                },
              },
            ],
          },
          // Before `for:` has passed nothing fires.
          { eval_time: '10m', alertname: 'PveHealthCritical', exp_alerts: [] },
        ],
      },
    ],
  };
  const file = join(tempDir(), 'rules-test.yml');
  // YAML is a superset of JSON.
  writeFileSync(file, JSON.stringify(spec, null, 1));
  const r = spawnSync(promtool, ['test', 'rules', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS/);
});
