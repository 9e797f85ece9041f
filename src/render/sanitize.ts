// Names, paths and mount targets come from the node, and some from tenants: a container can put ESC
// sequences, newlines or bidi overrides into a mount path, a volume name can hold an invisible character
// (U+00AD, U+3164, U+FE0F) that makes an orphan read exactly like a real disk. Text, table and plugin
// output therefore show every character of core/text/unsafe-chars.ts (controls, bidi, Unicode's
// default-ignorable code points) as a visible \xNN / \u{NNNN} escape. (JSON escapes them itself.) Only
// display text: a printed command is quoted first (shellQuote writes such a character as `$'\xHH'`), and
// an argv is never display-escaped, since a pasted `'vm-1-disk-0\u{202e}'` names another volume. Pure.
import { UNSAFE_CHAR, UNSAFE_CHARS_ALL } from '../core/text/unsafe-chars';

function escapeChar(c: string): string {
  const n = c.codePointAt(0)!;
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
}

export function sanitizeText(s: string): string {
  return s.replace(UNSAFE_CHARS_ALL, escapeChar);
}

/**
 * A copy of `value` with every string sanitized (objects and arrays copied, other values kept), except
 * an argv (`command`: an array, a step's or an action's): the renderer prints it through shellQuote,
 * which writes each unsafe character as bytes the shell reads back; escaped here first, the printed
 * command would name `…\u{202e}` literally, another volume.
 */
export function sanitizeDeep<T>(value: T): T {
  if (typeof value === 'string') return (UNSAFE_CHAR.test(value) ? sanitizeText(value) : value) as T;
  if (Array.isArray(value)) return value.map((v) => sanitizeDeep(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = k === 'command' && Array.isArray(v) ? [...v] : sanitizeDeep(v);
    return out as T;
  }
  return value;
}

// The colours paint() (render/text.ts) writes: SGR with exactly these codes, nothing else of ESC.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what this pattern recognises.
const OWN_SGR = /^\u001b\[(?:1|2|22|31|32|33|34|39|90)m/;
/** What the terminal boundary escapes: every unsafe character but line feed and tab. */
function terminalUnsafe(c: string): boolean {
  return c !== '\n' && c !== '\t';
}

/**
 * The terminal boundary for a JSON document on stdout: the characters terminalText shows as escapes,
 * written as JSON writes them (`\u202e`), so the document is still valid JSON with the same values and
 * no control, bidi or invisible character reaches a terminal raw. JSON.stringify escapes C0 controls
 * itself but leaves DEL, the C1 controls, the bidi marks and the default-ignorables as they are (a guest
 * name, a map name); outside its strings a JSON text has none of them.
 */
export function jsonTerminalText(s: string): string {
  if (!UNSAFE_CHAR.test(s)) return s;
  // Each UTF-16 unit as JSON writes it: a tag character (U+E0001) is its surrogate pair.
  const units = (c: string) =>
    c
      .split('')
      .map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .join('');
  return s.replace(UNSAFE_CHARS_ALL, (c) => (terminalUnsafe(c) ? units(c) : c));
}

/**
 * jsonTerminalText for a piece of JSON.stringify's own text (the JSON document writer's pieces, never
 * a renderer's or a remote node's text). JSON.stringify escapes every C0 control, so the characters
 * left to escape are DEL and those above U+007F: a piece of megabytes that is ASCII without DEL is
 * passed as it is after two scans at memory speed (a DEL, the UTF-8 length), not the regex over every
 * character (12-17 ms for 10,000 devices). Small pieces, and any with such a character, go through
 * jsonTerminalText. Text that is not JSON.stringify's could carry a raw ESC in ASCII: it takes
 * jsonTerminalText.
 */
export function stringifiedJsonForTerminal(s: string): string {
  if (s.length >= 1 << 12 && s.indexOf('\x7f') < 0 && Buffer.byteLength(s, 'utf8') === s.length) return s;
  return jsonTerminalText(s);
}

/**
 * The terminal boundary (cli/main.ts wraps stdout and stderr with it, for every command and format):
 * every control, bidi and invisible character becomes a visible escape, except line feed and tab and, where
 * colour is on, the tool's own SGR colour codes. A renderer that forgets sanitizeDeep, a remote
 * node's document, an error message quoting a path: nothing reaches the terminal raw.
 */
export function terminalText(s: string, o: { color: boolean }): string {
  if (!UNSAFE_CHAR.test(s)) return s;
  return s.replace(UNSAFE_CHARS_ALL, (c, at: number) => {
    if (!terminalUnsafe(c)) return c;
    if (c === '\x1b' && o.color && OWN_SGR.test(s.slice(at, at + 6))) return c;
    return escapeChar(c);
  });
}
