// The digest of a `dm --json` document written to a file, without its clock line: every runtime a bench
// compares must print the same bytes otherwise.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * Hashed from the file's bytes: holding and scanning each 17 MB document as a string in the bench's process
 * left its garbage collector working beside the next timed run (the floor measured ~30 ms slower in the
 * bench than alone, the ratios lower than they are).
 */
export function digestWithoutClock(file) {
  const buf = readFileSync(file);
  const h = createHash('sha256');
  const start = buf.indexOf('\n  "generatedAt": "');
  const end = start < 0 ? -1 : buf.indexOf('\n', start + 1);
  if (end < 0) h.update(buf);
  else h.update(buf.subarray(0, start)).update(buf.subarray(end));
  return h.digest('hex');
}
