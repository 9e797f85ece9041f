// What is in pve-health's quarantine, in the words every output uses (check and volumes text, the HTML
// report, the dashboard's notes; metrics count it per storage): each volume's ID, its space, since when,
// when it may be purged, where it is now. Nothing here is a problem: a quarantined volume counts as no
// orphan, and `restore JOURNAL` brings it back. Pure.
import { formatBytes } from '../core/text/format-bytes';
import type { QuarantineListed } from '../core/vocab/quarantine-types';
import type { CheckDocument } from '../core/vocab/types';

/** "In quarantine (2, 20.0 GiB; purged 7 days after it went in)", or null when nothing is. */
export function quarantineHeading(doc: CheckDocument): string | null {
  const q = doc.quarantine;
  if (!q?.volumes.length) return null;
  return `In quarantine (${q.volumes.length}, ${formatBytes(spaceOf(q.volumes))}; counted as no orphan; purge ${q.retentionDays} days after it went in)`;
}

/** One line per quarantined volume. */
export function quarantineLines(doc: CheckDocument): string[] {
  return (doc.quarantine?.volumes ?? []).map(
    (v) =>
      `${v.volid} · ${formatBytes(v.usedBytes ?? v.sizeBytes)} · since ${v.since} · purge after ${v.purgeAfter}${v.due ? ' (due: pve-health reclaim --purge)' : ''} · now ${v.name}`,
  );
}

/** The commands that go with the list: what a purge would destroy, and the journals that restore it. */
export const QUARANTINE_COMMANDS = ['pve-health reclaim --purge --dry-run', 'pve-health restore --list'];

/** The space a quarantine holds: what each volume uses where the storage says, else its size. */
export function spaceOf(vs: QuarantineListed[]): number {
  return vs.reduce((n, v) => n + (v.usedBytes ?? v.sizeBytes ?? 0), 0);
}

/** The quarantine as the dashboard's notes: its heading, each volume, and the commands that go with it. */
export function quarantineNotes(doc: CheckDocument): string[] {
  const heading = quarantineHeading(doc);
  return heading ? [heading, ...quarantineLines(doc), `see: ${QUARANTINE_COMMANDS.join('; ')}`] : [];
}
