// Who uses a volume by the kernel's name for it, besides the configs (volume-references.ts) and the
// processes (holders): a loop device bound to its file, and a qcow2 overlay whose backing file names it in
// any form qemu opens (backing-file.ts: absolute, relative to the overlay, `file:`, `json:{…}`; also from
// another storage), or an RBD image's device link, qemu rbd: string or json pool + image
// (rbd-backing.ts, the image's name: mapped on this node or not). One index by path, read the same way by the verdicts,
// by the quarantine's holds (volume-quarantined.ts: the purge) and so by reclaim's plan and re-checks,
// which classify from the same look (volumes-input.ts). Pure.
import { posix } from 'node:path';
import type { StorageConfig } from '../parse/storage-config';
import type { VolumeEntry, VolumesRaw } from '../vocab/volume-types';
import { parseBackingFile } from './backing-file';
import type { Flags, PathUsage, PathUse } from './volume-context';
import { isFileType } from './volume-references';
import { btrfsRawDir, filePath } from './volume-storages';

function add(m: Map<string, PathUse[]>, path: string, use: PathUse): void {
  const l = m.get(path);
  if (l) l.push(use);
  else m.set(path, [use]);
}

/**
 * A qcow2 backing file written absolute as the kernel's device or file it opens: `//`, `.` and `..`
 * taken lexically (posix.normalize), a zvol's /dev/zvol/<dataset> and a krbd /dev/rbd/<pool>/<image>
 * as their kernel devices, the names the volumes' `devices` carry.
 */
function backingTarget(path: string, raw: Pick<VolumesRaw, 'zvolDevices' | 'rbdDevices'>): string {
  const p = posix.normalize(path);
  const z = /^\/dev\/zvol\/(.+)$/.exec(p);
  const zd = z ? raw.zvolDevices?.[z[1]] : undefined;
  if (zd) return `/dev/${zd}`;
  const r = /^\/dev\/rbd\/(.+)$/.exec(p);
  const rbd = r ? raw.rbdDevices?.[r[1]] : undefined;
  return rbd ? `/dev/${rbd}` : p;
}

/**
 * The index from one look: every bound loop device's file (read-loops.ts: the kernel's d_path), and every
 * file or RBD image a qcow2 image of the listed file storages names as its backing file (`qemu-img create -b
 * /var/lib/vz/images/199/base-199-disk-0.qcow2`, `-b base.qcow2` beside it; PVE's own clones write
 * `../<vmid>/<name>`, which volume-storages.ts also reads as the base on the same storage).
 */
export function pathUsage(storages: readonly StorageConfig[], raw: VolumesRaw): PathUsage {
  const byPath = new Map<string, PathUse[]>();
  for (const [kname, path] of Object.entries(raw.loops?.backing ?? {}))
    add(byPath, path, { kind: 'loop', device: `/dev/${kname}` });
  const byId = filesByIdentity(storages, raw);
  for (const st of storages) {
    const got = isFileType(st.type) ? raw.files[st.id] : undefined;
    for (const f of got?.ok ? got.volumes : []) {
      if (!f.backing) continue;
      const use: PathUse = { kind: 'backing', overlay: `${st.id}:${f.name}` };
      const named = parseBackingFile(f.backing, imagePath(st, f.name));
      // An RBD image or snapshot it names, mapped or not (rbd-backing.ts): by the image's name.
      for (const k of named.rbd) add(byPath, k, use);
      // Each file as written, and where the node's lookup of it ends (a directory link, the file by its identity).
      const at = new Set<string>();
      for (const path of named.paths) {
        const found = raw.backingPaths?.[path];
        for (const x of [path, found?.path, found?.file ? byId.get(found.file) : undefined])
          if (x) at.add(backingTarget(x, raw));
      }
      for (const p of at) add(byPath, p, use);
    }
  }
  return { byPath, gap: raw.loops?.error ? `the loop devices ${raw.loops.error}` : null };
}

