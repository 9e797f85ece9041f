// storage.cfg that parses to less than the node evidently has (never fail open). A missing, empty,
// truncated (ending inside a line) or garbled storage.cfg parses to few or no storages, and every rule that maps a volume to
// its storage would then call guest disks "not a PVE storage" (ignored), hide orphans and forget the
// mounts a storage needs. The file is believed only when nothing on the node contradicts it:
// - every line is a section header, a property of one, a comment or blank (SectionConfig
//   parse_config, pve-common SectionConfig.pm, skips anything else with a warning);
// - the types this tool reads have their required properties (pve-storage LVMPlugin/LvmThinPlugin
//   `vgname`/`thinpool`, ZFSPoolPlugin `pool`, DirPlugin/BTRFSPlugin `path`, NFSPlugin `server`+`export`,
//   CIFSPlugin `server`+`share`: none has a default);
// - a file that defines no storage at all while guest configs name storages was not read whole (a storage
//   named by a config and missing from a file that defines others is a removed storage: a finding on the
//   guest, storage/storage-undefined.ts; `local` always is defined: Plugin.pm parse_config adds it);
// - LVs named like guest volumes (`vm-N-…`/`base-N-…`, LVMPlugin.pm parse_volname) have an LVM storage:
//   a storage.cfg that defines no LVM storage at all beside such LVs lost it. (A VG outside PVE while
//   other VGs are storages is the admin's: its LVs are `not-pve-storage`, classify-dm.ts.)
// Any contradiction is a reason: the DM, volumes and mounts parts are UNKNOWN and say it.

import type { VolumeRef } from '../parse/guest-config';
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
  // pve-common SectionConfig.pm write_config ends every line (and every section) with a newline, and
  // pmxcfs replaces a file whole: a text that ends inside a line was cut short.
  if (text !== '' && !text.endsWith('\n')) return '/etc/pve/storage.cfg ends inside a line: it was cut short';
  const bad = unparsedStorageLines(text);
  if (bad.length)
    return `/etc/pve/storage.cfg has lines that are not storage definitions (${listed(bad.map((l) => `'${l.slice(0, 40)}'`))}): it was not read completely`;
  const incomplete = storages.flatMap((s) =>
    (REQUIRED[s.type] ?? []).filter((p) => s.props[p] === undefined).map((p) => `${s.type} ${s.id} has no ${p}`),
  );
  if (incomplete.length)
    return `/etc/pve/storage.cfg is incomplete (${listed(incomplete)}): it was not read completely`;
  // Storages a config names that the file does not define are a removed storage (a finding on each guest
  // that names one: storage-undefined.ts), unless the file defines none at all: PVE writes no storage.cfg
  // without a section (Plugin.pm parse_config adds `local` only in memory), so an empty one beside guests
  // that name storages was not read whole.
  if (storages.length > 0) return null;
  const ids = definedStorageIds(storages);
  const undefinedRefs = new Map<string, Set<number>>();
  guests.forEach((g) => {
    // An unreadable config names nothing here (it is the volumes' doubt, pmxcfs-gaps.ts unseenConfigs).
    if (!g.config) return;
    for (const r of undefinedStorageRefs(g.config.refs, ids)) {
      const id = (r.volid as { storage: string }).storage;
      const by = undefinedRefs.get(id) ?? new Set<number>();
      undefinedRefs.set(id, by.add(g.vmid));
    }
  });
  if (undefinedRefs.size)
    return `/etc/pve/storage.cfg defines no storage, yet guest configs name ${listed(
      [...undefinedRefs].map(([id, vmids]) => `${id} (guest ${listed([...vmids].map(String), 2)})`),
    )}: it was not read whole`;
  return null;
}

/**
 * The storage IDs a config may name: storage.cfg's, and `local`, which is defined whether the file lists
 * it or not (pve-storage Plugin.pm parse_config: "make sure we have a reasonable 'local:' storage").
 */
export function definedStorageIds(storages: readonly { id: string }[]): Set<string> {
  return new Set([...storages.map((s) => s.id), 'local']);
}

/**
 * A config's volume references on storages `ids` lacks: a storage removed from storage.cfg (pvesm remove)
 * while a guest still names it. A section PVE drops (a snapshot written twice) counts for nothing.
 */
