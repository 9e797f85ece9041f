// Names, paths and mount targets come from the node, and some from tenants: a container can put ESC
// sequences, newlines or bidi overrides into a mount path. On a terminal they would recolour or
// rewrite the screen; in Nagios output a newline in a perfdata label forges a status line. Text,
// table and plugin output therefore show every control and bidi-override character as a visible
// \xNN / \u{NNNN} escape. (JSON escapes them itself.) Pure.

// C0 controls, DEL, C1 controls, the Unicode line and paragraph separators (a line break to a mail
// client or an editor), and the bidi embedding/override/isolate marks.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's purpose
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

export function sanitizeText(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const n = c.codePointAt(0)!;
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
  });
}

/** A copy of `value` with every string sanitized (objects and arrays copied, other values kept). */
export function sanitizeDeep<T>(value: T): T {
  if (typeof value === 'string') return (UNSAFE.test(value) ? sanitizeText(value) : value) as T;
  if (Array.isArray(value)) return value.map((v) => sanitizeDeep(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = sanitizeDeep(v);
    return out as T;
  }
  return value;
}

// The colours paint() (render/text.ts) writes: SGR with exactly these codes, nothing else of ESC.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what this pattern recognises.
const OWN_SGR = /^\u001b\[(?:1|2|22|31|32|33|34|39|90)m/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this pattern removes.
const TERMINAL_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

const TERMINAL_UNSAFE_ALL = new RegExp(TERMINAL_UNSAFE.source, 'g');

/**
 * The terminal boundary for a JSON document on stdout: the characters terminalText shows as escapes,
 * written as JSON writes them (`\u202e`), so the document is still valid JSON with the same values and
 * no control or bidi character reaches a terminal raw. JSON.stringify escapes C0 controls itself but
 * leaves DEL, the C1 controls and the bidi marks as they are (a guest name, a map name); outside its
 * strings a JSON text has none of them.
 */
export function jsonTerminalText(s: string): string {
  if (!TERMINAL_UNSAFE.test(s)) return s;
  return s.replace(TERMINAL_UNSAFE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
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
 * every control and bidi character becomes a visible escape, except line feed and tab and, where
 * colour is on, the tool's own SGR colour codes. A renderer that forgets sanitizeDeep, a remote
 * node's document, an error message quoting a path: nothing reaches the terminal raw.
 */
export function terminalText(s: string, o: { color: boolean }): string {
  if (!TERMINAL_UNSAFE.test(s)) return s;
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const unsafe =
      (c < 0x20 && c !== 0x0a && c !== 0x09) ||
      (c >= 0x7f && c <= 0x9f) ||
      c === 0x200e ||
      c === 0x200f ||
      (c >= 0x2028 && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069);
    if (!unsafe) continue;
    if (c === 0x1b && o.color) {
      const m = OWN_SGR.exec(s.slice(i, i + 6));
      if (m) {
        i += m[0].length - 1;
        continue;
      }
    }
    out += s.slice(last, i) + sanitizeText(s[i]);
    last = i + 1;
  }
  return out + s.slice(last);
}
