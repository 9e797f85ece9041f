// argv → command → exit code. The only place that reads process.argv or calls process.exit.

// First: it gives node's builtins their code cache back before any module below loads one.
import './builtin-code-cache';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runHelperChildIfAsked } from '../children/helper-children';
import { isCheckFailure, LockedError, UsageError } from '../core/vocab/errors';
import { killLiveChildren } from '../host/exec';
import { fitHelp } from '../render/wrap';
import { VERSION } from '../version';
import { didYouMean, findCommand, helpAsOption, withFormatAlias } from './argv-words';
import type { Command, CommandContext, Io } from './command';
import { EXIT_USAGE, reportError } from './error-report';
import { ALL_GLOBALS, FORMATS, GLOBAL_HELP, GLOBAL_OPTIONS, type GlobalOptions, globalHelp } from './options';
import { COMMANDS, commandNamed, type LoadedCommand, loadCommand } from './registry';
import { terminalIo } from './terminal-io';

/**
 * The commands whose failure still answers in the format asked for (cli/failure.ts): every exit path,
 * every format, internal errors included, prints UNKNOWN with the reason (and `check` rewrites its
 * textfile and notifies).
 */
const CHECK_COMMANDS = new Set(['check', 'dm', 'mounts', 'volumes']);

export function renderHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = [
    `pve-health ${VERSION} — guest-disk and remote-mount health for Proxmox VE nodes`,
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

function commandHelp(c: LoadedCommand): string {
  const examples = c.examples?.length
    ? `\nExamples:\n${c.examples.map((e) => (e.startsWith('#') ? `  ${e}` : `  pve-health ${e}`)).join('\n')}\n`
    : '';
  return `Usage: pve-health ${c.usage}\n\n${c.summary}.\n${c.help ? `\n${c.help}\n` : ''}${examples}\n${globalHelp(
    (c.globals ?? ALL_GLOBALS).filter((g) => !c.refusesGlobals?.includes(g)),
    c.formats,
  )}\n`;
}

/** A global option given to a command it does not apply to: a usage error, never silently ignored. */
function rejectForeignGlobals(command: Command, values: CommandContext['values']): void {
  const allowed = command.globals ?? ALL_GLOBALS;
  const given = ALL_GLOBALS.filter((n) => values[n] !== undefined && !allowed.includes(n));
  if (given.length === 0) return;
  const opts = given.map((n) => (n === 'quiet' ? '-q/--quiet' : `--${n}`)).join(', ');
  throw new UsageError(
    `${opts} ${given.length > 1 ? 'do' : 'does'} not apply to '${command.name}' (see: pve-health ${command.name} --help)`,
  );
}

/**
 * `beforeRun`: called once the command is known and loaded and its options parsed, right before it
 * runs (the entry point tunes V8 there, tuneV8ForCommand).
 */
export async function main(
  rawArgv: string[],
  rawIo: Io,
  hooks: { beforeRun?: (command: string) => void } = {},
): Promise<number> {
  const argv = withFormatAlias(rawArgv);
  let color = false;
  let json = false;
  const io = terminalIo(
    rawIo,
    () => color,
    () => json,
  );
  try {
    const args = helpAsOption(argv);
    const ci = findCommand(args);
    const name = ci >= 0 ? args[ci] : undefined;
    const rest = ci >= 0 ? [...args.slice(0, ci), ...args.slice(ci + 1)] : args;
    const entry = name ? commandNamed(name) : undefined;
    if (name && !entry) throw new UsageError(`unknown command '${name}'${didYouMean(name)} (see pve-health --help)`);
    const command = entry ? await loadCommand(entry) : undefined;
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: rest,
        options: { ...GLOBAL_OPTIONS, ...(command?.options ?? {}) },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new UsageError(
        `${usageMessage((e as Error).message)} (see: pve-health ${command ? `${command.name} ` : ''}--help)`,
      );
    }
    // Anything left over is a mistake (a typo'd option value, a second file): never silently ignored.
    // (Commands that take arguments check their count themselves, with their own words.)
    const allowed = command?.positionals ?? 0;
    if (command && allowed === 0 && parsed.positionals.length > 0) {
      const extra = parsed.positionals.slice(allowed).join(' ');
      throw new UsageError(
        `unexpected argument${parsed.positionals.length - allowed > 1 ? 's' : ''} '${extra}' for ${command.name} (see: pve-health ${command.name} --help)`,
      );
    }
    // parseArgs types values by a spec known only here (the globals plus this command's options);
    // strict parsing with exactly that spec makes them what ValuesOf says.
    const v = parsed.values as CommandContext['values'];
    if (v.version) {
      io.out(`pve-health ${VERSION}\n`);
      return 0;
    }
    if (!command || v.help) {
      io.out(fitHelp(command ? commandHelp(command) : renderHelp()));
      return command || v.help ? 0 : EXIT_USAGE;
    }
    rejectForeignGlobals(command, v);
    const global = globalOptions(v, io, command);
    color = global.color;
    json = global.format === 'json';
    const cctx: CommandContext = { global, values: v, positionals: parsed.positionals, io };
    hooks.beforeRun?.(command.name);
    try {
      return await command.run(cctx);
    } catch (e) {
      // A check that could not run still answers in the format asked for (never an empty stdout).
      if (!(e instanceof UsageError) && !(e instanceof LockedError) && CHECK_COMMANDS.has(command.name)) {
        const message = isCheckFailure(e) ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
        if (!isCheckFailure(e) && io.env.PVE_HEALTH_DEBUG) io.err(`${(e as Error)?.stack}\n`);
        const { printFailure } = await import('./failure');
        return await printFailure(cctx, command.name, message);
      }
      throw e;
    }
  } catch (e) {
    return reportError(e, io);
  }
}

