// The shapes of what the dashboard shows (dashboard-view.ts decides them, the page lays them out).

import type { FindingStep } from '../core/findings/findings';
import type { Status } from '../core/vocab/types';
import type { QuarantineRow } from './quarantine';

export interface ViewGuestRef {
  vmid: number;
  name: string | null;
  /** "VM" or "CT" when known. */
  type: 'VM' | 'CT' | null;
  node: string | null;
  /** The PVE GUI's location hash for the guest ("#v1:0:=qemu%2F100"), when its type is known. */
  gui: string | null;
}

export interface ViewFinding {
  key: string;
  part: string;
  level: Status;
  /** CRITICAL, WARNING, UNKNOWN, or PENDING (explained by a running task: does not count). */
  word: string;
  /** duplicate, orphan, unknown, storage, stale, missing, readonly, full, cluster. */
  kind: string;
  /** What the admin knows it by: the finding's subject (the volume ID with its @snapshot, trash ID or partition), the mount, the storage object. */
  title: string;
  explanation: string;
  detail: string;
  dmName: string | null;
  volume: string | null;
  storage: string | null;
  /** The PVE GUI's location hash for the storage ("#v1:0:=storage%2Fpve1%2Flocal-zfs"), when there is one. */
  storageGui: string | null;
  guest: ViewGuestRef | null;
  size: string | null;
  fix: string | null;
  effect: string | null;
  hint: string | null;
  /** The next steps (keep it, drop it — irreversible —, what makes it safe), each command with its Copy button. */
  steps: FindingStep[];
  pending: boolean;
  protectedBy: string[];
  acknowledged: { reason: string; until: string } | null;
  /** Not there at the scan before (serve's history). */
  isNew: boolean;
  /** The command that acknowledges it; null when it cannot be (UNKNOWN, pending). */
  ackCommand: string | null;
  /**
   * Advice about what the node will do next (the next VMID PVE hands out collides with a leftover): shown
   * among the findings by its severity, never counted (the leftover itself is the counted finding).
   */
  advice?: boolean;
}

export interface ViewGuest extends ViewGuestRef {
  state: string;
  health: string;
  level: Status;
  issues: number;
  volumes: number;
}

export interface ViewMount {
  where: string;
  target: string;
  source: string;
  fstype: string;
  storage: string | null;
  level: Status;
  status: string;
  /** Usage in percent, when measured. */
  percent: number | null;
  /**
   * How the usage bar is coloured, from usage and status together: the classifier's level when it called
   * the mount full, CRITICAL for a filesystem at 100 % whatever its status (a read-only one is full too),
   * and never green for a mount that is not ok.
   */
  capacityLevel: Status;
  /** "38 % of 3.9 TiB, 2.4 TiB free", or why there is no number ("not mounted", "no answer"). */
  capacity: string;
  detail: string;
  guest: ViewGuestRef | null;
}

export interface DashboardView {
  status: Status;
  word: string;
  /** Without acknowledged findings it would be this (absent when the same). */
  wordWithoutAcks: string | null;
  /** The node's verdict in one line ("grade F: 2 duplicates, …"), as `check` opens with it. */
  headline: string;
  grade: string;
  gradeLevel: Status;
  score: string;
  counts: { critical: number; warning: number; unknown: number; pending: number; acknowledged: number; new: number };
  findings: ViewFinding[];
  guests: ViewGuest[];
  mounts: ViewMount[];
  notes: string[];
  /** What `reclaim` set aside: the heading (count, space, retention) and a row per volume; null when nothing. */
  quarantine: { heading: string; rows: QuarantineRow[] } | null;
  /**
   * The parts in the order the overview, the last scans and the history show them: led by what the node
   * has (core/findings/summary.ts partOrder: device-mapper last on a node without LVM storage).
   */
  parts: { id: 'dm' | 'mounts' | 'volumes'; label: string }[];
  /** The PVE web interface the links go to, when the config sets one (`[links] pve_gui`); else the page's host. */
  guiBase: string | null;
}
