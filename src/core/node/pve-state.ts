// Proxmox state from a snapshot's files and processes: node name, storages, guests of the whole
// cluster, running tasks, HA, and which local guests run. Pure.

import { parseGuestConfig } from '../parse/guest-config';
import {
  type HaService,
  type Members,
  parseHaManagerStatus,
  parseMembers,
  parseNextIdRange,
  parseVmlist,
  type Task,
  type VmlistEntry,
} from '../parse/pmxcfs';
import type { GuestRecord } from './guest-record';
import { membersGap, unlistedDirs, unseenConfigs, vmlistGap, withTasks } from './pmxcfs-gaps';
import { runningTasks } from './running-tasks';

export type { GuestRecord };

import {
  type LvmStorage,
  lvmStorages,
  parseStorageConfig,
  type StorageConfig,
  storagesOnNode,
} from '../parse/storage-config';
import type { HostSnapshot, ProcessInfo } from '../vocab/snapshot';
import { storageConfigGap } from './storage-gaps';

export interface PveState {
  node: string;
  members: Members | null;
  storageConfig: StorageConfig[];
  /** Why storage.cfg cannot be believed (missing, garbled, or less than the guest configs name: storage-gaps.ts); null when it can. */
  storageConfigError: string | null;
  /** Every LVM and LVM-thin storage of the cluster, whatever its node restriction. */
  lvmStorages: LvmStorage[];
  /** The LVM storages this node uses: not disabled, and `nodes` (if set) names it (storagesOnNode). */
  lvmStoragesHere: LvmStorage[];
  /** IDs of the storages that are shared (`shared 1` or a shared type). */
  sharedStorages: Set<string>;
  /** /etc/pve/.vmlist: where each guest of the cluster lives. */
  vmlist: VmlistEntry[];
  guests: Map<number, GuestRecord>;
  /** Config files found (any node). */
  configCount: number;
  /** Running tasks of this node whose worker lives (or was not checked: older snapshots). */
  tasks: Task[];
  /**
   * Lines of tasks/active without an end whose worker is gone or is another process (pve-common
   * check_process_running: pid and start time from the UPID): they explain nothing, but what they name
   * is not touched while they stand.
   */
  deadTasks: Task[];
  /** Why tasks/active cannot be believed (unreadable, or a line that is no task line), or null. */
  tasksUnread: string | null;
  ha: HaService[];
  running: Set<number>;
  kvmAlive: Set<number>;
  /** VMIDs whose live kvm was started with `-incoming` (a migration target, or a resume from a state file). */
  kvmIncoming: Set<number>;
  nextIdRange: { lower: number; upper: number };
  /** /etc/pve looked present (storage.cfg or .members or any config). */
  pvePresent: boolean;
  /** Why .vmlist cannot be believed as the cluster's guest list (pmxcfs-gaps.ts), or null. */
  guestListGap: string | null;
  /** Why .members cannot be believed (pmxcfs-gaps.ts), or null: the DM and volumes parts are then UNKNOWN. */
  membersGap: string | null;
  /** Why "no config names it" cannot be believed for a volume on shared / local storage, or null. */
  unseen: { shared: string | null; local: string | null };
  warnings: string[];
}

const CONFIG_PATH = /^\/etc\/pve\/nodes\/([^/]+)\/(qemu-server|lxc)\/(\d+)\.conf$/;

/** A pmxcfs file parsed, or why not (absent: neither). */
function attemptParse<T>(text: string | undefined, parse: (t: string) => T): { value: T | null; error: string | null } {
  if (text === undefined) return { value: null, error: null };
  try {
    return { value: parse(text), error: null };
  } catch (e) {
    return { value: null, error: (e as Error).message };
  }
}

function tryParse<T>(warnings: string[], what: string, fn: () => T): T | null {
  try {
    return fn();
  } catch (e) {
    warnings.push(`${what}: ${(e as Error).message}`);
    return null;
  }
}

/** `lxc-start -F -n 200` (and the `[lxc monitor] /var/lib/lxc 200` monitor) → 200. */
export function lxcIdOfProcess(p: ProcessInfo): number | null {
  const a = p.cmdline;
  const i = a.indexOf('-n');
  // The cheap tests first: a node runs thousands of kvm processes of ~100 arguments each.
  if (i >= 0 && /^\d+$/.test(a[i + 1] ?? '') && a.some((x) => x.endsWith('lxc-start'))) return Number(a[i + 1]);
  // The joined line starts with `[lxc` only if the first argument does (join puts a space after it).
  const m = a.length > 0 && a[0].startsWith('[lxc') ? /^\[lxc monitor\] \S+ (\d+)$/.exec(a.join(' ')) : null;
  return m ? Number(m[1]) : null;
}

