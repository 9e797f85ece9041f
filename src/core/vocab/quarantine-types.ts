// The quarantine listing of a check document (types.ts `quarantine`): what `reclaim` set aside, as
// every output shows it.

/** What is in quarantine and when each may be purged (`[reclaim] retention_days` after it went in). */
export interface QuarantineListing {
  retentionDays: number;
  volumes: QuarantineListed[];
}

export interface QuarantineListed {
  /** The volume ID it had, and has again after `restore`. */
  volid: string;
  storage: string;
  vmid: number | null;
  /** Where it is now (LV, dataset, trash entry, file). */
  name: string;
  since: string;
  purgeAfter: string;
  /** The retention has passed: `reclaim --purge` may destroy it. */
  due: boolean;
  sizeBytes: number | null;
  usedBytes: number | null;
}
