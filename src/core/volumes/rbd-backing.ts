// The RBD image (or snapshot) a qcow2 backing file names, in every form qemu and the kernel open one by,
// mapped or not: the krbd device links of ceph's udev rule (`/dev/rbd/<pool>[/<ns>]/<image>[@<snap>]`,
// `-part<N>` for a partition) and of pve-storage's (src/udev-rbd/ceph-rbdnamer-pve: `/dev/rbd-pve/<fsid>/…`,
// the path RBDPlugin.pm `path` gives a krbd storage's volume since pve-storage 7), and qemu's rbd protocol
// string (`rbd:<pool>/[<ns>/]<image>[@<snap>][:<key>=<value>…]`, RBDPlugin.pm `path` without krbd; qemu
// block/rbd.c qemu_rbd_parse_filename). librbd and krbd open an image by its name, so the name is the
// identity an overlay depends on: one key per image and snapshot (rbdUseKey), read by the usage index
// (volume-usage.ts) and given to each listed image (volume-rbd.ts). The cluster's fsid is not compared:
// an image of that name on any cluster is held (never harm). Pure.
import { posix } from 'node:path';

/** The usage index's key of an RBD image or of one of its snapshots. */
export function rbdUseKey(pool: string, namespace: string | undefined, image: string, snapshot?: string): string {
  return `rbd:${pool}/${namespace ? `${namespace}/` : ''}${image}${snapshot ? `@${snapshot}` : ''}`;
}

/**
 * The keys of what a backing file names: the image, and the snapshot when it names one (an overlay on a
 * snapshot needs its image too: the snapshot goes where the image goes). Empty: it names no RBD image.
 */
export function parseRbdBacking(backing: string): string[] {
  return backing.startsWith('rbd:') ? qemuRbdKeys(backing.slice('rbd:'.length)) : devRbdKeys(backing);
}

// /dev/rbd-pve/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab/vm-pool/vm-100-disk-0@snap-part1
function devRbdKeys(path: string): string[] {
  const m = /^\/dev\/(?:rbd|rbd-pve\/[^/]+)\/([^/]+)\/(?:([^/]+)\/)?([^/]+)$/.exec(posix.normalize(path));
  if (!m) return [];
  const [, pool, ns, last] = m;
  // A partition's link (udev `%c-part%n`), or an image whose own name ends so: both are held.
  const part = /^(.+)-part\d+$/.exec(last);
  return [...new Set([last, ...(part ? [part[1]] : [])].flatMap((name) => keysOf(pool, ns, name)))];
}

function keysOf(pool: string, ns: string | undefined, name: string): string[] {
  const [image, ...snap] = name.split('@');
  return [rbdUseKey(pool, ns, image), ...(snap.length ? [rbdUseKey(pool, ns, image, snap.join('@'))] : [])];
}

// rbd:vm-pool/vm-100-disk-0@snap:conf=/etc/pve/ceph.conf:id=admin:keyring=/etc/pve/priv/ceph/ceph-vm.keyring
function qemuRbdKeys(rest: string): string[] {
  const slash = tokenEnd(rest, '/');
  if (slash < 0) return [];
  const pool = rbdUnescape(rest.slice(0, slash));
  const p = rest.slice(slash + 1);
  // As qemu does: an `@` anywhere (unescaped) ends the image name, the snapshot runs to the next `:`. The
  // image token keeps its `<ns>/`: the key is the same text (a name never holds a `/`).
  const at = tokenEnd(p, '@');
  if (at < 0) return [rbdUseKey(pool, undefined, rbdUnescape(p.slice(0, upTo(p, ':'))))];
  const image = rbdUnescape(p.slice(0, at));
  const tail = p.slice(at + 1);
  const snapshot = rbdUnescape(tail.slice(0, upTo(tail, ':')));
  return [rbdUseKey(pool, undefined, image), ...(snapshot ? [rbdUseKey(pool, undefined, image, snapshot)] : [])];
}

/** qemu_rbd_strchr: the first `delim` not escaped by a backslash, or -1 (then: the whole rest). */
function tokenEnd(s: string, delim: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === delim) return i;
    // (qemu also checks for the end there: a last backslash ends the loop either way)
    if (s[i] === '\\') i++;
  }
  return -1;
}

/** Where the token before `delim` ends: at it, or at the end (qemu_rbd_next_tok). */
function upTo(s: string, delim: string): number {
  const i = tokenEnd(s, delim);
  return i < 0 ? s.length : i;
}

/** qemu_rbd_unescape: a backslash takes the next character literally. */
function rbdUnescape(s: string): string {
  return s.replace(/\\(.)/gs, '$1');
}
