// What every storage rule reads (parsed once per analysis), its defaults and its byte formatter: the
// rules (classify-storage-*.ts) depend on this room, and classify-storage.ts builds it, so no rule
// file imports the module that imports it.

import type { DeviceIndex, DmDevice } from '../node/dm-devices';
import type { TwoKeys } from '../node/two-keys';
import type { VgReach } from '../node/vg-reach';
import type { GuestConfig, GuestType } from '../parse/guest-config';
import type { DmSegment } from '../parse/parse-dmsetup';
import type { LvRow, VgRow } from '../parse/parse-lvm';
import type { HaService, Task } from '../parse/pmxcfs';
import type { LvmStorage } from '../parse/storage-config';
import type { Config } from '../vocab/config';
import type { DmResult, Status, StorageFinding } from '../vocab/types';

/** Thin pool thresholds when the config does not set them (docs/storage-health.md says why). */
export const THIN_DEFAULTS = {
  dataWarning: 80,
  dataCritical: 90,
  // Metadata is tighter: a full metadata device switches the pool read-only (every guest stops
  // writing) and, unlike data, cannot be freed by trimming guests.
  metaWarning: 70,
  metaCritical: 85,
  overcommitWarning: 200,
} as const;

/** The command key under which src/host/read-dm.ts stores `lvs -o ...,autoactivation`. */
export const AUTOACTIVATION_KEY = 'lvs.autoactivation';

export interface ParsedGuest {
  vmid: number;
  type: GuestType;
  node: string;
  config: GuestConfig;
}

/** Everything the rules read, parsed once. */
export interface StorageContext {
  node: string;
  clustered: boolean;
  storages: LvmStorage[];
  /** Every storage ID a config may name (storage-gaps.ts definedStorageIds). */
  storageIds: ReadonlySet<string>;
  lvs: LvRow[];
  lvsOk: boolean;
  lvsTimedOut: boolean;
  vgs: VgRow[];
  /** The maps with their info, table, deps and parsed UUIDs and names (the node view's, parsed once). */
  devices: DmDevice[];
  /** Those devices by device number, kernel name and map name. */
  index: DeviceIndex;
  status: Map<string, DmSegment[]>;
  guests: ParsedGuest[];
  /** Tasks still running on this node (tasks/active is node-local). */
  tasks: Task[];
  /** Running lines whose worker is gone, and why tasks/active cannot be believed (pve-state). */
  deadTasks?: Task[];
  tasksUnread?: string | null;
  ha: HaService[];
  running: Set<number>;
  /** VMIDs with a live kvm here, and those started as a migration target (`-incoming`). */
  kvmAlive: Set<number>;
  kvmIncoming: Set<number>;
  mountinfo: string;
  lvmConf: string | null;
  /** Every VG as its disks show it (node/vg-reach.ts). */
  vgReach: ReadonlyMap<string, VgReach>;
  /** This node's local dir/btrfs storages on a network filesystem: id → `<fstype> <source> at <target>`. */
  networkFs: ReadonlyMap<string, string>;
  /** `vg/lv` → autoactivation enabled; null when it could not be read. */
  /** VG → LV name → autoactivation on (two-keys.ts), or null when it could not be read. */
  readonly autoactivation: TwoKeys<boolean> | null;
  /** Why autoactivation is null: the call failed, timed out or printed junk; null when it read or lvm2 lacks the field. */
  readonly autoactivationFailure: string | null;
  dm: DmResult;
  config: Config;
}

/** A storage finding's monitoring state: the one rule for the DM part's status and the findings list. */
export const STORAGE_SEVERITY_STATUS: Record<StorageFinding['severity'], Status> = { critical: 2, warning: 1, info: 0 };
