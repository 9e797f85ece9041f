import type { NextStep } from './next-step';
import type { NotifyFailures } from './notify-types';
import type { NamedElsewhere } from './only-copy';
import type { QuarantineListing } from './quarantine-types';
import type { DmReason, DmStatus, GuestIdentity, HoldingProcess, Status } from './status-types';
import type { VolumesResult } from './volume-types';

export type { NotifyFailures } from './notify-types';
export type { DmReason, DmStatus, GuestIdentity, HoldingProcess, Status } from './status-types';

// The JSON contract of design.md ("CLI and JSON contract"): stable names. Add fields; never rename or remove.

/** What made an entry protected or pending (kept in `protectedBy`, e.g. "guest-running", "task:qmrestore"). */
export type ProtectReason = string;

export interface DmAction {
  /** Exact argv the cleanup executor would run. */
  command: string[];
  /** What it does, in words. */
  effect: string;
}

export interface DmEntry {
  /** DM name; for an LV without a map, the name its map would have. */
  name: string;
  /** DM UUID, or "" for an inactive LV. */
  uuid: string;
  vg: string | null;
  lv: string | null;
  /** lvm2 layer (tpool, tdata, real, ...) or null for a top-level LV. */
  layer: string | null;
  storage: string | null;
  vmid: number | null;
  /** PVE volume id "storage:volname" when it is a PVE volume. */
  volume: string | null;
  /** true when a DM map exists for it. */
  active: boolean;
  status: DmStatus;
  reason: DmReason;
  detail: string;
  protected: boolean;
  pending: boolean;
  protectedBy: ProtectReason[];
  open: boolean;
  openCount: number;
  /** DM names of devices stacked on this one. */
  holders: string[];
  processes: HoldingProcess[];
  /** DM name of the device this one is a layer or partition of. */
  parent: string | null;
  action: DmAction | null;
  /** Bytes, from the table (active) or lvs (inactive). */
  sizeBytes: number | null;
  /** "dm" for a DM device, "lv" for an LV without a map. */
  kind: 'dm' | 'lv';
  /** Extra advice (how to attach or free the volume) in one sentence, made from `steps`. */
  hint?: string;
  /** The advice as steps, each with its command (argv): keep the data, drop it (irreversible), or another step. */
  steps?: NextStep[];
  majorMinor?: string;
  /** The table as dmsetup printed it (without the name prefix). */
  table?: string[];
  lvUuid?: string | null;
  guestType?: 'qemu' | 'lxc' | null;
  /** Node the owning guest lives on, when known. */
  guestNode?: string | null;
  /** A guest config on another node names this volume ("VM 100 scsi0 on pve2"): it is in use there. */
  referencedBy?: string;
  /** In quarantine, yet these configs name its original name (dm-quarantined.ts): critical, restore it. */
  quarantineNamedBy?: string[];
  /** In quarantine on local storage, its volume ID named on another node (vocab/only-copy.ts): never purged from here. */
  quarantineNamedOn?: NamedElsewhere;
  /** Every guest whose config names this LV (any section, any way: volid, path, clone base), with its node; only when some does. */
  guests?: { vmid: number; type: 'qemu' | 'lxc'; node: string }[];
  /** A config names this LV and lvs does not list it (reason missing-referenced): critical when the guest starts with it. */
  missing?: { blocksStart: boolean };
}

export interface DmSummary {
  total: number;
  valid: number;
  duplicate: number;
  orphan: number;
  unknown: number;
  ignored: number;
  protected: number;
  pending: number;
  /** Duplicates, orphans and unknowns a running operation explains (in no other count; pending ones). */
  pendingFindings?: number;
  open: number;
  score: number;
  grade: Grade;
}

export type Grade = 'A+' | 'B' | 'C' | 'D' | 'F';

export interface GuestHealth extends GuestIdentity {
  /** duplicates, missing (a disk its config names lvs lacks), orphans, unknown or ok: the first that holds. */
  health: 'ok' | 'orphans' | 'duplicates' | 'missing' | 'unknown';
  issues: number;
  volumes: number;
}

export interface VmidReuseCollision {
  vmid: number;
  storage: string;
  /** The volume name the new guest's first disk would get. */
  volname: string;
  dmName: string;
  reason: DmReason;
}

export interface VmidLeftover {
  vmid: number;
  volumes: {
    name: string;
    vg: string;
    lv: string;
    storage: string | null;
    sizeBytes: number | null;
    reason: DmReason;
  }[];
  /** Orphaned volumes of this VMID on ZFS, Ceph RBD and file storages (from the volumes part, when it ran). */
  otherVolumes?: { volid: string; storage: string; sizeBytes: number | null; usedBytes: number | null }[];
  /** Leftovers in all: LVs plus other volumes. */
  count: number;
  /** Provisioned bytes of all of them. */
  totalBytes: number;
}

export interface VmidReuse {
  /** The VMID `GET /cluster/nextid` would hand out, or null if unknown. */
  nextVmid: number | null;
  /** The next few VMIDs after it (as they would be handed out, one after another). */
  upcoming: number[];
  collisions: VmidReuseCollision[];
  leftovers: VmidLeftover[];
  /** Plain-language sentences, one per case. */
  messages: string[];
}

