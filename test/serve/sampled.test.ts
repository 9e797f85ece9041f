import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampled } from '../../src/serve/sampled';

test('sampled: one read per period, read again after it, and after a clock that went back', () => {
  let t = 0;
  let reads = 0;
  const get = sampled(
    () => ++reads,
    1000,
    () => t,
  );
  const seen: number[] = [];
  for (const at of [0, 1, 999, 1000, 1500, 1999, 2000, 500, 600]) {
    t = at;
    seen.push(get());
  }
  // 0 reads; 1000 and 2000 are a period later; 500 is before the last read (the clock went back).
  assert.deepEqual(seen, [1, 1, 1, 2, 2, 2, 3, 4, 4]);
  assert.equal(reads, 4);
});

test('sampled: the first call always reads, and a clock that is not a number never serves an old value', () => {
  let reads = 0;
  const get = sampled(
    () => ++reads,
    1000,
    () => Number.NaN,
  );
  assert.equal(get(), 1);
  assert.equal(get(), 2);
});
