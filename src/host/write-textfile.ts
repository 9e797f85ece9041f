// Writes a metrics file for node_exporter's textfile collector. The collector may read the
// directory at any moment, so the text goes to NAME.$$ first (same directory, same filesystem) and
// is renamed over NAME: a scrape sees the old file or the new one, never half of one.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckError } from '../core/vocab/errors';
import { writeFileSafelyAsync } from './write-file';

/** Default directory of Debian's prometheus-node-exporter textfile collector. */
export const DEFAULT_TEXTFILE_DIR = '/var/lib/prometheus/node-exporter';
export const DEFAULT_TEXTFILE_NAME = 'pve-health.prom';

/** Write `text` to DIR/NAME atomically; returns the final path. */
export async function writeTextfile(dir: string, name: string, text: string, mode = 0o644): Promise<string> {
  if (name.includes('/') || name === '' || name.startsWith('.')) throw new Error(`invalid textfile name '${name}'`);
  // node_exporter's directory is the admin's (its package creates it): a missing one is a mistake in
  // the path, said plainly, not something to create where no collector looks.
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory())
    throw new CheckError(`textfile directory ${dir} does not exist (is node_exporter's textfile collector set up?)`);
  const final = join(dir, name);
  // The collector only reads *.prom, so the temporary NAME.$$ (here: .prom.<pid>) is never scraped.
  // Created exclusively and without following a symlink: a link planted under that name is not written through.
  await writeFileSafelyAsync(final, text, mode, `${final}.${process.pid}`);
  return final;
}
