// The whole document for the console, problems first: the headline and the grade's reason, the parts
// that could not be checked, every problem (problems-text.ts), the guests with what all parts found
// about them, then the details of each part (device-mapper counts and VMID reuse, the mounts table,
// the volumes' storages) and the acknowledged findings. `check` and `dm` print this. Pure.

import { listFindings } from '../core/findings/findings';
import { type GuestRow, guestRows } from '../core/findings/guest-rows';
import { overallOf } from '../core/findings/overall';
import { knownGuests } from '../core/node/guest-index';
import { STATUS_WORD } from '../core/vocab/status';
import type { CheckDocument } from '../core/vocab/types';
import { lastNotifyFailure, notifyFailureCount } from './notify-failures';
import { renderHeadline, renderProblems } from './problems-text';
import { QUARANTINE_COMMANDS, quarantineHeading, quarantineLines } from './quarantine';
import { paint, renderAcknowledged, renderDmText, renderTable, STATUS_STYLE, type TextOptions } from './text';
import { wrapText } from './wrap';

function guestTable(rows: GuestRow[], o: TextOptions): string {
  return renderTable(
    ['ID', 'NAME', 'TYPE', 'NODE', 'STATUS', 'HEALTH'],
    rows.map((g) => [
      String(g.vmid),
      g.name,
      g.type === 'lxc' ? 'CT' : 'VM',
      g.node,
      g.status + (g.lock ? ` (lock: ${g.lock})` : ''),
      g.health,
    ]),
    (r, c) => (c === 5 ? STATUS_STYLE[rows[r].level] : null),
    o.color,
    o.width ?? 0,
  );
}

/** Parts rendered by other modules (mounts, volumes) are passed in, already fitted to the width. */
export function renderCheckText(doc: CheckDocument, o: TextOptions, mountsText?: string, volumesText?: string): string {
  const known = knownGuests(doc);
  const findings = listFindings(doc, known);
  const overall = overallOf(doc, findings);
  const parts = [...renderHeadline(doc, overall, o)];
  const nf = doc.notifyFailures;
  if (nf)
    parts.push(
      wrapText(
        [`${paint(STATUS_WORD[1], STATUS_STYLE[1], o.color)} ${notifyFailureCount(nf)}`, lastNotifyFailure(nf)]
          .filter(Boolean)
          .join('; '),
        o.width ?? 0,
        '',
        '  ',
      ),
      '    pve-health notify --test',
    );
  const problems = renderProblems(doc, findings, o);
  if (problems.length) parts.push('', ...problems);
  const guests = guestRows(doc, findings, known);
  if (!o.quiet && guests.length)
    parts.push('', paint(`Guests (${guests.length})`, 'bold', o.color), guestTable(guests, o));
  if (doc.dm) parts.push('', renderDmText(doc.dm, o));
  if (mountsText) parts.push('', mountsText);
  if (volumesText) parts.push('', volumesText);
  const quarantined = quarantineHeading(doc);
  if (quarantined && !o.quiet)
    parts.push(
      '',
      wrapText(paint(quarantined, 'bold', o.color), o.width ?? 0, '', '  '),
      ...quarantineLines(doc).map((l) => wrapText(l, o.width ?? 0, '  ', '      ')),
      ...QUARANTINE_COMMANDS.map((c) => `    ${c}`),
    );
  const acked = renderAcknowledged(doc, o);
  if (acked.length) parts.push('', ...acked);
  return `${parts.join('\n')}\n`;
}
