// `cluster --notify`: the cluster view as a check document for the notification channels. Its node
// is "<cluster> (cluster)", so what the channels were last told about the cluster is kept apart
// from this node's own `check --notify` state; the findings across nodes (src/core/findings/findings.ts
// lists them with the nodes they involve), the nodes that could not be checked, and every checked
// node whose own check is not OK are its findings. Without the last, a stale map on one node would
// make the cluster CRITICAL with nothing in the message saying where.

import { STATUS_WORD } from '../vocab/status';
import type { CheckDocument, Status } from '../vocab/types';
import type { ClusterDocument, ClusterFinding, ClusterNode } from './cluster-merge';

const STATUS_SEVERITY: Record<Status, ClusterFinding['severity'] | null> = {
  0: null,
  1: 'warning',
  2: 'critical',
  3: 'unknown',
};

/** A checked node's own status as a finding; its id carries the severity, so a change is news. */
export function nodeStatusFinding(n: ClusterNode): ClusterFinding | null {
  const severity = STATUS_SEVERITY[n.status];
  if (n.error || !severity) return null;
  return {
    id: `node-status:${n.node}:${severity}`,
    kind: 'node-status',
    severity,
    title: `${n.node} reports ${STATUS_WORD[n.status]}: ${n.summary}`,
    detail: `The check of ${n.node} itself is ${STATUS_WORD[n.status]}; 'pve-health check' on ${n.node} lists the findings and their fixes.`,
    nodes: [n.node],
  };
}

export function clusterNotifyDocument(doc: ClusterDocument): CheckDocument {
  const perNode = doc.nodes.map(nodeStatusFinding).filter((f): f is ClusterFinding => f !== null);
  return {
    schemaVersion: 1,
    generatedAt: doc.generatedAt,
    node: `${doc.cluster.name || doc.cluster.localNode} (cluster)`,
    status: doc.status,
    summary: doc.summary,
    source: `cluster:${doc.cluster.localNode}`,
    cluster: { findings: [...doc.findings, ...perNode], nodes: doc.nodes },
  };
}
