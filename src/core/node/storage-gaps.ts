// storage.cfg that parses to less than the node evidently has (never fail open). A missing, empty,
// truncated or garbled storage.cfg parses to few or no storages, and every rule that maps a volume to
// its storage would then call guest disks "not a PVE storage" (ignored), hide orphans and forget the
// mounts a storage needs. The file is believed only when nothing on the node contradicts it:
// - every line is a section header, a property of one, a comment or blank (SectionConfig
//   parse_config, pve-common SectionConfig.pm, skips anything else with a warning);
// - the types this tool reads have their required properties (pve-storage LVMPlugin/LvmThinPlugin
//   `vgname`/`thinpool`, ZFSPoolPlugin `pool`, DirPlugin/BTRFSPlugin `path`, NFSPlugin `server`+`export`,
//   CIFSPlugin `server`+`share`: none has a default);
// - every storage a guest config names is defined (`local` always is: pve-storage Plugin.pm parse_config
//   adds it when the file lacks it);
// - LVs named like guest volumes (`vm-N-…`/`base-N-…`, LVMPlugin.pm parse_volname) have an LVM storage:
//   a storage.cfg that defines no LVM storage at all beside such LVs lost it. (A VG outside PVE while
//   other VGs are storages is the admin's: its LVs are `not-pve-storage`, classify-dm.ts.)
// Any contradiction is a reason: the DM, volumes and mounts parts are UNKNOWN and say it.

import { parseMountInfo } from '../parse/mountinfo';
import type { LvRow } from '../parse/parse-lvm';
import { parseStorageConfig, type StorageConfig, unparsedStorageLines } from '../parse/storage-config';
import { parseLvmVolname } from '../parse/volume-name';
import type { GuestRecord } from './guest-record';

const REQUIRED: Record<string, string[]> = {
  lvm: ['vgname'],
  lvmthin: ['vgname', 'thinpool'],
  zfspool: ['pool'],
  dir: ['path'],
  btrfs: ['path'],
  nfs: ['server', 'export'],
  cifs: ['server', 'share'],
};

function listed(items: string[], max = 3): string {
  return `${items.slice(0, max).join(', ')}${items.length > max ? `, … ${items.length - max} more` : ''}`;
}

/** Why storage.cfg (text, parsed) cannot be believed from the file and the guest configs alone, or null. */
export function storageConfigGap(
  text: string | undefined,
  storages: StorageConfig[],
  guests: Map<number, GuestRecord>,
): string | null {
  if (text === undefined) return '/etc/pve/storage.cfg is missing or unreadable';
  const bad = unparsedStorageLines(text);
  if (bad.length)
    return `/etc/pve/storage.cfg has lines that are not storage definitions (${listed(bad.map((l) => `'${l.slice(0, 40)}'`))}): it was not read completely`;
  const incomplete = storages.flatMap((s) =>
    (REQUIRED[s.type] ?? []).filter((p) => s.props[p] === undefined).map((p) => `${s.type} ${s.id} has no ${p}`),
  );
  if (incomplete.length)
    return `/etc/pve/storage.cfg is incomplete (${listed(incomplete)}): it was not read completely`;
  const ids = new Set(storages.map((s) => s.id));
  ids.add('local');
  const undefinedRefs = new Map<string, Set<number>>();
  guests.forEach((g) => {
    // An unreadable config names nothing here (it is the volumes' doubt, pmxcfs-gaps.ts unseenConfigs).
    if (!g.config) return;
    const refs = g.config.refs;
    for (let i = 0; i < refs.length; i++) {
      const r = refs[i];
      if (!r.volid || ids.has(r.volid.storage) || r.section.startsWith('shadowed')) continue;
      const by = undefinedRefs.get(r.volid.storage) ?? new Set<number>();
      undefinedRefs.set(r.volid.storage, by.add(g.vmid));
    }
  });
  if (undefinedRefs.size)
    return `guest configs name storages /etc/pve/storage.cfg does not define: ${listed(
      [...undefinedRefs].map(([id, vmids]) => `${id} (guest ${listed([...vmids].map(String), 2)})`),
    )}`;
  return null;
}

