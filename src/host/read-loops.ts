// Which files loop devices are bound to: /sys/block/loopN/loop/backing_file (Linux drivers/block/loop.c
// loop_attr_backing_file_show: the file's d_path, the kernel's own name for it, with " (deleted)" once it
// was unlinked). The `loop` directory exists only while the device is bound (loop_sysfs_init at
// LOOP_CONFIGURE/LOOP_SET_FD, removed at LOOP_CLR_FD): a device without it holds nothing. A bound loop
// device keeps its file open with no process holding it (`losetup -f --show IMG` to look inside an image,
// pve-container's raw rootfs), so it is a use of the file that no /proc fd shows.
import { readdirSync, readFileSync } from 'node:fs';
import type { VolumesRaw } from '../core/vocab/volume-types';
import { type Host, hostPath } from './host';

const LOOP = /^loop\d+$/;

/** errno of a failed read, or undefined when it is not "there is no such file" (ENOENT/ENOTDIR). */
function missing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Every bound loop device of the node → the file it is bound to. No /sys/block (a node without sysfs
 * under the root, an older capture) and an unbound device are "none"; any other failed read is named in
 * `error`, so what it could hold is not called unused.
 */
export function readLoopDevices(host: Host): NonNullable<VolumesRaw['loops']> {
  const backing: Record<string, string> = {};
  const failed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(hostPath(host, '/sys/block')).filter((n) => LOOP.test(n));
  } catch (e) {
    return missing(e) ? { backing } : { backing, error: `/sys/block could not be listed: ${(e as Error).message}` };
  }
  for (const n of names.sort()) {
    const file = `/sys/block/${n}/loop/backing_file`;
    try {
      const text = readFileSync(hostPath(host, file), 'utf8');
      const path = text.endsWith('\n') ? text.slice(0, -1) : text;
      if (path !== '') backing[n] = path;
    } catch (e) {
      if (!missing(e)) failed.push(`${file}: ${(e as Error).message}`);
    }
  }
  return failed.length ? { backing, error: `could not be read: ${failed.join('; ')}` } : { backing };
}
