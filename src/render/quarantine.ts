// What is in pve-health's quarantine, in the words every output uses (check and volumes text; the HTML
// report's and the dashboard's quarantine table; metrics count it per storage): each volume's ID, its
// space, since when, when it may be purged, where it is now, and the commands that restore or purge it. Nothing here is a problem: a quarantined volume counts as no
// orphan, and `restore JOURNAL` brings it back. Pure.

import { formatTime } from '../core/text/format-time';
import { shellQuote } from '../core/text/shell-quote';
import {
  type SizeFigures,
  type SizeTotals,
  sizeFigures,
  sizeText,
  sumSizes,
  totalText,
} from '../core/text/size-figures';
import { onlyCopyHold } from '../core/vocab/only-copy';
import type { QuarantineListed } from '../core/vocab/quarantine-types';
import type { CheckDocument } from '../core/vocab/types';
import { subjectOf } from '../core/vocab/volume-subject';

/** "In quarantine (2, 40.0 GiB provisioned, 5.0 GiB used; …)", or null when nothing is. */
export function quarantineHeading(doc: CheckDocument): string | null {
  const q = doc.quarantine;
  if (!q?.volumes.length) return null;
  const where = q.scope === 'lvm' ? ' on LVM (`pve-health check` lists every storage)' : '';
  return `In quarantine${where} (${q.volumes.length}, ${totalText(q.volumes.map(figuresOf))}; counted as no orphan; purge ${q.retentionDays} days after it went in)`;
}

/** One line per quarantined volume; its times as the report's and the dashboard's table show them. */
export function quarantineLines(doc: CheckDocument): string[] {
  return (doc.quarantine?.volumes ?? []).map((v) => quarantineLine(v, { purge: 'pve-health reclaim --purge' }));
}

/** What a quarantine line says of a volume (the check document's listing and reclaim's plan alike). */
type LineOf = Pick<
  QuarantineListed,
  | 'volid'
  | 'subject'
  | 'sizeBytes'
  | 'usedBytes'
  | 'snapshot'
  | 'sizeRecorded'
  | 'since'
  | 'purgeAfter'
  | 'due'
  | 'notOurs'
  | 'name'
  | 'namedOn'
>;

/**
 * "local-lvm:vm-100-disk-0 · 8.0 GiB provisioned, … · since … · purge after … · held as pve/pve-health-q.…":
 * `guest` after the name where the list has no guest column, `purge` the command a due volume is named with.
 */
export function quarantineLine(v: LineOf, o: { guest?: string; purge: string }): string {
  const held = heldOf(v);
  const when = v.notOurs
    ? `not quarantined by pve-health, never purged: ${v.notOurs}`
    : held
      ? `purge after ${formatTime(v.purgeAfter)}, but ${held.text}: ${held.command}`
      : `purge after ${formatTime(v.purgeAfter)}${v.due ? ` (due: ${o.purge})` : ''}`;
  return `${subjectOf(v)}${o.guest ?? ''} · ${quarantinedSize(v)} · since ${formatTime(v.since)} · ${when} · held as ${v.name}`;
}

/**
 * Why no output offers a quarantined volume's purge although its retention may have passed: a guest
 * config of another node names its volume ID (core/vocab/only-copy.ts), with the look that settles it.
 */
export function heldOf(v: Pick<QuarantineListed, 'volid' | 'namedOn'>): { text: string; command: string } | null {
  if (!v.namedOn) return null;
  const h = onlyCopyHold(v.namedOn, v.volid);
  return { text: h.text, command: shellQuote(h.command) };
}

/** A quarantined volume's figures as every output shows them (core/text/size-figures.ts). */
export function figuresOf(v: Pick<QuarantineListed, 'sizeBytes' | 'usedBytes' | 'snapshot'>): SizeFigures {
  return sizeFigures(v);
}

/** "20.0 GiB provisioned, used not listed (recorded when it went in)". */
export function quarantinedSize(
  v: Pick<QuarantineListed, 'sizeBytes' | 'usedBytes' | 'snapshot' | 'sizeRecorded'>,
): string {
  return `${sizeText(figuresOf(v))}${v.sizeRecorded ? ' (recorded when it went in)' : ''}`;
}

/** The commands that go with the list: what a purge would destroy, and the journals that restore it. */
export const QUARANTINE_COMMANDS = ['pve-health reclaim --purge --dry-run', 'pve-health restore --list'];

/** The space a quarantine holds per figure: the sum of its rows (metrics, one series per figure). */
export function spaceOf(vs: QuarantineListed[]): SizeTotals {
  return sumSizes(vs.map(figuresOf));
}

/** One quarantined volume as the HTML report's and the dashboard's quarantine table show it. */
export interface QuarantineRow {
  /** Its name: the volume ID, or an adopted trash entry's `VOLID#trash:<id>` (vocab/volume-subject.ts). */
  volid: string;
  storage: string;
  /** Where it is now (LV, dataset, trash entry, file). */
  where: string;
  /** "2026-11-20 08:00:00 UTC": went in; purge may destroy it from `purgeAfter` on. */
  since: string;
  purgeAfter: string;
  due: boolean;
  /** Both figures, labelled (quarantinedSize). */
  size: string;
  /**
   * `pve-health restore JOURNAL --name VOLID` when the reclaim journal that put it there is known (a live
   * node's journals); else `pve-health restore --list`, which names the journal (`exact` false).
   */
  restore: { command: string; exact: boolean };
  /**
   * `pve-health reclaim --purge --name VOLID` once its retention has passed (before, purge refuses it);
   * never while `held`.
   */
  purge: string | null;
  /** A guest config of another node names its volume ID: why its purge is not offered, and the look (heldOf). */
  held?: { text: string; command: string };
}

/** The quarantine as a table's rows: readable dates, both size figures, each volume's own commands. */
export function quarantineRows(doc: CheckDocument): QuarantineRow[] {
  return (doc.quarantine?.volumes ?? []).map((v) => {
    const held = heldOf(v);
    return {
      volid: subjectOf(v),
      storage: v.storage,
      where: v.name,
      since: formatTime(v.since),
      purgeAfter: formatTime(v.purgeAfter),
      due: v.due,
      size: quarantinedSize(v),
      restore: v.journal
        ? { command: shellQuote(['pve-health', 'restore', v.journal, '--name', subjectOf(v)]), exact: true }
        : { command: 'pve-health restore --list', exact: false },
      purge: v.due && !held ? shellQuote(['pve-health', 'reclaim', '--purge', '--name', subjectOf(v)]) : null,
      ...(held ? { held } : {}),
    };
  });
}
