// Run `pve-health check --json` on every online cluster node over ssh, in parallel, each with a
// hard deadline; the node we run on is checked in-process. ssh is called the way PVE itself calls
// it between nodes (pve-cluster src/PVE/SSHInfo.pm: BatchMode, HostKeyAlias=<node name>, the
// node's /etc/pve/nodes/<node>/ssh_known_hosts when it exists, `root@<ip from .members>`), so the
// cluster's existing root ssh trust is all it needs. The ssh program is found on PATH.

import { existsSync } from 'node:fs';
import type { NodeError, NodeResult } from '../core/cluster/cluster-merge';
import { documentShapeProblem } from '../core/cluster/remote-document';
import type { Members } from '../core/parse/pmxcfs';
import { compareText } from '../core/text/compare-text';
import { CommandNotFoundError, lastLine, OutputTooLargeError, TimeoutError } from '../core/vocab/errors';
import type { CheckDocument } from '../core/vocab/types';
import { type Host, hostPath } from './host';
import { pool } from './pool';

export interface RemoteCheckOptions {
  /** ssh ConnectTimeout, seconds (default 5). */
  connectTimeoutSeconds?: number;
  /** Hard deadline for one node's ssh + check, ms (default 60 s); then the ssh process group is killed. */
  nodeTimeoutMs?: number;
  /** The pve-health program on the nodes (default "pve-health"); " check --json" is appended. */
  remoteCommand?: string;
  /** Nodes checked at the same time (default 16). */
  concurrency?: number;
  /** Only these nodes (default: all of .members). */
  only?: string[];
}

export const DEFAULT_CONNECT_TIMEOUT_S = 5;
export const DEFAULT_NODE_TIMEOUT_MS = 60_000;
export const DEFAULT_REMOTE_COMMAND = 'pve-health';
/**
 * The most one node may print, bytes. A check document of a node with 10,000 DM devices is about
 * 20 MB; a node that prints more is broken or hostile, and 16 of them at once must not fill memory.
 */
export const MAX_REMOTE_OUTPUT_BYTES = 64 * 1024 * 1024;

export interface NodeTarget {
  name: string;
  ip: string | null;
  online: boolean | null;
}

/** Seconds the remote side may run past node_timeout before its `timeout` stops it. */
export const REMOTE_GRACE_S = 2;
/** Seconds between the remote `timeout`'s SIGTERM and its SIGKILL. */
export const REMOTE_KILL_AFTER_S = 3;

/** The remote side's own limit, seconds: node_timeout rounded up, plus the grace. */
export function remoteLimitSeconds(opts: Pick<RemoteCheckOptions, 'nodeTimeoutMs'>): number {
  return Math.ceil((opts.nodeTimeoutMs ?? DEFAULT_NODE_TIMEOUT_MS) / 1000) + REMOTE_GRACE_S;
}

/**
 * The remote command line (ssh hands it to the node's login shell as one string). sshd does not end
 * a command when the connection drops, so killing our ssh at the deadline would leave the check
 * running on the node, and a node whose check hangs would collect one more hung check per run.
 * coreutils' `timeout` (Essential on Debian, so on every PVE node) bounds it there: SIGTERM to the
 * check's process group a little after our own deadline (so our verdict stays `timeout`), SIGKILL
 * if it is still there 3 s later. pve-health ends the commands it started when it gets SIGTERM.
 */
export function remoteCommandLine(opts: RemoteCheckOptions): string {
  return `timeout -k ${REMOTE_KILL_AFTER_S} ${remoteLimitSeconds(opts)} ${(opts.remoteCommand ?? DEFAULT_REMOTE_COMMAND).trim()} check --json`;
}

/** The ssh argv for one node. */
export function sshArgv(host: Pick<Host, 'root'>, target: NodeTarget, opts: RemoteCheckOptions): string[] {
  const connect = Math.max(1, Math.round(opts.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_S));
  const knownHosts = hostPath(host, `/etc/pve/nodes/${target.name}/ssh_known_hosts`);
  return [
    'ssh',
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${connect}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `HostKeyAlias=${target.name}`,
    // PVE 8.1+ keeps each node's host key there; older clusters use /etc/pve/priv/known_hosts
    // (linked from root's ~/.ssh/known_hosts), which ssh reads by default.
    ...(existsSync(knownHosts) ? ['-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=none'] : []),
    '--',
    `root@${target.ip ?? target.name}`,
    remoteCommandLine(opts),
  ];
}

/**
 * What one ssh run means. 255 is ssh's own failure; 127 is the remote shell's "command not
 * found"; anything else that printed a check document is a checked node (also exit 3: the document
 * says what it could not check).
 */
