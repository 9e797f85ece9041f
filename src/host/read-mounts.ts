// Reading for the mounts check: the host's mount table, each running container's table (through its
// init process, found from the `lxc-start -F -n <id>` monitor; no `pct exec`), storage.cfg and the
// container configs. Raw text only: the plan (which paths, which probes) and the verdicts are the
// core's (core/mounts), the order of the steps is the CLI's (cli/mounts-pipeline.ts).
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type MountInfo, parseMountInfo } from '../core/parse/mountinfo';
import { CheckError } from '../core/vocab/errors';
import { type Host, hostPath } from './host';

function readText(host: Host, path: string): string | null {
  try {
    return readFileSync(hostPath(host, path), 'utf8');
  } catch {
    return null;
  }
}

/** The `-n`/`--name` of an lxc-start command line: `/usr/bin/lxc-start -F -n 105`. */
export function parseLxcStartArgs(argv: string[]): number | null {
  if (argv.length === 0 || basename(argv[0]) !== 'lxc-start') return null;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    let v: string | undefined;
    if (a === '-n' || a === '--name') v = argv[i + 1];
    else if (a.startsWith('--name=')) v = a.slice(7);
    else if (/^-n\S/.test(a)) v = a.slice(2);
    if (v !== undefined) return /^\d+$/.test(v) ? Number(v) : null;
  }
  return null;
}

/**
 * Running containers: every `lxc-start` process and the init process it started (its child).
 * Only /proc/<pid>/comm is read for every process: reading another process's cmdline takes its
 * memory lock and blocks when that process is stuck in a page fault on a dead NFS mount (why `ps`
 * hangs). cmdline is read only for the lxc-start processes.
 */
export function findContainerInits(host: Host): { ctid: number; pid: number }[] {
  let pids: number[];
  try {
    pids = readdirSync(hostPath(host, '/proc'))
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
  } catch {
    return [];
  }
  const out: { ctid: number; pid: number }[] = [];
  for (const pid of pids) {
    if (readText(host, `/proc/${pid}/comm`)?.trim() !== 'lxc-start') continue;
    const argv = (readText(host, `/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean);
    const ctid = parseLxcStartArgs(argv);
    if (ctid === null) continue;
    const init = childOf(host, pid, pids);
    if (init !== null) out.push({ ctid, pid: init });
  }
  return out.sort((a, b) => a.ctid - b.ctid);
}

function childOf(host: Host, pid: number, all: number[]): number | null {
  const children = readText(host, `/proc/${pid}/task/${pid}/children`);
  if (children !== null) {
    const first = children.trim().split(/\s+/).filter(Boolean)[0];
    return first ? Number(first) : null;
  }
  // Kernels without CONFIG_PROC_CHILDREN: the process whose parent (stat field 4) it is.
  for (const p of all) {
    const stat = readText(host, `/proc/${p}/stat`);
    if (stat && stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === String(pid)) return p;
  }
  return null;
}

/** What the mounts check reads before it probes anything (HostSnapshot.extra.mounts is built from it). */
export interface MountTableReads {
  hostMountinfo: string;
  /** alive: the init process still exists when its mountinfo could not be read (then its mounts are unseen). */
  containers: { ctid: number; pid: number; mountinfo: string | null; alive?: boolean }[];
  storageCfg: string | null;
  /** ctid → /etc/pve/lxc/<ctid>.conf text. */
  ctConfigs: Record<string, string>;
  warnings: string[];
}

/**
 * The host's and every running container's mount table, storage.cfg and the containers' configs.
 * Refuses (CheckError) what would make the check blind: not root (containers' tables are root's only),
 * no /proc/self/mountinfo, no /etc/pve (then a missing storage mount is invisible).
 */
export function readMountTables(host: Host): MountTableReads {
  // Without root the containers' mount tables (/proc/<pid>/mountinfo) cannot be read: a check that
  // silently skipped them would say OK about mounts it never saw.
  if (host.root === '/' && typeof process.getuid === 'function' && process.getuid() !== 0)
    throw new CheckError('must run as root: the mount tables of the containers are readable only by root');
  const hostMountinfo = readText(host, '/proc/self/mountinfo');
  if (hostMountinfo === null) throw new CheckError(`cannot read ${hostPath(host, '/proc/self/mountinfo')}`);
  if (readText(host, '/etc/pve/storage.cfg') === null && readText(host, '/etc/pve/.members') === null)
    throw new CheckError(
      `${hostPath(host, '/etc/pve')} is not available (pmxcfs not running, or not a Proxmox VE node): cannot tell which storages must be mounted`,
    );
  const warnings: string[] = [];
  const containers = findContainerInits(host).map((c) => {
    const mountinfo = readText(host, `/proc/${c.pid}/mountinfo`);
    if (mountinfo === null) {
      // procfs, never a network path: reading /proc/<pid>/stat cannot block.
      const alive = readText(host, `/proc/${c.pid}/stat`) !== null;
      warnings.push(
        `CT ${c.ctid}: cannot read /proc/${c.pid}/mountinfo${alive ? ' while it runs' : ' (container stopped?)'}`,
      );
      return { ...c, mountinfo, alive };
    }
    return { ...c, mountinfo };
  });
  const ctConfigs: Record<string, string> = {};
  for (const c of containers) {
    const text = readText(host, `/etc/pve/lxc/${c.ctid}.conf`);
    if (text !== null) ctConfigs[c.ctid] = text;
  }
  return { hostMountinfo, containers, storageCfg: readText(host, '/etc/pve/storage.cfg'), ctConfigs, warnings };
}

/**
 * The containers among `pids` (ctid → init pid) whose init process no longer exists, or whose way in
 * (the /proc/<pid>/root link itself) is gone: read after the probes, so that a path not found under
 * /proc/<pid>/root tells a container that stopped meanwhile from a running one whose mount could not be
 * reached. lstat of the link only (procfs: never a walk into the container, cannot block).
 */
export function readStoppedContainers(host: Host, pids: ReadonlyMap<number, number>): number[] {
  const gone = (pid: number) => {
    if (readText(host, `/proc/${pid}/stat`) === null) return true;
    try {
      lstatSync(hostPath(host, `/proc/${pid}/root`));
      return false;
    } catch {
      return true;
    }
  };
  return [...pids].filter(([, pid]) => gone(pid)).map(([ctid]) => ctid);
}

/**
 * This node's mount table (mountinfo), read once for the file storages' mount checks and the zfs listing's
 * cross-check; null when it cannot be read.
 */
export function readHostMounts(host: Host): MountInfo[] | null {
  try {
    return parseMountInfo(readFileSync(hostPath(host, '/proc/self/mountinfo'), 'utf8')).mounts;
  } catch {
    return null;
  }
}
