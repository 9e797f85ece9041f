// `serve --cluster`: a child `pve-health cluster --json` on an interval, and what the router serves of its
// last result (/api/cluster, the cluster series in /metrics, the scan's state on /health).

import { UsageError } from '../core/vocab/errors';
import { selfCommand } from '../host/self-command';
import { renderClusterPrometheus } from '../render/cluster-metrics';
import { createClusterScanner } from '../serve/cluster-scan';
import type { CommandContext } from './command';
import type { Session } from './node-session';

export const DEFAULT_CLUSTER_INTERVAL_S = 300;

type ClusterScanner = ReturnType<typeof createClusterScanner>;

/** serve --cluster: a child `pve-health cluster --json` with our --root/--config on an interval. */
export function makeClusterScanner(ctx: CommandContext, s: Session) {
  const g = ctx.global;
  if (g.demo || g.from) throw new UsageError('--cluster scans the live nodes; it does not go with --demo or --from');
  const cli = ctx.values['cluster-interval'];
  const intervalS = cli === undefined ? (s.config.cluster?.scan_interval ?? DEFAULT_CLUSTER_INTERVAL_S) : Number(cli);
  if (!Number.isFinite(intervalS) || intervalS < 10 || intervalS > 86_400)
    throw new UsageError(`--cluster-interval must be seconds between 10 and 86400 (got '${cli}')`);
  const scanner = createClusterScanner({
    exec: s.host.exec,
    argv: [
      ...selfCommand(),
      ...(g.root !== '/' ? ['--root', g.root] : []),
      ...(g.config ? ['--config', g.config] : []),
      'cluster',
      '--json',
    ],
    intervalMs: intervalS * 1000,
    // Each node is bounded by node_timeout in the child; this only catches the unexpected.
    timeoutMs: 30 * 60_000,
    env: { ...ctx.io.env, PVE_HEALTH_TOKEN: '' },
    now: () => new Date(),
  });
  return { scanner, intervalS };
}

/** The router's cluster views of the scanner's last result. */
export function clusterViews(scanner: ClusterScanner) {
  return {
    json: () => {
      const d = scanner.state().doc;
      return d ? JSON.stringify(d) : null;
    },
    metrics: () => renderClusterPrometheus(scanner.state()),
    report: () => {
      const st = scanner.state();
      return {
        scans: st.scans,
        running: st.running,
        error: st.error,
        lastScanAt: st.lastScanSeconds === null ? null : new Date(st.lastScanSeconds * 1000).toISOString(),
        hasDocument: st.doc !== null,
      };
    },
  };
}
