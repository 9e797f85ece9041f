import { existsSync } from 'node:fs';
// The answer of a check that could not run at all (exit 3): a document whose parts carry the reason,
// rendered in the format asked for, so NRPE, Checkmk, node_exporter and JSON readers see UNKNOWN and
// why — never an empty output that a monitor reads as "no data" or, worse, as the last good value.
import { buildCheckDocument, failedDmResult } from '../core/findings/evaluate';
import type { Config } from '../core/vocab/config';
import { unknownVolumes } from '../core/volumes/classify-volumes';
import { createHost } from '../host/host';
import { readConfig } from '../host/read-config';
import { DEFAULT_TEXTFILE_NAME, writeTextfile } from '../host/write-textfile';
import { renderPrometheus } from '../render/prometheus';
import type { CommandContext } from './command';
import { notifyAfterCheck } from './commands/notify';
import { hostNodeName } from './mounts-pipeline';
import { printDocument } from './output';

export async function printFailure(ctx: CommandContext, command: string, error: string): Promise<number> {
  const host = createHost({ root: ctx.global.root, env: ctx.io.env });
  let node = 'unknown';
  try {
    node = hostNodeName(host);
  } catch {}
  const only = (c: string) => command === 'check' || command === c;
  const doc = buildCheckDocument({
    node,
    now: host.now(),
    dm: only('dm') ? failedDmResult(error) : undefined,
    mounts: only('mounts') ? { summary: { total: 0 }, entries: [], status: 3, error } : undefined,
    volumes: only('volumes') ? unknownVolumes(error) : undefined,
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
  if (command === 'check' && ctx.values.notify) {
    // The config may be what failed: then the default channel (PVE's own notification system) is told.
    let config: Config = {};
    try {
      config = readConfig(host, ctx.global.config);
    } catch {}
    await notifyAfterCheck(ctx.io, host, config, doc, { always: Boolean(ctx.values.always), quiet: ctx.global.quiet });
  }
  return printDocument(ctx, doc);
}
