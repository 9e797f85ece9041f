// The volumes part's input, built the same way by every command that classifies volumes.
import type { PveState } from '../node/pve-state';
import type { HostSnapshot } from '../vocab/snapshot';
import type { VolumesRaw } from '../vocab/volume-types';
import type { ClassifyVolumesInput } from './classify-volumes';

/**
 * The volumes part's input from one look at the node: every command that classifies volumes (the report's
 * gather, reclaim's look and its re-check under the locks) builds it here, so none of them reads a
 * reference form (a path through the node's links, a process, a mount) that another leaves out.
 */
export function volumesInputOf(
  look: Pick<HostSnapshot, 'processes' | 'files' | 'unreadable' | 'devicePaths'>,
  pve: PveState,
  raw: VolumesRaw,
): ClassifyVolumesInput {
  return {
    pve,
    raw,
    processes: look.processes,
    replicationCfg: look.files['/etc/pve/replication.cfg'],
    replicationUnreadable: look.unreadable?.['/etc/pve/replication.cfg'],
    hostMountinfo: look.files['/proc/self/mountinfo'],
    devicePaths: look.devicePaths,
    replicationState: look.files['/var/lib/pve-manager/pve-replication-state.json'],
  };
}
