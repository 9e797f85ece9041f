// The notifications that failed to deliver, in the words `check` and the dashboard both use: how many,
// and of the last one which way failed and whether another way delivered it (the PVE channel falls back
// to proxmox-mail-forward, then sendmail: src/notify/pve-chain.ts). Pure.
import type { NotifyFailures } from '../core/vocab/types';

/** "2 failed notification deliveries". */
export function notifyFailureCount(f: NotifyFailures): string {
  return `${f.total} failed notification ${f.total === 1 ? 'delivery' : 'deliveries'}`;
}

/**
 * "the last, <ISO time>: PVE::Notify: perl failed (exit 2): … — delivered via /usr/bin/proxmox-mail-forward",
 * or "…: webhook not delivered: HTTP 500"; null when the state keeps no last one.
 */
export function lastNotifyFailure(f: NotifyFailures): string | null {
  const l = f.last;
  if (!l) return null;
  return l.deliveredVia
    ? `the last, ${l.at}: ${l.error} — delivered via ${l.deliveredVia}`
    : `the last, ${l.at}: ${l.channel} not delivered: ${l.error}`;
}
