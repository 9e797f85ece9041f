// The `<name>: <rest>` lines of dmsetup's listings (table, deps, status), each line given to its device
// by name (parse-dmsetup.ts parses what follows the name).
//   pve-vm--100--disk--0: 0 67108864 thin 252:4 2

/** dmsetup's line when it lists no device. */
export const NO_DEVICES = 'No devices found';

/**
 * The device names a line's name is resolved against: any list of them, or a set or map that has them
 * as keys (the device index: no second set of 10,000 names is built from it), or those names indexed
 * once (DeviceNameIndex) when several parsers read the same devices.
 */
export type DeviceNames = Iterable<string> | ReadonlyMap<string, unknown> | DeviceNameIndex;

/**
 * Device names as the line parsers read them: the names, and whether any holds a ':' (then a line's name
 * is found the slow way). Built once by the caller that lists the devices (node-view.ts, from `dmsetup
 * info`) and given to each parser of the same devices; names given otherwise are looked at per call.
 */
export interface DeviceNameIndex {
  readonly known: ReadonlySet<string> | ReadonlyMap<string, unknown>;
  readonly colon: boolean;
  /**
   * The names in the order `dmsetup info` listed them, when the index was made from that listing.
   * `dmsetup table`, `deps` and `status` list the devices in the same order (each walks one
   * DM_DEVICE_LIST of the kernel, lvm2 dmsetup.c `_process_all`): a line's name is then read by
   * comparing it with the name listed at that place, not by slicing it out and looking it up.
   */
  readonly order?: readonly string[];
}

export function indexDeviceNames(names: DeviceNames, order?: readonly string[]): DeviceNameIndex {
  if (isNameIndex(names)) return names;
  const known = names instanceof Set || names instanceof Map ? names : new Set(names as Iterable<string>);
  let colon = false; // forEach, not for-of: 10,000 names, and no iterator result for each.
  // The name is the second argument of both Set's and Map's forEach.
  known.forEach((_: unknown, n: string) => {
    colon ||= n.includes(':');
  });
  return order ? { known, colon, order } : { known, colon };
}

function isNameIndex(names: DeviceNames): names is DeviceNameIndex {
  return typeof (names as Partial<DeviceNameIndex>).colon === 'boolean';
}

/** `text.slice(start, end).trim()`, with one slice when the ends are plain spaces (dmsetup's). */
function trimmedSlice(text: string, start: number, end: number): string {
  let a = start;
  let b = end;
  while (a < b && text.charCodeAt(a) === 32) a++;
  while (b > a && text.charCodeAt(b - 1) === 32) b--;
  if (a === b) return '';
  const first = text.charCodeAt(a);
  const last = text.charCodeAt(b - 1);
  // Another blank at an end (tab, CR, a Unicode space): trim decides.
  if (first <= 32 || last <= 32 || first >= 127 || last >= 127) return text.slice(a, b).trim();
  return text.slice(a, b);
}

/**
 * Calls `add(name, rest)` for every `<name>: <rest>` line, in order (rest trimmed, maybe empty). A name
 * is cut at the ':' that leaves the longest known device name (names of hand-made maps may contain
 * ': ', and `odd` and `odd: name` can both exist); set lookups keep this linear for 10,000 devices.
 */
export function eachDeviceLine(text: string, names: DeviceNames, add: (name: string, rest: string) => void): void {
  const { known, colon: colonInName, order } = indexDeviceNames(names);
  // Without a ':' in any name, a line whose start is a listed name and a ':' is that name's line: the
  // name listed where the previous line's was, or the next one, is compared in place (the same string
  // as info's, so the maps keyed by it are looked up by it without comparing characters).
  const listed = colonInName ? undefined : order;
  let at = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const lineStart = start;
    start = end + 1;
    if (listed !== undefined) {
      const here = listedNameAt(text, lineStart, end, listed, at);
      if (here >= 0) {
        at = here;
        add(listed[here], trimmedSlice(text, lineStart + listed[here].length + 1, end));
        continue;
      }
    }
    // Without a ':' in any known name, only the first ':' of a line can end one: one slice, one lookup.
    const colon = colonInName || text.startsWith(NO_DEVICES, lineStart) ? -1 : text.indexOf(':', lineStart);
    if (colon >= 0 && colon < end) {
      const name = text.slice(lineStart, colon);
      if (known.has(name)) {
        add(name, trimmedSlice(text, colon + 1, end));
        continue;
      }
    }
    const line = text.slice(lineStart, end);
    if (line.trim() === '' || line.startsWith(NO_DEVICES)) continue;
    let name: string | undefined;
    for (let i = line.indexOf(':'); i >= 0; i = line.indexOf(':', i + 1)) {
      const cand = line.slice(0, i);
      if (known.has(cand)) name = cand;
    }
    if (name === undefined) {
      const i = line.indexOf(': ');
      name = i >= 0 ? line.slice(0, i) : line.replace(/:$/, '');
    }
    add(name, line.slice(name.length + 1).trim());
  }
}

/**
 * Which of the names listed at `at` and `at + 1` the line text[start, end) begins with, followed by its
 * ':', or -1. A name that begins as dmsetup's "No devices found" line does is left to the general path,
 * which skips that line.
 */
function listedNameAt(text: string, start: number, end: number, listed: readonly string[], at: number): number {
  for (let k = at; k <= at + 1 && k < listed.length; k++) {
    const name = listed[k];
    const colon = start + name.length;
    if (colon < end && text.charCodeAt(colon) === 58 && text.startsWith(name, start) && !name.startsWith(NO_DEVICES))
      return k;
  }
  return -1;
}