// ssh: connect to host 192.0.2.13 port 22: Connection refused
export function classifyRemoteRun(
  node: string,
  run: { code: number; stdout: string; stderr: string },
  remote: string,
): { doc?: CheckDocument; error?: NodeError } {
  const why = lastLine(run.stderr);
  if (run.code === 255) {
    let hint = '';
    if (
      /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(run.stderr)
    ) {
      hint = ` — the node's host key is not known or changed; run 'pvecm updatecerts' on the nodes, or 'ssh root@${node}' once by hand to check`;
    } else if (/Permission denied/i.test(run.stderr)) {
      hint = " — root's key is not authorized on that node (the cluster ssh trust: /etc/pve/priv/authorized_keys)";
    }
    return { error: { kind: 'ssh-failed', message: `ssh failed: ${why || 'exit 255'}${hint}` } };
  }
  if (run.code === 127 && /\btimeout: (command )?not found/.test(run.stderr)) {
    return {
      error: {
        kind: 'check-failed',
        message: `the 'timeout' program (coreutils) was not found on ${node}; it bounds the remote check (${why})`,
      },
    };
  }
  if (run.code === 127) {
    return {
      error: {
        kind: 'not-installed',
        message: `'${remote}' was not found on ${node} (${why || 'exit 127'}): install the pve-health package there, or set [cluster] remote_command to its full path`,
      },
    };
  }
  // 124: the remote `timeout` stopped the check (our own deadline normally ends ssh before that).
  if (run.code === 124 && !run.stdout.trim()) {
    return {
      error: {
        kind: 'timeout',
        message: `the check on ${node} was stopped there by its time limit (timeout exit 124)`,
      },
    };
  }
  const text = run.stdout.trim();
  if (!text) {
    return {
      error: {
        kind: 'check-failed',
        message: `the check on ${node} failed (exit ${run.code}): ${why || 'no message'}`,
      },
    };
  }
  let parsed: unknown;
  let notJson = '';
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    notJson = (e as Error).message;
  }
  // What the node printed is untrusted: only a document of the right shape is read any further.
  const problem = notJson ? `it is not JSON (${notJson})` : documentShapeProblem(parsed);
  if (!problem) return { doc: parsed as CheckDocument };
  const versionHint =
    !notJson && (parsed as { schemaVersion?: unknown })?.schemaVersion !== 1
      ? '; is pve-health there a different version?'
      : '';
  const first = text.split('\n')[0].slice(0, 120);
  return {
    error: {
      kind: 'bad-output',
      message: `${node} did not print a check document the cluster can read (exit ${run.code}): ${problem}${versionHint}; it begins "${first}"${why ? `; stderr: ${why}` : ''}`,
    },
  };
}

export async function checkRemoteNode(host: Host, target: NodeTarget, opts: RemoteCheckOptions): Promise<NodeResult> {
  const argv = sshArgv(host, target, opts);
  const timeoutMs = opts.nodeTimeoutMs ?? DEFAULT_NODE_TIMEOUT_MS;
  const started = performance.now();
  const base = { node: target.name, ip: target.ip, online: target.online, local: false };
  try {
    const run = await host.exec(argv, {
      timeoutMs,
      okCodes: 'any',
      env: host.env,
      maxOutputBytes: MAX_REMOTE_OUTPUT_BYTES,
    });
    const r = classifyRemoteRun(target.name, run, (opts.remoteCommand ?? DEFAULT_REMOTE_COMMAND).trim());
    return { ...base, ...r, ms: performance.now() - started };
  } catch (e) {
    const ms = performance.now() - started;
    if (e instanceof TimeoutError) {
      return {
        ...base,
        ms,
        error: {
          kind: 'timeout',
          message: `no answer within ${timeoutMs / 1000} s (ssh was killed here; the check on the node ends at its own limit, ${remoteLimitSeconds(opts)} s)`,
        },
      };
    }
    if (e instanceof OutputTooLargeError) {
      return {
        ...base,
        ms,
        error: {
          kind: 'bad-output',
          message: `${target.name} ${e.message.replace(/^\S+ /, '')}: not a check document (ssh was killed)`,
        },
      };
    }
    if (e instanceof CommandNotFoundError) {
      return { ...base, ms, error: { kind: 'ssh-failed', message: 'ssh is not installed here (not found on PATH)' } };
    }
    return { ...base, ms, error: { kind: 'ssh-failed', message: `ssh could not run: ${(e as Error).message}` } };
  }
}

/** The nodes to check, from .members (a standalone node is a cluster of one). */
export function clusterTargets(members: Members, only?: string[]): NodeTarget[] {
  const list: NodeTarget[] = members.cluster
    ? members.nodes.map((n) => ({ name: n.name, ip: n.ip, online: n.online }))
    : [{ name: members.nodename, ip: null, online: null }];
  if (!list.some((n) => n.name === members.nodename)) list.push({ name: members.nodename, ip: null, online: true });
  list.sort((a, b) => compareText(a.name, b.name));
  return only?.length ? list.filter((n) => only.includes(n.name)) : list;
}

/**
 * Check every node: offline nodes are not tried (reported as offline), the local node runs
 * `checkLocal` in this process, the others go over ssh in parallel.
 */
export async function checkClusterNodes(
  host: Host,
  members: Members,
  opts: RemoteCheckOptions,
  checkLocal: () => Promise<CheckDocument>,
): Promise<NodeResult[]> {
  const targets = clusterTargets(members, opts.only);
  return pool(targets, opts.concurrency ?? 16, async (t): Promise<NodeResult> => {
    if (t.name === members.nodename) {
      const started = performance.now();
      try {
        const doc = await checkLocal();
        return { node: t.name, ip: t.ip, online: t.online, local: true, doc, ms: performance.now() - started };
      } catch (e) {
        return {
          node: t.name,
          ip: t.ip,
          online: t.online,
          local: true,
          ms: performance.now() - started,
          error: { kind: 'check-failed', message: (e as Error).message },
        };
      }
    }
    if (t.online === false) {
      return {
        node: t.name,
        ip: t.ip,
        online: false,
        local: false,
        error: {
          kind: 'offline',
          message: `${t.name} is offline in /etc/pve/.members (corosync does not see it); not tried.`,
        },
      };
    }
    return checkRemoteNode(host, t, opts);
  });
}
