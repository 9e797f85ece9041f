// The whole cluster in one document: per-node check documents (or why a node could not be checked)
// merged, plus the findings no single node can see. Pure: the documents and the time are passed in.
//
// Identity of a shared LV across nodes is (VG name, LV id): every node reads the same LVM metadata
// from the shared PV, so the same LV has the same 32-character id everywhere, while a node-local VG
// of the same name ("pve" on every node) has other ids. Names are never compared: a stale map of an
// old incarnation carries the old id and is a different volume.

import { guestTypesOf } from '../node/guest-index';
import { compareText } from '../text/compare-text';
import { worstStatus } from '../vocab/status';
import type { CheckDocument, Grade, Status } from '../vocab/types';
import {
  awayFromHomeFindings,
  migrationReasons,
  sentence,
  sharedVolumeFindings,
  staleIncarnationFindings,
} from './cluster-findings';
import { documentShapeProblem, documentStatus, wrongNodeProblem } from './remote-document';

/** Why a node has no document. */
export type NodeErrorKind =
  | 'offline' // .members says the node is offline: not tried
  | 'ssh-failed' // ssh itself failed (exit 255): refused, no route, host key, permission denied
  | 'timeout' // the node did not answer within the node timeout (killed)
  | 'not-installed' // the remote shell could not find pve-health (exit 127)
  | 'bad-output' // the command ran but did not print a check document the cluster can read
  | 'wrong-node' // the document is another node's (it answers under another name)
  | 'check-failed'; // pve-health ran and could not check (its error message says why)

export interface NodeError {
  kind: NodeErrorKind;
  message: string;
}

/** What the runner learned about one node: a document, or an error. */
export interface NodeResult {
  node: string;
  ip?: string | null;
  /** This is the node the cluster command ran on (checked in-process, not over ssh). */
  local?: boolean;
  /** Online per .members (null: standalone node or unknown). */
  online?: boolean | null;
  doc?: CheckDocument;
  error?: NodeError;
  /** How long the node's check took (ms). */
  ms?: number;
}

import type { ClusterFinding, FindingSeverity } from './cluster-types';
import { onlyCopyFindings } from './only-copy-findings';

export type { ClusterFinding, ClusterFindingKind, ClusterVolume, FindingSeverity } from './cluster-types';

export interface ClusterNode {
  node: string;
  ip: string | null;
  local: boolean;
  online: boolean | null;
  /** The node's check status, or for an unchecked node 3 (1 when it is offline per .members). */
  status: Status;
  /** The node's one grade and score over every part (null: a part could not be checked, or the node). */
  grade: Grade | null;
  score: number | null;
  /** The node's verdict in words ("grade F: 1 duplicate"), or why it could not be checked. */
  summary: string;
  error?: NodeError;
  ms?: number;
}

export interface ClusterDocument {
  schemaVersion: 1;
  kind: 'pve-health-cluster';
  generatedAt: string;
  cluster: { name: string | null; quorate: boolean | null; localNode: string; nodes: number; checked: number };
  nodes: ClusterNode[];
  findings: ClusterFinding[];
  status: Status;
  summary: string;
  /** Full per-node documents (only when asked for: they can be large). */
  documents?: Record<string, CheckDocument>;
  /** Why the scan could not run at all (then status is UNKNOWN and there are no nodes). */
  error?: string;
}

export interface ClusterInput {
  now: Date;
  localNode: string;
  clusterName: string | null;
  /** null for a standalone node (no `cluster` object in .members). */
  quorate: boolean | null;
  results: NodeResult[];
  /**
   * IDs of shared LVM storages (storage.cfg). The node-level reason guest-on-other-node also marks
   * a leftover on a node's local storage that merely carries the name of a guest's disk elsewhere;
   * only shared storages hold a guest's own volume away from home. null: count every storage.
   */
  sharedStorages?: string[] | null;
  includeDocuments?: boolean;
  /**
   * A node's one verdict over every part (core/findings/overall.ts, passed in: findings is a room
   * above this one). It may throw on a document it cannot read: then that node is not checked.
   */
  verdictOf: (doc: CheckDocument) => NodeVerdict;
}

