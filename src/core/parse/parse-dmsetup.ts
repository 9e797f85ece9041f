// dmsetup output (facts §4). Every parser takes the text of ONE call covering all devices.
import { fitted } from '../vocab/fitted';
import { depsOfLine, depsOfPlainLine, isPlainText } from './dm-deps-line';
import { type DeviceNames, eachDeviceLine, NO_DEVICES } from './dm-device-lines';
import { numberIn } from './number-in';

export interface DmInfo {
  name: string;
  uuid: string;
  /** Kernel name, dm-N. */
  kname: string;
  major: number;
  minor: number;
  /** live table loaded */
  live: boolean;
  /** inactive table loaded */
  inactive: boolean;
  suspended: boolean;
  readonly: boolean;
  open: number;
  segments: number;
  events: number;
}

/** The exact field list we ask `dmsetup info -c` for; the parser depends on this order. */
export const DM_INFO_FIELDS = ['name', 'uuid', 'blkdevname', 'major', 'minor', 'attr', 'open', 'segments', 'events'];
export const DM_INFO_SEPARATOR = '\t';

/** The `dmsetup info -c` call whose output parseDmInfo reads (the gather's, and clean's re-check of one map). */
export const DM_INFO_ARGV: readonly string[] = [
  'dmsetup',
  'info',
  '-c',
  '--noheadings',
  '--separator',
  DM_INFO_SEPARATOR,
  '-o',
  DM_INFO_FIELDS.join(','),
];

// pve-vm--100--disk--0<TAB>LVM-VyB2...zGZwYg<TAB>dm-7<TAB>252<TAB>7<TAB>L--w<TAB>1<TAB>1<TAB>0
// (`dmsetup info -c --noheadings --separator <TAB> -o name,uuid,blkdevname,major,minor,attr,open,segments,events`;
// attr = L/- live, I/- inactive, s/- suspended, r/w; dmsetup.c:3311-3327)
export function parseDmInfo(text: string): DmInfo[] {
  const out: DmInfo[] = [];
  const n = DM_INFO_FIELDS.length;
  // Line by line and field by field in place (a node lists 10,000 maps: a split of every line was an
  // array and nine strings each). The fields are found from the line's end: only the name can carry a
  // separator character (lvm2 names cannot; a hand-made map could), so it is all before the last n - 1.
  const tabs: number[] = new Array(n - 1);
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const from = start;
    start = end + 1;
    const c0 = text.charCodeAt(from);
    // A printable first character is no blank line; anything else is looked at as a whole.
    if (!(c0 > 32 && c0 < 127)) {
      const line = text.slice(from, end);
      if (line.trim() === '') continue;
    }
    if (text.startsWith(NO_DEVICES, from)) continue;
    let t = end;
    for (let k = n - 2; k >= 0; k--) {
      t = t > from ? text.lastIndexOf(DM_INFO_SEPARATOR, t - 1) : -1;
      if (t < from) throw new Error(`dmsetup info: unexpected line '${text.slice(from, end).slice(0, 80)}'`);
      tabs[k] = t;
    }
    // Field i (1..8) is text[tabs[i-1] + 1, tabs[i]), the last one up to the line's end.
    const a = tabs[4] + 1;
    const b = tabs[5];
    out.push({
      name: text.slice(from, tabs[0]),
      uuid: text.slice(tabs[0] + 1, tabs[1]),
      kname: text.slice(tabs[1] + 1, tabs[2]),
      major: numberIn(text, tabs[2] + 1, tabs[3]),
      minor: numberIn(text, tabs[3] + 1, tabs[4]),
      live: b > a && text.charCodeAt(a) === 76 /* L */,
      inactive: b > a + 1 && text.charCodeAt(a + 1) === 73 /* I */,
      suspended: b > a + 2 && text.charCodeAt(a + 2) === 115 /* s */,
      readonly: b > a + 3 && text.charCodeAt(a + 3) === 114 /* r */,
      open: numberIn(text, tabs[5] + 1, tabs[6]) || 0,
      segments: numberIn(text, tabs[6] + 1, tabs[7]) || 0,
      events: numberIn(text, tabs[7] + 1, end) || 0,
    });
  }
  return out;
}

export interface DmSegment {
  start: number;
  length: number;
  target: string;
  params: string;
  /** The line as dmsetup printed it (`0 2048 linear 8:0 2048`) when that is already the normal form. */
  line?: string;
}

/**
 * A segment line into the list under `key`, created on first sight (devices keep their first-seen order;
 * an empty `rest` only lists the device). Most maps have one segment: a list made holding it (fitted.ts).
 */