/** Guest-volume LVs while storage.cfg defines no LVM storage at all: storage.cfg lost their storage. */
export function unclaimedGuestLvs(lvs: LvRow[] | null, storages: StorageConfig[]): string | null {
  if (!lvs) return null;
  // One LVM storage defined: the file kept its LVM sections, and a VG it does not name is the admin's.
  if (storages.some((s) => s.type === 'lvm' || s.type === 'lvmthin')) return null;
  // Hidden LVs (a raid or mirror LV's `_rimage_N`/`_rmeta_N`) carry their LV's name: name the LV itself.
  const lost = lvs.filter((lv) => !lv.hidden && parseLvmVolname(lv.name) !== null);
  if (lost.length === 0) return null;
  return `LVs named like guest volumes sit on VGs no storage in /etc/pve/storage.cfg claims (${listed(lost.map((l) => `${l.vg}/${l.name}`))}): storage.cfg was not read completely`;
}

const NETWORK_FS = /^(nfs4?|cifs|smb3|ceph|fuse\.glusterfs|glusterfs)$/;

/**
 * A mount table that is evidently not the whole table (proc(5) /proc/<pid>/mountinfo): every process
 * has a root mount, so a table that is empty or has no `/` line was not read (or not read whole);
 * the kernel gives every mount of a namespace its own ID (fs/proc_namespace.c show_mountinfo prints
 * `mnt_id`, unique per mount), so one ID on two lines is a table that was not read as printed; every
 * line ends with a newline (show_mountinfo's seq_putc(m, '\n')), so a text that ends inside a line
 * was cut; and a line that does not parse is something else than the kernel's table. A shorter table that is
 * complete in itself (lines lost at the end) cannot be told from a node with fewer mounts: the
 * storages whose mount is then absent are reported `missing`, which is what a missing mount is.
 */
export function mountTableGap(text: string, what: string): string | null {
  const { mounts, bad } = parseMountInfo(text);
  if (mounts.length === 0 && bad.length === 0) return `${what} is empty`;
  if (!text.endsWith('\n')) return `${what} ends inside a line: it was cut short`;
  if (bad.length)
    return `${bad.length} line${bad.length === 1 ? '' : 's'} of ${what} do${bad.length === 1 ? 'es' : ''} not parse as mountinfo (first: "${bad[0].slice(0, 60)}"): it is not the kernel's mount table`;
  if (!mounts.some((m) => m.target === '/')) return `${what} has no root (/) mount: it was not read completely`;
  const seen = new Set<number>();
  const twice = [...new Set(mounts.filter((m) => seen.has(m.id) || !seen.add(m.id)).map((m) => m.id))];
  if (twice.length)
    return `${what} lists mount ID${twice.length === 1 ? '' : 's'} ${listed(twice.map(String))} more than once: it was not read as the kernel printed it`;
  return null;
}

/**
 * What the mounts part reads, checked the same way: storage.cfg itself, network mounts at a storage's
 * mount point (`/mnt/pve/<storage>`, pve-storage Plugin.pm get_mount_point... NFSPlugin/CIFSPlugin path
 * default) for a storage storage.cfg does not define, and a container whose mount table could not be
 * read while its init process lives (its mounts were not seen, not "none").
 */
export function mountsInputGap(raw: {
  storageCfg: string | null;
  hostMountinfo: string;
  containers: { ctid: number; pid: number; mountinfo: string | null; alive?: boolean }[];
}): string | null {
  const text = raw.storageCfg ?? undefined;
  const storages = parseStorageConfig(text ?? '');
  const cfg = storageConfigGap(text, storages, new Map());
  if (cfg) return cfg;
  const table =
    mountTableGap(raw.hostMountinfo, 'the host mount table (/proc/self/mountinfo)') ??
    raw.containers
      .map((c) =>
        c.mountinfo === null
          ? null
          : mountTableGap(c.mountinfo, `the mount table of CT ${c.ctid} (/proc/${c.pid}/mountinfo)`),
      )
      .find((g) => g !== null);
  if (table) return table;
  const ids = new Set(storages.map((s) => s.id));
  const lost = parseMountInfo(raw.hostMountinfo)
    .mounts.filter((m) => NETWORK_FS.test(m.fstype))
    .map((m) => /^\/mnt\/pve\/([^/]+)$/.exec(m.target)?.[1])
    .filter((id): id is string => id !== undefined && !ids.has(id));
  if (lost.length)
    return `network filesystems are mounted for storages /etc/pve/storage.cfg does not define (${listed(lost)}): storage.cfg was not read completely`;
  const blind = raw.containers.filter((c) => c.mountinfo === null && c.alive === true);
  if (blind.length)
    return `the mount table of ${listed(blind.map((c) => `CT ${c.ctid} (/proc/${c.pid}/mountinfo)`))} could not be read while its init process lives`;
  return null;
}
