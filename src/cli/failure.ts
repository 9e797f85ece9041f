// The answer of a check that could not run at all (exit 3): a document whose parts carry the reason,
// rendered in the format asked for, so NRPE, Checkmk, node_exporter and JSON readers see UNKNOWN and
// why — never an empty output that a monitor reads as "no data" or, worse, as the last good value.
import { buildCheckDocument, failedDmResult } from '../core/evaluate';
import { createHost } from '../host/host';
import { readNodeName } from '../host/read-mounts';
import type { CommandContext } from './command';
import { printDocument } from './output';

export const CHECK_COMMANDS = new Set(['check', 'dm', 'mounts']);

export function printFailure(ctx: CommandContext, command: string, error: string): number {
  const host = createHost({ root: ctx.global.root, env: ctx.io.env });
  let node = 'unknown';
  try {
    node = readNodeName(host);
  } catch {}
  const doc = buildCheckDocument({
    node,
    now: host.now(),
    dm: command === 'mounts' ? undefined : failedDmResult(error),
    mounts: command === 'dm' ? undefined : { summary: { total: 0 }, entries: [], status: 3, error },
  });
  return printDocument(ctx, doc);
}
