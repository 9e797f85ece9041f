// The quarantine of one proven orphan, per storage type, from what the storage itself offers; each
// step reversible, none a copy, and after the last one PVE no longer lists the volume as the VMID's
// (quarantine-name.ts). Pure: argv arrays; src/act/apply-reclaim.ts runs them.
//   LVM/LVM-thin: lvchange -an (when active), lvchange --addtag, lvrename (LVMPlugin.pm list_images
//     reads names only);
//   ZFS: zfs create -p <pool>/pve-health-quarantine, zfs rename into it (same pool: instant, no copy),
//     zfs set readonly=on (ZFSPoolPlugin.pm zfs_parse_zvol_list lists direct children of the pool only);
//   Ceph RBD: rbd rename, then rbd trash mv --expires-at <purge date> (librbd keeps the data; the expiry
//     is the deferment `rbd trash rm` honours; rbd's --expires-at goes through /bin/date, ceph
//     src/common/utime.cc invoke_date);
//   dir/NFS/CIFS/CephFS/btrfs files: rename(2) into <path>/images/pve-health-quarantine (one level
//     below images, so a qcow2 clone's relative backing file `../<vmid>/base-…` still resolves); a btrfs
//     raw disk's or container's subvolume the same way (rename(2) moves a subvolume within its
//     filesystem; purge: `btrfs subvolume delete`, BTRFSPlugin.pm free_image);
//   a leftover ZFS or RBD snapshot: renamed on its own volume (snapshotQuarantine);
//   a Ceph trash entry of someone's `rbd trash mv`: restored under the quarantine name and moved back to
//     the trash with the retention as its expiry (trashAdoption).
import type { StorageConfig } from '../parse/storage-config';
import { QUARANTINE_DIR, QUARANTINE_TAG, quarantineName } from '../vocab/quarantine-name';
import { btrfsRawDir, filePath } from '../volumes/volume-storages';
import type { Candidate } from './reclaim-rules';
import type { ReclaimStep, VolumeLocation } from './reclaim-types';

/** Commands whose argv the host decides: PVE's own rbd connection options, the no-copy file mover. */
export interface HostCommands {
  /** `rbd -p POOL [--namespace NS] [-c …] [-m …] --auth_supported … -n client.… [--keyring …]` (read-rbd.ts rbdArgv). */
  rbd: (st: StorageConfig) => string[];
  /** argv that renames `from` to `to` by rename(2) only (never a copy), refusing an existing `to`. */
  moveFile: (from: string, to: string) => string[];
  /** argv that removes one file (purge). */
  removeFile: (path: string) => string[];
  /** argv that removes a directory and everything in it, never crossing into another filesystem (purge). */
  removeTree: (path: string) => string[];
  /** argv that deletes one btrfs subvolume (purge; BTRFSPlugin.pm free_image `btrfs subvolume delete --`). */
  removeSubvolume: (path: string) => string[];
}

export interface Quarantine {
  original: string;
  quarantine: string;
  location: VolumeLocation;
  steps: ReclaimStep[];
}

/** The shortest trash deferment set (below it, `--expires-at now`): the plan and its prompt come first. */
const MIN_DEFERMENT_MS = 3_600_000;

/** lvs prints LV ids hyphenated 6-4-4-4-4-4-6; `--select lv_uuid=` compares that form. */
export function lvUuidForm(id: string): string {
  if (id.includes('-') || id.length !== 32) return id;
  return /^(.{6})(.{4})(.{4})(.{4})(.{4})(.{4})(.{6})$/.exec(id)!.slice(1).join('-');
}

/** The volume's own name on the storage: the last part of a linked clone's `base-…/vm-…`. */
export function ownName(volid: string, type: string): string {
  const volname = volid.slice(volid.indexOf(':') + 1);
  const parts = volname.split('/');
  // File volumes are `<vmid>/<file>` (a clone: `<base vmid>/<base>/<vmid>/<file>`).
  return type === 'zfspool' || type === 'rbd' ? parts[parts.length - 1] : parts.slice(-2).join('/');
}

export function quarantineOf(
  c: Candidate,
  st: StorageConfig,
  o: { now: Date; purgeAfter: string; commands: HostCommands },
): Quarantine {
  const q = quarantineSteps(c, st, o);
  // What the storage knows it by, which the rename keeps: the journal records it, the purge compares it
  // (quarantine-proof.ts). An LV has its LV UUID in the location already.
  return c.identity && !c.lvm ? { ...q, location: { ...q.location, identity: c.identity } } : q;
}

