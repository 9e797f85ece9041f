// The mounts check's inputs, parsed once: the host's and each running container's mount table, the
// storages of this node that must be mounted, and what each container config declares. Everything
// after this (which paths to resolve, the occurrences, the probes, the verdicts) reads the view, so no
// text is parsed twice in a run. Each mount table line (proc(5), core/parse/mountinfo.ts):
//
// 36 35 0:53 / /mnt/pve/nfs-backup rw,relatime shared:80 - nfs4 10.0.0.5:/export/backup rw,vers=4.2
//
// Pure.
import { type MountInfo, parseMountInfo, visibleMounts } from '../parse/mountinfo';
import { type ContainerMounts, parseContainerMounts } from './container-mounts';
import { nodeStorageMounts, nodeStoragePaths, type StorageMount } from './storage-mounts';

export interface MountTables {
  hostMountinfo: string;
  containers: { ctid: number; pid: number; mountinfo: string | null }[];
}

/** What the host read for the mounts check, before any probe. */
export interface MountReads extends MountTables {
  storageCfg: string | null;
  /** ctid → /etc/pve/lxc/<ctid>.conf text. */
  ctConfigs: Record<string, string>;
  node: string;
}

/** One mount table: the mounts a path lookup reaches (visibleMounts), and how many lines did not parse. */
export interface MountTable {
  mounts: MountInfo[];
  bad: number;
}

export interface ParsedMountTables {
  host: MountTable;
  /** Running containers: init pid and table (null when its mountinfo could not be read). */
  containers: { ctid: number; pid: number; table: MountTable | null }[];
}

export interface MountView extends ParsedMountTables {
  node: string;
  /** The storages of this node that must be mounted, their paths as storage.cfg writes them. */
  storages: StorageMount[];
  /** The path of every storage of this node that has one (storage-mounts.ts nodeStoragePaths). */
  storagePaths: string[];
  /** ctid → what its config declares (containers whose config was read). */
  declared: Map<number, ContainerMounts>;
}

function parseTable(text: string): MountTable {
  const t = parseMountInfo(text);
  return { mounts: visibleMounts(t.mounts), bad: t.bad.length };
}

export function parseMountTables(tables: MountTables): ParsedMountTables {
  return {
    host: parseTable(tables.hostMountinfo),
    containers: tables.containers.map((c) => ({
      ctid: c.ctid,
      pid: c.pid,
      table: c.mountinfo === null ? null : parseTable(c.mountinfo),
    })),
  };
}

export function parseMountReads(reads: MountReads): MountView {
  const declared = new Map<number, ContainerMounts>();
  for (const [ctid, text] of Object.entries(reads.ctConfigs))
    declared.set(Number(ctid), parseContainerMounts(Number(ctid), text));
  return {
    ...parseMountTables(reads),
    node: reads.node,
    storages: nodeStorageMounts(reads.storageCfg, reads.node),
    storagePaths: nodeStoragePaths(reads.storageCfg, reads.node),
    declared,
  };
}
