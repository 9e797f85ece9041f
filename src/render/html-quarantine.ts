// The HTML report's quarantine section: what `reclaim` set aside, one row per volume (its volume ID and
// where it is held, its storage, when it went in, when a purge may destroy it, both size figures) with
// the commands that restore it and, once due, purge it. The rows are render/quarantine.ts's, as the
// dashboard's. Pure.

import type { CheckDocument } from '../core/vocab/types';
import { badge, commandBox, esc, escPath, table } from './html-kit';
import { look, MONO, statusFg } from './html-style';
import { QUARANTINE_COMMANDS, type QuarantineRow, quarantineHeading, quarantineRows } from './quarantine';

// A step that deletes data says so in the critical colour, as a finding's irreversible step does.
const small = (html: string, o: { irreversible?: boolean } = {}) =>
  `<div ${look({ fg: o.irreversible ? statusFg(2) : 'muted' }, 'margin-top:4px;font-size:12px')}>${html}</div>`;

function commands(r: QuarantineRow): string {
  const restore =
    small(r.restore.exact ? 'Restore (renames it back):' : 'Restore: this lists the journal that renames it back:') +
    commandBox(r.restore.command);
  // A guest config of another node names it (quarantine.ts heldOf): the look, never the purge.
  if (r.held) return restore + small(`${esc(r.held.text)}:`) + commandBox(r.held.command);
  const purge = r.purge
    ? small('Purge (irreversible: deletes the data):', { irreversible: true }) + commandBox(r.purge)
    : small(`Purge refuses it before ${esc(r.purgeAfter)}.`);
  return restore + purge;
}

/** The section's body, or null when nothing is in quarantine. */
export function quarantineBody(doc: CheckDocument): string | null {
  const heading = quarantineHeading(doc);
  if (!heading) return null;
  const rows = quarantineRows(doc).map((r) => [
    `<code class="mono" style="${MONO};font-size:13px">${escPath(r.volid)}</code>${small(`held as ${escPath(r.where)}`)}`,
    esc(r.storage),
    esc(r.since),
    `${esc(r.purgeAfter)}${r.due && !r.held ? ` ${badge('due', 1)}` : ''}`,
    esc(r.size),
    commands(r),
  ]);
  const see = QUARANTINE_COMMANDS.map((c) => `<code class="mono" style="${MONO}">${esc(c)}</code>`).join(' · ');
  return `<p ${look({}, 'font-size:14px;margin:0 0 8px 0')}>${esc(heading)}</p>${table(['Volume', 'Storage', 'Quarantined at', 'Due for purge at', 'Size', 'Commands'], rows)}<p ${look({ fg: 'muted' }, 'font-size:13px')}>What a purge would destroy, and every journal: ${see}</p>`;
}