function quarantineSteps(
  c: Candidate,
  st: StorageConfig,
  o: { now: Date; purgeAfter: string; commands: HostCommands },
): Quarantine {
  if (c.snapshot !== undefined) return snapshotQuarantine(c.snapshot, ownName(c.volid, st.type), st, o);
  if (c.trash) return trashAdoption(c.trash.id, ownName(c.volid, st.type), st, o);
  const original = c.lvm ? c.lvm.lv : ownName(c.volid, st.type);
  const q = quarantineName(original, o.now);
  if (c.lvm) return lvmQuarantine(c.lvm, original, q);
  if (st.type === 'zfspool') return zfsQuarantine(st, original, q);
  if (st.type === 'rbd')
    return rbdQuarantine(st, { original, q, purgeAfter: o.purgeAfter, now: o.now, rbd: o.commands.rbd });
  return fileQuarantine(st, { original, at: o.now, moveFile: o.commands.moveFile });
}

function fileQuarantine(
  st: StorageConfig,
  o: { original: string; at: Date; moveFile: HostCommands['moveFile'] },
): Quarantine {
  const path = filePath(st);
  // A btrfs raw disk moves as its subvolume `<name>/` (disk.raw inside), quarantined without `.raw`: the
  // lister names a btrfs directory `<dir>.raw` by its disk.raw (list-volumes-child.ts), so the
  // quarantine name reads back as the original volname.
  const dir = btrfsRawDir(o.original, st.type);
  const q = quarantineName(dir ?? o.original, o.at);
  const from = `${path}/images/${dir ?? o.original}`;
  const to = `${path}/images/${QUARANTINE_DIR}/${q}`;
  const what = st.type === 'btrfs' && (dir || o.original.endsWith('.subvol')) ? ' (a btrfs subvolume)' : '';
  return {
    original: o.original,
    quarantine: q,
    location: { path },
    steps: [
      {
        op: 'file-move',
        effect: `rename ${from}${what} to ${to} (rename(2) on the same filesystem, never a copy)`,
        command: o.moveFile(from, to),
      },
    ],
  };
}

function lvmQuarantine(lvm: NonNullable<Candidate['lvm']>, original: string, q: string): Quarantine {
  const sel = ['--select', `lv_uuid=${lvUuidForm(lvm.lvUuid ?? '')}`];
  const steps: ReclaimStep[] = [];
  if (lvm.active)
    steps.push({
      op: 'lv-deactivate',
      effect: `deactivate LV ${lvm.vg}/${original} (its map goes, the data stays)`,
      command: ['lvchange', '-an', ...sel, `${lvm.vg}/${original}`],
    });
  steps.push(
    {
      op: 'lv-addtag',
      effect: `tag LV ${lvm.vg}/${original} ${QUARANTINE_TAG}`,
      command: ['lvchange', '--addtag', QUARANTINE_TAG, ...sel, `${lvm.vg}/${original}`],
    },
    {
      op: 'lv-rename',
      effect: `rename LV ${lvm.vg}/${original} to ${q} (outside PVE's vm-<id>- names)`,
      command: ['lvrename', lvm.vg, original, q],
    },
  );
  return { original, quarantine: q, location: { vg: lvm.vg, lvUuid: lvm.lvUuid ?? undefined }, steps };
}

function zfsQuarantine(st: StorageConfig, original: string, q: string): Quarantine {
  const pool = st.props.pool ?? '';
  const parent = `${pool}/${QUARANTINE_DIR}`;
  return {
    original,
    quarantine: q,
    location: { pool },
    steps: [
      {
        op: 'zfs-create-parent',
        effect: `make sure the quarantine dataset ${parent} exists (not mounted)`,
        command: ['zfs', 'create', '-p', '-o', 'mountpoint=none', parent],
      },
      {
        op: 'zfs-rename',
        effect: `rename ${pool}/${original} to ${parent}/${q} (same pool: no copy)`,
        command: ['zfs', 'rename', `${pool}/${original}`, `${parent}/${q}`],
      },
      {
        op: 'zfs-readonly',
        effect: `make ${parent}/${q} read-only`,
        command: ['zfs', 'set', 'readonly=on', `${parent}/${q}`],
      },
    ],
  };
}

/**
 * A trash entry someone's `rbd trash mv` left: restored under the quarantine name (outside RBDPlugin.pm
 * rbd_ls's grammar, so PVE never lists it on the way) and moved back to the trash with the retention as
 * its expiry (ceph src/tools/rbd/action/Trash.cc execute_restore `--image`, execute_move
 * `--expires-at`). The image keeps its id throughout; from then on it is a quarantined image like any.
 */
