// Writing a file the tool owns (a capture, a report): to a temporary name created exclusively and
// without following symlinks, with an explicit mode, then renamed over the target. A symlink or file
// someone planted under either name is replaced, never written through; a reader sees the old file or
// the new one, never half of one.
import {
  chmodSync,
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';

export function writeFileSafely(path: string, text: string, mode = 0o600): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    unlinkSync(tmp);
  } catch {}
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/**
 * A directory of the tool's own state (/run/pve-health, its probes/): created 0700, and made 0700 again
 * when an earlier run, a package or an admin left it wider (mkdir's mode only applies on creation).
 * A symlink or a non-directory in its place is refused, never followed.
 */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const st = lstatSync(path);
  if (!st.isDirectory()) throw new Error(`${path} is not a directory (a symlink or file in its place)`);
  if ((st.mode & 0o077) !== 0) chmodSync(path, 0o700);
}
