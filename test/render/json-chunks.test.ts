// renderJsonChunks must write JSON.stringify(value, null, 2) + '\n' byte for byte, whatever the value:
// every JSON type at every depth, what JSON.stringify leaves out or turns into null, toJSON, escapes,
// key order, and documents larger than one chunk (split anywhere).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHUNK, renderJsonChunks } from '../../src/render/json-chunks';

function chunks(v: unknown): string[] {
  const out: string[] = [];
  renderJsonChunks(v, (c) => out.push(c));
  return out;
}

const entry = (i: number) => ({
  name: `pve-vm--${i}--disk--0`,
  uuid: `LVM-${'a'.repeat(64)}`,
  table: ['0 65536 thin 252:3 9'],
  holders: [],
  guests: [{ vmid: i, type: 'qemu', node: 'pve1' }],
  action: i % 3 ? undefined : { command: ['dmsetup', 'remove', '-u', 'x'], effect: 'multi\nline "quoted"' },
  sizeBytes: i * 1024 ** 3,
  flags: {},
});

const CASES: [string, unknown][] = [
  ['empty object', {}],
  ['empty array', []],
  ['scalars', ['s', 0, -0, 1.5, 1e21, 1e-7, Number.NaN, Number.POSITIVE_INFINITY, true, false, null]],
  ['top-level scalars', 'just a string'],
  ['null', null],
  [
    'omitted and null-in-array',
    { a: undefined, b: () => 1, c: Symbol('s'), d: [undefined, () => 1, Symbol('t')], e: 1 },
  ],
  ['only omitted keys', { a: undefined, nested: { b: undefined } }],
  ['toJSON and Date at every depth', { d: new Date(0), x: { toJSON: () => ({ y: 'T' }) }, l: [{ z: new Date(1) }] }],
  ['escapes in keys and strings', { 'k\n"\\': 'v\u2028\u2029\u0000\u001fé😀\ud800', '': '' }],
  ['integer-like keys come first', { b: 1, 2: 'two', a: 3, 1: 'one' }],
  ['null prototype', Object.assign(Object.create(null), { p: [1, { q: [] }] })],
  ['deep nesting below the walked levels', { a: { b: { c: { d: { e: [[[[{ f: 'multi\nline' }]]]] } } } } }],
  ['boxed primitives', { n: Object(1), s: Object('x'), b: Object(false) }],
  ['a top-level array longer than a slice', Array.from({ length: 600 }, (_, i) => ({ i, l: [i, { m: 'x' }] }))],
  [
    'arrays longer than a slice at every depth, in arrays',
    { a: [Array.from({ length: 300 }, (_, i) => [i, [{ s: `${i}\n` }], []])], b: { c: { d: Array(520).fill([]) } } },
  ],
  [
    'big items (a slice of them is more than a chunk)',
    { e: Array.from({ length: 40 }, (_, i) => ({ i, t: 'x'.repeat(70_000) })) },
  ],
  [
    'a document of several chunks',
    { schemaVersion: 1, dm: { entries: Array.from({ length: 6000 }, (_, i) => entry(i)), status: 2 } },
  ],
];

for (const [what, v] of CASES) {
  test(`renderJsonChunks: ${what}`, () => {
    const out = chunks(v);
    assert.equal(out.join(''), `${JSON.stringify(v, null, 2)}\n`);
  });
}

for (const what of ['a document of several chunks', 'big items (a slice of them is more than a chunk)']) {
  test(`renderJsonChunks: ${what}: pieces of at most about a chunk, the slices' below V8's large objects`, () => {
    const out = chunks(CASES.find(([w]) => w === what)?.[1]);
    assert.ok(out.length >= 2, `${out.length} pieces`);
    for (const c of out) assert.ok(c.length < 1.3 * CHUNK, `${c.length}`);
    // A one-byte string of 128 KB or more is a large object of V8's, on fresh pages for each piece: the
    // slices stay below it (items of 300 characters or 70,000 alike).
    for (const c of out) assert.ok(c.length < 2 ** 17, `${c.length}`);
  });
}
