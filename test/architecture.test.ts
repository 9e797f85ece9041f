// The house rules that keep the code livable, checked: no import cycles between source files, and the
// core stays pure (no fs, child_process, process or clock).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = join(fileURLToPath(new URL('.', import.meta.url)), '../src');

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
      if (state.get(d) === 'open')
        cycles.push([...path.slice(path.indexOf(d)), d].map((x) => relative(SRC, x)).join(' → '));
      else if (!state.has(d)) visit(d, [...path, d]);
    }
    state.set(f, 'done');
  };
  for (const f of g.keys()) if (!state.has(f)) visit(f, [f]);
  assert.deepEqual(cycles, []);
});

// The core's rooms depend one way (docs/architecture.md "The core's rooms"): shared vocabulary at core/
// itself, then parse → node (the view) → the per-part analyses → findings → analyze. A room imports only
// rooms of a lower rank; rooms of one rank (the parts of a node) never import each other, except where
// a rank below another part is written here (volumes and storage read dm's reference index).
const ROOM_RANK: Record<string, number> = {
  text: 0,
  vocab: 1,
  redact: 2,
  parse: 2,
  node: 3,
  dm: 4,
  mounts: 4,
  cluster: 4,
  cleanup: 4,
  volumes: 5,
  storage: 5,
  findings: 6,
  reclaim: 6,
  analyze: 7,
};

