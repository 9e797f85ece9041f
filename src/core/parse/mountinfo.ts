// /proc/<pid>/mountinfo (proc(5)): one mount per line.
//
// 36 35 0:53 / /mnt/pve/nfs\040backup rw,relatime shared:80 - nfs4 10.0.0.5:/export/pve rw,vers=4.2,addr=10.0.0.5
//
// Fields: mount id, parent id, major:minor of the superblock, root of the mount inside its
// filesystem, mount point, per-mount options, optional fields (shared:N, master:N, ...) ended by
// "-", filesystem type, source, superblock options. The kernel escapes space, tab, newline and
// backslash in paths as octal (\040, \011, \012, \134); everything else is printed raw.

export interface MountInfo {
  id: number;
  parentId: number;
  /** Superblock device "major:minor": the same for every bind mount of one filesystem. */
  majorMinor: string;
  /** Path inside the filesystem that is mounted here ("/" unless a bind mount of a subdirectory). */
  root: string;
  target: string;
  /** Per-mount options (ro/rw, nosuid, relatime...). */
  options: string;
  optional: string[];
  fstype: string;
  source: string;
  /** Superblock options: a filesystem remounted read-only after errors shows `ro` here. */
  superOptions: string;
}

/** Decode the kernel's octal escapes (`\040` → space). Other backslashes are kept as they are. */
export function decodeMountField(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** Parse one mountinfo line; null for a line that does not have the shape. */
export function parseMountInfoLine(line: string): MountInfo | null {
  const fields = line.trim().split(' ');
  const sep = fields.indexOf('-', 6);
  if (fields.length < 10 || sep < 0 || fields.length < sep + 3) return null;
  const id = Number(fields[0]);
  const parentId = Number(fields[1]);
  if (!Number.isInteger(id) || !Number.isInteger(parentId) || !/^\d+:\d+$/.test(fields[2])) return null;
  return {
    id,
    parentId,
    majorMinor: fields[2],
    root: decodeMountField(fields[3]),
    target: decodeMountField(fields[4]),
    options: fields[5],
    optional: fields.slice(6, sep),
    fstype: decodeMountField(fields[sep + 1]),
    source: decodeMountField(fields[sep + 2]),
    superOptions: fields[sep + 3] ?? '',
  };
}

/** Parse a whole table; lines that do not parse are returned apart (never silently dropped). */
export function parseMountInfo(text: string): { mounts: MountInfo[]; bad: string[] } {
  const mounts: MountInfo[] = [];
  const bad: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = parseMountInfoLine(line);
    if (m) mounts.push(m);
    else bad.push(line);
  }
  return { mounts, bad };
}

/** Option lists are comma separated; `ro` must match a whole item (not `errors=remount-ro`). */
export function hasOption(options: string, name: string): boolean {
  return options.split(',').includes(name);
}

export function isReadOnly(m: Pick<MountInfo, 'options' | 'superOptions'>): boolean {
  return hasOption(m.options, 'ro') || hasOption(m.superOptions, 'ro');
}

/**
 * The mounts path lookup reaches: when a path is mounted over again, only the later line is
 * visible (probing the path would test the top mount, so the hidden one is not reported).
 */
export function visibleMounts(mounts: MountInfo[]): MountInfo[] {
  const last = new Map<string, MountInfo>();
  for (const m of mounts) last.set(m.target, m);
  return mounts.filter((m) => last.get(m.target) === m);
}
