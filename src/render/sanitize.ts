// Names, paths and mount targets come from the node, and some from tenants: a container can put ESC
// sequences, newlines or bidi overrides into a mount path. On a terminal they would recolour or
// rewrite the screen; in Nagios output a newline in a perfdata label forges a status line. Text,
// table and plugin output therefore show every control and bidi-override character as a visible
// \xNN / \u{NNNN} escape. (JSON escapes them itself.) Pure.

// C0 controls, DEL, C1 controls, and the bidi embedding/override/isolate marks.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's purpose
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

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
