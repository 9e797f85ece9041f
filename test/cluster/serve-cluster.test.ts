// `serve --cluster` on pve1 of the stand-in cluster: the cluster view on /api/cluster and the
// findings across nodes, with node names, in /metrics (checked by promtool where it is installed).
import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import type { ClusterDocument, ClusterFinding } from '../../src/core/cluster/cluster-merge';
import { renderClusterPrometheus } from '../../src/render/cluster-metrics';
import { parseClusterDocument } from '../../src/serve/cluster-scan';
import { CHROMIUM, CHROMIUM_FLAGS } from '../helpers/chromium';
import { CLI, hasFakenode, SHARED, tempDir } from '../helpers/cli';
import { findTool } from '../helpers/require-tool';
import { spawnServe } from '../helpers/serve-cli';
import { buildCluster, type FakeCluster } from './fake-cluster';

const skip = hasFakenode ? false : `fakenode not found under ${SHARED}`;
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

const LV = (n: number) => `Lv${n}${'0'.repeat(27)}`;

/** `serve --cluster` on pve1 of the stand-in cluster, on a free loopback port. */
async function serveCluster(c: FakeCluster): Promise<{ base: string; err: () => string; child: ChildProcess }> {
  const { child, base, stderr } = await spawnServe(
    ['--root', join(c.nodes.pve1, 'root'), 'serve', '--listen', '127.0.0.1:0', '--cluster'],
    {
      env: {
        ...process.env,
        ...c.env,
        PVE_HEALTH_TOKEN: '',
        NO_COLOR: '1',
        PATH: `${c.pathPrefix}:${process.env.PATH}`,
      },
    },
  );
  children.push(child);
  return { base, err: stderr, child };
}

