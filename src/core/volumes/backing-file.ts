// What a qcow2 image's backing file names, as qemu opens it: a path is taken as written when absolute and
// relative to the overlay's directory otherwise (block.c bdrv_get_full_backing_filename → path_combine: the
// overlay's name up to its last `/`, then the backing name; `qemu-img create -b base.qcow2` in the same
// directory, PVE's linked clones `../<vmid>/base-<vmid>-disk-0.qcow2`); `file:` is the file protocol's
// prefix (a relative name after it is not combined with the overlay's directory); a name whose first `:`
// comes before any `/` is another protocol (path_has_protocol: `rbd:`, `nbd:`, `iscsi:`, `gluster:`…);
// `json:{…}` is qemu's block-options form (bdrv_refresh_filename writes it,
// `qemu-img rebase -b 'json:{…}'` takes it), flattened to dotted keys as qdict_flatten does: every
// `filename` in it is a file, and every `pool` + `image` an RBD image. Host and core read it alike
// (read-volumes.ts looks the paths up, volume-usage.ts indexes them). Pure.
import { parseRbdBacking, rbdUseKey } from './rbd-backing';

/** The files (as qemu opens them, not normalised: the kernel takes `..` after links) and RBD keys named. */
export interface BackingTargets {
  paths: string[];
  rbd: string[];
}

// json:{"driver":"qcow2","file":{"driver":"file","filename":"/var/lib/vz/images/199/base-199-disk-0.qcow2"}}
// ../199/base-199-disk-0.qcow2
export function parseBackingFile(backing: string, overlayPath: string): BackingTargets {
  const out: BackingTargets = { paths: [], rbd: [] };
  const beside = overlayPath.slice(0, overlayPath.lastIndexOf('/') + 1);
  // Inside json: a relative filename is not combined with the overlay's directory either (below).
  if (backing.startsWith('json:')) jsonTargets(backing.slice('json:'.length), [beside, '/'], out);
  else plainTargets(backing, [beside], out);
  return { paths: [...new Set(out.paths)], rbd: [...new Set(out.rbd)] };
}

/**
 * A name qemu takes as a file; a relative one in each of `dirs`. qemu combines only a name without a
 * protocol with the overlay's directory (path_has_protocol is true of a whole `file:…` or `json:…` name):
 * after `file:` or inside `json:` a relative name is opened from qemu's working directory, `/` under
 * pvedaemon but not known here, so both places are named.
 */
function plainTargets(name: string, dirs: readonly string[], out: BackingTargets): void {
  out.rbd.push(...parseRbdBacking(name));
  const file = name.startsWith('file:') ? name.slice('file:'.length) : name;
  if (!file) return;
  if (file === name && /^[^/:]*:/.test(name)) return; // another protocol: no file of this node
  if (file.startsWith('/')) {
    out.paths.push(file);
    return;
  }
  for (const dir of file === name ? dirs : [...dirs, '/']) out.paths.push(`${dir}${file}`);
}

function jsonTargets(text: string, dirs: readonly string[], out: BackingTargets): void {
  let doc: unknown = null;
  try {
    doc = JSON.parse(text);
  } catch {
    // not JSON: qemu cannot open it either, so the overlay opens no base
  }
  const flat = new Map<string, unknown>();
  flatten(doc ?? {}, '', flat);
  for (const [key, value] of flat) {
    if (typeof value !== 'string') continue;
    const dot = key.lastIndexOf('.');
    const prefix = key.slice(0, dot + 1);
    const leaf = key.slice(dot + 1);
    if (leaf === 'filename') plainTargets(value, dirs, out);
    const pool = flat.get(`${prefix}pool`);
    if (leaf !== 'image' || typeof pool !== 'string') continue;
    const ns = flat.get(`${prefix}namespace`);
    const snap = flat.get(`${prefix}snapshot`);
    // (an empty snapshot or namespace is none: rbdUseKey leaves it out)
    const nsName = typeof ns === 'string' ? ns : undefined;
    out.rbd.push(rbdUseKey(pool, nsName, value));
    if (typeof snap === 'string') out.rbd.push(rbdUseKey(pool, nsName, value, snap));
  }
}

/** qdict_flatten: `{"file":{"filename":x}}` and `{"file.filename":x}` are the same option (a list: `.0`, `.1`). */
function flatten(v: object, prefix: string, out: Map<string, unknown>): void {
  for (const [k, x] of Object.entries(v)) {
    if (x !== null && typeof x === 'object') flatten(x, `${prefix}${k}.`, out);
    else out.set(`${prefix}${k}`, x);
  }
}
