// POSIX shell quoting of an argv for display: a command copied from any output (fix lines, prompts,
// the run log, the dashboard's Copy button) runs exactly this argv, whatever a device or volume name
// holds — spaces or metacharacters cannot turn it into another command. Pure.
export function shellQuote(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
