// The example alerting rules of docs/cluster.md: the doc shows the file as it is, promtool accepts
// it, and `promtool test rules` fires the right alerts on series taken from the real Prometheus
// renderer's output for a troubled and a healthy node (so a renamed metric breaks this test).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CheckDocument } from '../../src/core/vocab/types';
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
  assert.match(r.stdout, /SUCCESS: 16 rules found/);
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

test('promtool test rules: critical, per-finding and grade alerts for the troubled node, UNKNOWN apart, stale, stopped and absent nodes', (t) => {
  const promtool = requireTool(t, 'promtool', 'prometheus');
  if (!promtool) return;
  const troubled = troubledDoc();
  const healthy = healthyDoc();
  const unknown: CheckDocument = {
    ...healthy,
    node: 'pve4',
    status: 3,
    mounts: { ...healthy.mounts!, entries: [], status: 3, error: 'could not read /proc/self/mountinfo: EACCES' },
  };
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
    // pve4 could not list its mounts: UNKNOWN, never CRITICAL.
    ...series(unknown, 'pve4:9100', minutes, { pve_health_last_run_timestamp_seconds: now }),
    // pve5 reported for the first hour, then nothing (its textfile went away).
    ...series({ ...healthy, node: 'pve5' }, 'pve5:9100', 60, { pve_health_last_run_timestamp_seconds: now }),
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
                  summary: `pve-health on ${troubled.node}: CRITICAL`,
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
                  summary: `pve-health on ${troubled.node}: grade 0 (4 A+, 3 B, 2 C, 1 D, 0 F)`,
                  description: `'pve-health check' on ${troubled.node} gives the grade's reason and each finding's fix.`,
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
          // UNKNOWN is its own alert, and the part that could not be checked is named.
          {
            eval_time: '2h',
            alertname: 'PveHealthUnknown',
            exp_alerts: [
              {
                exp_labels: { ...labels('pve4:9100', 'pve4'), severity: 'critical' },
                exp_annotations: {
                  summary: 'pve-health on pve4: UNKNOWN, a part could not be checked',
                  description: "'pve-health check' on pve4 says which part and why (PveHealthPartUnchecked names it).",
                },
              },
            ],
          },
          {
            eval_time: '2h',
            alertname: 'PveHealthPartUnchecked',
            exp_alerts: [
              {
                exp_labels: { ...labels('pve4:9100', 'pve4', { part: 'mounts' }), severity: 'critical' },
                exp_annotations: {
                  summary: 'pve-health on pve4 could not check mounts',
                  description: "'pve-health check' on pve4 prints the reason (the mounts part is UNKNOWN).",
                },
              },
            ],
          },
          // Per finding: the duplicate, each broken mount with its own labels.
          {
            eval_time: '2h',
            alertname: 'PveHealthDuplicateVolumes',
            exp_alerts: [
              {
                exp_labels: { ...labels('pve1:9100', troubled.node, { status: 'duplicate' }), severity: 'critical' },
                exp_annotations: {
                  summary: `pve-health on ${troubled.node}: 1 duplicate device-mapper entries`,
                  description: `'pve-health dm' on ${troubled.node} says which map is live and which is stale, and the safe sequence.`,
                },
              },
            ],
          },
          {
            eval_time: '2h',
            alertname: 'PveHealthMountStale',
            exp_alerts: [
              {
                exp_labels: {
                  ...labels('pve1:9100', troubled.node),
                  scope: 'host',
                  target: '/mnt/pve/nfs-backup',
                  mountpoint: '/mnt/pve/nfs-backup',
                  fstype: 'nfs4',
                  storage: 'nfs-backup',
                  state: 'stale',
                  severity: 'critical',
                },
                exp_annotations: {
                  summary: `pve-health on ${troubled.node}: stale mount /mnt/pve/nfs-backup on the host`,
                  description: `The server of /mnt/pve/nfs-backup does not answer; 'pve-health mounts' on ${troubled.node}.`,
                },
              },
            ],
          },
          // A node that went silent: its series ended at 60 min; by 2 h it has been gone for > 15 min.
          {
            eval_time: '2h',
            alertname: 'PveHealthNodeStoppedReporting',
            exp_alerts: [
              {
                exp_labels: { ...labels('pve5:9100', 'pve5', { source: 'live' }), severity: 'warning' },
                exp_annotations: {
                  summary: 'pve-health on pve5 stopped reporting',
                  description:
                    'No pve-health metrics from pve5:9100 any more: is pve-health installed and its timer (or serve) enabled?',
                },
              },
            ],
          },
          { eval_time: '50m', alertname: 'PveHealthNodeStoppedReporting', exp_alerts: [] },
          { eval_time: '2h', alertname: 'PveHealthAbsent', exp_alerts: [] },
          // Before `for:` has passed nothing fires.
          { eval_time: '10m', alertname: 'PveHealthCritical', exp_alerts: [] },
        ],
      },
      {
        // No node reports anything: only absent() can say so.
        interval: '1m',
        input_series: [{ series: 'up{instance="pve1:9100",job="node"}', values: '1x90' }],
        alert_rule_test: [
          { eval_time: '30m', alertname: 'PveHealthAbsent', exp_alerts: [] },
          {
            eval_time: '90m',
            alertname: 'PveHealthAbsent',
            exp_alerts: [
              {
                exp_labels: { severity: 'warning' },
                exp_annotations: {
                  summary: 'No pve-health metrics from any node',
                  description: 'Check the scrape jobs and the textfile collector on the nodes.',
                },
              },
            ],
          },
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
