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

/** The flag of pve-health's own file-move child (src/children/move-file-child.ts MOVE_FILE_CHILD_ARG). */
const MOVE_FILE_ARG = '--pve-health-move-file';

/**
 * A step's command as plans, prompts and progress show it: the argv shell-quoted, except pve-health's
 * own file move (`node …/pve-health.cjs --pve-health-move-file SRC DST`: a child that refuses unless
 * both directories are on one filesystem, then calls rename(2)), shown as what it does —
 * `rename(2) SRC → DST`, each path a shell word — instead of 260 columns of the tool's own path: no
 * shell command does that check (coreutils `mv` copies across filesystems), so none is offered.
 */
export function commandText(argv: readonly string[]): string {
  if (argv.length === 5 && argv[2] === MOVE_FILE_ARG) return `rename(2) ${shellWord(argv[3])} → ${shellWord(argv[4])}`;
  return shellQuote(argv);
}
