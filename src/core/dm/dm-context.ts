// What the DM classifier reads about a node (built once per analysis in analyze-dm.ts). Its own room,
// so the rules that consult it (classify-dm.ts, dm-storage-choice.ts) do not import each other.

import type { GuestRecord } from '../node/guest-record';
import type { LvmView } from '../node/lvm-view';
import type { DanglingIndex } from '../node/storage-gaps';
import type { VgReach } from '../node/vg-reach';
import type { HaService, Task } from '../parse/pmxcfs';
import type { LvmStorage } from '../parse/storage-config';
import type { ReferenceIndex } from './dm-references';

/** The storage an LV belongs to on this node, the one of another node, and this node's storages on its VG. */
export interface StorageChoice {
  storage: LvmStorage | null;
  offNode: LvmStorage | null;
  here: LvmStorage[];
}

export interface ClassifyContext {
  node: string;
  lvm: LvmView;
  /** Why lvs could not be used (failed, timed out), or null. */
  lvsError: string | null;
  /** LVM storages of the whole cluster (all nodes), from storage.cfg. */
  storages: LvmStorage[];
  guests: Map<number, GuestRecord>;
  refs: ReferenceIndex;
  /** Running tasks of this node (tasks/active). */
  tasks: Task[];
  /** Running lines whose worker is gone (they explain nothing, but protect what they name), and why tasks/active cannot be believed. */
  deadTasks?: Task[];
  tasksUnread?: string | null;
  /** The VMIDs each of `tasks` and `deadTasks` names (pending-rule.ts taskVmids), read once per task. */
  taskVmids: number[][];
  deadTaskVmids: number[][];
  ha: HaService[];
  /** Guests running on this node. */
  running: Set<number>;
  /** VMIDs with a live kvm process on this node (pid file + process). */
  kvmAlive: Set<number>;
  /** Of those, the kvm processes started as a migration target (`-incoming`, qemu-server StateFile.pm). */
  kvmIncoming?: Set<number>;
  /** Why storage.cfg cannot be used (missing, unreadable), or null: then no LV can be mapped to a storage. */
  storageConfigError?: string | null;
  /** Volumes named through storages storage.cfg does not define (storage-gaps.ts danglingIndex). */
  dangling?: DanglingIndex;
  /** Why "no config names it" cannot be believed on shared / local storage (pve-state `unseen`), or null. */
  unseen?: { shared: string | null; local: string | null };
  /**
   * A config path of a guest that could lead to any LV of shared / local storage and was not looked up
   * (behind a network mount, links in a loop): not a failed read, so no leftover there is unknown for it;
   * each is protected with the reason instead (dm-flags.ts).
   */
  pathGaps?: { shared: string | null; local: string | null };
  /** VGs that lie on a device other nodes see (a multipath map, an iSCSI/FC LUN…): VG → which (node/vg-reach.ts). */
  vgTransport?: Map<string, string>;
  /** Every VG as its disks show it: local, shared, or unsure why (node/vg-reach.ts). */
  vgReach?: Map<string, VgReach>;
  /** Which storage owns an LV, decided once per (VG, kind, pool) and kept here (dm-storage-choice.ts): VG → [thin, thick] → pool. */
  storageChoices?: Map<string, [Map<string | null, StorageChoice>, Map<string | null, StorageChoice>]>;
}
