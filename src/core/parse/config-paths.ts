// The absolute paths a guest config names, for the gatherer to look up on the node (host/read-links.ts):
// a path is judged by what it is there (a directory, a file, a block device and its number), never by its
// text alone.

export const DEVICE_PATH = /(\/dev\/[^\s,='"]+)/g;

/**
 * Every `/dev/...` token of a config text, wherever it stands (drive keys, mpN, devN, args:,
 * lxc.mount.entry): the gatherer resolves these links (udev's /dev/disk/by-*) on the node, so the
 * analysis can tell which map a path names.
 */
export function devicePathsIn(text: string): string[] {
  return [...new Set([...text.matchAll(DEVICE_PATH)].map((m) => m[1]))];
}

// mp1: /srv/host-data,mp=/data          scsi1: /mnt/images/x.raw,size=8G
// lxc.mount.entry: /srv/share srv/share none bind,create=dir 0 0
const VALUE_PATH = /^[A-Za-z][\w.-]*:[ \t]*(\/[^,\s]*)/gm;

/**
 * Every absolute path a config text names: its `/dev/...` tokens (devicePathsIn) and every value that is
 * a path (a container's bind or device mount point — PVE::LXC::Config classify_mountpoint: an absolute
 * path is `bind`, or `device` under /dev —, a VM disk given by path, an lxc.mount.entry source). The
 * gatherer looks each up on the node, so a path is judged by what it is there, never by its text alone.
 */
export function configPathsIn(text: string): string[] {
  const out = new Set(devicePathsIn(text));
  for (const m of text.matchAll(VALUE_PATH)) if (m[1].length > 1) out.add(m[1]);
  return [...out];
}
