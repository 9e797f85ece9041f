// Score and grade of the DM part (design "Grade and score"), at every boundary and one step either side.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradeOf, scoreOf } from '../../src/core/dm/grade';

// [duplicates, orphans, grade, score]
const rows: [number, number, string, number][] = [
  [0, 0, 'A+', 100],
  [0, 1, 'B', 95],
  [0, 5, 'B', 75],
  [0, 6, 'C', 70],
  [0, 8, 'C', 60],
  [0, 9, 'C', 60],
  [0, 20, 'C', 60],
  [0, 21, 'D', 60],
  [0, 50, 'D', 60],
  [0, 51, 'F', 60],
  [1, 0, 'F', 80],
  [2, 0, 'F', 60],
  [3, 0, 'F', 40],
  [4, 0, 'F', 40],
  [1, 3, 'F', 65],
  [4, 60, 'F', 0],
];

for (const [dup, orph, grade, score] of rows) {
  test(`${dup} duplicates, ${orph} orphans: grade ${grade}, score ${score}`, () => {
    assert.equal(gradeOf(dup, orph), grade);
    assert.equal(scoreOf(dup, orph), score);
  });
}