function trashAdoption(
  id: string,
  original: string,
  st: StorageConfig,
  o: { now: Date; purgeAfter: string; commands: HostCommands },
): Quarantine {
  const q = quarantineName(original, o.now);
  const moved = rbdQuarantine(st, { original, q, purgeAfter: o.purgeAfter, now: o.now, rbd: o.commands.rbd });
  return {
    ...moved,
    location: { ...moved.location, trashId: id },
    steps: [
      {
        op: 'rbd-trash-restore',
        effect: `restore trash entry ${id} (${original}) as ${q} (a name PVE does not list)`,
        command: [...o.commands.rbd(st), 'trash', 'restore', '--image', q, id],
      },
      moved.steps[1],
    ],
  };
}

function rbdQuarantine(
  st: StorageConfig,
  o: { original: string; q: string; purgeAfter: string; now: Date; rbd: HostCommands['rbd'] },
): Quarantine {
  const rbd = o.rbd(st);
  // A purge date that may be past when the step runs (retention 0; under an hour) is no expiry: rbd
  // turns a date in the past into a deferment of ~136 years (ceph src/tools/rbd/action/Trash.cc
  // execute_move: `(exp_time - now).sec()` of utime_t, whose seconds are unsigned 32 bits, wraps; its
  // `dt < 0` check never fires; the real ceph 16.2 showed it). `now` is rbd's own default: no deferment.
  const deferred = Date.parse(o.purgeAfter) - o.now.getTime() >= MIN_DEFERMENT_MS;
  const expiresAt = deferred ? o.purgeAfter : 'now';
  return {
    original: o.original,
    quarantine: o.q,
    location: { pool: st.props.pool ?? 'rbd' },
    steps: [
      {
        op: 'rbd-rename',
        effect: `rename image ${o.original} to ${o.q}`,
        command: [...rbd, 'rename', o.original, o.q],
      },
      {
        op: 'rbd-trash-move',
        effect: deferred
          ? `move ${o.q} to the Ceph trash, deferred until ${o.purgeAfter}`
          : `move ${o.q} to the Ceph trash, with no deferment (the retention ends within the hour)`,
        command: [...rbd, 'trash', 'mv', '--expires-at', expiresAt, o.q],
      },
    ],
  };
}

/**
 * A storage snapshot keeps its volume (ZFS and RBD have no way to move a snapshot off it): it is renamed
 * on it to the quarantine grammar, out of every name PVE looks for (`__migration__`, `vzdump`,
 * `__replicate_<job>_<time>__`, a config's snapshot section), so the next migration, backup or snapshot
 * of that name no longer collides; the space stays taken until the purge. ZFS: `zfs rename DS@SNAP
 * DS@NEW` (zfs-rename(8): a snapshot is renamed within its dataset); RBD: `rbd snap rename IMG@SNAP
 * IMG@NEW` (ceph src/tools/rbd/action/Snap.cc execute_rename: source and destination in one pool and
 * image; a destination spec without a pool or namespace takes the source's, so the storage's `-p POOL`
 * and `--namespace NS` serve both: proven on ceph 16.2, test/e2e/host/ceph.sh S25, S27).
 */
function snapshotQuarantine(
  snap: string,
  own: string,
  st: StorageConfig,
  o: { now: Date; commands: HostCommands },
): Quarantine {
  const q = quarantineName(snap, o.now);
  const of = st.type === 'zfspool' ? `${st.props.pool ?? ''}/${own}` : own;
  const where = st.type === 'zfspool' ? 'dataset' : 'image';
  return {
    original: snap,
    quarantine: q,
    location: { pool: st.props.pool ?? (st.type === 'zfspool' ? '' : 'rbd'), snapshotOf: of },
    steps: [
      snapshotRenameStep(st, o.commands, {
        of,
        from: snap,
        to: q,
        why: `on its ${where}: no copy, the space stays taken until the purge`,
      }),
    ],
  };
}

/**
 * `zfs rename DS@FROM DS@TO` or `rbd … snap rename IMG@FROM IMG@TO`: the quarantine's step and restore's
 * undo of it. `of` is the dataset (ZFS) or the image (RBD) the snapshot stays on.
 */
export function snapshotRenameStep(
  st: StorageConfig,
  commands: HostCommands,
  r: { of: string; from: string; to: string; why: string },
): ReclaimStep {
  const from = `${r.of}@${r.from}`;
  const to = `${r.of}@${r.to}`;
  const effect = `rename snapshot ${from} to ${to} (${r.why})`;
  return st.type === 'zfspool'
    ? { op: 'zfs-snapshot-rename', effect, command: ['zfs', 'rename', from, to] }
    : { op: 'rbd-snapshot-rename', effect, command: [...commands.rbd(st), 'snap', 'rename', from, to] };
}