function addSegment(map: Map<string, DmSegment[]>, key: string, rest: string): void {
  const list = map.get(key);
  if (rest === '') {
    if (!list) map.set(key, []);
  } else if (list) list.push(parseSegment(rest));
  else map.set(key, [parseSegment(rest)]);
}

// Whitespace other than single spaces: such a line is split the general way.
const ODD_SPACING = /[^\S ]| {2}/;

/** `<start> <length> <target> <params...>` → a segment; params keep dmsetup's single spaces, so they are one slice. */
function parseSegment(l: string): DmSegment {
  const a = l.indexOf(' ');
  const b = a < 0 ? -1 : l.indexOf(' ', a + 1);
  const c = b < 0 ? -1 : l.indexOf(' ', b + 1);
  if (c < 0 || ODD_SPACING.test(l)) {
    const [start, length, target, ...params] = l.split(/\s+/);
    return { start: Number(start), length: Number(length), target: target ?? '', params: params.join(' ') };
  }
  const start = Number(l.slice(0, a));
  const length = Number(l.slice(a + 1, b));
  const seg: DmSegment = { start, length, target: l.slice(b + 1, c), params: l.slice(c + 1) };
  // Kept as printed only when it reads back the same (numbers as dmsetup prints them): the report
  // shows the table without formatting each segment again.
  if (String(start) === l.slice(0, a) && String(length) === l.slice(a + 1, b)) seg.line = l;
  return seg;
}

/** A segment as a table line: `<start> <length> <target> <params>`. */
export function segmentLine(s: DmSegment): string {
  return s.line ?? `${s.start} ${s.length} ${s.target}${s.params ? ` ${s.params}` : ''}`;
}

// pve-vm--100--disk--0: 0 67108864 thin 252:4 2
// pve-data-tpool: 0 1677721600 thin-pool 252:2 252:3 128 0 0
export function parseDmTable(text: string, names: DeviceNames = []): Map<string, DmSegment[]> {
  const out = new Map<string, DmSegment[]>();
  eachDeviceLine(text, names, (name, rest) => addSegment(out, name, rest));
  return out;
}

/**
 * `dmsetup status` read for the consistency check: how many segment lines each device has (every device
 * listed, in first-seen order, as parseDmTable lists them) and the segments of the devices `wanted` keeps
 * (the thin pools and multipath maps whose lines a rule reads); the other lines are only counted.
 */
export function parseDmStatusLines(
  text: string,
  names: DeviceNames,
  wanted: (name: string) => boolean,
): { lines: Map<string, number>; segments: Map<string, DmSegment[]> } {
  const lines = new Map<string, number>();
  const segments = new Map<string, DmSegment[]>();
  eachDeviceLine(text, names, (name, rest) => {
    const n = lines.get(name) ?? 0;
    lines.set(name, rest === '' ? n : n + 1);
    if (wanted(name)) addSegment(segments, name, rest);
  });
  return { lines, segments };
}

// pve-data-tpool: 2 dependencies	: (252, 3) (252, 2)
export function parseDmDeps(text: string, names: DeviceNames = []): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const plain = isPlainText(text);
  eachDeviceLine(text, names, (name, rest) => {
    const devs: string[] = [];
    if (plain) depsOfPlainLine(rest, devs);
    else depsOfLine(rest, devs);
    const listed = out.get(name);
    if (listed) for (const d of devs) listed.push(d);
    else out.set(name, fitted(devs));
  });
  return out;
}

/** Block devices a table refers to, as major:minor (thin: the pool; linear: the PV; ...). */
export function tableDevices(segments: DmSegment[]): string[] {
  const out: string[] = [];
  for (const s of segments) for (const m of s.params.matchAll(/\b(\d+:\d+)\b/g)) out.push(m[1]);
  return out;
}

/** Identity of what a segment maps, for same-target detection: thin `pool devid`, linear `dev offset`. */
export function segmentKey(s: DmSegment): string | null {
  if (s.target !== 'thin' && s.target !== 'linear') return null;
  const w = firstTwoWords(s.params);
  return s.target === 'thin' ? `thin ${w[0]} ${w[1]}` : `linear ${w[0]} ${w[1]} ${s.length}`;
}

/** `params.split(/\s+/)`'s first two items, by slices when the params are single-spaced (dmsetup's). */
function firstTwoWords(params: string): [string, string | undefined] {
  if (ODD_SPACING.test(params)) {
    const p = params.split(/\s+/);
    return [p[0], p[1]];
  }
  const i = params.indexOf(' ');
  if (i < 0) return [params, undefined];
  const j = params.indexOf(' ', i + 1);
  return [params.slice(0, i), params.slice(i + 1, j < 0 ? params.length : j)];
}