/** The path qemu opens a file storage's image by (PVE's `path`: the storage's configured path). */
export function imagePath(st: StorageConfig, name: string): string {
  return `${filePath(st)}/images/${name}`;
}

/** `<st_dev>:<st_ino>` → the path a listed file volume is opened by (a btrfs raw disk: its disk.raw). */
function filesByIdentity(storages: readonly StorageConfig[], raw: VolumesRaw): Map<string, string> {
  const out = new Map<string, string>();
  for (const st of storages) {
    const got = isFileType(st.type) ? raw.files[st.id] : undefined;
    for (const f of got?.ok ? got.volumes : []) {
      if (!f.id || f.snapshot) continue;
      const dir = btrfsRawDir(f.name, st.type);
      out.set(f.id, imagePath(st, dir && f.rawDir ? `${dir}/disk.raw` : f.name));
    }
  }
  return out;
}

/** The uses of any of a volume's paths (each use once). */
export function usesOf(u: PathUsage | undefined, paths: readonly string[]): PathUse[] {
  const out: PathUse[] = [];
  for (const p of paths) for (const use of u?.byPath.get(p) ?? []) if (!out.includes(use)) out.push(use);
  return out;
}

/** A use as a quarantine hold and a detail line name it. */
export function describeUse(use: PathUse): string {
  return use.kind === 'loop' ? `loop:${use.device}` : `backing-of:${use.overlay}`;
}

/**
 * A volume's uses by path on its verdict: a loop device bound to it keeps it open (`losetup -d` first;
 * removing the file leaves the device reading a deleted file), an overlay's backing file is a base the
 * overlay cannot open without (`has-clones`, as a linked clone's base). The loop devices not read whole:
 * a file volume called an orphan is unknown instead (`loops-unread`): that read is its evidence of use.
 */
export function pathUses(e: VolumeEntry, paths: readonly string[], u: PathUsage | undefined, f: Flags): void {
  const uses = usesOf(u, paths);
  const loops = uses.flatMap((x) => (x.kind === 'loop' ? [x.device] : []));
  if (loops.length) {
    e.detail += `; bound to loop device ${loops.join(', ')} (losetup: the file is open through it)`;
    f.protectedBy.add('loop-device');
    e.open = true;
  }
  backingUses(e, uses, f);
  if (u?.gap && e.status === 'orphan' && isFileType(e.type) && !loops.length) {
    e.status = 'unknown';
    e.reason = 'loops-unread';
    e.detail += `; whether a loop device is bound to it could not be read: ${u.gap}`;
  }
}

/**
 * The overlays among a volume's uses (also an RBD snapshot's, by its key): a base the overlay cannot open
 * without (`has-clones`, as a linked clone's base).
 */
export function backingUses(e: VolumeEntry, uses: readonly PathUse[], f: Flags): void {
  const overlays = uses.flatMap((x) => (x.kind === 'backing' ? [x.overlay] : []));
  if (!overlays.length) return;
  e.detail += `; the backing file of ${overlays.join(', ')} (its qcow2 header names it)`;
  f.protectedBy.add('has-clones');
}

/**
 * A ZFS dataset with datasets below it (`zfs create <subvol>/data`, a received child): ZFSPoolPlugin.pm
 * free_image (`pvesm free`) and reclaim's purge run `zfs destroy -r`, which takes the children with it, and
 * reclaim's quarantine would move them along. PVE itself never makes one: protected with the reason, never
 * a hint to free it; `zfs list -r` shows what is there.
 */
export function childDatasets(e: VolumeEntry, v: { childDatasets?: string[] }, f: Flags): void {
  if (!v.childDatasets?.length) return;
  e.detail += `; holds datasets of its own (${v.childDatasets.join(', ')}): zfs destroy -r would destroy them too`;
  f.protectedBy.add('child-datasets');
}
