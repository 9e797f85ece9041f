// The mounts check's probe jobs, its recorded data (what a live gather or a snapshot holds) and its
// result. Types only.
import type { MountsResult } from '../vocab/types';

/** One probe per superblock, planned by the core and run by the host (src/host/probe-mount.ts). */
export interface ProbeJob {
  key: string;
  /** System path (the host adapter puts it under --root). */
  path: string;
  /** Every occurrence of this superblock, for messages ("CT 105:/data"). */
  labels: string[];
}

/** What one probe child found for one superblock. */
export interface ProbeResult {
  /** The full stat and the directory read both worked. */
  ok: boolean;
  /** errno code (ESTALE, EIO, EACCES, ENOTCONN...), or `timeout`, `stuck`, `not-probed`. */
  error: string | null;
  message?: string | null;
  /** What the probe was doing when it failed or hung: stat, readdir, statfs. */
  phase?: string | null;
  ms: number | null;
  /** ISO time the probe ran. */
  at: string | null;
  totalBytes: number | null;
  usedBytes: number | null;
  availableBytes: number | null;
  cached?: boolean;
  /** For `stuck`: the earlier probe that has not ended. */
  stuckPid?: number;
  stuckSince?: string;
}

/** A probe process that was killed at its deadline and has still not ended (uninterruptible sleep). */
export interface StuckProbe {
  pid: number;
  since: string;
  keys: string[];
  paths: string[];
}

/** MountsResult with the fields this check always fills. */
export interface MountsCheckResult extends MountsResult {
  /** The running containers looked into (`summary.containers` counts them): `check --vmid` counts its own. */
  containerIds: number[];
  stuckProbes: StuckProbe[];
  warnings: string[];
  timeoutMs: number;
  node: string;
  gatheredAt: string;
}

/**
 * Everything the mounts check gathered, as recorded data: HostSnapshot.extra.mounts. `--from` and
 * `--demo` classify this without touching the system.
 */
export interface MountsRaw {
  version: 1;
  gatheredAt: string;
  node: string;
  hostMountinfo: string;
  /** Running containers: init pid and its /proc/<pid>/mountinfo (null if it vanished meanwhile). */
  /** alive: set when the table could not be read, whether the init process still existed then. */
  containers: { ctid: number; pid: number; mountinfo: string | null; alive?: boolean }[];
  storageCfg: string | null;
  /** ctid → /etc/pve/lxc/<ctid>.conf text. */
  ctConfigs: Record<string, string>;
  /**
   * Storage paths and container bind sources that are symlinks, resolved on the host as PVE does
   * (Cwd::realpath) without ever stat()ing through a network mount. Absent in older captures.
   */
  resolvedPaths?: Record<string, string>;
  /** Probe results by superblock major:minor. */
  probes: Record<string, ProbeResult>;
  stuckProbes: StuckProbe[];
  /**
   * Containers whose init process was gone when their mounts were probed (the probe of a path under
   * /proc/<pid>/root failed ENOENT): their mounts are not judged. Absent in older captures: then a
   * container path that was not found is not checked (UNKNOWN), never skipped.
   */
  stoppedAfterProbe?: number[];
  timeoutMs: number;
  warnings: string[];
}
