// Proxmox files, processes and the kernel's sysfs view, read under the host root. No subprocess:
// qm/pct are slow and pmxcfs already has everything as files.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { parseActiveTasks } from '../core/parse/pmxcfs';
import type { ProcessInfo, SysDmEntry } from '../core/vocab/snapshot';
import { type Host, hostPath } from './host';

/** Single files the analysis reads (absolute node paths). */
export const NODE_FILES = [
  '/etc/hostname',
  '/etc/pve/storage.cfg',
  '/etc/pve/.vmlist',
  '/etc/pve/.members',
  '/etc/pve/.version',
  '/etc/pve/datacenter.cfg',
  '/etc/pve/ha/manager_status',
  '/etc/pve/replication.cfg',
  '/var/lib/pve-manager/pve-replication-state.json',
  '/var/log/pve/tasks/active',
  '/proc/self/mountinfo',
  '/etc/lvm/lvm.conf',
];

function readText(host: Host, path: string): string | undefined {
  try {
    return readFileSync(hostPath(host, path), 'utf8');
  } catch {
    return undefined;
  }
}

function list(host: Host, dir: string): string[] {
  try {
    return readdirSync(hostPath(host, dir));
  } catch {
    return [];
  }
}

/**
 * The node's files, and those that are there but could not be read (path → why): a guest config pmxcfs
 * listed (a guest whose disks must never look unreferenced), replication.cfg, tasks/active.
 */
export function readNodeFiles(host: Host): { files: Record<string, string>; unreadable: Record<string, string> } {
  const files: Record<string, string> = {};
  const unreadable: Record<string, string> = {};
  for (const p of NODE_FILES) {
    try {
      files[p] = readFileSync(hostPath(host, p), 'utf8');
    } catch (e) {
      // Absent is a state (no replication job, no task yet); any other failure is a read that failed.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') unreadable[p] = code ?? (e as Error).message;
    }
  }
  // Every node's guest configs: shared-storage references count from anywhere in the cluster. A
  // directory that is there but cannot be listed is a read that failed, never "no guests".
  const listed = (dir: string): string[] => {
    try {
      return readdirSync(hostPath(host, dir));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') unreadable[dir] = code ?? (e as Error).message;
      return [];
    }
  };
  for (const node of listed('/etc/pve/nodes')) {
    for (const kind of ['qemu-server', 'lxc']) {
      const dir = `/etc/pve/nodes/${node}/${kind}`;
      for (const f of listed(dir)) {
        if (!/^\d+\.conf$/.test(f)) continue;
        try {
          files[`${dir}/${f}`] = readFileSync(hostPath(host, `${dir}/${f}`), 'utf8');
        } catch (e) {
          unreadable[`${dir}/${f}`] = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        }
      }
    }
  }
  for (const f of list(host, '/run/qemu-server')) {
    if (!/^\d+\.pid$/.test(f)) continue;
    const t = readText(host, `/run/qemu-server/${f}`);
    if (t !== undefined) files[`/run/qemu-server/${f}`] = t;
  }
  return { files, unreadable };
}

/** What names this node: /etc/pve/.members (pmxcfs) and the hostname (core nodeNameFromFiles decides). */
export function readNodeIdentity(host: Host): { membersText: string | null; hostname: string } {
  return { membersText: readText(host, '/etc/pve/.members') ?? null, hostname: readHostname(host) };
}

/**
 * The start time (clock ticks since boot, /proc/<pid>/stat field 22) of the worker of every task
 * tasks/active lists as running, by UPID; null when no such process exists. pve-common
 * check_process_running compares it with the UPID's pstart: a task whose worker died is not running.
 */
export function readTaskWorkers(host: Host, tasksText: string | undefined): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const t of parseActiveTasks(tasksText ?? '')) {
    if (!t.running) continue;
    const stat = readText(host, `/proc/${t.pid}/stat`);
    // The fields after the command name, which may hold spaces and parentheses: from its last ')'.
    const rest = stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : null;
    const start = rest ? Number(rest[19]) : Number.NaN;
    out[t.upid] = Number.isFinite(start) ? start : null;
  }
  return out;
}

/** Where /etc/pve/local leads (pmxcfs: `nodes/<this node>`), or undefined when it is no link. */
export function readPveLocal(host: Host): string | undefined {
  try {
    return readlinkSync(hostPath(host, '/etc/pve/local'));
  } catch {
    return undefined;
  }
}

export function readHostname(host: Host): string {
  const t = readText(host, '/etc/hostname')?.trim();
  if (t) return t.split('.')[0];
  return host.root === '/' ? osHostname().split('.')[0] : 'unknown';
}

const INTERESTING_COMM =
  /^(kvm|qemu-system-.*|lxc-start|blkdiscard|dd|qemu-img|qemu-nbd|vgs|lvs|lvcreate|lvremove|lvchange)$/;

