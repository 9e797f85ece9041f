// argv → command → exit code. The only place that reads process.argv or calls process.exit.
import { parseArgs } from 'node:util';
import { CheckError, CommandError, CommandNotFoundError, LockedError, TimeoutError, UsageError } from '../core/errors';
import { runListVolumesChildIfAsked } from '../host/list-volumes-child';
import { runProbeChildIfAsked } from '../host/probe-mount-child';
import { VERSION } from '../version';
import type { CommandContext, Io } from './command';
import { FORMATS, GLOBAL_HELP, GLOBAL_OPTIONS, type GlobalOptions, type OutputFormat } from './options';
import { COMMANDS } from './registry';

export const EXIT_USAGE = 64;
export const EXIT_UNKNOWN = 3;

export function renderHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = [
    `pve-health ${VERSION} — device-mapper and remote-mount health for Proxmox VE nodes`,
    '',
    'Usage: pve-health COMMAND [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    GLOBAL_HELP,
    '',
    'Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (could not check), 64 usage error.',
    "Run 'pve-health COMMAND --help' for a command's options.",
  ];
  return `${lines.join('\n')}\n`;
}

function commandHelp(name: string): string {
  const c = COMMANDS.find((x) => x.name === name)!;
  return `Usage: pve-health ${c.usage}\n\n${c.summary}\n${c.help ? `\n${c.help}\n` : ''}\n${GLOBAL_HELP}\n`;
}

/** Index of the command word: the first token that is neither an option nor an option's value. */
function findCommand(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (a.startsWith('-')) {
      const name = a.replace(/^--?/, '').split('=')[0];
      const spec = GLOBAL_OPTIONS[name] ?? Object.values(GLOBAL_OPTIONS).find((o) => o.short === name);
      if (spec?.type === 'string' && !a.includes('=')) i++;
      continue;
    }
    return i;
  }
  return -1;
}

export async function main(argv: string[], io: Io): Promise<number> {
  try {
    const ci = findCommand(argv);
    const name = ci >= 0 ? argv[ci] : undefined;
    const rest = ci >= 0 ? [...argv.slice(0, ci), ...argv.slice(ci + 1)] : argv;
    const command = name ? COMMANDS.find((c) => c.name === name) : undefined;
    if (name && !command) throw new UsageError(`unknown command '${name}' (see pve-health --help)`);
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: rest,
        options: { ...GLOBAL_OPTIONS, ...(command?.options ?? {}) },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new UsageError((e as Error).message.split('\n')[0]);
    }
    const v = parsed.values as CommandContext['values'];
    if (v.version) {
      io.out(`pve-health ${VERSION}\n`);
      return 0;
    }
    if (!command || v.help) {
      io.out(command ? commandHelp(command.name) : renderHelp());
      return command || v.help ? 0 : EXIT_USAGE;
    }
    const global = globalOptions(v, io);
    return await command.run({ global, values: v, positionals: parsed.positionals, io });
  } catch (e) {
    return reportError(e, io);
  }
}

function globalOptions(v: CommandContext['values'], io: Io): GlobalOptions {
  let format = (v.format as string | undefined) ?? 'text';
  if (v.json) format = 'json';
  if (!FORMATS.includes(format as OutputFormat)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got '${format}')`);
  }
  const noColor = Boolean(v['no-color']) || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '');
  return {
    root: (v.root as string | undefined) ?? '/',
    from: v.from as string | undefined,
    format: format as OutputFormat,
    color: !noColor && io.stdoutIsTTY && io.env.TERM !== 'dumb',
    quiet: Boolean(v.quiet),
    config: v.config as string | undefined,
    demo: Boolean(v.demo),
  };
}

export function exitCodeForError(e: unknown): number {
  if (e instanceof UsageError) return EXIT_USAGE;
  return EXIT_UNKNOWN;
}

function reportError(e: unknown, io: Io): number {
  const code = exitCodeForError(e);
  if (
    e instanceof UsageError ||
    e instanceof CheckError ||
    e instanceof CommandError ||
    e instanceof CommandNotFoundError ||
    e instanceof TimeoutError ||
    e instanceof LockedError
  ) {
    io.err(`pve-health: ${e.message}\n`);
  } else {
    // Unexpected: still one line and exit 3; the stack only with PVE_HEALTH_DEBUG=1.
    const err = e as Error;
    io.err(`pve-health: internal error: ${err?.message ?? String(e)}\n`);
    if (io.env.PVE_HEALTH_DEBUG) io.err(`${err?.stack}\n`);
  }
  return code;
}

function isMain(): boolean {
  // Bundled (CJS) the entry is the main module; under tsx tests import it instead.
  return typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module;
}

// The single executable cannot take `node -e`: it runs the mount probe child itself when asked.
if (isMain() && !runProbeChildIfAsked(process.argv) && !runListVolumesChildIfAsked(process.argv)) {
  const io: Io = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    env: process.env,
  };
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
