// "How do I run myself again?" — the one answer for every child and unit that starts this program:
// the serve scan children, the serve --cluster child, the systemd units of install-timer, and the
// small helper children (mount probe, volume listing). In a Node single executable application the
// executable is the program; under node (`node dist/pve-health.cjs`, or the sources through tsx) it
// is node plus the script it was given (node makes that path absolute at startup).
import { realpath } from 'node:fs/promises';
import { builtinRequire } from './builtin-require';

export function isSingleExecutable(): boolean {
  try {
    // node:sea exists from Node 20: required here, not imported, so that the bundle still loads on Node 18.
    const sea = builtinRequire('node:sea') as { isSea?: () => boolean };
    return sea.isSea?.() === true;
  } catch {
    return false;
  }
}

/** argv that starts this program again (append the command and its options). */
export function selfCommand(): string[] {
  if (isSingleExecutable()) return [process.execPath];
  const script = process.argv[1];
  return script && script !== process.execPath ? [process.execPath, script] : [process.execPath];
}

/**
 * selfCommand for something that starts us long after we exit (a systemd unit): the script by its
 * real path, so the unit does not depend on the symlink or the directory it was started through.
 */
export async function lastingSelfCommand(): Promise<string[]> {
  const [exe, script] = selfCommand();
  return script ? [exe, await realpath(script)] : [exe];
}

/**
 * argv of a small helper child that runs `script` alone (not the whole CLI): under node that is
 * `node -e script`; a single executable cannot take -e, so it runs itself with `marker`, which its
 * entry point recognises before anything else (children/helper-children.ts runHelperChildIfAsked).
 */
export function childCommand(marker: string, script: string): string[] {
  return isSingleExecutable() ? [process.execPath, marker] : [process.execPath, '-e', script];
}