export function undefinedStorageRefs(refs: readonly VolumeRef[], ids: ReadonlySet<string>): VolumeRef[] {
  return refs.filter((r) => r.volid !== null && !ids.has(r.volid.storage) && !r.section.startsWith('shadowed'));
}

/** Volumes named through storages storage.cfg does not define: who names them, by VMID and by volname. */
export interface DanglingIndex {
  /** VMID → the storages its config names that are not defined (a CD-ROM or cloud-init drive aside). */
  byVmid: Map<number, string[]>;
  /** Volname → the first config line naming it through such a storage ("VM 100 scsi1 (gone:vm-100-disk-2)"). */
  byName: Map<string, string>;
}

/**
 * Where a volume may be reached through a storage storage.cfg lost: a config naming `gone:<volname>`
 * (gone may have pointed at this very VG, pool or path), and any volume of a guest that names such a
 * storage for a disk. Built once per analysis; a leftover it covers is protected, never a guess.
 */
export function danglingIndex(guests: Map<number, GuestRecord>, ids: ReadonlySet<string>): DanglingIndex {
  const out: DanglingIndex = { byVmid: new Map(), byName: new Map() };
  // forEach and an index loop: no iterator result per guest of thousands, nor per reference (most
  // guests have none here).
  guests.forEach((g) => {
    if (!g.config) return;
    const refs = undefinedStorageRefs(g.config.refs, ids);
    for (let i = 0; i < refs.length; i++) {
      const r = refs[i];
      const volid = r.volid as { storage: string; volname: string };
      const where = `${g.type === 'lxc' ? 'CT' : 'VM'} ${g.vmid} ${r.key} (${volid.storage}:${volid.volname})`;
      if (!out.byName.has(volid.volname)) out.byName.set(volid.volname, where);
      if (r.cloudinit || r.media === 'cdrom') continue;
      const list = out.byVmid.get(g.vmid) ?? [];
      if (!list.includes(volid.storage)) list.push(volid.storage);
      out.byVmid.set(g.vmid, list.sort());
    }
  });
  return out;
}

/**
 * Why a leftover named `volname` (of guest `vmid`) may be a disk reached through a storage storage.cfg
 * does not define, or null: then it is protected with this reason and the command that settles it.
 */
export function danglingReason(d: DanglingIndex | undefined, vmid: number | null, volname: string): string | null {
  if (!d) return null;
  const by = d.byName.get(volname);
  if (by)
    return `${by} names it through a storage storage.cfg does not define: settle it with pvesm status and the guest's config`;
  const stores = vmid !== null ? d.byVmid.get(vmid) : undefined;
  if (!stores) return null;
  return `the config of guest ${vmid} names storage${stores.length > 1 ? 's' : ''} ${stores.map((x) => `'${x}'`).join(', ')} that storage.cfg does not define: it may use this volume through ${stores.length > 1 ? 'them' : 'it'} (qm/pct config ${vmid}, pvesm status)`;
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
 * The storage ID of a network filesystem mounted at a storage's mount point (`/mnt/pve/<storage>`:
 * pve-storage NFSPlugin/CIFSPlugin/CephFSPlugin/GlusterfsPlugin path default) that storage.cfg does not
 * define, or null. `pvesm remove` drops the section and unmounts nothing (Storage.pm / API2/Storage/Config.pm
 * delete: `on_delete_hook` of those plugins does not unmount), so the mount of a removed storage stays.
 */
export function removedStorageMount(m: { target: string; fstype: string }, ids: ReadonlySet<string>): string | null {
  if (!NETWORK_FS.test(m.fstype)) return null;
  const id = /^\/mnt\/pve\/([^/]+)$/.exec(m.target)?.[1];
  return id !== undefined && !ids.has(id) ? id : null;
}

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
 * What the mounts part reads, checked the same way: storage.cfg itself, the mount tables, and a container
 * whose mount table could not be read while its init process lives (its mounts were not seen, not
 * "none"). A network mount at a storage's mount point for a storage storage.cfg does not define is a
 * removed storage whose mount stayed (`pvesm remove` unmounts nothing): a finding of its own
 * (removedStorageMount), not a gap.
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
  const blind = raw.containers.filter((c) => c.mountinfo === null && c.alive === true);
  if (blind.length)
    return `the mount table of ${listed(blind.map((c) => `CT ${c.ctid} (/proc/${c.pid}/mountinfo)`))} could not be read while its init process lives`;
  return null;
}
