// Render a check document in the format asked for and turn it into the exit code.

import { listFindings, partErrors } from '../core/findings/findings';
import { guestRows } from '../core/findings/guest-rows';
import { inventoryOf } from '../core/findings/inventory';
import { groupedUnchecked, overallOf } from '../core/findings/overall';
import { knownGuests } from '../core/node/guest-index';
import type { CheckDocument } from '../core/vocab/types';
import { renderCheckText } from '../render/check-text';
import { renderCheckmk } from '../render/checkmk';
import { renderJsonChunks } from '../render/json-chunks';
import { renderNagios } from '../render/nagios';
import { renderPrometheus } from '../render/prometheus';
import { renderQuietText } from '../render/quiet';
import { sanitizeDeep } from '../render/sanitize';
import { renderVolumesSection } from '../render/volumes';
import type { CommandContext } from './command';

export function printDocument(
  ctx: CommandContext,
  doc: CheckDocument,
  opts: { durationSeconds?: number; mountsText?: string } = {},
): number {
  const g = ctx.global;
  // A part that could not be checked is also one line on stderr: the journal of a timer run shows why.
  // Parts that failed for one reason (a host that is no PVE node) share one line; text on a terminal
  // says it in its first line already (a timer's journal, a pipe or another format get it here too).
  const onScreen = (g.format === 'text' || !g.format) && ctx.io.stdoutIsTTY;
  const errors = groupedUnchecked(partErrors(doc).map((f) => ({ label: f.label, why: f.error })));
  if (!onScreen) for (const g of errors) ctx.io.err(`pve-health: ${g.labels.join(', ')}: could not check: ${g.why}\n`);
  if (typeof doc.acknowledgeError === 'string')
    ctx.io.err(`pve-health: acknowledgements not applied: ${doc.acknowledgeError}\n`);
  // Partly checkable: say which parts of the view are unknown and why.
  if (doc.dm && !doc.dm.error && doc.dm.status === 3)
    for (const w of doc.dm.warnings) ctx.io.err(`pve-health: device-mapper: ${w}\n`);
  // Everything but JSON is read by a terminal or a monitoring parser: no control characters from the node.
  const shown = g.format === 'json' ? doc : sanitizeDeep(doc);
  switch (g.format) {
    case 'json':
      // JSON.stringify(doc, null, 2) + '\n' byte for byte, written in pieces of about 1 MB: a document of
      // megabytes is never one string (nor that string and its bytes) in memory at once.
      renderJsonChunks(withVerdict(doc), (chunk) => (ctx.io.outJson ?? ctx.io.out)(chunk));
      break;
    case 'nagios':
      ctx.io.out(ensureNewline(renderNagios(shown)));
      break;
    case 'checkmk':
      ctx.io.out(ensureNewline(renderCheckmk(shown)));
      break;
    case 'prometheus':
      ctx.io.out(ensureNewline(renderPrometheus(shown, { durationSeconds: opts.durationSeconds })));
      break;
    default:
      if (g.quiet) {
        ctx.io.out(renderQuietText(shown, { color: g.color }));
        break;
      }
      ctx.io.out(
        renderCheckText(
          shown,
          { color: g.color, quiet: g.quiet, width: g.width },
          opts.mountsText,
          shown.volumes ? renderVolumesSection(shown, { color: g.color, quiet: g.quiet, width: g.width }) : undefined,
        ),
      );
  }
  return doc.status;
}

/**
 * The JSON document with the node's verdict (`overall`: status, grade, score, why, unchecked parts,
 * the guest table of every part) and, when it holds more than the device-mapper part, the volume
 * inventory (`inventory`). Additive: `dm.summary.grade` stays the device-mapper part's own grade.
 */
function withVerdict(doc: CheckDocument): CheckDocument {
  // The document's guests, indexed once for the findings, the guest table and the inventory.
  const known = knownGuests(doc);
  const findings = listFindings(doc, known);
  const overall = { ...overallOf(doc, findings), guests: guestRows(doc, findings, known) };
  const dmOnly = Boolean(doc.dm) && !doc.volumes && !doc.mounts;
  return { ...doc, overall, ...(dmOnly ? {} : { inventory: inventoryOf(doc, findings, known) }) };
}

function ensureNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}
