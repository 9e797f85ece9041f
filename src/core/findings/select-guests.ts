// `--vmid N`: the parts of a check cut down to some guests — their DM maps and LVs, their storage findings,
// their container mounts, their volumes on every storage — and the node's own findings (of no guest: a
// thin pool, a hung storage mount, a storage finding without a guest), with each part's counts and status
// computed again from what is left, so the headline, the grade, the exit code and every output form agree.
// The node's findings stay because they are every guest's: a full thin pool or a dead NFS mount stops
// guest 103 too, and `check --vmid 103` exiting 0 beside a CRITICAL node would fail open. What the cut
// leaves out (other guests' findings) is counted (`selection.leftOut`), never dropped silently; what could
// not be checked stays UNKNOWN (a part that failed, or was only partly read, may hide a finding of the
// selected guest too). Pure.
import { dmSummary, statusOf } from '../dm/dm-summary';
import { mountCounts } from '../mounts/classify-mounts';
import { storageStatus } from '../storage/classify-storage';
import { worstStatus } from '../vocab/status';
import type { CheckDocument, DmResult, MountsResult, Status } from '../vocab/types';
import type { VolumesResult } from '../vocab/volume-types';
import { storageCounts, volumesStatus, volumesSummary } from '../volumes/volume-summary';
import { isDmFinding, isVolumeFinding, listFindings, mountSeverity } from './findings';

export interface Parts {
  dm?: DmResult;
  mounts?: MountsResult;
  volumes?: VolumesResult;
}

/** What a selection kept: the VMIDs asked for and how many findings of other guests it left out. */
export interface Selection {
  vmids: number[];
  /** Findings every output lists (listFindings of the whole node) that the cut leaves out. */
  leftOut: number;
}

/** Of no guest: the node's own (a thin pool, a host mount, a storage finding without a guest). */
const ofNode = (vmid: number | null | undefined) => vmid === null || vmid === undefined;

function selectDm(dm: DmResult, has: (vmid: number | null | undefined) => boolean): DmResult {
  if (dm.error) return dm;
  // A volume another guest's config names (a linked clone's base) is that guest's too.
  const mine = (e: DmResult['entries'][number]) =>
    has(e.vmid) || (e.guests ?? []).some((g) => has(g.vmid)) || (ofNode(e.vmid) && !e.guests?.length && isDmFinding(e));
  const entries = dm.entries.filter(mine);
  // A finding about several VMIDs' volumes (leftover LVs) is theirs, not every guest's.
  const storage = (dm.storage ?? []).filter((f) =>
    f.subject?.vmids ? f.subject.vmids.some(has) : has(f.subject?.vmid) || ofNode(f.subject?.vmid),
  );
  const reuse = dm.vmidReuse;
  const status = worstStatus(statusOf(entries), storageStatus(storage), dm.unchecked?.length ? 3 : 0);
  return {
    ...dm,
    summary: dmSummary(entries),
    entries,
    storage,
    guests: dm.guests.filter((g) => has(g.vmid)),
    vmidReuse: {
      ...reuse,
      collisions: reuse.collisions.filter((c) => has(c.vmid)),
      leftovers: reuse.leftovers.filter((l) => has(l.vmid)),
      // Sentences about the next VMIDs: kept only when they are about a selected one.
      messages: reuse.messages.filter((m) => [...m.matchAll(/\b\d+\b/g)].some((x) => has(Number(x[0])))),
    },
    status,
  };
}

function selectMounts(m: MountsResult, has: (vmid: number | null | undefined) => boolean): MountsResult {
  if (typeof m.error === 'string') return m;
  const entries = m.entries.filter((e) => (e.scope === 'ct' ? has(e.ctid) : e.status !== 'ok'));
  let status: Status = 0;
  for (const e of entries) status = worstStatus(status, mountSeverity(e));
  // The running containers counted are the selected ones (a VM has none): "1 running container" beside
  // no container's mount read as a contradiction. Documents without the list: the selected CTs' entries.
  const running = Array.isArray(m.containerIds)
    ? (m.containerIds as number[]).filter(has)
    : [...new Set(entries.flatMap((e) => (e.scope === 'ct' ? [e.ctid] : [])))];
  return {
    ...m,
    summary: { ...m.summary, ...mountCounts(entries), containers: running.length },
    entries,
    status,
  };
}

function selectVolumes(v: VolumesResult, has: (vmid: number | null | undefined) => boolean): VolumesResult {
  if (v.entries.length === 0 && v.error) return v;
  const entries = v.entries.filter((e) => has(e.vmid) || (ofNode(e.vmid) && isVolumeFinding(e)));
  // The storages that hold a volume kept, and those not read whole (they may hide one): a table of the
  // node's other storages would read as zeros.
  const storages = v.storages.map((s) => storageCounts(s, entries)).filter((s) => s.total > 0 || s.status !== 'ok');
  return {
    ...v,
    entries,
    storages,
    summary: volumesSummary(entries, storages),
    vmidLeftovers: v.vmidLeftovers.filter((l) => has(l.vmid)),
    guests: v.guests?.filter((g) => has(g.vmid)),
    // A storage that could not be listed may hold a volume of the selected guest: still UNKNOWN.
    status: volumesStatus(entries, storages),
  };
}

/** The parts as a document, for listing their findings. */
const asDocument = (p: Parts): CheckDocument => ({ schemaVersion: 1, generatedAt: '', node: '', status: 0, ...p });

/**
 * The parts cut down to the guests `vmids` names (see the header); `leftOut` is how many of the findings
 * every output lists (listFindings) the cut leaves out.
 */
export function selectGuests(parts: Parts, vmids: readonly number[]): Parts & { selection: Selection } {
  const wanted = new Set(vmids);
  const has = (vmid: number | null | undefined) => vmid !== null && vmid !== undefined && wanted.has(vmid);
  const chosen: Parts = {
    ...(parts.dm ? { dm: selectDm(parts.dm, has) } : {}),
    ...(parts.mounts ? { mounts: selectMounts(parts.mounts, has) } : {}),
    ...(parts.volumes ? { volumes: selectVolumes(parts.volumes, has) } : {}),
  };
  const leftOut = listFindings(asDocument(parts)).length - listFindings(asDocument(chosen)).length;
  return { ...chosen, selection: { vmids: [...wanted].sort((a, b) => a - b), leftOut } };
}
