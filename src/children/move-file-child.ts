// reclaim's file mover: rename(2) of one volume file, or of a container's subvol directory, into (or out
// of) the quarantine directory of the same filesystem — never a copy (coreutils `mv` copies across
// filesystems; `--no-copy` exists only from coreutils 9.5, PVE 8 has 9.1). A child of its own under
// exec's deadline, so a rename on a dead NFS server blocks only the child. Refuses when the target exists
// (rename(2) would replace it) or when the two directories, or the volume, are on different devices
// (st_dev; a btrfs subvolume's own device is checked by the mount table instead), and
// creates the target's directory when it is the quarantine directory or, on the way back, the volume's
// images/<vmid> directory. Refuses a directory of either path that is a symlink.
import { builtinRequire } from '../host/builtin-require';
import { childCommand, isSingleExecutable, selfCommand } from '../host/self-command';

/** argv: <from> <to>. Exit 0 when renamed; 1 with the reason on stderr otherwise. CommonJS, no deps. */
export const MOVE_FILE_SCRIPT = `'use strict';
const fs = require('fs'), path = require('path');
const args = process.argv.slice(-2);
const from = args[0], to = args[1];
function fail(m) { process.stderr.write(m + '\\n'); process.exit(1); }
if (!path.isAbsolute(from) || !path.isAbsolute(to)) fail('paths must be absolute');
let src;
try { src = fs.lstatSync(from); } catch (e) { fail('cannot stat ' + from + ': ' + e.code); }
// A volume file, or a container's subvol directory (never a symlink: lstat; never a mount point: st_dev below).
if (!src.isFile() && !src.isDirectory()) fail(from + ' is neither a regular file nor a directory');
const dir = path.dirname(to);
// The quarantine directory (0700), or a volume's images/<vmid> directory on the way back (PVE's 0755).
const own = path.basename(dir) === 'pve-health-quarantine';
if (own || (/^\\d+$/.test(path.basename(dir)) && path.basename(path.dirname(dir)) === 'images')) {
  try { fs.mkdirSync(dir, { mode: own ? 0o700 : 0o755 }); } catch (e) { if (e.code !== 'EEXIST') fail('cannot create ' + dir + ': ' + e.code); }
}
// A btrfs subvolume has a st_dev of its own (an anonymous device per subvolume), so st_dev alone cannot
// tell it from a mount point: a subvolume's root is a directory of inode 256 (BTRFS_FIRST_FREE_OBJECTID,
// BTRFSPlugin.pm path_is_subvolume), no mount point of this mount table, in a btrfs mount (the one the
// quarantine directory is in). rename(2) then moves it within that mount, or fails EXDEV: never a copy.
function btrfsSubvolume() {
  if (!src.isDirectory() || src.ino !== 256) return false;
  // mountinfo shows resolved paths: a storage path through a symlink is compared resolved.
  let text, rf, rd;
  try { text = fs.readFileSync('/proc/self/mountinfo', 'utf8'); rf = fs.realpathSync(from); rd = fs.realpathSync(dir); } catch (e) { return false; }
  const un = (p) => p.replace(/\\\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  const under = (p, t) => p === t || p.startsWith(t === '/' ? '/' : t + '/');
  let best = null;
  for (const line of text.split('\\n')) {
    const f = line.split(' '), dash = f.indexOf('-');
    if (f.length < 10 || dash < 6) continue;
    const target = un(f[4]);
    if (target === rf) return false;
    if (under(rd, target) && (!best || target.length >= best.target.length)) best = { target, fstype: f[dash + 1] };
  }
  return !!best && best.fstype === 'btrfs';
}
// Neither directory may be a symlink (lstat): a symlinked images/<vmid> (or quarantine directory) would
// take the volume to wherever the link points, out of the storage, and a restore would put the disk
// there instead of where PVE looks for it. The storage's own path may be a link: PVE resolves it too.
for (const d of [path.dirname(from), dir]) {
  let l;
  try { l = fs.lstatSync(d); } catch (e) { fail('cannot stat ' + d + ': ' + e.code); }
  if (!l.isDirectory()) fail(d + ' is ' + (l.isSymbolicLink() ? 'a symlink' : 'no directory') + ': never moved through it');
}
let d1, d2;
try { d1 = fs.statSync(path.dirname(from)); d2 = fs.statSync(dir); } catch (e) { fail('cannot stat the directories: ' + e.code); }
if (d1.dev !== d2.dev) fail('not on the same filesystem (st_dev ' + d1.dev + ' / ' + d2.dev + '): never copied');
if (src.dev !== d2.dev && !btrfsSubvolume()) fail(from + ' is on another device (st_dev ' + src.dev + ' / ' + d2.dev + '): a mount point or another filesystem, never moved');
try { fs.lstatSync(to); fail(to + ' exists: never replaced'); } catch (e) { if (e.code !== 'ENOENT') fail('cannot stat ' + to + ': ' + e.code); }
try { fs.renameSync(from, to); } catch (e) { fail('rename failed: ' + e.code + (e.code === 'EXDEV' ? ' (another filesystem: never copied)' : '')); }
`;

export const MOVE_FILE_CHILD_ARG = '--pve-health-move-file';

/** For the entry point: run the mover when started with MOVE_FILE_CHILD_ARG (its two paths follow it). */
export function runMoveFileChildIfAsked(argv: string[]): boolean {
  if (!argv.slice(1, 3).includes(MOVE_FILE_CHILD_ARG)) return false;
  new Function('require', MOVE_FILE_SCRIPT)(builtinRequire);
  return true;
}

/**
 * argv that renames `from` to `to` (host paths, i.e. already under --root): the program itself with the
 * marker when it runs as the bundle or the single executable (a short command the plan can show and a
 * person can run), else (sources under a loader) `node -e` with the script.
 */
export function moveFileCommand(from: string, to: string): string[] {
  const bundled = isSingleExecutable() || /\.c?js$/.test(process.argv[1] ?? '');
  const run = bundled ? [...selfCommand(), MOVE_FILE_CHILD_ARG] : childCommand(MOVE_FILE_CHILD_ARG, MOVE_FILE_SCRIPT);
  return [...run, from, to];
}
