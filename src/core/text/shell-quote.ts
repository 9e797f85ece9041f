// POSIX shell quoting of an argv for display: a command copied from any output (hints, fix lines,
// prompts, the run log, the dashboard's Copy button, notifications) runs exactly this argv, whatever a
// device, volume, dataset, image, snapshot or storage name holds — spaces, quotes, `$(…)`, backquotes,
// `;` or a newline cannot turn it into another command, and an invisible or bidi character is shown as the
// bytes it is, so the pasted command names exactly the volume. The one quoting function for every printed
// command (docs/reports.md "Printed commands"). Pure.
import { UNSAFE_CHAR } from './unsafe-chars';

// Words that need no quotes in sh or bash: no expansion, no word splitting, no operator, no glob, and
// not `~` or `#` at the start (tilde expansion, a comment) — neither is in the set.
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

const UTF8 = new TextEncoder();

/** One argument as a shell word that expands to exactly it. */
export function shellWord(a: string): string {
  if (SAFE.test(a)) return a;
  if (!UNSAFE_CHAR.test(a)) return `'${a.replace(/'/g, `'\\''`)}'`;
  // bash's (and POSIX 2024's) $'…': the unsafe characters (unsafe-chars.ts: controls, bidi, invisible) as
  // escapes, so the command stays one line that pastes back byte for byte. A shell without $'…' (dash)
  // reads a literal `$` and the escapes: a wrong name, never a command. Never a display escape: a pasted
  // `'vm-995-disk-0\u{202e}'` names another image. Each as its UTF-8 bytes (\xHH): bash's \u depends on
  // the locale, bytes do not.
  let out = '';
  for (const ch of a) {
    if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (UNSAFE_CHAR.test(ch)) for (const b of UTF8.encode(ch)) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `$'${out}'`;
}

/** An argv as one shell command line that runs exactly it. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ');
}
