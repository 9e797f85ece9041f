// The device numbers of one `dmsetup deps` line, read in place (parse-dmsetup.ts parseDmDeps).
//   2 dependencies	: (252, 3) (252, 2)
import { digitsEnd } from './number-in';

const DEP = /\((\d+),\s*(\d+)\)/g;
const NOT_PLAIN = /[^\t\n\x20-\x7e]/;

/**
 * Whether a whole listing is printable ASCII, tabs and newlines, as dmsetup prints it: then each of its
 * lines is one depsByHand reads, and one native scan of the text replaces a check of every character of
 * every line in our code.
 */
export function isPlainText(text: string): boolean {
  return !NOT_PLAIN.test(text);
}

/** The dependencies of one line (the part after the map's name) pushed to `devs` as `major:minor`. */
export function depsOfLine(rest: string, devs: string[]): void {
  if (depsByHand(rest, devs)) return;
  // matchAll runs on a copy of the regex: the module's one keeps no lastIndex between calls.
  for (const m of rest.matchAll(DEP)) devs.push(`${m[1]}:${m[2]}`);
}

/**
 * The matches of `/\((\d+),\s*(\d+)\)/g` in `rest`, as `major:minor` (the digits as written), pushed to
 * `devs` when `rest` is printable ASCII, tabs and spaces (dmsetup's lines are), where `\s` can only be a
 * space or a tab: true. Any other text: false, nothing pushed (the caller runs the regex on it). One line
 * per map of a node: no match array per dependency.
 */
export function depsByHand(rest: string, devs: string[]): boolean {
  for (let i = 0; i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    if ((c < 32 && c !== 9) || c >= 127) return false;
  }
  depsOfPlainLine(rest, devs);
  return true;
}

/** depsOfLine for a line of a text isPlainText accepted: depsByHand's reading without its check. */
export function depsOfPlainLine(rest: string, devs: string[]): void {
  for (let i = rest.indexOf('('); i >= 0; i = rest.indexOf('(', i + 1)) {
    const a = digitsEnd(rest, i + 1);
    if (a === i + 1 || rest.charCodeAt(a) !== 44 /* , */) continue;
    let b = a + 1;
    while (rest.charCodeAt(b) === 32 || rest.charCodeAt(b) === 9) b++;
    const e = digitsEnd(rest, b);
    if (e === b || rest.charCodeAt(e) !== 41 /* ) */) continue;
    devs.push(`${rest.slice(i + 1, a)}:${rest.slice(b, e)}`);
    i = e;
  }
}
