// "How do I run myself again?" — one answer for the serve scan children, the systemd unit, cluster
// runs, and the small helper children (mount probe, volume listing). In a Node single executable application the executable is the program; under node
// (`node dist/pve-health.cjs`, or the sources through tsx) it is node plus the script it was given.
import { createRequire } from 'node:module';
import { join } from 'node:path';

export function isSingleExecutable(): boolean {
  try {
    // node:sea exists from Node 20; createRequire so that esbuild leaves the import alone on Node 18.
    const sea = createRequire(join(process.cwd(), 'self.js'))('node:sea') as { isSea?: () => boolean };
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
 * argv of a small helper child that runs `script` alone (not the whole CLI): under node that is
 * `node -e script`; a single executable cannot take -e, so it runs itself with `marker`, which its
 * entry point recognises before anything else (runProbeChild, runListVolumesChild).
 */
export function childCommand(marker: string, script: string): string[] {
  return isSingleExecutable() ? [process.execPath, marker] : [process.execPath, '-e', script];
}
