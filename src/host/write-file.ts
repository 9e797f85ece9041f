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
import { open, rename, unlink } from 'node:fs/promises';

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export interface WriteOptions {
  /**
   * Flush the file to disk before the rename (the default). Off only for the state of this boot under
   * /run, which is a tmpfs (systemd mounts it so on every Proxmox VE node): the rename alone makes a
   * reader see the old file or the new one, and a flush only matters across a crash, after which no
   * process that state names is alive. A flush there would only make the caller wait (the service's
   * mount scans write claims on every scan).
   */
  durable?: boolean;
}

export function writeFileSafely(path: string, text: string, mode = 0o600, opts: WriteOptions = {}): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    unlinkSync(tmp);
  } catch {}
  const fd = openSync(tmp, CREATE_NEW, mode);
  try {
    writeSync(fd, text);
    if (opts.durable !== false) fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/**
 * writeFileSafely in libuv's thread pool, flushed: for the service, whose requests would otherwise wait
 * for the disk (a flush on a busy ZFS pool or a disk under a backup takes from milliseconds to seconds).
 * `tmp` is the temporary name, in the same directory (default PATH.PID.tmp).
 */
export async function writeFileSafelyAsync(
  path: string,
  text: string,
  mode = 0o600,
  tmp = `${path}.${process.pid}.tmp`,
): Promise<void> {
  await unlink(tmp).catch(() => {});
  const fh = await open(tmp, CREATE_NEW, mode);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
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
