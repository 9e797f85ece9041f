import { basename, dirname } from 'node:path';
import { type ClusterDocument, failedClusterDocument, mergeCluster } from '../../core/cluster/cluster-merge';
import { clusterNotifyDocument } from '../../core/cluster/cluster-notify';
import { overallOf } from '../../core/findings/overall';
import { isCheckFailure, UsageError } from '../../core/vocab/errors';
import { readMembers, readSharedLvmStorages } from '../../host/read-members';
import {
  checkClusterNodes,
  clusterTargets,
  DEFAULT_CONNECT_TIMEOUT_S,
  DEFAULT_NODE_TIMEOUT_MS,
  DEFAULT_REMOTE_COMMAND,
} from '../../host/remote-check';
import { writeTextfile } from '../../host/write-textfile';
import { renderClusterCheckmk, renderClusterNagios, renderClusterText } from '../../render/cluster';
import { renderClusterPrometheus } from '../../render/cluster-metrics';
import { sanitizeDeep } from '../../render/sanitize';
import { type CommandContext, defineCommand } from '../command';
import { mountsPart, volumesPart } from '../gather-parts';
import { mountTimeoutMs } from '../mounts-pipeline';
import { dmPart, documentFor, loadFor, openSession, type Session } from '../node-session';
import type { OptionSpec } from '../options';
import { notifyAfterCheck } from './notify';

/** Beside check's pve-health.prom: the cluster view is written by one node's timer, the node view by every node's. */
export const CLUSTER_TEXTFILE_NAME = 'pve-health-cluster.prom';

/**
 * Where --textfile writes: a path ending in .prom is the file itself (node_exporter's collector reads
 * only *.prom); anything else is the collector's directory, as for 'check --textfile DIR'.
 */
export function clusterTextfile(path: string): { dir: string; name: string } {
  return path.endsWith('.prom')
    ? { dir: dirname(path), name: basename(path) }
    : { dir: path, name: CLUSTER_TEXTFILE_NAME };
}

function seconds(ctx: CommandContext, name: string): number | undefined {
  const raw = ctx.values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 3600)
    throw new UsageError(`--${name} must be a number of seconds between 0 and 3600 (got '${raw}')`);
  return n;
}

const CLUSTER_OPTIONS = {
  nodes: { type: 'string' },
  timeout: { type: 'string' },
  'connect-timeout': { type: 'string' },
  documents: { type: 'boolean' },
  notify: { type: 'boolean' },
  textfile: { type: 'string' },
} as const satisfies OptionSpec;

export const clusterCommand = defineCommand({
  name: 'cluster',
  usage:
    'cluster [--json|--format text|json|nagios|checkmk|prometheus] [--nodes LIST] [--timeout SEC] [--connect-timeout SEC] [--documents] [--notify] [--textfile DIR|FILE.prom]',
  examples: [
    'cluster',
    'cluster --nodes pve1,pve2 --timeout 60',
    'cluster --json',
    'cluster --notify',
    '# from a timer on one node:',
    'cluster -q --notify \\\n      --textfile /var/lib/prometheus/node-exporter',
    'cluster --format prometheus',
  ],
  help: `Reads the nodes from /etc/pve/.members, checks this node in-process and every other online node
with 'ssh root@<node> pve-health check --json' (the cluster's root ssh trust, BatchMode, in parallel),
and adds what no single node sees: one shared LV open on two nodes (two writers), active on two
nodes, a guest's volumes mapped away from its home node, and nodes that could not be checked.

Options:
  --nodes LIST           Only these nodes (comma separated)
  --timeout SEC          Per-node deadline for ssh and the remote check (default ${DEFAULT_NODE_TIMEOUT_MS / 1000}; [cluster] node_timeout)
  --connect-timeout SEC  The ssh ConnectTimeout (default ${DEFAULT_CONNECT_TIMEOUT_S}; [cluster] ssh_connect_timeout)
  --documents            With --json: include every node's full check document
  --notify               Send the findings across nodes (with their node names) to the [notify]
                         channels when they changed, as "<cluster> (cluster)"; the exit code stays the cluster's
  --textfile DIR|FILE    Also write the cluster metrics for node_exporter's textfile collector: to
                         DIR/${CLUSTER_TEXTFILE_NAME}, or to FILE when it ends in .prom (atomically,
                         replaced on every run; a missing directory is an error, exit 3)
Formats: text, json, nagios, checkmk (local checks "PVE-Health cluster" and one per node) and
prometheus (the cluster families serve --cluster exports: node labels, and id="qemu/100" /
"node/pve3" as prometheus-pve-exporter names guests and nodes). A node whose answer cannot be
read (junk, truncated, another shape, too large, another node's name) is UNKNOWN with the reason;
the others are reported as usual. A scan that cannot run at all prints UNKNOWN with the reason.
The remote program is [cluster] remote_command (default '${DEFAULT_REMOTE_COMMAND}').`,
  options: CLUSTER_OPTIONS,
  refusesGlobals: ['demo', 'from'],
  async run(ctx) {
    const g = ctx.global;
    if (g.from || g.demo)
      // A demo or a capture is one node's data: there are no other nodes to ask, so no cluster to scan.
      throw new UsageError(
        `cluster asks every live node over ssh; ${g.demo ? 'the demo is' : 'a capture is'} one node's data: try 'pve-health check ${g.demo ? '--demo' : '--from FILE'}' (the cross-node findings need the nodes themselves)`,
      );
    let s: Session | null = null;
    const now = () => s?.host.now() ?? new Date();
    // The same families serve --cluster exports (node and id labels join the per-node and PVE metrics).
    const metrics = (doc: ClusterDocument | null, error: string | null) =>
      renderClusterPrometheus({ doc, lastScanSeconds: Math.floor(now().getTime() / 1000), error });
    let doc: ClusterDocument;
    let scanError: string | null = null;
    try {
      s = openSession(ctx);
      doc = await scanCluster(ctx, s);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      // Every exit path answers in the format asked for: UNKNOWN with the reason, never an empty stdout.
      scanError = isCheckFailure(e) ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
      if (!isCheckFailure(e) && ctx.io.env.PVE_HEALTH_DEBUG) ctx.io.err(`${(e as Error)?.stack}\n`);
      ctx.io.err(`pve-health: ${scanError}\n`);
      doc = failedClusterDocument({ now: now(), localNode: localNodeName(s), message: scanError });
    }
    // Never an empty scrape, never last run's file exported as if current: a failed scan is scan_ok 0.
    const prom = scanError === null ? metrics(doc, null) : metrics(null, scanError);
    if (g.format === 'json') ctx.io.out(`${JSON.stringify(doc, null, 2)}\n`);
    else if (g.format === 'nagios') ctx.io.out(renderClusterNagios(doc));
    else if (g.format === 'checkmk') ctx.io.out(renderClusterCheckmk(doc));
    else if (g.format === 'prometheus') ctx.io.out(prom);
    else ctx.io.out(renderClusterText(doc, { color: g.color, quiet: g.quiet }));
    if (ctx.values.notify && s)
      // The message is plain text with lines of its own: other nodes' names and texts as escapes.
      await notifyAfterCheck(ctx.io, s.host, s.config, clusterNotifyDocument(sanitizeDeep(doc)), { quiet: g.quiet });
    return (await writeClusterTextfile(ctx, prom)) ? doc.status : 3;
  },
});

