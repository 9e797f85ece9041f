// What a command module exports. Each command lives in src/cli/commands/<name>.ts and is listed, with
// its summary, in src/cli/registry.ts.
import type { GLOBAL_OPTIONS, GlobalName, GlobalOptions, OptionSpec, OutputFormat } from './options';

export interface Io {
  out: (text: string) => void;
  /**
   * A piece of JSON.stringify's own text (the JSON document writer's): the terminal boundary takes a
   * faster path for it (render/sanitize.ts stringifiedJsonForTerminal). Without it, `out`.
   */
  outJson?: (text: string) => void;
  err: (text: string) => void;
  stdoutIsTTY: boolean;
  /** The terminal's width when stdout is one (process.stdout.columns). */
  stdoutColumns?: number;
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

/** The value util.parseArgs gives for one option of a spec (any of them for a spec not known here). */
type ValueOf<O> = O extends { type: infer T; multiple?: infer M }
  ? [T] extends ['string']
    ? [M] extends [true]
      ? string[]
      : string
    : [T] extends ['boolean']
      ? [M] extends [true]
        ? boolean[]
        : boolean
      : string | boolean | string[] | boolean[]
  : never;

/** Option values as util.parseArgs gives them for a spec: each may be absent. */
export type ValuesOf<S> = { [K in keyof S]?: ValueOf<S[K]> };

/** What every command's values hold: the global options, each typed. */
export type GlobalValues = ValuesOf<typeof GLOBAL_OPTIONS>;

export interface CommandContext<S extends OptionSpec = OptionSpec> {
  global: GlobalOptions;
  /** Parsed option values of this command and the global ones, typed from their specs. */
  values: ValuesOf<S> & GlobalValues;
  positionals: string[];
  io: Io;
}

export interface Command<S extends OptionSpec = OptionSpec> {
  name: string;
  /** One usage line without the program name, e.g. "dm [--json]". */
  usage: string;
  /** Extra help text (options of this command). */
  help?: string;
  options?: S;
  /** The global options that apply (default: all); any other is a usage error for this command. */
  globals?: GlobalName[];
  /**
   * Globals it accepts only to refuse them with its own words (cluster: `--demo`, `--from` name the
   * command that reads one node's data): not listed in its --help, where they would read as supported.
   */
  refusesGlobals?: GlobalName[];
  /** The output formats it writes (default: all); any other --format is a usage error for this command. */
  formats?: OutputFormat[];
  /** Command lines shown under "Examples:" in its --help (without the program name). */
  examples?: string[];
  /** How many positional arguments the command takes (default 0: any extra one is a usage error). */
  positionals?: number;
  run(ctx: CommandContext<S>): Promise<number>;
}

/** A command whose run() gets values typed from its own option spec (`const`: the literal types are kept). */
export function defineCommand<const S extends OptionSpec>(c: Command<S>): Command<S> {
  return c;
}
