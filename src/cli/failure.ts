import { existsSync } from 'node:fs';
// The answer of a check that could not run at all (exit 3): a document whose parts carry the reason,
// rendered in the format asked for, so NRPE, Checkmk, node_exporter and JSON readers see UNKNOWN and
// why — never an empty output that a monitor reads as "no data" or, worse, as the last good value.
import { buildCheckDocument, failedDmResult } from '../core/findings/evaluate';
import { createHost } from '../host/host';
import { hostNodeName } from './mounts-pipeline';
import { DEFAULT_TEXTFILE_NAME, writeTextfile } from '../host/write-textfile';
import { renderPrometheus } from '../render/prometheus';
import type { CommandContext } from './command';
import { printDocument } from './output';

export async function printFailure(ctx: CommandContext, command: string, error: string): Promise<number> {
  const host = createHost({ root: ctx.global.root, env: ctx.io.env });
  let node = 'unknown';
  try {
    node = hostNodeName(host);
  } catch {}
  const doc = buildCheckDocument({
    node,
    now: host.now(),
    dm: command === 'mounts' ? undefined : failedDmResult(error),
    mounts: command === 'dm' ? undefined : { summary: { total: 0 }, entries: [], status: 3, error },
  });
  const optional = ctx.values['textfile-if-present'];
  const dir =
    typeof ctx.values.textfile === 'string'
      ? ctx.values.textfile
      : typeof optional === 'string' && existsSync(optional)
        ? optional
        : null;
  if (command === 'check' && dir) {
    // Replace node_exporter's file with the failure too; a write error is only one more line.
    await writeTextfile(dir, DEFAULT_TEXTFILE_NAME, renderPrometheus(doc)).catch((e: Error) =>
      ctx.io.err(`pve-health: could not write the metrics textfile: ${e.message}\n`),
    );
  }
  return printDocument(ctx, doc);
}