/** This node's name when .members can be read (for the failed scan's document), else null. */
function localNodeName(s: Session | null): string | null {
  if (!s) return null;
  try {
    return readMembers(s.host).nodename;
  } catch {
    return null;
  }
}

type ClusterContext = CommandContext<typeof CLUSTER_OPTIONS>;

/** With --textfile: replace node_exporter's file (atomically). False, said on stderr, when it could not. */
async function writeClusterTextfile(ctx: ClusterContext, text: string): Promise<boolean> {
  if (ctx.values.textfile === undefined) return true;
  const { dir, name } = clusterTextfile(ctx.values.textfile);
  try {
    await writeTextfile(dir, name, text);
    return true;
  } catch (e) {
    ctx.io.err(`pve-health: could not write the cluster metrics textfile: ${(e as Error).message}\n`);
    return false;
  }
}

/** This node in-process, every other node over ssh, merged with the findings across nodes. */
async function scanCluster(ctx: ClusterContext, s: Session): Promise<ClusterDocument> {
  const members = readMembers(s.host);
  const only = typeof ctx.values.nodes === 'string' ? ctx.values.nodes.split(/[,\s]+/).filter(Boolean) : undefined;
  if (only) {
    const known = clusterTargets(members).map((t) => t.name);
    const unknown = only.filter((n) => !known.includes(n));
    if (unknown.length)
      throw new UsageError(`--nodes: not in /etc/pve/.members: ${unknown.join(', ')} (nodes: ${known.join(', ')})`);
  }
  const cfg = s.config.cluster ?? {};
  const nodeTimeout = seconds(ctx, 'timeout') ?? cfg.node_timeout;
  const results = await checkClusterNodes(
    s.host,
    members,
    {
      connectTimeoutSeconds: seconds(ctx, 'connect-timeout') ?? cfg.ssh_connect_timeout,
      nodeTimeoutMs: nodeTimeout !== undefined ? nodeTimeout * 1000 : undefined,
      remoteCommand: cfg.remote_command,
      concurrency: cfg.concurrency,
      only,
    },
    // This node: the same parts as `pve-health check` (dm, mounts, volumes), without ssh to ourselves.
    async () => {
      const loaded = await loadFor(ctx, s);
      const dm = dmPart(loaded, s.config);
      const mounts = await mountsPart(s.host, s.config, loaded, {
        timeoutMs: mountTimeoutMs(s.host, s.config, undefined),
      });
      const volumes = await volumesPart(s.host, loaded, { mounts });
      return documentFor(loaded, s.host, { dm, mounts, volumes });
    },
  );
  return mergeCluster({
    now: s.host.now(),
    localNode: members.nodename,
    clusterName: members.cluster?.name ?? null,
    quorate: members.cluster ? members.cluster.quorate : null,
    results,
    sharedStorages: readSharedLvmStorages(s.host),
    includeDocuments: Boolean(ctx.values.documents),
    // Every node by the one verdict over every part, as `check` states it (never the DM grade alone).
    verdictOf: (doc) => {
      const o = overallOf(doc);
      return { grade: o.grade, score: o.score, headline: o.headline };
    },
  });
}
