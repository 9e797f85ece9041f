// Storage replication (pvesr) as PVE writes it: the cluster-wide job list and this node's state file.
// pve-guest-common src/PVE/ReplicationConfig.pm (SectionConfig: parse_section_header, properties),
// ReplicationState.pm (read_state, extract_job_state, replication_snapshot_name). Pure.

export interface ReplicationJob {
  /** `<vmid>-<jobnum>` with the numbers as integers (parse_replication_job_id: `0100-01` is `100-1`). */
  id: string;
  vmid: number;
  jobnum: number;
  /** Section type; PVE knows only `local` (job_status dies on anything else). */
  type: string;
  target: string | null;
  /** The node the guest lived on when the job last ran (job_status sets it; "to detect if the guest was stolen"). */
  source: string | null;
  disabled: boolean;
  /** `remove_job local|full`: the job is being removed by its next run (Replication.pm replicate). */
  removeJob: 'local' | 'full' | null;
}

export interface ReplicationConfig {
  jobs: ReplicationJob[];
  warnings: string[];
}

const HEADER = /^(\S+):\s*(\d+)-(\d+)\s*$/;
const PROPERTY = /^\s+(\S+)(?:\s+(.*\S))?\s*$/;
const TRUE = /^(1|yes|on|true)$/i;

/**
 * /etc/pve/replication.cfg (SectionConfig; header `^(\S+):\s*(\d+)-(\d+)\s*$`, guest IDs < 100 refused):
 * local: 100-0
 *         target pve2
 *         schedule *\/15
 *         source pve1
 */
export function parseReplicationConfig(text: string): ReplicationConfig {
  const jobs: ReplicationJob[] = [];
  const warnings: string[] = [];
  let cur: ReplicationJob | null = null;
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (!line.trim()) {
      cur = null; // a blank line ends a section (SectionConfig parse_config)
      continue;
    }
    const h = HEADER.exec(line);
    if (h) {
      const vmid = Number(h[2]);
      const jobnum = Number(h[3]);
      cur = null;
      if (vmid < 100) {
        warnings.push(`replication.cfg: invalid job id '${h[2]}-${h[3]}' (guest IDs < 100 are reserved): skipped`);
        continue;
      }
      cur = {
        id: `${vmid}-${jobnum}`,
        vmid,
        jobnum,
        type: h[1].toLowerCase(),
        target: null,
        source: null,
        disabled: false,
        removeJob: null,
      };
      jobs.push(cur);
      continue;
    }
    const p = PROPERTY.exec(line);
    if (!p || !cur) {
      if (line.trim()) warnings.push(`replication.cfg: line not understood: ${line.trim().slice(0, 80)}`);
      continue;
    }
    const value = p[2] ?? '1'; // a value-less boolean is 1 (SectionConfig)
    if (p[1] === 'target') cur.target = value;
    else if (p[1] === 'source') cur.source = value;
    else if (p[1] === 'disable') cur.disabled = TRUE.test(value);
    else if (p[1] === 'remove_job' && (value === 'local' || value === 'full')) cur.removeJob = value;
  }
  return { jobs, warnings };
}

export interface ReplicationJobState {
  /** Start time of the last successful sync (0: never); the replica's base snapshot is named after it. */
  lastSync: number;
  failCount: number;
  storeids: string[];
}

/**
 * /var/lib/pve-manager/pve-replication-state.json (ReplicationState.pm read_state/write_job_state), keyed
 * by guest and unique target id (`local/<target>`):
 * {"100":{"local/pve2":{"last_sync":1712650000,"last_try":1712650000,"fail_count":0,"storeid_list":["local-zfs"]}}}
 * Returns null for text that is no such object (PVE: "invalid json data").
 */
export function parseReplicationState(text: string): Map<string, ReplicationJobState> | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null;
  const out = new Map<string, ReplicationJobState>();
  for (const [vmid, targets] of Object.entries(data as Record<string, unknown>)) {
    if (!targets || typeof targets !== 'object') continue;
    for (const [tid, s] of Object.entries(targets as Record<string, Record<string, unknown>>)) {
      if (!s || typeof s !== 'object') continue;
      out.set(`${vmid}|${tid}`, {
        lastSync: typeof s.last_sync === 'number' ? s.last_sync : 0,
        failCount: typeof s.fail_count === 'number' ? s.fail_count : 0,
        storeids: Array.isArray(s.storeid_list) ? s.storeid_list.map(String) : [],
      });
    }
  }
  return out;
}

/** The state of a job in the state file (get_unique_target_id: `local/<target>`). */
export function jobState(
  state: Map<string, ReplicationJobState> | null,
  job: ReplicationJob,
): ReplicationJobState | undefined {
  return state?.get(`${job.vmid}|local/${job.target ?? ''}`);
}

/** `__replicate_<jobid>_<last_sync>__` (ReplicationState.pm replication_snapshot_name). */
export function parseReplicationSnapshot(name: string): { jobId: string; vmid: number; time: number } | null {
  const m = /^__replicate_(\d+)-(\d+)_(\d+)__$/.exec(name);
  return m ? { jobId: `${Number(m[1])}-${Number(m[2])}`, vmid: Number(m[1]), time: Number(m[3]) } : null;
}
