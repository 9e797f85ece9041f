// The notifications that failed to deliver, as a check document carries them (notify-state.json of the
// node, read by host/read-notify-failures.ts, written by src/notify/plan.ts).

/**
 * Failed deliveries of notifications since the state began — a channel that failed, or a way the PVE
 * channel fell back from — and the last one. `check`, the dashboard and pve_health_notify_failures_total show them.
 */
export interface NotifyFailures {
  total: number;
  /**
   * The last failure: its channel and error; `deliveredVia` when it was a way of the channel that failed
   * before another delivered the message (the PVE channel's fallbacks, src/notify/pve-chain.ts).
   */
  last: { at: string; channel: string; error: string; deliveredVia?: string } | null;
}