/**
 * The node name, by one rule: what pmxcfs says this node is (.members `nodename`), else the hostname
 * (PVE names a node after its short hostname; a standalone node may have no .members).
 */
export function nodeNameOf(members: Pick<Members, 'nodename'> | null, hostname: string): string {
  return members?.nodename || hostname.trim().split('.')[0];
}

/** The same rule from the raw files (an unreadable .members counts as none). */
export function nodeNameFromFiles(membersText: string | null | undefined, hostname: string): string {
  let members: Members | null = null;
  if (membersText) {
    try {
      members = parseMembers(membersText);
    } catch {
      members = null;
    }
  }
  return nodeNameOf(members, hostname);
}

/** Parsed once per analysis, by parseNode (node-view.ts). */
export function parsePveState(snap: HostSnapshot): PveState {
  const warnings: string[] = [];
  const f = snap.files;
  const membersRead = attemptParse(f['/etc/pve/.members'], parseMembers);
  const members = membersRead.value;
  if (membersRead.error) warnings.push(`/etc/pve/.members: ${membersRead.error}`);
  const node = nodeNameOf(members, snap.hostname);
  const storageText = f['/etc/pve/storage.cfg'];
  const storageConfig = parseStorageConfig(storageText ?? '');
  const allLvm = lvmStorages(storageConfig);
  const { guests, configCount } = parseGuestConfigs(f, { node, warnings, unreadable: snap.unreadable ?? {} });
  const vmlistRead = attemptParse(f['/etc/pve/.vmlist'], parseVmlist);
  if (vmlistRead.error) warnings.push(`/etc/pve/.vmlist: ${vmlistRead.error}`);
  const guestListGap = vmlistGap(f, { entries: vmlistRead.value, error: vmlistRead.error }, guests.values());
  if (guestListGap) warnings.push(`${guestListGap}: no volume is called an orphan on the guest list alone`);
  // Guests .vmlist knows whose config we could not read still exist: never call their disks orphans.
  const vmlist: VmlistEntry[] = vmlistRead.value ?? [];
  for (const e of vmlist) {
    if (!guests.has(e.vmid) && e.type !== 'openvz') {
      guests.set(e.vmid, {
        vmid: e.vmid,
        type: e.type,
        node: e.node,
        config: null,
        configError: 'listed in .vmlist but its config file was not found',
      });
    }
  }
  const { tasks, deadTasks, tasksUnread } = runningTasks(snap);
  const ha = f['/etc/pve/ha/manager_status']
    ? (tryParse(warnings, 'ha/manager_status', () => parseHaManagerStatus(f['/etc/pve/ha/manager_status'])) ?? [])
    : [];
  return {
    node,
    members,
    storageConfig,
    storageConfigError: storageConfigGap(storageText, storageConfig, guests),
    lvmStorages: allLvm,
    lvmStoragesHere: storagesOnNode(allLvm, node),
    sharedStorages: new Set(storageConfig.filter((s) => s.shared).map((s) => s.id)),
    vmlist,
    guests,
    configCount,
    tasks,
    deadTasks,
    tasksUnread,
    ha,
    ...runningGuests(snap),
    nextIdRange: parseNextIdRange(f['/etc/pve/datacenter.cfg']),
    pvePresent: f['/etc/pve/storage.cfg'] !== undefined || members !== null || configCount > 0,
    guestListGap,
    membersGap: membersGap(f, { members, error: membersRead.error }, snap.pveLocal),
    unseen: withTasks(unlistedDirs(unseenConfigs(guestListGap, guests.values(), node), snap, node), tasksUnread),
    warnings,
  };
}

