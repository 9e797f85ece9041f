// Render a check document in the format asked for and turn it into the exit code.
import type { CheckDocument } from '../core/types';
import { renderCheckmk } from '../render/checkmk';
import { renderNagios } from '../render/nagios';
import { renderPrometheus } from '../render/prometheus';
import { renderCheckText } from '../render/text';
import { renderVolumesSection } from '../render/volumes';
import type { CommandContext } from './command';

export function printDocument(
  ctx: CommandContext,
  doc: CheckDocument,
  opts: { durationSeconds?: number; mountsText?: string } = {},
): number {
  const g = ctx.global;
  switch (g.format) {
    case 'json':
      ctx.io.out(`${JSON.stringify(doc, null, 2)}\n`);
      break;
    case 'nagios':
      ctx.io.out(ensureNewline(renderNagios(doc)));
      break;
    case 'checkmk':
      ctx.io.out(ensureNewline(renderCheckmk(doc)));
      break;
    case 'prometheus':
      ctx.io.out(ensureNewline(renderPrometheus(doc, { durationSeconds: opts.durationSeconds })));
      break;
    default:
      ctx.io.out(renderCheckText(doc, { color: g.color, quiet: g.quiet }, opts.mountsText));
      if (doc.volumes) ctx.io.out(`\n${renderVolumesSection(doc.volumes, { color: g.color, quiet: g.quiet })}\n`);
  }
  return doc.status;
}

function ensureNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}
