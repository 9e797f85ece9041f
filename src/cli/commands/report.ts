import { writeFileSafely } from '../../host/write-file';
import { renderHtml } from '../../render/html';
import { VERSION } from '../../version';
import { defineCommand } from '../command';
import { openSession } from '../node-session';
import { printDocument } from '../output';
import { sourceDocument } from '../report-source';

export const reportCommand = defineCommand({
  name: 'report',
  usage: 'report [--html FILE] [--format FMT] [--input CHECK.json] [--root DIR | --from FILE | --demo]',
  examples: [
    'report --html /var/www/html/pve-health.html',
    'report --input /root/pve1-check.json --html /root/report.html',
  ],
  help: `Options:
  --html FILE       Write the standalone HTML report (inline styles, safe for mail) to FILE ("-": stdout)
  --input FILE      Render a document written by 'pve-health check --json' instead of checking now ("-": stdin)
Without --html the result is printed in --format (default text). Exit code: the node's status (0 OK,
1 WARNING, 2 CRITICAL, 3 UNKNOWN), also after the file was written, like every checking command, so a
timer or script can act on it; a file that could not be written is exit 3 with the reason.`,
  options: {
    html: { type: 'string' },
    input: { type: 'string' },
  },
  async run(ctx) {
    const s = openSession(ctx);
    const { doc, system, durationSeconds } = await sourceDocument(ctx, s);
    const html = ctx.values.html;
    if (html) {
      const page = renderHtml(doc, { system, toolVersion: VERSION });
      if (html === '-') ctx.io.out(page);
      else {
        writeFileSafely(html, page, 0o644);
        if (!ctx.global.quiet) ctx.io.err(`pve-health: wrote ${html} (${doc.node}, status ${doc.status})\n`);
      }
      // --html alone writes the file; an explicit --format also prints.
      if (html === '-' || !(ctx.values.format || ctx.values.json)) return doc.status;
    }
    return printDocument(ctx, doc, { durationSeconds });
  },
});
