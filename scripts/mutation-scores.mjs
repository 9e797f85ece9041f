// The score of each mutated file from Stryker's JSON reports (the incremental file is one), with the
// equivalent mutants of test/mutation/equivalent.md counted as killed, as docs/testing.md counts them.
// With --merge OUT, the reports are also written as one (files and test files of every report; a later
// report's file replaces an earlier one's, or for the same source its results of the mutants it ran, as
// after a run over some lines of a file: `--mutate file.ts:10-20`).
//
// With --strict, every survivor that equivalent.md does not explain is listed and fails the run (exit 1):
// scripts/mutation-changed.mjs runs it so over the lines a change touched.
//
//   node scripts/mutation-scores.mjs [--strict] [--merge OUT] REPORT.json...
import { readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const mergeAt = args.indexOf('--merge');
const out = mergeAt >= 0 ? args.splice(mergeAt, 2)[1] : null;
const strictAt = args.indexOf('--strict');
const strict = strictAt >= 0 && args.splice(strictAt, 1).length > 0;
if (args.length === 0) {
  console.error('usage: node scripts/mutation-scores.mjs [--strict] [--merge OUT] REPORT.json...');
  process.exit(64);
}

// | src/core/x.ts:12 | ConditionalExpression: true | why |
// A row names the mutators it covers (every Stryker mutator name in its second cell) and how many
// mutants: "(N mutants)" in that cell, else one. A row covers at most that many survivors of its line:
// more survivors of the same line and mutators count as survived, with a warning (a row must not
// hide a neighbour that a test could kill).
const MUTATORS =
  /\b(ArithmeticOperator|ArrayDeclaration|ArrowFunction|AssignmentOperator|BlockStatement|BooleanLiteral|ConditionalExpression|EqualityOperator|LogicalOperator|MethodExpression|ObjectLiteral|OptionalChaining|Regex|StringLiteral|UnaryOperator|UpdateOperator)\b/g;
const rowsOf = [];
let equivalentText;
try {
  equivalentText = readFileSync('test/mutation/equivalent.md', 'utf8');
} catch (e) {
  // Without it every equivalent would count as a survivor and every score drop: say why, count nothing.
  console.error(
    `mutation-scores: test/mutation/equivalent.md cannot be read (${e.code ?? e.message}): run it from the project's root`,
  );
  process.exit(2);
}
for (const line of equivalentText.split('\n')) {
  // The second cell may hold escaped pipes (`\|`): it ends at the first pipe no backslash escapes.
  const m = /^\|\s*`?([^`|\s]+):(\d+)`?\s*\|((?:[^|\\]|\\.)*)\|/.exec(line);
  if (!m) continue;
  const mutators = new Set([...m[3].matchAll(MUTATORS)].map((x) => x[1]));
  const n = /\((\d+) mutants\b/.exec(m[3]);
  rowsOf.push({ file: m[1], line: Number(m[2]), mutators, budget: n ? Number(n[1]) : 1, used: 0, text: line });
}

const merged = { files: {}, testFiles: {} };
for (const path of args) {
  const r = JSON.parse(readFileSync(path, 'utf8'));
  for (const k of Object.keys(r)) if (k !== 'files' && k !== 'testFiles') merged[k] = r[k];
  for (const [file, f] of Object.entries(r.files)) {
    const before = merged.files[file];
    if (!before || before.source !== f.source) {
      merged.files[file] = f;
      continue;
    }
    // The same source again (a run over some of its lines): this run's result of a mutant replaces the earlier one.
    const key = (m) => JSON.stringify([m.location, m.mutatorName, m.replacement]);
    // Mutants outside a line-range run's lines come back Ignored: they keep the earlier result.
    const now = new Map(f.mutants.filter((m) => m.status !== 'Ignored').map((m) => [key(m), m]));
    merged.files[file] = { ...before, mutants: before.mutants.map((m) => now.get(key(m)) ?? m) };
  }
  Object.assign(merged.testFiles, r.testFiles ?? {});
}

const rows = [];
let unmatched = 0;
/** Lines with more survivors of a listed mutator than their rows say. */
const overflow = new Set();
/** Survivors no row explains (printed with --strict). */
const unexplained = [];
/** The row that still has room for this survivor (its file, line and mutator), or none. */
function equivalentRow(file, m) {
  const row = rowsOf.find(
    (r) => r.file === file && r.line === m.location.start.line && r.mutators.has(m.mutatorName) && r.used < r.budget,
  );
  if (row) row.used++;
  return row;
}
for (const [file, f] of Object.entries(merged.files).sort()) {
  const n = { killed: 0, timeout: 0, survived: 0, equivalent: 0, noCoverage: 0, other: 0 };
  for (const m of f.mutants) {
    if (m.status === 'Killed') n.killed++;
    else if (m.status === 'Timeout') n.timeout++;
    else if (m.status === 'Survived' && equivalentRow(file, m)) n.equivalent++;
    else if (m.status === 'Survived') {
      n.survived++;
      unexplained.push(
        `${file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName}: ${m.replacement}`,
      );
      const listed = rowsOf.some(
        (r) => r.file === file && r.line === m.location.start.line && r.mutators.has(m.mutatorName),
      );
      if (listed) overflow.add(`${file}:${m.location.start.line}`);
    } else if (m.status === 'NoCoverage') n.noCoverage++;
    else n.other++;
  }
  const covered = n.killed + n.timeout + n.survived + n.equivalent;
  const score = covered ? (100 * (covered - n.survived)) / covered : 100;
  rows.push({ file, ...n, covered, score: `${score.toFixed(1)} %` });
}
// A row is judged only where its line was run: a line-range run leaves the other lines' mutants Ignored.
const ranAt = (file, line) =>
  merged.files[file]?.mutants.some((m) => m.location.start.line === line && m.status !== 'Ignored') ?? false;
for (const r of rowsOf) {
  if (ranAt(r.file, r.line) && r.used === 0) {
    unmatched++;
    console.error(`equivalent.md lists ${r.file}:${r.line}, which survives no longer (or moved): check the line`);
  }
}
for (const at of overflow)
  console.error(`${at}: more survivors of its listed mutators than equivalent.md says: kill or list the rest`);
console.table(rows);
if (out) writeFileSync(out, `${JSON.stringify(merged, null, 2)}\n`);
if (unmatched) process.exitCode = 1;
if (strict && unexplained.length) {
  console.error(
    `${unexplained.length} survivor(s) no test kills and test/mutation/equivalent.md does not explain ` +
      '(kill each with a test of the behaviour, or list it with the reason no input can tell it apart):',
  );
  for (const u of unexplained) console.error(`  ${u.replace(/\s+/g, ' ').slice(0, 160)}`);
  process.exitCode = 1;
}
