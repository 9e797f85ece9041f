// The preconditions of acting at all (core/cleanup/check-safety.ts decides them): checked on the first
// look and again under the locks before every action of `clean` and `restore`.
import { checkSafety, type PveMountState, type Refusal, safetyFacts } from '../core/cleanup/check-safety';
import { CheckError } from '../core/vocab/errors';
import type { Analysis } from './analyze-host';

/** Preconditions failed: nothing (more) may be done. Exit 3. */
export class RefusedError extends CheckError {
  constructor(readonly refusals: Refusal[]) {
    super(`refusing to act: ${refusals.map((r) => r.message).join('; ')}`);
  }
}

export function assertSafe(a: Analysis, mount: PveMountState): void {
  const r = checkSafety(safetyFacts(a.view, a.result, mount));
  if (r.length) throw new RefusedError(r);
}
