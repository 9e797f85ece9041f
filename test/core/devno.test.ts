// dev_t → "major:minor" as glibc's gnu_dev_major/gnu_dev_minor split it (the values are those of
// makedev(3) on Linux: Python's os.makedev gives the same numbers).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { devnoOfRdev } from '../../src/core/vocab/devno';

describe('devnoOfRdev', () => {
  const cases: [string, bigint | number, string][] = [
    ['/dev/null', 259, '1:3'],
    ['an NVMe partition (block extended major 259)', 66305, '259:1'],
    ['a minor past 255 (a pty)', 3180776, '136:1000'],
    ['the largest of the 32-bit encoding', 4294967295, '4095:1048575'],
    ['a major past 4095 (its high bits above bit 32)', 17592186044417n, '4096:1'],
    ["bit 44 is the major's, never the minor's", (1n << 44n) | 259n, '4097:3'],
    ['zero (a regular file has rdev 0)', 0, '0:0'],
  ];
  for (const [name, rdev, want] of cases) it(name, () => assert.equal(devnoOfRdev(rdev), want));
});
