// QEMU and LXC guest configs (facts §1): every section and every volume reference.
//
// scsi0: local-lvm:vm-100-disk-0,iothread=1,size=32G
// [PENDING] / [pve:pending] / [special:cloudinit] / [special:fleecing] / [<snapshot>]
// Grammar from qemu-server parse_vm_config (QemuServer.pm:1939-2082) and pve-container
// parse_pct_config (Config.pm:1160-1206): blank lines skipped, `#` lines are the description,
// `key: value` lines, unknown `[...]` sections skipped with a warning, a section named twice: the later wins.

import { fitted } from '../vocab/fitted';
import { DEVICE_PATH } from './config-paths';
import { guestConfigDefect } from './guest-config-trust';
import { propertiesOf } from './property-string';
import { parseVolumeId, type VolumeId } from './volume-name';

export type GuestType = 'qemu' | 'lxc';

export interface VolumeRef {
  /** Config key (scsi0, rootfs, mp1, unused0, vmstate, fleecing-images, args, lxc.mount.entry, dev0). */
  key: string;
  /** "main", "pending", "snapshot:<name>", "special:fleecing", or "shadowed:<section>" (a duplicate PVE drops). */
  section: string;
  /** Parsed `storage:volname` when the value is a volume id. */
  volid: VolumeId | null;
  /** Absolute path when the value is a path (/dev/..., /mnt/...). */
  path: string | null;
  /** The raw file value (`none`, `cdrom`, a volid or a path). */
  file: string;
  media?: string;
  cloudinit?: boolean;
}

export interface GuestConfig {
  vmid: number;
  type: GuestType;
  name: string | null;
  lock: string | null;
  template: boolean;
  /** Current snapshot parent (`parent:` of the main section). */
  parent: string | null;
  snapshots: string[];
  hasPending: boolean;
  refs: VolumeRef[];
  warnings: string[];
  /** Why the text is not a whole config as PVE writes it (guest-config-trust.ts), or null. */
  defect: string | null;
}

const QEMU_DRIVE =
  /^(ide[0-3]|sata[0-5]|scsi([0-9]|[12][0-9]|30)|virtio([0-9]|1[0-5])|efidisk0|tpmstate0|unused(\d{1,3}))$/;
const LXC_VOLUME = /^(rootfs|mp\d{1,3}|unused\d{1,3})$/;
// The value is trimmed after the match: a lazy `(.*?)\s*$` backtracks on every character.
const KEY_LINE = /^([a-z][a-z_-]*\d*):\s*(.*)$/;
const LXC_RAW = /^(lxc\.[a-z0-9_.-]+)(?::|\s*=)\s*(.*)$/;
const SNAPSHOT_HEADER = /^\[([a-z][a-z0-9_-]+)\]\s*$/i;

interface RawSection {
  name: string;
  kind: 'main' | 'pending' | 'snapshot' | 'special' | 'unknown';
  entries: [string, string][];
  /** Named again later in the file: PVE ignores this copy. */
  shadowed?: boolean;
}

// Characters `.` does not match: without them in a text, KEY_LINE's `(.*)$` takes any rest of a line.
const LINE_TERMINATORS = /[\r\u2028\u2029]/;

// KEY_LINE by hand for the line text[start, end) of a text without line terminators (as PVE writes
// them; text[end] is its '\n' or the end of the text, which no step below takes): [key, trimmed value], or
// null where KEY_LINE would not match. Thousands of configs: a regex per line was a third of their
// parsing, and the line is not sliced out first.
function keyLineAt(text: string, start: number, end: number): [string, string] | null {
  let i = start;
  let c = text.charCodeAt(i);
  if (!(c >= 97 && c <= 122)) return null; // [a-z] (an empty line gives '\n' or NaN)
  do c = text.charCodeAt(++i);
  while ((c >= 97 && c <= 122) || c === 95 || c === 45); // [a-z_-]*
  while (c >= 48 && c <= 57) c = text.charCodeAt(++i); // \d*
  if (c !== 58) return null; // ':'
  // `key: value` with printable ends needs one slice, not a slice and a trimmed copy.
  const a = text.charCodeAt(i + 1) === 32 ? i + 2 : i + 1;
  const first = text.charCodeAt(a);
  const last = text.charCodeAt(end - 1);
  if (a < end && first > 32 && first < 127 && last > 32 && last < 127)
    return [text.slice(start, i), text.slice(a, end)];
  return [text.slice(start, i), text.slice(i + 1, end).trim()];
}

