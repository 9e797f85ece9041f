// `JSON.stringify(value, null, 2)`, byte for byte, handed out in pieces of about CHUNK characters: a
// document of 10,000 devices (15 MB) is never one string, nor one string plus its bytes, in memory at
// once. Plain objects and arrays are written here down to WALK_DEPTH (document, part, list); each value
// below is JSON.stringify's own output, indented to where it sits (so every escape, number format and
// toJSON is V8's).
//   {
//     "dm": {
//       "entries": [
//         { ...one entry, JSON.stringify(entry, null, 2) with its lines shifted by 6 spaces... },

const CHUNK = 1 << 20;
const WALK_DEPTH = 3;

export function renderJsonChunks(value: unknown, write: (chunk: string) => void): void {
  const parts: string[] = [];
  let size = 0;
  const put = (s: string) => {
    parts.push(s);
    size += s.length;
    if (size >= CHUNK) {
      write(parts.join(''));
      parts.length = 0;
      size = 0;
    }
  };
  emit(value, '', 0, put);
  put('\n');
  if (parts.length) write(parts.join(''));
}

/** Whether JSON.stringify leaves the value out of an object (and writes null for it in an array). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** A plain array or object that JSON.stringify would walk itself (no toJSON, no boxed primitive). */
function container(v: unknown): v is Record<string, unknown> | unknown[] {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

function emit(v: unknown, indent: string, depth: number, put: (s: string) => void): void {
  if (depth >= WALK_DEPTH || !container(v)) {
    const s = JSON.stringify(v, null, 2);
    put(indent && s.includes('\n') ? s.replace(/\n/g, `\n${indent}`) : s);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) {
      put('[]');
      return;
    }
    put('[');
    for (let i = 0; i < v.length; i++) {
      put(i === 0 ? `\n${inner}` : `,\n${inner}`);
      if (omitted(v[i])) put('null');
      else emit(v[i], inner, depth + 1, put);
    }
    put(`\n${indent}]`);
    return;
  }
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
