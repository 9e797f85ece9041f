// What the man page and the shell completion are generated from: the CLI's own registry, option specs and
// help text, read at package time (commands are still being added; nothing here lists them by hand).

import type { OptionSpec } from '../../src/cli/options';
import type { LoadedCommand } from '../../src/cli/registry';

export interface CliOption {
  long: string;
  short?: string;
  takesValue: boolean;
  /** What a value completes to: a directory, a file, one of `values`, or anything. */
  valueKind: 'none' | 'dir' | 'file' | 'choice' | 'word';
  values?: string[];
  /** Help text for this option, from the help lines (the man page falls back to the bare name). */
  description?: string;
  /** The value's placeholder in the help ("--root DIR" → "DIR"). */
  placeholder?: string;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  help?: string;
  options: CliOption[];
  examples?: string[];
  /** The global options that apply (all when absent). */
  globals?: string[];
}

export interface CliInfo {
  program: string;
  version: string;
  /** The tagline of `pve-health --help`'s first line. */
  description: string;
  commands: CliCommand[];
  globalOptions: CliOption[];
  /** The global options' help text. */
  globalHelp: string;
  /** The "Exit codes: ..." line of the help. */
  exitCodes: string;
  /** Environment variables the program reads. */
  environment?: { name: string; text: string }[];
}

export interface CliSource {
  program: string;
  version: string;
  helpText: string;
  commands: LoadedCommand[];
  globalOptions: OptionSpec;
  globalHelp: string;
  formats: string[];
  environment?: { name: string; text: string }[];
}

export interface HelpOptionLine {
  long?: string;
  short?: string;
  placeholder?: string;
  description: string;
}

/** A help text in order: option entries and prose lines. */
export type HelpItem = ({ kind: 'option' } & HelpOptionLine) | { kind: 'text'; text: string } | { kind: 'blank' };

//   --root DIR        read and write every system path under DIR (default /)
//   -h, --help        help;  -V, --version  version
/**
 * Parse a help text into option entries and prose, in order. A line may hold several options separated by
 * ";  " ("-h, --help  help;  -V, --version  version"); a deeper-indented line without a dash continues the
 * previous option's description.
 */
export function parseHelp(text: string): HelpItem[] {
  const items: HelpItem[] = [];
  let last: HelpOptionLine | undefined;
  for (const line of text.split('\n')) {
    const m = /^\s+(-.*)$/.exec(line);
    const cells = m ? m[1].split(/;\s{2,}(?=-)/).map(parseOptionCell) : [];
    if (m && cells.every(Boolean)) {
      for (const o of cells as HelpOptionLine[]) {
        items.push({ kind: 'option', ...o });
        last = items[items.length - 1] as HelpOptionLine;
      }
      continue;
    }
    const cont = /^\s{4,}(\S.*)$/.exec(line);
    if (cont && last) last.description = `${last.description} ${cont[1].trim()}`;
    else if (line.trim()) {
      items.push({ kind: 'text', text: line.trim() });
      last = undefined;
    } else {
      items.push({ kind: 'blank' });
      last = undefined;
    }
  }
  return items;
}

export function parseHelpOptions(text: string): { options: HelpOptionLine[]; notes: string[] } {
  const items = parseHelp(text);
  return {
    options: items.filter((i) => i.kind === 'option').map(({ kind: _, ...o }) => o as HelpOptionLine),
    notes: items.flatMap((i) => (i.kind === 'text' ? [i.text] : [])),
  };
}

// A value placeholder: DIR, FILE, ADDR:PORT, CHECK.json, or lower-case choices "vmid|storage".
const PLACEHOLDER = String.raw`[A-Z][A-Za-z0-9_|.:-]*|[a-z0-9-]+(?:\|[a-z0-9-]+)+|<[^>]+>|\[[^\]]+\]`;
const OPTION_CELL = new RegExp(
  String.raw`^(?:(-[A-Za-z0-9])(?:,\s*|\s+(?=-)))?(--[A-Za-z0-9][A-Za-z0-9-]*)(?:(?:[= ](${PLACEHOLDER}))\s+|\s{2,})(\S.*)$`,
);
const SHORT_CELL = new RegExp(String.raw`^(-[A-Za-z0-9])(?: (${PLACEHOLDER}))?\s{2,}(\S.*)$`);

