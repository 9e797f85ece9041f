// Global options, accepted before or after the command (`pve-health --root X dm` = `pve-health dm --root X`).
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export const GLOBAL_OPTIONS: OptionSpec = {
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
};

export type OutputFormat = 'text' | 'json' | 'nagios' | 'checkmk' | 'prometheus';
export const FORMATS: OutputFormat[] = ['text', 'json', 'nagios', 'checkmk', 'prometheus'];

export interface GlobalOptions {
  root: string;
  from?: string;
  format: OutputFormat;
  color: boolean;
  quiet: boolean;
  config?: string;
  demo: boolean;
}

export const GLOBAL_HELP = `Global options (before or after the command):
  --root DIR        read and write every system path under DIR (default /)
  --from FILE       analyse a snapshot written by 'pve-health capture' (analysis only)
  --demo            run on the bundled demo node
  --format FMT      text | json | nagios | checkmk | prometheus (default text)
  --json            same as --format json
  --no-color        no colours (also NO_COLOR=1, and when stdout is not a terminal)
  -q, --quiet       only the summary and problems
  --config FILE     configuration file (default /etc/pve-health/config.toml)
  -h, --help        help;  -V, --version  version`;
