// The helper children this program can also be: the mount probe, the volume lister and reclaim's file
// mover. Under node each runs as `node -e SCRIPT`; a single executable cannot take -e, and the bundle
// runs the mover by its own path (a short command a plan can show), so the program is started again with
// the child's marker (host/self-command.ts childCommand), recognised here before the CLI runs (main.ts).
import { runListVolumesChildIfAsked } from './list-volumes-child';
import { runMoveFileChildIfAsked } from './move-file-child';
import { runProbeChildIfAsked } from './probe-mount-child';

/** Runs the helper child `argv` (process.argv) asks for by its marker: true; false when none is asked for. */
export function runHelperChildIfAsked(argv: string[]): boolean {
  return runProbeChildIfAsked(argv) || runListVolumesChildIfAsked(argv) || runMoveFileChildIfAsked(argv);
}
