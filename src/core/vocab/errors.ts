// Typed errors. Only src/cli maps them to messages and exit codes (src/cli/error-report.ts).

/** The user asked for something impossible (bad flag, missing argument). Exit 64. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The tool could not check (missing /etc/pve, not root, unusable input). Exit 3. */
export class CheckError extends Error {
  override name = 'CheckError';
}

/** A command ran and failed. */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly cmd: string[],
    readonly code: number | null,
    readonly stderr: string,
    readonly stdout = '',
  ) {
    super(`${cmd.join(' ')} failed (exit ${code ?? 'signal'}): ${lastLine(stderr) || 'no message'}`);
  }
}

/** A command is not installed (ENOENT on PATH). */
export class CommandNotFoundError extends Error {
  override name = 'CommandNotFoundError';
  constructor(readonly cmd: string[]) {
    super(`${cmd[0]}: command not found on PATH`);
  }
}

/** A command did not end before its deadline; its whole process group was sent SIGKILL. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(
    readonly cmd: string[],
    readonly timeoutMs: number,
  ) {
    super(`${cmd.join(' ')} did not finish within ${timeoutMs / 1000} s (killed)`);
  }
}

/** A command printed more than its caller takes (`maxOutputBytes`); its whole process group was sent SIGKILL. */
export class OutputTooLargeError extends Error {
  override name = 'OutputTooLargeError';
  constructor(
    readonly cmd: string[],
    readonly maxBytes: number,
  ) {
    super(`${cmd[0]} printed more than ${Math.round(maxBytes / 1024 / 1024)} MiB (killed)`);
  }
}

/** Another instance holds a lock we need. */
export class LockedError extends Error {
  override name = 'LockedError';
}

export function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

/** Errors that mean "this part could not be checked" (exit 3), not a bug or a usage error. */
export function isCheckFailure(e: unknown): e is Error {
  return (
    e instanceof CheckError ||
    e instanceof CommandError ||
    e instanceof CommandNotFoundError ||
    e instanceof TimeoutError
  );
}
