// An error that ended a command, as the admin reads it: one line on stderr and the exit code (64 for a
// usage error, 3 for everything else). The project's own errors carry their message; an error of the
// system (an address in use, a file root may write) says what to do; anything else is an internal error,
// its stack only with PVE_HEALTH_DEBUG=1.
import {
  CheckError,
  CommandError,
  CommandNotFoundError,
  LockedError,
  TimeoutError,
  UsageError,
} from '../core/vocab/errors';
import type { Io } from './command';

export const EXIT_USAGE = 64;
export const EXIT_UNKNOWN = 3;

export function exitCodeForError(e: unknown): number {
  if (e instanceof UsageError) return EXIT_USAGE;
  return EXIT_UNKNOWN;
}

/**
 * An error of the system rather than of pve-health (an address in use, a file root may write): what
 * happened and what to do, instead of "internal error: EADDRINUSE …".
 */
export function systemErrorAdvice(e: unknown): string | null {
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  if (!err || typeof err !== 'object' || typeof err.code !== 'string') return null;
  const addr = err.address !== undefined ? `${err.address}${err.port !== undefined ? `:${err.port}` : ''}` : '';
  if (err.syscall === 'listen' || err.syscall === 'bind') {
    if (err.code === 'EADDRINUSE')
      return `cannot listen on ${addr || 'that address'}: it is already in use (another 'pve-health serve', or the systemd unit: 'ss -ltnp' shows who); stop that one or give another --listen ADDRESS:PORT`;
    if (err.code === 'EACCES' || err.code === 'EPERM')
      return `cannot listen on ${addr || 'that address'}: permission denied (ports below 1024 need root); run it as root or give a port from 1024 up with --listen`;
    if (err.code === 'EADDRNOTAVAIL')
      return `cannot listen on ${addr || 'that address'}: no interface of this machine has that address; give one it has (or 0.0.0.0) with --listen`;
  }
  if (err.code === 'EACCES' || err.code === 'EPERM')
    return `permission denied${err.path ? `: ${err.path}` : ''}: pve-health reads and writes root's files (/var/lib/pve-health, /etc/pve-health, dmsetup): run it as root (sudo pve-health …)`;
  if (err.code === 'ENOENT' && err.path)
    return `${err.path.replace(/\.\d+\.tmp$/, '')}: no such file or directory (does its directory exist?)`;
  if (err.code === 'EROFS') return `read-only file system${err.path ? `: ${err.path}` : ''}: cannot write there`;
  return null;
}

export function reportError(e: unknown, io: Io): number {
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
  } else if (systemErrorAdvice(e)) {
    io.err(`pve-health: ${systemErrorAdvice(e)}\n`);
  } else {
    // Unexpected: still one line and exit 3; the stack only with PVE_HEALTH_DEBUG=1.
    const err = e as Error;
    io.err(`pve-health: internal error: ${err?.message ?? String(e)}\n`);
    if (io.env.PVE_HEALTH_DEBUG) io.err(`${err?.stack}\n`);
  }
  return code;
}
