// A command run in a real terminal: a pty made by script(1) (util-linux), of a given width.
import { spawnSync } from 'node:child_process';
import { shellQuote } from '../../src/core/text/shell-quote';
import { CLI, ensureBuilt } from './cli';

/** What the command prints into a terminal of `cols` columns (colours stripped, CR LF made LF). */
export function inPty(args: string[], cols: number): string {
  ensureBuilt();
  const cmd = `stty cols ${cols} rows 100; exec ${shellQuote([process.execPath, CLI, ...args])}`;
  const env = { ...process.env };
  delete env.COLUMNS;
  delete env.NO_COLOR;
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env, timeout: 60_000 });
  return r.stdout
    .replace(/\u001b\[[0-9;]*m/g, '')
    .replace(/\r\n/g, '\n')
    .replace(/\r/g, '');
}
