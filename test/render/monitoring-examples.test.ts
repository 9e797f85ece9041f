// The monitoring examples the package ships in /usr/share/doc/pve-health/examples (docs/examples):
// each is checked against what the tool really exports and prints, with the monitoring system's own
// validator where there is one (promtool).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CheckDocument } from '../../src/core/vocab/types';
import type { VolumesResult } from '../../src/core/vocab/volume-types';
import { renderPrometheus } from '../../src/render/prometheus';
import { requireTool } from '../helpers/require-tool';

const REPO = join(fileURLToPath(new URL('.', import.meta.url)), '../..');
const EXAMPLES = join(REPO, 'docs', 'examples');
const BUNDLE = join(REPO, 'dist', 'pve-health.cjs');

function demo(args: string[]): { status: number | null; stdout: string } {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: run 'npm run build' first`);
  const r = spawnSync(process.execPath, [BUNDLE, ...args, '--demo'], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout };
}

/** A volumes part with one listed storage: the demo snapshot has none (a live `check` has). */
function volumesPart(): VolumesResult {
  return {
    summary: {
      total: 0,
      valid: 0,
      orphan: 0,
      unknown: 0,
      ignored: 0,
      protected: 0,
      pending: 0,
      open: 0,
      orphanSizeBytes: 0,
      storages: 1,
      unknownStorages: 0,
    },
    entries: [],
    storages: [
      {
        storage: 'local-zfs',
        type: 'zfspool',
        status: 'ok',
        total: 0,
        orphan: 0,
        sizeBytes: 0,
        usedBytes: 0,
        orphanSizeBytes: 0,
      },
    ],
    vmidLeftovers: [],
    status: 0,
    warnings: [],
  };
}

/** Metric names the prometheus renderer exports for the demo node (its # TYPE lines), and for its volumes. */
function exportedMetrics(): Set<string> {
  const text = demo(['check', '--format', 'prometheus']).stdout;
  const doc = JSON.parse(demo(['check', '--json']).stdout) as CheckDocument;
  // A quarantine (reclaim) adds its families (the demo node has one LV; a zvol with both figures here).
  const quarantine = {
    retentionDays: 7,
    volumes: [
      {
        volid: 'local-zfs:vm-150-disk-0',
        storage: 'local-zfs',
        vmid: 150,
        name: 'rpool/data/pve-health-quarantine/pve-health-q.20261101T120000Z.vm-150-disk-0',
        since: '2026-11-01T12:00:00Z',
        purgeAfter: '2026-11-08T12:00:00.000Z',
        due: true,
        sizeBytes: 1,
        usedBytes: 1,
      },
    ],
  };
  const withVolumes = renderPrometheus({ ...doc, volumes: volumesPart(), quarantine });
  const names = [...`${text}${withVolumes}`.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
  assert.ok(names.length > 10, text);
  assert.ok(names.includes('pve_health_volumes'), withVolumes);
  return new Set(names);
}

function referencedMetrics(expr: string): string[] {
  return [...expr.matchAll(/\bpve_health_[a-z0-9_]+/g)].map((m) => m[0]);
}

test('examples: the Grafana dashboard parses and queries only metrics pve-health exports', () => {
  const dash = JSON.parse(readFileSync(join(EXAMPLES, 'grafana-pve-health.json'), 'utf8'));
  const exported = exportedMetrics();
  assert.equal(dash.uid, 'pve-health');
  assert.ok(
    dash.__inputs.some((i: { name: string }) => i.name === 'DS_PROMETHEUS'),
    'importable: asks for the data source',
  );
  const exprs: string[] = [
    ...dash.templating.list.map((v: { definition: string }) => v.definition),
    ...dash.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr)),
  ];
  assert.ok(dash.panels.length >= 8);
  const used = new Set(exprs.flatMap(referencedMetrics));
  const unknown = [...used].filter((m) => !exported.has(m));
  assert.deepEqual(unknown, [], `not exported by pve-health: ${unknown.join(', ')}`);
  assert.ok(used.size >= 8, [...used].join(' '));
  const ids = dash.panels.map((p: { id: number }) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
});

test('examples: the Grafana dashboard picks nodes by name, shows volumes, and its panels fit a grid', () => {
  type Target = { expr: string; legendFormat?: string };
  type Panel = {
    id: number;
    title: string;
    type: string;
    gridPos: { x: number; y: number; w: number; h: number };
    targets: Target[];
  };
  type Variable = { name: string; label?: string; hide?: number; definition: string };
  const dash = JSON.parse(readFileSync(join(EXAMPLES, 'grafana-pve-health.json'), 'utf8')) as {
    templating: { list: Variable[] };
    panels: Panel[];
  };
  const vars = dash.templating.list;
  // What the reader picks from is the Proxmox node name (pve_health_info{node}); the scrape target is a
  // hidden variable that follows it.
  const shown = vars.filter((v) => v.hide !== 2);
  assert.deepEqual(
    shown.map((v) => [v.name, v.label, v.definition]),
    [['node', 'Node', 'label_values(pve_health_info, node)']],
  );
  const instance = vars.find((v) => v.name === 'instance');
  assert.equal(instance?.definition, 'label_values(pve_health_info{node=~"$node"}, instance)');
  for (const p of dash.panels) {
    assert.ok(['stat', 'timeseries', 'bargauge', 'table'].includes(p.type), `${p.title}: ${p.type}`);
    for (const t of p.targets) {
      // Every query follows the Node choice; legends name nodes, never scrape targets.
      assert.match(t.expr, /instance=~"\$instance"/, `${p.title}: ${t.expr}`);
      assert.doesNotMatch(t.legendFormat ?? '', /\{\{instance\}\}/, p.title);
      if (/\{\{node\}\}/.test(t.legendFormat ?? ''))
        assert.match(t.expr, /on\(instance, job\) group_left\(node\) pve_health_info/, `${p.title}: node label joined`);
    }
    const g = p.gridPos;
    assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0, `${p.title}: inside the 24-column grid`);
  }
  // No two panels overlap.
  for (const a of dash.panels)
    for (const b of dash.panels) {
      if (a.id >= b.id) continue;
      const overlap =
        a.gridPos.x < b.gridPos.x + b.gridPos.w &&
        b.gridPos.x < a.gridPos.x + a.gridPos.w &&
        a.gridPos.y < b.gridPos.y + b.gridPos.h &&
        b.gridPos.y < a.gridPos.y + a.gridPos.h;
      assert.ok(!overlap, `${a.title} overlaps ${b.title}`);
    }
  // The volumes part (ZFS, Ceph RBD, file storages) has its panels.
  const volumes = dash.panels.filter((p) =>
    p.targets.some((t) => /\bpve_health_volumes(_orphan_bytes)?\{/.test(t.expr)),
  );
  assert.ok(volumes.length >= 2, dash.panels.map((p) => p.title).join(', '));
  // Issue 60: a quarantine panel (how many, how many due, both size figures), and the top tiles show the
  // node's grade and score — the headline's — not the device-mapper part's alone.
  const exprs = (p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr).join(' ');
  const quarantine = dash.panels.find((p) => /pve_health_quarantined_due_volumes\{/.test(exprs(p)));
  for (const m of [
    'pve_health_quarantined_volumes',
    'pve_health_quarantined_bytes',
    'pve_health_quarantined_used_bytes',
  ])
    assert.ok(quarantine && exprs(quarantine).includes(`${m}{`), m);
  const top = dash.panels
    .filter((p) => p.gridPos.y === 0)
    .map(exprs)
    .join(' ');
  assert.match(top, /\bpve_health_grade\{/);
  assert.doesNotMatch(top, /pve_health_dm_grade/);
});

test('examples: Prometheus alert rules pass promtool and fire on a critical node', (t) => {
  const rules = join(EXAMPLES, 'pve-health-rules.yml');
  const text = readFileSync(rules, 'utf8');
  const exported = exportedMetrics();
  const unknown = referencedMetrics(text).filter((m) => !exported.has(m));
  assert.deepEqual(unknown, [], `not exported by pve-health: ${unknown.join(', ')}`);
  const promtool = requireTool(t, 'promtool', 'prometheus');
  if (!promtool) return;
  const check = spawnSync(promtool, ['check', 'rules', rules], { encoding: 'utf8' });
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  // A node CRITICAL for 20 minutes fires PveHealthCritical (for: 15m) with its node name; one that just
  // turned WARNING does not fire PveHealthWarning yet (for: 6h).
  const dir = mkdtempSync(join(tmpdir(), 'pvh-rules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const series = (name: string, labels: string, values: string) =>
    `      - series: '${name}{instance="pve1:9100",job="node"${labels}}'\n        values: '${values}'\n`;
  writeFileSync(
    join(dir, 'test.yml'),
    `rule_files: ['${rules}']
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
${series('pve_health_info', ',node="pve1",source="live"', '1x30')}${series('pve_health_status', '', '2x30')}${series('pve_health_last_run_timestamp_seconds', '', '0+60x30')}
    alert_rule_test:
      - eval_time: 20m
        alertname: PveHealthCritical
        exp_alerts:
          - exp_labels: { severity: critical, instance: 'pve1:9100', job: node, node: pve1 }
            exp_annotations:
              summary: 'pve-health on pve1: CRITICAL'
              description: "Run 'pve-health check' on pve1 for the findings and their fixes."
      - eval_time: 20m
        alertname: PveHealthWarning
        exp_alerts: []
  # Quarantined volumes past their retention for a day fire, per storage; a failed notification too.
  - interval: 1m
    input_series:
${series('pve_health_info', ',node="pve1",source="live"', '1x1600')}${series('pve_health_quarantined_due_volumes', ',storage="local-zfs"', '0 2x1599')}${series('pve_health_notify_failures_total', '', '0x1200 1x400')}
    alert_rule_test:
      - eval_time: 26h
        alertname: PveHealthQuarantineDue
        exp_alerts:
          - exp_labels: { severity: warning, instance: 'pve1:9100', job: node, node: pve1, storage: local-zfs }
            exp_annotations:
              summary: 'pve-health on pve1: 2 quarantined volumes on local-zfs past their retention'
              description: "'pve-health reclaim --purge --dry-run' on pve1 lists them (purging deletes the data); 'pve-health restore --list' brings one back."
      - eval_time: 21h
        alertname: PveHealthNotifyFailures
        exp_alerts:
          - exp_labels: { severity: warning, instance: 'pve1:9100', job: node, node: pve1 }
            exp_annotations:
              summary: 'pve-health on pve1: notification deliveries failed'
              description: "'pve-health check' on pve1 says which channel failed; 'pve-health notify --test' tries them all."
      - eval_time: 10h
        alertname: PveHealthNotifyFailures
        exp_alerts: []
`,
  );
  const r = spawnSync(promtool, ['test', 'rules', join(dir, 'test.yml')], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

test('examples: the NRPE command is a pve-health invocation that prints a Nagios status line', () => {
  const text = readFileSync(join(EXAMPLES, 'nrpe-pve-health.cfg'), 'utf8');
  const m = /^command\[check_pve_health\]=\/usr\/bin\/sudo -n (\/usr\/bin\/pve-health .+)$/m.exec(text);
  assert.ok(m, text);
  // The sudoers line in the comment allows exactly that command.
  assert.ok(text.includes(`#   nagios ALL=(root) NOPASSWD: ${m[1]}\n`), 'sudoers line matches the command');
  const args = m[1].split(' ').slice(1);
  const r = demo(args);
  assert.ok(r.status !== null && r.status >= 0 && r.status <= 3, `exit ${r.status}`);
  const states = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];
  assert.match(r.stdout.split('\n')[0], new RegExp(`^${states[r.status ?? 3]}: pve1: .+ \\| `));
});

