// Gather + analyse with the same decision `pve-health dm` makes (core/analyze/analyze-node.ts): the executor
// calls it before every action.

import { analyzeNode } from '../core/analyze/analyze-node';
import { type NodeView, parseNode, type SinceSnapshot } from '../core/node/node-view';
import type { Config } from '../core/vocab/config';
import type { HostSnapshot } from '../core/vocab/snapshot';
import type { DmResult } from '../core/vocab/types';
import { gatherSnapshot } from '../host/gather';
import type { Host } from '../host/host';
import { readDeviceLinks, readDevicePaths } from '../host/read-links';
import { readHostname, readNodeFiles, readProcesses, readPveLocal, readTaskWorkers } from '../host/read-node';

/** One gathered node, parsed once (view) and decided once (result, from analyzeNode). */
export interface Analysis {
  view: NodeView;
  result: DmResult;
  /** What was gathered (the narrow re-check decides again over it). */
  snapshot?: HostSnapshot;
}

export async function analyzeHost(host: Host, config: Config = {}, timeoutMs?: number): Promise<Analysis> {
  const snapshot = await gatherSnapshot(host, { timeoutMs });
  const view = parseNode(snapshot);
  return { view, result: analyzeNode(view, config), snapshot };
}

/**
 * The node as clean's narrow re-check knows it (no subprocess): the device-mapper and LVM outputs of
 * `base` with what this run changed itself (`since`), and the PVE files, hostname and processes read
 * now — guest configs, tasks, locks, HA and the running guests decide pending and protected. The
 * map and LV the action touches were just read again and found as in `base` (core/cleanup/recheck-narrow.ts).
 */
export function reanalyzeSince(host: Host, base: HostSnapshot, since: SinceSnapshot, config: Config = {}): Analysis {
  const { files, unreadable } = readNodeFiles(host);
  const snapshot: HostSnapshot = {
    ...base,
    capturedAt: host.now().toISOString(),
    hostname: readHostname(host),
    files,
    unreadable,
    processes: readProcesses(host),
    links: readDeviceLinks(host, files),
    devicePaths: readDevicePaths(host, files),
    pveLocal: readPveLocal(host),
    taskWorkers: readTaskWorkers(host, files['/var/log/pve/tasks/active']),
  };
  const view = parseNode(snapshot, { since });
  return { view, result: analyzeNode(view, config), snapshot };
}
