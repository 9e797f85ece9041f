// The command line's words before parsing: PVE's spellings (`--output-format`, `help CMD`), where the
// command word is, and a near command for a mistyped one.
import { GLOBAL_OPTIONS, type OptionSpec } from './options';
import { COMMANDS } from './registry';

/**
 * `--output-format FMT`, as pvesh and pvesm spell it, is `--format FMT` (before a `--` only: what
 * follows it is an argument).
 */
export function withFormatAlias(argv: string[]): string[] {
  const end = argv.indexOf('--');
  return argv.map((a, i) =>
    end >= 0 && i > end ? a : a === '--output-format' ? '--format' : a.replace(/^--output-format=/, '--format='),
  );
}

/** `pve-health help [COMMAND]` is `pve-health [COMMAND] --help`, as git and pvesm read it. */
export function helpAsOption(argv: string[]): string[] {
  const ci = findCommand(argv);
  if (ci < 0 || argv[ci] !== 'help') return argv;
  return [...argv.slice(0, ci), ...argv.slice(ci + 1), '--help'];
}

/** "; did you mean 'check'?" for a command name one or two typing mistakes away, else nothing. */
export function didYouMean(name: string): string {
  const near = COMMANDS.map((c) => [c.name, editDistance(name, c.name)] as const)
    .filter(([, d]) => d <= 2)
    .sort((a, b) => a[1] - b[1]);
  return near.length ? `; did you mean '${near[0][0]}'?` : '';
}

/** Levenshtein distance (insert, delete, substitute), for short command names. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** Index of the command word: the first token that is neither an option nor an option's value. */
export function findCommand(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (a.startsWith('-')) {
      const name = a.replace(/^--?/, '').split('=')[0];
      const specs: OptionSpec = GLOBAL_OPTIONS;
      const spec = specs[name] ?? Object.values(specs).find((o) => o.short === name);
      if (spec?.type === 'string' && !a.includes('=')) i++;
      continue;
    }
    return i;
  }
  return -1;
}
