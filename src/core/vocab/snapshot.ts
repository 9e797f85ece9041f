// HostSnapshot: everything gathered from a node, as raw text. It is the boundary between src/host
// (which fills it) and src/core (which only reads it). `pve-health capture` writes one to a file,
// `--from FILE` replays it, tests and the demo node are snapshots too.

/** One command's outcome. `error` is set when it could not run to completion. */
export interface CommandOutput {
  argv: string[];
  code: number | null;
  stdout: string;
  stderr: string;
  error?: 'not-found' | 'timeout' | 'failed';
  message?: string;
  ms?: number;
}

/** A process of interest: DM holders, kvm, lxc-start and container init processes. */
export interface ProcessInfo {
  pid: number;
  ppid?: number;
  comm: string;
  cmdline: string[];
  /** readlink of /proc/<pid>/fd/* that point at block devices (/dev/dm-N, /dev/mapper/X, /dev/VG/LV). */
  fds?: string[];
  /** /proc/<pid>/task/<pid>/children */
  children?: number[];
}

/** /sys/block/dm-N/dm/{name,uuid}: the kernel's own view, compared against dmsetup before acting. */
export interface SysDmEntry {
  kname: string;
  name: string;
  uuid: string;
  dev?: string;
  holders?: string[];
  slaves?: string[];
}

/** A config's device path on the node: the path its links end at, and `major:minor` when a block device. */
export interface DevicePathState {
  path: string;
  devno?: string;
  /**
   * `<st_dev>:<st_ino>` of a regular file or a directory: the same file by any path (a bind mount of the
   * storage's directory, a hard link), matched against the file storages' listing (FileVolume id).
   */
  file?: string;
  /** Its links go round (or past the hops a lookup follows): it names no device this check can tell. */
  loop?: true;
  /**
   * The lookup stopped at this network or FUSE mount (`<fstype> <source> at <target>`) and `path` is the
   * rest as written: an lstat there can wait on a dead server, so what lies beyond was not looked at.
   */
  network?: string;
}

export interface HostSnapshot {
  kind: 'pve-health-snapshot';
  version: 1;
  /** ISO time of the capture; the core uses it as "now". */
  capturedAt: string;
  /** What `hostname` / /etc/hostname said (the node name is taken from .members when present). */
  hostname: string;
  toolVersion: string;
  /** true once secrets were removed (capture files always are). */
  redacted: boolean;
  /** Absolute paths as on the node (never prefixed with --root) → file text. Missing files are absent. */
  files: Record<string, string>;
  /** Files that are there but could not be read — guest configs pmxcfs listed, node files — path → why (absent when none, and in older captures). */
  unreadable?: Record<string, string>;
  /** Logical command name → output: dmsetup.info, dmsetup.table, dmsetup.deps, dmsetup.status, lvs, vgs. */
  commands: Record<string, CommandOutput>;
  processes: ProcessInfo[];
  sysDm: SysDmEntry[];
  /**
   * true when the gatherer listed /sys/block (an empty sysDm then means the kernel has no maps), or why
   * it could not; absent in captures of older versions (sysDm is then compared only when it lists maps).
   */
  sysDmRead?: boolean | string;
  /**
   * Device paths named in this node's guest configs that are symlinks (udev's /dev/disk/by-id/...,
   * /dev/mapper/X, /dev/VG/LV), each resolved on the node to its final path (/dev/dm-3). Absent in
   * snapshots of older versions.
   */
  links?: Record<string, string>;
  /**
   * Every /dev path named in the guest configs as the node has it: where its links lead and, for a
   * block device, its device number; null when it does not exist (host/read-links.ts readDevicePaths).
   * Absent in snapshots of older versions: a path is then read from `links` and its text.
   */
  devicePaths?: Record<string, DevicePathState | null>;
  /**
   * The start time (/proc/<pid>/stat field 22) of each running task's worker by UPID, null when the
   * process is gone; absent in older snapshots (every running line then counts).
   */
  taskWorkers?: Record<string, number | null>;
  /** Where the /etc/pve/local link leads (`nodes/<node>`, pmxcfs.c); absent when it is no link or in older snapshots. */
  pveLocal?: string;
  /**
   * The physical volumes of every VG down to their disks, as sysfs shows them (host/read-pv-disks.ts):
   * what tells a VG only this node sees from one on a LUN other nodes see too. Absent in older snapshots.
   */
  pvDevices?: PvDevicesRead;
  /** Free-form additions by other gatherers (mounts probe results, system info). */
  extra?: Record<string, unknown>;
}

/** One block device under a PV as sysfs has it: /sys/class/block/<kernel name> and a few of its files. */
export interface SysBlockDevice {
  /** Where /sys/class/block/<kname> leads (`/sys/devices/pci0000:00/…/ata1/host0/…/block/sda/sda3`). */
  path: string;
  /** A partition (its `partition` file exists): its disk is the directory above. */
  partition?: true;
  /** slaves/ of a stacked device (md, device-mapper). */
  slaves?: string[];
  /** dm/uuid of a device-mapper map (`mpath-…`, `CRYPT-…`, `LVM-…`). */
  dmUuid?: string;
  /** transport of its NVMe controller(s) (`pcie`, `tcp`, `rdma`, `fc`, `loop`; comma-joined). */
  transport?: string;
}

/** A read that failed: what was asked and why (a missing file, EACCES). */
export interface ReadFailure {
  error: string;
}

/** PVs by the name `vgs` prints → their kernel name; every device met on the way down → its sysfs state. */
export interface PvDevicesRead {
  pvs: Record<string, { kname: string } | ReadFailure>;
  devices: Record<string, SysBlockDevice | ReadFailure>;
}

export const COMMAND_KEYS = {
  dmInfo: 'dmsetup.info',
  dmTable: 'dmsetup.table',
  dmDeps: 'dmsetup.deps',
  dmStatus: 'dmsetup.status',
  lvs: 'lvs',
  vgs: 'vgs',
} as const;
