// Bounded waits for socket tests: they wait for an outcome, never assert a time.

export const settle = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until `cond` holds (checked every 10 ms, at most `ms`); what it holds at the end. */
export async function until(cond: () => boolean, ms = 5_000): Promise<boolean> {
  for (let t = 0; t < ms && !cond(); t += 10) await settle(10);
  return cond();
}
