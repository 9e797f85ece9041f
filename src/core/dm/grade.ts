// Score and grade as the original tool computed them (design "Grade and score").
import type { Grade } from '../vocab/types';

/** score = 100 − min(20 × duplicates, 60) − min(5 × orphans, 40) */
export function scoreOf(duplicates: number, orphans: number): number {
  return 100 - Math.min(20 * duplicates, 60) - Math.min(5 * orphans, 40);
}

/** A+ no issues, B 1–5 orphans, C 6–20, D 21–50, F any duplicate or more than 50 orphans. */
export function gradeOf(duplicates: number, orphans: number): Grade {
  if (duplicates > 0 || orphans > 50) return 'F';
  if (orphans > 20) return 'D';
  if (orphans > 5) return 'C';
  if (orphans > 0) return 'B';
  return 'A+';
}