describe('serve --cluster', { skip }, () => {
  test('/api/cluster and cluster series with node names in /metrics', async () => {
    const c = buildCluster({ build: ['pve1', 'pve2', 'pve3'], withoutBinary: ['pve3'] });
    const { base, err, child } = await serveCluster(c);
    assert.match(err(), /cluster scan every 300 s/);
    let doc: { kind: string; nodes: { node: string; error?: { kind: string } }[] } | null = null;
    for (let i = 0; i < 300 && !doc; i++) {
      const r = await fetch(`${base}/api/cluster`);
      const body = await r.text();
      if (r.status === 200) doc = JSON.parse(body);
      else {
        assert.equal(r.status, 503);
        await new Promise((ok) => setTimeout(ok, 100));
      }
    }
    assert.ok(doc, 'no cluster document');
    assert.equal(doc.kind, 'pve-health-cluster');
    assert.deepEqual(
      doc.nodes.map((n) => `${n.node} ${n.error?.kind ?? 'ok'}`),
      ['pve1 ok', 'pve2 ok', 'pve3 not-installed', 'pve4 offline'],
    );
    // The node's own first scans run beside the cluster scan and may end after it (under load they do):
    // the node's series are read once both parts have been scanned.
    let metrics = '';
    for (let i = 0; i < 600; i++) {
      metrics = await (await fetch(`${base}/metrics`)).text();
      if (/^pve_health_up\{part="dm"\} 1$/m.test(metrics) && /^pve_health_up\{part="volumes"\} 1$/m.test(metrics))
        break;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    assert.match(metrics, /^pve_health_info\{node="pve1"/m, 'the node metrics stay');
    assert.match(metrics, /^pve_health_up\{part="dm"\} 1$/m, 'the first dm scan ended');
    assert.match(metrics, /^pve_health_cluster_scan_ok 1$/m);
    assert.match(metrics, /^pve_health_cluster_status\{cluster="lab",from="pve1"\} 2$/m);
    assert.match(metrics, /^pve_health_cluster_node_status\{node="pve3",error="not-installed",id="node\/pve3"\} 3$/m);
    assert.match(metrics, /^pve_health_cluster_node_status\{node="pve4",error="offline",id="node\/pve4"\} 1$/m);
    // The findings across nodes, one series per node, with the guest's id as prometheus-pve-exporter has it.
    for (const node of ['pve1', 'pve2'])
      assert.match(
        metrics,
        new RegExp(
          `^pve_health_cluster_finding\\{finding="shared-lv-open:san/${LV(400)}",kind="shared-lv-open-on-nodes",severity="critical",node="${node}",id="qemu/400",vmid="400"\\} 1$`,
          'm',
        ),
      );
    // They join the node's own series on id: pve1's guest 400 is in both.
    assert.match(metrics, /^pve_health_guest_issues\{id="qemu\/400",/m);
    const promtool = findTool('promtool');
    if (promtool) {
      const r = spawnSync(promtool, ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    }
    child.kill('SIGTERM');
  });

  test('without --cluster there is no cluster view; --cluster does not go with --demo', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--demo', '--cluster'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 64);
    assert.match(r.stderr, /--cluster scans the live nodes/);
  });
});

const noChromium = !existsSync(CHROMIUM) || !findTool('chromium') ? 'chromium not installed (.ci/apt-packages)' : false;
if (noChromium && process.env.CI) throw new Error(`${noChromium}: required in CI`);

describe('serve --cluster: the dashboard in chromium', { skip: skip || noChromium }, () => {
  test('shows every node and the findings across nodes with their nodes, as cluster --json has them', async () => {
    const c = buildCluster({ build: ['pve1', 'pve2', 'pve3'], withoutBinary: ['pve3'] });
    // What the page must show comes from a separate run of the CLI, not from the service under test.
    const run = spawnSync(process.execPath, [CLI, '--root', join(c.nodes.pve1, 'root'), 'cluster', '--json'], {
      env: { ...process.env, ...c.env, NO_COLOR: '1', PATH: `${c.pathPrefix}:${process.env.PATH}` },
      encoding: 'utf8',
    });
    const expected = JSON.parse(run.stdout) as ClusterDocument;
    const across = expected.findings.filter((f) => !f.kind.startsWith('node-'));
    assert.ok(
      across.some((f) => f.kind === 'shared-lv-open-on-nodes'),
      'the fixture has two writers',
    );

    const { base, child } = await serveCluster(c);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`${base}/`);
      // The first scan may finish after the page loaded: the page picks it up on a refresh.
      for (let i = 0; i < 60 && !(await page.$('body[data-cluster-loaded]')); i++) {
        await page.waitForTimeout(500);
        await page.click('#refresh');
      }
      await page.waitForSelector('body[data-cluster-loaded]', { timeout: 5000 });
      assert.equal(await page.isVisible('#cluster-section'), true);
      assert.match((await page.textContent('#cluster-name')) ?? '', /lab \(from pve1\)/);
      assert.equal(
        (await page.textContent('#cluster-summary'))?.trim(),
        `${['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'][expected.status]} ${expected.summary}`,
      );
      assert.deepEqual(
        await page.locator('#cluster-nodes tbody td:first-child').allTextContents(),
        expected.nodes.map((n) => n.node),
      );
      const rows = await page.locator('#cluster-nodes tbody tr').allInnerTexts();
      assert.match(rows.find((r) => r.startsWith('pve1')) ?? '', /^pve1\slocal\s/);
      assert.match(rows.find((r) => r.startsWith('pve3')) ?? '', /UNKNOWN\s.*not-installed/);
      assert.match(rows.find((r) => r.startsWith('pve4')) ?? '', /WARNING\s.*offline/);
      const items = page.locator('#cluster-findings > li');
      assert.equal(await items.count(), across.length);
      for (const [i, f] of across.entries()) {
        const text = (await items.nth(i).textContent()) ?? '';
        assert.ok(text.includes(f.title), `finding ${i}: ${f.title}`);
        assert.ok(text.includes(`Nodes: ${f.nodes.join(', ')}`), `finding ${i} names its nodes`);
        assert.ok(text.startsWith(f.severity), `finding ${i} is tagged ${f.severity}`);
      }
      const shot = join(tempDir('pve-health-cluster-shot-'), 'dashboard-cluster.png');
      await page.screenshot({ path: shot, fullPage: true });
      process.stderr.write(`# cluster dashboard screenshot: ${shot}\n`);
      assert.deepEqual(errors, [], 'no script errors, no failed requests');
    } finally {
      await browser.close();
      child.kill('SIGTERM');
    }
  });
});

describe('cluster metrics and scan parsing', () => {
  test('a failed first scan: scan_ok 0 and nothing else; bad output is an error', () => {
    assert.equal(
      renderClusterPrometheus({ doc: null, error: 'boom', lastScanSeconds: 1700000000 }),
      [
        '# HELP pve_health_cluster_scan_ok Whether the last cluster scan of serve --cluster produced a document (1) or failed (0).',
        '# TYPE pve_health_cluster_scan_ok gauge',
        'pve_health_cluster_scan_ok 0',
        '# HELP pve_health_cluster_last_scan_timestamp_seconds End of the last cluster scan.',
        '# TYPE pve_health_cluster_last_scan_timestamp_seconds gauge',
        'pve_health_cluster_last_scan_timestamp_seconds 1700000000',
        '',
      ].join('\n'),
    );
    assert.throws(() => parseClusterDocument('', 'pve-health: cannot read /etc/pve/.members\n', 3), /cannot read/);
  });

  test('finding series: one per node involved; id as prometheus-pve-exporter names guests, nodes and the cluster', () => {
    const f = (over: Partial<ClusterFinding> & Pick<ClusterFinding, 'id' | 'kind' | 'nodes'>): ClusterFinding => ({
      severity: 'warning',
      title: 't',
      detail: 'd',
      ...over,
    });
    const doc = {
      cluster: { name: 'lab', quorate: false, localNode: 'pve1', nodes: 2, checked: 2 },
      nodes: [],
      status: 1,
      findings: [
        f({ id: 'guest-away:101', kind: 'guest-active-away-from-home', nodes: ['pve2'], vmid: 101, guestType: 'lxc' }),
        // A guest whose type no document knew: no id rather than a wrong one.
        f({ id: 'shared-lv-active:san/x', kind: 'shared-lv-active-on-nodes', nodes: ['pve1', 'pve2'], vmid: 150 }),
        f({ id: 'cluster-not-quorate', kind: 'cluster-not-quorate', nodes: ['pve1'] }),
        f({ id: 'node-name-mismatch:pve2', kind: 'node-name-mismatch', nodes: ['pve2'] }),
      ],
    } as unknown as ClusterDocument;
    const lines = renderClusterPrometheus({ doc, error: null, lastScanSeconds: 1 })
      .split('\n')
      .filter((l) => l.startsWith('pve_health_cluster_finding{'))
      .map((l) => l.replace(/kind="[^"]*",severity="[^"]*",/, ''));
    assert.deepEqual(lines, [
      'pve_health_cluster_finding{finding="guest-away:101",node="pve2",id="lxc/101",vmid="101"} 1',
      'pve_health_cluster_finding{finding="shared-lv-active:san/x",node="pve1",id="",vmid="150"} 1',
      'pve_health_cluster_finding{finding="shared-lv-active:san/x",node="pve2",id="",vmid="150"} 1',
      'pve_health_cluster_finding{finding="cluster-not-quorate",node="pve1",id="cluster/lab",vmid=""} 1',
      'pve_health_cluster_finding{finding="node-name-mismatch:pve2",node="pve2",id="node/pve2",vmid=""} 1',
    ]);
    assert.throws(() => parseClusterDocument('{"kind":"x"}', '', 0), /exited 0 without a result/);
  });
});