/** What the cluster view shows of a checked node. */
export interface NodeVerdict {
  grade: Grade | null;
  score: number | null;
  /** "grade F: 1 duplicate" / "not graded — could not check …". */
  headline: string;
}

/** A cluster finding's severity as a monitoring state (info: explained, e.g. by a migration). */
export const SEVERITY_STATUS: Record<FindingSeverity, Status> = { critical: 2, warning: 1, unknown: 3, info: 0 };

export function findingStatus(f: Pick<ClusterFinding, 'severity'>): Status {
  return SEVERITY_STATUS[f.severity];
}

function nodeError(r: NodeResult): ClusterNode {
  const offline = r.error?.kind === 'offline';
  return {
    node: r.node,
    ip: r.ip ?? null,
    local: Boolean(r.local),
    online: r.online ?? null,
    status: offline ? 1 : 3,
    grade: null,
    score: null,
    summary: `not checked: ${r.error?.message ?? 'no result'}`,
    ...(r.error ? { error: r.error } : {}),
    ...(r.ms !== undefined ? { ms: Math.round(r.ms) } : {}),
  };
}

function nodeOk(r: NodeResult, doc: CheckDocument, verdict: NodeVerdict): ClusterNode {
  return {
    node: r.node,
    ip: r.ip ?? null,
    local: Boolean(r.local),
    online: r.online ?? null,
    status: documentStatus(doc),
    grade: verdict.grade,
    score: verdict.score,
    summary: verdict.headline,
    ...(r.ms !== undefined ? { ms: Math.round(r.ms) } : {}),
  };
}

/**
 * A node's result as the cluster may believe it: a document of the wrong shape, another node's, or
 * one its verdict cannot be read from makes the node not checked, with the reason (never a crash
 * of the whole view, never another node's findings under this name).
 */
function believe(
  r: NodeResult,
  input: Pick<ClusterInput, 'verdictOf'>,
  names: string[],
): { r: NodeResult; verdict?: NodeVerdict } {
  if (r.error || r.doc === undefined) return { r };
  const fail = (kind: NodeErrorKind, message: string) => ({ r: { ...r, doc: undefined, error: { kind, message } } });
  const shape = documentShapeProblem(r.doc);
  if (shape) return fail('bad-output', `${r.node} printed a check document the cluster cannot read: ${shape}`);
  const wrong = wrongNodeProblem(r.node, r.doc, names);
  if (wrong) return fail('wrong-node', wrong);
  try {
    return { r, verdict: input.verdictOf(r.doc) };
  } catch (e) {
    return fail('bad-output', `the check document of ${r.node} cannot be evaluated: ${(e as Error).message}`);
  }
}

function nodeFindings(results: NodeResult[]): ClusterFinding[] {
  const out: ClusterFinding[] = [];
  for (const r of results) {
    if (r.error) {
      const offline = r.error.kind === 'offline';
      const kind = offline ? 'node-offline' : r.error.kind === 'wrong-node' ? 'node-name-mismatch' : 'node-not-checked';
      out.push({
        id: `${kind}:${r.node}`,
        kind,
        severity: offline ? 'warning' : 'unknown',
        title: offline
          ? `${r.node} is offline (cluster membership)`
          : `${r.node} could not be checked (${r.error.kind})`,
        detail: `${sentence(r.error.message)} Findings across nodes cannot include ${r.node}.`,
        nodes: [r.node],
      });
    }
  }
  return out;
}

const SEVERITY_ORDER: FindingSeverity[] = ['critical', 'unknown', 'warning', 'info'];

