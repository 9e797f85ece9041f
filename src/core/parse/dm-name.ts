// The lvm2 device-mapper name and UUID codec (facts §3).
//
// Name: `<vg>-<lv>[-<layer>]`, every '-' inside vg/lv/layer doubled; no separator before a layer that
// starts with '_' (libdm-string.c:325-370). e.g. `vg_data--2-tp--1-tpool` = vg `vg_data-2`, lv `tp-1`,
// layer `tpool`. UUID: `LVM-<32-char VG id><32-char LV id>[-<suffix>]`; kpartx children are
// `part<N>-<parent uuid>`. The UUID is the identity; the name is only a hint (it can be reused).

export interface LvmName {
  vg: string;
  lv: string;
  /** Layer after a single '-' (tpool, real, cow, ...) or '' when none. */
  layer: string;
}

// Names and ids below are rewritten by split + join, not by a global replace: V8 builds a replace's
// result as a chain of concatenations (one string object per piece), and these strings live as long
// as the analysis, are Map keys and are compared thousands of times. join writes one flat string.
// `lvs` UUIDs and LV names of 10,000 devices as chains were ~120,000 more objects for the garbage
// collector to copy: `dm --json` on 9,624 devices 592 -> 562 ms on Node 20, the same on Node 24 (21
// interleaved runs).

/** Every '-' doubled. */
function q(s: string): string {
  return s.includes('-') ? s.split('-').join('--') : s;
}

/** lvm2 dm_build_dm_name: quote '-' by doubling; no '-' before a layer that starts with '_' (_mlog). */
export function buildDmName(vg: string, lv: string, layer = ''): string {
  return `${q(vg)}-${q(lv)}${layer ? `${layer.startsWith('_') ? '' : '-'}${q(layer)}` : ''}`;
}

/** A doubled dash back to one. */
function un(x: string): string {
  return x.includes('--') ? x.split('--').join('-') : x;
}

/**
 * lvm2 dm_split_lvm_name: split at the first single '-' (vg | rest), then the rest at the next single
 * '-' (lv | layer). Returns null when there is no single dash (not an lvm2 name).
 */
export function splitDmName(name: string): LvmName | null {
  // Cut at single dashes only (a doubled dash is part of a name); slices, not per-character
  // concatenation: this runs for every device of a node with thousands of them.
  const c0 = singleDash(name, 0);
  if (c0 < 0) return null;
  const c1 = singleDash(name, c0 + 1);
  const vg = un(name.slice(0, c0));
  const lv = un(name.slice(c0 + 1, c1 < 0 ? name.length : c1));
  if (vg === '' || lv === '') return null;
  return { vg, lv, layer: c1 >= 0 ? un(name.slice(c1 + 1)) : '' };
}

/**
 * Whether `name` is the DM name of LV `lv` in VG `vg` with no layer, and splitDmName(name) gives them
 * back: `name === buildDmName(vg, lv)`, compared by the string builtins (a node has thousands of maps,
 * most carrying their LV's own name; a loop over their characters cost twice as long before V8 optimises
 * it, which a run this short never does). Names that start with '-' are refused, as lvm2 refuses them
 * (they would not split back the same way).
 */
export function isDmNameOf(name: string, vg: string, lv: string): boolean {
  if (vg === '' || lv === '' || vg.charCodeAt(0) === 45 || lv.charCodeAt(0) === 45) return false;
  const qv = q(vg);
  const ql = q(lv);
  return (
    name.length === qv.length + 1 + ql.length &&
    name.charCodeAt(qv.length) === 45 &&
    name.startsWith(qv) &&
    name.endsWith(ql)
  );
}

/** The first '-' at or after `from` that is not half of a doubled one, or -1. */
function singleDash(name: string, from: number): number {
  for (let i = name.indexOf('-', from); i >= 0; i = name.indexOf('-', i + 1)) {
    if (name.charCodeAt(i + 1) !== 45) return i;
    i++;
  }
  return -1;
}

export type DmUuid =
  | { kind: 'lvm'; vgId: string; lvId: string; suffix: string }
  | { kind: 'part'; partition: number; parentUuid: string }
  | { kind: 'mpath' | 'crypt' | 'other' | 'none'; prefix: string };