/** Every guest config of the cluster (/etc/pve/nodes/<node>/{qemu-server,lxc}/<vmid>.conf), by VMID. */
function parseGuestConfigs(
  files: Record<string, string>,
  o: { node: string; warnings: string[]; unreadable: Record<string, string> },
): { guests: Map<number, GuestRecord>; configCount: number } {
  const guests = new Map<number, GuestRecord>();
  let configCount = 0;
  for (const path in files) {
    const m = path.startsWith('/etc/pve/nodes/') ? CONFIG_PATH.exec(path) : null;
    if (!m) continue;
    const text = files[path];
    configCount++;
    const vmid = Number(m[3]);
    const type = m[2] === 'lxc' ? 'lxc' : 'qemu';
    const prev = guests.get(vmid);
    if (prev) o.warnings.push(`VMID ${vmid} has configs on ${prev.node} and ${m[1]} (duplicate VMID)`);
    let config = null;
    let configError: string | undefined;
    try {
      config = parseGuestConfig(text, type, vmid);
      for (const w of config.warnings) o.warnings.push(`${path}: ${w}`);
      // Not a whole config as PVE writes it (guest-config-trust.ts): as unreadable as a missing one.
      if (config.defect) {
        configError = `${path} cannot be believed: ${config.defect}`;
        o.warnings.push(configError);
        config = null;
      }
    } catch (e) {
      configError = (e as Error).message;
      o.warnings.push(`${path}: ${configError}`);
    }
    // The config on this node wins over a duplicate elsewhere.
    if (!prev || m[1] === o.node) guests.set(vmid, { vmid, type, node: m[1], config, configError });
  }
  // Listed by pmxcfs but unreadable: the guest exists and its disks are unknown, whatever .vmlist says.
  for (const path in o.unreadable) {
    const m = CONFIG_PATH.exec(path);
    if (!m || (guests.has(Number(m[3])) && m[1] !== o.node)) continue;
    const configError = `${path} could not be read (${o.unreadable[path]})`;
    o.warnings.push(configError);
    guests.set(Number(m[3]), {
      vmid: Number(m[3]),
      type: m[2] === 'lxc' ? 'lxc' : 'qemu',
      node: m[1],
      config: null,
      configError,
    });
  }
  return { guests, configCount };
}

/** `N` of a kvm command line's `-id N` (qemu-server config_to_command: `push @$cmd, '-id', $vmid`), or null. */
export function kvmIdOfProcess(p: ProcessInfo): number | null {
  // The name first (cheap): PVE starts /usr/bin/kvm, whose comm is `kvm`; qemu-system-* is the same binary.
  const exe = p.cmdline[0] ?? '';
  if (!/^(kvm|qemu-system-)/.test(p.comm) && !/(^|\/)(kvm|qemu-system-[^/]*)$/.test(exe)) return null;
  const i = p.cmdline.indexOf('-id');
  const id = i >= 0 ? p.cmdline[i + 1] : undefined;
  return id !== undefined && /^\d+$/.test(id) ? Number(id) : null;
}

/**
 * Guests running here, from the process table: a kvm whose command line says `-id N`, a live kvm behind
 * /run/qemu-server/<vmid>.pid, an lxc-start / lxc monitor process. qemu-server's check_running trusts the
 * pid file (Helpers.pm vm_running_locally: its first line must be the pid of a process whose -pidfile is
 * it); a pid file that is garbled, empty, two lines or stale while the kvm runs says "stopped" there, but
 * the process holds the guest's disks all the same — the process decides, the pid file only adds.
 */
function runningGuests(snap: HostSnapshot): { running: Set<number>; kvmAlive: Set<number>; kvmIncoming: Set<number> } {
  const procs = new Map(snap.processes.map((p) => [p.pid, p]));
  const running = new Set<number>();
  const kvmAlive = new Set<number>();
  const kvmIncoming = new Set<number>();
  const kvm = (vmid: number, p: ProcessInfo) => {
    kvmAlive.add(vmid);
    running.add(vmid);
    if (p.cmdline.includes('-incoming')) kvmIncoming.add(vmid);
  };
  for (const path in snap.files) {
    const m =
      path.endsWith('.pid') && path.includes('/qemu-server/')
        ? /^\/(?:var\/)?run\/qemu-server\/(\d+)\.pid$/.exec(path)
        : null;
    if (!m) continue;
    const p = procs.get(Number(snap.files[path].trim()));
    // A pid file outlives a crashed kvm: only a live process whose command line names the VMID counts.
    // (The name first: a kvm's command line is long, and joining it for every running VM costs.)
    if (p && (/kvm|qemu/.test(p.comm) || p.cmdline.join(' ').includes(`-id ${m[1]}`))) kvm(Number(m[1]), p);
  }
  for (const p of snap.processes) {
    const id = lxcIdOfProcess(p);
    if (id !== null) running.add(id);
    const vm = id === null ? kvmIdOfProcess(p) : null;
    if (vm !== null) kvm(vm, p);
  }
  return { running, kvmAlive, kvmIncoming };
}
