// The quarantine listing of a check document (types.ts `quarantine`): what `reclaim` set aside, as
// every output shows it.

import type { NamedElsewhere } from './only-copy';

/** What is in quarantine and when each may be purged (`[reclaim] retention_days` after it went in). */
export interface QuarantineListing {
  retentionDays: number;
  /** 'lvm': only LVs are listed (`dm` reads no other storage; `check` and `volumes` list every one). */
  scope?: 'lvm';
  volumes: QuarantineListed[];
}

export interface QuarantineListed {
  /** The volume ID it had, and has again after `restore`. */
  volid: string;
  /**
   * Where the volume ID does not name it alone: a Ceph trash entry reclaim adopted, `VOLID#trash:<id>`
   * (the name it had: vocab/volume-subject.ts), which every list prints and `restore --name` takes.
   */
  subject?: string;
  storage: string;
  vmid: number | null;
  /** Where it is now (LV, dataset, trash entry, file). */
  name: string;
  since: string;
  purgeAfter: string;
  /** The retention has passed: `reclaim --purge` may destroy it. */
  due: boolean;
  /** Provisioned (what it can hold) and used (what it takes now) — core/text/size-figures.ts; null: not listed. */
  sizeBytes: number | null;
  usedBytes: number | null;
  /** A snapshot quarantined on its own (its sizeBytes is null: it provisions nothing). */
  snapshot?: true;
  /** The figures are what its reclaim journal recorded when it went in (an RBD image in the trash). */
  sizeRecorded?: true;
  /** The reclaim journal that put it there (a live node's; absent from --demo/--from): `restore JOURNAL --name VOLID`. */
  journal?: string;
  /**
   * Named like a quarantine, but no reclaim journal of this node proves pve-health put it there
   * (core/reclaim/quarantine-proof.ts): why. Never due; `reclaim --purge` never destroys it.
   */
  notOurs?: string;
  /**
   * A local storage's volume whose volume ID a guest config of another node names (core/vocab/only-copy.ts):
   * it may be that guest's only disk, so no output offers its purge; the look at that node comes first.
   */
  namedOn?: NamedElsewhere;
}
