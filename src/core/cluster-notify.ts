// `cluster --notify`: the cluster view as a check document for the notification channels. Its node
// is "<cluster> (cluster)", so what the channels were last told about the cluster is kept apart
// from this node's own `check --notify` state; the findings across nodes (src/render/findings.ts
// lists them with the nodes they involve) and the nodes that could not be checked are its findings.
import type { ClusterDocument } from './cluster-merge';
import type { CheckDocument } from './types';

export function clusterNotifyDocument(doc: ClusterDocument): CheckDocument {
  return {
    schemaVersion: 1,
    generatedAt: doc.generatedAt,
    node: `${doc.cluster.name || doc.cluster.localNode} (cluster)`,
    status: doc.status,
    summary: doc.summary,
    source: `cluster:${doc.cluster.localNode}`,
    cluster: { findings: doc.findings, nodes: doc.nodes },
  };
}
