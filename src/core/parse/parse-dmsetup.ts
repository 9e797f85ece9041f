// dmsetup output (facts §4). Every parser takes the text of ONE call covering all devices.

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

// pve-vm--100--disk--0<TAB>LVM-VyB2...zGZwYg<TAB>dm-7<TAB>252<TAB>7<TAB>L--w<TAB>1<TAB>1<TAB>0
// (`dmsetup info -c --noheadings --separator <TAB> -o name,uuid,blkdevname,major,minor,attr,open,segments,events`;
// attr = L/- live, I/- inactive, s/- suspended, r/w; dmsetup.c:3311-3327)
export function parseDmInfo(text: string): DmInfo[] {
  const out: DmInfo[] = [];
  const n = DM_INFO_FIELDS.length;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('No devices found')) continue;
    let f = line.split(DM_INFO_SEPARATOR);
    if (f.length < n) throw new Error(`dmsetup info: unexpected line '${line.slice(0, 80)}'`);
    // Only the name can carry a separator character (lvm2 names cannot; a hand-made map could).
    if (f.length > n) f = [f.slice(0, f.length - n + 1).join(DM_INFO_SEPARATOR), ...f.slice(f.length - n + 1)];
    const [name, uuid, kname, major, minor, attr, open, segments, events] = f;
    out.push({
      name,
      uuid,
      kname,
      major: Number(major),
      minor: Number(minor),
      live: attr[0] === 'L',
      inactive: attr[1] === 'I',
      suspended: attr[2] === 's',
      readonly: attr[3] === 'r',
      open: Number(open) || 0,
      segments: Number(segments) || 0,
      events: Number(events) || 0,
    });
  }
  return out;
}

export interface DmSegment {
  start: number;
  length: number;
  target: string;
  params: string;
}

/**
 * Group `<name>: ...` lines by device. A name is cut at the ':' that leaves the longest known device
 * name (names of hand-made maps may contain ': ', and `odd` and `odd: name` can both exist); set
 * lookups keep this linear for 10,000 devices.
 */
function byDevice(text: string, names: Iterable<string>): Map<string, string[]> {
  const known = new Set(names);
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('No devices found')) continue;
    let name: string | undefined;
    for (let i = line.indexOf(':'); i >= 0; i = line.indexOf(':', i + 1)) {
      const cand = line.slice(0, i);
      if (known.has(cand)) name = cand;
    }
    if (name === undefined) {
      const i = line.indexOf(': ');
      name = i >= 0 ? line.slice(0, i) : line.replace(/:$/, '');
    }
    const rest = line.slice(name.length + 1).trim();
    const list = out.get(name) ?? [];
    if (rest !== '') list.push(rest);
    out.set(name, list);
  }
  return out;
}

// pve-vm--100--disk--0: 0 67108864 thin 252:4 2
// pve-data-tpool: 0 1677721600 thin-pool 252:2 252:3 128 0 0
export function parseDmTable(text: string, names: Iterable<string> = []): Map<string, DmSegment[]> {
  const out = new Map<string, DmSegment[]>();
  for (const [name, lines] of byDevice(text, names)) {
    out.set(
      name,
      lines.map((l) => {
        const [start, length, target, ...params] = l.split(/\s+/);
        return { start: Number(start), length: Number(length), target: target ?? '', params: params.join(' ') };
      }),
    );
  }
  return out;
}

// pve-data-tpool: 2 dependencies	: (252, 3) (252, 2)
export function parseDmDeps(text: string, names: Iterable<string> = []): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, lines] of byDevice(text, names)) {
    const devs: string[] = [];
    for (const l of lines) for (const m of l.matchAll(/\((\d+),\s*(\d+)\)/g)) devs.push(`${m[1]}:${m[2]}`);
    out.set(name, devs);
  }
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
  const p = s.params.split(/\s+/);
  if (s.target === 'thin') return `thin ${p[0]} ${p[1]}`;
  if (s.target === 'linear') return `linear ${p[0]} ${p[1]} ${s.length}`;
  return null;
}
