// The cleanup planner's vocabulary: an action (argv, what it does, the locks it takes), a skipped finding,
// the plan, the filter. Types only.
import type { NextStep } from '../vocab/next-step';

export type CleanupKind = 'dm-remove' | 'lv-deactivate';

export interface PlanFilter {
  all?: boolean;
  vmids?: number[];
  reasons?: string[];
  names?: string[];
}

export interface CleanupAction {
  kind: CleanupKind;
  name: string;
  uuid: string;
  reason: string;
  status: string;
  /** Why this entry is a finding (the analysis' detail). */
  why: string;
  /** What the command does, in words. */
  effect: string;
  command: string[];
  /** The advice after it, in one sentence (made from `steps`). */
  hint?: string;
  /** The advice after it: keep the LV (attach it) or drop it (irreversible), each with its command. */
  steps?: NextStep[];
  vg: string | null;
  lv: string | null;
  lvUuid: string | null;
  storage: string | null;
  /** The storage is shared (its lock is the pmxcfs cluster lock, not a local flock). */
  storageShared: boolean;
  vmid: number | null;
  guestType: 'qemu' | 'lxc' | null;
  /**
   * Config locks to take, ascending VMID (no deadlock): the name's guest and every guest on this node
   * whose config names the volume (elsewhere: the storage's cluster lock covers it, or it is local).
   */
  guestLocks: { vmid: number; type: 'qemu' | 'lxc' | null }[];
  majorMinor: string | null;
  table: string[];
  /** DM name of the parent when this is a kpartx partition map. */
  parent: string | null;
}

export interface PlanSkip {
  name: string;
  status: string;
  reason: string;
  why: string;
}

export interface CleanupPlan {
  actions: CleanupAction[];
  /** Findings (orphan/duplicate/unknown) that get no action, with the reason. */
  skipped: PlanSkip[];
}
