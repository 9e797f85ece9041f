// (Shared vocabulary: the volumes and DM classifiers recognise it, core/reclaim plans with it.)
// The tool's own marker for a quarantined volume: a name outside every PVE volume grammar that says
// when it was quarantined and what it was called. Pure. PVE lists a volume only by its own grammar —
// LVMPlugin.pm / LvmThinPlugin.pm list_images `^(vm|base)-(\d+)-`, ZFSPoolPlugin.pm zfs_parse_zvol_list
// (direct children of the storage's pool, `^(vm|base|subvol|basevol)-(\d+)-`), RBDPlugin.pm rbd_ls
// `^(?:vm|base)-(\d+)-`, Plugin.pm list_images `<imagedir>/[0-9][0-9]*/*` — so a volume under this
// name (in the quarantine dataset or directory) is no volume of any VMID to PVE, and the next guest
// with that VMID cannot collide with it. The classifiers recognise it by this grammar, never by a guess.

/** The name's head: `pve-health-q.<stamp>.<original>`. No PVE grammar starts like this. */
export const QUARANTINE_PREFIX = 'pve-health-q';
/** ZFS: the child dataset of the storage's pool; file storages: the directory under `<path>/images`. */
export const QUARANTINE_DIR = 'pve-health-quarantine';
/** LVM: the tag added beside the name (a second marker an admin can `lvs -S tags=` for). */
export const QUARANTINE_TAG = 'pve-health-quarantine';

/** 2026-11-23T10:15:00.000Z → 20261123T101500Z (valid in LV, dataset, RBD image and file names). */
export function quarantineStamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** 20261123T101500Z → 2026-11-23T10:15:00.000Z, or null when it is not such a stamp. */
export function parseStamp(stamp: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z`;
  const t = Date.parse(iso);
  return Number.isFinite(t) && new Date(t).toISOString() === iso ? iso : null;
}

/**
 * The quarantine name of `original` (an LV, dataset or image name; a file volume's `<vmid>/<file>` is
 * written `<vmid>.<file>`: one path component).
 */
export function quarantineName(original: string, at: Date): string {
  return `${QUARANTINE_PREFIX}.${quarantineStamp(at)}.${original.replace('/', '.')}`;
}

export interface QuarantineMark {
  /** When it was quarantined (ISO). */
  since: string;
  /** The name it had (for a file volume still `<vmid>.<file>`: see fileOriginal). */
  original: string;
}

// pve-health-q.20261123T101500Z.vm-100-disk-0
export function parseQuarantineName(name: string): QuarantineMark | null {
  const m = /^pve-health-q\.(\d{8}T\d{6}Z)\.(.+)$/.exec(name);
  if (!m) return null;
  const since = parseStamp(m[1]);
  return since ? { since, original: m[2] } : null;
}

/** A file volume's original volname: `100.vm-100-disk-0.qcow2` → `100/vm-100-disk-0.qcow2`. */
export function fileOriginal(original: string): string | null {
  const m = /^(\d+)\.(.+)$/.exec(original);
  return m ? `${m[1]}/${m[2]}` : null;
}

/** When a volume quarantined at `since` may be purged: `retentionDays` later (ISO). */
export function purgeAfter(since: string, retentionDays: number): string {
  return new Date(Date.parse(since) + retentionDays * 86_400_000).toISOString();
}

export const DEFAULT_RETENTION_DAYS = 7;
