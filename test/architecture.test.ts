// The house rules that keep the code livable, checked: no import cycles between source files, and the
// core stays pure (no fs, child_process, process or clock).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';

const SRC = join(import.meta.dirname, '../src');

function files(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) files(p, out);
    else if (n.endsWith('.ts') && !n.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  const all = new Set(files(SRC));
  for (const f of all) {
    const deps: string[] = [];
    for (const m of readFileSync(f, 'utf8').matchAll(IMPORT)) {
      const base = normalize(join(dirname(f), m[1] ?? m[2]));
      const hit = [`${base}.ts`, base.replace(/\.js$/, '.ts'), join(base, 'index.ts')].find((c) => all.has(c));
      if (hit) deps.push(hit);
    }
    g.set(f, deps);
  }
  return g;
}

test('no import cycles between source files', () => {
  const g = graph();
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    state.set(f, 'open');
    for (const d of g.get(f) ?? []) {
      if (state.get(d) === 'open') cycles.push([...path.slice(path.indexOf(d)), d].map((x) => relative(SRC, x)).join(' → '));
      else if (!state.has(d)) visit(d, [...path, d]);
    }
    state.set(f, 'done');
  };
  for (const f of g.keys()) if (!state.has(f)) visit(f, [f]);
  assert.deepEqual(cycles, []);
});

test('src/core is pure: no fs, child_process, os, net, process or clock', () => {
  const bad: string[] = [];
  for (const f of files(join(SRC, 'core'))) {
    readFileSync(f, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/^\s*\/\//.test(line)) return;
        if (
          /from ['"](node:)?(fs|fs\/promises|child_process|os|net|http|https|dgram)['"]|process\.(env|argv|exit|cwd)|Date\.now\(\)|new Date\(\)/.test(
            line,
          )
        )
          bad.push(`${relative(SRC, f)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(bad, []);
});