/** A `[...]` header line: the section it opens, or a warning when the parser would skip the line. */
function sectionHeader(
  line: string,
  type: GuestType,
): { name: string; kind: RawSection['kind']; warning?: string } | 'not-a-header' | 'unparsable' {
  const h = /^\[(.*)\]\s*$/.exec(line);
  if (!h) return 'not-a-header';
  const name = h[1];
  const lower = name.toLowerCase();
  // Both parsers match these headers case-insensitively (QemuServer.pm:1990-1997, Config.pm:1160).
  if ((type === 'qemu' && lower === 'pending') || (type === 'lxc' && lower === 'pve:pending')) {
    return { name: 'pending', kind: 'pending' };
  }
  if (type === 'qemu' && (lower === 'special:cloudinit' || lower === 'special:fleecing')) {
    return { name: lower, kind: 'special' };
  }
  if (SNAPSHOT_HEADER.test(line)) return { name, kind: 'snapshot' };
  // pct has no "unknown section": such a line is an unparsable line and the keys after it stay
  // in the current section (Config.pm parse_pct_config), so their volumes stay referenced.
  if (type === 'lxc') return 'unparsable';
  return { name, kind: 'unknown', warning: `skipping unknown section [${name}]` };
}

/** Split a config into sections of key/value pairs. */
export function parseConfigSections(text: string, type: GuestType): { sections: RawSection[]; warnings: string[] } {
  const warnings: string[] = [];
  const sections: RawSection[] = [{ name: 'main', kind: 'main', entries: [] }];
  let cur = sections[0];
  const plain = !LINE_TERMINATORS.test(text);
  for (let start = 0, n = 1; start <= text.length; n++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const lineStart = start;
    start = end + 1;
    if (plain) {
      // Most lines are `key: value` or a description: read in place.
      const c0 = text.charCodeAt(lineStart);
      if (c0 === 35 /* # */ && lineStart < end) continue;
      const kv = c0 >= 97 && c0 <= 122 ? keyLineAt(text, lineStart, end) : null;
      if (kv) {
        cur.entries.push(kv);
        continue;
      }
    }
    const raw = text.slice(lineStart, end);
    const line = plain ? raw : raw.replace(/\r$/, '');
    const c = line.charCodeAt(0);
    if (c === 35 /* # */ || (!(c >= 97 && c <= 122) && /^\s*$/.test(line))) continue;
    const h = c === 91 /* [ */ ? sectionHeader(line, type) : 'not-a-header';
    if (typeof h === 'object') {
      if (h.warning) warnings.push(`line ${n}: ${h.warning}`);
      cur = { name: h.name, kind: h.kind, entries: [] };
      sections.push(cur);
      continue;
    }
    const m =
      h === 'unparsable'
        ? null
        : ((plain ? null : KEY_LINE.exec(line)) ??
          (type === 'lxc' || line.startsWith('lxc.') ? LXC_RAW.exec(line) : null));
    if (!m) {
      warnings.push(`line ${n}: cannot parse '${line.slice(0, 60)}'`);
      continue;
    }
    cur.entries.push([m[1], m[2].trimEnd()]);
  }
  return { sections, warnings };
}

const CLOUDINIT_FILE = /[:/](?:vm-\d+-)?cloudinit(?:\.(?:raw|qcow2|vmdk))?$/;

function fileRef(key: string, section: string, file: string): VolumeRef {
  const isPath = file.startsWith('/');
  return { key, section, file, volid: isPath ? null : parseVolumeId(file), path: isPath ? file : null };
}

/** `/dev/...` tokens inside free text (`args:`, `lxc.mount.entry`): a guest can use a volume by path. */
function pathRefs(refs: VolumeRef[], key: string, section: string, value: string): void {
  for (const m of value.matchAll(DEVICE_PATH)) refs.push(fileRef(key, section, m[1]));
}

const DRIVE_PROPS = ['file', 'volume', 'media'] as const;

function qemuDriveRef(vmid: number, section: string, rawKey: string, value: string): VolumeRef | null {
  const key = rawKey === 'cdrom' ? 'ide2' : rawKey;
  const props = propertiesOf(value, 'file', DRIVE_PROPS);
  const mediaProp = props[2];
  let file = props[0] ?? props[1];
  if (!file || file === 'none') return null;
  const media = mediaProp ?? (rawKey === 'cdrom' ? 'cdrom' : undefined);
  // Legacy bare names are rewritten on parse (QemuServer.pm:1073-1093).
  if (!file.startsWith('/') && file !== 'cdrom' && !file.includes(':')) {
    file = media === 'cdrom' ? `local:iso/${file}` : `local:${vmid}/${file}`;
  }
  const ref = fileRef(key, section, file);
  ref.media = media;
  ref.cloudinit = (media === 'cdrom' && CLOUDINIT_FILE.test(file)) || undefined;
  return ref;
}

