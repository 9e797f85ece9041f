// The README promises Node.js 18+, and the `pve-health-nodejs` package runs on Debian 12's nodejs 18.19:
// the product, its tests and its scripts use nothing newer. esbuild lowers syntax for the node18 target,
// never a missing API, so calls that Node 18 lacks are refused here by name (with the release that added
// them). `npm test` was run on Node 18.20 when this list was written.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));

const NEWER: [RegExp, string][] = [
  [/import\.meta\.(dirname|filename)/, 'Node 20.11: use fileURLToPath(new URL(".", import.meta.url))'],
  [/\.(toSorted|toReversed|toSpliced)\(/, 'Node 20: copy, then sort/reverse/splice'],
  [/\.(isWellFormed|toWellFormed)\(/, 'Node 20'],
  [/\b(Object|Map)\.groupBy\(/, 'Node 21'],
  [/\bPromise\.withResolvers\(/, 'Node 22'],
  [/\bArray\.fromAsync\(/, 'Node 22'],
  [/\bIterator\.from\(/, 'Node 22'],
  // Set methods (Node 22); `.union(` is left out: valibot's v.union is everywhere and is not a Set's.
  [/\.(intersection|symmetricDifference|isSubsetOf|isSupersetOf|isDisjointFrom)\(/, 'Node 22 Set methods'],
  [/\bstyleText\b/, 'node:util styleText, Node 20.12'],
  [/\bprocess\.loadEnvFile\(/, 'Node 20.12'],
  [/\bprocess\.getBuiltinModule\(/, 'Node 22.3'],
  [/\b(globSync|fsp?\.glob)\(|\bglob\b.*from 'node:fs/, 'fs.glob, Node 22'],
  [/['"]node:sqlite['"]/, 'Node 22.5'],
  [/\bmock\.timers\b/, 'node:test mock timers, Node 20.4'],
  [/\bt\.(assert\.|plan\()/, 'node:test t.assert / t.plan, Node 22.2'],
  [/\bpartialDeepStrictEqual\b/, 'Node 22.13'],
];

function sources(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) {
      if (n !== 'node_modules' && n !== 'fixtures') sources(p, out);
    } else if (/\.(ts|mjs|js|cjs)$/.test(n) && !n.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

test('src, test, scripts and bench use no API newer than Node 18', () => {
  const self = fileURLToPath(import.meta.url);
  const bad: string[] = [];
  for (const f of ['src', 'test', 'scripts', 'bench'].flatMap((d) => sources(join(REPO, d)))) {
    if (f === self) continue;
    readFileSync(f, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/^\s*(\/\/|\*)/.test(line)) return;
        for (const [re, why] of NEWER)
          if (re.test(line)) bad.push(`${relative(REPO, f)}:${i + 1}: ${why}: ${line.trim()}`);
      });
  }
  assert.deepEqual(bad, []);
});

test('the bundle targets Node 18, as package.json and the README promise', () => {
  assert.match(readFileSync(join(REPO, 'scripts/build.mjs'), 'utf8'), /target: 'node18'/);
  assert.equal(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).engines.node, '>=18');
  assert.match(readFileSync(join(REPO, 'README.md'), 'utf8'), /Node\.js 18\+/);
});

test('the checker itself catches what it should', () => {
  const hits = (s: string) => NEWER.filter(([re]) => re.test(s)).length;
  assert.equal(hits('const d = import.meta.dirname;'), 1);
  assert.equal(hits('xs.toSorted((a, b) => a - b)'), 1);
  assert.equal(hits('Object.groupBy(rows, (r) => r.vg)'), 1);
  assert.equal(hits('const emails = v.union([v.string(), v.array(v.string())]);'), 0);
  assert.equal(hits('[...xs].sort()'), 0);
});