export function mergeCluster(input: ClusterInput): ClusterDocument {
  const names = input.results.map((r) => r.node);
  const judged = [...input.results].sort((a, b) => compareText(a.node, b.node)).map((r) => believe(r, input, names));
  const results = judged.map((j) => j.r);
  const nodes = judged.map(({ r, verdict }) => (r.doc && verdict ? nodeOk(r, r.doc, verdict) : nodeError(r)));
  const docs: [string, CheckDocument][] = results.filter((r) => r.doc && !r.error).map((r) => [r.node, r.doc!]);
  const migrating = migrationReasons(docs);
  const shared = input.sharedStorages ? new Set(input.sharedStorages) : null;
  const types = guestTypesOf(docs.map(([, d]) => d));
  const findings: ClusterFinding[] = [
    ...sharedVolumeFindings(docs, migrating, types),
    ...staleIncarnationFindings(docs, shared, types),
    ...awayFromHomeFindings(docs, migrating, shared, types),
    ...onlyCopyFindings(docs, shared),
    ...nodeFindings(results),
  ];
  if (input.quorate === false) {
    findings.push({
      id: 'cluster-not-quorate',
      kind: 'cluster-not-quorate',
      severity: 'warning',
      title: `the cluster is not quorate on ${input.localNode}`,
      detail: `${input.localNode} has no quorum: /etc/pve is read-only here and the node list and online flags may be stale.`,
      nodes: [input.localNode],
    });
  }
  findings.sort(
    (a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || compareText(a.id, b.id),
  );
  const status = worstStatus(...nodes.map((n) => n.status), ...findings.map(findingStatus));
  const doc: ClusterDocument = {
    schemaVersion: 1,
    kind: 'pve-health-cluster',
    generatedAt: input.now.toISOString(),
    cluster: {
      name: input.clusterName,
      quorate: input.quorate,
      localNode: input.localNode,
      nodes: nodes.length,
      checked: docs.length,
    },
    nodes,
    findings,
    status,
    summary: clusterSummary(nodes, findings),
  };
  if (input.includeDocuments) doc.documents = Object.fromEntries(docs);
  return doc;
}

/** "4 nodes, 2 checked (1 offline, 1 not checked); 1 critical, 2 warnings across nodes". */
export function clusterSummary(nodes: ClusterNode[], findings: ClusterFinding[]): string {
  const checked = nodes.filter((n) => !n.error).length;
  const offline = nodes.filter((n) => n.error?.kind === 'offline').length;
  const failed = nodes.length - checked - offline;
  const notes = [offline ? `${offline} offline` : '', failed ? `${failed} not checked` : ''].filter(Boolean);
  const cross = findings.filter(
    (f) => !f.kind.startsWith('node-') && f.kind !== 'cluster-not-quorate' && f.severity !== 'info',
  );
  const count = (sev: FindingSeverity) => cross.filter((f) => f.severity === sev).length;
  const parts = [
    count('critical') ? `${count('critical')} critical` : '',
    count('warning') ? `${count('warning')} warning${count('warning') === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  return `${nodes.length} node${nodes.length === 1 ? '' : 's'}, ${checked} checked${notes.length ? ` (${notes.join(', ')})` : ''}; ${
    parts.length ? `${parts.join(', ')} across nodes` : 'no problems across nodes'
  }`;
}

/**
 * The cluster view when the scan could not run at all (no .members, a config refused, an internal
 * error): UNKNOWN with the reason, one finding saying it, so every output form and the notification
 * say what could not be checked instead of printing nothing.
 */
export function failedClusterDocument(input: {
  now: Date;
  localNode: string | null;
  message: string;
}): ClusterDocument {
  const localNode = input.localNode ?? 'this node';
  return {
    schemaVersion: 1,
    kind: 'pve-health-cluster',
    generatedAt: input.now.toISOString(),
    cluster: { name: null, quorate: null, localNode, nodes: 0, checked: 0 },
    nodes: [],
    findings: [
      {
        id: 'cluster-not-scanned',
        kind: 'cluster-not-scanned',
        severity: 'unknown',
        title: `the cluster could not be scanned from ${localNode}`,
        detail: `${sentence(input.message)} No node was checked.`,
        nodes: input.localNode ? [input.localNode] : [],
      },
    ],
    status: 3,
    summary: `could not scan the cluster: ${input.message}`,
    error: input.message,
  };
}