// Index access, not `for (const [k, v] of ...)`: until a loop is optimised, each destructuring of a
// pair allocates an iterator, and thousands of configs run these loops.
/** Volume keys end in a digit (ide2, scsi0, efidisk0, unused7, mp0, dev1) but `cdrom` and `rootfs`: most keys need no regex. */
function endsInDigit(key: string): boolean {
  const last = key.charCodeAt(key.length - 1);
  return last >= 48 && last <= 57;
}

function qemuRefs(refs: VolumeRef[], vmid: number, section: string, entries: [string, string][]): void {
  for (let i = 0; i < entries.length; i++) {
    const rawKey = entries[i][0];
    const value = entries[i][1];
    if (rawKey === 'cdrom' || (endsInDigit(rawKey) && QEMU_DRIVE.test(rawKey))) {
      const ref = qemuDriveRef(vmid, section, rawKey, value);
      if (ref) refs.push(ref);
    } else if (rawKey === 'vmstate') {
      refs.push(fileRef(rawKey, section, value));
    } else if (rawKey === 'fleecing-images') {
      for (const v of value.split(',').filter(Boolean)) refs.push(fileRef(rawKey, section, v));
    } else if (rawKey === 'args') {
      pathRefs(refs, rawKey, section, value);
    }
  }
}

const VOLUME_PROP = ['volume'] as const;
const PATH_PROP = ['path'] as const;

function lxcRefs(refs: VolumeRef[], section: string, entries: [string, string][]): void {
  for (let i = 0; i < entries.length; i++) {
    const key = entries[i][0];
    const value = entries[i][1];
    const digit = endsInDigit(key);
    if (key === 'rootfs' || (digit && LXC_VOLUME.test(key))) {
      const vol = propertiesOf(value, 'volume', VOLUME_PROP)[0];
      if (vol) refs.push(fileRef(key, section, vol));
    } else if (digit && /^dev\d+$/.test(key)) {
      const path = propertiesOf(value, 'path', PATH_PROP)[0];
      if (path) refs.push(fileRef(key, section, path));
    } else if (key === 'lxc.mount.entry') {
      pathRefs(refs, key, section, value);
    }
  }
}

type MainValues = Record<'name' | 'lock' | 'template' | 'parent', string | null>;

/** The main section's name (VM `name:`, container `hostname:`), lock, template and parent in one pass: the
 * last value of each key (PVE reads a key written twice so), or null. */
function mainValues(entries: [string, string][], nameKey: string): MainValues {
  const v: MainValues = { name: null, lock: null, template: null, parent: null };
  for (let i = 0; i < entries.length; i++) {
    const key = entries[i][0];
    if (key === nameKey) v.name = entries[i][1];
    else if (key === 'lock' || key === 'template' || key === 'parent') v[key] = entries[i][1];
  }
  return v;
}

/** Parse a qemu-server or pve-container config into what the analysis needs. */
export function parseGuestConfig(text: string, type: GuestType, vmid: number): GuestConfig {
  const { sections, warnings } = parseConfigSections(text, type);
  // A section named twice: PVE keeps the later one. Its predecessor's references are kept as
  // "shadowed" so a volume only named there is never called an orphan without a word.
  // (Most configs are one section, which cannot be named twice: no map for them.)
  if (sections.length > 1) {
    const last = new Map<string, RawSection>();
    for (const s of sections) {
      const id = `${s.kind}:${s.name}`;
      const prev = last.get(id);
      if (prev && s.kind !== 'main') {
        warnings.push(`duplicate section [${s.name}]: the later one wins`);
        prev.shadowed = true;
      }
      last.set(id, s);
    }
  }
  const main = sections[0];
  const refs: VolumeRef[] = [];
  const snapshots: string[] = [];
  for (let i = 0; i < sections.length; i++) {
    const s = sections[i];
    if (s.kind === 'unknown') continue;
    if (s.kind === 'special' && s.name !== 'special:fleecing') continue;
    const shadowed = s.shadowed;
    if (s.kind === 'snapshot' && !shadowed) snapshots.push(s.name);
    const section = shadowed
      ? `shadowed:${s.name}`
      : s.kind === 'snapshot'
        ? `snapshot:${s.name}`
        : s.kind === 'special'
          ? s.name
          : s.kind;
    if (type === 'qemu') qemuRefs(refs, vmid, section, s.entries);
    else lxcRefs(refs, section, s.entries);
  }
  const values = mainValues(main.entries, type === 'qemu' ? 'name' : 'hostname');
  return {
    vmid,
    type,
    name: values.name,
    lock: values.lock,
    template: values.template === '1',
    parent: values.parent,
    snapshots: fitted(snapshots),
    hasPending: sections.some((s) => s.kind === 'pending' && s.entries.length > 0),
    refs: fitted(refs),
    warnings,
    defect: guestConfigDefect(text, sections, warnings),
  };
}
