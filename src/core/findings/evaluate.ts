// The check document (design "CLI and JSON contract"): the parts, their worst status, the summary line.

import { withVolumeLeftovers } from '../dm/vmid-reuse';
import { worstStatus } from '../vocab/status';
import type { CheckDocument, DmResult, MountsResult, Status } from '../vocab/types';
import type { VolumesResult } from '../vocab/volume-types';
import { summaryLine } from './summary';

export function buildCheckDocument(input: {
  node: string;
  now: Date;
  dm?: DmResult;
  mounts?: MountsResult;
  volumes?: VolumesResult;
  source?: string;
  selection?: CheckDocument['selection'];
  guiUrl?: string;
}): CheckDocument {
  // A new guest inherits LVs and ZFS/RBD/file volumes alike: the VMID-reuse part sums both.
  const dm =
    input.dm && input.volumes
      ? { ...input.dm, vmidReuse: withVolumeLeftovers(input.dm.vmidReuse, input.volumes) }
      : input.dm;
  const statuses: Status[] = [];
  if (dm) statuses.push(dm.status);
  if (input.mounts) statuses.push(input.mounts.status);
  if (input.volumes) statuses.push(input.volumes.status);
  const doc: CheckDocument = {
    schemaVersion: 1,
    generatedAt: input.now.toISOString(),
    node: input.node,
    ...(dm ? { dm } : {}),
    ...(input.mounts ? { mounts: input.mounts } : {}),
    ...(input.volumes ? { volumes: input.volumes } : {}),
    status: worstStatus(...statuses),
    ...(input.selection ? { selection: input.selection } : {}),
    ...(input.guiUrl ? { guiUrl: input.guiUrl } : {}),
  };
  doc.summary = summaryLine(doc);
  if (input.source) doc.source = input.source;
  return doc;
}

/** The DM part of a run that could not look at device-mapper at all: UNKNOWN, with the reason. */
export function failedDmResult(error: string): DmResult {
  return {
    summary: {
      total: 0,
      valid: 0,
      duplicate: 0,
      orphan: 0,
      unknown: 0,
      ignored: 0,
      protected: 0,
      pending: 0,
      open: 0,
      score: 0,
      grade: 'F',
    },
    entries: [],
    guests: [],
    vmidReuse: { nextVmid: null, upcoming: [], collisions: [], leftovers: [], messages: [] },
    warnings: [],
    status: 3,
    error,
  };
}
