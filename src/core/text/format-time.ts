// A document's ISO time as people read it, the same in every browser and mail client: no clock, no
// locale, no milliseconds. Pure.

/** "2026-03-14 09:26:53 UTC" from "2026-03-14T09:26:53.000Z" (an ISO time the check document carries). */
export function formatTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}
