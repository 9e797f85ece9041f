// Writes a metrics file for node_exporter's textfile collector. The collector may read the
// directory at any moment, so the text goes to NAME.$$ first (same directory, same filesystem) and
// is renamed over NAME: a scrape sees the old file or the new one, never half of one.
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Default directory of Debian's prometheus-node-exporter textfile collector. */
export const DEFAULT_TEXTFILE_DIR = '/var/lib/prometheus/node-exporter';
export const DEFAULT_TEXTFILE_NAME = 'pve-health.prom';

/** Write `text` to DIR/NAME atomically; returns the final path. */
export async function writeTextfile(dir: string, name: string, text: string): Promise<string> {
  if (name.includes('/') || name === '' || name.startsWith('.')) throw new Error(`invalid textfile name '${name}'`);
  await mkdir(dir, { recursive: true });
  const final = join(dir, name);
  // The collector only reads *.prom, so the temporary NAME.$$ (here: .prom.<pid>) is never scraped.
  const tmp = `${final}.${process.pid}`;
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, final);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  return final;
}