/** A guest image on a file storage (dir/NFS/CIFS/btrfs): readlink only, never a stat of it. */
const IMAGE_FILE = /\/images\/\d+\/[^/]+/;

/** /dev entries that are never block devices (kvm and containers hold many of these). */
const NOT_BLOCK =
  /^\/dev\/(pts|null|zero|full|u?random|tty|ptmx|kvm|net|vhost-|vfio|shm|hugepages|mqueue|fuse|snd|dri|input|bus|char|log|console|rtc|hpet|kmsg|watchdog|userfaultfd|autofs|cpu|mem|port|loop-control|btrfs-control|mapper\/control)/;

/**
 * One pass over /proc: every process that holds a block device open (one readlink per fd, never
 * lsof/fuser: they stat files and hang on a dead NFS mount), plus kvm and lxc-start processes and
 * the children of lxc-start (a container's init). Only comm and the fd links are read for every
 * process: reading /proc/<pid>/cmdline takes the target's mm lock and blocks on a process stuck on a
 * dead NFS mount, so it is read only for the processes kept.
 */
export function readProcesses(host: Host): ProcessInfo[] {
  const kept: ProcessInfo[] = [];
  const childrenWanted = new Set<number>();
  const comms = new Map<number, string>();
  for (const entry of list(host, '/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const base = `/proc/${entry}`;
    const fds: string[] = [];
    for (const fd of list(host, `${base}/fd`)) {
      try {
        const t = readlinkSync(hostPath(host, `${base}/fd/${fd}`));
        // Block devices, and guest image files of file storages (`<path>/images/<vmid>/<file>`).
        if ((t.startsWith('/dev/') && !NOT_BLOCK.test(t)) || IMAGE_FILE.test(t)) fds.push(t);
      } catch {
        // the fd closed meanwhile
      }
    }
    const comm = (readText(host, `${base}/comm`) ?? '').trim();
    comms.set(pid, comm);
    const isLxc = comm === 'lxc-start';
    if (fds.length === 0 && !isLxc && !INTERESTING_COMM.test(comm)) continue;
    const p = describe(host, pid, comm);
    if (fds.length > 0) p.fds = [...new Set(fds)];
    if (isLxc) {
      const kids = (readText(host, `${base}/task/${entry}/children`) ?? '').trim();
      p.children = kids ? kids.split(/\s+/).map(Number) : [];
      for (const c of p.children) childrenWanted.add(c);
    }
    kept.push(p);
  }
  const have = new Set(kept.map((p) => p.pid));
  for (const c of childrenWanted) if (!have.has(c) && comms.has(c)) kept.push(describe(host, c, comms.get(c)!));
  return kept.sort((a, b) => a.pid - b.pid);
}

function describe(host: Host, pid: number, comm: string): ProcessInfo {
  const cmdline = (readText(host, `/proc/${pid}/cmdline`) ?? '').split('\0');
  if (cmdline[cmdline.length - 1] === '') cmdline.pop();
  const stat = readText(host, `/proc/${pid}/stat`);
  const ppid = stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : Number.NaN;
  return { pid, ppid: Number.isFinite(ppid) ? ppid : undefined, comm, cmdline };
}

/**
 * /sys/block/dm-N/dm/{name,uuid}: the kernel's own list, compared with dmsetup's in every command
 * (core/node/view-consistency.ts). `read` is true when /sys/block was listed and every map's name read,
 * else why not: an unreadable sysfs must not look like a kernel without maps.
 */
/** /sys/block/dm-N/holders of one map (clean's narrow re-check), or why it cannot be read. */
export function readDmHolders(host: Host, kname: string): string[] | string {
  if (!/^dm-\d+$/.test(kname)) return `'${kname}' is not a device-mapper device name`;
  try {
    return readdirSync(hostPath(host, `/sys/block/${kname}/holders`));
  } catch (e) {
    return `/sys/block/${kname}/holders: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  }
}

export function readSysDmState(host: Host): { sysDm: SysDmEntry[]; read: true | string } {
  let names: string[];
  try {
    names = readdirSync(hostPath(host, '/sys/block'));
  } catch (e) {
    return { sysDm: [], read: `/sys/block: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  const out: SysDmEntry[] = [];
  const unreadable: string[] = [];
  for (const k of names) {
    if (!k.startsWith('dm-')) continue;
    const name = readText(host, `/sys/block/${k}/dm/name`);
    if (name === undefined) {
      unreadable.push(k);
      continue;
    }
    out.push({
      kname: k,
      name: name.trim(),
      uuid: (readText(host, `/sys/block/${k}/dm/uuid`) ?? '').trim(),
      dev: readText(host, `/sys/block/${k}/dev`)?.trim(),
      holders: list(host, `/sys/block/${k}/holders`),
      slaves: list(host, `/sys/block/${k}/slaves`),
    });
  }
  return { sysDm: out, read: unreadable.length ? `/sys/block/${unreadable[0]}/dm/name cannot be read` : true };
}
