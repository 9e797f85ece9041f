// Storage replication (pvesr) seen from one node's volumes: which volumes are replicas a job owns, and
// what each `__replicate_<job>_<ts>__` snapshot is. PVE creates and frees replicas only through the job
// (pve-guest-common Replication.pm replicate/prepare; pve-manager PVE/CLI/pvesr.pm prepare_local_job),
// migration and HA recovery start from them (qemu-server QemuMigrate.pm scan_local_volumes), so nothing
// here ever proposes removing what a job owns. Pure.
import type { GuestRecord } from '../node/guest-record';
import {
  jobState,
  parseReplicationConfig,
  parseReplicationSnapshot,
  parseReplicationState,
  type ReplicationJob,
  type ReplicationJobState,
} from '../parse/replication';

/** pvesr.pm `$replicatable_storage_types`: only zfspool volumes are replicated. */
export const REPLICATABLE_TYPES: ReadonlySet<string> = new Set(['zfspool']);

export interface ReplicationView {
  jobs: ReplicationJob[];
  byId: Map<string, ReplicationJob>;
  byVmid: Map<number, ReplicationJob[]>;
  /** This node's state file; null when absent or unreadable (then the newest snapshot is the base). */
  state: Map<string, ReplicationJobState> | null;
  /**
   * Why the job list as a whole cannot be believed (replication.cfg unreadable, or a line of it that is
   * no whole line: cut, or lost its section header), or null. Jobs decide what a replica is: without a
   * believable list no copy of another node's guest and no `__replicate_` snapshot is a leftover.
   */
  doubt: string | null;
  warnings: string[];
}

/**
 * Why a replication.cfg text is not the whole file PVE wrote, or null. SectionConfig write_config
 * (pve-common) ends every line it writes in a newline and writes only headers and tab-indented
 * properties: a NUL byte (a file padded or overwritten), a last line without its newline (cut mid-line:
 * `\ttarget pv` parses as a target) or a line no section grammar reads is a file that may have lost any
 * job, so no job's absence and no job's target can be believed — for every guest, not only the damaged one.
 */