function parseOptionCell(cell: string): HelpOptionLine | undefined {
  // "-q, --quiet   text" | "--root DIR   text" | "--dm-interval SECONDS text" | "-n N   text"
  const m = OPTION_CELL.exec(cell.trim());
  if (m) return { short: m[1]?.slice(1), long: m[2].slice(2), placeholder: m[3], description: m[4].trim() };
  const s = SHORT_CELL.exec(cell.trim());
  if (s) return { short: s[1].slice(1), placeholder: s[2], description: s[3].trim() };
  return undefined;
}

/** The value kind of an option: the formats for --format, directories for --root, files for other values. */
function optionsFromSpec(spec: OptionSpec, help: HelpOptionLine[], formats: string[]): CliOption[] {
  return Object.entries(spec).map(([long, o]) => {
    const h =
      help.find((x) => x.long === long) ?? (o.short ? help.find((x) => x.short === o.short && !x.long) : undefined);
    const takesValue = o.type === 'string';
    let valueKind: CliOption['valueKind'] = 'none';
    let values: string[] | undefined;
    if (takesValue) {
      const choices = choicesFromPlaceholder(h?.placeholder) ?? choicesFromDescription(h?.description);
      if (long === 'format') {
        valueKind = 'choice';
        values = formats;
      } else if (choices) {
        valueKind = 'choice';
        values = choices;
      } else valueKind = kindFromPlaceholder(long, h?.placeholder);
    }
    return {
      long,
      short: o.short,
      takesValue,
      valueKind,
      values,
      description: h?.description,
      placeholder: h?.placeholder,
    };
  });
}

/** DIR → directories; FILE, PATH, JOURNAL, X.json → files; N, SEC, NAME, ADDR:PORT → nothing to complete. */
function kindFromPlaceholder(long: string, placeholder?: string): CliOption['valueKind'] {
  if (long === 'root' || placeholder === 'DIR') return 'dir';
  if (!placeholder || /^(FILE|PATH|JOURNAL|SNAPSHOT)$|\./.test(placeholder)) return 'file';
  return 'word';
}

// "--group-by vmid|storage" → ["vmid", "storage"]
function choicesFromPlaceholder(p?: string): string[] | undefined {
  if (!p?.includes('|')) return undefined;
  const parts = p.split('|').map((x) => x.trim());
  return parts.every((x) => /^[a-z0-9][a-z0-9-]*$/.test(x)) ? parts : undefined;
}

// "text | json | nagios (default text)" → ["text", "json", "nagios"]
function choicesFromDescription(d?: string): string[] | undefined {
  const m = /^([a-z0-9-]+(?:\s*\|\s*[a-z0-9-]+)+)/.exec(d ?? '');
  return m ? m[1].split('|').map((x) => x.trim()) : undefined;
}

/** Everything the generators need, as plain data. */
export function collectCliInfo(src: CliSource): CliInfo {
  const global = parseHelpOptions(src.globalHelp);
  const firstLine = src.helpText.split('\n')[0];
  const dash = firstLine.indexOf(' — ');
  const exitCodes = src.helpText.split('\n').find((l) => l.startsWith('Exit codes:')) ?? '';
  return {
    program: src.program,
    version: src.version,
    description: dash >= 0 ? firstLine.slice(dash + 3).trim() : firstLine,
    commands: src.commands.map((c) => {
      const own = parseHelpOptions(c.help ?? '').options;
      return {
        name: c.name,
        summary: c.summary,
        usage: c.usage,
        help: c.help,
        options: optionsFromSpec(c.options ?? {}, own, src.formats),
        examples: c.examples,
        globals: c.globals,
      };
    }),
    globalOptions: optionsFromSpec(src.globalOptions, global.options, src.formats),
    globalHelp: src.globalHelp,
    exitCodes,
    environment: src.environment,
  };
}
