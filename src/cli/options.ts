// Global options, accepted before or after the command (`pve-health --root X dm` = `pve-health dm --root X`).
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export const GLOBAL_OPTIONS = {
  root: { type: 'string' },
  from: { type: 'string' },
  format: { type: 'string' },
  json: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  config: { type: 'string' },
  demo: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const satisfies OptionSpec;

export type OutputFormat = 'text' | 'json' | 'nagios' | 'checkmk' | 'prometheus';
export const FORMATS: OutputFormat[] = ['text', 'json', 'nagios', 'checkmk', 'prometheus'];

export interface GlobalOptions {
  root: string;
  from?: string;
  format: OutputFormat;
  color: boolean;
  /** Columns text output fits (main.ts outputWidth); 0: do not wrap (not a terminal). */
  width: number;
  quiet: boolean;
  config?: string;
  demo: boolean;
}

/** The global options a command can take (help and version go everywhere). */
export type GlobalName = 'root' | 'from' | 'demo' | 'format' | 'json' | 'no-color' | 'quiet' | 'config';

export const ALL_GLOBALS: GlobalName[] = ['root', 'from', 'demo', 'format', 'json', 'no-color', 'quiet', 'config'];

const GLOBAL_LINES: Record<GlobalName, string> = {
  root: '  --root DIR        Read and write every system path under DIR (default /)',
  from: "  --from FILE       Analyse a snapshot written by 'pve-health capture' (analysis only)",
  demo: '  --demo            Run on the bundled demo node',
  format:
    '  --format FMT      Output format: text, json, nagios, checkmk or prometheus (default text; also --output-format)',
  json: '  --json            Same as --format json',
  'no-color': '  --no-color        No colours (also NO_COLOR=1, and when stdout is not a terminal)',
  quiet: '  -q, --quiet       The summary line and one line per problem',
  config: '  --config FILE     Configuration file (default /etc/pve-health/config.toml)',
};

/** The --format line for a command that writes only some formats. */
function formatLine(formats: readonly OutputFormat[]): string {
  const list = formats.length > 1 ? `${formats.slice(0, -1).join(', ')} or ${formats[formats.length - 1]}` : formats[0];
  return `  --format FMT      Output format: ${list} (default text; also --output-format)`;
}

/** The global options block of a help text: only the options that apply (and only the formats that do). */
export function globalHelp(
  names: readonly GlobalName[] = ALL_GLOBALS,
  formats: readonly OutputFormat[] = FORMATS,
): string {
  return [
    'Global options (before or after the command):',
    ...ALL_GLOBALS.filter((n) => names.includes(n)).map((n) =>
      n === 'format' ? formatLine(formats) : GLOBAL_LINES[n],
    ),
    '  -h, --help        Show this help;  -V, --version  Show the version',
  ].join('\n');
}

export const GLOBAL_HELP = globalHelp();