function notWhole(text: string, warnings: readonly string[]): string | null {
  if (text.includes('\0')) return 'it holds NUL bytes, which PVE never writes';
  const last = text.slice(text.lastIndexOf('\n') + 1);
  // Any character there is a cut line: a lone tab is where a property line was cut (PVE writes none blank).
  if (last !== '' && !/^\s*#/.test(last))
    return `its last line has no newline, cut off: ${JSON.stringify(last.slice(0, 40))}`;
  const garbled = warnings.find((w) => w.includes('line not understood'));
  return garbled ? garbled.replace(/^replication\.cfg: /, '') : null;
}

export function replicationView(
  cfg: string | undefined,
  stateText: string | undefined,
  unreadable?: string,
): ReplicationView {
  const { jobs, warnings } = parseReplicationConfig(cfg ?? '');
  const broken = notWhole(cfg ?? '', warnings);
  const doubt = unreadable
    ? `/etc/pve/replication.cfg could not be read (${unreadable})`
    : broken
      ? `/etc/pve/replication.cfg is not whole (${broken})`
      : null;
  const state = stateText === undefined ? null : parseReplicationState(stateText);
  if (stateText !== undefined && state === null)
    warnings.push('pve-replication-state.json: invalid JSON (PVE itself refuses it: "invalid json data")');
  const byVmid = new Map<number, ReplicationJob[]>();
  for (const j of jobs) byVmid.set(j.vmid, [...(byVmid.get(j.vmid) ?? []), j]);
  return { jobs, byId: new Map(jobs.map((j) => [j.id, j])), byVmid, state, doubt, warnings };
}

/**
 * A copy on this node of guest `vmid` (living on another node) whose own sync snapshots name a job of
 * that guest that replication.cfg does not list, or null. PVE writes this state itself: `pvesr delete
 * --force` removes the entry and cleans nothing, `--keep` keeps the data at the target on purpose
 * (pve-manager PVE/API2/ReplicationConfig.pm delete). A section lost at a boundary of the file parses as
 * cleanly. The copy is a leftover by the file and a replica by its snapshots: say so, remove nothing.
 */
export function unlistedReplication(
  view: ReplicationView,
  o: { vmid: number; node: string; guestNode: string | null; carried: readonly string[] },
): string | null {
  if (o.guestNode === null || o.guestNode === o.node) return null;
  const id = o.carried.find((j) => !view.byId.has(j) && j.startsWith(`${o.vmid}-`));
  return id
    ? `this copy carries sync snapshots of replication job ${id}, which /etc/pve/replication.cfg does not list (removed with pvesr delete --force or --keep, or a section of the file lost): the file and the volume disagree`
    : null;
}

/**
 * Why what replication says of a volume of guest `vmid` cannot be believed, or null: the job list is in
 * doubt, a job of that guest has no `target` (SectionConfig requires it: a lost line), or the volume
 * carries a `__replicate_` snapshot of a job of the guest (`carries`) that does not target this node
 * while the guest lives elsewhere — a live job's sync point on a copy the job would not own.
 */
export function replicationDoubt(
  view: ReplicationView,
  o: { vmid: number; node: string; guestNode: string | null; carried: readonly string[] },
): string | null {
  if (view.doubt) return view.doubt;
  const jobs = view.byVmid.get(o.vmid) ?? [];
  const lost = jobs.find((j) => j.target === null);
  if (lost) return `replication job ${lost.id} in /etc/pve/replication.cfg has no target (a line lost?)`;
  if (o.guestNode === null || o.guestNode === o.node) return null;
  const odd = jobs.find((j) => j.target !== o.node && j.source !== o.node && o.carried.includes(j.id));
  return odd
    ? `this copy carries a sync snapshot of replication job ${odd.id}, which targets ${odd.target}, not ${o.node}: replication.cfg and the volume disagree`
    : null;
}

export interface ReplicaVerdict {
  job: ReplicationJob;
  detail: string;
  /** The job's next run removes it (remove_job full) or is about to swap source and target. */
  pendingBy?: string;
}

const jobWords = (j: ReplicationJob) =>
  `${j.disabled ? 'disabled ' : ''}replication job ${j.id}${j.removeJob ? ` (being removed: remove_job ${j.removeJob})` : ''}`;

/**
 * A volume of guest `guest` (living on another node) on a local replicatable storage of `node`: a replica
 * when a job of that guest targets this node (ReplicationState.pm job_status: a disabled job keeps its
 * replica, remove_job makes the next run remove it), or when the guest was moved away from this node
 * ("stolen": HA recovery, a manual move) and its job still names this node as source: job_status then
 * swaps source and target (switch_replication_job_target_nolock), and this copy is the new replica.
 */
export function replicaOf(
  view: ReplicationView,
  guest: GuestRecord,
  node: string,
  storageType: string,
): ReplicaVerdict | null {
  if (!REPLICATABLE_TYPES.has(storageType) || guest.node === node) return null;
  const jobs = view.byVmid.get(guest.vmid) ?? [];
  const target = jobs.find((j) => j.target === node);
  if (target) {
    const removing = target.removeJob === 'full';
    return {
      job: target,
      detail: `replica of ${guest.type === 'lxc' ? 'CT' : 'VM'} ${guest.vmid} (on ${guest.node}) kept by ${jobWords(target)}: migration and HA recovery start from it; PVE frees it only through the job`,
      ...(removing ? { pendingBy: `replication:${target.id}:remove` } : {}),
    };
  }
  const stolen = jobs.find((j) => j.source === node && j.target === guest.node);
  if (stolen)
    return {
      job: stolen,
      detail: `copy of ${guest.type === 'lxc' ? 'CT' : 'VM'} ${guest.vmid}, which moved from here to ${guest.node} (HA recovery or a manual move): ${jobWords(stolen)} swaps source and target on its next run and replicates onto this copy`,
      pendingBy: `replication:${stolen.id}:swap`,
    };
  return null;
}

export interface ReplicateSnapshotVerdict {
  live: boolean;
  /** The job its name carries (`<vmid>-<jobnum>`), listed or not. */
  jobId: string;
  job?: ReplicationJob;
  detail: string;
  pendingBy?: string;
}

/**
 * A `__replicate_<job>_<ts>__` snapshot. Of a live job: expected — the one named after the job's last
 * sync (state file last_sync, else the newest) is the base the next incremental send starts from; older
 * ones are removed by the job's next run (Replication.pm prepare). Of a job replication.cfg no longer has
 * (`pvesr delete --force` "will not cleanup"): a leftover nothing removes.
 */
export function replicateSnapshot(
  view: ReplicationView,
  snapshot: string,
  newestOfJob: (jobId: string) => number | null,
): ReplicateSnapshotVerdict | null {
  const r = parseReplicationSnapshot(snapshot);
  if (!r) return null;
  const job = view.byId.get(r.jobId);
  const synced = job ? undefined : lastSyncOf(view.state, r.vmid, r.time);
  if (synced)
    return {
      live: true,
      jobId: r.jobId,
      detail: `replication snapshot of job ${r.jobId}, which /etc/pve/replication.cfg does not list, but this node's pve-replication-state.json records ${synced} of guest ${r.vmid} last synced at ${isoTime(r.time)}: the base of that job's next sync (a section of the file lost?)`,
    };
  if (!job)
    return {
      live: false,
      jobId: r.jobId,
      detail: `replication snapshot of job ${r.jobId}, which /etc/pve/replication.cfg no longer has (removed with --force?): nothing removes it, and it keeps every block changed since ${isoTime(r.time)}`,
    };
  const st: ReplicationJobState | undefined = jobState(view.state, job);
  const base = st && st.lastSync > 0 ? st.lastSync : newestOfJob(r.jobId);
  const role =
    r.time === base
      ? 'the last sync: the base the next incremental sync starts from'
      : 'an older sync; the job removes it on its next run';
  return {
    live: true,
    jobId: r.jobId,
    job,
    detail: `replication snapshot of ${jobWords(job)} (${role})`,
    ...(job.removeJob ? { pendingBy: `replication:${job.id}:remove` } : {}),
  };
}

/**
 * The state entry (`local/<target>`) of guest `vmid` whose last_sync is `time`, or undefined: the job
 * named its snapshot after that time (ReplicationState.pm record_sync_end sets last_sync to the start
 * time, replication_snapshot_name `__replicate_<jobid>_<last_sync>__`), and the state file is written
 * by pvesr itself, apart from replication.cfg (file_set_contents: whole or not at all). last_sync 0 is
 * "never synced" (extract_job_state): no snapshot is named after it.
 */
function lastSyncOf(state: Map<string, ReplicationJobState> | null, vmid: number, time: number): string | undefined {
  for (const [key, s] of state ?? []) {
    const [id, tid] = key.split('|');
    if (Number(id) === vmid && s.lastSync > 0 && s.lastSync === time) return tid;
  }
  return undefined;
}

function isoTime(unix: number): string {
  return new Date(unix * 1000).toISOString().replace('.000Z', 'Z');
}
