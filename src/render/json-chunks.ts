// `JSON.stringify(value, null, 2)`, byte for byte, handed out in pieces of at most about CHUNK characters: a
// document of 10,000 devices (15 MB) is never one string, nor one string plus its bytes, in memory at
// once. Plain objects are walked here down to WALK_DEPTH (document, part); every array is written in
// slices of SLICE items, and each slice, like each value below the walked levels, is JSON.stringify's
// own output (so every escape, number format and toJSON is V8's), indented by V8 too: the slice is
// wrapped in as many arrays as its depth needs and the wrappers' lines are cut off again. (Shifting
// each value's lines with a replace afterwards cost five times the stringify itself.)
//   {
//     "dm": {
//       "entries": [
//         { ...items 0-255: JSON.stringify([[[slice]]], null, 2) without its first and last 3 lines... },

// Each slice's text is about a quarter CHUNK (64K characters): below V8's large-object size (128 KB), so
// it is made in the young generation, whose pages serve again for the next one. At 1 << 20 every slice
// was a large object of its own, on pages mapped, touched once and unmapped: 4,000 page faults more for
// the 17 MB of 10,000 devices, and a few MB more of peak RSS (docs/performance.md, fourteenth session).
export const CHUNK = 1 << 18;
/** Texts shorter than this are joined before they are written. */
const SMALL = 1 << 12;
const WALK_DEPTH = 2;
const SLICE = 256;

export function renderJsonChunks(value: unknown, write: (chunk: string) => void): void {
  // A slice's text is handed on as it is; only the short texts between slices (keys, brackets,
  // separators) are joined, so no byte of the document is copied into a second string.
  let small = '';
  const put = (s: string) => {
    if (s.length < SMALL) {
      small += s;
      if (small.length < SMALL) return;
      write(small);
    } else {
      if (small) write(small);
      write(s);
    }
    small = '';
  };
  emit(value, '', 0, put);
  put('\n');
  if (small) write(small);
}

/** Whether JSON.stringify leaves the value out of an object (and writes null for it in an array). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** A plain object that JSON.stringify would walk itself (no toJSON, no boxed primitive). */
function plainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * The items as JSON.stringify writes them inside an array whose items sit `at` spaces deep (`at` even,
 * at least 2), joined by ",\n" and that indent; the first item starts at its first character.
 *   JSON.stringify([[items]], null, 2) = "[\n  [\n    [\n      A,\n      B\n    ]\n  ]\n]" → "A,\n      B"
 */
function itemsAt(items: unknown[], at: number): string {
  const wrappers = at / 2 - 1;
  let wrapped: unknown = items;
  for (let j = 0; j < wrappers; j++) wrapped = [wrapped];
  const s = JSON.stringify(wrapped, null, 2);
  // Line j of the head is 2j spaces, "[", "\n"; then the first item's indent. The tail mirrors it.
  let head = at;
  let tail = 0;
  for (let j = 0; j <= wrappers; j++) {
    head += 2 * j + 2;
    tail += 2 * j + 2;
  }
  return s.slice(head, s.length - tail);
}

function emit(v: unknown, indent: string, depth: number, put: (s: string) => void): void {
  if (Array.isArray(v)) {
    if (v.length === 0) {
      put('[]');
      return;
    }
    const inner = `${indent}  `;
    put('[');
    // The first item measures how big they are; then each slice is about a quarter CHUNK of them, so
    // no piece grows much beyond CHUNK whatever the items (unless one item alone does).
    let n = 1;
    for (let i = 0; i < v.length; ) {
      put(i === 0 ? `\n${inner}` : `,\n${inner}`);
      const slice = v.slice(i, i + n);
      const text = itemsAt(slice, inner.length);
      put(text);
      i += slice.length;
      n = Math.max(1, Math.min(SLICE, Math.floor(CHUNK / 4 / (text.length / slice.length + 1))));
    }
    put(`\n${indent}]`);
    return;
  }
  if (depth >= WALK_DEPTH || !plainObject(v)) {
    // A value that can span lines sits where an item of an array `indent` deep would.
    put(indent && v !== null && typeof v === 'object' ? itemsAt([v], indent.length) : JSON.stringify(v, null, 2));
    return;
  }
  const inner = `${indent}  `;
  let first = true;
  for (const key of Object.keys(v)) {
    const member = v[key];
    if (omitted(member)) continue;
    put(`${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: `);
    first = false;
    emit(member, inner, depth + 1, put);
  }
  put(first ? '{}' : `\n${indent}}`);
}
