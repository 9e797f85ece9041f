// The shapes cluster-merge.ts and cluster-findings.ts share (so neither imports the other's module).

export type FindingSeverity = 'critical' | 'warning' | 'unknown' | 'info';

export type ClusterFindingKind =
  | 'shared-lv-open-on-nodes'
  | 'shared-lv-active-on-nodes'
  | 'shared-lv-stale-incarnation'
  | 'guest-active-away-from-home'
  | 'guest-only-disk-elsewhere'
  | 'node-not-checked'
  | 'node-status' // only in the cluster --notify document (cluster-notify.ts): a checked node that is not OK
  | 'node-offline'
  | 'node-name-mismatch'
  | 'cluster-not-quorate'
  | 'cluster-not-scanned'; // the scan itself could not run (no .members, an unreadable config, ...)

export interface ClusterVolume {
  vg: string;
  lv: string;
  lvUuid: string;
  storage: string | null;
  vmid: number | null;
  /** Node the owning guest lives on, when a document knows it. */
  home: string | null;
  /** Nodes where the LV has a DM map, and where that map is open. */
  activeOn: string[];
  openOn: string[];
}

export interface ClusterFinding {
  /** Stable across runs for the same problem (notifications compare it). */
  id: string;
  kind: ClusterFindingKind;
  severity: FindingSeverity;
  title: string;
  detail: string;
  /** Nodes involved. */
  nodes: string[];
  vmid?: number;
  /** The guest's type where a node's document knows it: with vmid, PVE's id "qemu/100" (metrics join on it). */
  guestType?: 'qemu' | 'lxc';
  volumes?: ClusterVolume[];
  /** What explains it (e.g. "migration: lock migrate on pve1"), when something does. */
  explainedBy?: string[];
}