const LVM_ID = /^LVM-[0-9A-Za-z!#]{64}(?:-.+)?$/;

/** Parse a DM UUID: `LVM-<vg32><lv32>[-suffix]`, `part1-<parent>`, `mpath-...`, `CRYPT-...`. */
export function parseDmUuid(uuid: string): DmUuid {
  if (!uuid) return { kind: 'none', prefix: '' };
  // Slices, not the regex's captures: one test per map of a node with thousands.
  if (LVM_ID.test(uuid))
    return {
      kind: 'lvm',
      vgId: uuid.slice(4, 36),
      lvId: uuid.slice(36, 68),
      suffix: uuid.length > 69 ? uuid.slice(69) : '',
    };
  const p = /^part(\d+)-(.+)$/.exec(uuid);
  if (p) return { kind: 'part', partition: Number(p[1]), parentUuid: p[2] };
  const prefix = uuid.split('-')[0];
  if (prefix === 'mpath') return { kind: 'mpath', prefix };
  if (prefix === 'CRYPT') return { kind: 'crypt', prefix };
  return { kind: 'other', prefix };
}

/** `lvs` prints ids hyphenated 6-4-4-4-4-4-6; DM UUIDs carry them plain. */
export function plainLvmId(id: string): string {
  // Not split('-').join(''): that is an array and seven strings for each of a node's 10,000 LVs.
  return id.replaceAll('-', '');
}

/**
 * Reserved component substrings (lvm-string.c:137-203): an LV whose name contains one of them is a
 * hidden sub-LV (layer) of a top-level LV. Mapped to the top-level LV name by cutting at the marker.
 */
const COMPONENT_MARKERS = [
  '_cdata',
  '_cmeta',
  '_corig',
  '_cpool',
  '_cvol',
  '_wcorig',
  '_mimage',
  '_mlog',
  '_rimage',
  '_rmeta',
  '_tdata',
  '_tmeta',
  '_vdata',
  '_imeta',
  '_iorig',
  '_pmspare',
  '_vorigin',
];

/** If `lv` is a hidden component sub-LV, the top-level LV it belongs to and the component. */
export function splitComponent(lv: string): { top: string; component: string } | null {
  // Every marker starts with '_': most guest volume names have none.
  if (!lv.includes('_')) return null;
  let best = -1;
  let comp = '';
  for (let k = 0; k < COMPONENT_MARKERS.length; k++) {
    const m = COMPONENT_MARKERS[k];
    const i = lv.indexOf(m);
    // A marker must be followed by end of name, a digit group (_rimage_0) or another separator.
    if (i > 0 && (best < 0 || i < best)) {
      const after = lv.slice(i + m.length);
      if (after === '' || /^(_\d+|\d+|_.*)$/.test(after)) {
        best = i;
        comp = m.slice(1);
      }
    }
  }
  if (best < 0) return null;
  return { top: lv.slice(0, best), component: comp };
}

/**
 * kpartx child name: `<parent><delim><n>`, delim 'p' when the parent name ends in a digit, else ''
 * (kpartx.c:117-130); an explicit `-p DELIM` replaces it (udev runs `kpartx -p -part` for mpath maps).
 */
export function kpartxChildName(parent: string, n: number, delim?: string): string {
  return `${parent}${delim ?? (/\d$/.test(parent) ? 'p' : '')}${n}`;
}

/**
 * Strip the partition suffix from a kpartx child name given its partition number: the default
 * delimiters ('p' after a digit, none otherwise) and udev's `-part` for multipath maps.
 */
export function kpartxParentName(child: string, n: number): string | null {
  const part = `-part${n}`;
  if (child.endsWith(part) && child.length > part.length) return child.slice(0, -part.length);
  for (const cand of [`p${n}`, `${n}`]) {
    if (child.endsWith(cand)) {
      const parent = child.slice(0, -cand.length);
      if (parent !== '' && kpartxChildName(parent, n) === child) return parent;
    }
  }
  return null;
}