test('examples: the Checkmk local check prints local-check lines, and UNKNOWN when pve-health prints nothing', (t) => {
  const wrapper = join(EXAMPLES, 'checkmk-local-pve-health');
  const dir = mkdtempSync(join(tmpdir(), 'pvh-checkmk-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fake = join(dir, 'pve-health');
  writeFileSync(fake, `#!/bin/sh\nexec "${process.execPath}" "${BUNDLE}" "$@" --demo\n`);
  chmodSync(fake, 0o755);
  const r = spawnSync('sh', [wrapper], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', PVE_HEALTH: fake } });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  // <state> "<service name>" <metrics or -> <summary>
  for (const l of lines) assert.match(l, /^[0-3] "PVE-Health [^"]+" (-|[a-z_]+=[^ ]+) \S/, l);
  // The aggregate services; per-mount or per-storage services may follow them.
  const names = lines.map((l) => /"([^"]+)"/.exec(l)?.[1]);
  assert.ok(names.includes('PVE-Health DM') && names.includes('PVE-Health mounts'), names.join(', '));
  const none = spawnSync('sh', [wrapper], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', PVE_HEALTH: '/bin/false' },
  });
  assert.equal(none.stdout, '3 "PVE-Health" - pve-health printed nothing (exit 1): run pve-health check on the node\n');
});
