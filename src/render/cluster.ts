// Console and Nagios output of `pve-health cluster`: one row per node (status, grade, summary or
// why it could not be checked), then the findings across nodes. Pure.
import { type ClusterDocument, type ClusterFinding, findingStatus } from '../core/cluster/cluster-merge';
import { STATUS_WORD } from '../core/vocab/status';
import type { Status } from '../core/vocab/types';
import { clean as checkmkClean, metrics as checkmkMetrics } from './checkmk';
import { sanitizeDeep } from './sanitize';
import { paint, renderTable, STATUS_STYLE, type TextOptions } from './text';

/** A cluster finding's word: its state's, or INFO for one a migration explains. */
function severityWord(f: ClusterFinding): string {
  return f.severity === 'info' ? 'INFO' : STATUS_WORD[findingStatus(f)];
}

function nodeWhere(n: ClusterDocument['nodes'][number]): string {
  if (n.local) return 'local';
  return n.ip ?? '-';
}

// Node names, summaries and errors come from other nodes (.members, their documents, their stderr):
// every text form shows their control characters as escapes, so no name forges a row or a status line.
export function renderClusterText(raw: ClusterDocument, o: TextOptions): string {
  const doc = sanitizeDeep(raw);
  const c = doc.cluster;
  const title = `pve-health cluster${c.name ? ` ${c.name}` : ''} (from ${c.localNode}) — ${STATUS_WORD[doc.status]}: ${doc.summary}`;
  const out = [paint(title, STATUS_STYLE[doc.status], o.color), ''];
  const rows = doc.nodes.map((n) => [n.node, nodeWhere(n), STATUS_WORD[n.status], n.grade ?? '-', nodeText(n)]);
  out.push(
    renderTable(
      ['NODE', 'VIA', 'STATUS', 'GRADE', 'SUMMARY'],
      rows,
      (r, col) => (col === 2 ? STATUS_STYLE[doc.nodes[r].status] : null),
      o.color,
    ),
  );
  const shown = o.quiet ? doc.findings.filter((f) => f.severity !== 'info') : doc.findings;
  out.push('');
  if (shown.length === 0) {
    out.push(paint('No findings across nodes.', 'green', o.color));
  } else {
    out.push(paint(`Findings across nodes (${shown.length})`, 'bold', o.color));
    for (const f of shown) {
      const st = findingStatus(f);
      out.push(
        `${paint('●', f.severity === 'info' ? 'gray' : STATUS_STYLE[st], o.color)} ${paint(severityWord(f), f.severity === 'info' ? 'gray' : STATUS_STYLE[st], o.color)} ${f.title}`,
      );
      out.push(`    ${f.detail}`);
      for (const v of f.volumes ?? []) {
        out.push(
          paint(
            `    ${v.vg}/${v.lv}  LV UUID ${v.lvUuid}  active: ${v.activeOn.join(', ') || '-'}  open: ${v.openOn.join(', ') || '-'}`,
            'dim',
            o.color,
          ),
        );
      }
    }
  }
  if (doc.cluster.checked < doc.cluster.nodes) {
    out.push('', paint('Nodes that were not checked are left out of the findings across nodes.', 'dim', o.color));
  }
  return `${out.join('\n')}\n`;
}

/** Nagios plugin text only with what a plugin line may hold: no '|' outside perfdata, no newlines. */
function clean(text: string): string {
  return text.replace(/\|/g, '/').replace(/[\r\n\t]+/g, ' ');
}

/** Counts of nodes by state and of findings across nodes by severity (Nagios perfdata, Checkmk metrics). */
function clusterCounts(doc: ClusterDocument) {
  const count = (s: Status) => doc.nodes.filter((n) => n.status === s).length;
  const sev = (s: ClusterFinding['severity']) =>
    doc.findings.filter((f) => f.severity === s && !f.kind.startsWith('node-') && f.kind !== 'cluster-not-quorate')
      .length;
  return { count, sev };
}

/** A node's line: its verdict, or why it could not be checked. */
function nodeText(n: ClusterDocument['nodes'][number]): string {
  return n.error ? `${n.error.kind}: ${n.error.message}` : n.summary;
}

/** A finding that is not already a node's own line (unchecked, offline, answering as another node). */
function isCrossNode(f: ClusterFinding): boolean {
  return f.kind !== 'node-not-checked' && f.kind !== 'node-offline' && f.kind !== 'node-name-mismatch';
}

/**
 * Checkmk local checks from the node that runs the scan: "PVE-Health cluster" (the cluster's state,
 * the counts, the findings across nodes as long output) and one "PVE-Health cluster node <name>"
 * per node with its verdict or why it could not be checked.
 */
export function renderClusterCheckmk(raw: ClusterDocument): string {
  const doc = sanitizeDeep(raw);
  const { count, sev } = clusterCounts(doc);
  const values = [
    { label: 'nodes', value: doc.cluster.nodes, min: 0 },
    { label: 'nodes_checked', value: doc.cluster.checked, min: 0, max: doc.cluster.nodes },
    { label: 'nodes_unknown', value: count(3), min: 0 },
    { label: 'cluster_critical', value: sev('critical'), min: 0 },
    { label: 'cluster_warning', value: sev('warning'), min: 0 },
  ];
  const details = doc.findings
    .filter(isCrossNode)
    .map((f) => `\\n${checkmkClean(`${severityWord(f)} ${f.title}`)}`)
    .join('');
  const lines = [
    `${doc.status} "PVE-Health cluster" ${checkmkMetrics(values)} ${checkmkClean(doc.summary)}${details}`,
    ...doc.nodes.map(
      (n) =>
        `${n.status} "${checkmkClean(`PVE-Health cluster node ${n.node}`).replace(/"/g, "'")}" - ${checkmkClean(`${STATUS_WORD[n.status]}: ${nodeText(n)}`)}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

export function renderClusterNagios(raw: ClusterDocument): string {
  const doc = sanitizeDeep(raw);
  const { count, sev } = clusterCounts(doc);
  const perf = [
    `nodes=${doc.cluster.nodes};;;0`,
    `nodes_checked=${doc.cluster.checked};;;0;${doc.cluster.nodes}`,
    `nodes_ok=${count(0)};;;0`,
    `nodes_warning=${count(1)};0;;0`,
    `nodes_critical=${count(2)};;0;0`,
    `nodes_unknown=${count(3)};;;0`,
    `cluster_critical=${sev('critical')};;0;0`,
    `cluster_warning=${sev('warning')};0;;0`,
  ].join(' ');
  const lines = [
    `${STATUS_WORD[doc.status]}: ${clean(`cluster${doc.cluster.name ? ` ${doc.cluster.name}` : ''}: ${doc.summary}`)} | ${perf}`,
  ];
  for (const n of doc.nodes) {
    lines.push(clean(`[${STATUS_WORD[n.status]}] ${n.node}: ${nodeText(n)}`));
  }
  for (const f of doc.findings) {
    // Unchecked and offline nodes already have their own line above.
    if (!isCrossNode(f)) continue;
    lines.push(clean(`[${severityWord(f)}] ${f.title}: ${f.detail}`));
  }
  return `${lines.join('\n')}\n`;
}
