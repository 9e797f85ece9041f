// Every `pve-health ...` command the README and docs/*.md show in a code block is run here, on the node the
// block says (the demo node unless a marker names another), and the test fails when one is a usage error,
// a crash or a timeout — or, where the doc shows what the command prints, when a shown line is no longer in
// what it prints. A newcomer copies these lines first; they must work and say what the tool says.
//
// How a doc shows output (both are compared):
//   ```                                         <!-- docs-examples: output-of pve-health check --format nagios -->
//   $ pve-health check --format nagios          ```
//   CRITICAL: pve1: grade F ... | dm_total=38   CRITICAL: pve1: grade F ... | dm_total=38
//   ```                                         ```
// A marker line right above a block may also name the node: `<!-- docs-examples: node=dm-unreadable -->`.
// `clean` and `restore` act on a live node, never on the demo: they run on the demo scenario built as a
// simulated node (fakenode), in the order the doc shows them (so `restore JOURNAL` restores that clean).
// Matching a shown line: `...`/`…` and `<placeholders>` stand for any text; the rest must be in one printed
// line, in order, the printed lines in the doc's order. A line that does not start (end) with an elision
// must start (end) that printed line. Before comparing, both sides have runs of blanks collapsed and
// timestamps, Unix times and millisecond durations replaced by <TIME>, <EPOCH>, <MS>; a trailing
// `  # comment` on a doc line is the doc's, not the tool's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FAKENODE, HAVE_FAKENODE } from './act/fakenode-helpers';
import { buildFakenode } from './helpers/fakenode-build';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(REPO, 'dist/pve-health.cjs');
const DOCS = [
  'README.md',
  ...readdirSync(join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

// What the docs show but this test does not run, and why. Kept short: each entry is a command that needs
// something no test machine has, and names the test that covers it instead.
const NOT_RUNNABLE: { match: RegExp; why: string }[] = [
  { match: /^pve-health serve\b/, why: 'a long-running service; test/serve/cli.test.ts starts it and reads its pages' },
  {
    match: /^pve-health cluster\b/,
    why: "checks the cluster's other nodes over ssh; test/cluster/*.test.ts run it against fake nodes",
  },
  {
    match: /^pve-health install-timer(?!.* --dry-run)/,
    why: 'writes systemd units and enables the timer on this machine; the --dry-run line (run) prints the same units',
  },
  {
    match: /^pve-health clean$/,
    why: 'asks per action on a terminal; test/act/clean-prompt*.test.ts answer its questions',
  },
  { match: /^pve-health restore \S+ --name /, why: 'asks on a terminal; the --yes lines (run) restore without asking' },
];

// The nodes a block can run on. `demo` needs nothing; `dm-unreadable` is the demo capture with a failing
// `dmsetup info` and only healthy mounts (an UNKNOWN part beside a checked one); `fakenode-demo` is the
// demo scenario built as a simulated node (fake dmsetup/lvs on PATH), where clean and restore can act.
type NodeName = 'demo' | 'dm-unreadable' | 'fakenode-demo';

interface Shown {
  line: number;
  text: string;
}
interface Example {
  doc: string;
  line: number;
  command: string;
  shown: Shown[];
}
interface Block {
  doc: string;
  line: number;
  node: NodeName;
  examples: Example[];
}

const MARKER = /^<!--\s*docs-examples:\s*(.*?)\s*-->\s*$/;
const ELISION = /\.\.\.|…|<[A-Za-z][^<>]*>/;

/** A doc line's own comment (`cmd   # what it does`) is not part of the command or the output. */
function stripComment(s: string): string {
  return s.replace(/\s+#\s.*$/, '').trimEnd();
}

export function parseDocBlocks(doc: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w*)\s*$/.exec(lines[i]);
    if (!fence) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    const lang = fence[1];
    const marker = MARKER.exec(lines[i - 1] ?? '')?.[1] ?? '';
    const body = lines.slice(i + 1, end).map((t, k) => ({ line: i + 2 + k, text: t }));
    i = end;
    if (!['', 'sh', 'console', 'text'].includes(lang)) continue;
    const node = (/\bnode=([\w-]+)/.exec(marker)?.[1] ?? 'demo') as NodeName;
    const block: Block = { doc, line: body[0]?.line ?? i, node, examples: [] };
    const outputOf = /\boutput-of\s+(pve-health\b.*)$/.exec(marker)?.[1];
    if (outputOf) {
      block.examples.push({
        doc,
        line: body[0]?.line ?? i,
        command: outputOf,
        shown: body.filter((b) => b.text.trim()),
      });
    } else {
      // In a shell block every `pve-health` line is a command; in a plain block only `$ pve-health` lines are.
      const prompt = lang === 'sh' || lang === 'console' ? /^(\$ )?(pve-health\b.*)$/ : /^(\$ )(pve-health\b.*)$/;
      for (const b of body) {
        const cmd = prompt.exec(b.text);
        if (cmd) block.examples.push({ doc, line: b.line, command: stripComment(cmd[2]), shown: [] });
        else if (block.examples.length && body[0].text.startsWith('$ ') && b.text.trim())
          block.examples[block.examples.length - 1].shown.push(b);
      }
    }
    if (block.examples.length) blocks.push(block);
  }
  return blocks;
}

/** Shell words of a doc line: quotes group, nothing is expanded. */
function words(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

export function normalize(s: string): string {
  return s
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?(?: UTC)?/g, '<TIME>')
    .replace(/\b1[6-9]\d{8}(?:\.\d+)?\b/g, '<EPOCH>')
    .replace(/\b\d+(?:\.\d+)? ?ms\b/g, '<MS>')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether one printed line says what the doc's shown line says (elisions stand for any text). */
export function lineMatches(shown: string, printed: string): boolean {
  const want = normalize(stripComment(shown));
  const got = normalize(printed);
  const parts = want.split(ELISION).map((p) => p.trim());
  const openStart = parts[0] === '';
  const openEnd = parts[parts.length - 1] === '';
  let at = 0;
  for (const [k, p] of parts.entries()) {
    if (!p) continue;
    const hit = got.indexOf(p, at);
    if (hit < 0 || (k === 0 && !openStart && hit !== 0)) return false;
    at = hit + p.length;
  }
  return openEnd || at === got.length;
}

/** The shown lines that are not in the printed output in the doc's order, with the nearest printed line. */
export function compareShown(shown: Shown[], printed: string): { shown: Shown; nearest: string }[] {
  const out = printed.split('\n');
  const missing: { shown: Shown; nearest: string }[] = [];
  let from = 0;
  for (const s of shown) {
    if (/^\s*(\.\.\.|…)\s*$/.test(stripComment(s.text))) continue;
    const idx = out.findIndex((p, k) => k >= from && lineMatches(s.text, p));
    if (idx >= 0) {
      from = idx + 1;
      continue;
    }
    missing.push({ shown: s, nearest: nearestLine(s.text, out) });
  }
  return missing;
}

function nearestLine(shown: string, printed: string[]): string {
  const want = new Set(normalize(stripComment(shown)).split(/[\s,;:()]+/));
  let best = '';
  let score = -1;
  for (const p of printed) {
    const n = normalize(p)
      .split(/[\s,;:()]+/)
      .filter((w) => want.has(w)).length;
    if (n > score) [best, score] = [p, n];
  }
  return best.length > 300 ? `${best.slice(0, 300)}…` : best;
}

const work = mkdtempSync(join(tmpdir(), 'pvh-docs-'));
after(() => rmSync(work, { recursive: true, force: true }));

const DEMO = join(REPO, 'demo/demo-node.json');

/** The demo capture with `dmsetup info` failing and only the mounts that are fine. */
function dmUnreadable(dir: string): string {
  const snap = JSON.parse(readFileSync(DEMO, 'utf8'));
  Object.assign(snap.commands['dmsetup.info'], {
    code: 1,
    stdout: '',
    stderr:
      '/dev/mapper/control: open failed: Permission denied\nFailure to communicate with kernel device-mapper driver.\n',
  });
  const m = snap.extra.mounts;
  m.hostMountinfo = m.hostMountinfo
    .split('\n')
    .filter((l: string) => !/ - (nfs4?|cifs) /.test(l))
    .join('\n');
  m.containers = [];
  m.storageCfg = m.storageCfg
    .split(/\n(?=\S)/)
    .filter((s: string) => /^(dir: local|lvmthin|lvm):/.test(s))
    .join('\n');
  const file = join(dir, 'dm-unreadable.json');
  writeFileSync(file, JSON.stringify(snap));
  return file;
}

interface Place {
  cwd: string;
  root: string;
  env: NodeJS.ProcessEnv;
  nodeArgs: string[];
}

function placeFor(block: Block, dir: string): Place | string {
  const cwd = join(dir, 'cwd');
  mkdirSync(cwd, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  if (block.node === 'demo') return { cwd, root: join(dir, 'root'), env, nodeArgs: ['--demo'] };
  if (block.node === 'dm-unreadable')
    return { cwd, root: join(dir, 'root'), env, nodeArgs: ['--from', dmUnreadable(dir)] };
  if (block.node === 'fakenode-demo') {
    if (!HAVE_FAKENODE) return `no fakenode at ${FAKENODE}`;
    const node = join(dir, 'node');
    const r = buildFakenode(join(FAKENODE, 'fakenode.py'), ['build', join(REPO, 'demo/scenario.json')], node);
    if (r.status !== 0) throw new Error(`fakenode build demo/scenario.json: ${r.stderr}${r.stdout}`);
    const bin = join(node, 'bin');
    env.PATH = `${join(REPO, 'test/fixtures/scenarios/bin')}:${bin}:${process.env.PATH}`;
    env.FAKENODE_BIN = bin;
    return { cwd, root: join(node, 'root'), env, nodeArgs: [] };
  }
  throw new Error(`${block.doc}:${block.line}: unknown node '${block.node}' in the docs-examples marker`);
}

/** The doc's words as argv here: system paths move under the block's directory, JOURNAL is the newest. */
function argvFor(command: string, place: Place, dir: string): string[] {
  const argv = words(command).slice(1);
  for (const [k, a] of argv.entries()) {
    if (a === 'JOURNAL' || /^\/var\/lib\/pve-health\/journal\//.test(a)) {
      const jdir = join(place.root, 'var/lib/pve-health/journal');
      const newest = existsSync(jdir)
        ? readdirSync(jdir)
            .filter((f) => f.endsWith('.json'))
            .sort()
            .pop()
        : undefined;
      argv[k] = newest ? join(jdir, newest) : a;
    } else if (a.startsWith('/')) {
      argv[k] = join(dir, 'fs', a);
      const isDir = argv[k - 1] === '--textfile';
      mkdirSync(isDir ? argv[k] : dirname(argv[k]), { recursive: true });
      if (argv[k - 1] === '--config' && !existsSync(argv[k])) writeFileSync(argv[k], '', { mode: 0o600 });
    }
  }
  const own = argv.some((a) => a === '--from' || a === '--input') || argv[0] === 'install-timer';
  return [...argv, '--root', place.root, ...(own ? [] : place.nodeArgs)];
}

function run(argv: string[], place: Place) {
  // A simulated node answers slowly on a busy machine (clean takes every lock and re-checks per action).
  const slow = place.env.FAKENODE_BIN !== undefined;
  return spawnSync(process.execPath, [CLI, ...argv], {
    cwd: place.cwd,
    env: place.env,
    encoding: 'utf8',
    input: '',
    timeout: slow ? 300_000 : 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** A file the doc assumes was saved before (`--input check.json`) is saved the way the doc says. */
function prepare(argv: string[], place: Place): void {
  const k = argv.indexOf('--input');
  if (k < 0 || argv[k + 1] === '-' || existsSync(join(place.cwd, argv[k + 1]))) return;
  const r = run(['check', '--json', '--root', place.root, ...place.nodeArgs], place);
  writeFileSync(join(place.cwd, argv[k + 1]), r.stdout);
}

function failureOf(r: ReturnType<typeof run>): string | null {
  if (r.error) return `did not finish: ${r.error.message}`;
  if (r.status === null) return `killed by ${r.signal}`;
  if (r.status === 64) return `usage error (64): ${r.stderr.trim()}`;
  if (r.status > 3) return `exit ${r.status}: ${r.stderr.trim()}`;
  if (/internal error|^\s+at .+:\d+:\d+\)?$/m.test(r.stderr)) return `crashed: ${r.stderr.trim()}`;
  return null;
}

const ran: string[] = [];
const skipped = new Map<RegExp, string[]>();

for (const doc of DOCS) {
  test(`${doc}: every command shown runs, and prints what the doc shows`, (t) => {
    const problems: string[] = [];
    const text = readFileSync(join(REPO, doc), 'utf8');
    // A marker that is not right above a fence would be silently ignored: say so instead.
    text.split('\n').forEach((l, i, all) => {
      if (MARKER.test(l) && !/^```/.test(all[i + 1] ?? ''))
        problems.push(`${doc}:${i + 1}: docs-examples marker not right above a code block`);
    });
    for (const [b, block] of parseDocBlocks(doc, text).entries()) {
      const places = new Map<NodeName, Place | string>();
      for (const ex of block.examples) {
        const node: NodeName =
          block.node === 'demo' && /^pve-health (clean|restore)\b/.test(ex.command) ? 'fakenode-demo' : block.node;
        const dir = join(work, `${doc.replace(/\W/g, '_')}-${b}-${node}`);
        const where = `${doc}:${ex.line}`;
        const skip = NOT_RUNNABLE.find((s) => s.match.test(ex.command));
        if (skip) {
          skipped.set(skip.match, [...(skipped.get(skip.match) ?? []), where]);
          continue;
        }
        if (!places.has(node)) places.set(node, placeFor({ ...block, node }, dir));
        const place = places.get(node)!;
        if (typeof place === 'string') {
          t.diagnostic(`${where}: not run (${place})`);
          continue;
        }
        const argv = argvFor(ex.command, place, dir);
        prepare(argv, place);
        const r = run(argv, place);
        ran.push(where);
        const failed = failureOf(r);
        if (failed) {
          problems.push(`${where}: \`${ex.command}\` (node ${node}) ${failed}`);
          continue;
        }
        for (const m of compareShown(ex.shown, `${r.stdout}\n${r.stderr}`))
          problems.push(
            `${doc}:${m.shown.line}: \`${ex.command}\` (node ${node}) does not print this line\n` +
              `    doc:     ${m.shown.text.trim()}\n    nearest: ${m.nearest.trim()}`,
          );
      }
    }
    assert.equal(problems.length, 0, `\n${problems.join('\n')}\n`);
  });
}

test('the docs-examples runner: what it skips is listed with a reason and still shown in the docs', (t) => {
  // Runs after the per-doc tests (node:test runs a file's tests in order).
  t.diagnostic(`${ran.length} doc commands ran; not run: ${[...skipped.values()].flat().join(', ')}`);
  assert.ok(ran.length >= 30, `only ${ran.length} doc commands ran: does the block parser still find them?`);
  for (const s of NOT_RUNNABLE) assert.ok(skipped.has(s.match), `${s.match} skips no doc command any more: remove it`);
});

test('the comparison: elisions, placeholders, anchors and order', () => {
  assert.ok(
    lineMatches(
      'CRITICAL: pve1: grade F ... | dm_total=38 ...',
      'CRITICAL: pve1: grade F (score 20), 2 duplicates | dm_total=38;;;0',
    ),
  );
  assert.ok(!lineMatches('Fix: dmsetup remove -u LVM-...', '[W] orphan x Fix: dmsetup remove --retry -u LVM-abc'));
  assert.ok(
    lineMatches('... Fix: dmsetup remove --retry -u LVM-...', '[W] orphan x Fix: dmsetup remove --retry -u LVM-abc'),
  );
  assert.ok(!lineMatches('3 pending', 'pending: 3 pending, 2 more'), 'a line without elisions is the whole line');
  assert.ok(lineMatches('"generatedAt": "<ISO UTC>",', '  "generatedAt": "2026-11-23T15:07:07.200Z",'));
  assert.ok(lineMatches('pve_health_run_duration_seconds 0.5   # varies', 'pve_health_run_duration_seconds 0.5'));
  const shown = [
    { line: 1, text: 'b' },
    { line: 2, text: 'a' },
  ];
  assert.deepEqual(
    compareShown(shown, 'a\nb').map((m) => m.shown.line),
    [2],
    'lines are found in the order the doc shows them',
  );
});
