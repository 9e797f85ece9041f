// Prometheus text for the cluster view (`serve --cluster`'s /metrics, `cluster --format prometheus`
// and `cluster --textfile`): the status of every node as this node sees it over ssh, and every
// finding across nodes, one series per node it involves. Node names are labels here (unlike the
// per-node metrics, where the scrape's instance tells nodes apart), so one scrape of one node shows
// which peer could not be checked and which two nodes hold an LV open. `id` is what
// prometheus-pve-exporter calls the same object ("qemu/100", "lxc/101", "node/pve1",
// "cluster/lab"), so a finding joins its guest's or node's PVE series. Pure: the scan's time and
// error are passed in.
import type { ClusterDocument, ClusterFinding } from '../core/cluster/cluster-merge';
import { Exposition } from './exposition';

const SEVERITIES = ['critical', 'warning', 'unknown', 'info'] as const;

export interface ClusterMetricsState {
  /** The last cluster document, or null before the first scan finished. */
  doc: ClusterDocument | null;
  /** Unix seconds of the last finished scan. */
  lastScanSeconds: number | null;
  /** Why the last scan failed (the previous document is still shown), or null. */
  error: string | null;
}

export function renderClusterPrometheus(s: ClusterMetricsState): string {
  const x = new Exposition();
  const d = s.doc;
  x.family(
    'pve_health_cluster_scan_ok',
    'Whether the last cluster scan of serve --cluster produced a document (1) or failed (0).',
    [[{}, s.error || !d ? 0 : 1]],
  );
  if (s.lastScanSeconds !== null)
    x.family('pve_health_cluster_last_scan_timestamp_seconds', 'End of the last cluster scan.', [
      [{}, s.lastScanSeconds],
    ]);
  if (!d) return x.text();
  x.family('pve_health_cluster_status', 'Worst status across the cluster: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.', [
    [{ cluster: d.cluster.name, from: d.cluster.localNode }, d.status],
  ]);
  x.family(
    'pve_health_cluster_node_status',
    'Status of each node as seen from this one (3: could not be checked; error says why).',
    d.nodes.map((n) => [{ node: n.node, error: n.error?.kind ?? '', id: `node/${n.node}` }, n.status]),
  );
  x.family(
    'pve_health_cluster_findings',
    'Findings across nodes by severity.',
    SEVERITIES.map((sev) => [{ severity: sev }, d.findings.filter((f) => f.severity === sev).length]),
  );
  x.family(
    'pve_health_cluster_finding',
    'One series per finding across nodes and node it involves (value 1); finding is its stable id, id the PVE object it is about (qemu/100, node/pve3).',
    d.findings.flatMap((f) =>
      f.nodes.map((node): [Record<string, string>, number] => [
        {
          finding: f.id,
          kind: f.kind,
          severity: f.severity,
          node,
          id: pveId(f, d.cluster.name),
          vmid: f.vmid === undefined ? '' : String(f.vmid),
        },
        1,
      ]),
    ),
  );
  return x.text();
}

/** prometheus-pve-exporter's id of what a finding is about; '' for a guest of unknown type or a bare LV. */
export function pveId(f: ClusterFinding, cluster: string | null): string {
  if (f.vmid !== undefined) return f.guestType ? `${f.guestType}/${f.vmid}` : '';
  if (f.kind === 'cluster-not-quorate') return cluster ? `cluster/${cluster}` : '';
  if (f.kind.startsWith('node-')) return f.nodes.length === 1 ? `node/${f.nodes[0]}` : '';
  return '';
}
