// The notify state's path, and this node's failed deliveries read back from it for the document
// (`check`, the dashboard and the metrics show them). Here, not in src/notify: every command reads it,
// and none of the notification code is loaded for that.
import { readFileSync } from 'node:fs';
import type { NotifyFailures } from '../core/vocab/types';
import { type Host, hostPath } from './host';

export const NOTIFY_STATE_PATH = '/var/lib/pve-health/notify-state.json';

// {"version":1,"nodes":{"pve1":{..., "failures":{"total":2,"last":{"at":"…","channel":"pve","error":"…","deliveredVia":"…"}}}}}
/** This node's failed deliveries (src/notify/plan.ts writes them); null when none, or the state is unreadable. */
export function readNotifyFailures(host: Host, node: string): NotifyFailures | null {
  let state: { nodes?: Record<string, { failures?: NotifyFailures }> };
  try {
    state = JSON.parse(readFileSync(hostPath(host, NOTIFY_STATE_PATH), 'utf8'));
  } catch {
    return null;
  }
  const f = state?.nodes?.[node]?.failures;
  if (!f || typeof f.total !== 'number' || f.total <= 0) return null;
  const l = f.last;
  const last =
    l && typeof l.at === 'string' && typeof l.channel === 'string' && typeof l.error === 'string'
      ? {
          at: l.at,
          channel: l.channel,
          error: l.error,
          ...(typeof l.deliveredVia === 'string' ? { deliveredVia: l.deliveredVia } : {}),
        }
      : null;
  return { total: f.total, last };
}
