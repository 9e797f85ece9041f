// What a command module exports. Each command lives in src/cli/commands/<name>.ts and is listed, with
// its summary, in src/cli/registry.ts.
import type { GlobalName, GlobalOptions, OptionSpec } from './options';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  stdoutIsTTY: boolean;
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export interface CommandContext {
  global: GlobalOptions;
  /** Parsed command-specific (and global) option values. */
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
  io: Io;
}

export interface Command {
  name: string;
  /** One usage line without the program name, e.g. "dm [--json]". */
  usage: string;
  /** Extra help text (options of this command). */
  help?: string;
  options?: OptionSpec;
  /** The global options that apply (default: all); any other is a usage error for this command. */
  globals?: GlobalName[];
  /** Command lines shown under "Examples:" in its --help (without the program name). */
  examples?: string[];
  /** How many positional arguments the command takes (default 0: any extra one is a usage error). */
  positionals?: number;
  run(ctx: CommandContext): Promise<number>;
}
