// The file-storage lister child: lists `<path>/images/<vmid>/` of ONE storage and reads the first bytes
// of each qcow2/vmdk. It runs in its own process under exec's hard deadline, so a readdir or read on a
// dead NFS/CIFS server blocks only the child (killed at the deadline), never the check.
import { builtinRequire } from '../host/builtin-require';
import { childCommand } from '../host/self-command';

/**
 * Input on stdin: {dir, btrfs}. Output on stdout: {ok, missing?, items: [{n, s, b, d?, h?, p?, r?, i?}], others?} where n is the
 * volname (`101/vm-101-disk-0.qcow2`), s the apparent size, b allocated bytes, d a directory, h the
 * header bytes (base64; qcow2: up to the end of the backing file name, vmdk: 20 bytes), p a btrfs snapshot's
 * name, r a btrfs raw disk's subvolume (n names its disk.raw, BTRFSPlugin list_images), i `<st_dev>:<st_ino>` of a
 * file or directory volume, a btrfs raw disk's disk.raw (a config path reaching it by another path); others the
 * names that are no volume listed here but may be one to PVE (a symlink, a disk.raw that could not be looked at). CommonJS, no deps.
 */
export const LIST_VOLUMES_SCRIPT = `'use strict';
const fs = require('fs');
// Anything unexpected is reported as one line (the caller shows the last line of stderr, which for an
// uncaught exception would be node's version banner), and the storage is not called read.
process.on('uncaughtException', (e) => {
  process.stderr.write((e && e.message ? e.message : String(e)).replace(/\\s+/g, ' ') + '\\n');
  process.exit(1);
});
const a = JSON.parse(fs.readFileSync(0, 'utf8'));
const items = [];
const others = [];
function head(p, isQcow) {
  let fd;
  try {
    fd = fs.openSync(p, 'r');
    const b = Buffer.alloc(isQcow ? 32 : 20);
    const n = fs.readSync(fd, b, 0, b.length, 0);
    let out = b.subarray(0, n);
    if (isQcow && n === 32 && b.readUInt32BE(0) === 0x514649fb) {
      const off = Number(b.readBigUInt64BE(8)), len = b.readUInt32BE(16);
      if (off > 0 && len > 0 && len <= 4096 && off < 1048576) {
        const all = Buffer.alloc(off + len);
        const m = fs.readSync(fd, all, 0, all.length, 0);
        out = all.subarray(0, m);
      }
    }
    return out.toString('base64');
  } catch (e) { return undefined; } finally { if (fd !== undefined) fs.closeSync(fd); }
}
let vmids;
try { vmids = fs.readdirSync(a.dir); } catch (e) {
  if (e.code === 'ENOENT') { process.stdout.write(JSON.stringify({ ok: true, missing: true, items })); process.exit(0); }
  throw e;
}
// The file's identity as a bigint pair (an inode number past 2^53 keeps every bit).
const id = (p) => { const s = fs.lstatSync(p, { bigint: true }); return s.dev + ':' + s.ino; };
for (const v of vmids) {
  // reclaim's quarantine directory is listed too (its files carry the quarantine grammar).
  if (!/^\\d+$/.test(v) && v !== 'pve-health-quarantine') continue;
  let names;
  // ENOENT: a symlink whose target is gone, or a directory removed since the first readdir; neither holds
  // anything PVE lists (Plugin.pm list_images globs <imagedir>/[0-9][0-9]*/*, which yields nothing there).
  try { names = fs.readdirSync(a.dir + '/' + v); } catch (e) { if (e.code === 'ENOTDIR' || e.code === 'ENOENT') continue; throw e; }
  for (const f of names) {
    const p = a.dir + '/' + v + '/' + f;
    const st = fs.lstatSync(p);
    if (st.isDirectory()) {
      if (a.btrfs && f.includes('@')) {
        // btrfs snapshots are sibling subvolumes (BTRFSPlugin filesystem_path): <name>@<snap>/disk.raw
        // of a raw disk, <name>.subvol@<snap> of a container subvolume.
        const at = f.indexOf('@'), base = f.slice(0, at), snap = f.slice(at + 1);
        if (/\\.subvol$/.test(base)) { items.push({ n: v + '/' + base, s: null, b: null, d: true, p: snap }); continue; }
        let ss; try { ss = fs.statSync(p + '/disk.raw'); } catch (e) { continue; }
        items.push({ n: v + '/' + base + '.raw', s: ss.size, b: ss.blocks * 512, p: snap, r: 1 });
        continue;
      }
      if (a.btrfs && !/\\.subvol$/.test(f)) {
        // btrfs: one subvolume per raw disk, images/<vmid>/<name>/disk.raw; its identity is disk.raw's, the
        // file a config path or a qcow2 backing file names (BTRFSPlugin filesystem_path).
        // No disk.raw: nothing PVE's path opens. Any other failure: it may be there (others).
        let ds; try { ds = fs.statSync(p + '/disk.raw'); } catch (e) { if (e.code !== 'ENOENT') others.push(v + '/' + f + '.raw'); continue; }
        items.push({ n: v + '/' + f + '.raw', s: ds.size, b: ds.blocks * 512, r: 1, i: id(p + '/disk.raw') });
        continue;
      }
      items.push({ n: v + '/' + f, s: null, b: null, d: true, i: id(p) });
      continue;
    }
    // A symlink (or any other non-file) is no volume listed here, but the file PVE's path names: qemu and
    // lxc open it through the link. Named in others, so a config naming it is never called missing.
    if (!st.isFile()) { others.push(v + '/' + f); continue; }
    const q = /\\.qcow2$/.test(f), k = /\\.vmdk$/.test(f);
    const it = { n: v + '/' + f, s: st.size, b: st.blocks * 512, i: id(p) };
    if (q || k) it.h = head(p, q);
    items.push(it);
  }
}
process.stdout.write(JSON.stringify({ ok: true, items, others }));
`;

export const LIST_VOLUMES_CHILD_ARG = '--pve-health-list-volumes';

/** For the single executable's entry point: run the lister when started with LIST_VOLUMES_CHILD_ARG. */
export function runListVolumesChildIfAsked(argv: string[]): boolean {
  if (!argv.slice(1, 3).includes(LIST_VOLUMES_CHILD_ARG)) return false;
  new Function('require', LIST_VOLUMES_SCRIPT)(builtinRequire);
  return true;
}

export function listVolumesCommand(): string[] {
  return childCommand(LIST_VOLUMES_CHILD_ARG, LIST_VOLUMES_SCRIPT);
}
