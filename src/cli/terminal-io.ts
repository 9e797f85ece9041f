// The terminal boundary of stdout and stderr (docs/reports.md "Control characters").
import { jsonTerminalText, stringifiedJsonForTerminal, terminalText } from '../render/sanitize';
import type { Io } from './command';

/**
 * stdout and stderr through the one terminal sanitiser (render/sanitize.ts terminalText): whatever a
 * command writes, from whichever renderer, no raw control character from the node, a container or a
 * remote node reaches the terminal or a monitoring parser. JSON.stringify escapes C0 controls but not
 * DEL, C1 or the bidi marks: with --json/--format json they are escaped as JSON escapes them.
 */
export function terminalIo(io: Io, color: () => boolean, json: () => boolean): Io {
  return {
    ...io,
    // A JSON document gets JSON's escapes (jsonTerminalText): still valid JSON, the same values.
    out: (t) => io.out(json() ? jsonTerminalText(t) : terminalText(t, { color: color() })),
    outJson: (t) => io.out(stringifiedJsonForTerminal(t)),
    err: (t) => io.err(terminalText(t, { color: false })),
  };
}
