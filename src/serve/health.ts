// /healthz: the service's own health as a load balancer or systemd watchdog reads it, and — never
// silence — what the last scans could not check. Until every part has scanned once the service is
// starting: 202 with "first scan running", neither OK (nothing has been checked) nor 503 (a load balancer
// that polls would take a starting service out). A scan that overruns its interval or failed is 503.
// The parts that could not be checked do not change the HTTP code (the service works): they are listed.
import type { Part, ScanReport } from './service';

export interface Health {
  code: 200 | 202 | 503;
  body: { ok: boolean; state: 'ok' | 'first scan running' | 'problem'; problems: string[]; unchecked: string[] };
}

export function healthOf(parts: readonly Part[], report: (part: Part) => ScanReport, unchecked: string[]): Health {
  const problems: string[] = [];
  const starting = parts.filter((part) => report(part).scans === 0);
  for (const part of parts) {
    const r = report(part);
    if (r.overrun) problems.push(`${part} scan running for ${r.runningForSeconds} s (interval ${r.intervalSeconds} s)`);
    else if (r.scans === 0) problems.push(`${part}: first scan running`);
    else if (r.error) problems.push(`${part} scan failed: ${r.error}`);
  }
  const overrun = parts.some((part) => report(part).overrun);
  const state = problems.length === 0 ? 'ok' : starting.length && !overrun ? 'first scan running' : 'problem';
  const code = state === 'ok' ? 200 : state === 'first scan running' ? 202 : 503;
  return { code, body: { ok: problems.length === 0, state, problems, unchecked } };
}