/** util.parseArgs' messages, in the project's words (one line, the option named as the user typed it). */
function usageMessage(raw: string): string {
  const line = raw.split('\n')[0];
  let m = /^Unknown option '([^']+)'/.exec(line);
  if (m) return `unknown option ${m[1]}`;
  m = /^Option '(?:-\w, )?(--[\w-]+)(?: <value>)?' argument missing/.exec(line);
  if (m) return `option ${m[1]} needs a value`;
  m = /^Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(line);
  if (m) return `option ${m[1]} takes no value`;
  m = /^Unexpected argument '([^']+)'/.exec(line);
  if (m) return `unexpected argument '${m[1]}'`;
  return line.replace(/\. To specify .*$/, '');
}

function globalOptions(v: CommandContext['values'], io: Io, command: Command): GlobalOptions {
  // PVE's own `--output-format json-pretty` (pvesh, pvesm) is indented JSON: what `json` writes here.
  const given = v.format === 'json-pretty' ? 'json' : v.format;
  if (v.json && given !== undefined && given !== 'json')
    throw new UsageError(`--json and --format ${given} contradict each other: give one of them`);
  const asked = v.json ? 'json' : (given ?? 'text');
  const format = FORMATS.find((f) => f === asked);
  if (!format) throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got '${asked}')`);
  if (command.formats && !command.formats.includes(format))
    throw new UsageError(
      `--format ${format} does not apply to '${command.name}': it writes ${command.formats.join(' or ')} (see: pve-health ${command.name} --help)`,
    );
  const noColor = Boolean(v['no-color']) || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '');
  return {
    root: rootDir(v.root),
    from: v.from,
    format,
    color: !noColor && io.stdoutIsTTY && io.env.TERM !== 'dumb',
    width: outputWidth(io),
    quiet: Boolean(v.quiet),
    config: v.config,
    demo: Boolean(v.demo),
  };
}

/**
 * --root made absolute once, here: every path under it goes to children (the file mover refuses a
 * relative path), into journals and into printed commands (`restore JOURNAL --root DIR`), which may run
 * from another directory. An empty --root would silently mean the working directory: refused.
 */
function rootDir(root: string | undefined): string {
  if (root === undefined) return '/';
  if (root === '') throw new UsageError('--root needs a directory (got an empty value)');
  return resolve(root);
}

/**
 * The width text output is fitted to, as GNU ls and systemctl choose it: COLUMNS when set (a number),
 * else the terminal's width, else 0 — no wrapping for a pipe, a file or the journal, so each finding
 * stays one greppable record. At least 40: narrower than that nothing reads well anyway.
 */
export function outputWidth(io: Pick<Io, 'env' | 'stdoutIsTTY' | 'stdoutColumns'>): number {
  const env = Number(io.env.COLUMNS);
  const w = Number.isInteger(env) && env > 0 ? env : io.stdoutIsTTY ? (io.stdoutColumns ?? 80) : 0;
  return w === 0 ? 0 : Math.max(40, w);
}

/**
 * Stopped from outside (the `timeout` that bounds a cluster check on a node, systemd, ^C): end the
 * commands we started too. They run in their own process groups (exec.ts), so a signal to our
 * group would leave a hung `lvs` behind. Only for the commands that just read: `clean`/`restore`
 * let an lvchange or dmsetup in flight finish rather than kill it halfway; `serve` has its own stop.
 */
const READ_ONLY_COMMANDS = ['check', 'dm', 'mounts', 'cluster', 'report', 'capture'];

function stopChildrenOnSignal(argv: string[]): void {
  const ci = findCommand(argv);
  if (ci < 0 || !READ_ONLY_COMMANDS.includes(argv[ci])) return;
  for (const [sig, n] of [
    ['SIGTERM', 15],
    ['SIGHUP', 1],
    ['SIGINT', 2],
  ] as const) {
    process.once(sig, () => {
      killLiveChildren();
      process.exit(128 + n);
    });
  }
}

/**
 * A document of megabytes that is all ASCII (JSON of a node usually is) as bytes copied one to one:
 * the same bytes as UTF-8, without encoding each character (several ms for 10,000 devices).
 */
function outputChunk(t: string): string | Buffer {
  return t.length > 1 << 15 && Buffer.byteLength(t, 'utf8') === t.length ? Buffer.from(t, 'latin1') : t;
}

function isMain(): boolean {
  // Bundled (CJS) the entry is the main module; under tsx tests import it instead.
  return typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module;
}

/**
 * V8's optimising compiler (TurboFan) pays off in code that runs for long; a check, a capture or an
 * analysis ends within a second or two. Its compiles run on background threads and cost a third of
 * the CPU of `dm --json` on 10,000 devices (user 0.86 -> 0.57 s), and their code arrives when most
 * loops are done (wall 0.68 -> 0.60 s, interleaved runs on the 2-core build machine); at 800 devices
 * the time is the same. The baseline compiler (and Maglev, where the V8 has it) still runs. `serve`
 * runs for days and keeps it (its packaged unit starts it without any JIT, systemd-units.ts).
 * Set right before the command runs (V8 reads it at each tier-up): a changed flag costs node's builtins
 * their code cache (builtin-code-cache.ts), so the modules the command and its output need are loaded
 * by then, and `performance`, which the checks time themselves with, is made here. Every supported V8
 * (Node 18 to 24) knows `--no-opt`.
 */
function tuneV8ForCommand(command: string): void {
  if (command === 'serve') return;
  performance.now();
  setFlagsFromString('--no-opt');
}

// Started as one of its helper children (helper-children.ts), the program is that child, not the CLI.
if (isMain() && !runHelperChildIfAsked(process.argv)) {
  const io: Io = {
    out: (t) => process.stdout.write(outputChunk(t)),
    err: (t) => process.stderr.write(t),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stdoutColumns: process.stdout.isTTY ? process.stdout.columns : undefined,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    env: process.env,
  };
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  stopChildrenOnSignal(process.argv.slice(2));
  main(process.argv.slice(2), io, { beforeRun: tuneV8ForCommand }).then((code) => {
    process.exitCode = code;
    // Exit once the answer is written: NRPE and systemd wait for the process, not for the answer, and
    // a probe child stuck in uninterruptible sleep (a dead hard-mounted NFS server) must not hold us.
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  });
}
