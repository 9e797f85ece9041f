// Gather everything the analysis needs into one HostSnapshot (the boundary to src/core).
import { COMMAND_KEYS, type HostSnapshot } from '../core/vocab/snapshot';
import { VERSION } from '../version';
import type { Host } from './host';
import { readDmCommands } from './read-dm';
import { readDeviceLinks, readDevicePaths } from './read-links';
import { readHostname, readNodeFiles, readProcesses, readPveLocal, readSysDmState, readTaskWorkers } from './read-node';
import { readPvDevices } from './read-pv-disks';

export interface GatherOptions {
  /** Deadline for each dmsetup/lvs call (ms). lvs can hang on a dead multipath device. */
  timeoutMs?: number;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 20_000;

export async function gatherSnapshot(host: Host, opts: GatherOptions = {}): Promise<HostSnapshot> {
  const capturedAt = host.now().toISOString();
  const commands = await readDmCommands(host, opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
  // After the commands: a process that opened a device meanwhile is then seen as a holder.
  const { files, unreadable } = readNodeFiles(host);
  const sys = readSysDmState(host);
  return {
    kind: 'pve-health-snapshot',
    version: 1,
    capturedAt,
    hostname: readHostname(host),
    toolVersion: VERSION,
    redacted: false,
    files,
    ...(Object.keys(unreadable).length ? { unreadable } : {}),
    commands,
    processes: readProcesses(host),
    sysDm: sys.sysDm,
    sysDmRead: sys.read,
    links: readDeviceLinks(host, files),
    devicePaths: readDevicePaths(host, files),
    pveLocal: readPveLocal(host),
    taskWorkers: readTaskWorkers(host, files['/var/log/pve/tasks/active']),
    pvDevices: readPvDevices(host, commands[COMMAND_KEYS.vgs]?.stdout ?? '', sys.sysDm),
  };
}