export interface DmResult {
  summary: DmSummary;
  entries: DmEntry[];
  guests: GuestHealth[];
  vmidReuse: VmidReuse;
  /** Problems met while checking that did not stop the check (e.g. a config that did not parse). */
  warnings: string[];
  /**
   * What of this part could not be checked although the rest was (e.g. thin pools' kernel state when
   * `dmsetup status` failed): each makes the part UNKNOWN unless it is CRITICAL; also one of `warnings`.
   */
  unchecked?: string[];
  /** Node storage health beyond orphans (thin pools, stale locks, host use of guest disks, ...). */
  storage?: StorageFinding[];
  /** Monitoring status of this part alone. */
  status: Status;
  /** Set when acknowledged findings lowered `status` (src/core/findings/acks.ts): the status without them. */
  statusWithoutAcks?: Status;
  /**
   * Set when the part could not be checked at all (dmsetup missing or failed, not root, a timeout):
   * then status is 3, entries are empty and the counts mean nothing. Every output says this reason.
   */
  error?: string;
}

/** What a storage finding is about; only the fields that apply are set. */
export interface StorageSubject {
  storage?: string;
  vg?: string;
  /** Thin pool LV name. */
  pool?: string;
  lv?: string;
  vmid?: number;
  /** Leftover LVs of several VMIDs: theirs (absent when one has none: the node's); check --vmid keeps it for them. */
  vmids?: number[];
  /** DM device name. */
  device?: string;
}

/** One node storage health finding (docs/storage-health.md). `fix`: commands (or `# ...` advice lines); never run. */
export interface StorageFinding {
  /** Stable across runs for the same problem, e.g. "thin-data:pve/data" (notifications compare it). */
  id: string;
  kind: string;
  severity: 'critical' | 'warning' | 'info';
  title: string;
  detail: string;
  fix: string[];
  subject: StorageSubject;
  /** Numbers behind the finding (percentages, bytes, counts) for renderers and metrics. */
  values?: Record<string, number>;
}

/**
 * `missing`: a storage of this node that must be a mount point is not mounted, or a container bind holds
 * the directory underneath one. `unchecked`: root may not look into it (a user's FUSE mount without
 * allow_other), so nothing about it is known — not a dead mount. `leftover`: a removed storage's mount. */
export type MountStatus = 'ok' | 'stale' | 'readonly' | 'full' | 'missing' | 'unchecked' | 'leftover';

/** Why a mount has its status (MountEntry.reason). */
export type MountReason =
  | 'unreachable'
  | 'timeout'
  | 'probe-stuck'
  | 'not-mounted'
  | 'bind-outdated'
  | 'root-denied'
  | 'not-found-in-ct'
  | 'unexpected-readonly'
  | 'remounted-readonly'
  | 'usage-warning'
  | 'usage-critical'
  | 'storage-removed'; // leftover: a network mount at /mnt/pve/<id> of a storage storage.cfg lost

export interface MountEntry {
  scope: 'host' | 'ct';
  ctid: number | null;
  /** A container's `hostname:` from its config; null when it sets none (absent on host mounts, older documents). */
  ctName?: string | null;
  source: string;
  target: string;
  fstype: string;
  options: string;
  status: MountStatus;
  reachable: boolean;
  error: string | null;
  proxmoxManaged: boolean;
  storage: string | null;
  totalBytes: number | null;
  usedBytes: number | null;
  availableBytes: number | null;
  usagePercent: number | null;
  /** 0 ok, 1 warning (readonly, full above the warning threshold), 2 critical (stale, missing, full above critical). */
  severity?: Status;
  reason?: MountReason | null;
  /** The status in one sentence. */
  detail?: string;
  /** Superblock major:minor (one probe per superblock). */
  majorMinor?: string;
  superOptions?: string;
  network?: boolean;
  expectedReadonly?: boolean;
  /** How the result was obtained: probe time, whether it came from the cache. */
  probe?: { ms: number | null; at: string | null; cached: boolean; phase: string | null } | null;
  /** The next steps of a finding (core/mounts/mount-steps.ts) and their sentence; absent on an ok mount. */
  steps?: NextStep[];
  hint?: string;
  [extra: string]: unknown;
}

export interface MountsResult {
  summary: Record<string, number>;
  entries: MountEntry[];
  status: Status;
  [extra: string]: unknown;
}

/** The document `--json` prints. `dm` or `mounts` is absent when only the other part ran. */
export interface CheckDocument {
  schemaVersion: 1;
  generatedAt: string;
  node: string;
  dm?: DmResult;
  mounts?: MountsResult;
  /** Guest volumes on ZFS, Ceph RBD and file storages (src/core/vocab/volume-types.ts). */
  volumes?: VolumesResult;
  status: Status;
  /** Human summary line, e.g. "2 orphans, 1 duplicate". */
  summary?: string;
  /** Where the data came from: "live", "snapshot:<file>", "demo". */
  source?: string;
  /** Findings an admin acknowledged (`pve-health ack`), with the reason and expiry; absent when none. */
  acknowledged?: AcknowledgedFinding[];
  /** With acknowledged findings: the status the document would have without them. */
  statusWithoutAcks?: Status;
  /** `--vmid N`: only these guests (core/findings/select-guests.ts); `leftOut` counts the findings left out. Absent without. */
  selection?: { vmids: number[]; leftOut: number };
  /** The PVE web interface to link guests and storages into (config `[links] pve_gui`); absent: https://<node>:8006/. */
  guiUrl?: string;
  /** Notifications that failed to deliver (notify-state.json of this node); absent when none ever did. */
  notifyFailures?: NotifyFailures;
  /** Volumes in pve-health's quarantine (`reclaim`), counted as no orphan; absent when there are none. */
  quarantine?: QuarantineListing;
  [extra: string]: unknown;
}

/** A finding silenced by an acknowledgement (src/core/findings/acks.ts): it no longer counts in the status. */
export interface AcknowledgedFinding {
  /** The finding key (as in notifications), e.g. "dm:orphan:guest-missing:pve-vm--150--disk--0". */
  key: string;
  part: string;
  subject: string;
  severity: Status;
  reason: string;
  /** ISO expiry: from then on the finding counts again. */
  until: string;
  at: string;
}
