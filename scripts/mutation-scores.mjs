// The score of each mutated file from Stryker's JSON reports (the incremental file is one), with the
// equivalent mutants of test/mutation/equivalent.md counted as killed, as docs/testing.md counts them.
// With --merge OUT, the reports are also written as one (files and test files of every report; a later
// report's file replaces an earlier one's, or for the same source its results of the mutants it ran, as
// after a run over some lines of a file: `--mutate file.ts:10-20`).
//
//   node scripts/mutation-scores.mjs [--merge OUT] REPORT.json...
import { readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const mergeAt = args.indexOf('--merge');
const out = mergeAt >= 0 ? args.splice(mergeAt, 2)[1] : null;
if (args.length === 0) {
  console.error('usage: node scripts/mutation-scores.mjs [--merge OUT] REPORT.json...');
  process.exit(64);
}

// | src/core/x.ts:12 | ConditionalExpression: true | why |
const equivalent = new Set();
try {
  for (const line of readFileSync('test/mutation/equivalent.md', 'utf8').split('\n')) {
    const m = /^\|\s*`?([^`|\s]+):(\d+)`?\s*\|\s*`?(\w+)/.exec(line);
    if (m) equivalent.add(`${m[1]}:${m[2]}:${m[3]}`);
  }
} catch {}

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
    const now = new Map(f.mutants.map((m) => [key(m), m]));
    merged.files[file] = { ...before, mutants: before.mutants.map((m) => now.get(key(m)) ?? m) };
  }
  Object.assign(merged.testFiles, r.testFiles ?? {});
}

const rows = [];
let unmatched = 0;
for (const [file, f] of Object.entries(merged.files).sort()) {
  const n = { killed: 0, timeout: 0, survived: 0, equivalent: 0, noCoverage: 0, other: 0 };
  for (const m of f.mutants) {
    const key = `${file}:${m.location.start.line}:${m.mutatorName}`;
    if (m.status === 'Killed') n.killed++;
    else if (m.status === 'Timeout') n.timeout++;
    else if (m.status === 'Survived' && equivalent.has(key)) n.equivalent++;
    else if (m.status === 'Survived') n.survived++;
    else if (m.status === 'NoCoverage') n.noCoverage++;
    else n.other++;
  }
  const covered = n.killed + n.timeout + n.survived + n.equivalent;
  const score = covered ? (100 * (covered - n.survived)) / covered : 100;
  rows.push({ file, ...n, covered, score: `${score.toFixed(1)} %` });
}
for (const key of equivalent) {
  const [file, line, mutator] = key.split(':');
  const m = merged.files[file]?.mutants.find(
    (x) => String(x.location.start.line) === line && x.mutatorName === mutator && x.status === 'Survived',
  );
  if (merged.files[file] && !m) {
    unmatched++;
    console.error(`equivalent.md lists ${key}, which survives no longer (or moved): check the line`);
  }
}
console.table(rows);
if (out) writeFileSync(out, `${JSON.stringify(merged, null, 2)}\n`);
if (unmatched) process.exitCode = 1;
