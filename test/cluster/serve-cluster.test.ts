// `serve --cluster` on pve1 of the stand-in cluster: the cluster view on /api/cluster and the
// findings across nodes, with node names, in /metrics (checked by promtool where it is installed).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { renderClusterPrometheus } from '../../src/render/cluster-metrics';
import { parseClusterDocument } from '../../src/serve/cluster-scan';
import { CLI, hasFakenode, SHARED } from '../helpers/cli';
import { findTool } from '../helpers/require-tool';
import { buildCluster } from './fake-cluster';

const skip = hasFakenode ? false : `fakenode not found under ${SHARED}`;
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

const LV = (n: number) => `Lv${n}${'0'.repeat(27)}`;

describe('serve --cluster', { skip }, () => {
  test('/api/cluster and cluster series with node names in /metrics', async () => {
    const c = buildCluster({ build: ['pve1', 'pve2', 'pve3'], withoutBinary: ['pve3'] });
    const child = spawn(
      process.execPath,
      [CLI, '--root', join(c.nodes.pve1, 'root'), 'serve', '--listen', '127.0.0.1:0', '--cluster'],
      {
        env: {
          ...process.env,
          ...c.env,
          PVE_HEALTH_TOKEN: '',
          NO_COLOR: '1',
          PATH: `${c.pathPrefix}:${process.env.PATH}`,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    children.push(child);
    let err = '';
    const base = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (d) => {
        err += d;
        const m = /listening on (http:\/\/[^/]+)\//.exec(err);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    assert.match(err, /cluster scan every 300 s/);
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
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^pve_health_info\{node="pve1"/m, 'the node metrics stay');
    assert.match(metrics, /^pve_health_cluster_scan_ok 1$/m);
    assert.match(metrics, /^pve_health_cluster_status\{cluster="lab",from="pve1"\} 2$/m);
    assert.match(metrics, /^pve_health_cluster_node_status\{node="pve3",error="not-installed"\} 3$/m);
    assert.match(metrics, /^pve_health_cluster_node_status\{node="pve4",error="offline"\} 1$/m);
    assert.match(
      metrics,
      new RegExp(
        `^pve_health_cluster_finding\\{id="shared-lv-open:san/${LV(400)}",kind="shared-lv-open-on-nodes",severity="critical",nodes="pve1,pve2"\\} 1$`,
        'm',
      ),
    );
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
    assert.throws(() => parseClusterDocument('{"kind":"x"}', '', 0), /exited 0 without a result/);
  });
});