test('the core rooms depend one way: never an import of a room above or beside', () => {
  const core = join(SRC, 'core');
  const roomOf = (f: string) => {
    const parts = relative(core, f).split('/');
    return parts.length === 1 ? '.' : parts[0];
  };
  const bad: string[] = [];
  for (const [f, deps] of graph()) {
    if (!f.startsWith(`${core}/`)) continue;
    const from = roomOf(f);
    if (!(from in ROOM_RANK))
      bad.push(`${relative(SRC, f)}: room '${from}' has no rank (add it to ROOM_RANK and docs/architecture.md)`);
    for (const d of deps) {
      if (!d.startsWith(`${core}/`)) continue;
      const to = roomOf(d);
      if (to === from) continue;
      if (!(ROOM_RANK[to] < ROOM_RANK[from]))
        bad.push(`${relative(SRC, f)} → ${relative(SRC, d)} (${from} may not import ${to})`);
    }
  }
  assert.deepEqual(bad, []);
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

// The core is where a newcomer reads the rules: short files, short functions, and calls that say what
// a flag means (`classifyVolume(ctx, { mapped: true })`, not `classifyVolume(ctx, vg, lv, true)`).
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 80;

test('src/core: no file over 300 lines, no function over 80 lines, no positional boolean parameter', () => {
  const bad: string[] = [];
  for (const f of files(join(SRC, 'core'))) {
    const text = readFileSync(f, 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > MAX_FILE_LINES) bad.push(`${relative(SRC, f)}: ${lines} lines`);
    const sf = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true);
    const at = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
    const visit = (n: ts.Node) => {
      if (ts.isFunctionLike(n) && 'body' in n && n.body) {
        const name = n.name?.getText() ?? '(function)';
        const length = sf.getLineAndCharacterOfPosition(n.getEnd()).line + 2 - at(n);
        if (length > MAX_FUNCTION_LINES) bad.push(`${relative(SRC, f)}:${at(n)}: ${name} is ${length} lines`);
        for (const p of n.parameters) {
          const init = p.initializer?.kind;
          if (
            p.type?.getText() === 'boolean' ||
            init === ts.SyntaxKind.TrueKeyword ||
            init === ts.SyntaxKind.FalseKeyword
          )
            bad.push(`${relative(SRC, f)}:${at(p)}: ${name}(${p.getText()}) is a positional boolean`);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  assert.deepEqual(bad, []);
});

// No hidden state in the core (../docs/architecture.md; the design's style): what a function answers
// depends on its arguments only. A module-level WeakMap/WeakSet (a cache by object identity), a Map,
// Set, array or object that some code writes into, or a `let`/`var` that is reassigned would carry
// state from one call (one scan, one document) to the next; an index goes to the caller that owns the
// data, built once and passed. Lookup tables built once at load and never written are fine.
const MUTATORS = new Set(['set', 'add', 'delete', 'clear', 'push', 'pop', 'shift', 'unshift', 'splice', 'sort']);

/** Whether `name` at `node` is a local of an enclosing function or block, not the module's own. */
function shadowed(node: ts.Node, name: string): boolean {
  const declares = (d: ts.Node): boolean =>
    (ts.isVariableDeclaration(d) || ts.isParameter(d) || ts.isFunctionDeclaration(d)) &&
    d.name !== undefined &&
    ts.isIdentifier(d.name) &&
    d.name.text === name;
  for (let n = node.parent; n && !ts.isSourceFile(n); n = n.parent) {
    if (ts.isFunctionLike(n) && n.parameters.some(declares)) return true;
    if (ts.isBlock(n) || ts.isForStatement(n) || ts.isForOfStatement(n) || ts.isForInStatement(n)) {
      let found = false;
      const look = (c: ts.Node): void => {
        if (found || (c !== n && (ts.isBlock(c) || ts.isFunctionLike(c)))) return;
        if (declares(c)) found = true;
        else ts.forEachChild(c, look);
      };
      ts.forEachChild(n, look);
      if (found) return true;
    }
  }
  return false;
}

/** The module-level state of one core file: `file:line: name (why)` for each. */
function moduleState(f: string): string[] {
  const sf = ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true);
  const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
  const where = (n: ts.Node, what: string) => `${relative(SRC, f)}:${line(n)}: ${what}`;
  const names = new Map<string, { node: ts.Node; reassignable: boolean }>();
  const bad: string[] = [];
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    const reassignable = !(st.declarationList.flags & ts.NodeFlags.Const);
    for (const d of st.declarationList.declarations) {
      if (!ts.isIdentifier(d.name)) continue;
      names.set(d.name.text, { node: d, reassignable });
      const init = d.initializer;
      if (init && ts.isNewExpression(init) && /^Weak(Map|Set|Ref)$/.test(init.expression.getText()))
        bad.push(where(d, `${d.name.text} is a module-level ${init.expression.getText()}`));
    }
  }
  const mutated = (target: ts.Expression, at: ts.Node, why: string, o: { reassign: boolean }) => {
    let base = target;
    while (!o.reassign && (ts.isPropertyAccessExpression(base) || ts.isElementAccessExpression(base)))
      base = base.expression;
    if (!ts.isIdentifier(base)) return;
    const decl = names.get(base.text);
    if (!decl || shadowed(at, base.text) || (o.reassign && !decl.reassignable)) return;
    bad.push(where(at, `module-level ${base.text} ${why}`));
  };
  const visit = (n: ts.Node): void => {
    if (
      ts.isBinaryExpression(n) &&
      n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      n.operatorToken.kind <= ts.SyntaxKind.LastAssignment
    )
      mutated(n.left, n, 'is written', { reassign: ts.isIdentifier(n.left) });
    if (
      (ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) &&
      [ts.SyntaxKind.PlusPlusToken, ts.SyntaxKind.MinusMinusToken].includes(n.operator)
    )
      mutated(n.operand, n, 'is written', { reassign: ts.isIdentifier(n.operand) });
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && MUTATORS.has(n.expression.name.text))
      mutated(n.expression.expression, n, `is changed (.${n.expression.name.text})`, { reassign: false });
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return bad;
}

test('src/core keeps no state between calls: no module-level WeakMap/WeakSet, and nothing module-level written', () => {
  assert.deepEqual(files(join(SRC, 'core')).flatMap(moduleState), []);
});

test('the module-state check catches what it is for, and leaves lookup tables and locals alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arch-state-'));
  try {
    const f = join(dir, 'sample.ts');
    writeFileSync(
      f,
      [
        'const cache = new WeakMap<object, number>();',
        'const seen = new Set<string>();',
        'let calls = 0;',
        "const TABLE = new Map([['a', 1]]);",
        "const WORDS = new Set(['x']);",
        'const list: string[] = [];',
        'export function f(k: string): number {',
        '  calls++;',
        '  seen.add(k);',
        '  list.push(k);',
        '  const local = new Map<string, number>();',
        '  local.set(k, 1);',
        '  const seen2 = (WORDS: Set<string>) => WORDS.add(k);',
        '  return (TABLE.get(k) ?? 0) + local.size + seen2(new Set()).size;',
        '}',
      ].join('\n'),
    );
    const got = moduleState(f).map((s) => s.replace(/^.*sample\.ts:/, ''));
    assert.deepEqual(got, [
      '1: cache is a module-level WeakMap',
      '8: module-level calls is written',
      '9: module-level seen is changed (.add)',
      '10: module-level list is changed (.push)',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('src/core: read* names are for I/O, which the core never does', () => {
  const bad: string[] = [];
  for (const f of files(join(SRC, 'core'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(/export (?:async )?function (read[A-Z]\w*)/g))
      bad.push(`${relative(SRC, f)}: ${m[1]}`);
  }
  assert.deepEqual(bad, []);
});

test('src/host gathers and never decides: no classifier, analysis, planner or findings module of the core', () => {
  const bad: string[] = [];
  for (const f of files(join(SRC, 'host'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(
      /^import (?!type )[^;]*from '\.\.\/core\/[a-z]+\/((?:classify|analyze|plan|findings)[\w-]*)'/gm,
    ))
      bad.push(`${relative(SRC, f)}: ${m[1]}`);
  }
  assert.deepEqual(bad, []);
});

// The CLI shell and the executor say what a flag means too: `withActSession(ctx, { runLock: true })`,
// never `f(x, true)`. Parameters typed boolean, or defaulting to true/false, are what this catches.
test('src/cli and src/act: no positional boolean parameter', () => {
  const bad: string[] = [];
  for (const f of [...files(join(SRC, 'cli')), ...files(join(SRC, 'act'))]) {
    const sf = ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node): void => {
      if (ts.isParameter(n)) {
        const init = n.initializer?.kind;
        if (
          n.type?.kind === ts.SyntaxKind.BooleanKeyword ||
          init === ts.SyntaxKind.TrueKeyword ||
          init === ts.SyntaxKind.FalseKeyword
        ) {
          const line = sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
          bad.push(`${relative(SRC, f)}:${line}: ${n.getText()} is a positional boolean`);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  assert.deepEqual(bad, []);
});

// What a finding is, its severity, key and whether it counts are decided in src/core/findings; notify and
// serve import them from there. From src/render they may take only what formats: a render* function, the
// dashboard view, types. (A render/findings module that decided them, imported by notify, was issue 11.)
test('src/notify and src/serve import decisions from the core: from src/render only renderers and the dashboard view', () => {
  const bad: string[] = [];
  const FORMATTERS = /^(render[A-Z]\w*|dashboardView)$/;
  for (const f of [...files(join(SRC, 'notify')), ...files(join(SRC, 'serve'))]) {
    for (const m of readFileSync(f, 'utf8').matchAll(
      /^(?:import|export) (type )?\{([^}]*)\} from '((?:\.\.\/)+render\/[\w-]+)'/gm,
    )) {
      const where = `${relative(SRC, f)}: ${m[3]}`;
      if (/\/render\/findings$/.test(m[3])) bad.push(`${where} (decisions live in core/findings)`);
      if (m[1]) continue;
      for (const spec of m[2]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const name = spec.replace(/^type\s+/, '').split(/\s+as\s+/)[0];
        if (!spec.startsWith('type ') && !FORMATTERS.test(name)) bad.push(`${where}: ${name}`);
      }
    }
    for (const m of readFileSync(f, 'utf8').matchAll(/^import \* as \w+ from '((?:\.\.\/)+render\/[\w-]+)'/gm))
      bad.push(`${relative(SRC, f)}: import * from ${m[1]}`);
  }
  assert.deepEqual(bad, []);
});

// One table per vocabulary: the status words (core/vocab/status.ts) and the byte units
// (core/text/format-bytes.ts). A second copy drifts; the dashboard's script gets them written in from these.
test('one status-word table and one byte formatter in src', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    const rel = relative(SRC, f);
    const text = readFileSync(f, 'utf8');
    if (rel !== join('core', 'vocab', 'status.ts') && /['"]WARNING['"]|\bWARNING:\s*\d/.test(text))
      bad.push(`${rel}: status words`);
    if (rel !== join('core', 'text', 'format-bytes.ts') && /['"](KiB|MiB|GiB|TiB)['"]/.test(text))
      bad.push(`${rel}: byte units`);
  }
  assert.deepEqual(bad, []);
});

// Core's root holds no loose rules: the shared vocabulary lives in core/vocab, the text helpers in
// core/text, each file says by its room what it may touch (docs/architecture.md "The core's rooms").
test('src/core/ itself holds at most 6 files; everything else is in a room', () => {
  const loose = readdirSync(join(SRC, 'core')).filter((n) => n.endsWith('.ts'));
  assert.ok(loose.length <= 6, `loose files in src/core: ${loose.join(', ')}`);
});

// The helper children (the mount probe, the volume lister, reclaim's file mover) are entry points of their
// own, started by the gatherers and actors (their scripts and markers) and recognised by the CLI's entry
// (children/helper-children.ts): they import no CLI or act code, and the pure parts (core, render) and the
// services never import them.
test('src/children: imported by cli, act and host only, importing no cli or act', () => {
  const bad: string[] = [];
  const children = join(SRC, 'children');
  const may = ['cli', 'act', 'host', 'children'].map((r) => join(SRC, r));
  for (const [f, deps] of graph()) {
    const inChildren = f.startsWith(`${children}/`);
    for (const d of deps) {
      const up = d.startsWith(join(SRC, 'cli')) || d.startsWith(join(SRC, 'act'));
      if (inChildren && up) bad.push(`${relative(SRC, f)} → ${relative(SRC, d)}`);
      if (d.startsWith(`${children}/`) && !may.some((m) => f.startsWith(`${m}/`)))
        bad.push(`${relative(SRC, f)} → ${relative(SRC, d)}`);
    }
  }
  assert.deepEqual(bad, []);
});
