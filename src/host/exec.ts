// The one place that starts subprocesses. argv arrays only (never a shell), a hard deadline that
// SIGKILLs the whole process group (a hung `lvs` on a dead multipath device leaves children behind),
// and typed errors. Commands are found on PATH, so tests put fake binaries first on PATH.
import { spawn } from 'node:child_process';
import { CommandError, CommandNotFoundError, OutputTooLargeError, TimeoutError } from '../core/vocab/errors';

export interface ExecOptions {
  /** Hard deadline in ms (default 30 s). At the deadline the process group gets SIGKILL. */
  timeoutMs?: number;
  /** Written to stdin, which is then closed. Without it stdin is /dev/null. */
  input?: string;
  /** An open file descriptor given to the child as its stdin (for `flock 0`: the lock then belongs
   * to our open file and outlives the child; see src/host/pve-lock.ts). */
  stdinFd?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Exit codes that count as success (default [0]); 'any' never throws CommandError. */
  okCodes?: number[] | 'any';
  /** Called when the process has really ended, also long after a timeout was reported. */
  onExit?: (info: { code: number | null; signal: NodeJS.Signals | null; ms: number }) => void;
  /** Called once the process started, with its pid. */
  onSpawn?: (pid: number) => void;
  /**
   * Abandon the child: kill its group, close our ends of its pipes and drop the deadline timer, so
   * nothing of it keeps this process alive (a child in uninterruptible sleep outlives SIGKILL, and
   * NRPE or systemd wait for our exit, not for our answer). `onExit` still fires if it ever ends.
   */
  signal?: AbortSignal;
  /**
   * The most stdout the caller takes (default 256 MiB). Beyond it the process group is killed and the
   * call fails with OutputTooLargeError: a hostile or runaway producer never fills this process's memory.
   */
  maxOutputBytes?: number;
}

export interface ExecResult {
  argv: string[];
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export type Exec = (argv: string[], opts?: ExecOptions) => Promise<ExecResult>;

const DEFAULT_TIMEOUT_MS = 30_000;

// Children still running (pid = their process group): each runs in its own group, so a signal that
// ends us does not reach them. killLiveChildren() takes them along when we are stopped from outside.
const live = new Set<number>();

/** SIGKILL the process group of every child still running; returns how many there were. */
export function killLiveChildren(): number {
  const n = live.size;
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
  return n;
}
const MAX_OUTPUT = 256 * 1024 * 1024;

export const exec: Exec = (argv, opts = {}) =>
  new Promise((resolve, reject) => {
    if (argv.length === 0) throw new Error('exec: empty argv');
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const started = performance.now();
    const child = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      // Own process group, so the deadline can kill grandchildren too.
      detached: true,
      stdio: [opts.stdinFd ?? (opts.input === undefined ? 'ignore' : 'pipe'), 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fn: () => void) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        fn();
      }
    };
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const letGo = () => {
      killGroup();
      // Stop listening: a child stuck in uninterruptible sleep keeps its pipes open and would
      // otherwise keep this process alive.
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.stdin?.destroy();
    };
    const timer = setTimeout(() => {
      letGo();
      // Report now; a process stuck in uninterruptible sleep may end much later (onExit tells).
      settle(() => reject(new TimeoutError(argv, timeoutMs)));
    }, timeoutMs);
    const onAbort = () => {
      letGo();
      settle(() => reject(new Error(`${argv[0]}: abandoned`)));
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    const maxOutput = opts.maxOutputBytes ?? MAX_OUTPUT;
    child.stdout!.on('data', (b: Buffer) => {
      size += b.length;
      if (size <= maxOutput) out.push(b);
      else if (!settled) {
        letGo();
        out.length = 0;
        settle(() => reject(new OutputTooLargeError(argv, maxOutput)));
      }
    });
    child.stderr!.on('data', (b: Buffer) => {
      if (err.length < 4096) err.push(b);
    });
    if (child.pid !== undefined) {
      live.add(child.pid);
      opts.onSpawn?.(child.pid);
    }
    if (opts.input !== undefined && child.stdin) {
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input);
    }
    child.on('error', (e: NodeJS.ErrnoException) => {
      settle(() => reject(e.code === 'ENOENT' ? new CommandNotFoundError(argv) : e));
    });
    child.on('exit', (code, signal) => {
      if (child.pid !== undefined) live.delete(child.pid);
      opts.onExit?.({ code, signal, ms: performance.now() - started });
    });
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      settle(() => {
        const ok = opts.okCodes === 'any' || (code !== null && (opts.okCodes ?? [0]).includes(code));
        if (ok && code !== null) resolve({ argv, code, stdout, stderr, ms });
        else reject(new CommandError(argv, code, stderr, stdout));
      });
    });
    // A detached child must not keep us alive after we stopped caring about it.
    child.unref();
  });
