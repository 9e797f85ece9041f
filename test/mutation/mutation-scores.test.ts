import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

// scripts/mutation-scores.mjs counts a room's score as docs/testing.md "Scores per room" says: a row of
// test/mutation/equivalent.md covers the mutators its second cell names, and "(N mutants)" of them
// (else one); a later report over some lines of the same source replaces only the mutants it ran.
const SCRIPT = resolve('scripts/mutation-scores.mjs');
const FILE = 'src/x.ts';
const SOURCE = 'export const f = (a, b) => a && b;\n';

type Status = 'Killed' | 'Survived' | 'NoCoverage' | 'Ignored';
function mutant(line: number, column: number, mutatorName: string, status: Status, replacement = 'x') {
  return {
    id: `${line}:${column}:${mutatorName}`,
    mutatorName,
    replacement,
    status,
    location: { start: { line, column }, end: { line, column: column + 1 } },
  };
}
const report = (mutants: ReturnType<typeof mutant>[]) => ({
  schemaVersion: '1',
  thresholds: { high: 80, low: 60 },
  files: { [FILE]: { language: 'typescript', source: SOURCE, mutants } },
});

/** The script's row for FILE (killed, survived, equivalent, score), what it warned and its exit status, run over `reports` with `rows`. */
function scores(rows: string[], reports: object[], flags: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'mutation-scores-'));
  try {
    mkdirSync(join(dir, 'test/mutation'), { recursive: true });
    writeFileSync(
      join(dir, 'test/mutation/equivalent.md'),
      ['| mutant | change | why |', '| --- | --- | --- |', ...rows, ''].join('\n'),
    );
    const paths = reports.map((r, i) => {
      const p = join(dir, `r${i}.json`);
      writeFileSync(p, JSON.stringify(r));
      return p;
    });
    const run = spawnSync(process.execPath, [SCRIPT, ...flags, ...paths], { cwd: dir, encoding: 'utf8' });
    assert.ok(run.status === 0 || run.status === 1, `the script failed: ${run.stderr}`);
    const line = run.stdout.split('\n').find((l) => l.includes(`'${FILE}'`));
    assert.ok(line, `no row for ${FILE} in:\n${run.stdout}`);
    const cells = line.split('│').map((c) => c.trim());
    // │ (index) │ file │ killed │ timeout │ survived │ equivalent │ noCoverage │ other │ covered │ score │
    return {
      killed: Number(cells[3]),
      survived: Number(cells[5]),
      equivalent: Number(cells[6]),
      score: cells[10].replace(/'/g, ''),
      warnings: run.stderr,
      status: run.status,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('mutation-scores: what a row of equivalent.md covers', () => {
  const survivors = [
    mutant(1, 27, 'LogicalOperator', 'Survived', 'a || b'),
    mutant(1, 27, 'LogicalOperator', 'Survived', 'a ?? b'),
    mutant(1, 27, 'LogicalOperator', 'Survived', 'b || a'),
    mutant(1, 27, 'ConditionalExpression', 'Killed', 'true'),
  ];
  const cases: {
    name: string;
    rows: string[];
    survived: number;
    equivalent: number;
    warned: boolean;
    stale?: boolean;
  }[] = [
    {
      name: 'a row without a count covers one survivor; the rest of its line count as survived, named',
      rows: [`| ${FILE}:1 | LogicalOperator: a && b | why |`],
      survived: 2,
      equivalent: 1,
      warned: true,
    },
    {
      name: '"(2 mutants)" covers two',
      rows: [`| ${FILE}:1 | LogicalOperator: a && b (2 mutants) | why |`],
      survived: 1,
      equivalent: 2,
      warned: true,
    },
    {
      name: 'an escaped pipe in the cell does not end it: the count after it still counts',
      rows: [`| ${FILE}:1 | LogicalOperator: \`a \\|\\| b\` and \`a ?? b\` (2 mutants) | why \\| because |`],
      survived: 1,
      equivalent: 2,
      warned: true,
    },
    {
      name: 'two rows of the line, each with its own count, cover all three',
      rows: [
        `| ${FILE}:1 | LogicalOperator: \`a \\|\\| b\` (2 mutants) | why |`,
        `| ${FILE}:1 | LogicalOperator: \`b \\|\\| a\` | why |`,
      ],
      survived: 0,
      equivalent: 3,
      warned: false,
    },
    {
      name: 'a row of another mutator covers none, and is said to be stale',
      rows: [`| ${FILE}:1 | ConditionalExpression: \`a \\|\\| b\` (3 mutants) | why |`],
      survived: 3,
      equivalent: 0,
      warned: false,
      stale: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = scores(c.rows, [report(survivors)]);
      assert.equal(s.survived, c.survived, s.warnings);
      assert.equal(s.equivalent, c.equivalent, s.warnings);
      assert.equal(s.killed, 1);
      assert.equal(/more survivors of its listed mutators/.test(s.warnings), c.warned, s.warnings);
      // A row that covers no survivor is stale (the mutant is killed now, or its line moved): exit 1.
      assert.equal(s.status, c.stale ? 1 : 0, s.warnings);
      assert.equal(/survives no longer/.test(s.warnings), c.stale === true, s.warnings);
    });
  }
});

describe('mutation-scores: a re-run over some lines replaces only the mutants it ran', () => {
  it('killed on re-run counts killed; a mutant outside the lines (Ignored) keeps the first result', () => {
    const first = report([
      mutant(1, 27, 'LogicalOperator', 'Survived', 'a || b'),
      mutant(1, 17, 'ArrowFunction', 'Survived', '() => undefined'),
      mutant(1, 27, 'ConditionalExpression', 'Killed', 'true'),
    ]);
    const rerun = report([
      mutant(1, 27, 'LogicalOperator', 'Killed', 'a || b'),
      mutant(1, 17, 'ArrowFunction', 'Ignored', '() => undefined'),
      mutant(1, 27, 'ConditionalExpression', 'Ignored', 'true'),
    ]);
    const s = scores([], [first, rerun]);
    assert.deepEqual([s.killed, s.survived, s.equivalent, s.score], [2, 1, 0, '66.7 %']);
  });

  it('another source (the file changed since): the later report replaces the file whole', () => {
    const first = report([mutant(1, 27, 'LogicalOperator', 'Survived', 'a || b')]);
    const later = report([mutant(1, 27, 'LogicalOperator', 'Killed', 'a || b')]);
    later.files[FILE].source = `// changed\n${SOURCE}`;
    const s = scores([], [first, later]);
    assert.deepEqual([s.killed, s.survived, s.score], [1, 0, '100.0 %']);
  });
});

describe('mutation-scores --strict (CI over the changed lines): a survivor no row explains fails the run', () => {
  const row = `| ${FILE}:1 | LogicalOperator: \`a || b\` | both sides decide alike |`;
  it('an explained survivor passes; one more fails, named with its line and change', () => {
    assert.equal(scores([row], [report([mutant(1, 27, 'LogicalOperator', 'Survived')])], ['--strict']).status, 0);
    const r = scores(
      [row],
      [
        report([
          mutant(1, 27, 'LogicalOperator', 'Survived'),
          mutant(1, 17, 'ArrowFunction', 'Survived', '() => undefined'),
        ]),
      ],
      ['--strict'],
    );
    assert.equal(r.status, 1);
    assert.match(r.warnings, /src\/x\.ts:1:17 ArrowFunction: \(\) => undefined/);
  });
  it('without --strict the same survivor is counted, not failed', () =>
    assert.equal(scores([], [report([mutant(1, 17, 'ArrowFunction', 'Survived')])]).status, 0));
  it('a row on a line a line-range run did not run (its mutants Ignored) is not called stale', () => {
    const r = scores(
      [row],
      [report([mutant(1, 27, 'LogicalOperator', 'Ignored'), mutant(2, 1, 'BlockStatement', 'Killed')])],
      ['--strict'],
    );
    assert.equal(r.status, 0, r.warnings);
    assert.doesNotMatch(r.warnings, /survives no longer/);
  });
});

describe('mutation-scores without equivalent.md (run outside the project root)', () => {
  it('exits 2 and says why, instead of counting every equivalent as a survivor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mutation-scores-'));
    try {
      const p = join(dir, 'r.json');
      writeFileSync(p, JSON.stringify(report([mutant(1, 17, 'ArrowFunction', 'Survived')])));
      const run = spawnSync(process.execPath, [SCRIPT, p], { cwd: dir, encoding: 'utf8' });
      assert.equal(run.status, 2, run.stdout);
      assert.match(run.stderr, /test\/mutation\/equivalent\.md cannot be read \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
